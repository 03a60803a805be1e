#include "supervisor/runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "supervisor/sandbox/caps.h"
#include "supervisor/sandbox/devices.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/idmap.h"
#include "supervisor/sandbox/seccomp.h"
#include "supervisor/core/proc.h"
#include "volumes/bindmount.h"

static void __attribute__((noreturn, format(printf, 2, 3))) die(int errfd, const char *fmt, ...)
{
	char msg[1024];
	int e = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(e));
	if (write(errfd, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

/* snprintf into a PATH_MAX buffer; an over-long path fails the mount
 * that uses it, so truncation needs no separate check. */
static void __attribute__((format(printf, 2, 3))) pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, PATH_MAX, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

static void mount_or_die(int errfd, const char *src, const char *dst, const char *type,
			 unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		die(errfd, "mount %s on %s", type ? type : src ? src : "(remount)", dst);
}

static void touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd >= 0)
		close(fd);
}

/* The options with the layers at their full paths, top first, when they
 * fit in overlayfs's page and need no escaping; NULL otherwise. */
static char *direct_options(const struct pv_cspec *s)
{
	size_t n = pv_strv_len(s->layers), len = 0;
	char *opts = NULL;
	FILE *f = open_memstream(&opts, &len);

	if (!f)
		return NULL;
	fputs("lowerdir=", f);
	for (size_t i = n; i-- > 0;)
		fprintf(f, "%s%s", i == n - 1 ? "" : ":", s->layers[i]);
	fprintf(f, ",upperdir=%s/upper,workdir=%s/work", s->dir, s->dir);
	if (fclose(f) != 0 || !opts || len >= 4000) { /* a page, less the kernel's own */
		free(opts);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strpbrk(s->layers[i], ":,\\")) {
			free(opts);
			return NULL;
		}
	return opts;
}

/* overlayfs reads its options from one page (4 KiB): some forty layers at
 * their full paths do not fit. Then each layer gets a short name, a
 * symlink DIR/lower/I -> its directory, and the mount names the layers
 * relative to DIR/lower, top first ("lowerdir=39:38:...:0"): the 500
 * layers overlayfs stacks at most fit in the page. An image of a few
 * layers is mounted at their full paths, without the symlinks. */
static void mount_rootfs(const struct pv_cspec *s, const char *root, int errfd)
{
	char dir[PATH_MAX], name[24], *opts = direct_options(s), *lower = NULL;
	size_t n = pv_strv_len(s->layers), len = 0;
	int cwd, dfd;
	FILE *f;

	if (opts) {
		mount_or_die(errfd, "overlay", root, "overlay", 0, opts);
		free(opts);
		return;
	}
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pathf(dir, "%s/lower", s->dir);
	if (cwd < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		die(errfd, "%s", dir);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		die(errfd, "%s", dir);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%zu", i);
		unlinkat(dfd, name, 0);
		if (symlinkat(s->layers[i], dfd, name) < 0)
			die(errfd, "%s/%s", dir, name);
	}
	close(dfd);
	if (!(f = open_memstream(&lower, &len)))
		die(errfd, "memory");
	for (size_t i = n; i-- > 0;) /* overlayfs wants the top layer first */
		fprintf(f, "%s%zu", i == n - 1 ? "" : ":", i);
	fclose(f);
	if (!lower || asprintf(&opts, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, s->dir,
			       s->dir) < 0)
		die(errfd, "memory");
	if (chdir(dir) < 0)
		die(errfd, "%s", dir);
	mount_or_die(errfd, "overlay", root, "overlay", 0, opts);
	if (fchdir(cwd) < 0)
		die(errfd, "back from %s", dir);
	close(cwd);
	free(opts);
	free(lower);
}

/* OWNER: the pod's root on the host (hostUsers: false; 0: the host's
 * users), whose /dev and /dev/shm they are, as runc mounts them inside
 * the user namespace. */
