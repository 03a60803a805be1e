/* A container of a pod in its own user namespace (hostUsers: false):
 * what its files look like from inside, and its entry into the pod's user
 * namespace.
 *
 * The image's layers and the pod's volumes belong to the host's root; in
 * the pod, whose root is host id BASE, they must look root-owned. So in
 * the container's own mount namespace, while it is still the host's root,
 * each layer and each volume source is covered by an idmapped copy of
 * itself (mount_setattr MOUNT_ATTR_IDMAP with the pod's user namespace:
 * host id 0 is seen as BASE there, BASE as 0 in the pod). The overlay
 * over those layers keeps its writable upper directory (the container's
 * own, in the state directory) unmapped, owned by BASE: overlayfs writes
 * there with the mounter's credentials, which an idmapped upper could not
 * represent. A filesystem that refuses idmapped mounts refuses the
 * container, with the volume named: host files are never chowned.
 *
 * Owns: nothing past the container's start. Calls: core (pidfd), libc. */
#ifndef PV_SUPERVISOR_IDMAP_H
#define PV_SUPERVISOR_IDMAP_H

#include "supervisor/runtime/cspec.h"

/* The daemon, before it starts a container: whether every volume's
 * filesystem takes an idmapped mount (a clear refusal if not). */
int pv_idmap_check(const struct pv_cspec *s, struct pv_err *err);
/* The shim, in the host's PID namespace: open the pod's user namespace
 * for the container process it forks next (nothing for host users). */
int pv_idmap_open(const struct pv_cspec *s, struct pv_err *err);
/* The shim, once the container process is forked (or could not be): the
 * pod's user namespace closed, so that the shim holds nothing of it. */
void pv_idmap_close(void);
/* In the new container process, in its own mount namespace, before the
 * root filesystem is mounted: the idmapped copies (nothing when the pod
 * uses the host's users). On failure writes why to ERRFD and exits 127. */
void pv_idmap_prepare(const struct pv_cspec *s, int errfd);
/* Join the pod's user namespace as its root (nothing when the pod uses
 * the host's users); after the mounts, before the user is set. */
void pv_idmap_enter(const struct pv_cspec *s, int errfd);
/* A process that enters pod PID's namespaces from the host (exec,
 * probes): before it joins them, an fd of PID's user namespace when it is
 * not the caller's (-1 with errno 0 when it is the same, -1 with errno on
 * failure); after it joined the others, pv_idmap_join(fd) makes it that
 * namespace's root (0, or -1 with errno) and closes FD. */
int pv_idmap_userns_fd(pid_t pid);
int pv_idmap_join(int userns_fd);
/* ID, read from /proc/PID/status in the host's view (host ids), as PID's
 * user namespace sees it: what a process that joined it must take on. An
 * id it does not map becomes 65534 (the kernel's overflow id). 0, or -1
 * with errno (PID is gone). */
struct pv_identity;
int pv_idmap_identity(pid_t pid, struct pv_identity *id);

#endif
