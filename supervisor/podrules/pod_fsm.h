/* Pod and container lifecycles as transition tables: for each state and
 * event, the next state, the action the pods module carries out and (for
 * a container) the reason it waits. Owns the events, the actions, the two
 * tables, the restart policies' decision, and Kubernetes' strings for the
 * reasons, the phases and the pods' event reasons (rendered only at the
 * edge: status JSON, events; parsed only from the shim's exit file).
 * Pure: no I/O, no logging, no records. Calls nothing but node/pod_state.h
 * (the state enums the records hold). */
#ifndef PV_SUPERVISOR_POD_FSM_H
#define PV_SUPERVISOR_POD_FSM_H

#include <stdbool.h>

#include "supervisor/node/pod_state.h"

/* ---- containers ---- */

enum pv_cevent {
	PV_CE_START,           /* its turn came: the next init container, or the apps */
	PV_CE_RETRY,           /* a reconcile pass: try a blocked container again */
	PV_CE_RESUME,          /* adopted by a new daemon: carry on */
	PV_CE_IMAGE_MISSING,   /* creating: the image is not in the node's store */
	PV_CE_IMAGE_INVALID,   /* creating: the image cannot be used */
	PV_CE_CONFIG_ERROR,    /* creating: its spec cannot be built (env, mounts) */
	PV_CE_CREATE_ERROR,    /* creating: its shim could not be launched */
	PV_CE_LAUNCHED,        /* creating: the shim runs */
	PV_CE_STARTED,         /* the shim says the process runs */
	PV_CE_EXITED,          /* the shim ended; the exit is in the record */
	PV_CE_RESTART,         /* its restart policy: start it again (after a back-off) */
	PV_CE_SUCCEEDED,       /* its restart policy: it stays ended, with 0 */
	PV_CE_FAILED,          /* its restart policy: it stays ended, failed */
	PV_CE_BACKOFF_ELAPSED, /* the back-off timer fired */
	PV_CE_STOP,            /* its pod stops */
	PV_CE_GRACE_EXPIRED,   /* its pod's grace period is over */
	PV_CE_ADOPT_RUNNING,   /* a new daemon found it running */
	PV_CE_ADOPT_EXITED,    /* a new daemon found it ended */
	PV_CE_UNHEALTHY,       /* its liveness or startup probe failed for good */
	PV_CE_HOOK_DONE,       /* its postStart hook returned (or it has none) */
	PV_CE_HOOK_FAILED,     /* its postStart hook failed */
	PV_CE_IMAGE_PULLING,   /* creating: its image is being pulled (pods_pull.h) */
	PV_CE_IMAGE_PULL_FAILED, /* creating, or waiting for it: the pull failed */
	PV_CE_IMAGE_PULL_BACKOFF, /* creating: the image's last pull failed, the next is not due */
	PV_CE_NEVENTS
};

enum pv_caction {
	PV_CA_INVALID,   /* cannot happen: nothing changes, the caller reports it */
	PV_CA_IGNORE,    /* late or repeated: nothing changes */
	PV_CA_NONE,      /* the state and reason change, nothing more */
	PV_CA_CREATE,    /* look the image up, build the spec, launch the shim:
			  * the outcome comes back as an event */
	PV_CA_RESTART,   /* count the restart, keep the last exit, then CREATE */
	PV_CA_RUN,       /* record the process (pid, pidfd, start time) */
	PV_CA_RUN_TERM,  /* RUN, then SIGTERM */
	PV_CA_JUDGE,     /* apply the restart policy: RESTART, SUCCEEDED or FAILED */
	PV_CA_BACKOFF,   /* arm the back-off timer (a zero delay: BACKOFF_ELAPSED now) */
	PV_CA_SUCCEEDED, /* tell the pod: ended for good, with 0 */
	PV_CA_FAILED,    /* tell the pod: ended for good, failed */
	PV_CA_CANCEL,    /* disarm the back-off timer */
	PV_CA_TERM,      /* its preStop hook, then SIGTERM (a sidecar when its turn comes:
			  * after the app containers and the sidecars after it) */
	PV_CA_KILL,      /* SIGKILL */
	PV_CA_STOPPED,   /* tell the pod: one more container ended while it stops */
	PV_CA_KILL_UNHEALTHY, /* "Killing" event, STOP_HOOK, arm the grace timer (GRACE_EXPIRED) */
	PV_CA_POST_START, /* record the process, run its postStart hook: HOOK_DONE or
			   * HOOK_FAILED comes back (HOOK_DONE at once if it has none) */
	PV_CA_PROBE,     /* it runs: start its probes */
	PV_CA_KILL_HOOK, /* "FailedPostStartHook" event, STOP_HOOK, arm the grace timer */
	PV_CA_NACTIONS
};

/* A cell. For INVALID and IGNORE, next is the state given and reason is
 * meaningless: the caller changes nothing. Otherwise the caller sets the
 * state to next and the reason to reason, then carries out the action. */
struct pv_cstep {
	enum pv_cstate next;
	enum pv_caction action;
	enum pv_creason reason;
};

struct pv_cstep pv_fsm_container_step(enum pv_cstate s, enum pv_cevent e);

/* What Kubernetes sees of a state. */
enum pv_ckind { PV_K_WAITING, PV_K_RUNNING, PV_K_TERMINATED };
enum pv_ckind pv_fsm_kind(enum pv_cstate s);

/* A container's restart policy: its pod's, for an init container Always
 * counts as OnFailure, and a sidecar (an init container with a
 * restartPolicy of its own) is always restarted. */
