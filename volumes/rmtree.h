/* rm -rf of a volume's data through file descriptors, inside a root
 * directory: the path is resolved with pv_open_beneath (volumes/safepath.c),
 * so that no symlink or ".." swapped in after the caller's checks leads
 * out of the root, and the tree is removed with *at() calls on the
 * directories as opened: no symlink is followed (a symlink is removed,
 * never its target), no mount point is crossed. Never logs. */
#ifndef PV_VOLUMES_RMTREE_H
#define PV_VOLUMES_RMTREE_H

#include <sys/stat.h>

#include "common/err.h"

/* Directories deeper than this below PATH are not removed (EMLINK): each
 * level holds a file descriptor while it is emptied. */
#define PV_RMTREE_DEPTH_MAX 128

/* Remove PATH (relative to ROOTFD; a leading "/" is ignored) and all it
 * holds; never ROOTFD itself (EINVAL for "", "." or a last component
 * ".."). EXPECT, when given, is what PATH was when the caller checked it
 * (st_dev, st_ino; lstat): anything else there now is left alone (ESTALE).
 * A PATH that is already gone is success. -1 with ERR: EXDEV, the path
 * leads outside ROOTFD; EBUSY, a mount point inside (what could be
 * removed is gone, the rest is kept). */
int pv_rmtree_beneath(int rootfd, const char *path, const struct stat *expect,
		      struct pv_err *err);

#endif
