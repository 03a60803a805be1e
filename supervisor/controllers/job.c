/* Jobs: pods run to completion. Each pass observes the Job's pods
 * (matched by the created-by annotation; a finished pod's phase comes
 * from its containers' exit codes, which survive a daemon restart), asks
 * job_plan.c what to do, wants the pods it keeps as they are, and creates
 * new ones from the template: `NAME-xxxxx`, or `NAME-INDEX-xxxxx` for an
 * Indexed Job (with the annotation and label
 * batch.kubernetes.io/job-completion-index, the env JOB_COMPLETION_INDEX
 * and the hostname NAME-INDEX), labelled job-name, batch.kubernetes.io/job-name,
 * controller-uid and batch.kubernetes.io/controller-uid. A finished
 * pod stays wanted (its logs readable) until ttlSecondsAfterFinished.
 * A failed pod's terminated containers go to the plan for the
 * podFailurePolicy rules; a deleted pod still stopping is Terminating
 * (podReplacementPolicy Failed waits for it). The row says the reason,
 * message, failedIndexes, terminating and conditions.
 * What the pods cannot tell (the uid, when it started and finished, its
 * condition and final counts) is kept in STATE/jobs/NS_NAME.json, and
 * forgotten with the Job; a changed pod template makes a new Job. One
 * timerfd wakes the controllers at the earliest back-off end, deadline or
 * ttl of all Jobs. A pod created in one pass that the pods module has not
 * made by the next (it starts a bounded number a turn) is expected: wanted
 * again under its name and counted active, never created a second time
 * (Kubernetes' controller expectations).
 * Owns: struct pv_ctl_jobs, STATE/jobs/.
 * Calls: node, source, core, manifests. */
#include "supervisor/controllers/job.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/plans/job_plan.h"
#include "supervisor/plans/rollout.h"
#include "supervisor/controllers/workload.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/source/desired.h"

#define INDEX_KEY "batch.kubernetes.io/job-completion-index"

/* A pod this Job created that is not a pod yet. */
struct expected {
	char *name;
	int64_t index; /* Indexed: its completion index; -1: none */
};

/* What one Job remembers between passes (and daemon restarts). */
struct job_mem {
	char *ns, *name;
	char uid[37];
	char tmpl_hash[11]; /* of the pod template: another template, another Job */
	int64_t start, finished;
	enum pv_job_cond cond;
	char reason[32];
	char message[320];       /* the condition's message (a FailJob rule's) */
	char failed_indexes[128]; /* at the finish: status.failedIndexes */
	int64_t succeeded, failed; /* at the finish */
	bool suspended;
	struct expected *expect; /* created, not yet a pod (in memory only) */
	size_t nexpect, expect_cap;
	bool seen;
	bool frozen; /* its state file unreadable: left as it is, the Job held */
};

struct pv_ctl_jobs {
	struct job_mem *v;
	size_t n, cap;
	struct pv_timer *timer;
	int64_t next; /* the earliest wake-up this pass's Jobs asked for */
	int64_t passes;
};

static void timer_fired(void *data)
{
	pv_daemon_kick(data);
}

static struct pv_ctl_jobs *jobs_get(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;

	if (!c->jobs) {
		c->jobs = calloc(1, sizeof(*c->jobs));
		if (c->jobs && d->loop)
			c->jobs->timer = pv_timer_new(d->loop, timer_fired, d);
	}
	return c->jobs;
}

static char *state_path(const struct pv_daemon *d, const char *ns, const char *name)
{
	char *p = NULL;

	if (!d->state || asprintf(&p, "%s/jobs/%s_%s.json", d->state, ns, name) < 0)
		return NULL;
	return p;
}

static void mem_save(struct pv_daemon *d, const struct job_mem *m)
{
	if (m->frozen)
		return;
	cleanup_free char *path = state_path(d, m->ns, m->name);
	cleanup_free char *dir = NULL;
	struct json_object *j = json_object_new_object();
	struct pv_err err = { 0 };

	if (!path || !j || asprintf(&dir, "%s/jobs", d->state) < 0) {
		json_object_put(j);
		return;
	}
	json_object_object_add(j, "uid", json_object_new_string(m->uid));
	json_object_object_add(j, "templateHash", json_object_new_string(m->tmpl_hash));
	json_object_object_add(j, "startTime", json_object_new_int64(m->start));
	json_object_object_add(j, "completionTime", json_object_new_int64(m->finished));
	json_object_object_add(j, "condition", json_object_new_int(m->cond));
	json_object_object_add(j, "reason", json_object_new_string(m->reason));
	json_object_object_add(j, "message", json_object_new_string(m->message));
	json_object_object_add(j, "failedIndexes", json_object_new_string(m->failed_indexes));
	json_object_object_add(j, "succeeded", json_object_new_int64(m->succeeded));
	json_object_object_add(j, "failed", json_object_new_int64(m->failed));
	json_object_object_add(j, "suspended", json_object_new_boolean(m->suspended));
	if (pv_mkdir_p(dir, 0700, &err) < 0 || pv_write_json_atomic(path, j, &err) < 0)
		pv_warn("job %s/%s: its state is not saved: %s", m->ns, m->name, err.msg);
	json_object_put(j);
}

