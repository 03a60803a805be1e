/* The workload controllers: Deployments (with their ReplicaSets) and
 * standalone ReplicaSets today, one module each (workload.h has what they
 * share). A reconcile step (pv_controllers_sync, after "wanted", before
 * "pods") reads the desired state and the pod views and adds the pods
 * each workload wants to the wanted set, as typed Pod objects it renders
 * and owns until the next pass. What each decides is pure (rollout.h,
 * ...); what it keeps between passes is for reporting (get deploy) and a
 * re-check timer while a workload waits on readiness.
 * Calls: node, source, core, manifests. */
#ifndef PV_SUPERVISOR_CONTROLLERS_CONTROLLERS_H
#define PV_SUPERVISOR_CONTROLLERS_CONTROLLERS_H

#include <stdint.h>

#include "supervisor/node/workload_status.h"
#include "supervisor/node/node.h"

/* The step: the workloads' pods into d->wanted. */
void pv_controllers_sync(struct pv_daemon *d);
/* Count the workloads' pods again from the views (their readiness moves
 * between passes), for what the API shows. */
void pv_controllers_observe(struct pv_daemon *d);
/* The workloads as of the last pass (or observe); N gets their count. */
const struct pv_workload_status *pv_controllers_status(const struct pv_daemon *d, size_t *n);
/* Deployment NS/NAME for `rollout`: its counts, conditions, revisions
 * (oldest first, each with its template and change-cause), and its file
 * (path, fileSha256 of the bytes last read, fileFailed). NULL when there
 * is no such Deployment. To put. */
struct json_object *pv_controllers_rollout_json(struct pv_daemon *d, const char *ns,
						const char *name);
/* Everything the controllers keep (at the daemon's exit). */
void pv_controllers_free(struct pv_daemon *d);

#endif
