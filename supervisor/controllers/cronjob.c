/* CronJobs: Jobs made on a schedule. Each pass renders the CronJob's
 * Jobs (`NAME-MINUTES`, MINUTES the scheduled time in minutes since the
 * epoch) from spec.jobTemplate and runs them through the Job controller
 * (job.h), drops those past the history limits
 * (successfulJobsHistoryLimit, failedJobsHistoryLimit: their pods go
 * with them), and starts the latest schedule time that came since the
 * last one (within startingDeadlineSeconds, if set; more than 100
 * missed is a warning), as concurrencyPolicy says: Allow, Forbid (not
 * while one runs: a JobAlreadyActive event, and it starts once that one
 * is done, as in Kubernetes) or Replace (the running ones go). A
 * suspended CronJob starts nothing. Schedules are read in spec.timeZone
 * (cronjob_tz.h) or UTC. One timerfd wakes the controllers at the next
 * schedule time of all CronJobs. Its Jobs and lastScheduleTime are kept
 * in STATE/cronjobs/NS_NAME.json across daemon restarts.
 * Owns: struct pv_ctl_cronjobs, STATE/cronjobs/.
 * Calls: node, source, core, manifests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/cron.h"
#include "manifests/encode.h"
#include "supervisor/controllers/cronjob_tz.h"
#include "supervisor/controllers/job.h"
#include "supervisor/controllers/workload.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/source/desired.h"

struct cron_job {
	char *name;
	int64_t scheduled;
	bool finished, failed; /* as of its last pass */
};

struct cron_mem {
	char *ns, *name;
	int64_t created, last; /* wall seconds; last: lastScheduleTime, 0: never */
	struct cron_job *jobs;
	size_t n, cap;
	char *tz_name;
	struct pv_tz *tz;
	bool seen;
};

struct pv_ctl_cronjobs {
	struct cron_mem *v;
	size_t n, cap;
	struct pv_timer *timer;
	int64_t next;
	int64_t passes;
};

static void timer_fired(void *data)
{
	pv_daemon_kick(data);
}

static char *state_path(const struct pv_daemon *d, const char *ns, const char *name)
{
	char *p = NULL;

	if (!d->state || asprintf(&p, "%s/cronjobs/%s_%s.json", d->state, ns, name) < 0)
		return NULL;
	return p;
}

static void mem_save(struct pv_daemon *d, const struct cron_mem *m)
{
	cleanup_free char *path = state_path(d, m->ns, m->name);
	cleanup_free char *dir = NULL;
	struct json_object *j = json_object_new_object(), *jobs = json_object_new_array();
	struct pv_err err = { 0 };

	for (size_t i = 0; i < m->n; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(m->jobs[i].name));
		json_object_object_add(e, "scheduled", json_object_new_int64(m->jobs[i].scheduled));
		json_object_array_add(jobs, e);
	}
	json_object_object_add(j, "created", json_object_new_int64(m->created));
	json_object_object_add(j, "lastScheduleTime", json_object_new_int64(m->last));
	json_object_object_add(j, "jobs", jobs);
	if (path && asprintf(&dir, "%s/cronjobs", d->state) >= 0 &&
	    (pv_mkdir_p(dir, 0700, &err) < 0 || pv_write_json_atomic(path, j, &err) < 0))
		pv_warn("cronjob %s/%s: its state is not saved: %s", m->ns, m->name, err.msg);
	json_object_put(j);
}

static int job_add(struct cron_mem *m, const char *name, int64_t scheduled)
{
	char *n = strdup(name);

	if (!n || pv_vec_push(m->jobs, m->n, m->cap, (struct cron_job){ .name = n,
									 .scheduled = scheduled }) < 0) {
		free(n);
		return -1;
	}
	return 0;
}

static void job_drop(struct cron_mem *m, size_t i)
{
	free(m->jobs[i].name);
	memmove(&m->jobs[i], &m->jobs[i + 1], (m->n - i - 1) * sizeof(*m->jobs));
	m->n--;
}

static void mem_load(struct pv_daemon *d, struct cron_mem *m)
{
	cleanup_free char *path = state_path(d, m->ns, m->name);
	struct pv_err err = { 0 };
	struct json_object *j = path && access(path, F_OK) == 0 ? pv_read_json(path, &err) : NULL;
	struct json_object *jobs = j ? json_object_object_get(j, "jobs") : NULL;

	m->created = time(NULL);
	if (!j) {
		mem_save(d, m);
		return;
	}
	m->created = pv_json_int(j, "created") ?: m->created;
	m->last = pv_json_int(j, "lastScheduleTime");
	for (size_t i = 0; jobs && i < json_object_array_length(jobs); i++) {
		struct json_object *e = json_object_array_get_idx(jobs, i);
		const char *name = pv_json_str(e, "name", NULL);

		if (name)
			job_add(m, name, pv_json_int(e, "scheduled"));
	}
	json_object_put(j);
}

