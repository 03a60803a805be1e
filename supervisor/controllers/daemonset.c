/* DaemonSets: one pod on this node when the template fits it (its
 * nodeSelector and required node affinity against the node's labels),
 * none otherwise (desired 0, and an event saying which label does not
 * match). The pod is `NAME-xxxxx`, xxxxx stable per template hash, so a
 * restarted daemon wants the same pod and adopts it; it carries the
 * template's labels plus controller-revision-hash (the template hash) and
 * pod-template-generation (counted up at each template change), an
 * ownerReference naming the DaemonSet, and the created-by annotation.
 * Which pods to want during an update is daemonset_plan.c's pure
 * decision (RollingUpdate with maxSurge / maxUnavailable, OnDelete).
 * Owns: per DaemonSet, its template hash and generation between passes.
 * Calls: node, source, core, manifests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/plans/daemonset_plan.h"
#include "supervisor/plans/rollout.h"
#include "supervisor/controllers/workload.h"
#include "supervisor/node/nodeaffinity.h"
#include "supervisor/source/desired.h"

#define REV_LABEL "controller-revision-hash"
#define GEN_LABEL "pod-template-generation"

/* What a DaemonSet's controller remembers between passes. */
struct ds_mem {
	char *source;      /* "daemonset/NS/NAME" */
	char hash[11];     /* the template hash of the last pass */
	int64_t generation;
	bool told_mismatch; /* the node-mismatch event was given for this template */
	bool seen;
};

struct pv_ctl_daemonsets {
	struct ds_mem *v;
	size_t n, cap;
};

/* One DaemonSet in one pass. */
struct daemonset {
	struct pv_daemon *d;
	const struct pv_daemonset *ds;
	struct pv_workload_status *st;
	struct ds_mem *mem;
	struct json_object *tmpl; /* spec.template, borrowed */
	char pod_name[340];
};

static struct ds_mem *mem_get(struct pv_daemon *d, const char *source, bool *fresh)
{
	struct pv_ctl_daemonsets *m = d->controllers->ds;
	char *s;

	if (!m && !(m = d->controllers->ds = calloc(1, sizeof(*m))))
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->v[i].source, source)) {
			m->v[i].seen = true;
			*fresh = false;
			return &m->v[i];
		}
	}
	if (!(s = strdup(source)))
		return NULL;
	if (pv_vec_push(m->v, m->n, m->cap, (struct ds_mem){ .source = s, .seen = true }) < 0) {
		free(s);
		return NULL;
	}
	*fresh = true;
	return &m->v[m->n - 1];
}

/* Why this node does not fit the template, into WHY; true when it fits. */
static bool node_fits(const struct pv_daemon *d, const struct pv_pod_spec *sp, char *why,
		      size_t len)
{
	const struct pv_node_selector *req = &sp->affinity.node_affinity.required;

	for (size_t i = 0; i < sp->node_selector.n; i++) {
		const char *key = sp->node_selector.items[i].key;
		const char *want = sp->node_selector.items[i].value, *have = pv_node_label(d, key);

		if (have && !strcmp(have, want))
			continue;
		if (have)
			snprintf(why, len, "nodeSelector %s=%s: this node's label %s is %s", key, want,
				 key, have);
		else
			snprintf(why, len, "nodeSelector %s=%s: this node has no label %s", key, want, key);
		return false;
	}
	if (req->hdr.set && !pv_node_selector_matches(d, req)) {
		snprintf(why, len, "the required node affinity matches none of this node's labels");
		return false;
	}
	return true;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pv_kv *)a)->key, ((const struct pv_kv *)b)->key);
}

