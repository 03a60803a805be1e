#include "volumes/atomic_writer.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/vec.h"

#define PATH_LIMIT 4096
#define DATA_LINK "..data"
#define DATA_TMP "..data_tmp"
#define LINK_TMP "..link_tmp"

/* 2 for a ".." component, 1 for an empty or "." one, else 0. */
static int bad_component(const char *path)
{
	int worst = 0;

	for (const char *c = path;; c++) {
		size_t n = strcspn(c, "/");

		if (n == 2 && strncmp(c, "..", 2) == 0)
			return 2;
		if (n == 0 || (n == 1 && c[0] == '.'))
			worst = 1;
		c += n;
		if (!*c)
			return worst;
	}
}

int pv_payload_check_path(const char *path, struct pv_err *err)
{
	size_t len = strlen(path);
	const char *why = NULL;
	int bad = len ? bad_component(path) : 0;

	if (len == 0)
		why = "must not be empty";
	else if (len > PATH_LIMIT)
		why = "must be at most 4096 bytes";
	else if (path[0] == '/')
		why = "must be a relative path";
	else if (bad == 2)
		why = "must not contain '..'";
	else if (strncmp(path, "..", 2) == 0)
		why = "must not start with '..'";
	else if (bad == 1)
		why = "must not contain empty or '.' components";
	if (why)
		return pv_err_set(err, EINVAL, "invalid path \"%.100s%s\": %s", path,
				  len > 100 ? "..." : "", why);
	return 0;
}

int pv_payload_add(struct pv_payload *p, const char *path, const void *data, size_t len,
		   mode_t mode, struct pv_err *err)
{
	cleanup_free char *name = NULL;
	cleanup_free unsigned char *copy = NULL;

	if (pv_payload_check_path(path, err) < 0)
		return -1;
	if (mode & ~(mode_t)0777)
		return pv_err_set(err, EINVAL, "%s: mode %#o: must be at most 0777", path,
				  (unsigned)mode);
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return pv_err_set(err, EEXIST, "%s: duplicate path", path);
	if (pv_vec_reserve(p->files, p->n, p->cap, 1) < 0)
		return pv_err_sys(err, ENOMEM, "payload");
	name = strdup(path);
	copy = malloc(len ? len : 1);
	if (!name || !copy)
		return pv_err_sys(err, ENOMEM, "%s", path);
	if (len)
		memcpy(copy, data, len);
	p->files[p->n++] = (struct pv_payload_file){
		.path = steal_pointer(&name), .data = steal_pointer(&copy), .len = len, .mode = mode,
	};
	return 0;
}

void pv_payload_free(struct pv_payload *p)
{
	for (size_t i = 0; i < p->n; i++) {
		explicit_bzero(p->files[i].data, p->files[i].len);
		free(p->files[i].data);
		free(p->files[i].path);
	}
	free(p->files);
	*p = (struct pv_payload){ 0 };
}

/* Some path of P is PRE's LEN bytes then a '/' (or, when EXACT is
 * allowed, nothing more): PRE is one of its directories or top components. */
static bool in_payload(const struct pv_payload *p, const char *pre, size_t len, bool exact)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *path = p->files[i].path;

		if (strncmp(path, pre, len) == 0 && (path[len] == '/' || (exact && !path[len])))
			return true;
	}
	return false;
}

/* PATH's top-level component, in TOP. */
static const char *top_of(char top[PATH_LIMIT + 1], const char *path)
{
	snprintf(top, PATH_LIMIT + 1, "%.*s", (int)strcspn(path, "/"), path);
	return top;
}