enum pv_restart { PV_RESTART_NEVER, PV_RESTART_ON_FAILURE, PV_RESTART_ALWAYS };
/* spec.restartPolicy ("Always", "OnFailure", "Never"; NULL: Always). */
enum pv_restart pv_restart_parse(const char *s);
enum pv_restart pv_fsm_restart_policy(enum pv_restart pod, bool init, bool sidecar);
/* JUDGE: what an exit with EXIT_CODE is under policy R. */
enum pv_cevent pv_fsm_exit_event(enum pv_restart r, int exit_code);

/* ---- pods ---- */

enum pv_pevent {
	PV_PE_START,             /* its sandbox is up */
	PV_PE_ADOPT_STARTING,    /* adopted, some init container not done */
	PV_PE_ADOPT_RUNNING,     /* adopted, its init containers done */
	PV_PE_RESUME,            /* adopted: carry on where its containers are */
	PV_PE_RETRY,             /* a reconcile pass: retry blocked containers */
	PV_PE_INIT_SUCCEEDED,    /* the current init container ended with 0 for good */
	PV_PE_INIT_FAILED,       /* the current init container failed for good */
	PV_PE_INITS_DONE,        /* no init container is left to run */
	PV_PE_APPS_DONE,         /* every app container ended for good */
	PV_PE_STOP,              /* stop it: deleted, changed, or the daemon leaves */
	PV_PE_INIT_EXITED,       /* its init process (the pod's PID 1) ended */
	PV_PE_CONTAINER_STOPPED, /* a container ended while it stops */
	PV_PE_GRACE_EXPIRED,     /* the grace period is over */
	PV_PE_DEADLINE,          /* its activeDeadlineSeconds passed */
	PV_PE_NEVENTS
};

enum pv_paction {
	PV_PA_INVALID,     /* cannot happen: nothing changes, the caller reports it */
	PV_PA_IGNORE,      /* late or repeated: nothing changes */
	PV_PA_NONE,        /* the state changes, nothing more */
	PV_PA_START_INIT,  /* START the current init container; none left: INITS_DONE */
	PV_PA_NEXT_INIT,   /* move past the one that succeeded, then START_INIT */
	PV_PA_START_APPS,  /* START every app container */
	PV_PA_RESUME_INIT, /* RESUME the current init container */
	PV_PA_RESUME_APPS, /* RESUME every app container */
	PV_PA_RETRY_INIT,  /* RETRY the current init container */
	PV_PA_RETRY_APPS,  /* RETRY every app container */
	PV_PA_STOP,        /* save, STOP every container, arm the grace timer (or FINISH) */
	PV_PA_INIT_DIED,   /* report it, then STOP (the reconciler recreates the pod) */
	PV_PA_KILL,        /* GRACE_EXPIRED to every container */
	PV_PA_FINISH,      /* once every container ended: end the init process,
			    * then tear the pod down and free it */
	PV_PA_DEADLINE,    /* report it, save, STOP every container, arm the grace
			    * timer; the pod stays (Failed, DeadlineExceeded) */
	PV_PA_SETTLE,      /* once every container ended: APPS_DONE */
	PV_PA_NACTIONS
};

struct pv_pstep {
	enum pv_pstate next;
	enum pv_paction action;
};

struct pv_pstep pv_fsm_pod_step(enum pv_pstate s, enum pv_pevent e);

/* ---- Kubernetes' strings ---- */

enum pv_phase { PV_PHASE_PENDING, PV_PHASE_RUNNING, PV_PHASE_SUCCEEDED, PV_PHASE_FAILED };

/* The reasons events about pods carry. */
enum pv_evreason {
	PV_EV_SCHEDULED,
	PV_EV_STARTED,
	PV_EV_COMPLETED,
	PV_EV_DIED,
	PV_EV_BACK_OFF,
	PV_EV_FAILED,
	PV_EV_FAILED_MOUNT,
	PV_EV_ERR_IMAGE_NEVER_PULL,
	PV_EV_INVALID_IMAGE_NAME,
	PV_EV_KILLING,
	PV_EV_STOPPED,
	PV_EV_VOLUMES_NOT_MOUNTED,
	PV_EV_POD_INIT_DIED,
	PV_EV_UNHEALTHY,
	PV_EV_DEADLINE_EXCEEDED,
	PV_EV_FAILED_SCHEDULING,
	PV_EV_FAILED_POST_START_HOOK,
	PV_EV_FAILED_PRE_STOP_HOOK,
	PV_EV_PULLING,
	PV_EV_PULLED,
	PV_EV_FAILED_PULL_SECRET,
	PV_EV_NREASONS
};

/* "" for PV_R_NONE. */
const char *pv_reason_str(enum pv_creason r);
/* A reason as the shim's exit file writes it: NULL or "" is PV_R_NONE,
 * a string this version does not know is PV_R_ERROR. */
enum pv_creason pv_reason_parse(const char *s);
const char *pv_phase_str(enum pv_phase p);
const char *pv_evreason_str(enum pv_evreason r);

/* Names for logs and tests ("RUNNING", "EXITED", "JUDGE"...). */
const char *pv_fsm_cstate_name(enum pv_cstate s);
const char *pv_fsm_cevent_name(enum pv_cevent e);
const char *pv_fsm_caction_name(enum pv_caction a);
const char *pv_fsm_pstate_name(enum pv_pstate s);
const char *pv_fsm_pevent_name(enum pv_pevent e);
const char *pv_fsm_paction_name(enum pv_paction a);

#endif
