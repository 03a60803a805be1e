/* StatefulSets: pods NAME-0 .. NAME-(replicas-1) (from spec.ordinals.start
 * when given), each rendered from the template with the labels
 * statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
 * controller-revision-hash (NAME-HASH, HASH the template's hash),
 * spec.hostname = the pod's name and spec.subdomain = spec.serviceName
 * (so cluster DNS answers NAME-0.SERVICE.NS.svc.DOMAIN), and a volume per
 * volumeClaimTemplate naming its claim TEMPLATE-NAME-ORDINAL.
 *
 * Which pod each ordinal gets is plans/statefulset_plan.c's pure decision
 * (OrderedReady / Parallel, RollingUpdate with partition and
 * maxUnavailable / OnDelete). The
 * claims are made before their pod, carry the template's labels and the
 * selector's matchLabels, and are handed to storage through the wanted
 * claims (node/wanted_claims.h) at every pass, from what this module
 * persisted (below: STATE/statefulsets.json): they outlive their pods, a scale down
 * and a daemon restart. persistentVolumeClaimRetentionPolicy: whenScaled
 * Delete drops the claims of an ordinal scaled away once its pod is gone;
 * whenDeleted Delete drops a deleted StatefulSet's claims once its pods
 * are gone; Retain (the default of both) keeps them. A retained claim of a
 * deleted StatefulSet stays listed and Bound (with its data), marked
 * "retained" in `get pvc -o json` and `describe pvc`, with an event that
 * says how to remove it: a StatefulSet of the same name takes it back; a
 * PersistentVolumeClaim manifest of the same name takes it over, and
 * removing that file then deletes it as any claim.
 *
 * Events on statefulset/NS/NAME, as Kubernetes words them: "create Pod
 * web-0 in StatefulSet web successful", "delete Pod ...", "create Claim
 * www-web-0 Pod web-0 in StatefulSet web success".
 * Owns: its memory between passes (struct pv_ctl_statefulsets), the
 * persisted state, the wanted claims' list memory.
 * Calls: node, source, core, manifests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/plans/rollout.h"
#include "supervisor/plans/statefulset_plan.h"
#include "supervisor/controllers/workload.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/source/desired.h"

#define POD_NAME_LABEL "statefulset.kubernetes.io/pod-name"
#define POD_INDEX_LABEL "apps.kubernetes.io/pod-index"

/* ---- what survives a restart ----
 *
 * What the StatefulSet controller remembers across daemon restarts, in
 * STATE/statefulsets.json (written atomically):
 *   "claims": {"NS/NAME": {"source": "statefulset/NS/SET", "template":
 *     "www", "ordinal": 0, "created": SECONDS, "deleteWithSet": false,
 *     "claim": {the PersistentVolumeClaim as made}}}: every claim it made
 *     and has not deleted, so that a restarted daemon still wants them
 *     (storage binds them to the same volumes), whether or not their
 *     StatefulSet is still there (persistentVolumeClaimRetentionPolicy);
 *   "sets": {"statefulset/NS/SET": {"currentRevision": HASH,
 *     "currentTemplate": {the pod template of that revision}}}: the
 *     revision the pods below a RollingUpdate's partition keep.
 */
struct pv_sts_state {
	char *path;
	struct json_object *claims, *sets; /* objects keyed as above */
	bool dirty;  /* changed since saved */
	bool frozen; /* the file could not be read: never overwritten */
	char *why;   /* why, when frozen */
};

static struct json_object *object_at(struct json_object *root, const char *key)
{
	struct json_object *o = NULL;

	if (root && json_object_object_get_ex(root, key, &o) && json_object_is_type(o, json_type_object))
		return json_object_get(o);
	return json_object_new_object();
}