/* Call FN on every entry of DFD but "." and ".."; stops at the first < 0. */
static int each_entry(int dfd, int (*fn)(int dfd, const char *name, void *arg), void *arg)
{
	cleanup_close int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return -1;
	steal_fd(&fd); /* closedir closes it */
	while (rc >= 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = fn(dirfd(d), de->d_name, arg);
	closedir(d);
	return rc;
}

/* Remove NAME in DFD, a directory with all it holds; no symlink followed.
 * ERR is a struct pv_err * (or NULL), typed for each_entry. */
static int rm_tree(int dfd, const char *name, void *err)
{
	cleanup_close int fd = -1;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return pv_err_sys(err, errno, "remove %s", name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "open %s", name);
	if (each_entry(fd, rm_tree, err) < 0)
		return pv_err_wrap(err, "%s", name);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return pv_err_sys(err, errno, "remove %s", name);
	return 0;
}

struct cmp {
	const struct pv_payload *p;
	gid_t gid;
	size_t found, rlen;
	char rel[PATH_LIMIT + 2];
};

static bool same_bytes(int fd, const unsigned char *data, size_t len)
{
	unsigned char buf[8192];
	size_t off = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if ((size_t)n > len - off || memcmp(buf, data + off, (size_t)n) != 0)
			return false;
		off += (size_t)n;
	}
	return n == 0 && off == len;
}

static bool same_file(struct cmp *c, int fd, const struct stat *st)
{
	for (size_t i = 0; i < c->p->n; i++) {
		const struct pv_payload_file *f = &c->p->files[i];

		if (strcmp(f->path, c->rel) != 0)
			continue;
		if ((st->st_mode & 07777) != f->mode || (size_t)st->st_size != f->len ||
		    (c->gid != (gid_t)-1 && st->st_gid != c->gid))
			return false;
		c->found++;
		return same_bytes(fd, f->data, f->len);
	}
	return false;
}

/* < 0 as soon as the entry differs from the payload. */
static int cmp_entry(int dfd, const char *name, void *arg)
{
	struct cmp *c = arg;
	size_t saved = c->rlen, n = strlen(name) + (saved ? 1 : 0);
	cleanup_close int fd = -1;
	struct stat st, seen;
	bool same;

	/* only a regular file or a directory is opened, and no symlink */
	if (saved + n >= sizeof(c->rel) ||
	    fstatat(dfd, name, &seen, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !(S_ISREG(seen.st_mode) || S_ISDIR(seen.st_mode)))
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != seen.st_ino || st.st_dev != seen.st_dev)
		return -1;
	snprintf(c->rel + saved, sizeof(c->rel) - saved, "%s%s", saved ? "/" : "", name);
	c->rlen = saved + n;
	if (S_ISDIR(st.st_mode))
		same = in_payload(c->p, c->rel, c->rlen, false) && each_entry(fd, cmp_entry, c) == 0;
	else
		same = S_ISREG(st.st_mode) && same_file(c, fd, &st);
	c->rlen = saved;
	c->rel[saved] = '\0';
	return same ? 0 : -1;
}

/* ".." then a digit, no '/': never "..", "..data" nor outside DIR (what
 * ..data may lead to, and what a stray directory is). */
static bool is_ts_name(const char *name)
{
	return strncmp(name, "..", 2) == 0 && isdigit((unsigned char)name[2]) && !strchr(name, '/');
}

/* NAME in DFD is a symlink; its target in BUF. */
static bool read_link(int dfd, const char *name, char *buf, size_t size)
{
	ssize_t n = readlinkat(dfd, name, buf, size - 1);

	if (n < 0 || (size_t)n >= size - 1)
		return false;
	buf[n] = '\0';
	return true;
}

