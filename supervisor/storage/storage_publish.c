/* The storage results of a pass, as the API, the pods and the events see
 * them: PersistentVolumes and claims as kubectl shows them, and an event
 * for each change of phase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/node/pod.h"
#include "supervisor/storage/storage_internal.h"

/* ---- results: for the API, the pods and the events ---- */

static void put(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static int64_t file_time(const struct pv_dfile *f)
{
	struct stat st;

	return f && stat(f->path, &st) == 0 ? (int64_t)st.st_mtime : 0;
}

/* Note a change of STATUS/REASON/MESSAGE since the last pass as an event. */
static void note_change(struct pv_daemon *d, struct json_object *old, struct json_object *now,
			const char *object)
{
	const char *st = pv_json_str(now, "status", ""), *reason = pv_json_str(now, "reason", "");
	const char *msg = pv_json_str(now, "message", "");
	bool warn = !strcmp(st, "Failed") || !strcmp(st, "Lost") || strstr(reason, "Failed");

	if (old && !strcmp(st, pv_json_str(old, "status", "")) &&
	    !strcmp(reason, pv_json_str(old, "reason", "")) && !strcmp(msg, pv_json_str(old, "message", "")))
		return;
	const char *other = *pv_json_str(now, "volume", "") ? pv_json_str(now, "volume", "")
			    : pv_json_str(now, "claim", "");

	if (!*msg && !strcmp(st, "Available"))
		return;
	if (*msg)
		pv_daemon_event(d, object, warn, *reason ? reason : !strcmp(st, "Pending")
				? "FailedBinding" : st, "%s", msg);
	else
		pv_daemon_event(d, object, warn, *reason ? reason : st, "%s%s%s", st,
				*other ? ": " : "", other);
}

struct json_object *pv_storage_find_item(struct json_object *a, const char *ns, const char *name)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);

		if (!strcmp(pv_json_str(o, "name", ""), name) &&
		    (!ns || !strcmp(pv_json_str(o, "namespace", ""), ns)))
			return o;
	}
	return NULL;
}

static struct json_object *volume_json(const struct inputs *in, size_t i)
{
	const struct pv_bvol *v = &in->vols[i];
	const struct pv_vrec *r = in->recs[i];
	const struct pv_pv *pv = in->pvs[i];
	const struct pv_vol_result *vr = &in->vr[i];
	struct json_object *o = json_object_new_object();
	const char *cap = "", *reclaim = v->reclaim_delete ? "Delete" : "Retain";
	char modes[32];

	if (pv)
		pv_storage_of(&pv->spec.capacity, &cap);
	if (r && r->delete_failed)
		reclaim = "Delete";
	put(o, "name", v->name);
	put(o, "capacity", pv ? cap : r->capacity);
	put(o, "accessModes", pv_access_modes_str(v->modes, modes, sizeof(modes)));
	put(o, "reclaimPolicy", reclaim);
	put(o, "status", r && r->delete_failed ? "Failed" : pv_vol_phase_name(vr->phase));
	put(o, "claim", vr->claim);
	put(o, "storageClass", v->class_name);
	put(o, "volumeMode", v->block ? "Block" : "Filesystem");
	put(o, "reason", r && r->delete_failed ? "VolumeFailedDelete" : vr->reason);
	put(o, "message", r && r->delete_failed ? r->delete_failed : vr->message);
	put(o, "source", pv ? (pv->spec.host_path.hdr.set ? "HostPath" : pv->spec.local.hdr.set
			      ? "LocalVolume" : pv->spec.unsupported.v) : "LocalPath");
	put(o, "path", pv ? pv_storage_static_path(pv) : r->path);
	put(o, "file", in->vfiles[i] ? in->vfiles[i]->path : "");
	json_object_object_add(o, "created", json_object_new_int64(pv ? file_time(in->vfiles[i])
								   : r->created));
	return o;
}

static struct json_object *used_by(const struct pv_daemon *d, const char *ns, const char *name)
{
	struct json_object *a = json_object_new_array();

	struct pv_pod_view p;

	for (size_t it = 0; pv_pod_view_next(d, &it, &p);)
		if (!strcmp(p.ns, ns) && p.spec && pv_storage_pod_uses(&p.spec->spec, name))
			json_object_array_add(a, json_object_new_string(p.name));
	return a;
}

static struct json_object *labels_json(const pv_strmap *m)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].value));
	return o;
}

/* A claim a controller made (node/wanted_claims.h): who made it, when,
 * and why it is kept when its maker is gone. */
static void wanted_claim_json(const struct pv_daemon *d, struct json_object *o, const char *ns,
			      const char *name)
{
	const struct pv_wanted_claim *w = pv_wanted_claims_find(&d->wanted_claims, ns, name);

	if (!w)
		return;
	put(o, "owner", w->source);
	json_object_object_add(o, "created", json_object_new_int64(w->created));
	if (w->note)
		put(o, "retained", w->note);
}

