#include "supervisor/sandbox/devices.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 8

/* runc's GetDevices skips these */
static bool skipped(const char *name, bool dir)
{
	static const char *const dirs[] = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts",
					    ".udev" };

	if (!dir)
		return strcmp(name, "console") == 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(name, dirs[i]) == 0)
			return true;
	return false;
}

static int make_one(const char *src, const char *dst, const struct stat *st)
{
	int fd;

	if (mknod(dst, st->st_mode & (S_IFMT | 07777), st->st_rdev) == 0) {
		chmod(dst, st->st_mode & 07777); /* mknod's mode lost the umask's bits */
		if (chown(dst, st->st_uid, st->st_gid) < 0)
			errno = 0; /* root's then: still the device */
		return 1;
	}
	/* in a user namespace mknod is refused: a bind mount, as runc does */
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	close(fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) == 0)
		return 1;
	unlink(dst);
	return 0;
}

static int walk(const char *host, const char *dev, int depth)
{
	DIR *dir = opendir(host);
	struct dirent *e;
	int made = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char src[PATH_MAX], dst[PATH_MAX];
		struct stat st, there;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", host, e->d_name) >= sizeof(src) ||
		    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dev, e->d_name) >= sizeof(dst) ||
		    lstat(src, &st) < 0 || skipped(e->d_name, S_ISDIR(st.st_mode)))
			continue;
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			/* only into a directory: a link there could lead anywhere */
			bool mine = mkdir(dst, st.st_mode & 07777) == 0;

			if (mine || (lstat(dst, &there) == 0 && S_ISDIR(there.st_mode)))
				made += walk(src, dst, depth + 1);
			if (mine)
				rmdir(dst); /* fails unless it stayed empty */
		} else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && lstat(dst, &there) < 0) {
			made += make_one(src, dst, &st);
		}
	}
	closedir(dir);
	return made;
}

int pv_devices_host(const char *host_dev, const char *dev)
{
	return walk(host_dev, dev, 0);
}
