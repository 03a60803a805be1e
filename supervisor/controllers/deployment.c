/* Deployments and ReplicaSets: the pods each wants, rendered as typed Pod
 * objects from its template and added to the wanted set. A Deployment's
 * pods are `NAME-HASH-xxxxx`, HASH the pod-template-hash of its template
 * and xxxxx stable per replica slot; a standalone ReplicaSet's are
 * `NAME-xxxxx`. Each pod carries the template's labels (plus
 * pod-template-hash), an ownerReference naming its ReplicaSet, and the
 * annotation podvisor.io/created-by naming the workload, by which the
 * pod views are matched back to it. Which pods of a rollout to want is
 * rollout.c's pure decision; what they share with the other controllers
 * is workload.c's. A Deployment's revisions are history.c's (kept in the
 * state directory); while spec.paused, the newest revision's template
 * keeps running. A pod counts as available once ready for
 * minReadySeconds; a rollout that makes no progress for
 * progressDeadlineSeconds is marked ProgressDeadlineExceeded. Both wait
 * on one timer, armed at the earliest such moment (no polling).
 * Owns: each Deployment's record between passes (its history, when it
 * last progressed, its conditions), the timer.
 * Calls: node, source, core, manifests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/vec.h"
#include "supervisor/controllers/controllers.h"
#include "supervisor/controllers/history.h"
#include "supervisor/plans/rollout.h"
#include "supervisor/controllers/workload.h"
#include "supervisor/core/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/source/desired.h"

#define HASH_LABEL "pod-template-hash"

/* One workload in one pass. */
struct workload {
	struct pv_daemon *d;
	struct pv_workload_status *st;
	struct json_object *tmpl; /* spec.template, borrowed */
	char rs_name[320];        /* the pods' owner: NAME-HASH, or the ReplicaSet */
	int64_t replicas;
	char (*names)[340];       /* slot -> pod name */
	uint32_t *index;          /* pod name -> slot + 1 (open addressing, 0: empty) */
	unsigned char tkey[32];   /* template_key() */
	bool keyed;               /* TKEY made: slots' pods are kept by it */
	size_t index_cap;         /* a power of two, over twice the slots */
	int64_t now, wake;        /* monotonic ms; WAKE: the earliest minReadySeconds end */
	/* out of observe: the pods of older templates, per hash */
	struct old_rs { char hash[11]; int64_t pods, keep; } *olds;
	size_t nolds, olds_cap;
	int64_t want_new;
	bool complete;
};

/* What a slot's pod is made from, but its name, as one digest: the
 * template, the workload, the owner, the hash label. 0, or -1. */
static int template_key(struct workload *w)
{
	const char *t = json_object_to_json_string_ext(w->tmpl, JSON_C_TO_STRING_PLAIN);
	const char *parts[] = { t, w->st->source, w->st->ns, w->rs_name, w->st->hash };
	struct pv_sha256 md;

	if (!t)
		return -1;
	pv_sha256_init(&md);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		pv_sha256_update(&md, parts[i], strlen(parts[i]) + 1); /* with its NUL */
	pv_sha256_final(&md, w->tkey);
	return 0;
}

/* The Pod NAME of the template, as the ReplicaSet controller makes it:
 * rendered and loaded only when no pass did it before. */
static void want_slot(struct workload *w, const char *name)
{
	unsigned char in[32 + 340], key[32];
	size_t n = strnlen(name, 340);
	struct json_object *pod, *labels;
	bool keyed;

	memcpy(in, w->tkey, 32);
	memcpy(in + 32, name, n);
	keyed = w->keyed;
	if (keyed)
		pv_sha256(in, 32 + n, key);
	if (keyed && pv_ctl_want_kept(w->d, w->st, key))
		return;
	pod = pv_ctl_pod_json(w->tmpl, w->st, name, "apps/v1", "ReplicaSet", w->rs_name);
	labels = json_object_object_get(json_object_object_get(pod, "metadata"), "labels");
	if (w->st->hash[0])
		json_object_object_add(labels, HASH_LABEL, json_object_new_string(w->st->hash));
	if (keyed)
		pv_ctl_want_json_keyed(w->d, w->st, pod, key);
	else
		pv_ctl_want_json(w->d, w->st, pod);
	json_object_put(pod);
}