static int sts_state_load(struct pv_sts_state *s, const char *state_dir, struct pv_err *err)
{
	struct json_object *root = NULL;
	int rc = 0;

	*s = (struct pv_sts_state){ 0 };
	if (asprintf(&s->path, "%s/statefulsets.json", state_dir) < 0) {
		s->path = NULL;
		s->frozen = true;
		rc = pv_err_set(err, ENOMEM, "out of memory");
	} else if (access(s->path, F_OK) == 0 && !(root = pv_read_json(s->path, err))) {
		s->frozen = true;
		rc = pv_err_wrap(err, "%s", s->path);
	} else if (root && !json_object_is_type(root, json_type_object)) {
		s->frozen = true;
		rc = pv_err_set(err, EINVAL, "%s: not a JSON object", s->path);
	}
	if (rc)
		s->why = strdup(err->msg);
	s->claims = object_at(rc ? NULL : root, "claims");
	s->sets = object_at(rc ? NULL : root, "sets");
	json_object_put(root);
	return rc;
}

static int sts_state_save(struct pv_sts_state *s, struct pv_err *err)
{
	struct json_object *root;
	int rc;

	if (!s->dirty || s->frozen || !s->path)
		return 0;
	root = json_object_new_object();
	json_object_object_add(root, "claims", json_object_get(s->claims));
	json_object_object_add(root, "sets", json_object_get(s->sets));
	rc = pv_write_json_atomic(s->path, root, err);
	json_object_put(root);
	if (rc == 0)
		s->dirty = false;
	return rc;
}

static void sts_state_free(struct pv_sts_state *s)
{
	json_object_put(s->claims);
	json_object_put(s->sets);
	free(s->path);
	free(s->why);
	*s = (struct pv_sts_state){ 0 };
}

struct pv_ctl_statefulsets {
	struct pv_daemon *d;
	struct pv_sts_state state;
	struct json_object *noted; /* claim key: the retained event was given */
};

/* One StatefulSet in one pass. */
struct set {
	struct pv_daemon *d;
	struct pv_ctl_statefulsets *m;
	const struct pv_statefulset *ss;
	struct pv_workload_status *st;
	struct json_object *whole;    /* the StatefulSet encoded */
	struct json_object *tmpl;     /* its spec.template (in WHOLE) */
	struct json_object *cur_tmpl; /* the current revision's template (in the state) */
	char upd[11], cur[11];        /* the update and current revisions' hashes */
	struct pv_sts_plan plan;
	struct pv_pod_view *views;    /* the set's pods */
	size_t nviews;
};

/* ---- names and lookups ---- */

/* The ordinal of pod NAME of set SET ("web-3": 3), or -1. */
static int64_t ordinal_of(const char *set, const char *name)
{
	size_t n = strlen(set);
	const char *p = name + n + 1;
	char *end = NULL;
	long long v;

	if (strncmp(name, set, n) || name[n] != '-' || *p < '0' || *p > '9' ||
	    (p[0] == '0' && p[1]))
		return -1;
	v = strtoll(p, &end, 10);
	return *end || v < 0 ? -1 : (int64_t)v;
}

static enum pv_sts_rev rev_of(const struct set *s, const struct pv_pod_view *v)
{
	const char *rev = pv_ctl_map_get(&v->spec->h.metadata.labels, PV_CTL_REVISION_LABEL);
	const char *dash = rev ? strrchr(rev, '-') : NULL;

	if (!dash)
		return PV_STS_REV_OTHER;
	if (!strcmp(dash + 1, s->upd))
		return PV_STS_REV_UPDATE;
	return !strcmp(dash + 1, s->cur) ? PV_STS_REV_CURRENT : PV_STS_REV_OTHER;
}

static const struct pv_pod_view *view_of(const struct set *s, int64_t ordinal)
{
	for (size_t i = 0; i < s->nviews; i++)
		if (ordinal_of(s->st->name, s->views[i].name) == ordinal)
			return &s->views[i];
	return NULL;
}

static struct json_object *jget(struct json_object *o, const char *k)
{
	return json_object_object_get(o, k);
}

/* Whether the StatefulSet SOURCE ("statefulset/NS/NAME") is in the
 * desired state. */
