/* podvisor delete pod: the daemon's side. A pod its controller wants is
 * stopped (the controller has it replaced); a pod a manifest file
 * defines is refused, naming the file: the directory is the truth.
 * Calls: pods (pv_pods_delete), source (which file defines a pod), node. */
#ifndef PV_SUPERVISOR_DELETE_API_H
#define PV_SUPERVISOR_DELETE_API_H

#include <json-c/json.h>

struct pv_daemon;

/* {"deleted": {"namespace", "name", "uid"}}, or {"error": MESSAGE,
 * "reason": "NotFound" | "Forbidden"}. */
struct json_object *pv_api_delete_pod(struct pv_daemon *d, const char *ns, const char *name);

#endif
