/* A Job's next step as a pure decision. See job_plan.h.
 * Calls: nothing. */
#include "supervisor/plans/job_plan.h"

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

/* Index I of an Indexed Job has a pod in state S. */
static bool index_has(const struct pv_job_plan *p, int64_t i, enum pv_job_pod_state s)
{
	for (size_t k = 0; k < p->npods; k++)
		if (p->pods[k].index == i && p->pods[k].state == s && (s != PV_JOB_POD_ACTIVE ||
								       p->pods[k].keep))
			return true;
	return false;
}

static void count(struct pv_job_plan *p)
{
	p->succeeded = p->failed = p->active = 0;
	for (size_t k = 0; k < p->npods; k++) {
		const struct pv_job_pod *q = &p->pods[k];

		p->pods[k].keep = true;
		if (p->on_failure)
			p->failed += q->restarts;
		if (q->state == PV_JOB_POD_ACTIVE)
			p->active++;
		else if (q->state == PV_JOB_POD_FAILED)
			p->failed++;
		else if (!p->indexed)
			p->succeeded++;
	}
	for (int64_t i = 0; p->indexed && i < p->completions; i++)
		p->succeeded += index_has(p, i, PV_JOB_POD_SUCCEEDED);
}

/* Its active pods are stopped (a finished or suspended Job runs none). */
static void stop_active(struct pv_job_plan *p)
{
	for (size_t k = 0; k < p->npods; k++)
		if (p->pods[k].state == PV_JOB_POD_ACTIVE)
			p->pods[k].keep = false;
	p->active = 0;
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
	left = p->completions - p->succeeded;
	return left < p->parallelism ? left : p->parallelism;
}

/* Too many run (parallelism lowered): the newest go. */
static void trim(struct pv_job_plan *p, int64_t want)
{
	int64_t extra = p->active - want;

	for (size_t k = p->npods; k-- > 0 && extra > 0;) {
		if (p->pods[k].state == PV_JOB_POD_ACTIVE) {
			p->pods[k].keep = false;
			p->active--;
			extra--;
		}
	}
}

/* The lowest N indexes neither done nor running. */
static int64_t pick_indexes(struct pv_job_plan *p, int64_t n)
{
	int64_t got = 0;

	for (int64_t i = 0; i < p->completions && got < n; i++)
		if (!index_has(p, i, PV_JOB_POD_SUCCEEDED) && !index_has(p, i, PV_JOB_POD_ACTIVE))
			p->create_index[got++] = i;
	return got;
}

int64_t pv_job_decide(struct pv_job_plan *p)
{
	int64_t want, until;
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
	if (p->active_deadline && p->now >= p->start + p->active_deadline) {
		finish(p, PV_JOB_FAILED, "DeadlineExceeded");
		return 0;
	}
	if (p->active_deadline)
		look_at(p, p->start + p->active_deadline);
	want = want_active(p);
	if (p->active > want)
		trim(p, want);
	if (p->active >= want)
		return 0;
	until = backoff_until(p);
	if (until > p->now) {
		look_at(p, until);
		return 0;
	}
	p->create = want - p->active;
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