static bool set_exists(const struct pv_daemon *d, const char *source)
{
	const char *ns = strchr(source, '/'), *name = ns ? strchr(ns + 1, '/') : NULL;
	char nsbuf[256];

	if (!name || (size_t)(name - ns - 1) >= sizeof(nsbuf))
		return false;
	snprintf(nsbuf, sizeof(nsbuf), "%.*s", (int)(name - ns - 1), ns + 1);
	return pv_desired_get(&d->desired, PV_KIND_STATEFULSET, nsbuf, name + 1, NULL) != NULL;
}

static struct json_object *copy_of(struct json_object *o)
{
	struct json_object *c = NULL;

	if (!o || json_object_deep_copy(o, &c, NULL) < 0)
		return json_object_new_object();
	return c;
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* ---- claims ---- */

static struct json_object *claim_templates(const struct set *s)
{
	struct json_object *a = jget(jget(s->whole, "spec"), "volumeClaimTemplates");

	return json_object_is_type(a, json_type_array) ? a : NULL;
}

static void claim_name(const struct set *s, struct json_object *t, int64_t ordinal, char *out,
		       size_t len)
{
	snprintf(out, len, "%s-%s-%lld", json_object_get_string(jget(jget(t, "metadata"), "name")),
		 s->st->name, (long long)ordinal);
}

/* The claim TEMPLATE makes for NAME: the template's labels and the
 * selector's matchLabels, the created-by annotation, its spec. */
static struct json_object *claim_json(const struct set *s, struct json_object *t, const char *name)
{
	struct json_object *c = json_object_new_object(), *meta = json_object_new_object();
	struct json_object *labels = copy_of(jget(jget(t, "metadata"), "labels"));
	struct json_object *ann = copy_of(jget(jget(t, "metadata"), "annotations"));
	struct json_object *match = jget(jget(jget(s->whole, "spec"), "selector"), "matchLabels");

	if (json_object_is_type(match, json_type_object)) {
		json_object_object_foreach(match, k, v)
			json_object_object_add(labels, k, json_object_get(v));
	}
	put_str(ann, PV_CTL_CREATED_BY, s->st->source);
	put_str(meta, "name", name);
	put_str(meta, "namespace", s->st->ns);
	json_object_object_add(meta, "labels", labels);
	json_object_object_add(meta, "annotations", ann);
	put_str(c, "apiVersion", "v1");
	put_str(c, "kind", "PersistentVolumeClaim");
	json_object_object_add(c, "metadata", meta);
	json_object_object_add(c, "spec", copy_of(jget(t, "spec")));
	return c;
}

static bool delete_with_set(const struct set *s)
{
	const char *w = s->ss->spec.persistent_volume_claim_retention_policy.when_deleted.v;

	return w && !strcmp(w, "Delete");
}

/* The claims of ORDINAL's pod, made (and remembered) when missing. */
static void ensure_claims(struct set *s, int64_t ordinal, const char *pod)
{
	struct json_object *a = claim_templates(s), *claims = s->m->state.claims;

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *t = json_object_array_get_idx(a, i), *rec = NULL;
		char name[600], key[700];

		claim_name(s, t, ordinal, name, sizeof(name));
		snprintf(key, sizeof(key), "%s/%s", s->st->ns, name);
		if (json_object_object_get_ex(claims, key, &rec)) {
			const char *owner = json_object_get_string(jget(rec, "source"));
			bool mine = !strcmp(owner, s->st->source);

			/* a retained claim is taken back; one another set makes
			 * too (names may collide) stays that set's */
			if ((!mine && !set_exists(s->d, owner)) ||
			    (mine && json_object_get_boolean(jget(rec, "deleteWithSet")) !=
					     delete_with_set(s))) {
				put_str(rec, "source", s->st->source);
				json_object_object_add(rec, "deleteWithSet",
						       json_object_new_boolean(delete_with_set(s)));
				json_object_object_del(s->m->noted, key);
				s->m->state.dirty = true;
			}
			continue;
		}
		rec = json_object_new_object();
		put_str(rec, "source", s->st->source);
		json_object_object_add(rec, "template", json_object_get(jget(jget(t, "metadata"), "name")));
		json_object_object_add(rec, "ordinal", json_object_new_int64(ordinal));
		json_object_object_add(rec, "created", json_object_new_int64(time(NULL)));
		json_object_object_add(rec, "deleteWithSet", json_object_new_boolean(delete_with_set(s)));
		json_object_object_add(rec, "claim", claim_json(s, t, name));
		json_object_object_add(claims, key, rec);
		s->m->state.dirty = true;
		pv_daemon_event(s->d, s->st->source, false, "SuccessfulCreate",
				"create Claim %s Pod %s in StatefulSet %s success", name, pod,
				s->st->name);
	}
}

