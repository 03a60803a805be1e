/* Inside a new container process (already in the pod's namespaces):
 * its own mount namespace with the image as root (overlayfs over the
 * read-only layers, a writable upper per container), /proc, a minimal
 * /dev, a read-only /sys, /etc/hostname, /etc/hosts, /etc/resolv.conf,
 * pivot_root, user, working directory, environment, exec. */
#ifndef PV_SUPERVISOR_CONTAINER_H
#define PV_SUPERVISOR_CONTAINER_H

#include "supervisor/runtime/cspec.h"

/* Never returns. On failure writes "step: error" to ERRFD (close-on-exec,
 * so its EOF means the exec happened) and exits 127. */
void pv_container_exec(const struct pv_cspec *s, int errfd, int out, int errout)
	__attribute__((noreturn));

#endif
