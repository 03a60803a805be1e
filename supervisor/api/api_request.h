/* A request to the daemon's API as a client sends it: one JSON object on
 * one line, {"op":"pod","namespace":"default","name":"web"}. Parsing it
 * needs nothing of the daemon; api.c answers it. */
#ifndef PV_SUPERVISOR_API_REQUEST_H
#define PV_SUPERVISOR_API_REQUEST_H

#include <json-c/json.h>
#include <stdbool.h>

#include "common/err.h"

enum pv_api_op {
	PV_API_PODS,     /* every pod's status */
	PV_API_POD,      /* one pod (namespace, name), with its events and file */
	PV_API_FILES,    /* the manifest files and whether they load */
	PV_API_SERVICES,
	PV_API_STORAGE,
	PV_API_CONFIG,
	PV_API_EVENTS,   /* every event, or only OBJECT's */
	PV_API_WORKLOADS, /* Deployments and ReplicaSets, as the controllers see them */
	PV_API_DELETE_POD, /* stop the pod (namespace, name) for its controller to replace */
	PV_API_ROLLOUT,  /* a Deployment's rollout (namespace, name): counts, revisions, file */
	PV_API_VERSION,  /* the daemon's build: version.h */
	PV_API_TOP,      /* what the running containers and the node use: top_api.h */
	PV_API_WATCH,    /* "kind" pods or events: the list, then each change, a line each */
	PV_API_IMAGES,   /* the images manifests and pods name: images_api.h */
	/* a new op goes here, and PV_API_OP_COUNT names it */
};

/* How many ops there are (the fuzzer checks a parsed op is below it). */
#define PV_API_OP_COUNT (PV_API_IMAGES + 1)

struct pv_api_request {
	struct json_object *json; /* the request; the strings below live in it */
	enum pv_api_op op;
	const char *ns;           /* "namespace", "default" when absent */
	const char *name;         /* "name", or NULL */
	const char *object;       /* "object", or NULL */
	bool full;                /* "full": true: list items carry their "object" */
	const char *kind;         /* "kind" (watch): "pods" or "events", or NULL */
};

/* Parse TEXT, the NUL-terminated bytes a client sent: one JSON value
 * (what follows it is ignored). -1 with ERR when there is no request to
 * answer; its message is the answer's error ("bad request", "no op in
 * the request", "unknown op") and OUT is left empty. */
int pv_api_request_parse(const char *text, struct pv_api_request *out, struct pv_err *err);
void pv_api_request_clear(struct pv_api_request *r);

#endif
