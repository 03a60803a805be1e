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

static bool allowed_target(const struct pv_admit *a, const char *root, const char *target)
{
	if (pv_admit_inside(root, target))
		return true;
	for (size_t i = 0; i < a->nlink_allow; i++) {
		cleanup_free char *allow = realpath(a->link_allow[i], NULL);

		if (allow && pv_admit_inside(allow, target))
			return true;
	}
	return false;
}

/* PATH is a symlink: its resolved target in *TARGET, when allowed. The
 * message names what the link says, and where that leads when it differs. */
static enum pv_admit_result link_check(const struct pv_admit *a, const char *path, char **target,
				       char *why, size_t whylen)
{
	char lit[PATH_MAX];
	ssize_t n = readlink(path, lit, sizeof(lit) - 1);
	cleanup_free char *root = a->root ? realpath(a->root, NULL) : NULL;
	int e;

	lit[n < 0 ? 0 : n] = '\0';
	*target = realpath(path, NULL);
	e = errno;
	if (!*target)
		return say(PV_ADMIT_REFUSED, why, whylen, "is a symlink to %s, which cannot be "
			   "resolved (%s)", lit, strerror(e));
	if (!root)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot resolve the manifests directory %s: "
			   "%s", a->root ? a->root : "(none)", strerror(a->root ? errno : EINVAL));
	if (allowed_target(a, root, *target))
		return PV_ADMIT_OK;
	return say(PV_ADMIT_REFUSED, why, whylen, "is a symlink to %s%s%s%s, outside the manifests "
		   "directory%s", lit, strcmp(lit, *target) ? " (that is, " : "",
		   strcmp(lit, *target) ? *target : "", strcmp(lit, *target) ? ")" : "",
		   a->nlink_allow ? " and the allowed ones (--manifest-link-allow)" : "");
}

static enum pv_admit_result read_fd(int fd, uint64_t max, char **buf, size_t *len, char *why,
				    size_t whylen)
{
	cleanup_free char *b = malloc(max + 1);
	size_t got = 0;

	if (!b)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: out of memory");
	for (;;) {
		ssize_t n = read(fd, b + got, max + 1 - got);

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

enum pv_admit_result pv_admit_read(const struct pv_admit *a, const char *path, char **buf,
				   size_t *len, char *why, size_t whylen)
{
	uint64_t max = a->max_bytes ? a->max_bytes : PV_ADMIT_DEFAULT_MAX;
	cleanup_free char *target = NULL;
	cleanup_close int fd = -1;
	const char *what;
	struct stat st, fst;
	enum pv_admit_result r;

	if (lstat(path, &st) < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		if ((r = link_check(a, path, &target, why, whylen)) != PV_ADMIT_OK)
			return r;
		if (stat(target, &st) < 0)
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
	fd = open(target ? target : path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &fst) < 0)
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: %s", strerror(errno));
	if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino || !S_ISREG(fst.st_mode))
		return say(PV_ADMIT_FAILED, why, whylen, "cannot read: replaced while being opened");
	return read_fd(fd, max, buf, len, why, whylen);
}