/* The slot named NAME in W's name index, or the empty index entry it
 * would take. */
static size_t name_slot(const struct workload *w, const char *name)
{
	size_t mask = w->index_cap - 1;
	uint64_t h = 1469598103934665603ull; /* 64-bit where size_t is 32 */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	for (h = (h ^ (h >> 29)) & mask; w->index[h] && strcmp(w->names[w->index[h] - 1], name) != 0;
	     h = (h + 1) & mask)
		;
	return h;
}

/* The slots' pod names: PREFIX-suffix, stepping past a collision; and
 * an index of them (a pass looks up every pod's slot). */
static int slot_names(struct workload *w, const char *prefix, const char *seed)
{
	size_t n = w->replicas > 0 ? (size_t)w->replicas : 0;

	w->index_cap = 64;
	while (w->index_cap < 2 * n + 2)
		w->index_cap *= 2;
	w->names = calloc(n ? n : 1, sizeof(*w->names));
	w->index = calloc(w->index_cap, sizeof(*w->index));
	if (!w->names || !w->index)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t at;

		for (unsigned salt = 0;; salt++) {
			char sfx[6];

			pv_rollout_slot_suffix(seed, (int64_t)i, salt, sfx);
			snprintf(w->names[i], sizeof(w->names[i]), "%s-%s", prefix, sfx);
			at = name_slot(w, w->names[i]);
			if (!w->index[at])
				break;
		}
		w->index[at] = (uint32_t)i + 1;
	}
	return 0;
}

static int64_t slot_of(const struct workload *w, const char *name)
{
	size_t at = name_slot(w, name);

	return w->index[at] ? (int64_t)w->index[at] - 1 : -1;
}

static struct pv_rollout_amount amount(const struct pv_intstr *v, int64_t dflt_pct)
{
	if (!v->set)
		return (struct pv_rollout_amount){ .is_pct = true, .v = dflt_pct };
	if (v->is_str)
		return (struct pv_rollout_amount){ .is_pct = true, .v = strtoll(v->s, NULL, 10) };
	return (struct pv_rollout_amount){ .v = v->i };
}

static struct pv_rollout_strategy strategy_of(const struct pv_deployment *dp)
{
	const struct pv_strategy *s = &dp->spec.strategy;

	return (struct pv_rollout_strategy){
		.type = s->type.v && !strcmp(s->type.v, "Recreate") ? PV_ROLLOUT_RECREATE
								     : PV_ROLLOUT_ROLLING,
		.max_surge = amount(&s->rolling_update.max_surge, 25),
		.max_unavailable = amount(&s->rolling_update.max_unavailable, 25),
	};
}

/* The workload's pods in the views: the current template's by slot,
 * the older templates' into R->old (their views into OLDV). */
static void observe(struct workload *w, struct pv_rollout *r, struct pv_pod_view *oldv,
		    bool *slot_up)
{
	struct pv_pod_view v;

	for (size_t it = 0; pv_pod_view_next(w->d, &it, &v);) {
		const char *hash = pv_ctl_map_get(&v.spec->h.metadata.labels, HASH_LABEL);
		bool current = !w->st->hash[0] || (hash && !strcmp(hash, w->st->hash));
		int64_t slot;
		bool avail;

		if (!pv_ctl_owns(w->st, &v))
			continue;
		if (v.stopping) {
			r->old_stopping |= !current;
			continue;
		}
		pv_ctl_count(w->st, &v);
		avail = pv_ctl_available(w->st, &v, w->now, &w->wake);
		slot = current ? slot_of(w, v.name) : -1;
		if (current && slot >= 0) {
			r->new_pods++;
			r->new_ready += avail;
			slot_up[slot] = true;
		} else if (!current) {
			oldv[r->n_old] = v;
			r->old[r->n_old++] = (struct pv_rollout_pod){ .ready = avail };
		}
	}
}

/* The pods of older templates, per pod-template-hash (for the events,
 * describe, and which revisions still have pods). */
static struct old_rs *old_rs_of(struct workload *w, const struct pv_pod_view *v)
{
	const char *hash = pv_ctl_map_get(&v->spec->h.metadata.labels, HASH_LABEL);

