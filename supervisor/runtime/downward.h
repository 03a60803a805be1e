/* The downward API: a pod's own fields (fieldRef) and its containers'
 * resources (resourceFieldRef) as values, for env and for volume files,
 * rendered as kubelet renders them. */
#ifndef PV_SUPERVISOR_DOWNWARD_H
#define PV_SUPERVISOR_DOWNWARD_H

#include <stdbool.h>

#include "common/err.h"
#include "manifests/types.h"

struct pv_downward_ctx {
	const struct pv_pod *pod;
	const char *pod_uid;
	const char *node_name;
	const char *pod_ip;  /* "" until the pod has one */
	const char *host_ip; /* the node's address */
};

/* The value of fieldPath PATH, malloc'd; NULL with ERR when the path is
 * not one Kubernetes allows. VOLUME: a volume file, where the whole of
 * metadata.labels and metadata.annotations may be asked for (one
 * key="value" line each, sorted, values quoted as Go's %q does). */
char *pv_downward_field(const struct pv_downward_ctx *ctx, const char *path, bool volume,
			struct pv_err *err);
/* The value of resourceFieldRef SEL; CONTAINER names the container when
 * SEL has no containerName (env). An unset limit reads as the node's
 * allocatable amount (CPUs, memory, disk of the state dir), as kubelet does. */
char *pv_downward_resource(const struct pv_downward_ctx *ctx,
			   const struct pv_resource_field_sel *sel, const char *container,
			   struct pv_err *err);

#endif
