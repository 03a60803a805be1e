#include "supervisor/daemon/pid1.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/core/log.h"

bool pv_pid1(void)
{
	return getpid() == 1;
}

/* Whether PATH is a mount point of its own: a different device than its
 * parent directory's (enough for the kernel's filesystems and tmpfs). */
static bool mounted(const char *path, const char *parent)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* Whether DIR has no entries (or is missing). */
static bool empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool none = true;

	if (!d)
		return true;
	while (none && (e = readdir(d)))
		none = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return none;
}

static void mount_one(const char *what, const char *where, const char *type,
		      unsigned long flags, const char *data)
{
	mkdir(where, 0755); /* EEXIST, or a read-only root: mount says */
	if (mount(what, where, type, flags, data) < 0)
		pv_warn("PID 1: cannot mount %s on %s: %s", type, where, strerror(errno));
	else
		pv_info("PID 1: mounted %s on %s", type, where);
}

void pv_pid1_mounts(void)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (access("/proc/self/stat", F_OK) < 0)
		mount_one("proc", "/proc", "proc", safe, NULL);
	if (access("/sys/kernel", F_OK) < 0)
		mount_one("sysfs", "/sys", "sysfs", safe, NULL);
	if (access("/dev/null", F_OK) < 0)
		mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	if (!mounted("/run", "/") && empty("/run"))
		mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	/* Nothing there at all (a hierarchy of any version, or a tmpfs of v1
	 * controllers, is the system's choice): the unified one. */
	if (access("/sys/kernel", F_OK) == 0 && !mounted("/sys/fs/cgroup", "/sys/fs"))
		mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", safe, "nsdelegate");
}