	if (!hash)
		hash = "";
	for (size_t i = 0; i < w->nolds; i++)
		if (!strcmp(w->olds[i].hash, hash))
			return &w->olds[i];
	if (pv_vec_reserve(w->olds, w->nolds, w->olds_cap, 1) < 0)
		return NULL;
	w->olds[w->nolds] = (struct old_rs){ .pods = 0 };
	snprintf(w->olds[w->nolds].hash, sizeof(w->olds[0].hash), "%s", hash);
	return &w->olds[w->nolds++];
}

/* Decide and want: the current template's slots, and the old pods kept. */
static void run_workload(struct workload *w, const struct pv_rollout_strategy *s)
{
	size_t bound = pv_pod_count(w->d) + 1;
	cleanup_free struct pv_rollout_pod *old = calloc(bound, sizeof(*old));
	cleanup_free struct pv_pod_view *oldv = calloc(bound, sizeof(*oldv));
	cleanup_free bool *slot_up = calloc((size_t)w->replicas + 1, sizeof(*slot_up));
	struct pv_rollout r = { .replicas = w->replicas, .old = old };

	if (!old || !oldv || !slot_up) {
		w->d->wanted_incomplete = true;
		return;
	}
	w->keyed = template_key(w) == 0;
	observe(w, &r, oldv, slot_up);
	if (s) {
		r.strategy = *s;
		w->complete = pv_rollout_decide(&r);
		if (!w->complete)
			pv_ctl_wait(w->d);
	} else {
		r.want_new = w->replicas; /* a ReplicaSet replaces nothing: it scales */
	}
	w->want_new = r.want_new;
	for (int64_t i = 0; i < r.want_new; i++)
		want_slot(w, w->names[i]);
	for (size_t i = 0; i < r.n_old; i++) {
		struct old_rs *o = s ? old_rs_of(w, &oldv[i]) : NULL;

		if (o) {
			o->pods++;
			o->keep += old[i].keep;
		}
		if (old[i].keep)
			pv_ctl_want_view(w->d, w->st, &oldv[i]);
	}
}

/* ---- each Deployment's record between passes ---- */

struct drec {
	char *ns, *name;
	struct pv_history h;
	bool seen;
	uint64_t sig;            /* the counts that measure progress */
	int64_t progress_ms;     /* monotonic: when it last progressed */
	bool exceeded;           /* ProgressDeadlineExceeded said */
	bool history_frozen;     /* its history file unreadable: never written over */
	int64_t want_new;        /* the new ReplicaSet's size last pass (-1: none yet) */
	char new_hash[11];
	struct old_rs *olds;     /* the old ReplicaSets' sizes last pass */
	size_t nolds, olds_cap;
};

struct pv_ctl_deployments {
	struct drec *v;
	size_t n, cap;
	struct pv_timer *timer;  /* minReadySeconds and progress deadlines */
	int64_t wake;            /* this pass's earliest (monotonic ms; 0: none) */
	bool files_swept;        /* history files of Deployments deleted while down: gone */
};

static void drec_free(struct drec *r)
{
	free(r->ns);
	free(r->name);
	pv_history_free(&r->h);
	free(r->olds);
}

static void timer_fired(void *data)
{
	pv_daemon_kick(data);
}

static struct pv_ctl_deployments *deployments_get(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;

	if (!c->deploy) {
		c->deploy = calloc(1, sizeof(*c->deploy));
		if (c->deploy && d->loop)
			c->deploy->timer = pv_timer_new(d->loop, timer_fired, d);
	}
	return c->deploy;
}

/* The record of NS/NAME, its history read from the state directory when
 * new. NULL when out of memory. */
static struct drec *drec_get(struct pv_daemon *d, const char *ns, const char *name)
{
	struct pv_ctl_deployments *dd = deployments_get(d);
	struct pv_err err = { 0 };
	struct drec *r;

