/* What the controllers share: status rows, pods rendered from templates
 * and wanted, views matched back to their workload. See workload.h.
 * Calls: node, source, core, manifests. */
#include "supervisor/controllers/workload.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "common/sha256.h"
#include "common/vec.h"
#include "manifests/encode.h"
#include "supervisor/core/loop.h"

#define HASH_LABEL "pod-template-hash"

const char *pv_ctl_map_get(const pv_strmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].key, key))
			return m->items[i].value;
	return NULL;
}

const char *pv_ctl_ns(const struct pv_object *o)
{
	const char *ns = o->obj->metadata.namespace.v;

	return ns ? ns : "default";
}

static void status_reset(struct pv_workload_status *s)
{
	s->seen = true;
	s->current = s->ready = s->updated = s->updated_ready = s->available = 0;
}

struct pv_workload_status *pv_ctl_status(struct pv_controllers *c, const char *kind,
					 const struct pv_object *o)
{
	const char *ns = pv_ctl_ns(o), *name = o->obj->metadata.name.v;
	struct pv_workload_status *s;
	char lower[32], *source = NULL;
	size_t i;

	for (i = 0; i < c->nst; i++) {
		if (!strcmp(c->st[i].kind, kind) && !strcmp(c->st[i].ns, ns) &&
		    !strcmp(c->st[i].name, name)) {
			status_reset(&c->st[i]);
			return &c->st[i];
		}
	}
	if (c->nst == c->stcap) {
		size_t cap = c->stcap ? c->stcap * 2 : 8;
		struct pv_workload_status *v = reallocarray(c->st, cap, sizeof(*v));

		if (!v)
			return NULL;
		c->st = v;
		c->stcap = cap;
	}
	for (i = 0; kind[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)kind[i]);
	lower[i] = '\0';
	if (asprintf(&source, "%s/%s/%s", lower, ns, name) < 0)
		return NULL;
	s = &c->st[c->nst];
	*s = (struct pv_workload_status){ .kind = strdup(kind), .ns = strdup(ns), .name = strdup(name),
					  .source = source, .created = time(NULL) };
	if (!s->kind || !s->ns || !s->name) {
		free(s->kind);
		free(s->ns);
		free(s->name);
		free(s->source);
		return NULL;
	}
	status_reset(s);
	return &c->st[c->nst++];
}

bool pv_ctl_owns(const struct pv_workload_status *st, const struct pv_pod_view *v)
{
	const char *by = pv_ctl_map_get(&v->spec->h.metadata.annotations, PV_CTL_CREATED_BY);

	return by && !strcmp(by, st->source) && !strcmp(v->ns, st->ns);
}

/* Whether a pod's revision label LABEL names HASH: "HASH"
 * (pod-template-hash, a DaemonSet's controller-revision-hash) or
 * "NAME-HASH" (a StatefulSet's controller-revision-hash). */
static bool names_hash(const char *label, const char *hash)
{
	size_t n = strlen(label), h = strlen(hash);

	return !strcmp(label, hash) ||
	       (h && n > h && label[n - h - 1] == '-' && !strcmp(label + n - h, hash));
}

void pv_ctl_count(struct pv_workload_status *s, const struct pv_pod_view *v)
{
	const char *hash = pv_ctl_map_get(&v->spec->h.metadata.labels, HASH_LABEL);

	if (!hash) /* a DaemonSet's (or StatefulSet's) pod */
		hash = pv_ctl_map_get(&v->spec->h.metadata.labels, "controller-revision-hash");
	s->current++;
	s->ready += v->ready;
	s->available += pv_ctl_available(s, v, pv_now_ms(), NULL);
	if (!s->hash[0] || (hash && names_hash(hash, s->hash))) {
		s->updated++;
		s->updated_ready += v->ready;
	}
}

bool pv_ctl_available(const struct pv_workload_status *st, const struct pv_pod_view *v,
		      int64_t now, int64_t *wake)
{
	int64_t at;

	if (!v->ready)
		return false;
	if (st->min_ready_ms <= 0)
		return true;
	at = v->ready_since_ms + st->min_ready_ms;
	if (at <= now)
		return true;
	if (wake && (!*wake || at < *wake))
		*wake = at;
	return false;
}

struct json_object *pv_ctl_template(const struct pv_object *o, struct json_object **whole)
{
	*whole = pv_encode_object(o);
	return json_object_object_get(json_object_object_get(*whole, "spec"), "template");
}

static struct json_object *copy_or_new(struct json_object *src)
{
	struct json_object *dst = NULL;

