/* A volume's ownership under a pod's fsGroup, as kubelet's
 * SetVolumeOwnership does it: every file and directory of the tree gets
 * the group, group read and write (read only for a read-only volume),
 * and directories the setgid bit and group search, so that what the
 * pod's containers create later is the group's too.
 *
 * The walk goes through file descriptors: a symlink is re-grouped itself
 * (lchown) and never followed, no mount point below the top is crossed,
 * and an entry swapped for a symlink while the walk runs is never
 * followed either. It never logs.
 *
 * Owns: the walk and the modes. Calls: libc, common. */
#ifndef PV_VOLUMES_OWNERSHIP_H
#define PV_VOLUMES_OWNERSHIP_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

/* Directories deeper than this below the top are left as they are
 * (each level holds a file descriptor while it is walked). */
#define PV_OWNERSHIP_DEPTH_MAX 128

enum pv_ownership_policy {
	PV_OWN_ALWAYS,            /* fsGroupChangePolicy Always: walk every time */
	PV_OWN_ON_ROOT_MISMATCH,  /* OnRootMismatch: only when the top is not right */
};

/* Give DIR and all it holds to group GID. -1 with ERR for what could not
 * be changed (the walk stops there). Returns 1 when the walk ran, 0 when
 * POLICY found the top already right. */
int pv_own_tree(const char *dir, gid_t gid, bool read_only, enum pv_ownership_policy policy,
		struct pv_err *err);

#endif
