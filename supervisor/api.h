/* The daemon's API: a Unix socket in the state directory (root only).
 * One JSON request per connection, one JSON answer. */
#ifndef PV_SUPERVISOR_API_H
#define PV_SUPERVISOR_API_H

#include <json-c/json.h>

#include "common/err.h"

#define PV_API_SOCKET "podvisor.sock"

struct pv_daemon;
struct pv_api;

struct pv_api *pv_api_new(struct pv_daemon *d, struct pv_err *err);
void pv_api_free(struct pv_api *a);

/* Client side: send REQ to the daemon on STATE, return its answer. */
struct json_object *pv_api_call(const char *state, struct json_object *req, struct pv_err *err);

#endif