static void new_uid(char out[37])
{
	unsigned char b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		uint64_t t = (uint64_t)pv_now_ms() ^ (uint64_t)getpid() << 32;

		memcpy(b, &t, sizeof(t));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static void mem_load(struct pv_daemon *d, struct job_mem *m)
{
	cleanup_free char *path = state_path(d, m->ns, m->name);
	struct pv_err err = { 0 };
	bool there = path && access(path, F_OK) == 0;
	struct json_object *j = there ? pv_read_json(path, &err) : NULL;

	if (!j && there) {
		char object[600];

		/* What it ran and whether it finished are unknown: run nothing
		 * (a Complete Job must not run again), write nothing over it. */
		m->frozen = true;
		snprintf(object, sizeof(object), "job/%s/%s", m->ns, m->name);
		pv_daemon_event(d, object, true, "JobStateNotRead", "%s not read (%s): the Job "
				"starts no pod and the file is left as it is until it is repaired or "
				"removed (then restart the daemon)", path, err.msg);
	}
	if (!j) {
		new_uid(m->uid);
		return;
	}
	snprintf(m->uid, sizeof(m->uid), "%s", pv_json_str(j, "uid", ""));
	snprintf(m->tmpl_hash, sizeof(m->tmpl_hash), "%s", pv_json_str(j, "templateHash", ""));
	snprintf(m->reason, sizeof(m->reason), "%s", pv_json_str(j, "reason", ""));
	snprintf(m->message, sizeof(m->message), "%s", pv_json_str(j, "message", ""));
	snprintf(m->failed_indexes, sizeof(m->failed_indexes), "%s",
		 pv_json_str(j, "failedIndexes", ""));
	m->start = pv_json_int(j, "startTime");
	m->finished = pv_json_int(j, "completionTime");
	m->cond = (enum pv_job_cond)pv_json_int(j, "condition");
	m->succeeded = pv_json_int(j, "succeeded");
	m->failed = pv_json_int(j, "failed");
	m->suspended = json_object_get_boolean(json_object_object_get(j, "suspended"));
	if (!m->uid[0])
		new_uid(m->uid);
	json_object_put(j);
}

static void expect_clear(struct job_mem *m)
{
	for (size_t i = 0; i < m->nexpect; i++)
		free(m->expect[i].name);
	free(m->expect);
	m->expect = NULL;
	m->nexpect = m->expect_cap = 0;
}

static void mem_forget(struct pv_daemon *d, struct job_mem *m)
{
	cleanup_free char *path = state_path(d, m->ns, m->name);

	if (path)
		unlink(path);
	expect_clear(m);
	free(m->ns);
	free(m->name);
}

static struct job_mem *mem_get(struct pv_daemon *d, struct pv_ctl_jobs *J, const char *ns,
			       const char *name)
{
	struct job_mem m = { 0 };

	for (size_t i = 0; i < J->n; i++)
		if (!strcmp(J->v[i].ns, ns) && !strcmp(J->v[i].name, name))
			return &J->v[i];
	m.ns = strdup(ns);
	m.name = strdup(name);
	if (!m.ns || !m.name || pv_vec_push(J->v, J->n, J->cap, m) < 0) {
		free(m.ns);
		free(m.name);
		return NULL;
	}
	mem_load(d, &J->v[J->n - 1]);
	return &J->v[J->n - 1];
}

void pv_ctl_state_sweep(const struct pv_daemon *d, const char *sub,
			bool (*known)(void *ctx, const char *file), void *ctx)
{
	cleanup_free char *dir = NULL;
	DIR *dd = d->state && asprintf(&dir, "%s/%s", d->state, sub) >= 0 ? opendir(dir) : NULL;
	struct dirent *e;

	while (dd && (e = readdir(dd)))
		if (e->d_name[0] != '.' && !known(ctx, e->d_name))
			unlinkat(dirfd(dd), e->d_name, 0);
	if (dd)
		closedir(dd);
}

static bool job_known(void *ctx, const char *file)
{
	const struct pv_ctl_jobs *J = ctx;
	char want[600];

	for (size_t i = 0; i < J->n; i++) {
		snprintf(want, sizeof(want), "%s_%s.json", J->v[i].ns, J->v[i].name);
		if (!strcmp(want, file))
			return true;
	}
	return false;
}

/* The Jobs the last pass did not see are gone: forget them. Once, after
 * the first pass has seen every Job: state files of Jobs removed while
 * the daemon was down. Only while every manifest has loaded (a Job whose
 * file has not loaded yet is not gone: its state would be lost, and a
 * Complete Job would run again once the file is fixed). */
static void mem_sweep(struct pv_daemon *d, struct pv_ctl_jobs *J)
{
	bool whole = pv_desired_complete(&d->desired);
	size_t k = 0;

	for (size_t i = 0; i < J->n; i++) {
		if (J->v[i].seen || !J->passes || !whole) {
			J->v[i].seen = false;
			J->v[k++] = J->v[i];
		} else {
			mem_forget(d, &J->v[i]);
		}
	}
	J->n = k;
	if (whole && J->passes++ == 1)
		pv_ctl_state_sweep(d, "jobs", job_known, J);
}

/* "2026-01-02T03:04:05Z" in seconds; 0 when empty or bad. */
static int64_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s && *s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? (int64_t)timegm(&tm) : 0;
}

