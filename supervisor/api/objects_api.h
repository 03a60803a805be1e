/* The Kubernetes objects behind the API's list answers, added when the
 * client asks for them (a request's "full": true), for `get -o json|yaml`. */
#ifndef PV_SUPERVISOR_OBJECTS_API_H
#define PV_SUPERVISOR_OBJECTS_API_H

#include <json-c/json.h>

#include "supervisor/api/api_request.h"

struct pv_daemon;

/* Each item of RESP, OP's answer, gets "object": the object as loaded,
 * defaulted (pods: the pod's own copy of its spec). Ops without
 * objects are left as they are. */
void pv_api_add_objects(struct pv_daemon *d, enum pv_api_op op, struct json_object *resp);

#endif