/* Drop claim KEY (a key of the claims, freed with it) of SET: deleted,
 * or TAKEN over by a PersistentVolumeClaim manifest of the same name. */
static void forget_claim(struct pv_ctl_statefulsets *m, const char *key, const char *source,
			 const char *set, bool taken)
{
	cleanup_free char *k = strdup(key);

	if (!k)
		return;
	if (taken)
		pv_daemon_event(m->d, source, false, "ClaimTakenOver",
				"Claim %s taken over by its PersistentVolumeClaim manifest; "
				"StatefulSet %s forgets it", strchr(k, '/') + 1, set);
	else
		pv_daemon_event(m->d, source, false, "SuccessfulDelete",
				"delete Claim %s in StatefulSet %s success", strchr(k, '/') + 1, set);
	json_object_object_del(m->noted, k);
	json_object_object_del(m->state.claims, k);
	m->state.dirty = true;
}

/* whenScaled Delete: the claims of an ordinal scaled away, its pod gone. */
static void drop_scaled_claims(struct set *s)
{
	const char *w = s->ss->spec.persistent_volume_claim_retention_policy.when_scaled.v;
	cleanup_free char **gone = NULL;
	size_t n = 0;

	if (!w || strcmp(w, "Delete") || !(gone = calloc(json_object_object_length(s->m->state.claims) + 1,
							 sizeof(*gone))))
		return;
	json_object_object_foreach(s->m->state.claims, key, rec) {
		int64_t o = json_object_get_int64(jget(rec, "ordinal"));

		if (!strcmp(json_object_get_string(jget(rec, "source")), s->st->source) &&
		    (o < s->plan.start || o >= s->plan.start + s->plan.replicas) && !view_of(s, o))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		forget_claim(s->m, gone[i], s->st->source, s->st->name, false);
}

/* ---- pods ---- */

/* Replace or add the volume NAME of SPEC by one mounting claim CLAIM. */
static void claim_volume(struct json_object *spec, const char *name, const char *claim)
{
	struct json_object *vols = jget(spec, "volumes"), *v = json_object_new_object();
	struct json_object *pvc = json_object_new_object();

	put_str(pvc, "claimName", claim);
	put_str(v, "name", name);
	json_object_object_add(v, "persistentVolumeClaim", pvc);
	if (!json_object_is_type(vols, json_type_array)) {
		vols = json_object_new_array();
		json_object_object_add(spec, "volumes", vols);
	}
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		if (!strcmp(json_object_get_string(jget(json_object_array_get_idx(vols, i), "name")) ?: "",
			    name)) {
			json_object_array_put_idx(vols, i, v);
			return;
		}
	}
	json_object_array_add(vols, v);
}