/* A finished pod failed, as the pods module's phase says: an app
 * container ended non-zero, or an init container (not a sidecar, which
 * is stopped at the end), or its activeDeadlineSeconds passed. */
static bool pod_failed(const struct pv_prt *p)
{
	bool failed = p->deadline_exceeded;

	for (size_t i = 0; i < p->ncontainers; i++) {
		const struct pv_crt *c = &p->containers[i];

		if (i < p->ninit && pv_crt_sidecar(c))
			continue;
		failed |= c->term.set && c->term.exit_code != 0;
	}
	return failed;
}

/* A failed pod's terminated containers, init ones first (what
 * podFailurePolicy rules look at); NULL when none or out of memory. */
static struct pv_job_exit *exits_of(const struct pv_prt *p, size_t *n)
{
	struct pv_job_exit *e = calloc(p->ncontainers ? p->ncontainers : 1, sizeof(*e));

	*n = 0;
	for (size_t i = 0; e && i < p->ncontainers; i++) {
		const struct pv_crt *c = &p->containers[i];

		if (c->term.set)
			e[(*n)++] = (struct pv_job_exit){ .container = c->spec ? c->spec->name.v : NULL,
							 .code = c->term.exit_code };
	}
	return e;
}

/* An Indexed Job's pod's completion index; -1: none. */
static int64_t index_of(const struct pv_pod_view *v)
{
	const char *idx = pv_ctl_map_get(&v->spec->h.metadata.annotations, INDEX_KEY);

	return idx ? strtoll(idx, NULL, 10) : -1;
}

/* One observed pod: the plan's view of it from the pod record. */
static struct pv_job_pod pod_of(struct pv_daemon *d, const struct pv_pod_view *v)
{
	const struct pv_prt *p = pv_pods_find(d, v->ns, v->name);
	struct pv_job_pod q = { .state = PV_JOB_POD_ACTIVE, .index = index_of(v) };

	if (!p)
		return q;
	for (size_t i = 0; i < p->ncontainers; i++) {
		int64_t t = parse_time(p->containers[i].term.finished_at);

		if (!(i < p->ninit && pv_crt_sidecar(&p->containers[i])))
			q.restarts += p->containers[i].restarts;
		if (t > q.finished)
			q.finished = t;
	}
	if (p->state != PV_P_DONE) {
		q.finished = 0;
		return q;
	}
	q.state = pod_failed(p) ? PV_JOB_POD_FAILED : PV_JOB_POD_SUCCEEDED;
	if (q.state == PV_JOB_POD_FAILED)
		q.exits = exits_of(p, &q.nexits);
	if (!q.finished)
		q.finished = time(NULL);
	return q;
}

/* One Job in one pass. */
struct job {
	struct pv_daemon *d;
	struct pv_workload_status *st;
	struct job_mem *m;
	struct json_object *tmpl; /* spec.template, borrowed */
	bool indexed;
};