static bool same_payload(int dfd, const char *ts, const struct pv_payload *p, gid_t gid)
{
	cleanup_close int fd = openat(dfd, ts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct cmp c = { .p = p, .gid = gid };

	return fd >= 0 && each_entry(fd, cmp_entry, &c) == 0 && c.found == p->n;
}

/* NAME in DFD is the symlink "..data/NAME". */
static bool link_right(int dfd, const char *name)
{
	char got[PATH_LIMIT + 16];

	return read_link(dfd, name, got, sizeof(got)) &&
	       strncmp(got, DATA_LINK "/", sizeof(DATA_LINK)) == 0 &&
	       strcmp(got + sizeof(DATA_LINK), name) == 0;
}

/* NAME is a symlink into ..data/ for no component of P. */
static bool link_stale(int dfd, const char *name, const struct pv_payload *p)
{
	char got[PATH_LIMIT + 16];

	return read_link(dfd, name, got, sizeof(got)) &&
	       strncmp(got, DATA_LINK "/", sizeof(DATA_LINK)) == 0 &&
	       !in_payload(p, name, strlen(name), true);
}

static int stale_entry(int dfd, const char *name, void *arg)
{
	return link_stale(dfd, name, arg) ? -1 : 0;
}

/* Each top-level component of P is "NAME -> ..data/NAME"; no link left over. */
static bool links_right(int dfd, const struct pv_payload *p)
{
	char top[PATH_LIMIT + 1];

	for (size_t i = 0; i < p->n; i++)
		if (!link_right(dfd, top_of(top, p->files[i].path)))
			return false;
	return each_entry(dfd, stale_entry, (void *)p) == 0;
}

/* Make (or open, unless EXCL) directory NAME in DFD with mode 0755 whatever
 * the umask; an fd on it. */
static int mkdir_open(int dfd, const char *name, bool excl, struct pv_err *err)
{
	bool made = mkdirat(dfd, name, 0755) == 0;
	cleanup_close int fd = -1;

	if (!made && (excl || errno != EEXIST))
		return pv_err_sys(err, errno, "mkdir %s", name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "open %s", name);
	if (made && fchmod(fd, 0755) < 0)
		return pv_err_sys(err, errno, "chmod %s", name);
	return steal_fd(&fd);
}

/* A new "..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN" in DFD, named in NAME; its fd. */
static int make_ts_dir(int dfd, char *name, size_t size, struct pv_err *err)
{
	for (int tries = 0; tries < 100; tries++) {
		struct timespec now;
		char stamp[32];
		struct tm tm;
		int fd;

		clock_gettime(CLOCK_REALTIME, &now);
		strftime(stamp, sizeof(stamp), "%Y_%m_%d_%H_%M_%S", gmtime_r(&now.tv_sec, &tm));
		snprintf(name, size, "..%s.%09ld", stamp, now.tv_nsec);
		fd = mkdir_open(dfd, name, true, err);
		if (fd >= 0 || err->code != EEXIST)
			return fd;
	}
	return -1;
}

/* F beneath TSFD, with the directories on its way. */
static int write_one(int tsfd, const struct pv_payload_file *f, gid_t gid, struct pv_err *err)
{
	cleanup_close int dir = fcntl(tsfd, F_DUPFD_CLOEXEC, 3);
	cleanup_close int fd = -1;
	char buf[PATH_LIMIT + 1], *comp = buf, *slash;

	if (dir < 0)
		return pv_err_sys(err, errno, "%s", f->path);
	memcpy(buf, f->path, strlen(f->path) + 1);
	for (; (slash = strchr(comp, '/')); comp = slash + 1) {
		int sub;

		*slash = '\0';
		if ((sub = mkdir_open(dir, comp, false, err)) < 0)
			return pv_err_wrap(err, "%s", f->path);
		close(dir);
		dir = sub;
	}
	fd = openat(dir, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pv_err_sys(err, errno, "create %s", f->path);
	if (pv_write_all(fd, f->data, f->len) < 0 ||
	    (gid != (gid_t)-1 && fchown(fd, 0, gid) < 0) || fchmod(fd, f->mode) < 0 ||
	    close(steal_fd(&fd)) < 0)
		return pv_err_sys(err, errno, "write %s", f->path);
	return 0;
}

static int write_payload(int tsfd, const struct pv_payload *p, gid_t gid, struct pv_err *err)
{
	for (size_t i = 0; i < p->n; i++)
		if (pv_payload_check_path(p->files[i].path, err) < 0 ||
		    write_one(tsfd, &p->files[i], gid, err) < 0)
			return -1;
	return 0;
}

/* A real directory where a top-level symlink must go: refused before
 * anything is written (it may hold someone's data). */
static int check_in_the_way(int dfd, const struct pv_payload *p, struct pv_err *err)
{
	char top[PATH_LIMIT + 1];
	struct stat st;

	for (size_t i = 0; i < p->n; i++)
		if (fstatat(dfd, top_of(top, p->files[i].path), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			return pv_err_set(err, EISDIR, "%s: a directory is in the way", top);
	return 0;
}

/* Make NAME "..data/NAME", replacing whatever is there in one rename. */
static int fix_link(int dfd, const char *name, struct pv_err *err)
{
	char want[PATH_LIMIT + 16];

	if (link_right(dfd, name))
		return 0;
	snprintf(want, sizeof(want), DATA_LINK "/%s", name);
	if (rm_tree(dfd, LINK_TMP, err) < 0)
		return -1;
	if (symlinkat(want, dfd, LINK_TMP) < 0)
		return pv_err_sys(err, errno, "symlink %s", name);
	if (renameat(dfd, LINK_TMP, dfd, name) < 0) {
		pv_err_sys(err, errno, "rename to %s", name);
		unlinkat(dfd, LINK_TMP, 0);
		return -1;
	}
	return 0;
}

/* The top-level links (harmless before the swap: they lead through
 * ..data), then "..data" -> TS in one rename. */
static int swap_in(int dfd, const char *ts, const struct pv_payload *p, struct pv_err *err)
{
	char top[PATH_LIMIT + 1];
	struct stat st;

	for (size_t i = 0; i < p->n; i++)
		if (fix_link(dfd, top_of(top, p->files[i].path), err) < 0)
			return -1;
	if (rm_tree(dfd, DATA_TMP, err) < 0)
		return -1;
	if (symlinkat(ts, dfd, DATA_TMP) < 0)
		return pv_err_sys(err, errno, "symlink " DATA_TMP);
	/* a corrupt ..data that is no symlink cannot be renamed over */
	if (fstatat(dfd, DATA_LINK, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
	    rm_tree(dfd, DATA_LINK, err) < 0)
		goto fail;
	if (renameat(dfd, DATA_TMP, dfd, DATA_LINK) < 0) {
		pv_err_sys(err, errno, "rename " DATA_TMP " to " DATA_LINK);
		goto fail;
	}
	return 0;
fail:
	unlinkat(dfd, DATA_TMP, 0);
	return -1;
}

struct sweep {
	const struct pv_payload *p;
	const char *ts;
};

/* After the swap the new payload is in force; what is left over (links
 * no longer in the payload, the old and any stray timestamped directory)
 * is removed as well as can be. A failure here is not reported: the next
 * write that changes anything sweeps again. */
static int sweep_entry(int dfd, const char *name, void *arg)
{
	const struct sweep *s = arg;

	if (is_ts_name(name) && strcmp(name, s->ts) != 0)
		rm_tree(dfd, name, NULL);
	else if (link_stale(dfd, name, s->p))
		unlinkat(dfd, name, 0);
	return 0;
}

int pv_atomic_write(const char *dir, const struct pv_payload *p, gid_t gid, struct pv_err *err)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int tsfd = -1;
	struct pv_err scratch = { 0 };
	char old[256], ts[64];
	struct sweep s = { .p = p, .ts = ts };

	if (!err)
		err = &scratch;
	if (dfd < 0)
		return pv_err_sys(err, errno, "open %s", dir);
	if (read_link(dfd, DATA_LINK, old, sizeof(old)) && is_ts_name(old) && same_payload(dfd, old, p, gid) &&
	    links_right(dfd, p))
		return 0;
	if (check_in_the_way(dfd, p, err) < 0 || (tsfd = make_ts_dir(dfd, ts, sizeof(ts), err)) < 0)
		return pv_err_wrap(err, "%s", dir);
	if (write_payload(tsfd, p, gid, err) < 0 || swap_in(dfd, ts, p, err) < 0) {
		rm_tree(dfd, ts, NULL);
		return pv_err_wrap(err, "%s", dir);
	}
	each_entry(dfd, sweep_entry, &s);
	return 1;
}
