/* The pod and container transition tables (supervisor/podrules/pod_fsm.c):
 * every cell against the sheets below, Kubernetes' strings, the restart
 * policies, and some lives told as sequences of events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/podrules/pod_fsm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "STATE EVENT -> NEXT ACTION REASON" (REASON "-": none), or
 * "STATE EVENT ignore". A cell not on its sheet must be INVALID. */
static const char *const container_sheet[] = {
	"PENDING START -> CREATING CREATE ContainerCreating",
	"PENDING RETRY ignore",
	"PENDING RESUME -> CREATING CREATE ContainerCreating",
	"PENDING BACKOFF_ELAPSED ignore",
	"PENDING STOP -> TERMINATED NONE -",
	"PENDING GRACE_EXPIRED ignore",
	"PENDING UNHEALTHY ignore",
	"PENDING ADOPT_RUNNING -> RUNNING RUN -",
	"PENDING ADOPT_EXITED -> ENDED NONE -",

	"CREATING RETRY ignore",
	"CREATING IMAGE_MISSING -> BLOCKED NONE ErrImageNeverPull",
	"CREATING IMAGE_PULLING -> BLOCKED NONE ContainerCreating",
	"CREATING IMAGE_PULL_FAILED -> BLOCKED NONE ErrImagePull",
	"CREATING IMAGE_PULL_BACKOFF -> BLOCKED NONE ImagePullBackOff",
	"CREATING IMAGE_INVALID -> BAD_IMAGE NONE InvalidImageName",
	"CREATING CONFIG_ERROR -> BLOCKED NONE CreateContainerConfigError",
	"CREATING CREATE_ERROR -> BLOCKED NONE CreateContainerError",
	"CREATING LAUNCHED -> CREATING NONE ContainerCreating",
	"CREATING STARTED -> POSTSTART POST_START ContainerCreating",
	"CREATING EXITED -> ENDED JUDGE -",
	"CREATING BACKOFF_ELAPSED ignore",
	"CREATING STOP -> ABORTING NONE ContainerCreating",
	"CREATING GRACE_EXPIRED ignore",
	"CREATING UNHEALTHY ignore",

	"BLOCKED RETRY -> CREATING CREATE ContainerCreating",
	"BLOCKED BACKOFF_ELAPSED ignore",
	"BLOCKED STOP -> TERMINATED NONE -",
	"BLOCKED IMAGE_PULL_FAILED -> BLOCKED NONE ErrImagePull",
	"BLOCKED GRACE_EXPIRED ignore",
	"BLOCKED UNHEALTHY ignore",

	"BAD_IMAGE RETRY ignore",
	"BAD_IMAGE BACKOFF_ELAPSED ignore",
	"BAD_IMAGE STOP -> TERMINATED NONE -",
	"BAD_IMAGE GRACE_EXPIRED ignore",
	"BAD_IMAGE UNHEALTHY ignore",

	"RUNNING RETRY ignore",
	"RUNNING RESUME ignore",
	"RUNNING STARTED ignore",
	"RUNNING EXITED -> ENDED JUDGE -",
	"RUNNING BACKOFF_ELAPSED ignore",
	"RUNNING STOP -> STOPPING TERM -",
	"RUNNING GRACE_EXPIRED ignore",
	"RUNNING UNHEALTHY -> KILLING KILL_UNHEALTHY -",

	"BACKOFF RETRY ignore",
	"BACKOFF BACKOFF_ELAPSED -> CREATING RESTART ContainerCreating",
	"BACKOFF STOP -> TERMINATED CANCEL -",
	"BACKOFF GRACE_EXPIRED ignore",
	"BACKOFF UNHEALTHY ignore",

	"ENDED RETRY ignore",
	"ENDED RESUME -> ENDED JUDGE -",
	"ENDED RESTART -> BACKOFF BACKOFF CrashLoopBackOff",
	"ENDED SUCCEEDED -> TERMINATED SUCCEEDED -",
	"ENDED FAILED -> TERMINATED FAILED -",
	"ENDED BACKOFF_ELAPSED ignore",
	"ENDED STOP -> TERMINATED NONE -",
	"ENDED GRACE_EXPIRED ignore",
	"ENDED UNHEALTHY ignore",

	"TERMINATED RETRY ignore",
	"TERMINATED BACKOFF_ELAPSED ignore",
	"TERMINATED STOP ignore",
	"TERMINATED GRACE_EXPIRED ignore",
	"TERMINATED UNHEALTHY ignore",

	"STOPPING RETRY ignore",
	"STOPPING STARTED ignore",
	"STOPPING EXITED -> TERMINATED STOPPED -",
	"STOPPING BACKOFF_ELAPSED ignore",
	"STOPPING STOP ignore",
	"STOPPING GRACE_EXPIRED -> STOPPING KILL -",
	"STOPPING UNHEALTHY ignore",

	"ABORTING RETRY ignore",
	"ABORTING STARTED -> STOPPING RUN_TERM -",
	"ABORTING EXITED -> TERMINATED STOPPED -",
	"ABORTING BACKOFF_ELAPSED ignore",
	"ABORTING STOP ignore",
	"ABORTING GRACE_EXPIRED ignore",
	"ABORTING UNHEALTHY ignore",

	"KILLING RETRY ignore",
	"KILLING STARTED ignore",
	"KILLING EXITED -> ENDED JUDGE -",
	"KILLING BACKOFF_ELAPSED ignore",
	"KILLING STOP -> STOPPING NONE -",
	"KILLING GRACE_EXPIRED -> KILLING KILL -",
	"KILLING UNHEALTHY ignore",

	"POSTSTART RETRY ignore",
	"POSTSTART STARTED ignore",
	"POSTSTART HOOK_DONE -> RUNNING PROBE -",
	"POSTSTART HOOK_FAILED -> KILLING KILL_HOOK -",
	"POSTSTART EXITED -> ENDED JUDGE -",
	"POSTSTART BACKOFF_ELAPSED ignore",
	"POSTSTART STOP -> STOPPING TERM -",
	"POSTSTART GRACE_EXPIRED ignore",
	"POSTSTART UNHEALTHY ignore",
};