/* The NODE SELECTOR column: "k=v,k2=v2", keys sorted as kubectl does. */
static void selector_info(struct daemonset *w)
{
	const pv_strmap *m = &w->ds->spec.template.spec.node_selector;
	cleanup_free struct pv_kv *kv = m->n ? calloc(m->n, sizeof(*kv)) : NULL;
	char buf[2048] = "";
	size_t off = 0;

	if (m->n && !kv)
		return;
	if (m->n)
		memcpy(kv, m->items, m->n * sizeof(*kv));
	if (m->n)
		qsort(kv, m->n, sizeof(*kv), kv_cmp);
	for (size_t i = 0; i < m->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%s", i ? "," : "",
					kv[i].key, kv[i].value);
	if (!w->st->info)
		w->st->info = json_object_new_object();
	json_object_object_add(w->st->info, "nodeSelector", json_object_new_string(buf));
}

static int64_t label_int(const struct pv_pod_view *v, const char *key)
{
	const char *s = pv_ctl_map_get(&v->spec->h.metadata.labels, key);

	return s ? strtoll(s, NULL, 10) : 0;
}

/* The template generation: on first sight, the running pods' (so a
 * restarted daemon goes on counting); then one more per template change. */
static void generation(struct daemonset *w, bool fresh)
{
	struct pv_pod_view v;
	int64_t cur = 0, max = 0;

	if (!fresh) {
		if (strcmp(w->mem->hash, w->st->hash) != 0)
			w->mem->generation++;
		memcpy(w->mem->hash, w->st->hash, sizeof(w->mem->hash));
		return;
	}
	for (size_t it = 0; pv_pod_view_next(w->d, &it, &v);) {
		const char *rev = pv_ctl_map_get(&v.spec->h.metadata.labels, REV_LABEL);

		if (!pv_ctl_owns(w->st, &v))
			continue;
		if (rev && !strcmp(rev, w->st->hash))
			cur = label_int(&v, GEN_LABEL);
		if (label_int(&v, GEN_LABEL) > max)
			max = label_int(&v, GEN_LABEL);
	}
	w->mem->generation = cur > 0 ? cur : max + 1;
	memcpy(w->mem->hash, w->st->hash, sizeof(w->mem->hash));
}

/* The current template's pod, rendered and wanted. */
static void want_pod(struct daemonset *w, bool exists)
{
	struct json_object *pod = pv_ctl_pod_json(w->tmpl, w->st, w->pod_name, "apps/v1",
						  "DaemonSet", w->st->name);
	struct json_object *labels =
		json_object_object_get(json_object_object_get(pod, "metadata"), "labels");
	char gen[24];

	snprintf(gen, sizeof(gen), "%lld", (long long)w->mem->generation);
	json_object_object_add(labels, REV_LABEL, json_object_new_string(w->st->hash));
	json_object_object_add(labels, GEN_LABEL, json_object_new_string(gen));
	pv_ctl_want_json(w->d, w->st, pod);
	json_object_put(pod);
	if (!exists)
		pv_daemon_event(w->d, w->st->source, false, "SuccessfulCreate", "Created pod: %s",
				w->pod_name);
}

static struct pv_ds_amount amount(const struct pv_intstr *v, int64_t dflt)
{
	if (!v->set)
		return (struct pv_ds_amount){ .v = dflt };
	if (v->is_str)
		return (struct pv_ds_amount){ .is_pct = true, .v = strtoll(v->s, NULL, 10) };
	return (struct pv_ds_amount){ .v = v->i };
}

static void strategy(const struct daemonset *w, struct pv_ds_plan *p)
{
	const struct pv_strategy *s = &w->ds->spec.update_strategy;

	p->update = s->type.v && !strcmp(s->type.v, "OnDelete") ? PV_DS_ON_DELETE : PV_DS_ROLLING;
	pv_ds_resolve(amount(&s->rolling_update.max_surge, 0),
		      amount(&s->rolling_update.max_unavailable, 1), p->fits ? 1 : 0, &p->max_surge,
		      &p->max_unavailable);
}

/* The DaemonSet's pods here into P (their views into VIEWS); counted into
 * the status. True when a pod named as the current one exists. */
