#include "volumes/hostpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Refused when no allow-list is given: the system itself. */
static const char *const system_dirs[] = {
	"/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib32",
	"/lib64", "/libx32", "/root", "/run",
};

/* Is PATH PREFIX itself or below it? */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return true;
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int pv_hostpath_allowed(const struct pv_hostpath_policy *pol, const char *real, struct pv_err *err)
{
	if (!pol->nallow && strcmp(real, "/") == 0)
		return pv_err_set(err, EPERM, "hostPath /: the host's root is refused unless the node "
				  "allows it with --host-path-allow");
	if (pol->state_dir && (under(real, pol->state_dir) || under(pol->state_dir, real)))
		return pv_err_set(err, EPERM, "hostPath %s: podvisor's own state directory (or above "
				  "it) is never given to pods", real);
	if (pol->nallow) {
		for (size_t i = 0; i < pol->nallow; i++)
			if (under(real, pol->allow[i]))
				return 0;
		return pv_err_set(err, EPERM, "hostPath %s: not under any --host-path-allow prefix of "
				  "this node", real);
	}
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (under(real, system_dirs[i]))
			return pv_err_set(err, EPERM, "hostPath %s: %s is a system location, refused "
					  "unless the node allows it with --host-path-allow", real,
					  system_dirs[i]);
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int create(const char *path, const char *type, struct pv_err *err)
{
	struct stat st;
	char parent[PATH_MAX];
	char *slash;
	int fd;

	if (lstat(path, &st) == 0 || errno != ENOENT)
		return 0;
	if (strcmp(type, "DirectoryOrCreate") == 0) {
		if (mkdir_p(path, 0755) < 0)
			return pv_err_sys(err, errno, "hostPath %s: cannot create the directory", path);
		return 0;
	}
	if (strcmp(type, "FileOrCreate") != 0)
		return 0;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir_p(parent, 0755) < 0)
			return pv_err_sys(err, errno, "hostPath %s: cannot create its directory", path);
	}
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return pv_err_sys(err, errno, "hostPath %s: cannot create the file", path);
	if (fd >= 0)
		close(fd);
	return 0;
}

struct kind {
	const char *type;
	mode_t fmt;
	const char *what;
};

static const struct kind kinds[] = {
	{ "DirectoryOrCreate", S_IFDIR, "a directory" }, { "Directory", S_IFDIR, "a directory" },
	{ "FileOrCreate", S_IFREG, "a file" },           { "File", S_IFREG, "a file" },
	{ "Socket", S_IFSOCK, "a socket" },              { "CharDevice", S_IFCHR, "a character device" },
	{ "BlockDevice", S_IFBLK, "a block device" },
};

static int check_type(const char *path, const char *type, struct pv_err *err)
{
	struct stat st;

	if (!type[0])
		return 0; /* "": nothing is checked, as in Kubernetes */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].type, type) != 0)
			continue;
		if (stat(path, &st) < 0)
			return pv_err_sys(err, errno, "hostPath %s (type %s)", path, type);
		if ((st.st_mode & S_IFMT) != kinds[i].fmt)
			return pv_err_set(err, EINVAL, "hostPath %s (type %s): is not %s", path, type,
					  kinds[i].what);
		return 0;
	}
	return pv_err_set(err, EINVAL, "hostPath %s: unknown type \"%s\"", path, type);
}

char *pv_hostpath_prepare(const struct pv_hostpath_policy *pol, const char *path, const char *type,
			  struct pv_err *err)
{
	char *real;

	if (path[0] != '/')
		return pv_err_set(err, EINVAL, "hostPath %s: must be absolute", path), NULL;
	/* The policy first on the path as written: nothing is created where
	 * it is refused. */
	if (pv_hostpath_allowed(pol, path, err) < 0)
		return NULL;
	type = type ? type : "";
	if (create(path, type, err) < 0 || check_type(path, type, err) < 0)
		return NULL;
	real = realpath(path, NULL);
	if (!real)
		return pv_err_sys(err, errno, "hostPath %s", path), NULL;
	/* Then on where it really leads: a symlink under an allowed prefix
	 * must not reach /etc. */
	if (pv_hostpath_allowed(pol, real, err) < 0) {
		free(real);
		return NULL;
	}
	return real;
}