static const char *const pod_sheet[] = {
	"NEW START -> STARTING START_INIT",
	"NEW ADOPT_STARTING -> STARTING NONE",
	"NEW ADOPT_RUNNING -> RUNNING NONE",

	"STARTING RESUME -> STARTING RESUME_INIT",
	"STARTING RETRY -> STARTING RETRY_INIT",
	"STARTING INIT_SUCCEEDED -> STARTING NEXT_INIT",
	"STARTING INIT_FAILED -> DONE NONE",
	"STARTING INITS_DONE -> RUNNING START_APPS",
	"STARTING STOP -> STOPPING STOP",
	"STARTING INIT_EXITED -> STOPPING INIT_DIED",

	"RUNNING RESUME -> RUNNING RESUME_APPS",
	"RUNNING RETRY -> RUNNING RETRY_APPS",
	"RUNNING APPS_DONE -> DONE NONE",
	"RUNNING STOP -> STOPPING STOP",
	"RUNNING INIT_EXITED -> STOPPING INIT_DIED",

	"DONE RETRY ignore",
	"DONE CONTAINER_STOPPED ignore",
	"DONE STOP -> STOPPING STOP",
	"DONE INIT_EXITED -> STOPPING INIT_DIED",

	"STOPPING RETRY ignore",
	"STOPPING STOP ignore",
	"STOPPING INIT_EXITED -> STOPPING FINISH",
	"STOPPING CONTAINER_STOPPED -> STOPPING FINISH",
	"STOPPING GRACE_EXPIRED -> STOPPING KILL",
	"STOPPING DEADLINE ignore",

	"STARTING DEADLINE -> FAILING DEADLINE",
	"RUNNING DEADLINE -> FAILING DEADLINE",
	"DONE DEADLINE ignore",
	"FAILING RETRY ignore",
	"FAILING CONTAINER_STOPPED -> FAILING SETTLE",
	"FAILING APPS_DONE -> DONE NONE",
	"FAILING GRACE_EXPIRED -> FAILING KILL",
	"FAILING STOP -> STOPPING STOP",
	"FAILING INIT_EXITED -> STOPPING INIT_DIED",
	"FAILING DEADLINE ignore",
};

/* The index whose name is NAME, or fail. */
static int lookup(const char *(*name)(int), int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name(i), want) == 0)
			return i;
	fail_msg("no such name: %s", want);
	return -1;
}

static const char *cs_name(int i) { return pv_fsm_cstate_name((enum pv_cstate)i); }
static const char *ce_name(int i) { return pv_fsm_cevent_name((enum pv_cevent)i); }
static const char *ca_name(int i) { return pv_fsm_caction_name((enum pv_caction)i); }
static const char *ps_name(int i) { return pv_fsm_pstate_name((enum pv_pstate)i); }
static const char *pe_name(int i) { return pv_fsm_pevent_name((enum pv_pevent)i); }
static const char *pa_name(int i) { return pv_fsm_paction_name((enum pv_paction)i); }

struct line {
	char state[32], event[32], next[32], action[32], reason[40];
	bool ignore;
};

static struct line parse_line(const char *text)
{
	struct line l = { 0 };
	char arrow[8];
	int n = sscanf(text, "%31s %31s %7s %31s %31s %39s", l.state, l.event, arrow, l.next,
		       l.action, l.reason);

	l.ignore = n == 3 && strcmp(arrow, "ignore") == 0;
	if (!l.ignore && !(strcmp(arrow, "->") == 0 && n >= 5))
		fail_msg("bad sheet line: %s", text);
	return l;
}

static void test_container_cells(void **unused)
{
	int listed[PV_C_NSTATES][PV_CE_NEVENTS] = { { 0 } };
	int invalid = 0;

	(void)unused;
	for (size_t i = 0; i < N(container_sheet); i++) {
		struct line l = parse_line(container_sheet[i]);
		int s = lookup(cs_name, PV_C_NSTATES, l.state);
		int e = lookup(ce_name, PV_CE_NEVENTS, l.event);
		struct pv_cstep st = pv_fsm_container_step((enum pv_cstate)s, (enum pv_cevent)e);

		assert_int_equal(listed[s][e]++, 0); /* each cell once on the sheet */
		if (l.ignore) {
			assert_int_equal(st.action, PV_CA_IGNORE);
			assert_int_equal(st.next, s);
			continue;
		}
		assert_string_equal(pv_fsm_caction_name(st.action), l.action);
		assert_int_equal(st.action, lookup(ca_name, PV_CA_NACTIONS, l.action));
		assert_int_equal(st.next, lookup(cs_name, PV_C_NSTATES, l.next));
		assert_string_equal(pv_reason_str(st.reason), strcmp(l.reason, "-") ? l.reason : "");
	}
	for (int s = 0; s < PV_C_NSTATES; s++)
		for (int e = 0; e < PV_CE_NEVENTS; e++) {
			struct pv_cstep st = pv_fsm_container_step((enum pv_cstate)s, (enum pv_cevent)e);

			if (listed[s][e])
				continue;
			if (st.action != PV_CA_INVALID)
				fail_msg("%s x %s: %s, not on the sheet", cs_name(s), ce_name(e),
					 ca_name(st.action));
			assert_int_equal(st.next, s);
			invalid++;
		}
	assert_int_equal((size_t)invalid + N(container_sheet), PV_C_NSTATES * PV_CE_NEVENTS);
	/* out of range: invalid, nothing changes */
	assert_int_equal(pv_fsm_container_step(PV_C_NSTATES, PV_CE_START).action, PV_CA_INVALID);
	assert_int_equal(pv_fsm_container_step(PV_C_RUNNING, PV_CE_NEVENTS).action, PV_CA_INVALID);
}