static void add_label(struct json_object *labels, const char *k, const char *v)
{
	json_object_object_add(labels, k, json_object_new_string(v));
}

/* Every container gets JOB_COMPLETION_INDEX (Kubernetes adds it to each). */
static void add_index_env(struct json_object *spec, const char *index)
{
	static const char *const lists[] = { "containers", "initContainers" };

	for (size_t l = 0; l < 2; l++) {
		struct json_object *cs = json_object_object_get(spec, lists[l]);

		for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
			struct json_object *c = json_object_array_get_idx(cs, i);
			struct json_object *env = json_object_object_get(c, "env");
			struct json_object *e = json_object_new_object();

			if (!env) {
				env = json_object_new_array();
				json_object_object_add(c, "env", env);
			}
			json_object_object_add(e, "name", json_object_new_string("JOB_COMPLETION_INDEX"));
			json_object_object_add(e, "value", json_object_new_string(index));
			json_object_array_add(env, e);
		}
	}
}

static void pod_name(struct job *w, int64_t index, char *out, size_t len)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

	do {
		unsigned char b[5] = { 0 };
		char sfx[6];

		if (getrandom(b, sizeof(b), 0) != sizeof(b))
			for (size_t i = 0; i < sizeof(b); i++)
				b[i] = (unsigned char)(pv_now_ms() >> (i * 3));
		for (size_t i = 0; i < 5; i++)
			sfx[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
		sfx[5] = '\0';
		if (index >= 0)
			snprintf(out, len, "%s-%lld-%s", w->st->name, (long long)index, sfx);
		else
			snprintf(out, len, "%s-%s", w->st->name, sfx);
	} while (pv_pods_find(w->d, w->st->ns, out));
}

/* Want the Job's pod of INDEX: a new one (NAME NULL: a new name, and the
 * event), or the expected NAME again. Returns its name (static). */
static const char *want_pod(struct job *w, int64_t index, const char *again)
{
	static char name[400];
	char idx[24];
	struct json_object *pod, *meta, *labels, *spec = NULL;

	if (again)
		snprintf(name, sizeof(name), "%s", again);
	else
		pod_name(w, index, name, sizeof(name));
	pod = pv_ctl_pod_json(w->tmpl, w->st, name, "batch/v1", "Job", w->st->name);
	meta = json_object_object_get(pod, "metadata");
	labels = json_object_object_get(meta, "labels");
	add_label(labels, "batch.kubernetes.io/controller-uid", w->m->uid);
	add_label(labels, "batch.kubernetes.io/job-name", w->st->name);
	add_label(labels, "controller-uid", w->m->uid);
	add_label(labels, "job-name", w->st->name);
	json_object_object_add(json_object_array_get_idx(json_object_object_get(meta,
										"ownerReferences"), 0),
			       "uid", json_object_new_string(w->m->uid));
	if (index >= 0) {
		snprintf(idx, sizeof(idx), "%lld", (long long)index);
		add_label(labels, INDEX_KEY, idx);
		add_label(json_object_object_get(meta, "annotations"), INDEX_KEY, idx);
		if (json_object_deep_copy(json_object_object_get(pod, "spec"), &spec, NULL) == 0) {
			char host[400];

			add_index_env(spec, idx);
			snprintf(host, sizeof(host), "%s-%s", w->st->name, idx);
			if (!json_object_object_get(spec, "hostname") && strlen(host) <= 63)
				json_object_object_add(spec, "hostname", json_object_new_string(host));
			json_object_object_add(pod, "spec", spec);
		}
	}
	pv_ctl_want_json(w->d, w->st, pod);
	json_object_put(pod);
	if (!again)
		pv_daemon_event(w->d, w->st->source, false, "SuccessfulCreate", "Created pod: %s",
				name);
	return name;
}

/* The expected pods that are pods now are no longer expected; the others
 * go after the N observed ones in PODS, active. Returns the new count. */
static size_t expected_in(struct job *w, struct pv_job_pod *pods, size_t n)
{
	struct job_mem *m = w->m;
	size_t kept = 0, total = n;

	for (size_t i = 0; i < m->nexpect; i++) {
		if (pv_pods_find(w->d, w->st->ns, m->expect[i].name)) { /* a pod now */
			free(m->expect[i].name);
			continue;
		}
		m->expect[kept++] = m->expect[i];
		pods[total++] = (struct pv_job_pod){ .state = PV_JOB_POD_ACTIVE,
						      .index = m->expect[i].index };
	}
	m->nexpect = kept;
	return total;
}

