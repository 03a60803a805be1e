/* The daemon's API: a Unix socket in the state directory (root only).
 * One JSON request per connection (a line), one JSON answer; requests are
 * a table of handlers by "op". Every connection is a state machine in the
 * daemon's loop: a client that sends nothing, or stops reading, is
 * dropped after a timeout and never holds up the others. */
#ifndef PV_SUPERVISOR_API_H
#define PV_SUPERVISOR_API_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/err.h"
#include "supervisor/api/api_request.h"

#define PV_API_SOCKET "podvisor.sock"

struct pv_daemon;
struct pv_api;

struct pv_api *pv_api_new(struct pv_daemon *d, struct pv_err *err);
void pv_api_free(struct pv_api *a);

/* Answer the request TEXT (NUL-terminated JSON, parsed by api_request.c):
 * the handler's answer, or {"error": ...}. Never NULL. */
struct json_object *pv_api_handle(struct pv_daemon *d, const char *text);
/* OP's list answer as a "full" request has it, one item at a time: FN
 * gets each item of each of its arrays (named ARRAY, the Ith there), with
 * its objects, and the item is freed when FN returns. Pods are made one
 * by one (the whole list of 500 is MiBs); other answers whole, without
 * their objects. FRESH, when not NULL, is asked first about each pod's
 * item (without its object) and the hash of the spec it runs: true skips
 * the pod (no object made, FN not called), as the caller has it already. */
void pv_api_each(struct pv_daemon *d, enum pv_api_op op,
		 bool (*fresh)(void *data, struct json_object *it, const char *spec_hash),
		 void (*fn)(void *data, const char *array, size_t i, struct json_object *it),
		 void *data);

/* Client side: send REQ to the daemon on STATE, return its answer. */
struct json_object *pv_api_call(const char *state, struct json_object *req, struct pv_err *err);
/* Client side: connect to the daemon on STATE and send REQ; the socket,
 * to read the answer from (a watch: its lines, until either side goes),
 * or -1 with ERR. */
int pv_api_open(const char *state, struct json_object *req, struct pv_err *err);

#endif
