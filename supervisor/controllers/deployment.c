/* Deployments and ReplicaSets: the pods each wants, rendered as typed Pod
 * objects from its template and added to the wanted set. A Deployment's
 * pods are `NAME-HASH-xxxxx`, HASH the pod-template-hash of its template
 * and xxxxx stable per replica slot; a standalone ReplicaSet's are
 * `NAME-xxxxx`. Each pod carries the template's labels (plus
 * pod-template-hash), an ownerReference naming its ReplicaSet, and the
 * annotation podvisor.io/created-by naming the workload, by which the
 * pod views are matched back to it. Which pods of a rollout to want is
 * rollout.c's pure decision. Owns: the rendered pods (until the next
 * pass), the workloads' status, the re-check timer. Calls: node, source, core, manifests. */
#include "supervisor/controllers/controllers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "supervisor/controllers/rollout.h"
#include "supervisor/core/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/node/pod.h"
#include "supervisor/source/desired.h"

#define CREATED_BY "podvisor.io/created-by"
#define HASH_LABEL "pod-template-hash"
#define RECHECK_MS 200       /* while a rollout waits on readiness */
#define RECHECK_MAX_MS 5000  /* backed off to, while nothing moves */

struct pv_controllers {
	struct pv_file **files; /* this pass's rendered pods */
	size_t nfiles, fcap;
	struct pv_workload_status *st;
	size_t nst, stcap;
	struct pv_timer *recheck;
	bool waiting; /* a rollout waits on pods becoming ready */
	int64_t recheck_ms;
	uint64_t last_sig; /* the counts the last pass saw */
};

/* One workload in one pass. */
struct workload {
	struct pv_daemon *d;
	struct pv_controllers *c;
	struct pv_workload_status *st;
	struct json_object *tmpl; /* spec.template, borrowed */
	char rs_name[320];        /* the pods' owner: NAME-HASH, or the ReplicaSet */
	int64_t replicas;
	char (*names)[340];       /* slot -> pod name */
};

static void recheck_fired(void *data)
{
	pv_daemon_kick(data);
}

static struct pv_controllers *controllers_get(struct pv_daemon *d)
{
	if (!d->controllers) {
		d->controllers = calloc(1, sizeof(*d->controllers));
		if (d->controllers && d->loop)
			d->controllers->recheck = pv_timer_new(d->loop, recheck_fired, d);
	}
	return d->controllers;
}

static void files_release(struct pv_controllers *c)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		pv_file_free(c->files[i]);
		free(c->files[i]);
	}
	c->nfiles = 0;
}

static void status_free(struct pv_workload_status *s)
{
	free(s->kind);
	free(s->ns);
	free(s->name);
	free(s->source);
}

static struct pv_workload_status *status_for(struct pv_controllers *c, const char *kind,
					     const char *ns, const char *name)
{
	struct pv_workload_status *s;
	char *source = NULL;

	for (size_t i = 0; i < c->nst; i++)
		if (!strcmp(c->st[i].kind, kind) && !strcmp(c->st[i].ns, ns) && !strcmp(c->st[i].name, name))
			return &c->st[i];
	if (c->nst == c->stcap) {
		size_t cap = c->stcap ? c->stcap * 2 : 8;
		struct pv_workload_status *v = reallocarray(c->st, cap, sizeof(*v));

		if (!v)
			return NULL;
		c->st = v;
		c->stcap = cap;
	}
	if (asprintf(&source, "%s/%s/%s", !strcmp(kind, "Deployment") ? "deployment" : "replicaset",
		     ns, name) < 0)
		return NULL;
	s = &c->st[c->nst];
	*s = (struct pv_workload_status){ .kind = strdup(kind), .ns = strdup(ns), .name = strdup(name),
					  .source = source, .created = time(NULL) };
	if (!s->kind || !s->ns || !s->name) {
		status_free(s);
		return NULL;
	}
	return &c->st[c->nst++];
}

static const char *map_get(const pv_strmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].key, key))
			return m->items[i].value;
	return NULL;
}

