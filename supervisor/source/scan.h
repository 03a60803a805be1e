/* Finding manifest files under a directory: recursive, sorted, with the
 * same name filter the watcher uses. Directory symlinks are not followed
 * (no loops), hidden directories (.git) are skipped. Everything else named
 * like a manifest is listed, symlinks and special files too: whether it
 * may be read is admit.h's decision, which says why when it may not. */
#ifndef PV_SUPERVISOR_SCAN_H
#define PV_SUPERVISOR_SCAN_H

#include <stddef.h>

#include "common/err.h"

struct pv_pathlist {
	char **v;
	size_t n, cap;
};

#define PV_SCAN_MAX_DEPTH 32

/* Append to OUT the manifest files under DIR, in sorted order. */
int pv_scan_dir(const char *dir, struct pv_pathlist *out, struct pv_err *err);
int pv_pathlist_add(struct pv_pathlist *l, const char *path);
void pv_pathlist_free(struct pv_pathlist *l);

#endif
