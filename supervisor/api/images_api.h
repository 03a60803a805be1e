/* Op "images": the images the node must keep (`podvisor image prune`
 * asks before it removes anything): every image a loaded manifest names
 * (Pods, and the templates of Deployments, ReplicaSets, StatefulSets,
 * DaemonSets, Jobs and CronJobs, init containers too), and every image
 * a pod still runs. Calls: source (the desired state), node (the pods'
 * views), image (normalizing), core. */
#ifndef PV_SUPERVISOR_IMAGES_API_H
#define PV_SUPERVISOR_IMAGES_API_H

#include <json-c/json.h>

#include "supervisor/node/node.h"

/* {"images": ["docker.io/library/busybox:1.36", ...]}: normalized, each once. */
struct json_object *pv_api_images_in_use(struct pv_daemon *d);

#endif
