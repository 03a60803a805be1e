/* A pod as the daemon runs it: the pod and container records (state,
 * processes, addresses) and what other modules may read of them. Below
 * every module that reads pods (services, DNS, storage, volumes, the
 * network); only the pods module (pods.h) changes them. Calls: node. */
#ifndef PV_SUPERVISOR_POD_H
#define PV_SUPERVISOR_POD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "manifests/manifest.h"
#include "supervisor/node/node.h"
#include "supervisor/node/pod_state.h"

struct pv_cterm {
	bool set;
	int exit_code;
	int signal;
	enum pv_creason reason;
	char message[256];
	char started_at[40], finished_at[40];
};

struct pv_crt {
	struct pv_prt *pod;
	const struct pv_container *spec; /* in the pod's private copy */
	bool init;
	enum pv_cstate state;
	enum pv_creason reason; /* while waiting: ContainerCreating, CrashLoopBackOff... */
	char message[512];
	char started_at[40];
	int64_t started_ms;
	struct pv_cterm term, last; /* this run's end, and the previous run's */
	int restarts;
	int64_t backoff_ms;
	int stop_signal;          /* what stops it (stopSignal, the image's, SIGTERM); 0: not known yet */
	pid_t pid;
	uint64_t pid_start;
	int pidfd;
	pid_t shim_pid;
	int shim_pidfd;
	struct pv_watch_fd *shim_w;
	int notify_fd;
	struct pv_watch_fd *notify_w;
	struct pv_timer *timer;    /* backoff */
	struct pv_timer *kill_timer; /* SIGKILL, a grace period after a probe killed it */
	/* What its probes say of this run (no probe: both true once running):
	 * kept by the pods module (pods_probes.c). */
	bool started, ready;
	int64_t ready_ms;          /* monotonic: when READY last became true (0: never) */
	struct pv_probes *probes;  /* the pods module's; NULL: no probe runs */
	struct pv_hooks *hooks;    /* the pods module's: a lifecycle hook running, or a
				    * sidecar waiting for its turn to stop; NULL: none */
};

struct pv_prt {
	struct pv_daemon *d;
	char uid[33];
	char *ns, *name;
	char hash[65];            /* of the spec it runs */
	char *dir;
	char created_at[40];
	int64_t created_wall;
	struct pv_file *spec_file; /* the Pod: a copy of its own, or the one its controller
				    * rendered, shared (pv_file_get); never changed */
	const struct pv_pod *spec;
	enum pv_pstate state;
	bool delete_when_stopped; /* stopping for good (not for a restart) */
	struct pv_prt *index_next; /* the next in its pv_pods_find chain */
	bool leaving;             /* about to stop: no longer an endpoint (ready) */
	pid_t init_pid;
	uint64_t init_start;
	int init_pidfd;
	uint32_t ip;              /* host byte order; 0: none */
	char ip_str[16];
	struct pv_watch_fd *init_w;
	struct pv_crt *containers; /* init containers first */
	size_t ncontainers, ninit;
	size_t next_init;
	struct pv_timer *kill_timer;
	uint64_t projected_gen;    /* the desired state its projected volumes were written from */
	/* Does not fit this node (nodeSelector, node affinity): a record only,
	 * Pending, nothing started; decided again at each pass. */
	bool unschedulable;
	struct pv_timer *deadline; /* activeDeadlineSeconds, counted from its start */
	bool deadline_exceeded;    /* stopped by it: Failed (DeadlineExceeded), for good */
	/* Refused by the node's admission, as the kubelet's rejectPod: also
	 * unschedulable (a record only, nothing started), but Failed with
	 * this reason ("SysctlForbidden", "AppArmor") and message; NULL: not. */
	const char *rejected;
	char rejected_msg[sizeof(((struct pv_err *)0)->msg)];
	/* Its start failed (a full state disk, no free address, ...): a record
	 * only, Pending (FailedCreatePodSandBox, START_ERROR), nothing runs;
	 * started again at START_RETRY_AT (monotonic ms), backing off. */
	bool start_failed;
	char start_error[512];
	int64_t start_retry_at, start_retry_ms;
};

/* status.podIP: its own, or the node's for hostNetwork; "" before it has one. */
const char *pv_pod_ip(const struct pv_prt *p);
/* The pod NS/NAME that is not being deleted, or NULL. */
struct pv_prt *pv_pods_find(struct pv_daemon *d, const char *ns, const char *name);
/* A pod came into d->pods or left it (the pods module says so). */
void pv_pods_index_stale(struct pv_daemon *d);
/* The spec hash: what makes a running pod out of date (labels and
 * annotations are not in it). */
void pv_pod_hash(const struct pv_object *o, char out[65]);
/* The address a Service reaches pod P at: its own, or for a hostNetwork
 * pod the node's bridge address; 0 when it has none. */
uint32_t pv_pod_address(const struct pv_prt *p);
/* Whether pod P is ready to serve (an endpoint): running, and every app
 * container and sidecar running and ready, as Kubernetes' Ready. */
bool pv_pod_ready(const struct pv_prt *p);
/* A sidecar: an init container with restartPolicy Always. */
bool pv_crt_sidecar(const struct pv_crt *c);

/* What the other modules read of a pod: a copy of its state, filled by
 * the pods' owner, never the record itself (only the pods module changes
 * pods). SPEC is the pod's private copy of its manifest, read-only. */
struct pv_pod_view {
	const char *ns, *name, *uid;
	enum pv_pstate phase;
	bool ready;               /* every regular container running and ready: an endpoint */
	bool stopping;            /* being stopped, or deleted once stopped */
	int64_t ready_since_ms;   /* while READY: since when (monotonic ms), else 0 */
	uint32_t ip;              /* its own address (host order); 0: none */
	uint32_t address;         /* where a Service reaches it (pv_pod_address) */
	const struct pv_pod *spec;
};

/* The pods, one view at a time: for (size_t it = 0; pv_pod_view_next(d,
 * &it, &v);) ... A pass must not start or stop pods. */
bool pv_pod_view_next(const struct pv_daemon *d, size_t *it, struct pv_pod_view *v);
/* How many pods there are (a bound for the views of one pass). */
size_t pv_pod_count(const struct pv_daemon *d);

#endif
