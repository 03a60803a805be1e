#include "supervisor/source/admit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "volumes/safepath.h"

bool pv_admit_inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	return path[0] == '/' && strncmp(dir, path, n) == 0 && path[n] == '/' && path[n + 1];
}

const char *pv_admit_mode_name(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return NULL;
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symlink";
	default:
		return "not a regular file";
	}
}

static enum pv_admit_result say(enum pv_admit_result r, char *why, size_t whylen, const char *fmt,
				...) __attribute__((format(printf, 4, 5)));
static enum pv_admit_result say(enum pv_admit_result r, char *why, size_t whylen, const char *fmt,
				...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return r;
}

/* The directory (resolved) TARGET lies in: the root or an allowed one. */
static char *allowed_base(const struct pv_admit *a, const char *root, const char *target)
{
	if (pv_admit_inside(root, target))
		return strdup(root);
	for (size_t i = 0; i < a->nlink_allow; i++) {
		char *allow = realpath(a->link_allow[i], NULL);

		if (allow && pv_admit_inside(allow, target))
			return allow;
		free(allow);
	}
	return NULL;
}

/* PATH is a symlink: its resolved target in *TARGET, when allowed, and
 * the directory it lies in in *BASE (the target is opened beneath it, so
 * a component swapped after this check cannot lead out). The message
 * names what the link says, and where that leads when it differs. */
static enum pv_admit_result link_check(const struct pv_admit *a, const char *dir,
				       const char *path, char **target, char **base, char *why,
				       size_t whylen)
{
	char lit[PATH_MAX];
	ssize_t n = readlink(path, lit, sizeof(lit) - 1);
	cleanup_free char *root = realpath(dir, NULL);
	int e;

	lit[n < 0 ? 0 : n] = '\0';
	*target = realpath(path, NULL);
	e = errno;
	if (!*target)
		return say(PV_ADMIT_REFUSED, why, whylen, "is a symlink to %s, which cannot be "
			   "resolved (%s)", lit, strerror(e));
	if (!root)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot resolve the manifests directory %s: "
			   "%s", dir, strerror(errno));
	if ((*base = allowed_base(a, root, *target)))
		return PV_ADMIT_OK;
	return say(PV_ADMIT_REFUSED, why, whylen, "is a symlink to %s%s%s%s, outside the manifests "
		   "directory%s", lit, strcmp(lit, *target) ? " (that is, " : "",
		   strcmp(lit, *target) ? *target : "", strcmp(lit, *target) ? ")" : "",
		   a->nlink_allow ? " and the allowed ones (--manifest-link-allow)" : "");
}

/* FD's bytes, at most MAX of them. The buffer starts at the size fstat
 * saw (SIZE, at most MAX) and grows only if the file does, so that a
 * small file does not cost the largest buffer. */
static enum pv_admit_result read_fd(int fd, uint64_t max, uint64_t size, char **buf,
				    size_t *len, char *why, size_t whylen)
{
	size_t cap = (size_t)(size < max ? size : max) + 1, got = 0;
	cleanup_free char *b = malloc(cap + 1);

	if (!b)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: out of memory");
	for (;;) {
		ssize_t n;
		char *nb;

		if (got == cap) { /* it grew since fstat: room up to MAX + 1 */
			cap = cap > max / 2 ? (size_t)max + 1 : 2 * cap;
			if (!(nb = realloc(b, cap + 1)))
				return say(PV_ADMIT_FAILED, why, whylen,
					   "cannot read: out of memory");
			b = nb;
		}
		n = read(fd, b + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max)
			return say(PV_ADMIT_REFUSED, why, whylen, "grew past the limit of %llu bytes "
				   "(--manifest-max-bytes) while being read", (unsigned long long)max);
	}
	b[got] = '\0';
	*buf = steal_pointer(&b);
	*len = got;
	return PV_ADMIT_OK;
}

/* PATH relative to ROOT, as scan and `podvisor check` build it
 * ("ROOT/sub/x.yaml", or "x.yaml" in "."); NULL when it is not below. */
static const char *rel_of(const char *root, const char *path)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/' && path[0] == '/')
		return path + 1;
	if (strncmp(root, path, n) == 0 && path[n] == '/' && path[n + 1])
		return path + n + 1;
	if (strcmp(root, ".") == 0 && path[0] != '/')
		return path;
	return NULL;
}

/* An O_PATH fd of the directory REL beneath the directory BASE: no step
 * of the resolving (a directory swapped for a symlink since the event was
 * queued, "..") may leave BASE (STYLE rule 6). */
