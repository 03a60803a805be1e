/* The pod and container transition tables, and Kubernetes' strings for
 * what they hold. Pure: owns the tables (see pod_fsm.h); calls nothing.
 *
 * A cell not written below is INVALID: an event that cannot arrive in
 * that state (the caller reports it and changes nothing). IGNORE cells are
 * written out, each for a reason given beside it. */
#include "supervisor/podrules/pod_fsm.h"

#include <stddef.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- containers ---- */

#define GO(next, act, why) { PV_C_##next, PV_CA_##act, PV_R_##why }
#define IGNORE { 0, PV_CA_IGNORE, PV_R_NONE }

/* Late events, in every state that does not act on them: RETRY (a pass
 * retries BLOCKED only), BACKOFF_ELAPSED (a timer disarmed too late),
 * GRACE_EXPIRED (only STOPPING and KILLING have a process to kill),
 * UNHEALTHY (a probe's verdict on a run that is no longer RUNNING). */
#define LATE(retry, elapsed, grace)            \
	[PV_CE_RETRY] = retry,                 \
	[PV_CE_BACKOFF_ELAPSED] = elapsed,     \
	[PV_CE_GRACE_EXPIRED] = grace

/* Every state but RUNNING ignores UNHEALTHY. HOOK_DONE and HOOK_FAILED
 * come in POSTSTART only: its hook is cancelled when it leaves it. */
#define LATE_UNHEALTHY [PV_CE_UNHEALTHY] = IGNORE