/* After the plan: each expected pod it keeps is wanted again; one it
 * drops is forgotten (it never ran). PODS[FIRST..] are the expected. */
static void expected_out(struct job *w, const struct pv_job_pod *pods, size_t first)
{
	struct job_mem *m = w->m;
	size_t kept = 0;

	for (size_t i = 0; i < m->nexpect; i++) {
		if (!pods[first + i].keep) {
			free(m->expect[i].name);
			continue;
		}
		want_pod(w, m->expect[i].index, m->expect[i].name);
		m->expect[kept++] = m->expect[i];
	}
	m->nexpect = kept;
}

/* Create a new pod of INDEX, and expect it. */
static void create_pod(struct job *w, int64_t index)
{
	const char *name = want_pod(w, index, NULL);
	struct expected e = { .name = strdup(name), .index = index };

	if (!e.name || pv_vec_push(w->m->expect, w->m->nexpect, w->m->expect_cap, e) < 0)
		free(e.name); /* unexpected: the next pass may create another */
}

static const char *const actions[] = { "Count", "FailJob", "FailIndex", "Ignore", NULL };

/* The podFailurePolicy and successPolicy rules, in one allocation. */
static void *plan_rules(struct pv_job_plan *p, const struct pv_job_spec *s)
{
	size_t nr = s->pod_failure_policy.rules.n, ns = s->success_policy.rules.n, ncodes = 0;
	char *mem;
	struct pv_job_rule *rules;
	struct pv_job_success_rule *succ;
	int64_t *codes;

	for (size_t i = 0; i < nr; i++)
		ncodes += s->pod_failure_policy.rules.items[i].on_exit_codes.values.n;
	mem = calloc(1, nr * sizeof(*rules) + ns * sizeof(*succ) + ncodes * sizeof(*codes) + 1);
	if (!mem)
		return NULL;
	rules = (struct pv_job_rule *)(void *)mem;
	succ = (struct pv_job_success_rule *)(void *)(rules + nr);
	codes = (int64_t *)(void *)(succ + ns);
	for (size_t i = 0; i < nr; i++) {
		const struct pv_pfp_rule *r = &s->pod_failure_policy.rules.items[i];
		const struct pv_pfp_exit_codes *x = &r->on_exit_codes;

		for (size_t a = 0; actions[a]; a++)
			if (r->action.v && !strcmp(r->action.v, actions[a]))
				rules[i].action = (enum pv_job_action)a;
		rules[i].on_conditions = !x->hdr.set;
		rules[i].container = x->container_name.v;
		rules[i].not_in = x->operator.v && !strcmp(x->operator.v, "NotIn");
		rules[i].codes = codes;
		rules[i].ncodes = x->values.n;
		for (size_t c = 0; c < x->values.n; c++)
			*codes++ = x->values.items[c].v;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct pv_success_rule *r = &s->success_policy.rules.items[i];

		succ[i].indexes = r->succeeded_indexes.v;
		succ[i].count = r->succeeded_count.set ? r->succeeded_count.v : 0;
	}
	p->rules = rules;
	p->nrules = nr;
	p->success = succ;
	p->nsuccess = ns;
	return mem;
}

static void plan_spec(struct pv_job_plan *p, const struct pv_job_spec *s)
{
	const char *rp = s->template.spec.restart_policy.v;

	p->completions = s->completions.set ? s->completions.v : -1;
	p->parallelism = s->parallelism.set ? s->parallelism.v : 1;
	p->indexed = s->completion_mode.v && !strcmp(s->completion_mode.v, "Indexed");
	if (p->indexed && p->completions < 0)
		p->completions = 1;
	p->per_index_set = p->indexed && s->backoff_limit_per_index.set;
	p->per_index = s->backoff_limit_per_index.v;
	p->max_failed_set = p->per_index_set && s->max_failed_indexes.set;
	p->max_failed_indexes = s->max_failed_indexes.v;
	/* With backoffLimitPerIndex, backoffLimit defaults to unlimited. */
	p->backoff_limit = s->backoff_limit.set ? s->backoff_limit.v
						: p->per_index_set ? INT32_MAX : 6;
	p->active_deadline = s->active_deadline_seconds.set ? s->active_deadline_seconds.v : 0;
	p->ttl = s->ttl_seconds_after_finished.set ? s->ttl_seconds_after_finished.v : -1;
	p->suspend = s->suspend.set && s->suspend.v;
	p->on_failure = rp && !strcmp(rp, "OnFailure");
	/* podReplacementPolicy defaults to Failed with a podFailurePolicy. */
	p->replace_failed_only = s->pod_replacement_policy.v
					 ? !strcmp(s->pod_replacement_policy.v, "Failed")
					 : s->pod_failure_policy.hdr.set;
}

