/* Between the pod modules (pods.c, pods_reconcile.c, pods_init.c, pods_container.c, pods_adopt.c,
 * pods_status.c, pods_probes.c, pods_action.c, pods_hooks.c, pods_retry.c)
 * only. */
#ifndef PV_SUPERVISOR_PODS_INTERNAL_H
#define PV_SUPERVISOR_PODS_INTERNAL_H

#include <stdio.h>
#include <string.h>

#include "supervisor/node/pod.h"
#include "supervisor/podrules/pod_fsm.h"
#include "supervisor/runtime/execin.h"

void pv_iso_now(char *buf, size_t len);
void pv_pod_event(struct pv_prt *p, bool warn, enum pv_evreason reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int pv_pod_save(struct pv_prt *p);
/* What a pod record whose start failed keeps when it is tried again. */
struct pv_failed_was {
	char uid[33], created_at[40];
	int64_t created_wall, retry_ms;
};
/* A pod's start, in two halves (pods.c), so that the spawner clones one
 * pod's namespaces while the daemon sets up the pod before it: the pod of
 * O (from SHARED, the file it came from; HASH its spec's) as far as
 * asking for its init, then, from the init's pid on, its network,
 * records and containers. A failure in either leaves a record that tries
 * again (WAS: the earlier try's). pv_pod_start_begin fills ST and is true
 * when pv_pod_start_end must follow, before the pass ends and in the
 * order begun; false when the start already failed. */
struct pv_pod_starting {
	struct pv_prt *p;
	const struct pv_object *o;
	char hash[65];
	struct pv_failed_was was;
	bool has_was;
	char *host;     /* the pod's hostname */
	bool hostnet;
	uint32_t userns; /* its user namespace's first host id; 0: none */
	int confirm[2];  /* the init's pipe: it reads [0], the daemon writes [1] */
	bool asked;      /* the spawner clones the init: its pid is an answer to wait for */
};
bool pv_pod_start_begin(struct pv_pod_starting *st, struct pv_daemon *d, const struct pv_object *o,
			struct pv_file *shared, const char *hash, const struct pv_failed_was *was);
void pv_pod_start_end(struct pv_pod_starting *st);
/* The pod's init (pods_init.c): asked of the spawner (or, without one,
 * left to pv_pod_init_wait), then had: cloned (hostname ST->host, in its
 * own user namespace from host id ST->userns unless 0), recorded in a
 * short 'starting' pod.json, and only then let live. Sets init_pid and
 * init_start; closes the pipe. */
int pv_pod_init_ask(struct pv_pod_starting *st, struct pv_err *err);
int pv_pod_init_wait(struct pv_pod_starting *st, struct pv_err *err);
/* The pod's private copy of O's spec (pod-spec.json, p->spec). */
int pv_pod_load_spec(struct pv_prt *p, const struct pv_object *o, struct pv_file *shared,
		     struct pv_err *err);
/* A record standing for the pod of O, which does not fit the node
 * (UNFIT: unschedulable) or did not start (start_failed); no init,
 * nothing made: its spec (HASH) and the UID and creation time it had at
 * the last pass (UID NULL: new ones). NULL, said in the log, when it
 * cannot be had. */
struct pv_prt *pv_pod_record(struct pv_daemon *d, const struct pv_object *o, bool unfit,
			     const char *hash, const char *uid, const char *created_at,
			     int64_t created_wall);
struct pv_prt *pv_pod_alloc(struct pv_daemon *d);
void pv_pod_free(struct pv_prt *p);
void pv_pod_set_ip(struct pv_prt *p);
int pv_pod_setup_containers(struct pv_prt *p);
int pv_pod_watch_init(struct pv_prt *p);
void pv_pod_stop(struct pv_prt *p, bool for_good);
/* Arm the activeDeadlineSeconds timer of a started or adopted pod (none
 * without the field, or once it passed). */
void pv_pod_arm_deadline(struct pv_prt *p);
bool pv_pods_stopping(struct pv_daemon *d, const char *ns, const char *name);
/* hostUsers: false: the pod's range of host ids (node/idpool.h), taken
 * (TAKE) before its init is made, found again for its containers; *BASE
 * is 0 for a pod with the host's users. */
int pv_pod_userns(struct pv_prt *p, bool take, uint32_t *base, struct pv_err *err);
/* The range back to the pool, once nothing of the pod runs. */
void pv_pod_userns_release(struct pv_prt *p);
/* Tries again (pods_retry.c). The first wait, and the longest (the
 * kubelet's 10 s by default: --backoff-base). */
#define PV_START_RETRY_MS 1000
int64_t pv_pods_retry_cap(const struct pv_daemon *d);
/* A container could not be created: a pass later tries it again (and
 * the pass backs off while it keeps failing). */
void pv_pods_retry_later(struct pv_daemon *d);
/* At the end of a pass: the next one when a pod record's start is due
 * again, or while a container is blocked. */
void pv_pods_schedule_retry(struct pv_daemon *d);
/* Remove the pod's cgroup (runtime/cgroup.h), once nothing runs in it. */
void pv_pod_cgroup_remove(const struct pv_prt *p);

/* Every change of a pod's state: the pod table (pod_fsm.h) applied, its
 * action carried out. The action may free the pod (a stop that finished):
 * a caller touches P no more after this. */
void pv_pod_apply(struct pv_prt *p, enum pv_pevent ev);

/* Pulls (pods_pull.c). Before creating C: true when it must first wait
 * for a pull (imagePullPolicy Always, no pull succeeded for this start
 * yet), with the event to apply in EV and its message in MSG. */
bool pv_pull_first(struct pv_crt *c, enum pv_cevent *ev, char *msg, size_t len);
/* C's image is not in the store: IMAGE_MISSING (imagePullPolicy Never),
 * or the pull it waits for (IMAGE_PULLING, IMAGE_PULL_BACKOFF,
 * IMAGE_PULL_FAILED), with its message in MSG. */
enum pv_cevent pv_pull_missing(struct pv_crt *c, char *msg, size_t len);

/* Containers (pods_container.c). */
char *pv_container_dir(const struct pv_crt *c);
void pv_crt_close(struct pv_crt *c);
void pv_container_shim_exited(void *data, int fd, uint32_t events);

/* Probes (pods_probes.c): started with each run of a container (RUN),
 * stopped when it leaves RUNNING and when its pod is freed. */
void pv_probes_start(struct pv_crt *c);
void pv_probes_stop(struct pv_crt *c);

/* What some events carry: the process (STARTED, ADOPT_RUNNING), the
 * message of a container that cannot be created. */
struct pv_crt_arg {
	pid_t pid;
	uint64_t start;
	const char *msg;
};

/* Every change of a container's state: the container table applied, its
 * waiting reason and message set, its action carried out. The action may
 * reach the pod (and free it, with C): a caller touches neither after. */
void pv_crt_apply(struct pv_crt *c, enum pv_cevent ev, const struct pv_crt_arg *arg);

/* One run of a container's handler (pods_action.c), in the daemon's
 * loop, for probes (pods_probes.c) and lifecycle hooks (pods_hooks.c):
 * exec runs the command inside the container (runtime/execin.h), watched
 * by its pidfd; httpGet and tcpSocket connect without blocking to the
 * pod's address (127.0.0.1 for hostNetwork) with the loop watching the
 * socket. An optional timeout ends the run as a failure. The outcome
 * comes back through a callback, never from inside pv_action_start. */
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

/* A container's started flag may have changed (its postStart hook
 * returned, its startup probe passed): a sidecar that is the init
 * container whose turn it is lets the next one start. */
void pv_crt_started(struct pv_crt *c);
/* The signal that stops C: its lifecycle.stopSignal, its image's
 * StopSignal, or SIGTERM. */
int pv_crt_stop_signal(struct pv_crt *c);

/* Lifecycle hooks and the order of stopping (pods_hooks.c). */
/* Run C's postStart hook: HOOK_DONE or HOOK_FAILED comes back through
 * pv_crt_apply, never from inside this call unless it has none. */
void pv_hook_post_start(struct pv_crt *c);
/* Stop C: its preStop hook, then SIGTERM; a sidecar whose pod stops or
 * completed gets its SIGTERM once the app containers and the sidecars
 * after it have ended. */
void pv_hook_stop(struct pv_crt *c);
/* Sidecars of P waiting for their turn to be stopped: SIGTERM those
 * whose turn came. */
void pv_hook_turn(struct pv_prt *p);
/* End C's hook, if one runs, and forget a pending SIGTERM. */
void pv_hook_cancel(struct pv_crt *c);

/* The shim's stamp ("2026-12-01T07:07:07.123456789Z") as Kubernetes
 * shows it, RFC 3339 to the second: "2026-12-01T07:07:07Z". */
static inline void pv_stamp_seconds(char *dst, size_t n, const char *src)
{
	if (src && strlen(src) >= 19)
		snprintf(dst, n, "%.19sZ", src);
	else
		snprintf(dst, n, "%s", src ? src : "");
}

#endif