static const struct pv_cstep ctable[PV_C_NSTATES][PV_CE_NEVENTS] = {
	[PV_C_PENDING] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY,
		[PV_CE_START] = GO(CREATING, CREATE, CONTAINER_CREATING),
		[PV_CE_RESUME] = GO(CREATING, CREATE, CONTAINER_CREATING),
		[PV_CE_STOP] = GO(TERMINATED, NONE, NONE),
		[PV_CE_ADOPT_RUNNING] = GO(RUNNING, RUN, NONE),
		[PV_CE_ADOPT_EXITED] = GO(ENDED, NONE, NONE),
	},
	[PV_C_CREATING] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY,
		[PV_CE_IMAGE_MISSING] = GO(BLOCKED, NONE, ERR_IMAGE_NEVER_PULL),
		[PV_CE_IMAGE_PULLING] = GO(BLOCKED, NONE, CONTAINER_CREATING),
		[PV_CE_IMAGE_PULL_FAILED] = GO(BLOCKED, NONE, ERR_IMAGE_PULL),
		[PV_CE_IMAGE_PULL_BACKOFF] = GO(BLOCKED, NONE, IMAGE_PULL_BACK_OFF),
		[PV_CE_IMAGE_INVALID] = GO(BAD_IMAGE, NONE, INVALID_IMAGE_NAME),
		[PV_CE_CONFIG_ERROR] = GO(BLOCKED, NONE, CREATE_CONTAINER_CONFIG_ERROR),
		[PV_CE_CREATE_ERROR] = GO(BLOCKED, NONE, CREATE_CONTAINER_ERROR),
		[PV_CE_LAUNCHED] = GO(CREATING, NONE, CONTAINER_CREATING),
		[PV_CE_STARTED] = GO(POSTSTART, POST_START, CONTAINER_CREATING),
		[PV_CE_EXITED] = GO(ENDED, JUDGE, NONE), /* before it ran: StartError */
		[PV_CE_STOP] = GO(ABORTING, NONE, CONTAINER_CREATING),
	},
	[PV_C_BLOCKED] = {
		LATE(GO(CREATING, CREATE, CONTAINER_CREATING), IGNORE, IGNORE), LATE_UNHEALTHY,
		[PV_CE_STOP] = GO(TERMINATED, NONE, NONE),
		[PV_CE_IMAGE_PULL_FAILED] = GO(BLOCKED, NONE, ERR_IMAGE_PULL), /* the pull it waited for */
	},
	[PV_C_BAD_IMAGE] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY, /* no RETRY: it waits for a new spec (a new pod) */
		[PV_CE_STOP] = GO(TERMINATED, NONE, NONE),
	},
	[PV_C_RUNNING] = {
		LATE(IGNORE, IGNORE, IGNORE),
		[PV_CE_RESUME] = IGNORE,  /* adopted running: nothing to do */
		[PV_CE_STARTED] = IGNORE, /* said twice */
		[PV_CE_EXITED] = GO(ENDED, JUDGE, NONE),
		[PV_CE_STOP] = GO(STOPPING, TERM, NONE),
		[PV_CE_UNHEALTHY] = GO(KILLING, KILL_UNHEALTHY, NONE),
	},
	[PV_C_BACKOFF] = {
		LATE(IGNORE, GO(CREATING, RESTART, CONTAINER_CREATING), IGNORE), LATE_UNHEALTHY,
		[PV_CE_STOP] = GO(TERMINATED, CANCEL, NONE),
	},
	[PV_C_ENDED] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY,
		[PV_CE_RESUME] = GO(ENDED, JUDGE, NONE), /* ended while the daemon was away */
		[PV_CE_RESTART] = GO(BACKOFF, BACKOFF, CRASH_LOOP_BACK_OFF),
		[PV_CE_SUCCEEDED] = GO(TERMINATED, SUCCEEDED, NONE),
		[PV_CE_FAILED] = GO(TERMINATED, FAILED, NONE),
		[PV_CE_STOP] = GO(TERMINATED, NONE, NONE),
	},
	[PV_C_TERMINATED] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY,
		[PV_CE_STOP] = IGNORE, /* nothing left to stop */
	},
	[PV_C_STOPPING] = {
		LATE(IGNORE, IGNORE, GO(STOPPING, KILL, NONE)), LATE_UNHEALTHY,
		[PV_CE_STARTED] = IGNORE, /* said twice */
		[PV_CE_EXITED] = GO(TERMINATED, STOPPED, NONE),
		[PV_CE_STOP] = IGNORE,    /* stopped twice */
	},
	[PV_C_ABORTING] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY, /* no process known yet to kill */
		[PV_CE_STARTED] = GO(STOPPING, RUN_TERM, NONE),
		[PV_CE_EXITED] = GO(TERMINATED, STOPPED, NONE),
		[PV_CE_STOP] = IGNORE,    /* stopped twice */
	},
	[PV_C_KILLING] = {
		LATE(IGNORE, IGNORE, GO(KILLING, KILL, NONE)), LATE_UNHEALTHY,
		[PV_CE_STARTED] = IGNORE, /* said twice */
		[PV_CE_EXITED] = GO(ENDED, JUDGE, NONE), /* restarted per its policy */
		[PV_CE_STOP] = GO(STOPPING, NONE, NONE), /* SIGTERM already sent */
	},
	[PV_C_POSTSTART] = {
		LATE(IGNORE, IGNORE, IGNORE), LATE_UNHEALTHY, /* no probe runs before the hook returned */
		[PV_CE_STARTED] = IGNORE, /* said twice */
		[PV_CE_HOOK_DONE] = GO(RUNNING, PROBE, NONE),
		[PV_CE_HOOK_FAILED] = GO(KILLING, KILL_HOOK, NONE), /* restarted per its policy */
		[PV_CE_EXITED] = GO(ENDED, JUDGE, NONE),
		[PV_CE_STOP] = GO(STOPPING, TERM, NONE),
	},
};

struct pv_cstep pv_fsm_container_step(enum pv_cstate s, enum pv_cevent e)
{
	struct pv_cstep st = { s, PV_CA_INVALID, PV_R_NONE };

	if ((unsigned)s >= PV_C_NSTATES || (unsigned)e >= PV_CE_NEVENTS)
		return st;
	st = ctable[s][e];
	if (st.action == PV_CA_INVALID || st.action == PV_CA_IGNORE)
		st.next = s, st.reason = PV_R_NONE;
	return st;
}

enum pv_ckind pv_fsm_kind(enum pv_cstate s)
{
	switch (s) {
	case PV_C_RUNNING:
	case PV_C_STOPPING:
	case PV_C_KILLING:
		return PV_K_RUNNING;
	case PV_C_ENDED:
	case PV_C_TERMINATED:
		return PV_K_TERMINATED;
	default:
		return PV_K_WAITING;
	}
}

