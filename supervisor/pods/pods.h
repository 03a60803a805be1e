/* Pods at run time: the lifecycle of each pod, an explicit state machine
 * over its containers, driven by the reconciler (desired vs actual) and
 * by process events. Only this module changes pods; the others read them
 * through pod.h. Calls: pod, runtime (container, shim, spawner, cgroup),
 * network (podnet, resolv), storage, services (the environment). */
#ifndef PV_SUPERVISOR_PODS_H
#define PV_SUPERVISOR_PODS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "supervisor/node/pod.h"

/* Reconcile the pods with the desired state. */
void pv_pods_reconcile(struct pv_daemon *d);
/* Re-adopt pods from the state directory after a restart. */
void pv_pods_adopt(struct pv_daemon *d);
/* Stop every pod (for --shutdown-pods-on-exit); the loop runs until they are gone. */
void pv_pods_stop_all(struct pv_daemon *d);
bool pv_pods_all_gone(const struct pv_daemon *d);
/* Delete the pod NS/NAME (podvisor delete pod): stopped for good with its
 * grace period; the next reconcile pass starts it again, once it is gone,
 * if it is still wanted (a controller's). Its uid into UID. 0, or
 * -ENOENT when there is no such pod; a pod being deleted already is 0. */
int pv_pods_delete(struct pv_daemon *d, const char *ns, const char *name, char uid[33]);
/* Status for the API. */
struct json_object *pv_pod_status_json(const struct pv_prt *p);

#endif
