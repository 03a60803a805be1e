/* A pod's volumes on this node: hostPath (the node's policy and the type
 * checks, volumes/hostpath.c), emptyDir (a directory of the pod's, or a
 * tmpfs for medium: Memory) and the projected kinds (configMap, secret,
 * downwardAPI, projected: supervisor/podvolumes/pod_projection.c), turned into the
 * mounts of each container. */
#ifndef PV_SUPERVISOR_POD_VOLUMES_H
#define PV_SUPERVISOR_POD_VOLUMES_H

#include <stddef.h>

#include "common/err.h"
#include "manifests/types.h"
#include "supervisor/runtime/cspec.h"

struct pv_prt;

/* The mounts of container C into *OUT (N of them); -1 with ERR when a
 * volume is refused or cannot be made ready (the pod waits: FailedMount). */
int pv_pod_mounts(struct pv_prt *p, const struct pv_container *c, struct pv_mount **out, size_t *n,
		  struct pv_err *err);
/* How many of the pod's volumes are of a kind not mounted yet. */
size_t pv_pod_volumes_unmounted(const struct pv_prt *p);
/* Unmount the pod's tmpfs volumes, before its directory goes. */
void pv_pod_volumes_release(struct pv_prt *p);

#endif
