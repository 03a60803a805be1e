/* hostPath volumes: the node's policy on which host paths pods may have,
 * and the `type` checks kubelet makes. Never logs. */
#ifndef PV_VOLUMES_HOSTPATH_H
#define PV_VOLUMES_HOSTPATH_H

#include <stddef.h>

#include "common/err.h"

struct pv_hostpath_policy {
	char **allow;          /* --host-path-allow prefixes; none: the deny list applies */
	size_t nallow;
	const char *state_dir; /* always refused */
};

/* Check TYPE ("", DirectoryOrCreate, Directory, FileOrCreate, File,
 * Socket, CharDevice, BlockDevice) at PATH, creating what the *OrCreate
 * types create, then the policy against the path as it really is
 * (symlinks resolved). Returns that real path (malloc'ed), or NULL with
 * ERR saying what is wrong and, for the policy, which flag allows it. */
char *pv_hostpath_prepare(const struct pv_hostpath_policy *pol, const char *path, const char *type,
			  struct pv_err *err);
/* The policy alone, on a real (resolved) path: 0, or -1 with ERR. */
int pv_hostpath_allowed(const struct pv_hostpath_policy *pol, const char *real, struct pv_err *err);

#endif
