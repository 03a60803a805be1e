#include "volumes/ownership.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

#define RW_MASK 0660
#define RO_MASK 0440
#define EXEC_MASK 0110

struct walk {
	dev_t dev;
	gid_t gid;
	mode_t mask;
	const char *top;
	struct pv_err *err;
};

/* The mode kubelet gives: the entry's own, plus the group's bits. */
static mode_t wanted_mode(const struct walk *w, const struct stat *st)
{
	mode_t m = (st->st_mode & 07777) | w->mask;

	if (S_ISDIR(st->st_mode))
		m |= S_ISGID | EXEC_MASK;
	return m;
}

/* Regroup and chmod FD (O_PATH or open), which is ST: through
 * /proc/self/fd, as an O_PATH descriptor takes no fchmod. */
static int own_fd(struct walk *w, int fd, const struct stat *st, const char *name)
{
	char proc[64];

	if (st->st_gid != w->gid && fchownat(fd, "", (uid_t)-1, w->gid, AT_EMPTY_PATH) < 0)
		return pv_err_sys(w->err, errno, "%s: chown %s", w->top, name);
	if (S_ISLNK(st->st_mode))
		return 0; /* a symlink's own mode means nothing; its target is not ours */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((st->st_mode & 07777) != wanted_mode(w, st) && chmod(proc, wanted_mode(w, st)) < 0)
		return pv_err_sys(w->err, errno, "%s: chmod %s", w->top, name);
	return 0;
}

static int walk_dir(struct walk *w, int fd, const char *name, int depth);

/* NAME in directory DFD: opened without following a symlink, so what is
 * changed is what was found, whatever was swapped in since. */
static int walk_entry(struct walk *w, int dfd, const char *name, int depth)
{
	cleanup_close int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : pv_err_sys(w->err, errno, "%s: open %s", w->top, name);
	if (fstat(fd, &st) < 0)
		return pv_err_sys(w->err, errno, "%s: %s", w->top, name);
	if (st.st_dev != w->dev)
		return 0; /* another file system mounted here: not this volume's */
	if (own_fd(w, fd, &st, name) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth >= PV_OWNERSHIP_DEPTH_MAX)
		return pv_err_set(w->err, EMLINK, "%s: more than %d directories deep", w->top,
				  PV_OWNERSHIP_DEPTH_MAX);
	return walk_dir(w, fd, name, depth + 1);
}

/* The entries of directory FD (an O_PATH descriptor). */
static int walk_dir(struct walk *w, int fd, const char *name, int depth)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	struct dirent *e;
	DIR *dir;

	if (dfd < 0)
		return pv_err_sys(w->err, errno, "%s: open %s", w->top, name);
	if (!(dir = fdopendir(dfd))) {
		close(dfd);
		return pv_err_sys(w->err, errno, "%s: read %s", w->top, name);
	}
	while (rc == 0 && (errno = 0, e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = walk_entry(w, dirfd(dir), e->d_name, depth);
	if (rc == 0 && errno)
		rc = pv_err_sys(w->err, errno, "%s: read %s", w->top, name);
	closedir(dir);
	return rc;
}

/* kubelet's requiresPermissionChange: the top's group, its group bits
 * and its setgid bit. */
static bool top_is_right(const struct walk *w, const struct stat *st)
{
	mode_t need = w->mask | EXEC_MASK;

	return st->st_gid == w->gid && S_ISDIR(st->st_mode) && (st->st_mode & need) == need &&
	       (st->st_mode & S_ISGID);
}

int pv_own_tree(const char *dir, gid_t gid, bool read_only, enum pv_ownership_policy policy,
		struct pv_err *err)
{
	cleanup_close int fd = open(dir, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct walk w = { .gid = gid, .mask = read_only ? RO_MASK : RW_MASK, .top = dir,
			  .err = err };
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pv_err_sys(err, errno, "%s", dir);
	if (policy == PV_OWN_ON_ROOT_MISMATCH && top_is_right(&w, &st))
		return 0;
	w.dev = st.st_dev;
	if (own_fd(&w, fd, &st, ".") < 0)
		return -1;
	if (S_ISDIR(st.st_mode) && walk_dir(&w, fd, ".", 1) < 0)
		return -1;
	return 1;
}
