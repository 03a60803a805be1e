#include "supervisor/source/scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/manifest.h"

int pv_pathlist_add(struct pv_pathlist *l, const char *path)
{
	char *copy = strdup(path);

	if (!copy || pv_vec_push(l->v, l->n, l->cap, copy) < 0) {
		free(copy);
		return -1;
	}
	return 0;
}

void pv_pathlist_free(struct pv_pathlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	pv_vec_free(l->v, l->n, l->cap);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int scan(const char *dir, struct pv_pathlist *out, int depth, struct pv_err *err);

static int scan_entry(const char *dir, const char *name, struct pv_pathlist *out, int depth,
		      struct pv_err *err)
{
	cleanup_free char *path = NULL;
	struct stat st;

	if (name[0] == '.')
		return 0;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		return scan(path, out, depth + 1, err);
	/* Symlinks, FIFOs, devices named like manifests are listed: reading
	 * them is admit.h's decision, and a refusal is reported. */
	if (!pv_manifest_name_ok(name))
		return 0;
	if (pv_pathlist_add(out, path) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int scan(const char *dir, struct pv_pathlist *out, int depth, struct pv_err *err)
{
	struct dirent **names = NULL;
	int n, rc = 0;

	if (depth > PV_SCAN_MAX_DEPTH)
		return pv_err_set(err, ELOOP, "%s: directories nested more than %d deep", dir,
				  PV_SCAN_MAX_DEPTH);
	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0)
		return pv_err_sys(err, errno, "%s", dir);
	/* One bad entry does not hide the ones after it: go on, and report
	 * the first error. */
	for (int i = 0; i < n; i++) {
		struct pv_err e = { 0 };

		if (scan_entry(dir, names[i]->d_name, out, depth, &e) < 0 && rc == 0)
			rc = -1, *err = e;
		free(names[i]);
	}
	free(names);
	return rc;
}

int pv_scan_dir(const char *dir, struct pv_pathlist *out, struct pv_err *err)
{
	size_t len = strlen(dir);
	cleanup_free char *d = strdup(dir);

	if (!d)
		return pv_err_set(err, ENOMEM, "out of memory");
	while (len > 1 && d[len - 1] == '/')
		d[--len] = '\0';
	return scan(d, out, 0, err);
}
