#include "supervisor/daemon/pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
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

/* The inode of the initial PID namespace (the kernel's PROC_PID_INIT_INO):
 * a PID 1 there is the machine's init, not a container's. */
#define PID_INIT_INO 0xEFFFFFFCU

bool pv_pid1_machine(void)
{
	struct stat st;

	return pv_pid1() && stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PID_INIT_INO;
}

/* Write "+c" for each controller the root offers to its subtree_control:
 * a cgroup2 hierarchy mounted just now enables none for its children. */
static void enable_controllers(void)
{
	cleanup_free char *avail = pv_read_file_raw("/sys/fs/cgroup/cgroup.controllers", 4096,
						    NULL, NULL);
	char want[600] = "", *save = NULL;
	int fd;

	if (!avail)
		return;
	for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		size_t l = strlen(want);

		snprintf(want + l, sizeof(want) - l, "%s+%s", l ? " " : "", c);
	}
	if (!*want)
		return;
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, want, strlen(want)) < 0)
		pv_warn("PID 1: cannot enable the cgroup controllers %s: %s", want, strerror(errno));
	else
		pv_info("PID 1: enabled the cgroup controllers %s", want);
	if (fd >= 0)
		close(fd);
}

void pv_pid1_hostname(void)
{
	char cur[256] = "";
	cleanup_free char *name = NULL;

	gethostname(cur, sizeof(cur) - 1);
	if (*cur && strcmp(cur, "(none)") != 0)
		return;
	name = pv_read_file_raw("/etc/hostname", 4096, NULL, NULL);
	if (!name)
		return;
	name[strcspn(name, " \t\r\n")] = '\0';
	if (!*name || strlen(name) > 64)
		return;
	if (sethostname(name, strlen(name)) < 0)
		pv_warn("PID 1: cannot set the hostname %s: %s", name, strerror(errno));
	else
		pv_info("PID 1: hostname %s (from /etc/hostname)", name);
}

void pv_pid1_machine_init(void)
{
	/* Ctrl-Alt-Del: SIGINT to us (a graceful stop), not an instant reboot */
	if (reboot(RB_DISABLE_CAD) < 0)
		pv_warn("PID 1: Ctrl-Alt-Del stays an instant reboot: %s", strerror(errno));
}

void pv_pid1_poweroff(void)
{
	pv_info("PID 1: every pod stopped; powering off");
	sync();
	reboot(RB_POWER_OFF);
	pv_warn("PID 1: cannot power off: %s", strerror(errno)); /* the kernel panics next */
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
	if (access("/sys/kernel", F_OK) == 0 && !mounted("/sys/fs/cgroup", "/sys/fs")) {
		mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", safe, "nsdelegate");
		enable_controllers();
	}
}