	if (!dd)
		return NULL;
	for (size_t i = 0; i < dd->n; i++)
		if (!strcmp(dd->v[i].ns, ns) && !strcmp(dd->v[i].name, name))
			return &dd->v[i];
	if (pv_vec_reserve(dd->v, dd->n, dd->cap, 1) < 0)
		return NULL;
	r = &dd->v[dd->n];
	*r = (struct drec){ .ns = strdup(ns), .name = strdup(name), .want_new = -1,
			    .progress_ms = pv_now_ms() };
	if (!r->ns || !r->name) {
		drec_free(r);
		return NULL;
	}
	if (d->state && pv_history_load(&r->h, d->state, ns, name, &err) < 0) {
		/* Kept as it is (never overwritten) until someone repairs or
		 * removes it: rollout history and undo work from memory meanwhile. */
		char object[600];

		r->history_frozen = true;
		snprintf(object, sizeof(object), "deployment/%s/%s", ns, name);
		pv_daemon_event(d, object, true, "HistoryNotRead", "revision history not read (%s); "
				"the file is left as it is and not written until it is repaired "
				"or removed (a daemon restart reads it again)", err.msg);
	}
	dd->n++;
	return r;
}

static void drec_save(struct pv_daemon *d, struct drec *r)
{
	struct pv_err err = { 0 };

	if (r->history_frozen)
		return;
	if (d->state && pv_history_save(&r->h, d->state, r->ns, r->name, &err) < 0)
		pv_warn("deployment %s/%s: revision history not saved: %s", r->ns, r->name, err.msg);
}

static void wake_at(struct pv_ctl_deployments *dd, int64_t at)
{
	if (at > 0 && (!dd->wake || at < dd->wake))
		dd->wake = at;
}

/* "Scaled up replica set web-HASH to 4 from 3", as Kubernetes says it. */
static void scaled_event(struct pv_daemon *d, const struct workload *w, const char *hash,
			 int64_t from, int64_t to)
{
	if (from == to || from < 0)
		return;
	pv_daemon_event(d, w->st->source, false, "ScalingReplicaSet",
			"Scaled %s replica set %s-%s to %lld from %lld", to > from ? "up" : "down",
			w->st->name, hash, (long long)to, (long long)from);
}

/* The ReplicaSets' sizes changed since the last pass: say so. */
static void scaling_events(struct pv_daemon *d, struct drec *r, struct workload *w)
{
	bool adopted = r->want_new < 0 && w->st->current > 0; /* a restarted daemon's first look */

	if (adopted)
		r->nolds = 0;
	else if (!strcmp(r->new_hash, w->st->hash))
		scaled_event(d, w, w->st->hash, r->want_new, w->want_new);
	else if (w->want_new)
		scaled_event(d, w, w->st->hash, 0, w->want_new);
	if (!adopted && r->new_hash[0] && strcmp(r->new_hash, w->st->hash) != 0) {
		int64_t now = 0; /* the template replaced: its ReplicaSet is an old one now */

		for (size_t k = 0; k < w->nolds; k++)
			if (!strcmp(w->olds[k].hash, r->new_hash))
				now = w->olds[k].keep;
		scaled_event(d, w, r->new_hash, r->want_new, now);
	}
	for (size_t i = 0; i < r->nolds; i++) {
		int64_t now = 0;

		for (size_t k = 0; k < w->nolds; k++)
			if (!strcmp(w->olds[k].hash, r->olds[i].hash))
				now = w->olds[k].keep;
		if (strcmp(r->olds[i].hash, w->st->hash) != 0)
			scaled_event(d, w, r->olds[i].hash, r->olds[i].keep, now);
	}
	r->want_new = w->want_new;
	snprintf(r->new_hash, sizeof(r->new_hash), "%s", w->st->hash);
	free(r->olds);
	r->olds = w->olds;
	r->nolds = w->nolds;
	r->olds_cap = w->olds_cap;
	w->olds = NULL;
	w->nolds = w->olds_cap = 0;
}

static bool hash_alive(void *data, const char *hash)
{
	const struct workload *w = data;

	for (size_t i = 0; i < w->nolds; i++)
		if (!strcmp(w->olds[i].hash, hash) && w->olds[i].pods)
			return true;
	return false;
}

