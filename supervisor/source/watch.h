/* Watching the manifests directory with inotify: recursive, with the
 * manifest-name filter, reporting only whole files (IN_CLOSE_WRITE,
 * IN_MOVED_TO; a symlink or a FIFO when created, so that it can be
 * refused), never half-written ones. Anything it cannot follow event by
 * event (queue overflow, a directory moved away) becomes a request to
 * rescan. The root is followed by path, through its parent: removed,
 * renamed away, back, or swapped for another directory (mv, ln -sfn),
 * the watches move to whatever directory the path now names, and a
 * rescan says what changed (the daemon decides what a missing root
 * means). */
#ifndef PV_SUPERVISOR_WATCH_H
#define PV_SUPERVISOR_WATCH_H

#include "common/err.h"
#include "supervisor/core/loop.h"

struct pv_watcher_ops {
	void (*changed)(void *data, const char *path); /* a manifest file was written */
	void (*removed)(void *data, const char *path); /* a manifest file went away */
	void (*rescan)(void *data);                    /* compare the whole tree again */
};

struct pv_watcher;

struct pv_watcher *pv_watcher_new(struct pv_loop *loop, const char *root,
				  const struct pv_watcher_ops *ops, void *data,
				  struct pv_err *err);
/* Look at the root's path again (SIGHUP): a symlinked root whose target
 * came back is noticed only so (its parent is not watched). */
void pv_watcher_recheck(struct pv_watcher *w);
void pv_watcher_free(struct pv_watcher *w);

#endif