static void test_pod_cells(void **unused)
{
	int listed[PV_P_NSTATES][PV_PE_NEVENTS] = { { 0 } };
	int invalid = 0;

	(void)unused;
	for (size_t i = 0; i < N(pod_sheet); i++) {
		struct line l = parse_line(pod_sheet[i]);
		int s = lookup(ps_name, PV_P_NSTATES, l.state);
		int e = lookup(pe_name, PV_PE_NEVENTS, l.event);
		struct pv_pstep st = pv_fsm_pod_step((enum pv_pstate)s, (enum pv_pevent)e);

		assert_int_equal(listed[s][e]++, 0);
		if (l.ignore) {
			assert_int_equal(st.action, PV_PA_IGNORE);
			assert_int_equal(st.next, s);
			continue;
		}
		assert_string_equal(pv_fsm_paction_name(st.action), l.action);
		assert_int_equal(st.action, lookup(pa_name, PV_PA_NACTIONS, l.action));
		assert_int_equal(st.next, lookup(ps_name, PV_P_NSTATES, l.next));
	}
	for (int s = 0; s < PV_P_NSTATES; s++)
		for (int e = 0; e < PV_PE_NEVENTS; e++) {
			struct pv_pstep st = pv_fsm_pod_step((enum pv_pstate)s, (enum pv_pevent)e);

			if (listed[s][e])
				continue;
			if (st.action != PV_PA_INVALID)
				fail_msg("%s x %s: %s, not on the sheet", ps_name(s), pe_name(e),
					 pa_name(st.action));
			assert_int_equal(st.next, s);
			invalid++;
		}
	assert_int_equal((size_t)invalid + N(pod_sheet), PV_P_NSTATES * PV_PE_NEVENTS);
	assert_int_equal(pv_fsm_pod_step(PV_P_NSTATES, PV_PE_STOP).action, PV_PA_INVALID);
}

/* Every action some cell names is one the pods module carries out: none
 * is dead. */
static void test_every_action_used(void **unused)
{
	bool cused[PV_CA_NACTIONS] = { false }, pused[PV_PA_NACTIONS] = { false };

	(void)unused;
	for (int s = 0; s < PV_C_NSTATES; s++)
		for (int e = 0; e < PV_CE_NEVENTS; e++)
			cused[pv_fsm_container_step((enum pv_cstate)s, (enum pv_cevent)e).action] = true;
	for (int s = 0; s < PV_P_NSTATES; s++)
		for (int e = 0; e < PV_PE_NEVENTS; e++)
			pused[pv_fsm_pod_step((enum pv_pstate)s, (enum pv_pevent)e).action] = true;
	for (int a = 0; a < PV_CA_NACTIONS; a++)
		if (!cused[a])
			fail_msg("container action %s is in no cell", ca_name(a));
	for (int a = 0; a < PV_PA_NACTIONS; a++)
		if (!pused[a])
			fail_msg("pod action %s is in no cell", pa_name(a));
}

static void names_distinct(const char *(*name)(int), int n)
{
	for (int i = 0; i < n; i++) {
		assert_true(name(i)[0] != '\0');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name(i), name(j));
	}
	assert_string_equal(name(n), ""); /* out of range */
}

static void test_names(void **unused)
{
	(void)unused;
	names_distinct(cs_name, PV_C_NSTATES);
	names_distinct(ce_name, PV_CE_NEVENTS);
	names_distinct(ca_name, PV_CA_NACTIONS);
	names_distinct(ps_name, PV_P_NSTATES);
	names_distinct(pe_name, PV_PE_NEVENTS);
	names_distinct(pa_name, PV_PA_NACTIONS);
}