	if (!src || json_object_deep_copy(src, &dst, NULL) < 0)
		return json_object_new_object();
	return dst;
}

struct json_object *pv_ctl_pod_json(struct json_object *tmpl, const struct pv_workload_status *st,
				    const char *name, const char *owner_api,
				    const char *owner_kind, const char *owner_name)
{
	struct json_object *tm = json_object_object_get(tmpl, "metadata");
	struct json_object *pod = json_object_new_object(), *meta = json_object_new_object();
	struct json_object *labels = copy_or_new(json_object_object_get(tm, "labels"));
	struct json_object *ann = copy_or_new(json_object_object_get(tm, "annotations"));
	struct json_object *refs = json_object_new_array(), *ref = json_object_new_object();

	json_object_object_add(ann, PV_CTL_CREATED_BY, json_object_new_string(st->source));
	json_object_object_add(ref, "apiVersion", json_object_new_string(owner_api));
	json_object_object_add(ref, "kind", json_object_new_string(owner_kind));
	json_object_object_add(ref, "name", json_object_new_string(owner_name));
	json_object_object_add(ref, "controller", json_object_new_boolean(1));
	json_object_object_add(ref, "blockOwnerDeletion", json_object_new_boolean(1));
	json_object_array_add(refs, ref);
	json_object_object_add(meta, "name", json_object_new_string(name));
	json_object_object_add(meta, "namespace", json_object_new_string(st->ns));
	json_object_object_add(meta, "labels", labels);
	json_object_object_add(meta, "annotations", ann);
	json_object_object_add(meta, "ownerReferences", refs);
	json_object_object_add(pod, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(pod, "kind", json_object_new_string("Pod"));
	json_object_object_add(pod, "metadata", meta);
	json_object_object_add(pod, "spec", json_object_get(json_object_object_get(tmpl, "spec")));
	return pod;
}

static struct pv_ctl_render *keep(struct pv_daemon *d, const char *source,
				  struct json_object *obj, const char *what,
				  const unsigned char *key);
static struct pv_ctl_render *kept(struct pv_controllers *c, const unsigned char key[32]);

static void want_render(struct pv_daemon *d, struct pv_workload_status *st,
			struct pv_ctl_render *r)
{
	if (!r) {
		d->wanted_incomplete = true;
		return;
	}
	r->used = true;
	if (!r->pod_hash[0])
		pv_pod_hash(&r->file->objects[0], r->pod_hash);
	if (pv_wanted_add_hashed(&d->wanted, &r->file->objects[0], st->source, r->pod_hash,
				 r->file) < 0)
		d->wanted_incomplete = true;
}

void pv_ctl_want_json(struct pv_daemon *d, struct pv_workload_status *st, struct json_object *pod)
{
	want_render(d, st, keep(d, st->source, pod, "a pod", NULL));
}

bool pv_ctl_want_kept(struct pv_daemon *d, struct pv_workload_status *st,
		      const unsigned char key[32])
{
	struct pv_ctl_render *r = d->controllers->rindex ? kept(d->controllers, key) : NULL;

	if (r)
		want_render(d, st, r);
	return r != NULL;
}

void pv_ctl_want_json_keyed(struct pv_daemon *d, struct pv_workload_status *st,
			    struct json_object *pod, const unsigned char key[32])
{
	want_render(d, st, keep(d, st->source, pod, "a pod", key));
}

const char *pv_ctl_name_taken(struct pv_daemon *d, const struct pv_workload_status *st,
			      const char *name)
{
	const struct pv_wanted_pod *w = pv_wanted_find(&d->wanted, st->ns, name);

	return w && strcmp(w->source, st->source) != 0 ? w->source : NULL;
}

void pv_ctl_want_view(struct pv_daemon *d, struct pv_workload_status *st,
		      const struct pv_pod_view *v)
{
	struct pv_object o = { .kind = pv_kind_get(PV_KIND_POD), .obj = (struct pv_objhead *)v->spec };
	struct json_object *j = pv_encode_object(&o);

	if (!j) {
		d->wanted_incomplete = true;
		return;
	}
	pv_ctl_want_json(d, st, j);
	json_object_put(j);
}

void pv_ctl_wait(struct pv_daemon *d)
{
	if (d->controllers)
		d->controllers->waiting = true;
}

/* ---- the rendered objects, kept across passes ---- */

static size_t rindex_slot(const struct pv_controllers *c, const unsigned char key[32])
{
	size_t mask = c->rindex_cap - 1, i;

	memcpy(&i, key, sizeof(i));
	for (i &= mask; c->rindex[i] && memcmp(c->renders[c->rindex[i] - 1]->key, key, 32) != 0;
	     i = (i + 1) & mask)
		;
	return i;
}

/* The index again, over RENDERS[0..NRENDERS), at least twice as big. */
static int rindex_build(struct pv_controllers *c, size_t want)
{
	size_t cap = 64;
	uint32_t *v;

	while (cap < 2 * want)
		cap *= 2;
	v = cap == c->rindex_cap ? c->rindex : calloc(cap, sizeof(*v));
	if (!v)
		return -1;
	if (v != c->rindex) {
		free(c->rindex);
		c->rindex = v;
		c->rindex_cap = cap;
	}
	memset(v, 0, cap * sizeof(*v));
	for (size_t i = 0; i < c->nrenders; i++)
		v[rindex_slot(c, c->renders[i]->key)] = (uint32_t)i + 1;
	return 0;
}

static void render_free(struct pv_ctl_render *r)
{
	pv_file_put(r->file);
	free(r);
}

void pv_ctl_renders_sweep(struct pv_controllers *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nrenders; i++) {
		if (c->renders[i]->used) {
			c->renders[i]->used = false;
			c->renders[k++] = c->renders[i];
		} else {
			render_free(c->renders[i]);
		}
	}
	if (k != c->nrenders || !c->rindex) {
		c->nrenders = k;
		if (rindex_build(c, k) < 0) { /* no index: nothing kept */
			pv_ctl_renders_free(c);
		}
	}
}

