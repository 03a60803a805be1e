/* A Job's next step as a pure decision. See job_plan.h.
 * Calls: nothing. */
#include "supervisor/plans/job_plan.h"

#include <string.h>

int64_t pv_job_backoff(int64_t failures)
{
	int64_t d = PV_JOB_BACKOFF_BASE;

	if (failures <= 0)
		return 0;
	for (int64_t i = 1; i < failures && d < PV_JOB_BACKOFF_MAX; i++)
		d *= 2;
	return d > PV_JOB_BACKOFF_MAX ? PV_JOB_BACKOFF_MAX : d;
}

static void look_at(struct pv_job_plan *p, int64_t t)
{
	if (t > 0 && (!p->next || t < p->next))
		p->next = t;
}

bool pv_job_index_in(const char *set, int64_t i)
{
	while (set && *set) {
		int64_t lo = 0, hi;

		if (*set < '0' || *set > '9')
			return false;
		while (*set >= '0' && *set <= '9' && lo < INT64_MAX / 10)
			lo = lo * 10 + (*set++ - '0');
		hi = lo;
		if (*set == '-') {
			set++;
			hi = 0;
			while (*set >= '0' && *set <= '9' && hi < INT64_MAX / 10)
				hi = hi * 10 + (*set++ - '0');
		}
		if (i >= lo && i <= hi)
			return true;
		if (*set && *set++ != ',')
			return false;
	}
	return false;
}

/* Index I of an Indexed Job has a pod in state S. */
static bool index_has(const struct pv_job_plan *p, int64_t i, enum pv_job_pod_state s)
{
	for (size_t k = 0; k < p->npods; k++) {
		const struct pv_job_pod *q = &p->pods[k];

		if (q->index == i && q->state == s &&
		    (s != PV_JOB_POD_ACTIVE || q->keep ||
		     (q->terminating && p->replace_failed_only)))
			return true;
	}
	return false;
}

static bool code_in(const struct pv_job_rule *r, int64_t code)
{
	for (size_t i = 0; i < r->ncodes; i++)
		if (r->codes[i] == code)
			return true;
	return false;
}

/* The first rule a failed pod matches (Kubernetes' matchPodFailurePolicy):
 * a container (init ones first) that ended non-zero, of the rule's name
 * if it names one, with its code In (or NotIn) the values. */
static enum pv_job_action match(struct pv_job_plan *p, size_t k)
{
	const struct pv_job_pod *q = &p->pods[k];

	for (size_t r = 0; r < p->nrules; r++) {
		const struct pv_job_rule *rule = &p->rules[r];

		if (rule->on_conditions)
			continue; /* DisruptionTarget, ConfigIssue: never set here */
		for (size_t c = 0; c < q->nexits; c++) {
			const struct pv_job_exit *e = &q->exits[c];

			if (e->code == 0 || (rule->container && (!e->container ||
								  strcmp(rule->container, e->container))))
				continue;
			if (code_in(rule, e->code) == rule->not_in)
				continue;
			if (rule->action == PV_JOB_FAIL_JOB && p->fail_pod < 0) {
				p->fail_pod = (int64_t)k;
				p->fail_container = e->container;
				p->fail_code = e->code;
				p->fail_rule = r;
			}
			return rule->action;
		}
	}
	return PV_JOB_COUNT;
}

/* The failures of index I that count (restarts too with OnFailure), and
 * whether a FailIndex rule failed it. */
static int64_t index_failures(const struct pv_job_plan *p, int64_t i, bool *fail_index)
{
	int64_t n = 0;

	for (size_t k = 0; k < p->npods; k++) {
		const struct pv_job_pod *q = &p->pods[k];

		if (q->index != i)
			continue;
		if (p->on_failure)
			n += q->restarts;
		if (q->state != PV_JOB_POD_FAILED || q->action == PV_JOB_IGNORE)
			continue;
		n++;
		*fail_index |= q->action == PV_JOB_FAIL_INDEX;
	}
	return n;
}

