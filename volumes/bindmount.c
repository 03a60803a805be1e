#include "volumes/bindmount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "volumes/safepath.h"

static void (*test_hook)(void *data);
static void *test_hook_data;

void pv_bind_test_hook(void (*fn)(void *data), void *data)
{
	test_hook = fn;
	test_hook_data = data;
}

static void fd_path(char *out, size_t len, int fd)
{
	snprintf(out, len, "/proc/self/fd/%d", fd);
}

/* The mount's source: SRCFD itself, or the subPath beneath it. */
static int open_source(int srcfd, const char *sub_path, struct pv_err *err)
{
	int fd;

	if (!sub_path || !*sub_path) {
		fd = fcntl(srcfd, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? pv_err_set(err, errno, "volume") : fd;
	}
	fd = pv_open_beneath(srcfd, sub_path, PV_RESOLVE_BENEATH, O_PATH, err);
	return fd < 0 ? pv_err_wrap(err, "subPath") : fd;
}

/* The mount point, inside the root: a directory for a directory, an empty
 * file for anything else (a bind mount of a file needs a file). */
static int open_target(int rootfd, int src, const char *target, struct pv_err *err)
{
	struct stat st;
	int fd;

	if (fstat(src, &st) < 0)
		return pv_err_set(err, errno, "volume");
	fd = S_ISDIR(st.st_mode) ? pv_mkdir_beneath(rootfd, target, PV_RESOLVE_IN_ROOT, 0755, err)
				 : pv_touch_beneath(rootfd, target, PV_RESOLVE_IN_ROOT, 0644, err);
	return fd < 0 ? pv_err_wrap(err, "mountPath") : fd;
}

/* Read-only: the mount itself now, not the directory under it. */
static int remount_read_only(int rootfd, const char *target, struct pv_err *err)
{
	cleanup_close int fd = pv_open_beneath(rootfd, target, PV_RESOLVE_IN_ROOT, O_PATH, err);
	char path[64];

	if (fd < 0)
		return pv_err_wrap(err, "mountPath");
	fd_path(path, sizeof(path), fd);
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return pv_err_set(err, errno, "read-only %s", target);
	return 0;
}

int pv_bind_beneath(int srcfd, int rootfd, const struct pv_bind *b, struct pv_err *err)
{
	cleanup_close int src = open_source(srcfd, b->sub_path, err), dst = -1;
	char src_path[64], dst_path[64];

	if (src < 0)
		return -1;
	dst = open_target(rootfd, src, b->target, err);
	if (dst < 0)
		return -1;
	if (test_hook)
		test_hook(test_hook_data);
	fd_path(src_path, sizeof(src_path), src);
	fd_path(dst_path, sizeof(dst_path), dst);
	if (mount(src_path, dst_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pv_err_set(err, errno, "mount on %s", b->target);
	return b->read_only ? remount_read_only(rootfd, b->target, err) : 0;
}