static bool observe(struct daemonset *w, struct pv_ds_plan *p, struct pv_pod_view *views)
{
	struct pv_pod_view v;
	bool named = false;

	for (size_t it = 0; pv_pod_view_next(w->d, &it, &v);) {
		const char *rev = pv_ctl_map_get(&v.spec->h.metadata.labels, REV_LABEL);
		bool current = rev && !strcmp(rev, w->st->hash) && !strcmp(v.name, w->pod_name);

		if (!pv_ctl_owns(w->st, &v))
			continue;
		named |= !strcmp(v.name, w->pod_name);
		if (!v.stopping)
			pv_ctl_count(w->st, &v);
		views[p->n] = v;
		p->pods[p->n++] = (struct pv_ds_pod){ .current = current, .ready = v.ready,
						      .stopping = v.stopping };
	}
	return named;
}

static void run(struct daemonset *w, bool fits)
{
	size_t bound = pv_pod_count(w->d) + 1;
	cleanup_free struct pv_ds_pod *pods = calloc(bound, sizeof(*pods));
	cleanup_free struct pv_pod_view *views = calloc(bound, sizeof(*views));
	struct pv_ds_plan p = { .fits = fits, .pods = pods };
	bool named;

	if (!pods || !views) {
		w->d->wanted_incomplete = true;
		return;
	}
	strategy(w, &p);
	named = observe(w, &p, views);
	if (!pv_ds_decide(&p))
		pv_ctl_wait(w->d);
	if (p.want_new)
		want_pod(w, named);
	for (size_t i = 0; i < p.n; i++) {
		if (pods[i].keep) {
			pv_ctl_want_view(w->d, w->st, &views[i]);
		} else if (!pods[i].stopping && !(pods[i].current && p.want_new)) {
			pv_daemon_event(w->d, w->st->source, false, "SuccessfulDelete",
					"Deleted pod: %s", views[i].name);
		}
	}
}

static void daemonset_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	struct daemonset w = { .d = d, .ds = (const struct pv_daemonset *)o->obj };
	struct json_object *j = NULL;
	const char *text;
	char why[600] = "", sfx[6];
	bool fresh = false, fits;

	(void)f;
	w.st = pv_ctl_status(d->controllers, "DaemonSet", o);
	w.tmpl = pv_ctl_template(o, &j);
	text = w.tmpl ? json_object_to_json_string_ext(w.tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	if (!w.st || !text || !(w.mem = mem_get(d, w.st->source, &fresh))) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
	pv_rollout_template_hash(text, strlen(text), w.st->hash);
	pv_rollout_slot_suffix(w.st->hash, 0, 0, sfx);
	snprintf(w.pod_name, sizeof(w.pod_name), "%s-%s", w.st->name, sfx);
	if (!fresh && strcmp(w.mem->hash, w.st->hash) != 0)
		w.mem->told_mismatch = false;
	generation(&w, fresh);
	fits = node_fits(d, &w.ds->spec.template.spec, why, sizeof(why));
	w.st->replicas = fits ? 1 : 0;
	selector_info(&w);
	if (!fits && !w.mem->told_mismatch)
		pv_daemon_event(d, w.st->source, false, "NodeMismatch",
				"no pod on this node (%s): %s", d->node_name ? d->node_name : "",
				why);
	w.mem->told_mismatch = !fits;
	run(&w, fits);
	json_object_put(j);
}

/* Forget the DaemonSets no longer in the desired state. */
static void mem_sweep(struct pv_ctl_daemonsets *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].seen) {
			m->v[i].seen = false;
			m->v[k++] = m->v[i];
		} else {
			free(m->v[i].source);
		}
	}
	m->n = k;
}

void pv_ctl_daemonsets_sync(struct pv_daemon *d)
{
	pv_desired_each(&d->desired, PV_KIND_DAEMONSET, daemonset_sync, d);
	if (d->controllers->ds)
		mem_sweep(d->controllers->ds);
}

void pv_ctl_daemonsets_free(struct pv_controllers *c)
{
	struct pv_ctl_daemonsets *m = c->ds;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].source);
	free(m->v);
	free(m);
	c->ds = NULL;
}