static void count(struct pv_job_plan *p)
{
	p->succeeded = p->failed = p->active = p->ignored = p->failed_indexes = 0;
	p->terminating = 0;
	p->fail_pod = -1;
	for (size_t k = 0; k < p->npods; k++) {
		struct pv_job_pod *q = &p->pods[k];

		if (q->terminating) {
			q->state = PV_JOB_POD_ACTIVE;
			q->keep = false;
			q->action = PV_JOB_COUNT;
			p->terminating++;
			continue;
		}
		q->keep = true;
		q->action = q->state == PV_JOB_POD_FAILED ? match(p, k) : PV_JOB_COUNT;
		if (p->on_failure)
			p->failed += q->restarts;
		if (q->state == PV_JOB_POD_ACTIVE)
			p->active++;
		else if (q->state == PV_JOB_POD_FAILED && q->action == PV_JOB_IGNORE)
			p->ignored++;
		else if (q->state == PV_JOB_POD_FAILED)
			p->failed++;
		else if (!p->indexed)
			p->succeeded++;
	}
	for (int64_t i = 0; p->indexed && i < p->completions; i++) {
		bool fail_index = false;
		char st = PV_JOB_INDEX_PENDING;

		if (index_has(p, i, PV_JOB_POD_SUCCEEDED))
			st = PV_JOB_INDEX_SUCCEEDED;
		else if (p->per_index_set && (index_failures(p, i, &fail_index) > p->per_index ||
					       fail_index))
			st = PV_JOB_INDEX_FAILED;
		p->succeeded += st == PV_JOB_INDEX_SUCCEEDED;
		p->failed_indexes += st == PV_JOB_INDEX_FAILED;
		if (p->index_state)
			p->index_state[i] = st;
	}
}

/* The successPolicy is met (Kubernetes' matchSuccessPolicy): a rule whose
 * indexes all succeeded, or SUCCEEDED_COUNT of them (of all indexes
 * without SUCCEEDED_INDEXES). */
static bool success_met(const struct pv_job_plan *p)
{
	for (size_t r = 0; p->indexed && r < p->nsuccess; r++) {
		const struct pv_job_success_rule *s = &p->success[r];
		int64_t in = 0, ok = 0;

		for (int64_t i = 0; i < p->completions; i++) {
			if (s->indexes && !pv_job_index_in(s->indexes, i))
				continue;
			in++;
			ok += index_has(p, i, PV_JOB_POD_SUCCEEDED);
		}
		if (s->count > 0 ? ok >= s->count : in > 0 && ok == in)
			return true;
	}
	return false;
}

/* Its active pods are stopped (a finished or suspended Job runs none). */
static void stop_active(struct pv_job_plan *p)
{
	for (size_t k = 0; k < p->npods; k++)
		if (p->pods[k].state == PV_JOB_POD_ACTIVE)
			p->pods[k].keep = false;
	p->active = 0;
	/* (a terminating pod is never kept) */
}

/* Finished: no pod runs; the finished ones stay until the ttl. */
static void after_finish(struct pv_job_plan *p)
{
	stop_active(p);
	if (p->ttl < 0)
		return;
	if (p->now >= p->finished + p->ttl) {
		p->expired = true;
		for (size_t k = 0; k < p->npods; k++)
			p->pods[k].keep = false;
	} else {
		look_at(p, p->finished + p->ttl);
	}
}

static void finish(struct pv_job_plan *p, enum pv_job_cond c, const char *reason)
{
	p->cond = c;
	p->reason = reason;
	p->finished = p->now;
	p->just_finished = true;
	after_finish(p);
}

/* The failure back-off: when a new pod may start (0: now). */
static int64_t backoff_until(const struct pv_job_plan *p)
{
	int64_t last_ok = 0, last_fail = 0, n = 0;

	for (size_t k = 0; k < p->npods; k++)
		if (p->pods[k].state == PV_JOB_POD_SUCCEEDED && p->pods[k].finished > last_ok)
			last_ok = p->pods[k].finished;
	for (size_t k = 0; k < p->npods; k++) {
		const struct pv_job_pod *q = &p->pods[k];

		if (q->state != PV_JOB_POD_FAILED || (last_ok && q->finished < last_ok))
			continue;
		n++;
		if (q->finished > last_fail)
			last_fail = q->finished;
	}
	return n && last_fail ? last_fail + pv_job_backoff(n) : 0;
}

/* How many pods should run now. */
static int64_t want_active(const struct pv_job_plan *p)
{
	int64_t left;

	if (p->completions < 0)
		return p->succeeded ? 0 : p->parallelism;
	left = p->completions - p->succeeded - p->failed_indexes;
	return left < p->parallelism ? left : p->parallelism;
}

