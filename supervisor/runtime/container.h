/* Inside a new container process (already in the pod's namespaces):
 * its own mount namespace with the image as root (overlayfs over the
 * read-only layers, a writable upper per container), /proc, a minimal
 * /dev, a read-only /sys, /etc/hostname, /etc/hosts, /etc/resolv.conf,
 * pivot_root, user, working directory, environment, exec. */
#ifndef PV_SUPERVISOR_CONTAINER_H
#define PV_SUPERVISOR_CONTAINER_H

#include "common/err.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/sandbox/seccomp.h"

/* The filter the daemon compiled to S's DIR/PV_SECCOMP_BPF (what exec
 * probes, hooks and `podvisor exec` install too), read into B by the shim
 * before the container's process starts; compiled there only if the file
 * is not there. B is empty for a container without a profile. */
int pv_container_seccomp(const struct pv_cspec *s, struct pv_seccomp_bpf *b, struct pv_err *err);

/* Never returns. On failure writes "step: error" to ERRFD (close-on-exec,
 * so its EOF means the exec happened) and exits 127. It may run sharing
 * the shim's memory (shim.c starts it so): it changes nothing the shim
 * goes on using, and what it allocates it frees, or execs. BPF: from
 * pv_container_seccomp. */
void pv_container_exec(const struct pv_cspec *s, const struct pv_seccomp_bpf *bpf, int errfd,
		       int out, int errout) __attribute__((noreturn));

#endif
