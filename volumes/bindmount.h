/* A volume's bind mount into a container, from file descriptor to file
 * descriptor: the source (or a subPath resolved beneath it) and the mount
 * point (made inside the container's root, symlinks resolved as the
 * container sees them) are each resolved once, and the mount goes through
 * /proc/self/fd/N on both sides, so that swapping a path for a symlink
 * after it was resolved changes nothing (CVE-2021-25741). Never logs. */
#ifndef PV_VOLUMES_BINDMOUNT_H
#define PV_VOLUMES_BINDMOUNT_H

#include <stdbool.h>

#include "common/err.h"

struct pv_bind {
	const char *sub_path; /* beneath the source; NULL or "": the source itself */
	const char *target;   /* the mountPath, inside the root */
	bool read_only;
};

/* Bind-mount SRCFD (an O_PATH fd of the volume as checked), or B's subPath
 * beneath it, on B's target beneath ROOTFD (created, as a directory or an
 * empty file like the source, if missing). 0, or -1 with ERR naming the
 * step ("subPath: ...", "mountPath: ...", "mount on ...", "read-only ...")
 * with its errno in err->code. */
int pv_bind_beneath(int srcfd, int rootfd, const struct pv_bind *b, struct pv_err *err);

/* For tests: call FN(DATA) once both ends are resolved, just before the
 * mount, where a path-based mount would be open to a swap. */
void pv_bind_test_hook(void (*fn)(void *data), void *data);

#endif
