#include "supervisor/core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"

static int write_aside(const char *path, const void *buf, size_t len, mode_t mode, bool durable,
		       struct pv_err *err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return pv_err_sys(err, errno, "%s", tmp);
	if (pv_write_all(fd, buf, len) < 0 || (durable && fsync(fd) < 0)) {
		int e = errno;

		unlink(tmp);
		return pv_err_sys(err, e, "%s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return pv_err_sys(err, e, "rename %s", path);
	}
	return 0;
}

int pv_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, struct pv_err *err)
{
	return write_aside(path, buf, len, mode, true, err);
}

int pv_write_replace(const char *path, const void *buf, size_t len, mode_t mode, struct pv_err *err)
{
	return write_aside(path, buf, len, mode, false, err);
}

static const char *json_text(struct json_object *j)
{
	return json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int pv_write_json_atomic(const char *path, struct json_object *j, struct pv_err *err)
{
	const char *s = json_text(j);

	return pv_write_atomic(path, s, strlen(s), 0600, err);
}

int pv_write_json_replace(const char *path, struct json_object *j, struct pv_err *err)
{
	const char *s = json_text(j);

	return pv_write_replace(path, s, strlen(s), 0600, err);
}

static char *read_fd(int fd, const char *path, size_t max, size_t *len, struct pv_err *err);

char *pv_read_file(const char *path, size_t max, size_t *len, struct pv_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	return read_fd(fd, path, max, len, err);
}

char *pv_read_file_raw(const char *path, size_t max, size_t *len, struct pv_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	return read_fd(fd, path, max, len, err);
}

static char *read_fd(int fd, const char *path, size_t max, size_t *len, struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return pv_err_sys(err, errno, "%s", path), NULL;
	buf = malloc(max + 1);
	if (!buf)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	for (;;) {
		ssize_t n = read(fd, buf + got, max - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pv_err_sys(err, errno, "%s", path), NULL;
		if (n == 0 || (got += (size_t)n) == max)
			break;
	}
	buf[got] = '\0';
	if (len)
		*len = got;
	return steal_pointer(&buf);
}

struct json_object *pv_read_json(const char *path, struct pv_err *err)
{
	cleanup_free char *s = pv_read_file(path, 1 << 20, NULL, err);
	struct json_object *j;

	if (!s)
		return NULL;
	j = json_tokener_parse(s);
	if (!j)
		pv_err_set(err, EINVAL, "%s: not valid JSON", path);
	return j;
}

/* P (writable) made, its missing parents first: from the deepest one
 * there, not from the root (a new pod's directories, made for each of its
 * files: one mkdir where there were one for every component). */
static int mkdir_up(char *p, mode_t mode, struct pv_err *err)
{
	char *slash;

	if (mkdir(p, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(p, '/')) || slash == p)
		return pv_err_sys(err, errno, "mkdir %s", p);
	*slash = '\0';
	if (mkdir_up(p, mode, err) < 0)
		return -1;
	*slash = '/';
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return pv_err_sys(err, errno, "mkdir %s", p);
	return 0;
}

int pv_mkdir_p(const char *path, mode_t mode, struct pv_err *err)
{
	cleanup_free char *p = strdup(path);

	if (!p)
		return pv_err_set(err, ENOMEM, "out of memory");
	return mkdir_up(p, mode, err);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int pv_rm_rf(const char *path, struct pv_err *err)
{
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return pv_err_sys(err, errno, "remove %s", path);
	return 0;
}

int pv_tmpfs_once(const char *dir, const char *opts, struct pv_err *err)
{
	cleanup_free char *parent = NULL;
	struct stat st, up;

	if (asprintf(&parent, "%s/..", dir) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (stat(dir, &st) < 0 || stat(parent, &up) < 0)
		return pv_err_sys(err, errno, "%s", dir);
	if (st.st_dev != up.st_dev)
		return 0;
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return pv_err_sys(err, errno, "%s: tmpfs", dir);
	return 0;
}