static void condition(struct json_object *a, const char *type, const char *status,
		      const char *reason, const char *msg)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "type", json_object_new_string(type));
	json_object_object_add(c, "status", json_object_new_string(status));
	json_object_object_add(c, "reason", json_object_new_string(reason));
	json_object_object_add(c, "message", json_object_new_string(msg));
	json_object_array_add(a, c);
}

/* Progress, the deadline, and the conditions Available and Progressing,
 * as Kubernetes' deployment controller sets them (progress.go). */
static struct json_object *conditions(struct pv_daemon *d, struct drec *r, struct workload *w,
				      const struct pv_deployment *dp)
{
	struct pv_workload_status *st = w->st;
	struct json_object *a = json_object_new_array();
	struct pv_rollout_strategy s = strategy_of(dp);
	int64_t surge, unavail, deadline_ms;
	uint64_t sig = 1469598103934665603ull;
	char msg[512];

	pv_rollout_resolve(&s, st->replicas, &surge, &unavail);
	if (s.type == PV_ROLLOUT_RECREATE)
		unavail = st->replicas;
	if (st->available >= st->replicas - unavail)
		condition(a, "Available", "True", "MinimumReplicasAvailable",
			  "Deployment has minimum availability.");
	else
		condition(a, "Available", "False", "MinimumReplicasUnavailable",
			  "Deployment does not have minimum availability.");
	for (const char *p = st->hash; *p; p++)
		sig = (sig ^ (unsigned char)*p) * 1099511628211ull;
	sig = (sig ^ (uint64_t)(st->updated * 1000003 + st->available * 1009 + st->current)) *
	      1099511628211ull;
	if (sig != r->sig) {
		r->sig = sig;
		r->progress_ms = w->now;
		r->exceeded = false;
	}
	deadline_ms = (dp->spec.progress_deadline_seconds.set ? dp->spec.progress_deadline_seconds.v
							      : 600) * 1000;
	if (dp->spec.paused.v) {
		condition(a, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
		r->progress_ms = w->now; /* the deadline starts again on resume */
	} else if (w->complete && st->available >= st->replicas) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", w->rs_name);
		condition(a, "Progressing", "True", "NewReplicaSetAvailable", msg);
	} else if (r->exceeded || w->now - r->progress_ms >= deadline_ms) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", w->rs_name);
		condition(a, "Progressing", "False", "ProgressDeadlineExceeded", msg);
		if (!r->exceeded)
			pv_daemon_event(d, st->source, true, "ProgressDeadlineExceeded", "%s", msg);
		r->exceeded = true;
	} else {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", w->rs_name);
		condition(a, "Progressing", "True", "ReplicaSetUpdated", msg);
		wake_at(d->controllers->deploy, r->progress_ms + deadline_ms);
	}
	return a;
}

static const char *amount_str(const struct pv_intstr *v, char *buf, size_t len)
{
	if (!v->set)
		return "25%";
	if (v->is_str)
		return v->s;
	snprintf(buf, len, "%lld", (long long)v->i);
	return buf;
}

/* The selector as kubectl prints it: app=web,tier in (a,b). */
static struct json_object *selector_str(const struct pv_label_selector *s)
{
	char buf[2048] = "";
	size_t n = 0;

	for (size_t i = 0; i < s->match_labels.n && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s=%s", n ? "," : "",
				      s->match_labels.items[i].key, s->match_labels.items[i].value);
	for (size_t i = 0; i < s->match_expressions.n && n < sizeof(buf); i++) {
		const struct pv_label_req *q = &s->match_expressions.items[i];

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s %s", n ? "," : "", q->key.v,
				      q->operator.v);
		for (size_t k = 0; k < q->values.n && n < sizeof(buf); k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", k ? "," : " (",
					      q->values.items[k].v);
		if (q->values.n && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ")");
	}
	return json_object_new_string(buf);
}

