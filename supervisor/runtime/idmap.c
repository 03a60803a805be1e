#include "supervisor/runtime/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/core/proc.h"
#include "supervisor/sandbox/caps.h"

/* The pod's user namespace, opened by pv_idmap_prepare for
 * pv_idmap_enter: one container process, forked for this start. */
static int pod_userns = -1;

static void __attribute__((noreturn, format(printf, 2, 3))) fail(int errfd, const char *fmt, ...)
{
	char msg[1024];
	int e = errno, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(msg) && e)
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(e));
	if (write(errfd, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

static int refusal(const struct pv_mount *m, struct pv_err *err)
{
	return pv_err_set(err, EOPNOTSUPP, "hostUsers: false: volume %s (at %s): idmapped mounts "
			  "are not supported on its filesystem", m->source, m->target);
}

/* The init's user namespace, checked to be the pod's init still (its
 * start time) while it is opened. From the host's PID namespace. */
static int open_pod_userns(const struct pv_cspec *s, struct pv_err *err)
{
	char path[64];
	int pidfd = pv_pidfd_open(s->init_pid, s->init_start), fd;

	if (pidfd < 0)
		return pv_err_set(err, ESRCH, "hostUsers: false: the pod's init (pid %d) is gone",
				  (int)s->init_pid);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)s->init_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pv_pidfd_signal(pidfd, 0) < 0) { /* gone since: the pid may be another's */
		close(fd);
		fd = -1;
		errno = ESRCH;
	}
	close(pidfd);
	if (fd < 0)
		return pv_err_sys(err, errno, "hostUsers: false: the user namespace of the pod's "
				  "init (pid %d)", (int)s->init_pid);
	return fd;
}

int pv_idmap_open(const struct pv_cspec *s, struct pv_err *err)
{
	if (!s->userns_base)
		return 0;
	pod_userns = open_pod_userns(s, err);
	return pod_userns < 0 ? -1 : 0;
}

void pv_idmap_close(void)
{
	if (pod_userns >= 0)
		close(pod_userns);
	pod_userns = -1;
}

/* Whether PATH (and what is mounted beneath it) takes an idmapped mount:
 * 1, 0 (refused), or -1 with errno (PATH cannot be cloned). */
static int takes_idmap(const char *path, int userns)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int rc;

	if (tree < 0)
		return -1;
	rc = mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0;
	close(tree);
	return rc;
}

int pv_idmap_check(const struct pv_cspec *s, struct pv_err *err)
{
	int userns, ok = 1, rc = 0;

	if (!s->userns_base)
		return 0;
	if ((userns = open_pod_userns(s, err)) < 0)
		return -1;
	/* the layers live together in the image store: the lowest speaks for all */
	if (s->layers[0] && (ok = takes_idmap(s->layers[0], userns)) <= 0)
		rc = ok < 0 ? pv_err_sys(err, errno, "hostUsers: false: image layer %s", s->layers[0])
			    : pv_err_set(err, EOPNOTSUPP, "hostUsers: false: image layer %s: idmapped "
					 "mounts are not supported on its filesystem", s->layers[0]);
	for (size_t i = 0; i < s->nmounts && rc == 0; i++) {
		const struct pv_mount *m = &s->mounts[i];

		if ((ok = takes_idmap(m->source, userns)) < 0)
			rc = pv_err_sys(err, errno, "hostUsers: false: volume %s", m->source);
		else if (!ok)
			rc = refusal(m, err);
	}
	close(userns);
	return rc;
}

/* Cover PATH with an idmapped copy of itself (its submounts too), with
 * the mount attributes EXTRA as well: in the container's mount namespace
 * only, which is private. */
static int idmap_in_place(const char *path, int userns, uint64_t extra)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | extra,
				   .userns_fd = (uint64_t)userns };
	int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE), rc;

	if (tree < 0)
		return -1;
	rc = mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
	if (rc == 0)
		rc = move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
	close(tree);
	return rc;
}

static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int by_length(const void *a, const void *b)
{
	size_t la = strlen(*(const char *const *)a), lb = strlen(*(const char *const *)b);

	return la < lb ? -1 : la > lb;
}

/* The volumes' sources, shortest first: one under another is covered by
 * the other's copy (an idmapped mount cannot be idmapped again). */
