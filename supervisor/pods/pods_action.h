/* One run of a container's handler, in the daemon's loop, for probes
 * (pods_probes.c) and lifecycle hooks (pods_hooks.c): exec runs the
 * command inside the container (runtime/execin.h), watched by its pidfd;
 * httpGet and tcpSocket connect without blocking to the pod's address
 * (127.0.0.1 for hostNetwork) with the loop watching the socket. An
 * optional timeout ends the run as a failure. The outcome comes back
 * through a callback, never from inside pv_action_start. Owns struct
 * pv_action. Calls: runtime/execin, pods (records), core. */
#ifndef PV_SUPERVISOR_PODS_ACTION_H
#define PV_SUPERVISOR_PODS_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifests/types.h"
#include "supervisor/runtime/execin.h"

struct pv_crt;
struct pv_action;

/* OK: exec exited 0; httpGet read a status line; tcpSocket connected.
 * CODE: exec's exit status, httpGet's HTTP status, else 0 (-1 on a
 * timeout). MSG: exec's output (its last newline cut), else what went
 * wrong ("" when it went right). */
typedef void pv_action_done_fn(struct pv_action *a, bool ok, int code, const char *msg);

struct pv_action {
	struct pv_crt *c;
	/* what to run: one of the three */
	const struct pv_exec_action *exec;
	const struct pv_http_get *http;
	const struct pv_tcp_socket *tcp;
	pv_action_done_fn *done;
	void *data;                /* the caller's */
	/* the run */
	bool busy;
	struct pv_timer *deadline;
	int fd;                    /* httpGet, tcpSocket: the socket */
	struct pv_execin x;        /* exec: the command */
	struct pv_watch_fd *w;
	bool sent;
	char target[64];           /* "10.0.0.5:80" */
	char buf[1024];            /* the response, or the command's output */
	size_t len;
};

/* Ready to run (nothing runs, nothing to free yet). */
void pv_action_init(struct pv_action *a, struct pv_crt *c, pv_action_done_fn *done, void *data);
/* Start a run, ended as a failure after TIMEOUT_MS (0: no timeout). 0, or
 * -1 with MSG saying why it could not start (no callback then). */
int pv_action_start(struct pv_action *a, int64_t timeout_ms, char *msg, size_t len);
/* End the run, if one is going, without its callback. */
void pv_action_cancel(struct pv_action *a);
/* pv_action_cancel, and free its timer. */
void pv_action_free(struct pv_action *a);
/* "http://10.0.0.5:80/path" of an httpGet run, for messages. */
const char *pv_action_url(const struct pv_action *a, char *buf, size_t len);

#endif