static void test_reasons(void **unused)
{
	static const struct { enum pv_creason r; const char *k8s; } want[] = {
		{ PV_R_NONE, "" },
		{ PV_R_POD_INITIALIZING, "PodInitializing" },
		{ PV_R_CONTAINER_CREATING, "ContainerCreating" },
		{ PV_R_CRASH_LOOP_BACK_OFF, "CrashLoopBackOff" },
		{ PV_R_ERR_IMAGE_NEVER_PULL, "ErrImageNeverPull" },
		{ PV_R_INVALID_IMAGE_NAME, "InvalidImageName" },
		{ PV_R_CREATE_CONTAINER_CONFIG_ERROR, "CreateContainerConfigError" },
		{ PV_R_CREATE_CONTAINER_ERROR, "CreateContainerError" },
		{ PV_R_COMPLETED, "Completed" },
		{ PV_R_ERROR, "Error" },
		{ PV_R_OOM_KILLED, "OOMKilled" },
		{ PV_R_START_ERROR, "StartError" },
		{ PV_R_ERR_IMAGE_PULL, "ErrImagePull" },
		{ PV_R_IMAGE_PULL_BACK_OFF, "ImagePullBackOff" },
	};

	(void)unused;
	assert_int_equal(N(want), PV_R_NREASONS);
	for (size_t i = 0; i < N(want); i++) {
		assert_string_equal(pv_reason_str(want[i].r), want[i].k8s);
		assert_int_equal(pv_reason_parse(want[i].k8s), want[i].r); /* as the shim writes them */
	}
	assert_string_equal(pv_reason_str(PV_R_NREASONS), "");
	assert_int_equal(pv_reason_parse(NULL), PV_R_NONE);
	assert_int_equal(pv_reason_parse("ContainerCannotRun"), PV_R_ERROR); /* unknown */
	assert_int_equal(pv_reason_parse("completed"), PV_R_ERROR);          /* exact */
}

static void test_phases_and_events(void **unused)
{
	static const char *const evs[PV_EV_NREASONS] = {
		"Scheduled", "Started", "Completed", "Died", "BackOff", "Failed", "FailedMount",
		"ErrImageNeverPull", "InvalidImageName", "Killing", "Stopped",
		"VolumesNotMounted", "PodInitDied", "Unhealthy", "DeadlineExceeded", "FailedScheduling",
		"FailedPostStartHook", "FailedPreStopHook", "Pulling", "Pulled",
		"FailedToRetrieveImagePullSecret",
	};

	(void)unused;
	assert_string_equal(pv_phase_str(PV_PHASE_PENDING), "Pending");
	assert_string_equal(pv_phase_str(PV_PHASE_RUNNING), "Running");
	assert_string_equal(pv_phase_str(PV_PHASE_SUCCEEDED), "Succeeded");
	assert_string_equal(pv_phase_str(PV_PHASE_FAILED), "Failed");
	for (int i = 0; i < PV_EV_NREASONS; i++)
		assert_string_equal(pv_evreason_str((enum pv_evreason)i), evs[i]);
	assert_string_equal(pv_evreason_str(PV_EV_NREASONS), "");
}

static void test_kinds(void **unused)
{
	static const enum pv_ckind want[PV_C_NSTATES] = {
		[PV_C_PENDING] = PV_K_WAITING, [PV_C_CREATING] = PV_K_WAITING,
		[PV_C_BLOCKED] = PV_K_WAITING, [PV_C_BAD_IMAGE] = PV_K_WAITING,
		[PV_C_RUNNING] = PV_K_RUNNING, [PV_C_BACKOFF] = PV_K_WAITING,
		[PV_C_ENDED] = PV_K_TERMINATED, [PV_C_TERMINATED] = PV_K_TERMINATED,
		[PV_C_STOPPING] = PV_K_RUNNING, [PV_C_ABORTING] = PV_K_WAITING,
		[PV_C_KILLING] = PV_K_RUNNING, [PV_C_POSTSTART] = PV_K_WAITING,
	};

	(void)unused;
	for (int s = 0; s < PV_C_NSTATES; s++)
		assert_int_equal(pv_fsm_kind((enum pv_cstate)s), want[s]);
}

static void test_restart_policies(void **unused)
{
	(void)unused;
	assert_int_equal(pv_restart_parse("Always"), PV_RESTART_ALWAYS);
	assert_int_equal(pv_restart_parse("OnFailure"), PV_RESTART_ON_FAILURE);
	assert_int_equal(pv_restart_parse("Never"), PV_RESTART_NEVER);
	assert_int_equal(pv_restart_parse(NULL), PV_RESTART_ALWAYS); /* the default */

	/* app containers: the pod's policy */
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_ALWAYS, false, false), PV_RESTART_ALWAYS);
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_ON_FAILURE, false, false), PV_RESTART_ON_FAILURE);
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_NEVER, false, false), PV_RESTART_NEVER);
	/* init containers: Always means until it succeeds */
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_ALWAYS, true, false), PV_RESTART_ON_FAILURE);
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_ON_FAILURE, true, false), PV_RESTART_ON_FAILURE);
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_NEVER, true, false), PV_RESTART_NEVER);
	/* sidecars: always, whatever the pod's */
	assert_int_equal(pv_fsm_restart_policy(PV_RESTART_NEVER, true, true), PV_RESTART_ALWAYS);

	assert_int_equal(pv_fsm_exit_event(PV_RESTART_NEVER, 0), PV_CE_SUCCEEDED);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_NEVER, 3), PV_CE_FAILED);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_NEVER, 137), PV_CE_FAILED);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_ON_FAILURE, 0), PV_CE_SUCCEEDED);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_ON_FAILURE, 1), PV_CE_RESTART);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_ALWAYS, 0), PV_CE_RESTART);
	assert_int_equal(pv_fsm_exit_event(PV_RESTART_ALWAYS, 128), PV_CE_RESTART);
}

/* ---- lives as sequences: each step's event, and the action and state it must give ---- */

struct crt {
	enum pv_cstate s;
	enum pv_creason reason;
};

static void cgo(struct crt *c, enum pv_cevent e, enum pv_caction want, enum pv_cstate next)
{
	struct pv_cstep st = pv_fsm_container_step(c->s, e);

	if (st.action != want || st.next != next)
		fail_msg("%s x %s: %s -> %s, wanted %s -> %s", cs_name(c->s), ce_name(e),
			 ca_name(st.action), cs_name(st.next), ca_name(want), cs_name(next));
	if (st.action != PV_CA_IGNORE && st.action != PV_CA_INVALID)
		c->reason = st.reason;
	c->s = st.next;
}