void pv_ctl_renders_free(struct pv_controllers *c)
{
	for (size_t i = 0; i < c->nrenders; i++)
		render_free(c->renders[i]);
	free(c->renders);
	free(c->rindex);
	c->renders = NULL;
	c->rindex = NULL;
	c->nrenders = c->rcap = c->rindex_cap = 0;
}

static struct pv_ctl_render *kept(struct pv_controllers *c, const unsigned char key[32])
{
	size_t slot = rindex_slot(c, key);

	return c->rindex[slot] ? c->renders[c->rindex[slot] - 1] : NULL;
}

/* The room a render of LEN bytes of JSON is given: a workload's pods
 * differ by little more than their names, so a render within 1/16 of the
 * last one's length takes what that one took (and a little more), in one
 * piece. At 500 pods of one Deployment that is 6 KiB a pod less than
 * chunks of 1, 1, 2 and 4 KiB. Others start as any file does. */
static size_t render_room(const struct pv_controllers *c, size_t len)
{
	size_t d = len > c->last_len ? len - c->last_len : c->last_len - len;

	return c->last_used && d * 16 <= c->last_len ? c->last_used + c->last_used / 32 : 0;
}

/* OBJ's render: the one kept under KEY (or, without KEY, the SHA-256 of
 * its JSON) if there is one, else loaded now; NULL after an event on
 * SOURCE. */
static struct pv_ctl_render *keep(struct pv_daemon *d, const char *source,
				  struct json_object *obj, const char *what,
				  const unsigned char *keyed)
{
	struct pv_controllers *c = d->controllers;
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	struct pv_ctl_render *r = NULL;
	unsigned char key[32];
	size_t slot, len;

	if (!s)
		goto fail;
	len = strlen(s);
	if (keyed)
		memcpy(key, keyed, sizeof(key));
	else
		pv_sha256(s, len, key);
	if ((c->nrenders + 1) * 2 > c->rindex_cap && rindex_build(c, c->nrenders + 1) < 0)
		goto fail;
	slot = rindex_slot(c, key);
	if (c->rindex[slot]) {
		r = c->renders[c->rindex[slot] - 1];
		r->used = true;
		return r;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->file = pv_file_new_buf_sized(what, s, len, render_room(c, len))) ||
	    r->file->failed || r->file->nobjects != 1 ||
	    pv_vec_push(c->renders, c->nrenders, c->rcap, r) < 0)
		goto fail;
	c->last_len = len;
	c->last_used = r->file->arena.used;
	memcpy(r->key, key, sizeof(key));
	r->used = true;
	c->rindex[slot] = (uint32_t)c->nrenders;
	return r;
fail:
	pv_daemon_event(d, source, true, "FailedCreate", "cannot render %s: %s", what,
			r && r->file && r->file->diags.n ? r->file->diags.v[0].msg : "out of memory");
	if (r)
		pv_file_put(r->file);
	free(r);
	return NULL;
}

const struct pv_object *pv_ctl_keep_json(struct pv_daemon *d, const char *source,
					 struct json_object *obj, const char *what)
{
	struct pv_ctl_render *r = keep(d, source, obj, what, NULL);

	return r ? &r->file->objects[0] : NULL;
}