static void mem_free(struct cron_mem *m)
{
	while (m->n)
		job_drop(m, m->n - 1);
	free(m->jobs);
	free(m->ns);
	free(m->name);
	free(m->tz_name);
	pv_tz_free(m->tz);
}

static struct cron_mem *mem_get(struct pv_daemon *d, struct pv_ctl_cronjobs *C, const char *ns,
				const char *name)
{
	struct cron_mem m = { 0 };

	for (size_t i = 0; i < C->n; i++)
		if (!strcmp(C->v[i].ns, ns) && !strcmp(C->v[i].name, name))
			return &C->v[i];
	m.ns = strdup(ns);
	m.name = strdup(name);
	if (!m.ns || !m.name || pv_vec_push(C->v, C->n, C->cap, m) < 0) {
		free(m.ns);
		free(m.name);
		return NULL;
	}
	mem_load(d, &C->v[C->n - 1]);
	return &C->v[C->n - 1];
}

static bool cron_known(void *ctx, const char *file)
{
	const struct pv_ctl_cronjobs *C = ctx;
	char want[600];

	for (size_t i = 0; i < C->n; i++) {
		snprintf(want, sizeof(want), "%s_%s.json", C->v[i].ns, C->v[i].name);
		if (!strcmp(want, file))
			return true;
	}
	return false;
}

/* The CronJobs gone from the desired state: forgotten with their state,
 * only while every manifest has loaded (see job.c's). */
static void mem_sweep(struct pv_daemon *d, struct pv_ctl_cronjobs *C)
{
	bool whole = pv_desired_complete(&d->desired);
	size_t k = 0;

	for (size_t i = 0; i < C->n; i++) {
		if (C->v[i].seen || !whole) {
			C->v[i].seen = false;
			C->v[k++] = C->v[i];
		} else {
			cleanup_free char *path = state_path(d, C->v[i].ns, C->v[i].name);

			if (path)
				unlink(path);
			mem_free(&C->v[i]);
		}
	}
	C->n = k;
	if (whole && C->passes++ == 0) /* once: those removed while the daemon was down */
		pv_ctl_state_sweep(d, "cronjobs", cron_known, C);
}

/* One CronJob in one pass. */
struct cron {
	struct pv_daemon *d;
	struct pv_workload_status *st;
	struct cron_mem *m;
	const struct pv_object *o;
	const struct pv_cronjob_spec *spec;
	struct json_object *jt; /* spec.jobTemplate, borrowed */
};

/* The Job NAME as the CronJob controller makes it from jobTemplate: its
 * labels and annotations (plus the scheduled time), an ownerReference to
 * the CronJob, the template's spec. To put. */
static struct json_object *job_json(struct cron *c, const char *name, int64_t scheduled)
{
	struct json_object *tm = json_object_object_get(c->jt, "metadata");
	struct json_object *job = json_object_new_object(), *meta = json_object_new_object();
	struct json_object *ann = NULL, *labels = NULL, *refs = json_object_new_array();
	struct json_object *ref = json_object_new_object();
	char ts[40];
	time_t t = (time_t)scheduled;
	struct tm tm_utc;

	if (json_object_deep_copy(json_object_object_get(tm, "annotations"), &ann, NULL) < 0 || !ann)
		ann = json_object_new_object();
	if (json_object_deep_copy(json_object_object_get(tm, "labels"), &labels, NULL) < 0 || !labels)
		labels = json_object_new_object();
	gmtime_r(&t, &tm_utc);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
	json_object_object_add(ann, "batch.kubernetes.io/cronjob-scheduled-timestamp",
			       json_object_new_string(ts));
	json_object_object_add(ref, "apiVersion", json_object_new_string("batch/v1"));
	json_object_object_add(ref, "kind", json_object_new_string("CronJob"));
	json_object_object_add(ref, "name", json_object_new_string(c->st->name));
	json_object_object_add(ref, "controller", json_object_new_boolean(1));
	json_object_array_add(refs, ref);
	json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "namespace", json_object_new_string(c->st->ns));
	json_object_object_add(meta, "labels", labels);
	json_object_object_add(meta, "annotations", ann);
	json_object_object_add(meta, "ownerReferences", refs);
	json_object_object_add(job, "apiVersion", json_object_new_string("batch/v1"));
	json_object_object_add(job, "kind", json_object_new_string("Job"));
	json_object_object_add(job, "metadata", meta);
	json_object_object_add(job, "spec", json_object_get(json_object_object_get(c->jt, "spec")));
	return job;
}