/* The pod of SLOT rendered from TMPL at revision HASH, and wanted. */
static void want_rendered(struct set *s, const struct pv_sts_slot *slot, struct json_object *tmpl,
			  const char *hash)
{
	struct json_object *a = claim_templates(s), *pod, *labels, *spec;
	char name[400], rev[400], idx[32];

	snprintf(name, sizeof(name), "%s-%lld", s->st->name, (long long)slot->ordinal);
	snprintf(rev, sizeof(rev), "%s-%s", s->st->name, hash);
	snprintf(idx, sizeof(idx), "%lld", (long long)slot->ordinal);
	ensure_claims(s, slot->ordinal, name);
	pod = pv_ctl_pod_json(tmpl, s->st, name, "apps/v1", "StatefulSet", s->st->name);
	labels = jget(jget(pod, "metadata"), "labels");
	put_str(labels, POD_NAME_LABEL, name);
	put_str(labels, POD_INDEX_LABEL, idx);
	put_str(labels, PV_CTL_REVISION_LABEL, rev);
	spec = copy_of(jget(tmpl, "spec"));
	json_object_object_add(pod, "spec", spec);
	put_str(spec, "hostname", name);
	if (s->ss->spec.service_name.v && *s->ss->spec.service_name.v)
		put_str(spec, "subdomain", s->ss->spec.service_name.v);
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *t = json_object_array_get_idx(a, i);
		char claim[600];

		claim_name(s, t, slot->ordinal, claim, sizeof(claim));
		claim_volume(spec, json_object_get_string(jget(jget(t, "metadata"), "name")), claim);
	}
	pv_ctl_want_json(s->d, s->st, pod);
	json_object_put(pod);
}

static void carry_out(struct set *s, const struct pv_sts_slot *slot)
{
	const struct pv_pod_view *v = view_of(s, slot->ordinal);
	const char *what = slot->create ? "create" : slot->del ? "delete" : NULL;
	char name[300];
	const char *taken;

	snprintf(name, sizeof(name), "%s-%lld", s->st->name, (long long)slot->ordinal);
	taken = slot->create ? pv_ctl_name_taken(s->d, s->st, name) : NULL;
	if (taken) /* the kube-controller-manager's words for AlreadyExists */
		pv_daemon_event(s->d, s->st->source, true, "FailedCreate",
				"create Pod %s in StatefulSet %s failed error: pods \"%s\" already "
				"exists (from %s)", name, s->st->name, name, taken);
	else if (what)
		pv_daemon_event(s->d, s->st->source, false, slot->create ? "SuccessfulCreate"
				: "SuccessfulDelete", "%s Pod %s in StatefulSet %s successful",
				what, name, s->st->name);
	switch (slot->want) {
	case PV_STS_NONE:
		break;
	case PV_STS_KEEP:
		if (v)
			pv_ctl_want_view(s->d, s->st, v);
		break;
	case PV_STS_CURRENT: /* the update's template when that revision's is not known */
		if (s->cur_tmpl)
			want_rendered(s, slot, s->cur_tmpl, s->cur);
		else
			want_rendered(s, slot, s->tmpl, s->upd);
		break;
	case PV_STS_UPDATE:
		want_rendered(s, slot, s->tmpl, s->upd);
		break;
	}
}

/* ---- one StatefulSet ---- */

/* The set's pods into the plan's slots (in range) and condemned ones. */
static void observe(struct set *s)
{
	struct pv_pod_view v;

	for (size_t it = 0; pv_pod_view_next(s->d, &it, &v);) {
		int64_t o = pv_ctl_owns(s->st, &v) ? ordinal_of(s->st->name, v.name) : -1;
		struct pv_sts_slot *slot;

		if (o < 0)
			continue;
		if (!v.stopping)
			pv_ctl_count(s->st, &v);
		s->views[s->nviews++] = v;
		if (o >= s->plan.start && o < s->plan.start + s->plan.replicas)
			slot = &s->plan.slots[o - s->plan.start];
		else
			slot = &s->plan.condemned[s->plan.ncondemned++];
		*slot = (struct pv_sts_slot){
			.ordinal = o, .exists = true, .stopping = v.stopping,
			.healthy = v.phase == PV_P_RUNNING && !v.stopping &&
				   pv_ctl_available(s->st, &v, pv_now_ms(), NULL),
			.rev = rev_of(s, &v),
		};
	}
}

