/* What the CLI commands share: asking the daemon, reporting its errors. */
#ifndef PV_SUPERVISOR_CLIENT_H
#define PV_SUPERVISOR_CLIENT_H

#include <stdio.h>

#include <json-c/json.h>

/* Send REQ (consumed) to the daemon on STATE (NULL: the default); print
 * "PROG: ..." or the daemon's error to stderr and return NULL on failure. */
struct json_object *pv_client_call(const char *prog, const char *state, struct json_object *req);
/* Send REQ (consumed, a watch) to the daemon on STATE: a stream of its
 * answer's lines, or NULL after saying why on stderr. */
FILE *pv_client_stream(const char *prog, const char *state, struct json_object *req);
/* The pod NS/NAME, with its containers, events and directory. */
struct json_object *pv_client_pod(const char *prog, const char *state, const char *ns,
				  const char *name);

#endif