enum pv_restart pv_restart_parse(const char *s)
{
	if (s && strcmp(s, "Never") == 0)
		return PV_RESTART_NEVER;
	if (s && strcmp(s, "OnFailure") == 0)
		return PV_RESTART_ON_FAILURE;
	return PV_RESTART_ALWAYS;
}

enum pv_restart pv_fsm_restart_policy(enum pv_restart pod, bool init, bool sidecar)
{
	if (init && sidecar)
		return PV_RESTART_ALWAYS;
	if (init && pod == PV_RESTART_ALWAYS)
		return PV_RESTART_ON_FAILURE; /* an init container has to succeed once */
	return pod;
}

enum pv_cevent pv_fsm_exit_event(enum pv_restart r, int exit_code)
{
	static const enum pv_cevent judge[3][2] = {
		/*                        exit 0            failed */
		[PV_RESTART_NEVER] = { PV_CE_SUCCEEDED, PV_CE_FAILED },
		[PV_RESTART_ON_FAILURE] = { PV_CE_SUCCEEDED, PV_CE_RESTART },
		[PV_RESTART_ALWAYS] = { PV_CE_RESTART, PV_CE_RESTART },
	};

	if ((unsigned)r > PV_RESTART_ALWAYS)
		r = PV_RESTART_ALWAYS;
	return judge[r][exit_code != 0];
}

/* ---- pods ---- */

#define PGO(next, act) { PV_P_##next, PV_PA_##act }
#define PIGNORE { 0, PV_PA_IGNORE }

static const struct pv_pstep ptable[PV_P_NSTATES][PV_PE_NEVENTS] = {
	[PV_P_NEW] = {
		[PV_PE_START] = PGO(STARTING, START_INIT),
		[PV_PE_ADOPT_STARTING] = PGO(STARTING, NONE),
		[PV_PE_ADOPT_RUNNING] = PGO(RUNNING, NONE),
		/* no DEADLINE: its timer is armed once it started or was adopted */
	},
	[PV_P_STARTING] = {
		[PV_PE_RESUME] = PGO(STARTING, RESUME_INIT),
		[PV_PE_RETRY] = PGO(STARTING, RETRY_INIT),
		[PV_PE_INIT_SUCCEEDED] = PGO(STARTING, NEXT_INIT),
		[PV_PE_INIT_FAILED] = PGO(DONE, NONE), /* restartPolicy Never: the pod failed */
		[PV_PE_INITS_DONE] = PGO(RUNNING, START_APPS),
		[PV_PE_STOP] = PGO(STOPPING, STOP),
		[PV_PE_INIT_EXITED] = PGO(STOPPING, INIT_DIED),
		[PV_PE_DEADLINE] = PGO(FAILING, DEADLINE),
	},
	[PV_P_RUNNING] = {
		[PV_PE_RESUME] = PGO(RUNNING, RESUME_APPS),
		[PV_PE_RETRY] = PGO(RUNNING, RETRY_APPS),
		[PV_PE_APPS_DONE] = PGO(DONE, NONE),
		[PV_PE_STOP] = PGO(STOPPING, STOP),
		[PV_PE_INIT_EXITED] = PGO(STOPPING, INIT_DIED),
		[PV_PE_DEADLINE] = PGO(FAILING, DEADLINE),
	},
	[PV_P_DONE] = {
		[PV_PE_RETRY] = PIGNORE, /* nothing is left to start */
		[PV_PE_CONTAINER_STOPPED] = PIGNORE, /* a sidecar stopped after the apps ended */
		[PV_PE_STOP] = PGO(STOPPING, STOP),
		[PV_PE_INIT_EXITED] = PGO(STOPPING, INIT_DIED),
		[PV_PE_DEADLINE] = PIGNORE, /* nothing runs any more */
	},
	[PV_P_STOPPING] = {
		[PV_PE_RETRY] = PIGNORE, /* it starts nothing any more */
		[PV_PE_STOP] = PIGNORE,  /* stopped twice (the second may be for good) */
		[PV_PE_INIT_EXITED] = PGO(STOPPING, FINISH),
		[PV_PE_CONTAINER_STOPPED] = PGO(STOPPING, FINISH),
		[PV_PE_GRACE_EXPIRED] = PGO(STOPPING, KILL),
		[PV_PE_DEADLINE] = PIGNORE, /* it stops anyway */
	},
	[PV_P_FAILING] = {
		[PV_PE_RETRY] = PIGNORE, /* it starts nothing any more */
		[PV_PE_CONTAINER_STOPPED] = PGO(FAILING, SETTLE),
		[PV_PE_APPS_DONE] = PGO(DONE, NONE),
		[PV_PE_GRACE_EXPIRED] = PGO(FAILING, KILL),
		[PV_PE_STOP] = PGO(STOPPING, STOP),
		[PV_PE_INIT_EXITED] = PGO(STOPPING, INIT_DIED),
		[PV_PE_DEADLINE] = PIGNORE, /* said twice */
	},
};

