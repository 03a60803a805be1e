/* The Kubernetes objects behind the API's list answers, added when the
 * client asks for them (a request's "full": true), for `get -o json|yaml`. */
#ifndef PV_SUPERVISOR_OBJECTS_API_H
#define PV_SUPERVISOR_OBJECTS_API_H

#include <stddef.h>

#include <json-c/json.h>

#include "supervisor/api/api_request.h"

struct pv_daemon;
struct pv_api_objects;

/* Each item of RESP, OP's answer, gets "object": the object as loaded,
 * defaulted (pods: the pod's own copy of its spec). Ops without
 * objects are left as they are. */
void pv_api_add_objects(struct pv_daemon *d, enum pv_api_op op, struct json_object *resp);

/* The objects OP's items name, found once for a whole list (not encoded). */
struct pv_api_objects *pv_api_objects_new(struct pv_daemon *d, enum pv_api_op op);
/* IT, the Ith item of the answer's array ARRAY, gets what
 * pv_api_add_objects gives it ("object"; a ReplicaSet "deployment"). */
void pv_api_objects_add(struct pv_api_objects *x, const char *array, size_t i,
			struct json_object *it);
/* Free X (NULL is fine). */
void pv_api_objects_free(struct pv_api_objects *x);

#endif
