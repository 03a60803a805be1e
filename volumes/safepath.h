/* Paths from manifests (mountPath, subPath, hostPath) resolved inside a
 * root directory so that no symlink, "..", or magic link can lead out of
 * it, and handed on as file descriptors: a mount then goes through
 * /proc/self/fd/N, so nothing can swap the path between the check and the
 * use (CVE-2017-1002101, CVE-2021-25741). openat2(2) does the resolving;
 * where the kernel lacks it, a walk one component at a time refuses every
 * symlink. Never logs. */
#ifndef PV_VOLUMES_SAFEPATH_H
#define PV_VOLUMES_SAFEPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

enum pv_resolve {
	/* Symlinks resolve as if the root were "/": a container's own view
	 * (its /var/run -> /run stays inside its root filesystem). */
	PV_RESOLVE_IN_ROOT,
	/* Any step that would leave the root is an error (EXDEV): for
	 * subPath and volume contents, whose symlinks are not to be trusted. */
	PV_RESOLVE_BENEATH,
};

/* Open PATH (relative to ROOTFD; a leading "/" means ROOTFD itself) with
 * FLAGS (O_PATH, O_DIRECTORY, ...; O_CLOEXEC is added). Returns the fd, or
 * -1 with ERR (EXDEV: it would leave the root; ELOOP: a symlink where the
 * fallback walk refuses them). */
int pv_open_beneath(int rootfd, const char *path, enum pv_resolve how, int flags,
		    struct pv_err *err);
/* mkdir -p PATH beneath ROOTFD (missing directories made with MODE), each
 * step resolved as HOW says; returns an O_PATH fd of the directory. */
int pv_mkdir_beneath(int rootfd, const char *path, enum pv_resolve how, mode_t mode,
		     struct pv_err *err);
/* The same for a regular file at PATH (created empty, with MODE, if
 * missing; its directory must exist): a bind mount of a file needs one. */
int pv_touch_beneath(int rootfd, const char *path, enum pv_resolve how, mode_t mode,
		     struct pv_err *err);
/* For tests: act as if the kernel had no openat2. */
void pv_safepath_force_fallback(bool on);

#endif
