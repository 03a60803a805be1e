/* What `get` selects and shows of objects whose list the daemon builds
 * from its own state (Services, PersistentVolumes, workloads): their
 * manifests' labels, and a workload's selector and pod template
 * containers, looked up in the desired state. */
#ifndef PV_SUPERVISOR_LIST_META_H
#define PV_SUPERVISOR_LIST_META_H

#include <json-c/json.h>

#include "manifests/manifest.h"

struct pv_daemon;

/* Each item of ARR ("namespace", "name"; CLUSTER: no namespace) that is
 * an object of kind K in force gets its metadata.labels as "labels". */
void pv_list_meta_labels(const struct pv_daemon *d, enum pv_kind k, bool cluster,
			 struct json_object *arr);
/* The workload row ROW of kind KIND ("Deployment", ...) named NS/NAME:
 * "labels", "selector" (spec.selector, as given) and "containers"
 * ([{name, image}] of its pod template). With HASH (a Deployment's
 * current ReplicaSet): pod-template-hash added to its labels and
 * selector, as the Deployment controller does. */
void pv_list_meta_workload(const struct pv_daemon *d, const char *kind, const char *ns,
			   const char *name, const char *hash, struct json_object *row);

#endif