struct pv_pstep pv_fsm_pod_step(enum pv_pstate s, enum pv_pevent e)
{
	struct pv_pstep st = { s, PV_PA_INVALID };

	if ((unsigned)s >= PV_P_NSTATES || (unsigned)e >= PV_PE_NEVENTS)
		return st;
	st = ptable[s][e];
	if (st.action == PV_PA_INVALID || st.action == PV_PA_IGNORE)
		st.next = s;
	return st;
}

/* ---- Kubernetes' strings ---- */

static const char *const reasons[PV_R_NREASONS] = {
	[PV_R_NONE] = "",
	[PV_R_POD_INITIALIZING] = "PodInitializing",
	[PV_R_CONTAINER_CREATING] = "ContainerCreating",
	[PV_R_CRASH_LOOP_BACK_OFF] = "CrashLoopBackOff",
	[PV_R_ERR_IMAGE_NEVER_PULL] = "ErrImageNeverPull",
	[PV_R_INVALID_IMAGE_NAME] = "InvalidImageName",
	[PV_R_CREATE_CONTAINER_CONFIG_ERROR] = "CreateContainerConfigError",
	[PV_R_CREATE_CONTAINER_ERROR] = "CreateContainerError",
	[PV_R_COMPLETED] = "Completed",
	[PV_R_ERROR] = "Error",
	[PV_R_OOM_KILLED] = "OOMKilled",
	[PV_R_START_ERROR] = "StartError",
	[PV_R_ERR_IMAGE_PULL] = "ErrImagePull",
	[PV_R_IMAGE_PULL_BACK_OFF] = "ImagePullBackOff",
};

static const char *const phases[] = {
	[PV_PHASE_PENDING] = "Pending",
	[PV_PHASE_RUNNING] = "Running",
	[PV_PHASE_SUCCEEDED] = "Succeeded",
	[PV_PHASE_FAILED] = "Failed",
};

static const char *const evreasons[PV_EV_NREASONS] = {
	[PV_EV_SCHEDULED] = "Scheduled",
	[PV_EV_STARTED] = "Started",
	[PV_EV_COMPLETED] = "Completed",
	[PV_EV_DIED] = "Died",
	[PV_EV_BACK_OFF] = "BackOff",
	[PV_EV_FAILED] = "Failed",
	[PV_EV_FAILED_MOUNT] = "FailedMount",
	[PV_EV_ERR_IMAGE_NEVER_PULL] = "ErrImageNeverPull",
	[PV_EV_INVALID_IMAGE_NAME] = "InvalidImageName",
	[PV_EV_KILLING] = "Killing",
	[PV_EV_STOPPED] = "Stopped",
	[PV_EV_VOLUMES_NOT_MOUNTED] = "VolumesNotMounted",
	[PV_EV_POD_INIT_DIED] = "PodInitDied",
	[PV_EV_UNHEALTHY] = "Unhealthy",
	[PV_EV_DEADLINE_EXCEEDED] = "DeadlineExceeded",
	[PV_EV_FAILED_SCHEDULING] = "FailedScheduling",
	[PV_EV_FAILED_POST_START_HOOK] = "FailedPostStartHook",
	[PV_EV_FAILED_PRE_STOP_HOOK] = "FailedPreStopHook",
	[PV_EV_PULLING] = "Pulling",
	[PV_EV_PULLED] = "Pulled",
	[PV_EV_FAILED_PULL_SECRET] = "FailedToRetrieveImagePullSecret",
};