/* Load the Pod J into a file of our own and want it. */
static void want_json(struct workload *w, struct json_object *j)
{
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	struct pv_file *f = calloc(1, sizeof(*f));

	if (!f || !s || pv_file_load_buf(f, "pod.json", s, strlen(s)) < 0 || f->nobjects != 1)
		goto fail;
	if (w->c->nfiles == w->c->fcap) {
		size_t cap = w->c->fcap ? w->c->fcap * 2 : 32;
		struct pv_file **v = reallocarray(w->c->files, cap, sizeof(*v));

		if (!v)
			goto fail;
		w->c->files = v;
		w->c->fcap = cap;
	}
	w->c->files[w->c->nfiles++] = f;
	if (pv_wanted_add(&w->d->wanted, &f->objects[0], w->st->source) < 0)
		w->d->wanted_incomplete = true;
	return;
fail:
	pv_daemon_event(w->d, w->st->source, true, "FailedCreate", "cannot render a pod: %s",
			f && f->diags.n ? f->diags.v[0].msg : "out of memory");
	w->d->wanted_incomplete = true;
	if (f)
		pv_file_free(f);
	free(f);
}

static struct json_object *copy_or_new(struct json_object *src)
{
	struct json_object *dst = NULL;

	if (!src || json_object_deep_copy(src, &dst, NULL) < 0)
		return json_object_new_object();
	return dst;
}

/* The Pod NAME of the template, as the ReplicaSet controller makes it. */
static void want_slot(struct workload *w, const char *name)
{
	struct json_object *tm = json_object_object_get(w->tmpl, "metadata");
	struct json_object *pod = json_object_new_object(), *meta = json_object_new_object();
	struct json_object *labels = copy_or_new(json_object_object_get(tm, "labels"));
	struct json_object *ann = copy_or_new(json_object_object_get(tm, "annotations"));
	struct json_object *refs = json_object_new_array(), *ref = json_object_new_object();

	if (w->st->hash[0])
		json_object_object_add(labels, HASH_LABEL, json_object_new_string(w->st->hash));
	json_object_object_add(ann, CREATED_BY, json_object_new_string(w->st->source));
	json_object_object_add(ref, "apiVersion", json_object_new_string("apps/v1"));
	json_object_object_add(ref, "kind", json_object_new_string("ReplicaSet"));
	json_object_object_add(ref, "name", json_object_new_string(w->rs_name));
	json_object_object_add(ref, "controller", json_object_new_boolean(1));
	json_object_object_add(ref, "blockOwnerDeletion", json_object_new_boolean(1));
	json_object_array_add(refs, ref);
	json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "namespace", json_object_new_string(w->st->ns));
	json_object_object_add(meta, "labels", labels);
	json_object_object_add(meta, "annotations", ann);
	json_object_object_add(meta, "ownerReferences", refs);
	json_object_object_add(pod, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(pod, "kind", json_object_new_string("Pod"));
	json_object_object_add(pod, "metadata", meta);
	json_object_object_add(pod, "spec", json_object_get(json_object_object_get(w->tmpl, "spec")));
	want_json(w, pod);
	json_object_put(pod);
}

/* An old template's pod, still wanted during a rollout: its own spec. */
static void want_running(struct workload *w, const struct pv_pod_view *v)
{
	struct pv_object o = { .kind = pv_kind_get(PV_KIND_POD), .obj = (struct pv_objhead *)v->spec };
	struct json_object *j = pv_encode_object(&o);

	if (!j) {
		w->d->wanted_incomplete = true;
		return;
	}
	want_json(w, j);
	json_object_put(j);
}

/* The slots' pod names: PREFIX-suffix, stepping past a collision. */
static int slot_names(struct workload *w, const char *prefix, const char *seed)
{
	w->names = calloc(w->replicas ? (size_t)w->replicas : 1, sizeof(*w->names));
	if (!w->names)
		return -1;
	for (int64_t i = 0; i < w->replicas; i++) {
		for (unsigned salt = 0;; salt++) {
			char sfx[6];
			bool dup = false;

			pv_rollout_slot_suffix(seed, i, salt, sfx);
			snprintf(w->names[i], sizeof(w->names[i]), "%s-%s", prefix, sfx);
			for (int64_t k = 0; k < i && !dup; k++)
				dup = !strcmp(w->names[k], w->names[i]);
			if (!dup)
				break;
		}
	}
	return 0;
}