/* status.failedIndexes: "1,3-5". */
static void indexes_str(const struct pv_job_plan *p, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int64_t i = 0; p->index_state && i < p->completions && o + 1 < len; i++) {
		int64_t j = i;

		if (p->index_state[i] != PV_JOB_INDEX_FAILED)
			continue;
		while (j + 1 < p->completions && p->index_state[j + 1] == PV_JOB_INDEX_FAILED)
			j++;
		o += (size_t)snprintf(out + o, len - o, j > i ? "%s%lld-%lld" : "%s%lld",
				      o ? "," : "", (long long)i, (long long)j);
		if (o >= len)
			o = len - 1;
		i = j;
	}
}

/* Kubernetes' message of a FailJob rule's match. */
static void fail_message(struct job *w, const struct pv_job_plan *p,
			 const struct pv_pod_view *views, char *out, size_t len)
{
	out[0] = '\0';
	if (p->fail_pod < 0)
		return;
	snprintf(out, len, "Container %s for pod %s/%s failed with exit code %lld matching "
		 "FailJob rule at index %zu", p->fail_container ? p->fail_container : "",
		 w->st->ns, views[p->fail_pod].name, (long long)p->fail_code, p->fail_rule);
}

static void finish_events(struct job *w, const struct pv_job_plan *p)
{
	if (p->cond == PV_JOB_COMPLETE)
		pv_daemon_event(w->d, w->st->source, false, "Completed", "Job completed");
	else if (!strcmp(p->reason, "PodFailurePolicy"))
		pv_daemon_event(w->d, w->st->source, true, "PodFailurePolicy", "%s", w->m->message);
	else if (!strcmp(p->reason, "FailedIndexes"))
		pv_daemon_event(w->d, w->st->source, true, "FailedIndexes", "Job has failed indexes");
	else if (!strcmp(p->reason, "MaxFailedIndexesExceeded"))
		pv_daemon_event(w->d, w->st->source, true, "MaxFailedIndexesExceeded",
				"Job has exceeded the specified maximal number of failed indexes");
	else if (!strcmp(p->reason, "BackoffLimitExceeded"))
		pv_daemon_event(w->d, w->st->source, true, "BackoffLimitExceeded",
				"Job has reached the specified backoff limit");
	else
		pv_daemon_event(w->d, w->st->source, true, "DeadlineExceeded",
				"Job was active longer than specified deadline");
}

static void set_info(struct job *w, const struct pv_job_plan *p)
{
	struct json_object *info = json_object_new_object();
	int64_t ok = p->finished ? w->m->succeeded : p->succeeded;
	int64_t bad = p->finished ? w->m->failed : p->failed;

	json_object_object_add(info, "status", json_object_new_string(pv_job_status_str(p)));
	json_object_object_add(info, "completions",
			       json_object_new_int64(p->completions < 0 ? 1 : p->completions));
	json_object_object_add(info, "succeeded", json_object_new_int64(ok));
	json_object_object_add(info, "failed", json_object_new_int64(bad));
	json_object_object_add(info, "active", json_object_new_int64(p->active));
	json_object_object_add(info, "startTime", json_object_new_int64(p->start));
	json_object_object_add(info, "completionTime",
			       json_object_new_int64(p->cond == PV_JOB_COMPLETE ? p->finished : 0));
	if (p->reason)
		json_object_object_add(info, "reason", json_object_new_string(p->reason));
	if (p->finished && w->m->message[0])
		json_object_object_add(info, "message", json_object_new_string(w->m->message));
	if (p->per_index_set) {
		char now[sizeof(w->m->failed_indexes)];

		indexes_str(p, now, sizeof(now));
		json_object_object_add(info, "failedIndexes",
				       json_object_new_string(p->finished ? w->m->failed_indexes
									  : now));
	}
	if (p->ignored)
		json_object_object_add(info, "ignored", json_object_new_int64(p->ignored));
	json_object_object_add(info, "terminating", json_object_new_int64(p->terminating));
	if (p->cond != PV_JOB_RUNNING) {
		struct json_object *conds = json_object_new_array();

		/* Kubernetes sets SuccessCriteriaMet (FailureTarget) first, then
		 * Complete (Failed) once no pod runs. */
		json_object_array_add(conds, json_object_new_string(p->cond == PV_JOB_COMPLETE
									    ? "SuccessCriteriaMet"
									    : "FailureTarget"));
		json_object_array_add(conds, json_object_new_string(pv_job_status_str(p)));
		json_object_object_add(info, "conditions", conds);
	}
	if (w->st->info)
		json_object_put(w->st->info);
	w->st->info = info;
	w->st->replicas = p->completions < 0 ? 1 : p->completions;
}