/* What describe and rollout read of the Deployment: the row's info. */
static void deployment_info(struct pv_daemon *d, struct drec *r, struct workload *w,
			    const struct pv_deployment *dp, const struct pv_dfile *f)
{
	const struct pv_rolling_update *ru = &dp->spec.strategy.rolling_update;
	struct json_object *info = json_object_new_object(), *olds = json_object_new_array();
	const struct pv_revision *cur = pv_history_by_hash(&r->h, w->st->hash);
	char a[32], b[32], line[400];

	json_object_object_add(info, "selector", selector_str(&dp->spec.selector));
	json_object_object_add(info, "strategyType",
			       json_object_new_string(dp->spec.strategy.type.v ?: "RollingUpdate"));
	if (!dp->spec.strategy.type.v || !strcmp(dp->spec.strategy.type.v, "RollingUpdate")) {
		snprintf(line, sizeof(line), "%s max unavailable, %s max surge",
			 amount_str(&ru->max_unavailable, a, sizeof(a)),
			 amount_str(&ru->max_surge, b, sizeof(b)));
		json_object_object_add(info, "rollingUpdateStrategy", json_object_new_string(line));
	}
	json_object_object_add(info, "minReadySeconds",
			       json_object_new_int64(dp->spec.min_ready_seconds.v));
	json_object_object_add(info, "revisionHistoryLimit",
			       json_object_new_int64(dp->spec.revision_history_limit.set ?
						     dp->spec.revision_history_limit.v : 10));
	json_object_object_add(info, "progressDeadlineSeconds",
			       json_object_new_int64(dp->spec.progress_deadline_seconds.set ?
						     dp->spec.progress_deadline_seconds.v : 600));
	json_object_object_add(info, "paused", json_object_new_boolean(dp->spec.paused.v));
	json_object_object_add(info, "revision", json_object_new_int64(cur ? cur->number : 0));
	json_object_object_add(info, "template", json_object_get(w->tmpl));
	json_object_object_add(info, "conditions", conditions(d, r, w, dp));
	json_object_object_add(info, "newReplicaSet", json_object_new_string(w->rs_name));
	for (size_t i = 0; i < w->nolds; i++) {
		struct json_object *o = json_object_new_object();

		snprintf(line, sizeof(line), "%s-%s", w->st->name, w->olds[i].hash);
		json_object_object_add(o, "name", json_object_new_string(line));
		json_object_object_add(o, "pods", json_object_new_int64(w->olds[i].pods));
		json_object_array_add(olds, o);
	}
	json_object_object_add(info, "oldReplicaSets", olds);
	if (f)
		json_object_object_add(info, "file", json_object_new_string(f->path));
	if (f) { /* which version of the file is in force (desired.h) */
		char src[1024];

		pv_dfile_source(f, src, sizeof(src));
		json_object_object_add(info, "fileSource", json_object_new_string(src));
	}
	if (w->st->info)
		json_object_put(w->st->info);
	w->st->info = info;
}

/* The template to run: the file's, recorded as the current revision; or,
 * while paused, the newest revision's. Sets W's template and hash. */
static bool choose_template(struct pv_daemon *d, struct drec *r, struct workload *w,
			    const struct pv_deployment *dp, const char *hash)
{
	const char *cause = pv_ctl_map_get(&dp->h.metadata.annotations, PV_CHANGE_CAUSE);
	struct pv_revision *cur = pv_history_by_number(&r->h, pv_history_max(&r->h));
	int64_t was;

	if (dp->spec.paused.v && cur && strcmp(cur->hash, hash) != 0) {
		w->tmpl = cur->tmpl;
		memcpy(w->st->hash, cur->hash, sizeof(w->st->hash));
		return true;
	}
	cur = pv_history_by_hash(&r->h, hash);
	was = cur ? cur->number : 0;
	cur = pv_history_record(&r->h, hash, w->tmpl, cause);
	if (!cur)
		return false;
	if (was && was != cur->number)
		pv_daemon_event(d, w->st->source, false, "DeploymentRollback",
				"Rolled back deployment \"%s\" to revision %lld (now revision %lld)",
				w->st->name, (long long)was, (long long)cur->number);
	memcpy(w->st->hash, hash, sizeof(w->st->hash));
	return true;
}