/* Created, launched, running: what pods.c does on START. */
static void run(struct crt *c, enum pv_cevent start, enum pv_caction act)
{
	cgo(c, start, act, PV_C_CREATING);
	assert_int_equal(c->reason, PV_R_CONTAINER_CREATING);
	cgo(c, PV_CE_LAUNCHED, PV_CA_NONE, PV_C_CREATING);
	cgo(c, PV_CE_STARTED, PV_CA_POST_START, PV_C_POSTSTART);
	assert_int_equal(c->reason, PV_R_CONTAINER_CREATING); /* not Running before its hook returned */
	cgo(c, PV_CE_HOOK_DONE, PV_CA_PROBE, PV_C_RUNNING);
	assert_int_equal(c->reason, PV_R_NONE);
}

/* It exits with CODE under R: JUDGE, then what the policy says. */
static enum pv_cevent exit_with(struct crt *c, enum pv_restart r, int code)
{
	enum pv_cevent e;

	cgo(c, PV_CE_EXITED, PV_CA_JUDGE, PV_C_ENDED);
	e = pv_fsm_exit_event(r, code);
	switch (e) {
	case PV_CE_RESTART:
		cgo(c, e, PV_CA_BACKOFF, PV_C_BACKOFF);
		assert_string_equal(pv_reason_str(c->reason), "CrashLoopBackOff");
		break;
	case PV_CE_SUCCEEDED:
		cgo(c, e, PV_CA_SUCCEEDED, PV_C_TERMINATED);
		break;
	default:
		cgo(c, e, PV_CA_FAILED, PV_C_TERMINATED);
		break;
	}
	return e;
}

static void test_crash_loop(void **unused)
{
	struct crt c = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	run(&c, PV_CE_START, PV_CA_CREATE);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(exit_with(&c, PV_RESTART_ALWAYS, 1), PV_CE_RESTART);
		cgo(&c, PV_CE_RETRY, PV_CA_IGNORE, PV_C_BACKOFF); /* a pass does not cut it short */
		run(&c, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART);
	}
	/* exit 0 under Always: restarted too */
	assert_int_equal(exit_with(&c, PV_RESTART_ALWAYS, 0), PV_CE_RESTART);
}

/* A liveness (or startup) probe fails for good: killed, then restarted
 * per its policy; its pod stopping meanwhile stops it instead. */
static void test_unhealthy(void **unused)
{
	struct crt c = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	run(&c, PV_CE_START, PV_CA_CREATE);
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_KILL_UNHEALTHY, PV_C_KILLING);
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_IGNORE, PV_C_KILLING);
	cgo(&c, PV_CE_GRACE_EXPIRED, PV_CA_KILL, PV_C_KILLING);
	assert_int_equal(exit_with(&c, PV_RESTART_ALWAYS, 137), PV_CE_RESTART);
	run(&c, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART);
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_KILL_UNHEALTHY, PV_C_KILLING);
	assert_int_equal(exit_with(&c, PV_RESTART_NEVER, 143), PV_CE_FAILED);
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_IGNORE, PV_C_TERMINATED);

	c = (struct crt){ PV_C_RUNNING, PV_R_NONE };
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_KILL_UNHEALTHY, PV_C_KILLING);
	cgo(&c, PV_CE_STOP, PV_CA_NONE, PV_C_STOPPING);
	cgo(&c, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED);
}

static void test_policies(void **unused)
{
	struct crt c = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	run(&c, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&c, PV_RESTART_NEVER, 3), PV_CE_FAILED);
	assert_string_equal(pv_reason_str(c.reason), ""); /* a terminated one shows its exit */
	cgo(&c, PV_CE_BACKOFF_ELAPSED, PV_CA_IGNORE, PV_C_TERMINATED);
	cgo(&c, PV_CE_STOP, PV_CA_IGNORE, PV_C_TERMINATED);

	c = (struct crt){ PV_C_PENDING, PV_R_CONTAINER_CREATING };
	run(&c, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&c, PV_RESTART_NEVER, 0), PV_CE_SUCCEEDED);

	c = (struct crt){ PV_C_PENDING, PV_R_CONTAINER_CREATING };
	run(&c, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&c, PV_RESTART_ON_FAILURE, 2), PV_CE_RESTART);
	run(&c, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART);
	assert_int_equal(exit_with(&c, PV_RESTART_ON_FAILURE, 0), PV_CE_SUCCEEDED);
	assert_int_equal(c.s, PV_C_TERMINATED);
}

static void pgo(enum pv_pstate *s, enum pv_pevent e, enum pv_paction want, enum pv_pstate next)
{
	struct pv_pstep st = pv_fsm_pod_step(*s, e);

	if (st.action != want || st.next != next)
		fail_msg("%s x %s: %s -> %s, wanted %s -> %s", ps_name(*s), pe_name(e),
			 pa_name(st.action), ps_name(st.next), pa_name(want), ps_name(next));
	*s = st.next;
}

/* Two init containers in order (the pod's policy Always: each must succeed
 * once; the first fails once and is restarted), then the app. */