/* The revisions: the template's (update) and the remembered current
 * one, which becomes the update revision once every pod runs it. */
static void revisions(struct set *s)
{
	const char *text = json_object_to_json_string_ext(s->tmpl, JSON_C_TO_STRING_PLAIN);
	struct json_object *rec = NULL;

	pv_rollout_template_hash(text, strlen(text), s->upd);
	if (!json_object_object_get_ex(s->m->state.sets, s->st->source, &rec)) {
		rec = json_object_new_object();
		put_str(rec, "currentRevision", s->upd);
		json_object_object_add(rec, "currentTemplate", copy_of(s->tmpl));
		json_object_object_add(s->m->state.sets, s->st->source, rec);
		s->m->state.dirty = true;
	}
	snprintf(s->cur, sizeof(s->cur), "%s", json_object_get_string(jget(rec, "currentRevision")) ?: "");
	s->cur_tmpl = jget(rec, "currentTemplate");
	memcpy(s->st->hash, s->upd, sizeof(s->st->hash));
}

static void complete_update(struct set *s)
{
	struct json_object *rec = jget(s->m->state.sets, s->st->source);

	if (!rec || !s->plan.complete || !strcmp(s->cur, s->upd))
		return;
	put_str(rec, "currentRevision", s->upd);
	json_object_object_add(rec, "currentTemplate", copy_of(s->tmpl));
	s->m->state.dirty = true;
}

static void status_info(struct set *s)
{
	char rev[400];

	if (!s->st->info)
		s->st->info = json_object_new_object();
	snprintf(rev, sizeof(rev), "%s-%s", s->st->name, s->cur);
	put_str(s->st->info, "currentRevision", rev);
	snprintf(rev, sizeof(rev), "%s-%s", s->st->name, s->upd);
	put_str(s->st->info, "updateRevision", rev);
}

static void run_set(struct set *s)
{
	const struct pv_strategy *u = &s->ss->spec.update_strategy;
	size_t bound = pv_pod_count(s->d) + 1;

	s->plan.replicas = s->st->replicas;
	s->plan.start = s->ss->spec.ordinals.start.set ? s->ss->spec.ordinals.start.v : 0;
	s->plan.parallel = s->ss->spec.pod_management_policy.v &&
			   !strcmp(s->ss->spec.pod_management_policy.v, "Parallel");
	s->plan.on_delete = u->type.v && !strcmp(u->type.v, "OnDelete");
	s->plan.partition = u->rolling_update.partition.set ? u->rolling_update.partition.v : 0;
	s->plan.max_unavailable = !u->rolling_update.max_unavailable.set ? 1
		: pv_sts_max_unavailable(u->rolling_update.max_unavailable.is_str,
					 u->rolling_update.max_unavailable.is_str
					 ? strtoll(u->rolling_update.max_unavailable.s, NULL, 10)
					 : u->rolling_update.max_unavailable.i,
					 s->plan.replicas);
	s->plan.slots = calloc((size_t)s->plan.replicas + 1, sizeof(*s->plan.slots));
	s->plan.condemned = calloc(bound, sizeof(*s->plan.condemned));
	s->views = calloc(bound, sizeof(*s->views));
	if (!s->plan.slots || !s->plan.condemned || !s->views) {
		s->d->wanted_incomplete = true;
		return;
	}
	revisions(s);
	observe(s);
	pv_sts_plan_decide(&s->plan);
	for (int64_t i = 0; i < s->plan.replicas; i++)
		carry_out(s, &s->plan.slots[i]);
	for (size_t i = 0; i < s->plan.ncondemned; i++)
		carry_out(s, &s->plan.condemned[i]);
	complete_update(s);
	drop_scaled_claims(s);
	status_info(s);
	if (s->plan.waiting)
		pv_ctl_wait(s->d);
}