/* Too many run (parallelism lowered): the newest go. */
static void trim(struct pv_job_plan *p, int64_t want)
{
	int64_t extra = p->active - want;

	for (size_t k = p->npods; k-- > 0 && extra > 0;) {
		if (p->pods[k].state == PV_JOB_POD_ACTIVE && p->pods[k].keep) {
			p->pods[k].keep = false;
			p->active--;
			extra--;
		}
	}
}

/* backoffLimitPerIndex: when index I may start again (0: now), after
 * its own failures. */
static int64_t index_backoff_until(const struct pv_job_plan *p, int64_t i)
{
	int64_t n = 0, last = 0;

	for (size_t k = 0; k < p->npods; k++) {
		const struct pv_job_pod *q = &p->pods[k];

		if (q->index != i || q->state != PV_JOB_POD_FAILED)
			continue;
		n++;
		if (q->finished > last)
			last = q->finished;
	}
	return n && last ? last + pv_job_backoff(n) : 0;
}

static bool index_failed(const struct pv_job_plan *p, int64_t i)
{
	bool fail_index = false;

	return p->per_index_set && !index_has(p, i, PV_JOB_POD_SUCCEEDED) &&
	       (index_failures(p, i, &fail_index) > p->per_index || fail_index);
}

/* The lowest N indexes neither done, failed nor running (with
 * backoffLimitPerIndex: nor in their own back-off). */
static int64_t pick_indexes(struct pv_job_plan *p, int64_t n)
{
	int64_t got = 0;

	for (int64_t i = 0; i < p->completions && got < n; i++) {
		int64_t until;

		if (index_has(p, i, PV_JOB_POD_SUCCEEDED) || index_has(p, i, PV_JOB_POD_ACTIVE) ||
		    index_failed(p, i))
			continue;
		until = p->per_index_set ? index_backoff_until(p, i) : 0;
		if (until > p->now) {
			look_at(p, until);
			continue;
		}
		p->create_index[got++] = i;
	}
	return got;
}

int64_t pv_job_decide(struct pv_job_plan *p)
{
	int64_t want, until, busy;
	bool done;

	p->create = 0;
	p->next = 0;
	p->expired = p->just_finished = false;
	count(p);
	if (p->finished) {
		after_finish(p);
		return 0;
	}
	if (p->suspend) {
		stop_active(p);
		p->start = 0;
		return 0;
	}
	if (!p->start)
		p->start = p->now;
	if (p->fail_pod >= 0) {
		finish(p, PV_JOB_FAILED, "PodFailurePolicy");
		return 0;
	}
	done = p->completions < 0 ? p->succeeded > 0 && p->active == 0
				  : p->succeeded >= p->completions;
	if (done) {
		finish(p, PV_JOB_COMPLETE, NULL);
		return 0;
	}
	if (p->failed > p->backoff_limit) {
		finish(p, PV_JOB_FAILED, "BackoffLimitExceeded");
		return 0;
	}
	if (p->max_failed_set && p->failed_indexes > p->max_failed_indexes) {
		finish(p, PV_JOB_FAILED, "MaxFailedIndexesExceeded");
		return 0;
	}
	if (success_met(p)) {
		finish(p, PV_JOB_COMPLETE, "SuccessPolicy");
		return 0;
	}
	if (p->indexed && p->failed_indexes &&
	    p->succeeded + p->failed_indexes >= p->completions) {
		finish(p, PV_JOB_FAILED, "FailedIndexes");
		return 0;
	}
	if (p->active_deadline && p->now >= p->start + p->active_deadline) {
		finish(p, PV_JOB_FAILED, "DeadlineExceeded");
		return 0;
	}
	if (p->active_deadline)
		look_at(p, p->start + p->active_deadline);
	want = want_active(p);
	if (p->active > want)
		trim(p, want);
	busy = p->active + (p->replace_failed_only ? p->terminating : 0);
	if (busy >= want)
		return 0;
	until = p->indexed && p->per_index_set ? 0 : backoff_until(p);
	if (until > p->now) {
		look_at(p, until);
		return 0;
	}
	p->create = want - busy;
	if (p->indexed)
		p->create = pick_indexes(p, p->create);
	return p->create;
}

const char *pv_job_status_str(const struct pv_job_plan *p)
{
	if (p->cond == PV_JOB_COMPLETE)
		return "Complete";
	if (p->cond == PV_JOB_FAILED)
		return "Failed";
	return p->suspend ? "Suspended" : "Running";
}
