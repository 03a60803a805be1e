/* File helpers for the image store: mkdir -p, rm -rf that never follows a
 * symlink or crosses a mount, atomic writes, bounded reads, and opening a
 * directory below a root one component at a time. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/vec.h"
#include "supervisor/image/image_internal.h"

int pv_img_mkdir_p(const char *path, mode_t mode, struct pv_err *err)
{
	cleanup_free char *copy = strdup(path);
	struct stat st;

	if (!copy)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!*copy)
		return pv_err_set(err, EINVAL, "empty directory name");
	for (char *p = copy + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, c ? 0755 : mode) < 0 && errno != EEXIST)
			return pv_err_sys(err, errno, "cannot create %s", copy);
		if (stat(copy, &st) < 0)
			return pv_err_sys(err, errno, "%s", copy);
		if (!S_ISDIR(st.st_mode))
			return pv_err_set(err, ENOTDIR, "%s: not a directory", copy);
		*p = c;
		if (c == '\0')
			return 0;
	}
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D || type == FTW_DNR)
		return rmdir(path) < 0 ? errno : 0;
	return unlink(path) < 0 && errno != ENOENT ? errno : 0;
}

int pv_img_rm_tree(const char *path, struct pv_err *err)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? pv_err_sys(err, errno, "cannot remove %s", path) : 0;
	rc = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (rc > 0)
		return pv_err_sys(err, rc, "cannot remove %s", path);
	if (rc < 0)
		return pv_err_sys(err, errno, "cannot remove %s", path);
	return 0;
}

int pv_img_fsync_dir(const char *path, struct pv_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return pv_err_sys(err, errno, "cannot sync %s", path);
	return 0;
}

int pv_img_write_atomic(const char *dir, const char *name, const char *data, size_t len,
			 mode_t mode, struct pv_err *err)
{
	cleanup_free char *tmp = NULL;
	cleanup_free char *dst = NULL;
	cleanup_close int fd = -1;

	if (asprintf(&tmp, "%s/.tmp.XXXXXX", dir) < 0 || asprintf(&dst, "%s/%s", dir, name) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "cannot create a file in %s", dir);
	if (fchmod(fd, mode) < 0 || pv_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		pv_err_sys(err, errno, "cannot write %s", tmp);
		goto fail;
	}
	if (rename(tmp, dst) < 0) {
		pv_err_sys(err, errno, "cannot rename %s to %s", tmp, dst);
		goto fail;
	}
	return pv_img_fsync_dir(dir, err);
fail:
	unlink(tmp);
	return -1;
}

int pv_img_read_fd(int fd, size_t max, char **out, size_t *len, const char *name,
	       struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t r;

		/* a read of 4 KiB at least, and room for the final NUL */
		if (pv_vec_reserve(buf, n, cap, 4097) < 0)
			return pv_err_set(err, ENOMEM, "out of memory reading %s", name);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pv_err_sys(err, errno, "cannot read %s", name);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return pv_err_set(err, EFBIG, "%s: larger than %zu bytes", name, max);
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	*len = n;
	return 0;
}

int pv_img_read_at(int dir_fd, const char *name, size_t max, char **out, size_t *len,
		    struct pv_err *err)
{
	cleanup_close int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return pv_err_sys(err, errno, "%s", name);
	if (fstat(fd, &st) < 0)
		return pv_err_sys(err, errno, "%s", name);
	if (!S_ISREG(st.st_mode))
		return pv_err_set(err, EINVAL, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return pv_err_set(err, EFBIG, "%s: larger than %zu bytes", name, max);
	return pv_img_read_fd(fd, max, out, len, name, err);
}

static int open_component(int dir_fd, const char *name, bool create, const char *rel,
			  struct pv_err *err)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
			return pv_err_sys(err, errno, "cannot create %s", rel);
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fchmod(fd, 0755) < 0) { /* whatever the umask */
			close(fd);
			return pv_err_sys(err, errno, "cannot chmod %s", rel);
		}
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return pv_err_set(err, errno, "%s: \"%s\" is a symlink or not a directory; "
				  "refusing to go through it", rel, name);
	if (fd < 0)
		return pv_err_sys(err, errno, "%s", rel);
	return fd;
}

int pv_img_open_beneath(int root_fd, const char *rel, bool create, struct pv_err *err)
{
	cleanup_free char *copy = strdup(rel);
	char *save = NULL;
	int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);

	if (!copy || fd < 0) {
		if (fd >= 0)
			close(fd);
		return pv_err_sys(err, copy ? errno : ENOMEM, "cannot open %s", rel);
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			return pv_err_set(err, EINVAL, "%s: invalid path", rel);
		}
		next = open_component(fd, c, create, rel, err);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	return fd;
}