static void deployment_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	const struct pv_deployment *dp = (const struct pv_deployment *)o->obj;
	struct workload w = { .d = d, .now = pv_now_ms() };
	struct json_object *j = NULL;
	struct pv_rollout_strategy s = strategy_of(dp);
	const char *text;
	char hash[11];
	struct drec *r;

	w.st = pv_ctl_status(d->controllers, "Deployment", o);
	w.tmpl = pv_ctl_template(o, &j);
	text = w.tmpl ? json_object_to_json_string_ext(w.tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	r = w.st ? drec_get(d, w.st->ns, w.st->name) : NULL;
	if (!w.st || !text || !r) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	r->seen = true;
	w.replicas = w.st->replicas = dp->spec.replicas.set ? dp->spec.replicas.v : 1;
	w.st->min_ready_ms = dp->spec.min_ready_seconds.v * 1000;
	pv_rollout_template_hash(text, strlen(text), hash);
	if (!choose_template(d, r, &w, dp, hash)) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	snprintf(w.rs_name, sizeof(w.rs_name), "%s-%s", w.st->name, w.st->hash);
	if (slot_names(&w, w.rs_name, w.st->hash) < 0) {
		d->wanted_incomplete = true;
	} else {
		run_workload(&w, &s);
		wake_at(d->controllers->deploy, w.wake);
		pv_history_prune(&r->h, dp->spec.revision_history_limit.set ?
				 dp->spec.revision_history_limit.v : 10, hash_alive, &w);
		drec_save(d, r);
		deployment_info(d, r, &w, dp, f);
		scaling_events(d, r, &w);
	}
	free(w.olds);
	free(w.names);
	free(w.index);
	json_object_put(j);
}

static void replicaset_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	const struct pv_replicaset *rs = (const struct pv_replicaset *)o->obj;
	struct workload w = { .d = d, .now = pv_now_ms() };
	struct json_object *j = NULL;

	(void)f;
	w.st = pv_ctl_status(d->controllers, "ReplicaSet", o);
	w.tmpl = pv_ctl_template(o, &j);
	if (!w.st || !w.tmpl) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	w.replicas = w.st->replicas = rs->spec.replicas.set ? rs->spec.replicas.v : 1;
	w.st->min_ready_ms = rs->spec.min_ready_seconds.v * 1000;
	snprintf(w.rs_name, sizeof(w.rs_name), "%s", w.st->name);
	if (slot_names(&w, w.st->name, w.st->source) < 0)
		d->wanted_incomplete = true;
	else
		run_workload(&w, NULL);
	if (w.wake && deployments_get(d))
		wake_at(d->controllers->deploy, w.wake);
	free(w.olds);
	free(w.names);
	free(w.index);
	json_object_put(j);
}


static bool deployment_wanted(void *data, const char *ns, const char *name)
{
	const struct pv_daemon *d = data;

	return pv_desired_get(&d->desired, PV_KIND_DEPLOYMENT, ns, name, NULL) != NULL;
}

/* Forget the Deployments gone from the desired state (and, once the
 * desired state is whole, their history files: at the first such pass
 * also the files of those deleted while the daemon was down). */
static void deployments_sweep(struct pv_daemon *d, struct pv_ctl_deployments *dd)
{
	size_t k = 0;
	bool whole = pv_desired_complete(&d->desired);

	if (whole && d->state && !dd->files_swept) {
		size_t n = pv_history_gc(d->state, deployment_wanted, d);

		if (n)
			pv_info("deployments: %zu revision histor%s of Deployments deleted while "
				"the daemon was down removed", n, n == 1 ? "y" : "ies");
		dd->files_swept = true;
	}

	for (size_t i = 0; i < dd->n; i++) {
		if (dd->v[i].seen || !whole) {
			dd->v[k++] = dd->v[i];
			continue;
		}
		if (d->state)
			pv_history_forget(d->state, dd->v[i].ns, dd->v[i].name);
		drec_free(&dd->v[i]);
	}
	dd->n = k;
}

void pv_ctl_deployments_sync(struct pv_daemon *d)
{
	struct pv_ctl_deployments *dd = deployments_get(d);

	if (!dd) {
		d->wanted_incomplete = true;
		return;
	}
	dd->wake = 0;
	for (size_t i = 0; i < dd->n; i++)
		dd->v[i].seen = false;
	pv_desired_each(&d->desired, PV_KIND_DEPLOYMENT, deployment_sync, d);
	deployments_sweep(d, dd);
}

/* After the Deployments (controllers.c's order): the timer stands at the
 * earliest moment either kind waits for. */