/* Remember what changed, and say it. */
static void remember(struct job *w, struct pv_job_plan *p, const struct pv_pod_view *views)
{
	struct job_mem *m = w->m;
	bool changed = m->start != p->start || m->finished != p->finished;

	if (p->just_finished) {
		m->cond = p->cond;
		snprintf(m->reason, sizeof(m->reason), "%s", p->reason ? p->reason : "");
		fail_message(w, p, views, m->message, sizeof(m->message));
		indexes_str(p, m->failed_indexes, sizeof(m->failed_indexes));
		m->succeeded = p->succeeded;
		m->failed = p->failed;
		finish_events(w, p);
	}
	if (!p->finished && p->suspend != m->suspended) {
		pv_daemon_event(w->d, w->st->source, false, p->suspend ? "Suspended" : "Resumed",
				p->suspend ? "Job suspended" : "Job resumed");
		m->suspended = p->suspend;
		changed = true;
	}
	m->start = p->start;
	m->finished = p->finished;
	if (changed)
		mem_save(w->d, m);
}

/* A stopping pod that has not finished: Terminating. */
static bool terminating(struct pv_daemon *d, const struct pv_pod_view *v)
{
	const struct pv_prt *p = pv_pods_find(d, v->ns, v->name);

	return v->stopping && (!p || p->state != PV_P_DONE);
}

/* The pods of the Job in the views: not stopping, or Terminating (what
 * podReplacementPolicy Failed waits for). */
static size_t observe(struct job *w, struct pv_pod_view *views, struct pv_job_pod *pods)
{
	struct pv_pod_view v;
	size_t n = 0;

	for (size_t it = 0; pv_pod_view_next(w->d, &it, &v);) {
		const char *uid = pv_ctl_map_get(&v.spec->h.metadata.labels, "controller-uid");

		if (!pv_ctl_owns(w->st, &v) || !uid || strcmp(uid, w->m->uid))
			continue; /* another Job's of that name (an earlier template) goes */
		if (v.stopping && !terminating(w->d, &v))
			continue;
		views[n] = v;
		if (v.stopping) {
			pods[n++] = (struct pv_job_pod){ .terminating = true, .index = index_of(&v) };
			continue;
		}
		pv_ctl_count(w->st, &v);
		pods[n++] = pod_of(w->d, &v);
	}
	return n;
}

static void run(struct job *w, const struct pv_job_spec *s, struct pv_job_outcome *out,
		int64_t *next)
{
	size_t bound = pv_pod_count(w->d) + w->m->nexpect + 1, observed;
	cleanup_free struct pv_pod_view *views = calloc(bound, sizeof(*views));
	cleanup_free struct pv_job_pod *pods = calloc(bound, sizeof(*pods));
	cleanup_free int64_t *idx = NULL;
	cleanup_free char *index_state = NULL;
	cleanup_free void *rules = NULL;
	struct pv_job_plan p = { .start = w->m->start, .finished = w->m->finished,
				 .cond = w->m->cond, .reason = w->m->reason[0] ? w->m->reason : NULL,
				 .now = time(NULL) };

	plan_spec(&p, s);
	idx = calloc((size_t)(p.parallelism > 0 ? p.parallelism : 1), sizeof(*idx));
	index_state = p.indexed ? calloc((size_t)p.completions + 1, 1) : NULL;
	rules = plan_rules(&p, s);
	if (!views || !pods || !idx || !rules || (p.indexed && !index_state)) {
		w->d->wanted_incomplete = true;
		return;
	}
	p.pods = pods;
	p.create_index = idx;
	p.index_state = index_state;
	observed = observe(w, views, pods);
	p.npods = expected_in(w, pods, observed);
	pv_job_decide(&p);
	if (w->d->quitting) /* every pod is stopping, the node going down: none new */
		p.create = 0;
	expected_out(w, pods, observed);
	for (size_t i = 0; i < observed; i++) {
		if (pods[i].terminating)
			continue;
		if (pods[i].keep)
			pv_ctl_want_view(w->d, w->st, &views[i]);
		else if (pods[i].state == PV_JOB_POD_ACTIVE)
			pv_daemon_event(w->d, w->st->source, false, "SuccessfulDelete",
					"Deleted pod: %s", views[i].name);
	}
	for (int64_t i = 0; i < p.create; i++)
		create_pod(w, p.indexed ? idx[i] : -1);
	remember(w, &p, views);
	set_info(w, &p);
	for (size_t i = 0; i < p.npods; i++)
		free((void *)pods[i].exits);
	if (p.next && (!*next || p.next < *next))
		*next = p.next;
	*out = (struct pv_job_outcome){ .known = true, .finished = p.finished != 0,
					.failed = p.cond == PV_JOB_FAILED,
					.active = p.active + p.create };
}