static enum pv_admit_result open_dir_beneath(const char *base, const char *rel, int *out,
					     char *why, size_t whylen)
{
	struct pv_err err = { 0 };
	cleanup_close int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char dot[PATH_MAX];

	if (bfd < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot open the directory %s: %s", base,
			   strerror(errno));
	/* "REL/.": without openat2, a symlink as the last directory is then
	 * refused as one (ELOOP), not as a non-directory */
	if ((size_t)snprintf(dot, sizeof(dot), "%s/.", rel) >= sizeof(dot))
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(ENAMETOOLONG));
	*out = pv_open_beneath(bfd, dot, PV_RESOLVE_BENEATH, O_PATH | O_DIRECTORY, &err);
	if (*out >= 0)
		return PV_ADMIT_OK;
	if (err.code == EXDEV || err.code == ELOOP)
		return say(PV_ADMIT_REFUSED, why, whylen, "is reached through a symlink or \"..\" "
			   "that leads out of %s", base);
	return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(err.code));
}

/* An O_PATH fd of the last component of REL beneath BASE, not followed:
 * its directory resolved beneath BASE, then the name opened in it. */
static enum pv_admit_result open_in(const char *base, const char *rel, int *out, char *why,
				    size_t whylen)
{
	const char *slash = rel ? strrchr(rel, '/') : NULL;
	cleanup_free char *dir = !rel ? NULL : slash ? strndup(rel, (size_t)(slash - rel))
						    : strdup(".");
	cleanup_close int dfd = -1;
	enum pv_admit_result r;

	if (!dir)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s",
			   rel ? "out of memory" : "not below its directory");
	if (!dir[0] || !(slash ? slash[1] : rel[0]))
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: not a file name");
	if ((r = open_dir_beneath(base, dir, &dfd, why, whylen)) != PV_ADMIT_OK)
		return r;
	*out = openat(dfd, slash ? slash + 1 : rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (*out < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
	return PV_ADMIT_OK;
}

/* PATH's directory, the root when none is given: "." or "/" or "d/e". */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* A reader's fd of the file PFD (O_PATH) is, through /proc/self/fd: the
 * inode already checked, never a path looked up again. */
static int reopen(int pfd)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	return open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

enum pv_admit_result pv_admit_read(const struct pv_admit *a, const char *path, char **buf,
				   size_t *len, char *why, size_t whylen)
{
	uint64_t max = a->max_bytes ? a->max_bytes : PV_ADMIT_DEFAULT_MAX;
	cleanup_free char *target = NULL, *base = NULL, *own = a->root ? NULL : dir_of(path);
	const char *what, *root = a->root ? a->root : own, *rel = root ? rel_of(root, path) : NULL;
	cleanup_close int pfd = -1, fd = -1;
	struct stat st, fst;
	enum pv_admit_result r;

	if (!rel)
		return say(PV_ADMIT_FAILED, why, whylen, "is not in the manifests directory %s",
			   root ? root : "(none)");
	if ((r = open_in(root, rel, &pfd, why, whylen)) != PV_ADMIT_OK)
		return r;
	if (fstat(pfd, &st) < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		if ((r = link_check(a, root, path, &target, &base, why, whylen)) != PV_ADMIT_OK)
			return r;
		close(steal_fd(&pfd));
		if ((r = open_in(base, rel_of(base, target), &pfd, why, whylen)) != PV_ADMIT_OK)
			return r;
		if (fstat(pfd, &st) < 0)
			return say(PV_ADMIT_FAILED, why, whylen, "cannot read %s: %s", target,
				   strerror(errno));
	}
	/* Decided from the inode alone: a FIFO or a device is never opened. */
	if ((what = pv_admit_mode_name(st.st_mode)))
		return target ? say(PV_ADMIT_REFUSED, why, whylen, "is a symlink to %s, which is %s, "
				     "not a regular file", target, what)
			      : say(PV_ADMIT_REFUSED, why, whylen, "is %s, not a regular file", what);
	if ((uint64_t)st.st_size > max)
		return say(PV_ADMIT_REFUSED, why, whylen, "is %lld bytes, larger than the limit "
			   "of %llu bytes (--manifest-max-bytes)", (long long)st.st_size,
			   (unsigned long long)max);
	fd = reopen(pfd);
	if (fd < 0 || fstat(fd, &fst) < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
	if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino || !S_ISREG(fst.st_mode))
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: replaced while being opened");
	return read_fd(fd, max, (uint64_t)fst.st_size, buf, len, why, whylen);
}