static void test_init_containers(void **unused)
{
	enum pv_restart r = pv_fsm_restart_policy(PV_RESTART_ALWAYS, true, false);
	enum pv_pstate p = PV_P_NEW;
	struct crt first = { PV_C_PENDING, PV_R_POD_INITIALIZING };
	struct crt second = first, app = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	pgo(&p, PV_PE_START, PV_PA_START_INIT, PV_P_STARTING);
	run(&first, PV_CE_START, PV_CA_CREATE);
	pgo(&p, PV_PE_RETRY, PV_PA_RETRY_INIT, PV_P_STARTING);
	cgo(&first, PV_CE_RETRY, PV_CA_IGNORE, PV_C_RUNNING);
	assert_int_equal(exit_with(&first, r, 1), PV_CE_RESTART);
	run(&first, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART);
	assert_int_equal(exit_with(&first, r, 0), PV_CE_SUCCEEDED);
	pgo(&p, PV_PE_INIT_SUCCEEDED, PV_PA_NEXT_INIT, PV_P_STARTING);
	run(&second, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&second, r, 0), PV_CE_SUCCEEDED);
	pgo(&p, PV_PE_INIT_SUCCEEDED, PV_PA_NEXT_INIT, PV_P_STARTING);
	pgo(&p, PV_PE_INITS_DONE, PV_PA_START_APPS, PV_P_RUNNING);
	run(&app, PV_CE_START, PV_CA_CREATE);
	pgo(&p, PV_PE_RETRY, PV_PA_RETRY_APPS, PV_P_RUNNING);
	pgo(&p, PV_PE_INITS_DONE, PV_PA_INVALID, PV_P_RUNNING);

	/* under Never, a failed init container fails the pod */
	p = PV_P_NEW;
	first = (struct crt){ PV_C_PENDING, PV_R_POD_INITIALIZING };
	pgo(&p, PV_PE_START, PV_PA_START_INIT, PV_P_STARTING);
	run(&first, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&first, pv_fsm_restart_policy(PV_RESTART_NEVER, true, false), 1),
			 PV_CE_FAILED);
	pgo(&p, PV_PE_INIT_FAILED, PV_PA_NONE, PV_P_DONE);
	pgo(&p, PV_PE_RETRY, PV_PA_IGNORE, PV_P_DONE);

	/* a sidecar is restarted even after exit 0 */
	assert_int_equal(pv_fsm_exit_event(pv_fsm_restart_policy(PV_RESTART_NEVER, true, true), 0),
			 PV_CE_RESTART);
}

/* The pod stops while one container backs off, one runs, one is being
 * created and one finished: nothing starts again, the runner gets
 * SIGTERM then SIGKILL, the one being created SIGTERM once it runs. */
static void test_stop(void **unused)
{
	enum pv_pstate p = PV_P_RUNNING;
	struct crt backoff = { PV_C_BACKOFF, PV_R_CRASH_LOOP_BACK_OFF };
	struct crt running = { PV_C_RUNNING, PV_R_NONE };
	struct crt creating = { PV_C_CREATING, PV_R_CONTAINER_CREATING };
	struct crt done = { PV_C_TERMINATED, PV_R_NONE };

	(void)unused;
	pgo(&p, PV_PE_STOP, PV_PA_STOP, PV_P_STOPPING);
	cgo(&backoff, PV_CE_STOP, PV_CA_CANCEL, PV_C_TERMINATED);
	cgo(&running, PV_CE_STOP, PV_CA_TERM, PV_C_STOPPING);
	cgo(&creating, PV_CE_STOP, PV_CA_NONE, PV_C_ABORTING);
	assert_string_equal(pv_reason_str(creating.reason), "ContainerCreating");
	cgo(&done, PV_CE_STOP, PV_CA_IGNORE, PV_C_TERMINATED);
	assert_int_equal(pv_fsm_kind(running.s), PV_K_RUNNING); /* until it ends */

	cgo(&backoff, PV_CE_BACKOFF_ELAPSED, PV_CA_IGNORE, PV_C_TERMINATED); /* fired late */
	pgo(&p, PV_PE_RETRY, PV_PA_IGNORE, PV_P_STOPPING);
	pgo(&p, PV_PE_STOP, PV_PA_IGNORE, PV_P_STOPPING); /* stopped again, for good */

	pgo(&p, PV_PE_GRACE_EXPIRED, PV_PA_KILL, PV_P_STOPPING);
	cgo(&running, PV_CE_GRACE_EXPIRED, PV_CA_KILL, PV_C_STOPPING);
	cgo(&creating, PV_CE_GRACE_EXPIRED, PV_CA_IGNORE, PV_C_ABORTING);
	cgo(&creating, PV_CE_STARTED, PV_CA_RUN_TERM, PV_C_STOPPING);

	cgo(&running, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED); /* no restart */
	pgo(&p, PV_PE_CONTAINER_STOPPED, PV_PA_FINISH, PV_P_STOPPING);
	cgo(&creating, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED);
	pgo(&p, PV_PE_CONTAINER_STOPPED, PV_PA_FINISH, PV_P_STOPPING);
	pgo(&p, PV_PE_INIT_EXITED, PV_PA_FINISH, PV_P_STOPPING);
	pgo(&p, PV_PE_RESUME, PV_PA_INVALID, PV_P_STOPPING);
}

/* The pod's init process dies: the pod is stopped, to be recreated. */
static void test_init_died(void **unused)
{
	enum pv_pstate p = PV_P_STARTING;

	(void)unused;
	pgo(&p, PV_PE_INIT_EXITED, PV_PA_INIT_DIED, PV_P_STOPPING);
	p = PV_P_DONE;
	pgo(&p, PV_PE_INIT_EXITED, PV_PA_INIT_DIED, PV_P_STOPPING);
}

