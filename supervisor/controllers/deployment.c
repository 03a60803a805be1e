/* Deployments and ReplicaSets: the pods each wants, rendered as typed Pod
 * objects from its template and added to the wanted set. A Deployment's
 * pods are `NAME-HASH-xxxxx`, HASH the pod-template-hash of its template
 * and xxxxx stable per replica slot; a standalone ReplicaSet's are
 * `NAME-xxxxx`. Each pod carries the template's labels (plus
 * pod-template-hash), an ownerReference naming its ReplicaSet, and the
 * annotation podvisor.io/created-by naming the workload, by which the
 * pod views are matched back to it. Which pods of a rollout to want is
 * rollout.c's pure decision; what they share with the other controllers
 * is workload.c's. Owns: nothing between passes.
 * Calls: node, source, core, manifests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/controllers/rollout.h"
#include "supervisor/controllers/workload.h"
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
};

/* The Pod NAME of the template, as the ReplicaSet controller makes it. */
static void want_slot(struct workload *w, const char *name)
{
	struct json_object *pod = pv_ctl_pod_json(w->tmpl, w->st, name, "apps/v1", "ReplicaSet",
						  w->rs_name);
	struct json_object *labels =
		json_object_object_get(json_object_object_get(pod, "metadata"), "labels");

	if (w->st->hash[0])
		json_object_object_add(labels, HASH_LABEL, json_object_new_string(w->st->hash));
	pv_ctl_want_json(w->d, w->st, pod);
	json_object_put(pod);
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

		if (!pv_ctl_owns(w->st, &v))
			continue;
		if (v.stopping) {
			r->old_stopping |= !current;
			continue;
		}
		pv_ctl_count(w->st, &v);
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
			pv_ctl_wait(w->d);
	} else {
		r.want_new = w->replicas; /* a ReplicaSet replaces nothing: it scales */
	}
	for (int64_t i = 0; i < r.want_new; i++)
		want_slot(w, w->names[i]);
	for (size_t i = 0; i < r.n_old; i++)
		if (old[i].keep)
			pv_ctl_want_view(w->d, w->st, &oldv[i]);
}

static void deployment_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	const struct pv_deployment *dp = (const struct pv_deployment *)o->obj;
	struct workload w = { .d = d };
	struct json_object *j = NULL;
	struct pv_rollout_strategy s = strategy_of(dp);
	const char *text;

	(void)f;
	w.st = pv_ctl_status(d->controllers, "Deployment", o);
	w.tmpl = pv_ctl_template(o, &j);
	text = w.tmpl ? json_object_to_json_string_ext(w.tmpl, JSON_C_TO_STRING_PLAIN) : NULL;
	if (!w.st || !text) {
		d->wanted_incomplete = true;
		json_object_put(j);
		return;
	}
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
	struct workload w = { .d = d };
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
	snprintf(w.rs_name, sizeof(w.rs_name), "%s", w.st->name);
	if (slot_names(&w, w.st->name, w.st->source) < 0)
		d->wanted_incomplete = true;
	else
		run_workload(&w, NULL);
	free(w.names);
	json_object_put(j);
}

void pv_ctl_deployments_sync(struct pv_daemon *d)
{
	pv_desired_each(&d->desired, PV_KIND_DEPLOYMENT, deployment_sync, d);
}

void pv_ctl_replicasets_sync(struct pv_daemon *d)
{
	pv_desired_each(&d->desired, PV_KIND_REPLICASET, replicaset_sync, d);
}