static void set_sync(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;
	struct set s = { .d = d, .m = d->controllers->sts,
			 .ss = (const struct pv_statefulset *)o->obj };

	(void)f;
	s.st = pv_ctl_status(d->controllers, "StatefulSet", o);
	s.tmpl = pv_ctl_template(o, &s.whole);
	if (!s.st || !s.tmpl) {
		d->wanted_incomplete = true;
		d->wanted_claims.incomplete = true;
		json_object_put(s.whole);
		return;
	}
	s.st->replicas = s.ss->spec.replicas.set ? s.ss->spec.replicas.v : 1;
	s.st->min_ready_ms = s.ss->spec.min_ready_seconds.set ? s.ss->spec.min_ready_seconds.v * 1000 : 0;
	run_set(&s);
	free(s.plan.slots);
	free(s.plan.condemned);
	free(s.views);
	json_object_put(s.whole);
}

/* ---- every pass ---- */

static bool pods_of(struct pv_daemon *d, const char *source)
{
	struct pv_pod_view v;

	for (size_t it = 0; pv_pod_view_next(d, &it, &v);) {
		const char *by = pv_ctl_map_get(&v.spec->h.metadata.annotations, PV_CTL_CREATED_BY);

		if (by && !strcmp(by, source))
			return true;
	}
	return false;
}

#define RETAINED_NOTE                                                                     \
	"its StatefulSet is gone; the claim and its data are kept "                         \
	"(persistentVolumeClaimRetentionPolicy.whenDeleted: Retain). A StatefulSet of the " \
	"same name takes it back; to delete it, add a PersistentVolumeClaim manifest of the " \
	"same name (it takes the claim over), then remove that file"

/* A claim whose StatefulSet is gone: kept (Retain), said once, or
 * dropped once the set's pods are gone (whenDeleted Delete). */
static const char *orphan(struct pv_ctl_statefulsets *m, const char *key, struct json_object *rec,
			  bool *drop)
{
	const char *source = json_object_get_string(jget(rec, "source"));
	char object[700];

	if (json_object_get_boolean(jget(rec, "deleteWithSet"))) {
		*drop = pv_desired_complete(&m->d->desired) && !pods_of(m->d, source);
		return NULL;
	}
	if (!jget(m->noted, key)) {
		snprintf(object, sizeof(object), "persistentvolumeclaim/%s", key);
		pv_daemon_event(m->d, object, true, "Retained", "%s", RETAINED_NOTE);
		json_object_object_add(m->noted, key, json_object_new_boolean(1));
	}
	return RETAINED_NOTE;
}

/* Whether a PersistentVolumeClaim manifest names claim KEY ("NS/NAME"). */
static bool file_claims(const struct pv_daemon *d, const char *key)
{
	const char *slash = strchr(key, '/');
	char ns[256];

	if (!slash || (size_t)(slash - key) >= sizeof(ns))
		return false;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	return pv_desired_get(&d->desired, PV_KIND_PVC, ns, slash + 1, NULL) != NULL;
}

/* Every remembered claim to storage, typed; those whose set is gone
 * by the retention policy, or forgotten once a PersistentVolumeClaim
 * manifest of the same name takes them over (removing that file then
 * deletes the claim as any other). */
