#include "volumes/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

static bool force_fallback;

void pv_safepath_force_fallback(bool on)
{
	force_fallback = on;
}

static const char *relative(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int refuse(struct pv_err *err, int code, const char *path)
{
	switch (code) {
	case EXDEV:
		return pv_err_set(err, EXDEV, "%s: leads outside its root (through a symlink or \"..\")",
				  path);
	case ELOOP:
		return pv_err_set(err, ELOOP, "%s: a symlink where none may be", path);
	default:
		return pv_err_sys(err, code, "%s", path);
	}
}

/* Without openat2: one component at a time, no symlink followed at all,
 * no "..": stricter than needed, never looser. */
static int walk(int rootfd, const char *path, int flags, struct pv_err *err)
{
	char buf[4096], *save = NULL, *comp, *next;
	int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);

	if (cur < 0 || (size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
		if (cur >= 0)
			close(cur);
		return pv_err_set(err, ENAMETOOLONG, "%s: path too long", path);
	}
	for (comp = strtok_r(buf, "/", &save); comp; comp = next) {
		struct stat st;
		int fd;

		next = strtok_r(NULL, "/", &save);
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			close(cur);
			return refuse(err, EXDEV, path);
		}
		fd = openat(cur, comp, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			int e = fd < 0 ? errno : ELOOP;

			if (fd >= 0)
				close(fd);
			close(cur);
			return refuse(err, e == ENOTDIR && next ? ELOOP : e, path);
		}
		close(cur);
		cur = fd;
	}
	if (strcmp(relative(path), ".") == 0 && !(flags & O_PATH)) {
		int fd = openat(cur, ".", flags | O_CLOEXEC);

		close(cur);
		return fd < 0 ? refuse(err, errno, path) : fd;
	}
	return cur;
}

int pv_open_beneath(int rootfd, const char *path, enum pv_resolve how, int flags,
		    struct pv_err *err)
{
	struct open_how oh = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_NO_MAGICLINKS |
			   (how == PV_RESOLVE_IN_ROOT ? RESOLVE_IN_ROOT : RESOLVE_BENEATH),
	};
	const char *rel = relative(path);
	long fd;

	if (!force_fallback) {
		fd = syscall(SYS_openat2, rootfd, rel, &oh, sizeof(oh));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return refuse(err, errno, path);
	}
	return walk(rootfd, rel, flags, err);
}

/* PATH's first LEN bytes, for the prefixes mkdir -p goes through. */
static void prefix(char *out, size_t size, const char *path, size_t len)
{
	snprintf(out, size, "%.*s", (int)len, path);
}

int pv_mkdir_beneath(int rootfd, const char *path, enum pv_resolve how, mode_t mode,
		     struct pv_err *err)
{
	const char *rel = relative(path);
	size_t len = strlen(rel);
	cleanup_close int parent = -1;
	char pre[4096];

	if (len >= sizeof(pre))
		return pv_err_set(err, ENAMETOOLONG, "%s: path too long", path);
	parent = pv_open_beneath(rootfd, ".", how, O_PATH | O_DIRECTORY, err);
	if (parent < 0)
		return -1;
	for (size_t i = 0; i <= len; i++) {
		size_t start;
		int fd;

		if (rel[i] != '/' && rel[i] != '\0')
			continue;
		prefix(pre, sizeof(pre), rel, i);
		fd = pv_open_beneath(rootfd, pre, how, O_PATH | O_DIRECTORY, err);
		if (fd < 0 && err && err->code == ENOENT) {
			/* The last component, made in its parent as resolved so far:
			 * mkdirat never follows a symlink there. */
			for (start = i; start > 0 && rel[start - 1] != '/'; start--)
				;
			prefix(pre, sizeof(pre), rel + start, i - start);
			if (mkdirat(parent, pre, mode) < 0 && errno != EEXIST)
				return refuse(err, errno, path);
			prefix(pre, sizeof(pre), rel, i);
			fd = pv_open_beneath(rootfd, pre, how, O_PATH | O_DIRECTORY, err);
		}
		if (fd < 0)
			return -1;
		close(parent);
		parent = fd;
	}
	return steal_fd(&parent);
}

int pv_touch_beneath(int rootfd, const char *path, enum pv_resolve how, mode_t mode,
		     struct pv_err *err)
{
	const char *rel = relative(path), *slash = strrchr(rel, '/');
	cleanup_close int dir = -1;
	char parent[4096];
	int fd;

	fd = pv_open_beneath(rootfd, rel, how, O_PATH, err);
	if (fd >= 0 || !err || err->code != ENOENT)
		return fd;
	prefix(parent, sizeof(parent), rel, slash ? (size_t)(slash - rel) : 0);
	dir = pv_mkdir_beneath(rootfd, parent, how, 0755, err);
	if (dir < 0)
		return -1;
	fd = openat(dir, slash ? slash + 1 : rel, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		return refuse(err, errno, path);
	if (fd >= 0)
		close(fd);
	return pv_open_beneath(rootfd, rel, how, O_PATH, err);
}
