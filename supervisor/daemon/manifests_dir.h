/* The manifests directory as the daemon follows it: each file's change
 * or removal turned into the desired set (source/desired.h) and events
 * on "file:PATH"; a missing directory is not an empty one (what is in
 * force stays); a directory swapped in is followed by path.
 *
 * Owns: the pending removals and what it knows of the directory.
 * May call: source, core, node (the daemon's context and events). */
#ifndef PV_SUPERVISOR_MANIFESTS_DIR_H
#define PV_SUPERVISOR_MANIFESTS_DIR_H

#include "common/err.h"
#include "supervisor/node/node.h"

struct pv_watcher;

/* Watch D->manifests (the loop must exist): the watcher, or NULL with ERR. */
struct pv_watcher *pv_manifests_watch(struct pv_daemon *d, struct pv_err *err);
/* Read the whole directory again: new, changed and vanished files. */
void pv_manifests_rescan(struct pv_daemon *d);
/* The same after SIGHUP: the watch itself is checked first (a symlinked
 * directory's target back). */
void pv_manifests_recheck(struct pv_daemon *d);

#endif