static void want_claims(struct pv_daemon *d, struct pv_ctl_statefulsets *m)
{
	size_t n = json_object_object_length(m->state.claims) + 1;
	cleanup_free char **drop = calloc(n, sizeof(*drop));
	cleanup_free bool *taken = calloc(n, sizeof(*taken));
	size_t ndrop = 0;

	if (!drop || !taken) {
		d->wanted_claims.incomplete = true;
		return;
	}
	json_object_object_foreach(m->state.claims, key, rec) {
		const char *source = json_object_get_string(jget(rec, "source")), *note = NULL;
		const struct pv_object *o;
		bool gone = false;
		char what[700];

		if (!set_exists(d, source) && pv_desired_complete(&d->desired) && file_claims(d, key)) {
			taken[ndrop] = true;
			drop[ndrop++] = key;
			continue;
		}
		if (!set_exists(d, source))
			note = orphan(m, key, rec, &gone);
		if (gone) {
			drop[ndrop++] = key;
			continue;
		}
		snprintf(what, sizeof(what), "claim %s", key);
		o = pv_ctl_keep_json(d, source, jget(rec, "claim"), what);
		if (!o || pv_wanted_claims_add(&d->wanted_claims, o, source,
					       json_object_get_int64(jget(rec, "created")), note) < 0)
			d->wanted_claims.incomplete = true;
	}
	for (size_t i = 0; i < ndrop; i++) {
		const char *source = json_object_get_string(jget(jget(m->state.claims, drop[i]), "source"));
		cleanup_free char *src = strdup(source); /* freed with the claim */
		const char *set = src ? strrchr(src, '/') : NULL;

		if (src)
			forget_claim(m, drop[i], src, set ? set + 1 : src, taken[i]);
	}
}

/* The revisions of StatefulSets no longer in the desired state. */
static void forget_sets(struct pv_daemon *d, struct pv_ctl_statefulsets *m)
{
	cleanup_free char **gone = NULL;
	size_t n = 0;

	if (!pv_desired_complete(&d->desired) ||
	    !(gone = calloc(json_object_object_length(m->state.sets) + 1, sizeof(*gone))))
		return;
	json_object_object_foreach(m->state.sets, key, rec) {
		(void)rec;
		if (!set_exists(d, key))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		json_object_object_del(m->state.sets, gone[i]);
	m->state.dirty |= n > 0;
}

static struct pv_ctl_statefulsets *memory(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;
	struct pv_err err = { 0 };

	if (c->sts)
		return c->sts;
	c->sts = calloc(1, sizeof(*c->sts));
	if (!c->sts)
		return NULL;
	c->sts->d = d;
	c->sts->noted = json_object_new_object();
	if (sts_state_load(&c->sts->state, d->state ? d->state : ".", &err) < 0)
		pv_warn("statefulsets: %s; the claims made before are not known (the file is "
			"left as it is)", err.msg);
	return c->sts;
}

/* The claims made before are not known (the state could not be read):
 * the volumes of those no StatefulSet makes again would look unclaimed,
 * and be released, even deleted. Storage holds every volume until the
 * file is repaired; said at every pass (one event, counted). */
static void frozen(struct pv_daemon *d, struct pv_ctl_statefulsets *m)
{
	char object[4200];

	d->wanted_claims.incomplete = true;
	snprintf(object, sizeof(object), "file:%s", m->state.path ? m->state.path : "statefulsets.json");
	pv_daemon_event(d, object, true, "FailedLoad",
			"%s; the claims StatefulSets made are not known, so no volume is bound, "
			"released or deleted until it is repaired: restore the file (or remove it "
			"to forget those claims: their volumes are then released by their reclaim "
			"policy), then restart the daemon",
			m->state.why ? m->state.why : "cannot be read");
}

void pv_ctl_statefulsets_sync(struct pv_daemon *d)
{
	struct pv_ctl_statefulsets *m = memory(d);
	struct pv_err err = { 0 };

	pv_wanted_claims_clear(&d->wanted_claims);
	if (!m) {
		d->wanted_incomplete = true;
		d->wanted_claims.incomplete = true;
		return;
	}
	pv_desired_each(&d->desired, PV_KIND_STATEFULSET, set_sync, d);
	want_claims(d, m);
	if (m->state.frozen)
		frozen(d, m);
	forget_sets(d, m);
	if (sts_state_save(&m->state, &err) < 0)
		pv_warn("statefulsets: %s", err.msg);
}

void pv_ctl_statefulsets_free(struct pv_controllers *c)
{
	struct pv_ctl_statefulsets *m = c->sts;

	if (!m)
		return;
	pv_wanted_claims_free(&m->d->wanted_claims);
	sts_state_free(&m->state);
	json_object_put(m->noted);
	free(m);
	c->sts = NULL;
}