static const char *pick(const char *const *v, size_t n, unsigned i)
{
	return i < n && v[i] ? v[i] : "";
}

const char *pv_reason_str(enum pv_creason r)
{
	return pick(reasons, N(reasons), r);
}

enum pv_creason pv_reason_parse(const char *s)
{
	if (!s || !*s)
		return PV_R_NONE;
	for (size_t i = 1; i < N(reasons); i++)
		if (strcmp(s, reasons[i]) == 0)
			return (enum pv_creason)i;
	return PV_R_ERROR;
}

const char *pv_phase_str(enum pv_phase p)
{
	return pick(phases, N(phases), p);
}

const char *pv_evreason_str(enum pv_evreason r)
{
	return pick(evreasons, N(evreasons), r);
}

/* ---- names ---- */

static const char *const cstates[PV_C_NSTATES] = {
	"PENDING", "CREATING", "BLOCKED", "BAD_IMAGE", "RUNNING",
	"BACKOFF", "ENDED", "TERMINATED", "STOPPING", "ABORTING", "KILLING", "POSTSTART",
};
static const char *const cevents[PV_CE_NEVENTS] = {
	"START", "RETRY", "RESUME", "IMAGE_MISSING", "IMAGE_INVALID", "CONFIG_ERROR",
	"CREATE_ERROR", "LAUNCHED", "STARTED", "EXITED", "RESTART", "SUCCEEDED",
	"FAILED", "BACKOFF_ELAPSED", "STOP", "GRACE_EXPIRED", "ADOPT_RUNNING",
	"ADOPT_EXITED", "UNHEALTHY", "HOOK_DONE", "HOOK_FAILED", "IMAGE_PULLING",
	"IMAGE_PULL_FAILED", "IMAGE_PULL_BACKOFF",
};
static const char *const cactions[PV_CA_NACTIONS] = {
	"INVALID", "IGNORE", "NONE", "CREATE", "RESTART", "RUN", "RUN_TERM", "JUDGE",
	"BACKOFF", "SUCCEEDED", "FAILED", "CANCEL", "TERM", "KILL", "STOPPED",
	"KILL_UNHEALTHY", "POST_START", "PROBE", "KILL_HOOK",
};
static const char *const pstates[PV_P_NSTATES] = {
	"NEW", "STARTING", "RUNNING", "DONE", "STOPPING", "FAILING",
};
static const char *const pevents[PV_PE_NEVENTS] = {
	"START", "ADOPT_STARTING", "ADOPT_RUNNING", "RESUME", "RETRY", "INIT_SUCCEEDED",
	"INIT_FAILED", "INITS_DONE", "APPS_DONE", "STOP", "INIT_EXITED",
	"CONTAINER_STOPPED", "GRACE_EXPIRED", "DEADLINE",
};
static const char *const pactions[PV_PA_NACTIONS] = {
	"INVALID", "IGNORE", "NONE", "START_INIT", "NEXT_INIT", "START_APPS",
	"RESUME_INIT", "RESUME_APPS", "RETRY_INIT", "RETRY_APPS", "STOP", "INIT_DIED",
	"KILL", "FINISH", "DEADLINE", "SETTLE",
};

const char *pv_fsm_cstate_name(enum pv_cstate s) { return pick(cstates, N(cstates), s); }
const char *pv_fsm_cevent_name(enum pv_cevent e) { return pick(cevents, N(cevents), e); }
const char *pv_fsm_caction_name(enum pv_caction a) { return pick(cactions, N(cactions), a); }
const char *pv_fsm_pstate_name(enum pv_pstate s) { return pick(pstates, N(pstates), s); }
const char *pv_fsm_pevent_name(enum pv_pevent e) { return pick(pevents, N(pevents), e); }
const char *pv_fsm_paction_name(enum pv_paction a) { return pick(pactions, N(pactions), a); }