static int64_t slot_of(const struct workload *w, const char *name)
{
	for (int64_t i = 0; i < w->replicas; i++)
		if (!strcmp(w->names[i], name))
			return i;
	return -1;
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

static void status_count(struct pv_workload_status *s, const struct pv_pod_view *v)
{
	const char *hash = map_get(&v->spec->h.metadata.labels, HASH_LABEL);

	s->current++;
	s->ready += v->ready;
	s->available += v->ready;
	if (!s->hash[0] || (hash && !strcmp(hash, s->hash))) {
		s->updated++;
		s->updated_ready += v->ready;
	}
}

/* The workload's pods in the views: the current template's by slot,
 * the older templates' into R->old (their views into OLDV). */
static void observe(struct workload *w, struct pv_rollout *r, struct pv_pod_view *oldv,
		    bool *slot_up)
{
	struct pv_pod_view v;

	for (size_t it = 0; pv_pod_view_next(w->d, &it, &v);) {
		const pv_strmap *ann = &v.spec->h.metadata.annotations;
		const char *by = map_get(ann, CREATED_BY);
		const char *hash = map_get(&v.spec->h.metadata.labels, HASH_LABEL);
		bool current = !w->st->hash[0] || (hash && !strcmp(hash, w->st->hash));
		int64_t slot;

		if (!by || strcmp(by, w->st->source) != 0 || strcmp(v.ns, w->st->ns) != 0)
			continue;
		if (v.stopping) {
			r->old_stopping |= !current;
			continue;
		}
		status_count(w->st, &v);
		slot = current ? slot_of(w, v.name) : -1;
		if (current && slot >= 0) {
			r->new_pods++;
			r->new_ready += v.ready;
			slot_up[slot] = true;
		} else if (!current) {
			oldv[r->n_old] = v;
			r->old[r->n_old++] = (struct pv_rollout_pod){ .ready = v.ready };
		}
	}
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
	observe(w, &r, oldv, slot_up);
	if (s) {
		r.strategy = *s;
		if (!pv_rollout_decide(&r))
			w->c->waiting = true;
	} else {
		r.want_new = w->replicas; /* a ReplicaSet replaces nothing: it scales */
	}
	for (int64_t i = 0; i < r.want_new; i++)
		want_slot(w, w->names[i]);
	for (size_t i = 0; i < r.n_old; i++)
		if (old[i].keep)
			want_running(w, &oldv[i]);
}

static const char *ns_of(const struct pv_object *o)
{
	const char *ns = o->obj->metadata.namespace.v;

	return ns ? ns : "default";
}

static void deployment_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	const struct pv_deployment *dp = (const struct pv_deployment *)o->obj;
	struct workload w = { .d = d, .c = d->controllers };
	struct json_object *j = pv_encode_object(o);
	struct pv_rollout_strategy s = strategy_of(dp);
	const char *text;

	(void)f;
	w.st = status_for(w.c, "Deployment", ns_of(o), dp->h.metadata.name.v);
	w.tmpl = json_object_object_get(json_object_object_get(j, "spec"), "template");
	text = w.tmpl ? json_object_to_json_string_ext(w.tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	if (!w.st || !text) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	w.st->seen = true;
	w.st->current = w.st->ready = w.st->updated = w.st->updated_ready = w.st->available = 0;
	w.replicas = w.st->replicas = dp->spec.replicas.set ? dp->spec.replicas.v : 1;
	pv_rollout_template_hash(text, strlen(text), w.st->hash);
	snprintf(w.rs_name, sizeof(w.rs_name), "%s-%s", w.st->name, w.st->hash);
	if (slot_names(&w, w.rs_name, w.st->hash) < 0)
		d->wanted_incomplete = true;
	else
		run_workload(&w, &s);
	free(w.names);
	json_object_put(j);
}

static void replicaset_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	const struct pv_replicaset *rs = (const struct pv_replicaset *)o->obj;
	struct workload w = { .d = d, .c = d->controllers };
	struct json_object *j = pv_encode_object(o);

	(void)f;
	w.st = status_for(w.c, "ReplicaSet", ns_of(o), rs->h.metadata.name.v);
	w.tmpl = json_object_object_get(json_object_object_get(j, "spec"), "template");
	if (!w.st || !w.tmpl) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	w.st->seen = true;
	w.st->current = w.st->ready = w.st->updated = w.st->updated_ready = w.st->available = 0;
	w.replicas = w.st->replicas = rs->spec.replicas.set ? rs->spec.replicas.v : 1;
	snprintf(w.rs_name, sizeof(w.rs_name), "%s", w.st->name);
	if (slot_names(&w, w.st->name, w.st->source) < 0)
		d->wanted_incomplete = true;
	else
		run_workload(&w, NULL);
	free(w.names);
	json_object_put(j);
}