static void mount_dev(const char *root, uint32_t owner, int errfd)
{
	static const struct {
		const char *name;
		unsigned int major, minor;
	} nodes[] = { { "null", 1, 3 },    { "zero", 1, 5 },    { "full", 1, 7 },
		      { "random", 1, 8 },  { "urandom", 1, 9 }, { "tty", 5, 0 } };
	char path[PATH_MAX], src[64], opts[128];

	pathf(path, "%s/dev", root);
	mkdir(path, 0755);
	snprintf(opts, sizeof(opts), "mode=755,size=65536k,uid=%u,gid=%u", owner, owner);
	mount_or_die(errfd, "tmpfs", path, "tmpfs", MS_NOSUID | MS_STRICTATIME, opts);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		pathf(path, "%s/dev/%s", root, nodes[i].name);
		/* A node of its own, as runc makes them: one syscall where a
		 * bind mount of the host's took three. In a user namespace
		 * (hostUsers: false) mknod is refused: the host's, bound. */
		if (!owner && mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) == 0 &&
		    chmod(path, 0666) == 0) /* past the umask */
			continue;
		pathf(src, "/dev/%s", nodes[i].name);
		touch(path, 0666);
		mount_or_die(errfd, src, path, NULL, MS_BIND, NULL);
	}
	pathf(path, "%s/dev/pts", root);
	mkdir(path, 0755);
	mount_or_die(errfd, "devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620");
	pathf(path, "%s/dev/ptmx", root);
	if (symlink("pts/ptmx", path) < 0)
		die(errfd, "symlink %s", path);
	pathf(path, "%s/dev/shm", root);
	mkdir(path, 01777);
	snprintf(opts, sizeof(opts), "mode=1777,size=65536k,uid=%u,gid=%u", owner, owner);
	mount_or_die(errfd, "shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts);
	pathf(path, "%s/dev/mqueue", root);
	mkdir(path, 0755);
	mount(NULL, path, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pathf(path, "%s/dev/fd", root);
	if (symlink("/proc/self/fd", path) < 0)
		die(errfd, "symlink %s", path);
	for (int i = 0; i < 3; i++) {
		static const char *const std[] = { "stdin", "stdout", "stderr" };
		char target[32];

		pathf(path, "%s/dev/%s", root, std[i]);
		snprintf(target, sizeof(target), "/proc/self/fd/%d", i);
		if (symlink(target, path) < 0)
			die(errfd, "symlink %s", path);
	}
}

static void mount_etc_file(const struct pv_cspec *s, const char *root, const char *name, int errfd)
{
	char src[PATH_MAX], dst[PATH_MAX];

	pathf(src, "%s/%s", s->pod_dir, name);
	pathf(dst, "%s/etc", root);
	mkdir(dst, 0755);
	pathf(dst, "%s/etc/%s", root, name);
	touch(dst, 0644);
	mount_or_die(errfd, src, dst, NULL, MS_BIND, NULL);
}

/* What a container may not read of the kernel (runc's and containerd's
 * default masked paths): files under /dev/null, directories under an
 * empty read-only tmpfs. */
static const char *const masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
};
/* What it may read but not write (their readonly paths). */
static const char *const read_only[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void mask_path(const char *root, const char *p, int errfd)
{
	char path[PATH_MAX];
	struct stat st;

	pathf(path, "%s%s", root, p);
	if (lstat(path, &st) < 0)
		return; /* not in this kernel: nothing to hide */
	if (S_ISDIR(st.st_mode))
		mount_or_die(errfd, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     "size=0");
	else
		mount_or_die(errfd, "/dev/null", path, NULL, MS_BIND, NULL);
}

static void read_only_path(const char *root, const char *p, int errfd)
{
	char path[PATH_MAX];
	struct stat st;

	pathf(path, "%s%s", root, p);
	if (lstat(path, &st) < 0)
		return;
	mount_or_die(errfd, path, path, NULL, MS_BIND | MS_REC, NULL);
	mount_or_die(errfd, NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
		     MS_NODEV | MS_NOEXEC, NULL);
}

static void mount_kernel_fs(const char *root, bool privileged, bool unmasked, int errfd)
{
	char path[PATH_MAX];

	pathf(path, "%s/proc", root);
	mkdir(path, 0555);
	mount_or_die(errfd, "proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pathf(path, "%s/sys", root);
	mkdir(path, 0555);
	/* read-write for a privileged container, as containerd mounts it */
	mount_or_die(errfd, "sysfs", path, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
		     (privileged ? 0 : MS_RDONLY), NULL);
	if (privileged || unmasked)
		return; /* as Kubernetes: privileged, or procMount Unmasked: the kernel unmasked */
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		mask_path(root, masked[i], errfd);
	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		read_only_path(root, read_only[i], errfd);
}

/* A volume: its source as the daemon checked it (the same real path, or
 * nothing), then volumes/bindmount.c: the subPath resolved beneath it,
 * the mount point made inside the container's root, the bind mount from
 * fd to fd. */
static void mount_volume(const struct pv_mount *m, int rootfd, int errfd)
{
	const struct pv_bind b = { m->sub_path, m->target, m->read_only };
	char real[PATH_MAX], src_path[64];
	struct pv_err err = { 0 };
	ssize_t n;
	int src = open(m->source, O_PATH | O_CLOEXEC);

	if (src < 0)
		die(errfd, "volume %s", m->source);
	pathf(src_path, "/proc/self/fd/%d", src);
	n = readlink(src_path, real, sizeof(real) - 1);
	if (n < 0 || (real[n] = '\0', strcmp(real, m->source) != 0))
		errno = EXDEV, die(errfd, "volume %s: changed since it was checked", m->source);
	if (pv_bind_beneath(src, rootfd, &b, &err) < 0) {
		errno = err.code ? err.code : EINVAL;
		die(errfd, "volume %s: %s", m->source, err.msg);
	}
	close(src);
}

static void mount_volumes(const struct pv_cspec *s, const char *root, int errfd)
{
	int rootfd;

	if (!s->nmounts)
		return;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(errfd, "%s", root);
	for (size_t i = 0; i < s->nmounts; i++)
		mount_volume(&s->mounts[i], rootfd, errfd);
	close(rootfd);
}

/* pivot_root(".", ".") then detach the old root: no directory to leave
 * behind in the image (the crun way). */
static void enter_root(const char *root, int errfd)
{
	if (chdir(root) < 0)
		die(errfd, "chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die(errfd, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die(errfd, "umount old root");
	if (chdir("/") < 0)
		die(errfd, "chdir /");
}

/* "uid[:gid]" numbers or names from the image's /etc/passwd, /etc/group. */
static int lookup_id(const char *file, const char *name, long *id, long *gid)
{
	FILE *f = fopen(file, "re");
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *fields[4] = { 0 }, *save = NULL, *p = line;

		for (int i = 0; i < 4; i++, p = NULL)
			fields[i] = strtok_r(p, ":", &save);
		if (fields[0] && fields[2] && strcmp(fields[0], name) == 0) {
			*id = strtol(fields[2], NULL, 10);
			if (gid && fields[3])
				*gid = strtol(fields[3], NULL, 10);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* The group of UID's entry in the image's /etc/passwd; 0 without one
 * (containerd's WithUserID). */
static long passwd_gid(long uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	long gid = 0;

	while (f && (pw = fgetpwent(f)))
		if ((long)pw->pw_uid == uid) {
			gid = (long)pw->pw_gid;
			break;
		}
	if (f)
		fclose(f);
	return gid;
}

static void set_user(const char *user, int errfd)
{
	char *colon, *end, buf[256];
	long uid = 0, gid = 0;

	if (!user || !*user)
		return;
	snprintf(buf, sizeof(buf), "%s", user);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	uid = strtol(buf, &end, 10);
	if (*end && lookup_id("/etc/passwd", buf, &uid, &gid) < 0)
		errno = ENOENT, die(errfd, "user %s not found in the image's /etc/passwd", buf);
	else if (!*end && !colon)
		gid = passwd_gid(uid); /* a bare uid: its passwd entry's group */
	if (colon) {
		gid = strtol(colon, &end, 10);
		if (*end && lookup_id("/etc/group", colon, &gid, NULL) < 0)
			errno = ENOENT, die(errfd, "group %s not found in the image's /etc/group", colon);
	}
	if (setgroups(0, NULL) < 0 || setgid((gid_t)gid) < 0 || setuid((uid_t)uid) < 0)
		die(errfd, "set user %s", user);
}

/* The filter goes on as runc puts it: without no_new_privs while the
 * process still has CAP_SYS_ADMIN (after it joined the pod's user
 * namespace, which the filter could refuse); with no_new_privs last, just
 * before exec, so that a profile need not allow what setting up the user
 * and capabilities takes. */
static void load_seccomp(const struct pv_cspec *s, const struct pv_seccomp_bpf *b, int errfd)
{
	struct pv_err err = { 0 };

	if (pv_seccomp_load_bpf(b, s->seccomp, &err) < 0) {
		errno = err.code ? err.code : EINVAL;
		die(errfd, "%s", err.msg);
	}
}

int pv_container_seccomp(const struct pv_cspec *s, struct pv_seccomp_bpf *b, struct pv_err *err)
{
	char path[PATH_MAX];
	int rc;

	pathf(path, "%s/%s", s->dir, PV_SECCOMP_BPF);
	rc = pv_seccomp_read_bpf(path, b, err);
	if (rc == 1 && pv_seccomp_save_bpf(s->seccomp, path, err) == 0)
		rc = pv_seccomp_read_bpf(path, b, err);
	if (rc != 0)
		return err->msg[0] ? -1 : pv_err_set(err, EINVAL, "seccomp: no compiled filter");
	if (s->seccomp && !b->insns)
		return pv_err_set(err, EINVAL, "seccomp: %s is empty but the container has a profile",
				  path);
	return 0;
}

/* The identity record (sandbox/caps.h), opened while the container's
 * state directory can be seen and written: caps.c fills it in once the
 * user, groups and capabilities are known (in the pod's user namespace,
 * which could not create it there). */
static int open_identity_record(const struct pv_cspec *s, int errfd)
{
	char path[PATH_MAX];
	int fd;

	pathf(path, "%s/%s", s->dir, PV_IDENTITY_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die(errfd, "%s", path);
	return fd;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* execvpe would search the shim's PATH; the container's is what counts. */
static void __attribute__((noreturn)) exec_in_path(const struct pv_cspec *s, int errfd)
{
	const char *path = env_get(s->env, "PATH");
	char buf[PATH_MAX];

	if (strchr(s->argv[0], '/')) {
		execve(s->argv[0], s->argv, s->env);
		die(errfd, "exec %s", s->argv[0]);
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, s->argv[0]);
		execve(buf, s->argv, s->env);
		p = colon ? colon + 1 : NULL;
	}
	errno = ENOENT;
	die(errfd, "exec %s: not found in PATH", s->argv[0]);
}

void pv_container_exec(const struct pv_cspec *s, const struct pv_seccomp_bpf *bpf, int errfd,
		       int out, int errout)
{
	char root[PATH_MAX];
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), record;

	/* The shim ignores SIGTERM and friends; the container must not. */
	pv_signals_default();
	prctl(PR_SET_PDEATHSIG, 0);
	pv_caps_keep(); /* set_user's setuid keeps the permitted set for caps.c */
	record = open_identity_record(s, errfd); /* while the state directory is ours */
	if (s->cgroup) {
		struct pv_err err = { 0 };

		if (pv_cg_enter(s->cgroup, &err) < 0)
			die(errfd, "join cgroup %s", s->cgroup);
	}
	if (unshare(CLONE_NEWNS) < 0)
		die(errfd, "unshare mount namespace");
	mount_or_die(errfd, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	pathf(root, "%s/rootfs", s->dir);
	pv_idmap_prepare(s, errfd);
	mount_rootfs(s, root, errfd);
	mount_kernel_fs(root, s->privileged, s->proc_unmasked, errfd);
	mount_dev(root, (uint32_t)s->userns_base, errfd);
	if (s->privileged) { /* the node's devices, as containerd's WithDevices(HostDevices) */
		char dev[PATH_MAX];

		pathf(dev, "%s/dev", root);
		pv_devices_host("/dev", dev);
	}
	mount_etc_file(s, root, "hostname", errfd);
	mount_etc_file(s, root, "hosts", errfd);
	mount_etc_file(s, root, "resolv.conf", errfd);
	mount_volumes(s, root, errfd);
	if (s->read_only_root)
		mount_or_die(errfd, NULL, root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	enter_root(root, errfd);
	pv_idmap_enter(s, errfd);
	if (!s->no_new_privs)
		load_seccomp(s, bpf, errfd);
	set_user(s->user, errfd);
	{
		struct pv_err cerr = { 0 };
		struct pv_caps_want w = { .caps = s->caps, .no_new_privs = s->no_new_privs,
					  .privileged = s->privileged, .groups = s->groups,
					  .ngroups = s->ngroups, .groups_strict = s->groups_strict,
					  .caps_if_held = s->caps_if_held, .record_fd = record };

		/* a spec without capabilities has the default set (cspec.c):
		 * every container goes through here, and records its identity */
		if (pv_caps_enter_container(&w, &cerr) < 0)
			errno = cerr.code, die(errfd, "%s", cerr.msg);
		close(record);
	}
	if (s->cwd && *s->cwd && chdir(s->cwd) < 0 && (mkdir(s->cwd, 0755), chdir(s->cwd) < 0))
		die(errfd, "working directory %s", s->cwd);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errout, 2) < 0)
		die(errfd, "stdio");
	pv_close_from(3, errfd);
	if (s->no_new_privs)
		load_seccomp(s, bpf, errfd);
	exec_in_path(s, errfd);
}
