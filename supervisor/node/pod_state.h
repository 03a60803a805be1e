/* The states of a pod and of its containers, and the reasons a container
 * waits or ended: the enums the pod records (pod.h) hold, nothing more.
 * Their transitions, and the strings Kubernetes gives them, are the pods
 * module's (supervisor/podrules/pod_fsm.h). Calls nothing. */
#ifndef PV_SUPERVISOR_POD_STATE_H
#define PV_SUPERVISOR_POD_STATE_H

/* Kubernetes sees three container states: Waiting (PENDING, CREATING,
 * BLOCKED, BAD_IMAGE, BACKOFF, ABORTING, POSTSTART), Running (RUNNING, STOPPING,
 * KILLING) and Terminated (ENDED, TERMINATED). */
enum pv_cstate {
	PV_C_PENDING,    /* its turn has not come (or the daemon just adopted it) */
	PV_C_CREATING,   /* image, spec, shim: until the shim says "running" */
	PV_C_BLOCKED,    /* could not be created, or its image is being pulled;
			  * tried again at each reconcile pass */
	PV_C_BAD_IMAGE,  /* its image cannot be used: waits for a new spec */
	PV_C_RUNNING,
	PV_C_BACKOFF,    /* ended; started again when its back-off timer fires */
	PV_C_ENDED,      /* ended, its restart policy not yet applied */
	PV_C_TERMINATED, /* ended for good, or never to start (its pod stops) */
	PV_C_STOPPING,   /* SIGTERM sent; SIGKILL when the grace period is over */
	PV_C_ABORTING,   /* being created when its pod stopped: SIGTERM once it runs */
	PV_C_KILLING,    /* failed its liveness or startup probe: SIGTERM sent, SIGKILL
			  * after the grace period; its restart policy judges the exit */
	PV_C_POSTSTART,  /* its process runs; its postStart hook has not returned yet */
	PV_C_NSTATES
};

enum pv_pstate {
	PV_P_NEW,        /* being created or adopted */
	PV_P_STARTING,   /* init containers, one at a time */
	PV_P_RUNNING,
	PV_P_DONE,       /* every container finished and stays so */
	PV_P_STOPPING,   /* SIGTERM sent, waiting for the containers */
	PV_P_FAILING,    /* past its activeDeadlineSeconds: its containers stop (SIGTERM,
			  * SIGKILL after the grace period), then DONE, Failed, for good */
	PV_P_NSTATES
};

/* Why a container waits (the first seven, and the last two: a pull
 * failed, a pull backing off) or why it ended. */
enum pv_creason {
	PV_R_NONE,
	PV_R_POD_INITIALIZING,
	PV_R_CONTAINER_CREATING,
	PV_R_CRASH_LOOP_BACK_OFF,
	PV_R_ERR_IMAGE_NEVER_PULL,
	PV_R_INVALID_IMAGE_NAME,
	PV_R_CREATE_CONTAINER_CONFIG_ERROR,
	PV_R_CREATE_CONTAINER_ERROR,
	PV_R_COMPLETED,
	PV_R_ERROR,
	PV_R_OOM_KILLED,
	PV_R_START_ERROR,
	PV_R_ERR_IMAGE_PULL,
	PV_R_IMAGE_PULL_BACK_OFF,
	PV_R_NREASONS
};

#endif