/* Forget the workloads no longer in the desired state. */
static void status_sweep(struct pv_controllers *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nst; i++) {
		if (c->st[i].seen)
			c->st[k++] = c->st[i];
		else
			status_free(&c->st[i]);
	}
	c->nst = k;
}

/* A pod becoming ready kicks no pass: while a rollout waits on one, look
 * again shortly, backing off while nothing moves (a pod that never gets
 * ready must not keep the node busy). */
static void recheck(struct pv_controllers *c)
{
	uint64_t sig = 1469598103934665603ull;

	for (size_t i = 0; i < c->nst; i++) {
		const struct pv_workload_status *s = &c->st[i];

		sig = (sig ^ (uint64_t)(s->current * 1000003 + s->ready * 1009 + s->updated_ready)) *
		      1099511628211ull;
	}
	if (sig != c->last_sig || !c->recheck_ms)
		c->recheck_ms = RECHECK_MS;
	else if (c->recheck_ms < RECHECK_MAX_MS)
		c->recheck_ms = c->recheck_ms * 2 > RECHECK_MAX_MS ? RECHECK_MAX_MS : c->recheck_ms * 2;
	c->last_sig = sig;
	if (c->recheck && c->waiting && !pv_timer_armed(c->recheck))
		pv_timer_arm(c->recheck, c->recheck_ms);
}

void pv_controllers_sync(struct pv_daemon *d)
{
	struct pv_controllers *c = controllers_get(d);

	if (!c) {
		d->wanted_incomplete = true;
		return;
	}
	files_release(c);
	c->waiting = false;
	for (size_t i = 0; i < c->nst; i++)
		c->st[i].seen = false;
	pv_desired_each(&d->desired, PV_KIND_DEPLOYMENT, deployment_sync, d);
	pv_desired_each(&d->desired, PV_KIND_REPLICASET, replicaset_sync, d);
	status_sweep(c);
	recheck(c);
}

void pv_controllers_observe(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;
	struct pv_pod_view v;

	for (size_t i = 0; c && i < c->nst; i++) {
		struct pv_workload_status *s = &c->st[i];

		s->current = s->ready = s->available = s->updated = s->updated_ready = 0;
		for (size_t it = 0; pv_pod_view_next(d, &it, &v);) {
			const char *by = map_get(&v.spec->h.metadata.annotations, CREATED_BY);

			if (by && !v.stopping && !strcmp(by, s->source) && !strcmp(v.ns, s->ns))
				status_count(s, &v);
		}
	}
}

const struct pv_workload_status *pv_controllers_status(const struct pv_daemon *d, size_t *n)
{
	*n = d->controllers ? d->controllers->nst : 0;
	return d->controllers ? d->controllers->st : NULL;
}

void pv_controllers_free(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;

	if (!c)
		return;
	files_release(c);
	free(c->files);
	for (size_t i = 0; i < c->nst; i++)
		status_free(&c->st[i]);
	free(c->st);
	if (c->recheck)
		pv_timer_free(c->recheck);
	free(c);
	d->controllers = NULL;
}