struct pv_job_outcome pv_ctl_job_run(struct pv_daemon *d, const struct pv_object *o)
{
	const struct pv_job *job = (const struct pv_job *)o->obj;
	struct pv_ctl_jobs *J = jobs_get(d);
	struct pv_job_outcome out = { 0 };
	struct job w = { .d = d };
	struct json_object *whole = NULL;
	const char *text;
	char hash[11];

	w.st = J ? pv_ctl_status(d->controllers, "Job", o) : NULL;
	w.tmpl = pv_ctl_template(o, &whole);
	text = w.tmpl ? json_object_to_json_string_ext(w.tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	w.m = w.st ? mem_get(d, J, w.st->ns, w.st->name) : NULL;
	if (!w.m || !text) {
		d->wanted_incomplete = true;
		json_object_put(whole);
		return out;
	}
	w.m->seen = true;
	if (w.m->frozen) { /* its pods kept as they are; nothing new */
		struct pv_pod_view v;

		for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
			if (!v.stopping && pv_ctl_owns(w.st, &v))
				pv_ctl_want_view(d, w.st, &v);
		if (w.st->info)
			json_object_put(w.st->info);
		w.st->info = json_object_new_object();
		json_object_object_add(w.st->info, "status", json_object_new_string("Unknown"));
		json_object_object_add(w.st->info, "reason", json_object_new_string("JobStateNotRead"));
		json_object_put(whole);
		return out;
	}
	pv_rollout_template_hash(text, strlen(text), hash);
	if (strcmp(hash, w.m->tmpl_hash)) {
		if (w.m->tmpl_hash[0]) { /* its template changed: a new Job */
			char *ns = w.m->ns, *name = w.m->name;

			expect_clear(w.m);
			*w.m = (struct job_mem){ .ns = ns, .name = name, .seen = true };
			new_uid(w.m->uid);
		}
		memcpy(w.m->tmpl_hash, hash, sizeof(hash));
		mem_save(d, w.m);
	}
	run(&w, &job->spec, &out, &J->next);
	json_object_put(whole);
	return out;
}

static void job_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	(void)f;
	pv_ctl_job_run(data, o);
}

void pv_ctl_jobs_arm(struct pv_daemon *d)
{
	struct pv_ctl_jobs *J = d->controllers ? d->controllers->jobs : NULL;
	int64_t now = time(NULL);

	if (!J || !J->timer)
		return;
	if (!J->next)
		pv_timer_disarm(J->timer);
	else
		pv_timer_arm(J->timer, J->next > now ? (J->next - now) * 1000 + 50 : 0);
}

void pv_ctl_jobs_sync(struct pv_daemon *d)
{
	struct pv_ctl_jobs *J = jobs_get(d);

	if (!J) {
		d->wanted_incomplete = true;
		return;
	}
	/* The previous pass's Jobs (the CronJobs' too, run after this step)
	 * are all known by now. */
	mem_sweep(d, J);
	J->next = 0;
	pv_desired_each(&d->desired, PV_KIND_JOB, job_sync, d);
	pv_ctl_jobs_arm(d);
}

void pv_ctl_jobs_free(struct pv_controllers *c)
{
	struct pv_ctl_jobs *J = c->jobs;

	if (!J)
		return;
	for (size_t i = 0; i < J->n; i++) {
		expect_clear(&J->v[i]);
		free(J->v[i].ns);
		free(J->v[i].name);
	}
	free(J->v);
	if (J->timer)
		pv_timer_free(J->timer);
	free(J);
	c->jobs = NULL;
}