/* activeDeadlineSeconds passes while one container runs and one backs
 * off: the pod fails, its containers stop and none starts again; once the
 * last ended it is DONE for good. Deleted meanwhile, it stops as any. */
static void test_deadline(void **unused)
{
	enum pv_pstate p = PV_P_RUNNING;
	struct crt running = { PV_C_RUNNING, PV_R_NONE };
	struct crt backoff = { PV_C_BACKOFF, PV_R_CRASH_LOOP_BACK_OFF };

	(void)unused;
	pgo(&p, PV_PE_DEADLINE, PV_PA_DEADLINE, PV_P_FAILING);
	cgo(&running, PV_CE_STOP, PV_CA_TERM, PV_C_STOPPING);
	cgo(&backoff, PV_CE_STOP, PV_CA_CANCEL, PV_C_TERMINATED);
	pgo(&p, PV_PE_RETRY, PV_PA_IGNORE, PV_P_FAILING);     /* a pass restarts nothing */
	pgo(&p, PV_PE_DEADLINE, PV_PA_IGNORE, PV_P_FAILING);  /* said twice */
	pgo(&p, PV_PE_GRACE_EXPIRED, PV_PA_KILL, PV_P_FAILING);
	cgo(&running, PV_CE_GRACE_EXPIRED, PV_CA_KILL, PV_C_STOPPING);
	cgo(&running, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED); /* not judged: no restart */
	pgo(&p, PV_PE_CONTAINER_STOPPED, PV_PA_SETTLE, PV_P_FAILING);
	pgo(&p, PV_PE_APPS_DONE, PV_PA_NONE, PV_P_DONE);
	pgo(&p, PV_PE_RETRY, PV_PA_IGNORE, PV_P_DONE);
	pgo(&p, PV_PE_DEADLINE, PV_PA_IGNORE, PV_P_DONE);

	p = PV_P_STARTING; /* an init container still running */
	pgo(&p, PV_PE_DEADLINE, PV_PA_DEADLINE, PV_P_FAILING);
	pgo(&p, PV_PE_STOP, PV_PA_STOP, PV_P_STOPPING); /* its file removed meanwhile */
	pgo(&p, PV_PE_DEADLINE, PV_PA_IGNORE, PV_P_STOPPING);
	p = PV_P_NEW;
	pgo(&p, PV_PE_DEADLINE, PV_PA_INVALID, PV_P_NEW); /* armed only once started */
}

/* A missing image blocks the container until a pass finds it; an unusable
 * one waits for a new spec; a spec that cannot be built is retried. */
static void test_blocked(void **unused)
{
	struct crt c = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	cgo(&c, PV_CE_START, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_IMAGE_MISSING, PV_CA_NONE, PV_C_BLOCKED);
	assert_string_equal(pv_reason_str(c.reason), "ErrImageNeverPull");
	cgo(&c, PV_CE_RETRY, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_CONFIG_ERROR, PV_CA_NONE, PV_C_BLOCKED);
	assert_string_equal(pv_reason_str(c.reason), "CreateContainerConfigError");
	cgo(&c, PV_CE_RETRY, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_CREATE_ERROR, PV_CA_NONE, PV_C_BLOCKED);
	assert_string_equal(pv_reason_str(c.reason), "CreateContainerError");
	run(&c, PV_CE_RETRY, PV_CA_CREATE);

	c = (struct crt){ PV_C_PENDING, PV_R_CONTAINER_CREATING };
	cgo(&c, PV_CE_START, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_IMAGE_INVALID, PV_CA_NONE, PV_C_BAD_IMAGE);
	assert_string_equal(pv_reason_str(c.reason), "InvalidImageName");
	cgo(&c, PV_CE_RETRY, PV_CA_IGNORE, PV_C_BAD_IMAGE);
	cgo(&c, PV_CE_STOP, PV_CA_NONE, PV_C_TERMINATED);

	/* a shim that ends before its process ran (StartError) is judged too */
	c = (struct crt){ PV_C_PENDING, PV_R_CONTAINER_CREATING };
	cgo(&c, PV_CE_START, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_LAUNCHED, PV_CA_NONE, PV_C_CREATING);
	cgo(&c, PV_CE_EXITED, PV_CA_JUDGE, PV_C_ENDED);
}

/* A new daemon takes containers back: running ones carry on, ended ones
 * are judged as if they had just ended. */
static void test_adoption(void **unused)
{
	enum pv_pstate p = PV_P_NEW;
	struct crt running = { PV_C_PENDING, PV_R_CONTAINER_CREATING };
	struct crt ended = running, never = running;

	(void)unused;
	cgo(&running, PV_CE_ADOPT_RUNNING, PV_CA_RUN, PV_C_RUNNING);
	cgo(&ended, PV_CE_ADOPT_EXITED, PV_CA_NONE, PV_C_ENDED);
	assert_int_equal(pv_fsm_kind(ended.s), PV_K_TERMINATED);
	pgo(&p, PV_PE_ADOPT_RUNNING, PV_PA_NONE, PV_P_RUNNING);
	pgo(&p, PV_PE_RESUME, PV_PA_RESUME_APPS, PV_P_RUNNING);
	cgo(&running, PV_CE_RESUME, PV_CA_IGNORE, PV_C_RUNNING);
	cgo(&ended, PV_CE_RESUME, PV_CA_JUDGE, PV_C_ENDED);
	cgo(&ended, PV_CE_RESTART, PV_CA_BACKOFF, PV_C_BACKOFF);
	run(&never, PV_CE_RESUME, PV_CA_CREATE);

	/* adopted while being deleted: stopped, not resumed */
	p = PV_P_NEW;
	ended = (struct crt){ PV_C_ENDED, PV_R_NONE };
	pgo(&p, PV_PE_ADOPT_STARTING, PV_PA_NONE, PV_P_STARTING);
	pgo(&p, PV_PE_STOP, PV_PA_STOP, PV_P_STOPPING);
	cgo(&ended, PV_CE_STOP, PV_CA_NONE, PV_C_TERMINATED);
	p = PV_P_NEW;
	pgo(&p, PV_PE_STOP, PV_PA_INVALID, PV_P_NEW);
}

