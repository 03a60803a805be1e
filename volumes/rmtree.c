#include "volumes/rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "volumes/safepath.h"

/* One removal: the device the tree is on, and the path for messages. */
struct rmtree {
	dev_t dev;
	const char *path;
	struct pv_err *err;
};

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int remove_entry(struct rmtree *t, int dfd, const char *name, const struct stat *st,
			int depth);

/* Empty directory NAME of DFD, which is ST: opened without following a
 * symlink, and checked to be ST still (a rename racing us is refused). */
static int empty_dir(struct rmtree *t, int dfd, const char *name, const struct stat *st,
		     int depth)
{
	int fd = -1, rc = 0;
	struct dirent *e;
	struct stat now;
	DIR *dir;

	if (st->st_dev != t->dev)
		return pv_err_set(t->err, EBUSY, "%s: %s is a mount point: not removed", t->path,
				  name);
	if (depth >= PV_RMTREE_DEPTH_MAX)
		return pv_err_set(t->err, EMLINK, "%s: more than %d directories deep: not removed",
				  t->path, PV_RMTREE_DEPTH_MAX);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : pv_err_sys(t->err, errno, "%s: open %s", t->path, name);
	if (fstat(fd, &now) < 0 || !same_inode(&now, st)) {
		close(fd);
		return pv_err_set(t->err, ESTALE, "%s: %s changed while being removed", t->path, name);
	}
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return pv_err_sys(t->err, errno, "%s: read %s", t->path, name);
	}
	while (rc == 0 && (errno = 0, e = readdir(dir))) {
		struct stat est;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), e->d_name, &est, AT_SYMLINK_NOFOLLOW) < 0)
			rc = errno == ENOENT ? 0 : pv_err_sys(t->err, errno, "%s: %s", t->path, e->d_name);
		else
			rc = remove_entry(t, dirfd(dir), e->d_name, &est, depth + 1);
	}
	if (rc == 0 && errno)
		rc = pv_err_sys(t->err, errno, "%s: read %s", t->path, name);
	closedir(dir);
	return rc;
}

/* Remove NAME of DFD, which is ST (a directory with all it holds). */
static int remove_entry(struct rmtree *t, int dfd, const char *name, const struct stat *st,
			int depth)
{
	bool is_dir = S_ISDIR(st->st_mode);

	if (is_dir && empty_dir(t, dfd, name, st, depth) < 0)
		return -1;
	if (unlinkat(dfd, name, is_dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return pv_err_sys(t->err, errno, "%s: remove %s", t->path, name);
	return 0;
}

int pv_rmtree_beneath(int rootfd, const char *path, const struct stat *expect,
		      struct pv_err *err)
{
	char rel[4096], *slash, *base;
	cleanup_close int parent = -1;
	struct rmtree t = { .path = path, .err = err };
	struct stat st;
	size_t n;

	while (*path == '/')
		path++;
	n = (size_t)snprintf(rel, sizeof(rel), "%s", path);
	if (n >= sizeof(rel))
		return pv_err_set(err, ENAMETOOLONG, "%s: path too long", t.path);
	while (n > 0 && rel[n - 1] == '/')
		rel[--n] = '\0';
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return pv_err_set(err, EINVAL, "%s: not a path beneath the root", t.path);
	if (slash)
		*slash = '\0';
	parent = pv_open_beneath(rootfd, slash ? rel : ".", PV_RESOLVE_BENEATH,
				 O_PATH | O_DIRECTORY, err);
	if (parent < 0)
		return err && err->code == ENOENT ? (memset(err, 0, sizeof(*err)), 0) : -1;
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", t.path);
	if (expect && !same_inode(&st, expect))
		return pv_err_set(err, ESTALE, "%s: not what was checked before (replaced since?): "
				  "not removed", t.path);
	t.dev = st.st_dev;
	return remove_entry(&t, parent, base, &st, 0);
}