void pv_ctl_replicasets_sync(struct pv_daemon *d)
{
	struct pv_ctl_deployments *dd;
	int64_t now = pv_now_ms();

	pv_desired_each(&d->desired, PV_KIND_REPLICASET, replicaset_sync, d);
	dd = d->controllers->deploy;
	if (dd && dd->timer && dd->wake)
		pv_timer_arm(dd->timer, dd->wake > now ? dd->wake - now : 0);
	else if (dd && dd->timer)
		pv_timer_disarm(dd->timer);
}

void pv_ctl_deployments_free(struct pv_controllers *c)
{
	struct pv_ctl_deployments *dd = c->deploy;

	if (!dd)
		return;
	for (size_t i = 0; i < dd->n; i++)
		drec_free(&dd->v[i]);
	free(dd->v);
	if (dd->timer)
		pv_timer_free(dd->timer);
	free(dd);
	c->deploy = NULL;
}

/* What `rollout status|history|undo` read: the Deployment's row, its
 * revisions, and the file it comes from as the daemon last read it. */
struct json_object *pv_controllers_rollout_json(struct pv_daemon *d, const char *ns,
						const char *name)
{
	const struct pv_dfile *f = NULL;
	const struct pv_object *o = pv_desired_get(&d->desired, PV_KIND_DEPLOYMENT, ns, name, &f);
	struct pv_ctl_deployments *dd = d->controllers ? d->controllers->deploy : NULL;
	const struct pv_workload_status *st;
	const struct pv_deployment *dp;
	struct json_object *out, *hist, *whole = NULL, *tmpl;
	struct drec *r = NULL;
	char hex[65], hash[11] = "";
	const char *text;
	size_t n;

	for (size_t i = 0; dd && i < dd->n; i++)
		if (!strcmp(dd->v[i].ns, ns) && !strcmp(dd->v[i].name, name))
			r = &dd->v[i];
	if (!o || !r)
		return NULL;
	dp = (const struct pv_deployment *)o->obj;
	/* the template in force now, against the one the last pass ran (as
	 * kubectl's observedGeneration): a file just read is not yet acted on */
	tmpl = pv_ctl_template(o, &whole);
	text = tmpl ? json_object_to_json_string_ext(tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	if (text)
		pv_rollout_template_hash(text, strlen(text), hash);
	json_object_put(whole);
	out = json_object_new_object();
	pv_controllers_observe(d);
	st = pv_controllers_status(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(st[i].kind, "Deployment") || strcmp(st[i].ns, ns) || strcmp(st[i].name, name))
			continue;
		json_object_object_add(out, "replicas", json_object_new_int64(st[i].replicas));
		json_object_object_add(out, "current", json_object_new_int64(st[i].current));
		json_object_object_add(out, "updated", json_object_new_int64(st[i].updated));
		json_object_object_add(out, "ready", json_object_new_int64(st[i].ready));
		json_object_object_add(out, "available", json_object_new_int64(st[i].available));
		json_object_object_add(out, "podTemplateHash", json_object_new_string(st[i].hash));
		json_object_object_add(out, "observed", json_object_new_boolean(
					       (dp->spec.paused.v || !strcmp(hash, st[i].hash)) &&
					       st[i].replicas == (dp->spec.replicas.set ? dp->spec.replicas.v : 1)));
		if (st[i].info)
			json_object_object_add(out, "conditions", json_object_get(json_object_object_get(
							st[i].info, "conditions")));
	}
	hist = pv_history_json(&r->h);
	json_object_object_add(out, "revisions",
			       json_object_get(json_object_object_get(hist, "revisions")));
	json_object_put(hist);
	json_object_object_add(out, "file", json_object_new_string(f->path));
	for (int i = 0; i < 32 && f->have_hash; i++)
		snprintf(hex + 2 * i, 3, "%02x", f->hash[i]);
	json_object_object_add(out, "fileSha256", json_object_new_string(f->have_hash ? hex : ""));
	json_object_object_add(out, "fileFailed", json_object_new_boolean(f->failed != NULL));
	json_object_object_add(out, "line", json_object_new_int64(o->loc.line));
	return out;
}
