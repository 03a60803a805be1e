/* Labels, selectors and template containers of listed objects, from the
 * manifests in force (the desired state): what `get -l`, --show-labels
 * and -o wide read. Owns nothing past a call. Calls: source (the
 * desired state), manifests (the encoder). */
#include "supervisor/api/list_meta.h"

#include <string.h>

#include "manifests/encode.h"
#include "supervisor/node/node.h"
#include "supervisor/source/desired.h"

static const struct pv_object *find(const struct pv_daemon *d, enum pv_kind k, const char *ns,
				    const char *name)
{
	const struct pv_object *o = pv_desired_get(&d->desired, k, ns, name, NULL);

	if (!o && !strcmp(ns, "default")) /* a manifest without a namespace */
		o = pv_desired_get(&d->desired, k, "", name, NULL);
	return o;
}

static struct json_object *at(struct json_object *o, const char *const *path)
{
	for (; o && *path; path++)
		o = json_object_object_get(o, *path);
	return o;
}

/* The value at PATH of the encoded O, a new reference (NULL when absent). */
static struct json_object *take(struct json_object *whole, const char *const *path)
{
	struct json_object *v = at(whole, path);

	return v ? json_object_get(v) : NULL;
}

/* A copy of the value at PATH (NULL when absent or out of memory). */
static struct json_object *copy_at(struct json_object *whole, const char *const *path)
{
	struct json_object *v = at(whole, path), *out = NULL;

	return v && json_object_deep_copy(v, &out, NULL) == 0 ? out : NULL;
}

void pv_list_meta_labels(const struct pv_daemon *d, enum pv_kind k, bool cluster,
			 struct json_object *arr)
{
	static const char *const labels[] = { "metadata", "labels", NULL };

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *it = json_object_array_get_idx(arr, i), *whole, *l;
		const char *ns = cluster ? "" : json_object_get_string(json_object_object_get(it, "namespace"));
		const char *name = json_object_get_string(json_object_object_get(it, "name"));
		const struct pv_object *o;

		if (!name || !ns || json_object_object_get(it, "labels") || !(o = find(d, k, ns, name)))
			continue;
		if (!(whole = pv_encode_object(o)))
			continue;
		if ((l = take(whole, labels)))
			json_object_object_add(it, "labels", l);
		json_object_put(whole);
	}
}

static const struct {
	const char *kind;
	enum pv_kind k;
	const char *const *tmpl; /* the path to the pod template's spec */
} workload_kinds[] = {
	{ "Deployment", PV_KIND_DEPLOYMENT, (const char *const[]){ "spec", "template", "spec", NULL } },
	{ "ReplicaSet", PV_KIND_REPLICASET, (const char *const[]){ "spec", "template", "spec", NULL } },
	{ "StatefulSet", PV_KIND_STATEFULSET, (const char *const[]){ "spec", "template", "spec", NULL } },
	{ "DaemonSet", PV_KIND_DAEMONSET, (const char *const[]){ "spec", "template", "spec", NULL } },
	{ "Job", PV_KIND_JOB, (const char *const[]){ "spec", "template", "spec", NULL } },
	{ "CronJob", PV_KIND_CRONJOB, (const char *const[]){ "spec", "jobTemplate", "spec", "template",
							      "spec", NULL } },
};

/* [{name, image}] of the pod spec SPEC's containers. */
static struct json_object *containers_of(struct json_object *spec)
{
	struct json_object *cs = json_object_object_get(spec, "containers");
	struct json_object *out = json_object_new_array();

	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *c = json_object_array_get_idx(cs, i), *e = json_object_new_object();
		struct json_object *name = json_object_object_get(c, "name");
		struct json_object *image = json_object_object_get(c, "image");

		json_object_object_add(e, "name", name ? json_object_get(name) : NULL);
		json_object_object_add(e, "image", image ? json_object_get(image) : NULL);
		json_object_array_add(out, e);
	}
	return out;
}

/* KEY=VALUE added to the map at K of O (made when absent). */
static void add_pair(struct json_object *o, const char *k, const char *key, const char *value)
{
	struct json_object *m = json_object_object_get(o, k);

	if (!m) {
		m = json_object_new_object();
		json_object_object_add(o, k, m);
	}
	json_object_object_add(m, key, json_object_new_string(value));
}

void pv_list_meta_workload(const struct pv_daemon *d, const char *kind, const char *ns,
			   const char *name, const char *hash, struct json_object *row)
{
	static const char *const labels[] = { "metadata", "labels", NULL };
	static const char *const selector[] = { "spec", "selector", NULL };
	struct json_object *whole = NULL, *v;
	const struct pv_object *o = NULL;
	size_t i;

	for (i = 0; i < sizeof(workload_kinds) / sizeof(workload_kinds[0]); i++)
		if (!strcmp(workload_kinds[i].kind, kind))
			break;
	if (i == sizeof(workload_kinds) / sizeof(workload_kinds[0]) ||
	    !(o = find(d, workload_kinds[i].k, ns, name)) || !(whole = pv_encode_object(o)))
		return;
	if (hash) { /* the ReplicaSet: the template's labels, as the controller makes it */
		static const char *const tl[] = { "spec", "template", "metadata", "labels", NULL };

		if ((v = copy_at(whole, tl)))
			json_object_object_add(row, "labels", v);
	} else if ((v = take(whole, labels))) {
		json_object_object_add(row, "labels", v);
	}
	if ((v = copy_at(whole, selector)))
		json_object_object_add(row, "selector", v);
	json_object_object_add(row, "containers", containers_of(at(whole, workload_kinds[i].tmpl)));
	if (hash) {
		add_pair(row, "labels", "pod-template-hash", hash);
		if ((v = json_object_object_get(row, "selector")))
			add_pair(v, "matchLabels", "pod-template-hash", hash);
	}
	json_object_put(whole);
}