/* Its Job NAME, scheduled at SCHEDULED, rendered and run. */
static struct pv_job_outcome run_job(struct cron *c, const char *name, int64_t scheduled)
{
	struct json_object *job = job_json(c, name, scheduled);
	const char *text = json_object_to_json_string_ext(job, JSON_C_TO_STRING_PLAIN);
	struct pv_job_outcome out = { 0 };
	struct pv_file f = { 0 };

	if (text && pv_file_load_buf(&f, "job.json", text, strlen(text)) == 0 && f.nobjects == 1) {
		out = pv_ctl_job_run(c->d, &f.objects[0]);
		/* The Job's status row may have moved the rows: ours again. */
		c->st = pv_ctl_status(c->d->controllers, "CronJob", c->o);
	} else {
		pv_daemon_event(c->d, c->st->source, true, "FailedCreate", "cannot render job %s: %s",
				name, f.diags.n ? f.diags.v[0].msg : "out of memory");
		c->d->wanted_incomplete = true;
	}
	pv_file_free(&f);
	json_object_put(job);
	return out;
}

/* Keep the newest LIMIT finished Jobs of the kind (FAILED or not). */
static bool trim_history(struct cron *c, bool failed, int64_t limit)
{
	int64_t seen = 0;
	bool changed = false;

	for (size_t i = c->m->n; i-- > 0;) { /* newest last: the list is in schedule order */
		struct cron_job *j = &c->m->jobs[i];

		if (!j->finished || j->failed != failed || ++seen <= limit)
			continue;
		pv_daemon_event(c->d, c->st->source, false, "SuccessfulDelete", "Deleted job %s",
				j->name);
		job_drop(c->m, i);
		changed = true;
	}
	return changed;
}

static int64_t active_jobs(const struct cron_mem *m)
{
	int64_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += !m->jobs[i].finished;
	return n;
}

/* Start the latest schedule time that came, if the policy lets it: true
 * when a new Job was added (the last of the list). */
static bool schedule(struct cron *c, const struct pv_cron *cr, int64_t now)
{
	const struct pv_cronjob_spec *s = c->spec;
	const char *policy = s->concurrency_policy.v ? s->concurrency_policy.v : "Allow";
	int64_t earliest = c->m->last ? c->m->last : c->m->created, missed = 0, t;
	char name[400];

	if (s->starting_deadline_seconds.set && now - s->starting_deadline_seconds.v > earliest)
		earliest = now - s->starting_deadline_seconds.v;
	t = pv_cron_last(cr, earliest, now, c->m->tz ? pv_tz_offset : NULL, c->m->tz, &missed);
	if (missed > PV_CRON_MISSED_MAX)
		pv_daemon_event(c->d, c->st->source, true, "TooManyMissedTimes",
				"too many missed start times: %lld. Set or decrease "
				".spec.startingDeadlineSeconds or check clock skew",
				(long long)missed);
	if (t < 0 || (s->suspend.set && s->suspend.v))
		return false;
	if (!strcmp(policy, "Forbid") && active_jobs(c->m)) {
		pv_daemon_event(c->d, c->st->source, false, "JobAlreadyActive",
				"Not starting job because prior execution is running and concurrency "
				"policy is Forbid");
		return false;
	}
	for (size_t i = c->m->n; !strcmp(policy, "Replace") && i-- > 0;) {
		if (c->m->jobs[i].finished)
			continue;
		pv_daemon_event(c->d, c->st->source, false, "SuccessfulDelete", "Deleted job %s",
				c->m->jobs[i].name);
		job_drop(c->m, i);
		pv_daemon_kick(c->d); /* it was wanted in this pass: the next stops its pods */
	}
	snprintf(name, sizeof(name), "%s-%lld", c->st->name, (long long)(t / 60));
	c->m->last = t;
	for (size_t i = 0; i < c->m->n; i++)
		if (!strcmp(c->m->jobs[i].name, name))
			return false;
	if (job_add(c->m, name, t) < 0) {
		c->d->wanted_incomplete = true;
		return false;
	}
	pv_daemon_event(c->d, c->st->source, false, "SuccessfulCreate", "Created job %s", name);
	return true;
}

/* The zone its schedule is read in (NULL: UTC); false when it is unknown
 * (said once per name: it schedules nothing until the name changes). */
static bool zone(struct cron *c)
{
	const char *name = c->spec->time_zone.v;
	struct pv_err err = { 0 };

	if (!name || !*name) {
		pv_tz_free(c->m->tz);
		c->m->tz = NULL;
		free(c->m->tz_name);
		c->m->tz_name = NULL;
		return true;
	}
	if (c->m->tz_name && !strcmp(c->m->tz_name, name))
		return c->m->tz != NULL;
	pv_tz_free(c->m->tz);
	free(c->m->tz_name);
	c->m->tz_name = strdup(name);
	c->m->tz = pv_tz_load(name, &err);
	if (!c->m->tz)
		pv_daemon_event(c->d, c->st->source, true, "UnknownTimeZone",
				"invalid timeZone \"%s\": %s; nothing is scheduled", name, err.msg);
	return c->m->tz != NULL;
}