/* A postStart hook: the container waits (ContainerCreating) until it
 * returns; a failure kills it (preStop, SIGTERM, SIGKILL after the grace
 * period) and its policy restarts it; it may also exit or be stopped
 * while the hook runs. */
static void test_post_start(void **unused)
{
	struct crt c = { PV_C_PENDING, PV_R_CONTAINER_CREATING };

	(void)unused;
	cgo(&c, PV_CE_START, PV_CA_CREATE, PV_C_CREATING);
	cgo(&c, PV_CE_STARTED, PV_CA_POST_START, PV_C_POSTSTART);
	assert_int_equal(pv_fsm_kind(c.s), PV_K_WAITING);
	cgo(&c, PV_CE_UNHEALTHY, PV_CA_IGNORE, PV_C_POSTSTART); /* no probe before it */
	cgo(&c, PV_CE_RETRY, PV_CA_IGNORE, PV_C_POSTSTART);
	cgo(&c, PV_CE_HOOK_FAILED, PV_CA_KILL_HOOK, PV_C_KILLING);
	cgo(&c, PV_CE_HOOK_DONE, PV_CA_INVALID, PV_C_KILLING); /* its hook is over */
	cgo(&c, PV_CE_GRACE_EXPIRED, PV_CA_KILL, PV_C_KILLING);
	assert_int_equal(exit_with(&c, PV_RESTART_ALWAYS, 137), PV_CE_RESTART);
	cgo(&c, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART, PV_C_CREATING);
	cgo(&c, PV_CE_STARTED, PV_CA_POST_START, PV_C_POSTSTART);
	assert_int_equal(exit_with(&c, PV_RESTART_NEVER, 1), PV_CE_FAILED); /* exited meanwhile */

	c = (struct crt){ PV_C_CREATING, PV_R_CONTAINER_CREATING };
	cgo(&c, PV_CE_STARTED, PV_CA_POST_START, PV_C_POSTSTART);
	cgo(&c, PV_CE_STOP, PV_CA_TERM, PV_C_STOPPING); /* preStop, then SIGTERM */
	cgo(&c, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED);
}

/* A Job-like pod with a sidecar: the sidecar started lets the next init
 * container run (INIT_SUCCEEDED); the app completes; the pod is DONE and
 * the sidecar, stopped then, ending is nothing to the pod; deleting it
 * later stops what is left. */
static void test_sidecar_completes(void **unused)
{
	enum pv_pstate p = PV_P_NEW;
	struct crt side = { PV_C_PENDING, PV_R_POD_INITIALIZING };
	struct crt app = { PV_C_PENDING, PV_R_CONTAINER_CREATING };
	enum pv_restart sr = pv_fsm_restart_policy(PV_RESTART_NEVER, true, true);

	(void)unused;
	pgo(&p, PV_PE_START, PV_PA_START_INIT, PV_P_STARTING);
	run(&side, PV_CE_START, PV_CA_CREATE);
	pgo(&p, PV_PE_INIT_SUCCEEDED, PV_PA_NEXT_INIT, PV_P_STARTING); /* it started */
	pgo(&p, PV_PE_INITS_DONE, PV_PA_START_APPS, PV_P_RUNNING);
	run(&app, PV_CE_START, PV_CA_CREATE);
	assert_int_equal(exit_with(&side, sr, 0), PV_CE_RESTART); /* restarted beside the app */
	run(&side, PV_CE_BACKOFF_ELAPSED, PV_CA_RESTART);
	assert_int_equal(exit_with(&app, PV_RESTART_NEVER, 0), PV_CE_SUCCEEDED);
	pgo(&p, PV_PE_APPS_DONE, PV_PA_NONE, PV_P_DONE);
	cgo(&side, PV_CE_STOP, PV_CA_TERM, PV_C_STOPPING);
	cgo(&side, PV_CE_EXITED, PV_CA_STOPPED, PV_C_TERMINATED);
	pgo(&p, PV_PE_CONTAINER_STOPPED, PV_PA_IGNORE, PV_P_DONE);
	pgo(&p, PV_PE_STOP, PV_PA_STOP, PV_P_STOPPING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_cells),
		cmocka_unit_test(test_pod_cells),
		cmocka_unit_test(test_every_action_used),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_phases_and_events),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_restart_policies),
		cmocka_unit_test(test_crash_loop),
		cmocka_unit_test(test_unhealthy),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_init_containers),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_init_died),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_blocked),
		cmocka_unit_test(test_adoption),
		cmocka_unit_test(test_post_start),
		cmocka_unit_test(test_sidecar_completes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
