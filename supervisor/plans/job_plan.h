/* A Job's next step as a pure decision, as Kubernetes' job controller
 * takes it (pkg/controller/job): given the Job's spec, what it remembers
 * (start and finish times, its condition) and its pods (active, succeeded
 * or failed, with their completion index and when they finished), the
 * counts, the condition it reaches (Complete, or Failed with
 * BackoffLimitExceeded or DeadlineExceeded), the podFailurePolicy rules
 * (FailJob, FailIndex, Ignore, Count on exit codes), backoffLimitPerIndex
 * and maxFailedIndexes, the successPolicy, podReplacementPolicy (whether
 * a terminating pod is replaced at once), which pods stay wanted, how
 * many pods to create now (and for an Indexed Job which indexes), and when
 * to look again (the failure back-off, the deadline, the ttl). Also the
 * back-off delay: 10 s doubling per failure since the last success,
 * capped at 6 minutes. Pure: no I/O, no logging, no allocation.
 * Calls: nothing. */
#ifndef PV_SUPERVISOR_PLANS_JOB_PLAN_H
#define PV_SUPERVISOR_PLANS_JOB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_JOB_BACKOFF_BASE 10  /* seconds: the first failure's delay */
#define PV_JOB_BACKOFF_MAX 360  /* seconds: 6 minutes */

enum pv_job_pod_state { PV_JOB_POD_ACTIVE, PV_JOB_POD_SUCCEEDED, PV_JOB_POD_FAILED };

/* What a podFailurePolicy rule does with a failed pod it matches. */
enum pv_job_action { PV_JOB_COUNT, PV_JOB_FAIL_JOB, PV_JOB_FAIL_INDEX, PV_JOB_IGNORE };

/* One podFailurePolicy rule. An onPodConditions rule never matches here:
 * the only conditions it may name (DisruptionTarget, ConfigIssue) are
 * never set on a podvisor pod. */
struct pv_job_rule {
	enum pv_job_action action;
	bool on_conditions;     /* an onPodConditions rule */
	const char *container;  /* onExitCodes.containerName; NULL: any */
	bool not_in;            /* operator NotIn (else In) */
	const int64_t *codes;
	size_t ncodes;
};

/* One successPolicy rule (Indexed Jobs). */
struct pv_job_success_rule {
	const char *indexes; /* succeededIndexes, "0,2-4"; NULL: unset */
	int64_t count;       /* succeededCount; 0: unset */
};

/* A terminated container of a finished pod (init containers first). */
struct pv_job_exit {
	const char *container;
	int64_t code;
};

/* One of the Job's pods, as observed. */
struct pv_job_pod {
	enum pv_job_pod_state state;
	int64_t index;    /* Indexed: its completion index; -1: none */
	int64_t finished; /* wall seconds, when it finished (0: not, or unknown) */
	int restarts;     /* restartPolicy OnFailure: its containers' restarts */
	const struct pv_job_exit *exits; /* a failed pod's terminated containers */
	size_t nexits;
	bool terminating; /* being deleted (Terminating), not yet gone: never kept */
	bool keep;        /* out: still wanted */
	enum pv_job_action action; /* out: a failed pod's (the matching rule's, or Count) */
};

/* An Indexed Job's index, in P->index_state. */
#define PV_JOB_INDEX_PENDING 0
#define PV_JOB_INDEX_SUCCEEDED 'S'
#define PV_JOB_INDEX_FAILED 'F'

enum pv_job_cond { PV_JOB_RUNNING, PV_JOB_COMPLETE, PV_JOB_FAILED };

struct pv_job_plan {
	/* The spec. */
	int64_t completions;  /* -1: unset (done when one pod succeeded and none runs) */
	int64_t parallelism;
	bool indexed;
	int64_t backoff_limit;
	int64_t active_deadline; /* seconds; 0: none */
	int64_t ttl;             /* ttlSecondsAfterFinished; -1: none */
	bool suspend;
	bool on_failure;         /* restartPolicy OnFailure: restarts count as failures */
	const struct pv_job_rule *rules; /* podFailurePolicy, in order */
	size_t nrules;
	bool per_index_set;      /* backoffLimitPerIndex is set (Indexed only) */
	int64_t per_index;       /* backoffLimitPerIndex */
	bool max_failed_set;     /* maxFailedIndexes is set */
	int64_t max_failed_indexes;
	const struct pv_job_success_rule *success; /* successPolicy */
	size_t nsuccess;
	bool replace_failed_only; /* podReplacementPolicy Failed: a terminating pod
				   * holds its place (its index) until it is gone */
	/* What the Job remembers (in and out). */
	int64_t start;           /* wall seconds; 0: not started (or suspended) */
	int64_t finished;        /* wall seconds; 0: not finished */
	enum pv_job_cond cond;
	const char *reason;      /* Failed: "BackoffLimitExceeded", "DeadlineExceeded",
				  * "PodFailurePolicy", "FailedIndexes",
				  * "MaxFailedIndexesExceeded"; Complete: "SuccessPolicy"
				  * or NULL */
	/* The pods (their KEEP is out). */
	struct pv_job_pod *pods;
	size_t npods;
	int64_t now;             /* wall seconds */
	/* Out. */
	int64_t succeeded, failed, active;
	int64_t create;          /* pods to create now */
	int64_t *create_index;   /* Indexed: their indexes (room for PARALLELISM) */
	bool expired;            /* finished longer than its ttl: no pod is wanted */
	bool just_finished;      /* it reached its condition in this decision */
	int64_t next;            /* wall seconds when to look again; 0: on a change only */
	int64_t ignored;         /* failures a rule said to Ignore (not in FAILED) */
	int64_t terminating;     /* pods being deleted, not yet gone */
	char *index_state;       /* Indexed: room for COMPLETIONS; out: PV_JOB_INDEX_* */
	int64_t failed_indexes;  /* out: how many indexes failed */
	/* Out, when a FailJob rule matched: the pod (in PODS), its container
	 * and exit code, and the rule's place in RULES; FAIL_POD -1: none. */
	int64_t fail_pod;
	const char *fail_container;
	int64_t fail_code;
	size_t fail_rule;
};

/* Whether index I is in the set SET ("0,2-4"; NULL or bad: no). */
bool pv_job_index_in(const char *set, int64_t i);

/* The delay before a new pod after FAILURES failures since the last
 * success (0: none): 10 s, 20 s, 40 s, ... capped at 6 minutes. */
int64_t pv_job_backoff(int64_t failures);
/* Decide (see above). Returns P->create. */
int64_t pv_job_decide(struct pv_job_plan *p);
/* "Running", "Complete", "Failed" or "Suspended". */
const char *pv_job_status_str(const struct pv_job_plan *p);

#endif