static void set_info(struct cron *c, int64_t active)
{
	struct json_object *info = json_object_new_object();
	const struct pv_cronjob_spec *s = c->spec;

	json_object_object_add(info, "schedule", json_object_new_string(s->schedule.v ?: ""));
	json_object_object_add(info, "timeZone", json_object_new_string(s->time_zone.v ?: ""));
	json_object_object_add(info, "suspend", json_object_new_boolean(s->suspend.set && s->suspend.v));
	json_object_object_add(info, "active", json_object_new_int64(active));
	json_object_object_add(info, "lastScheduleTime", json_object_new_int64(c->m->last));
	if (c->st->info)
		json_object_put(c->st->info);
	c->st->info = info;
}

static void run_jobs(struct cron *c, size_t from)
{
	for (size_t i = from; i < c->m->n; i++) {
		struct pv_job_outcome o = run_job(c, c->m->jobs[i].name, c->m->jobs[i].scheduled);

		if (!o.known)
			continue;
		c->m->jobs[i].finished = o.finished;
		c->m->jobs[i].failed = o.failed;
	}
}

/* Its Jobs run (and so are known to have finished or not), the history
 * trimmed, the latest schedule time started. A Job dropped here was
 * wanted in this pass: the next one (kicked) stops its pods. */
static void cronjob_pass(struct cron *c, struct pv_ctl_cronjobs *C)
{
	const struct pv_cronjob_spec *s = c->spec;
	int64_t now = time(NULL), last = c->m->last, next;
	size_t njobs = c->m->n;
	struct pv_cron cr;
	bool dropped;

	run_jobs(c, 0);
	dropped = trim_history(c, false, s->successful_jobs_history_limit.set
						 ? s->successful_jobs_history_limit.v : 3);
	dropped |= trim_history(c, true, s->failed_jobs_history_limit.set
						 ? s->failed_jobs_history_limit.v : 1);
	if (s->schedule.v && pv_cron_parse(s->schedule.v, &cr, NULL, 0) == 0 && zone(c)) {
		if (schedule(c, &cr, now))
			run_jobs(c, c->m->n - 1);
		next = pv_cron_next_zone(&cr, now, c->m->tz ? pv_tz_offset : NULL, c->m->tz);
		if (next > 0 && (!C->next || next < C->next))
			C->next = next;
	}
	if (dropped)
		pv_daemon_kick(c->d);
	if (dropped || last != c->m->last || njobs != c->m->n)
		mem_save(c->d, c->m);
	set_info(c, active_jobs(c->m));
}

static void cronjob_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	struct pv_ctl_cronjobs *C = d->controllers->cron;
	struct cron c = { .d = d, .o = o, .spec = &((const struct pv_cronjob *)o->obj)->spec };
	struct json_object *whole = pv_encode_object(o);

	(void)f;
	c.jt = json_object_object_get(json_object_object_get(whole, "spec"), "jobTemplate");
	c.st = pv_ctl_status(d->controllers, "CronJob", o);
	c.m = c.st ? mem_get(d, C, c.st->ns, c.st->name) : NULL;
	if (!c.m || !c.jt) {
		d->wanted_incomplete = true;
		json_object_put(whole);
		return;
	}
	c.m->seen = true;
	cronjob_pass(&c, C);
	json_object_put(whole);
}

void pv_ctl_cronjobs_sync(struct pv_daemon *d)
{
	struct pv_controllers *ctl = d->controllers;
	struct pv_ctl_cronjobs *C;
	int64_t now = time(NULL);

	if (!ctl->cron) {
		ctl->cron = calloc(1, sizeof(*ctl->cron));
		if (ctl->cron && d->loop)
			ctl->cron->timer = pv_timer_new(d->loop, timer_fired, d);
	}
	if (!(C = ctl->cron)) {
		d->wanted_incomplete = true;
		return;
	}
	C->next = 0;
	pv_desired_each(&d->desired, PV_KIND_CRONJOB, cronjob_sync, d);
	mem_sweep(d, C);
	pv_ctl_jobs_arm(d); /* their Jobs' back-off, deadlines, ttl */
	if (C->timer && C->next)
		pv_timer_arm(C->timer, C->next > now ? (C->next - now) * 1000 + 20 : 0);
	else if (C->timer)
		pv_timer_disarm(C->timer);
}

void pv_ctl_cronjobs_free(struct pv_controllers *c)
{
	struct pv_ctl_cronjobs *C = c->cron;

	if (!C)
		return;
	for (size_t i = 0; i < C->n; i++)
		mem_free(&C->v[i]);
	free(C->v);
	if (C->timer)
		pv_timer_free(C->timer);
	free(C);
	c->cron = NULL;
}
