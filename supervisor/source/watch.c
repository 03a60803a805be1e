#include "supervisor/source/watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/manifest.h"
#include "supervisor/core/log.h"
#include "supervisor/source/scan.h"

#define DIR_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
/* The root's own name in its parent: swapped (mv new manifests, ln -sfn),
 * removed, renamed away, back. */
#define PARENT_EVENTS (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

struct wdir {
	int wd;
	char *path;
};

struct pv_watcher {
	struct pv_loop *loop;
	struct pv_watch_fd *lw;
	int fd;
	char *root;
	char *parent;   /* the root's parent, watched for the root's name */
	int parent_wd;
	dev_t root_dev; /* the directory watched as the root (it may be reached */
	ino_t root_ino; /* through a symlink): another one there is a swap */
	bool gone;      /* the root is missing: nothing watched under it */
	const struct pv_watcher_ops *ops;
	void *data;
	struct wdir *dirs;
	size_t n, cap;
};

static struct wdir *dir_by_wd(struct pv_watcher *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static void dir_forget(struct pv_watcher *w, int wd)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->dirs[i].wd != wd)
			continue;
		free(w->dirs[i].path);
		w->dirs[i] = w->dirs[--w->n];
		return;
	}
}

static int dir_add(struct pv_watcher *w, const char *path)
{
	int wd = inotify_add_watch(w->fd, path, DIR_EVENTS);
	struct wdir *d;

	if (wd < 0)
		return -1;
	d = dir_by_wd(w, wd);
	if (d) { /* already watched (a rename): keep the newest path */
		char *np = strdup(path);

		if (!np)
			return -1; /* the old path stays: never a NULL in a counted slot */
		free(d->path);
		d->path = np;
		return 0;
	}
	if (pv_vec_reserve(w->dirs, w->n, w->cap, 1) < 0)
		return -1;
	w->dirs[w->n].wd = wd;
	w->dirs[w->n].path = strdup(path);
	if (!w->dirs[w->n].path)
		return -1;
	w->n++;
	return 0;
}

/* Watch PATH and every non-hidden directory below it. */
static int tree_add(struct pv_watcher *w, const char *path, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > PV_SCAN_MAX_DEPTH || dir_add(w, path) < 0)
		return -1;
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		cleanup_free char *sub = NULL;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			break;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			tree_add(w, sub, depth + 1);
	}
	closedir(d);
	return 0;
}

static void watch_parent(struct pv_watcher *w)
{
	if (w->parent_wd < 0)
		w->parent_wd = inotify_add_watch(w->fd, w->parent, PARENT_EVENTS);
}

static void unwatch_all(struct pv_watcher *w)
{
	while (w->n)
		inotify_rm_watch(w->fd, w->dirs[w->n - 1].wd), dir_forget(w, w->dirs[w->n - 1].wd);
}

/* Watch the directory now at the root's path, and remember which it is. */
static int root_add(struct pv_watcher *w)
{
	struct stat st;

	if (stat(w->root, &st) < 0 || !S_ISDIR(st.st_mode) || tree_add(w, w->root, 0) < 0)
		return -1;
	w->root_dev = st.st_dev;
	w->root_ino = st.st_ino;
	return 0;
}

/* Something happened to the root itself: gone (the objects in force stay:
 * that is the daemon's rule, told by the rescan), back, or another
 * directory in its place (a directory swap). The watches follow the path,
 * not the old inode, and a rescan compares the whole tree. */
static void root_check(struct pv_watcher *w)
{
	struct stat st;
	bool was_gone = w->gone;

	if (stat(w->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (w->gone)
			return;
		unwatch_all(w);
		w->gone = true;
		pv_warn("%s: the manifests directory is missing; what is in force stays until it is "
			"back", w->root);
		w->ops->rescan(w->data);
		return;
	}
	if (!w->gone && st.st_dev == w->root_dev && st.st_ino == w->root_ino)
		return;
	unwatch_all(w);
	w->gone = root_add(w) < 0;
	if (w->gone)
		return;
	pv_info("%s: %s; rescanning", w->root, was_gone ? "the manifests directory is back" :
		"another directory is the manifests directory now");
	w->ops->rescan(w->data);
}

static void on_parent_event(struct pv_watcher *w, const struct inotify_event *ev)
{
	const char *base = strrchr(w->root, '/');

	base = base ? base + 1 : w->root;
	if (ev->len && strcmp(ev->name, base) == 0)
		root_check(w);
}

/* There, and not a regular file (whose close after writing is awaited). */
static bool special(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static void on_dir_event(struct pv_watcher *w, struct wdir *d, const struct inotify_event *ev)
{
	cleanup_free char *path = NULL;
	bool isdir = ev->mask & IN_ISDIR;

	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		if (strcmp(d->path, w->root) == 0)
			root_check(w);
		return;
	}
	if (!ev->len || asprintf(&path, "%s/%s", d->path, ev->name) < 0)
		return;
	d = NULL; /* tree_add below may grow w->dirs and move it: use PATH */
	if (isdir) {
		if (ev->name[0] == '.')
			return;
		if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
			tree_add(w, path, 0);
			w->ops->rescan(w->data); /* files may have landed before the watch */
		} else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
			w->ops->rescan(w->data);
		}
		return;
	}
	if (!pv_manifest_name_ok(ev->name))
		return;
	if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO) || (ev->mask & IN_CREATE && special(path)))
		w->ops->changed(w->data, path); /* a symlink or a FIFO has no close-after-write */
	else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		w->ops->removed(w->data, path);
}

static void on_inotify(void *data, int fd, uint32_t events)
{
	struct pv_watcher *w = data;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			struct wdir *d;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				pv_warn("%s: inotify queue overflowed; rescanning", w->root);
				w->ops->rescan(w->data);
			} else if (ev->wd == w->parent_wd) {
				on_parent_event(w, ev);
			} else if (ev->mask & IN_IGNORED) {
				dir_forget(w, ev->wd);
			} else if ((d = dir_by_wd(w, ev->wd))) {
				on_dir_event(w, d, ev);
			}
		}
	}
}

struct pv_watcher *pv_watcher_new(struct pv_loop *loop, const char *root,
				  const struct pv_watcher_ops *ops, void *data,
				  struct pv_err *err)
{
	struct pv_watcher *w = calloc(1, sizeof(*w));
	char *slash;

	if (!w)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	w->loop = loop;
	w->ops = ops;
	w->data = data;
	w->parent_wd = -1;
	w->root = strdup(root);
	w->parent = strdup(root);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!w->root || !w->parent || w->fd < 0) {
		pv_err_sys(err, errno, "inotify");
		pv_watcher_free(w);
		return NULL;
	}
	slash = strrchr(w->parent, '/');
	if (slash && slash != w->parent)
		*slash = '\0';
	else
		strcpy(w->parent, slash ? "/" : ".");
	watch_parent(w);
	w->gone = root_add(w) < 0; /* not there yet: the parent's watch waits for it */
	w->lw = pv_loop_add(loop, w->fd, EPOLLIN, on_inotify, w);
	if (!w->lw) {
		pv_err_sys(err, errno, "epoll");
		pv_watcher_free(w);
		return NULL;
	}
	return w;
}

void pv_watcher_recheck(struct pv_watcher *w)
{
	if (w)
		root_check(w);
}

void pv_watcher_free(struct pv_watcher *w)
{
	if (!w)
		return;
	if (w->lw)
		pv_loop_del(w->loop, w->lw);
	if (w->fd >= 0)
		close(w->fd);
	for (size_t i = 0; i < w->n; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	free(w->root);
	free(w->parent);
	free(w);
}