static void idmap_volumes(const struct pv_cspec *s, int errfd)
{
	const char **src = calloc(s->nmounts + 1, sizeof(*src));
	size_t n = 0;

	if (!src)
		fail(errfd, "memory");
	for (size_t i = 0; i < s->nmounts; i++)
		src[n++] = s->mounts[i].source;
	qsort(src, n, sizeof(*src), by_length);
	for (size_t i = 0; i < n; i++) {
		bool covered = false;

		for (size_t j = 0; j < i && !covered; j++)
			covered = beneath(src[i], src[j]);
		/* nosuid: what the pod's root makes setuid there (the volume's
		 * owner's, root on the host) gives nothing through the pod's
		 * mounts; the bind mounts of it keep the flag */
		if (covered || idmap_in_place(src[i], pod_userns, MOUNT_ATTR_NOSUID) == 0)
			continue;
		for (size_t k = 0; k < s->nmounts; k++) {
			struct pv_err err = { 0 };

			if (s->mounts[k].source == src[i] && refusal(&s->mounts[k], &err) < 0) {
				errno = 0;
				fail(errfd, "%s", err.msg);
			}
		}
	}
	free(src);
}

void pv_idmap_prepare(const struct pv_cspec *s, int errfd)
{
	static const char *const etc[] = { "hostname", "hosts", "resolv.conf" };
	char path[PATH_MAX];

	if (!s->userns_base)
		return;
	if (pod_userns < 0)
		errno = EBADF, fail(errfd, "hostUsers: false: the pod's user namespace is not open");
	for (size_t i = 0; s->layers[i]; i++)
		if (idmap_in_place(s->layers[i], pod_userns, 0) < 0)
			fail(errfd, "hostUsers: false: image layer %s: idmapped mounts are not "
			     "supported on its filesystem", s->layers[i]);
	for (size_t i = 0; i < sizeof(etc) / sizeof(etc[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->pod_dir, etc[i]);
		if (idmap_in_place(path, pod_userns, 0) < 0)
			fail(errfd, "hostUsers: false: %s", path);
	}
	idmap_volumes(s, errfd);
	/* The container's writable layer, its own: owned by the pod's root. */
	snprintf(path, sizeof(path), "%s/upper", s->dir);
	if (lchown(path, (uid_t)s->userns_base, (gid_t)s->userns_base) < 0)
		fail(errfd, "hostUsers: false: %s", path);
}

static int become_root(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	return 0;
}

void pv_idmap_enter(const struct pv_cspec *s, int errfd)
{
	int keep = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);

	if (!s->userns_base)
		return;
	if (setns(pod_userns, CLONE_NEWUSER) < 0)
		fail(errfd, "hostUsers: false: join the pod's user namespace");
	if (become_root() < 0)
		fail(errfd, "hostUsers: false: become the pod's root");
	/* setns resets the securebits: the set_user that follows may need
	 * PR_SET_KEEPCAPS as it was (sandbox/caps.c) */
	if (keep > 0)
		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	/* Its copy of the descriptor; pod_userns stays as the shim, whose
	 * memory this process may share, holds it (pv_idmap_close). */
	close(pod_userns);
}

int pv_idmap_userns_fd(pid_t pid)
{
	char path[64];
	struct stat mine, theirs;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &theirs) < 0 || stat("/proc/self/ns/user", &mine) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev) {
		close(fd);
		errno = 0;
		return -1;
	}
	return fd;
}

int pv_idmap_join(int userns_fd)
{
	int rc = setns(userns_fd, CLONE_NEWUSER);

	if (rc == 0)
		rc = become_root();
	close(userns_fd);
	return rc;
}

#define OVERFLOW_ID 65534u

struct idmap {
	unsigned long inside[16], outside[16], count[16];
	size_t n;
};

static int read_map(pid_t pid, const char *which, struct idmap *m)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	if (!(f = fopen(path, "re")))
		return -1;
	m->n = 0;
	while (m->n < 16 && fscanf(f, "%lu %lu %lu", &m->inside[m->n], &m->outside[m->n],
				   &m->count[m->n]) == 3)
		m->n++;
	fclose(f);
	return 0;
}

static unsigned long map_id(const struct idmap *m, unsigned long host)
{
	for (size_t i = 0; i < m->n; i++)
		if (host >= m->outside[i] && host - m->outside[i] < m->count[i])
			return m->inside[i] + (host - m->outside[i]);
	return OVERFLOW_ID;
}

int pv_idmap_identity(pid_t pid, struct pv_identity *id)
{
	struct idmap uids, gids;

	if (read_map(pid, "uid_map", &uids) < 0 || read_map(pid, "gid_map", &gids) < 0)
		return -1;
	id->uid = (uid_t)map_id(&uids, id->uid);
	id->gid = (gid_t)map_id(&gids, id->gid);
	for (size_t i = 0; i < id->ngroups; i++)
		id->groups[i] = (gid_t)map_id(&gids, id->groups[i]);
	return 0;
}