static struct json_object *claim_json(const struct inputs *in, const struct pv_pvc *c,
				      const struct pv_dfile *f, const char *status,
				      const char *volume, const char *reason, const char *message)
{
	struct json_object *o = json_object_new_object(), *vol;
	struct pv_storage *s = in->d->storage;
	const char *req = "", *ns = c->h.metadata.namespace.v, *name = c->h.metadata.name.v;
	const char *cls = c->spec.storage_class_name.v ? c->spec.storage_class_name.v
			  : in->default_class ? in->default_class : "";
	cleanup_free char *key = pv_storage_claim_key(ns, name);
	struct json_object *failed = NULL;
	char modes[32];

	pv_storage_of(&c->spec.resources.requests, &req);
	vol = volume ? pv_storage_find_item(s->vols, NULL, volume) : NULL;
	if (!volume && key && json_object_object_get_ex(s->failed, key, &failed))
		reason = "ProvisioningFailed", message = json_object_get_string(failed);
	put(o, "namespace", ns);
	put(o, "name", name);
	put(o, "status", status);
	put(o, "volume", volume);
	put(o, "capacity", vol ? pv_json_str(vol, "capacity", "") : "");
	put(o, "accessModes", vol ? pv_json_str(vol, "accessModes", "") : "");
	put(o, "requestedAccessModes", pv_access_modes_str(pv_access_modes(&c->spec.access_modes),
							   modes, sizeof(modes)));
	put(o, "requested", req);
	put(o, "storageClass", cls);
	put(o, "volumeMode", c->spec.volume_mode.v ? c->spec.volume_mode.v : "Filesystem");
	put(o, "reason", reason);
	put(o, "message", message);
	put(o, "file", f ? f->path : "");
	json_object_object_add(o, "created", json_object_new_int64(file_time(f)));
	json_object_object_add(o, "labels", labels_json(&c->h.metadata.labels));
	if (!f)
		wanted_claim_json(in->d, o, ns, name);
	json_object_object_add(o, "usedBy", used_by(in->d, ns, name));
	return o;
}

/* A manifest refused for its name is not listed (the name is another
 * volume's): a warning, once, on that name says why. */
static void note_refused(struct inputs *in, size_t i, struct json_object *now)
{
	struct pv_storage *s = in->d->storage;
	struct json_object *was = NULL;
	char object[600], msg[1024];

	snprintf(msg, sizeof(msg), "%s: %s", in->vfiles[i] ? in->vfiles[i]->path : "",
		 in->vr[i].message);
	json_object_object_add(now, in->vols[i].name, json_object_new_string(msg));
	if (json_object_object_get_ex(s->refused, in->vols[i].name, &was) &&
	    !strcmp(json_object_get_string(was), msg))
		return;
	snprintf(object, sizeof(object), "persistentvolume/%s", in->vols[i].name);
	pv_daemon_event(in->d, object, true, in->vr[i].reason, "%s", msg);
}

static void publish_volumes(struct inputs *in)
{
	struct pv_storage *s = in->d->storage;
	struct json_object *vols = json_object_new_array(), *refused = json_object_new_object();
	char object[600];

	for (size_t i = 0; i < in->nv; i++) {
		struct json_object *o;

		if (in->vr[i].refused) {
			note_refused(in, i, refused);
			continue;
		}
		o = volume_json(in, i);
		json_object_array_add(vols, o);
		snprintf(object, sizeof(object), "persistentvolume/%s", in->vols[i].name);
		note_change(in->d, pv_storage_find_item(s->vols, NULL, in->vols[i].name), o, object);
	}
	json_object_put(s->vols);
	s->vols = vols; /* claims read their volume's capacity from here */
	json_object_put(s->refused);
	s->refused = refused;
}

void pv_storage_publish(struct inputs *in)
{
	struct pv_daemon *d = in->d;
	struct pv_storage *s = d->storage;
	struct json_object *claims = json_object_new_array();
	char object[600];

	publish_volumes(in);
	for (size_t i = 0; i < in->nc; i++)
		json_object_array_add(claims, claim_json(in, in->pvcs[i], in->cfiles[i],
							 pv_claim_phase_name(in->cr[i].phase),
							 in->cr[i].volume, in->cr[i].reason,
							 in->cr[i].message));
	for (size_t i = 0; i < in->nlost; i++)
		json_object_array_add(claims, claim_json(in, in->lost[i].pvc, in->lost[i].file, "Lost",
							 in->lost[i].volume, "ClaimLost",
							 "its bound volume is no longer in the manifests"));
	for (size_t i = 0; i < json_object_array_length(claims); i++) {
		struct json_object *o = json_object_array_get_idx(claims, i);
		const char *ns = pv_json_str(o, "namespace", ""), *name = pv_json_str(o, "name", "");

		snprintf(object, sizeof(object), "persistentvolumeclaim/%s/%s", ns, name);
		note_change(d, pv_storage_find_item(s->claims, ns, name), o, object);
	}
	json_object_put(s->claims);
	s->claims = claims;
}

