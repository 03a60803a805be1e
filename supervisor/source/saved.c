#include "supervisor/source/saved.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/manifest.h"
#include "supervisor/core/fsutil.h"

static size_t root_len(const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return n;
}

static bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int pv_saved_escape(const char *root, const char *path, char *out, size_t n)
{
	size_t rl = root_len(root), o = 0;
	const char *rel = path + rl;

	if (strncmp(root, path, rl) != 0 || *rel != '/' || !rel[1])
		return -1;
	for (rel++; *rel; rel++) {
		unsigned char c = (unsigned char)*rel;

		if (o + 4 > n)
			return -1;
		if (plain(c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pv_saved_unescape(const char *root, const char *name, char *out, size_t n)
{
	size_t rl = root_len(root), o;

	if (!name[0] || name[0] == '.' || rl + 2 > n)
		return -1;
	memcpy(out, root, rl);
	out[rl] = '/';
	o = rl + 1;
	for (const char *p = name; *p; p++) {
		int hi, lo;

		if (o + 1 >= n)
			return -1;
		if (plain((unsigned char)*p)) {
			out[o++] = *p;
			continue;
		}
		if (*p != '%' || (hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		out[o++] = (char)(hi * 16 + lo);
		p += 2;
	}
	out[o] = '\0';
	return 0;
}

static int copy_path(const struct pv_saved *s, const char *path, char *out, size_t n)
{
	char name[NAME_MAX + 1];

	if (pv_saved_escape(s->root, path, name, sizeof(name)) < 0)
		return errno = ENAMETOOLONG, -1;
	if ((size_t)snprintf(out, n, "%s/%s", s->dir, name) >= n)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

static bool same_bytes(const char *copy, const char *buf, size_t len, int64_t *at)
{
	struct pv_err err = { 0 };
	size_t have = 0;
	cleanup_free char *old = pv_read_file(copy, len, &have, &err);
	struct stat st;

	if (!old || have != len || memcmp(old, buf, len) != 0 || stat(copy, &st) < 0)
		return false;
	*at = st.st_mtime;
	return true;
}

static void sync_dir(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		fsync(fd);
}

int pv_saved_put(const struct pv_saved *s, const char *path, const char *buf, size_t len,
		 int64_t *at, struct pv_err *err)
{
	char copy[PATH_MAX];
	struct stat st;

	if (copy_path(s, path, copy, sizeof(copy)) < 0)
		return pv_err_sys(err, errno, "%s: no name for its saved copy", path);
	if (same_bytes(copy, buf, len, at))
		return 0;
	if (pv_mkdir_p(s->dir, 0700, err) < 0 || pv_write_atomic(copy, buf, len, 0600, err) < 0)
		return -1;
	sync_dir(s->dir);
	*at = stat(copy, &st) == 0 ? (int64_t)st.st_mtime : (int64_t)time(NULL);
	return 0;
}

char *pv_saved_get(const struct pv_saved *s, const char *path, size_t max, size_t *len,
		   int64_t *at, struct pv_err *err)
{
	char copy[PATH_MAX];
	struct stat st;
	char *buf;

	if (copy_path(s, path, copy, sizeof(copy)) < 0)
		return pv_err_sys(err, errno, "%s: no name for its saved copy", path), NULL;
	if (!(buf = pv_read_file(copy, max, len, err)))
		return NULL;
	*at = stat(copy, &st) == 0 ? (int64_t)st.st_mtime : 0;
	return buf;
}

void pv_saved_drop(const struct pv_saved *s, const char *path)
{
	char copy[PATH_MAX];

	if (copy_path(s, path, copy, sizeof(copy)) == 0 && unlink(copy) == 0)
		sync_dir(s->dir);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int pv_saved_list(const struct pv_saved *s, struct pv_pathlist *out, struct pv_err *err)
{
	struct dirent **names = NULL;
	int n = scandir(s->dir, &names, NULL, name_cmp), rc = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", s->dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name, *base;
		char path[PATH_MAX], junk[PATH_MAX];

		if (strcmp(name, ".") && strcmp(name, "..")) {
			if (pv_saved_unescape(s->root, name, path, sizeof(path)) == 0 &&
			    (base = strrchr(path, '/')) && pv_manifest_name_ok(base + 1)) {
				if (rc == 0 && pv_pathlist_add(out, path) < 0)
					rc = pv_err_set(err, ENOMEM, "out of memory");
			} else if ((size_t)snprintf(junk, sizeof(junk), "%s/%s", s->dir, name) <
				   sizeof(junk)) {
				unlink(junk);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
