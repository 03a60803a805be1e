/* The objects behind the API's records, for `get -o json|yaml`: when a
 * client asks for them ("full": true), each item of a list answer gets
 * "object", the Kubernetes object as the daemon loaded it, with its
 * defaults (the manifests' encoder): a pod's private copy of its spec
 * (controller-made pods too), and the manifest's object for the other
 * kinds; a Deployment's ReplicaSet, which no manifest holds, gets its
 * Deployment's as "deployment". The CLI (printers/k8sobj.c) makes Kubernetes objects of them.
 * An item's objects are encoded when it gets them, one item at a time
 * (pv_api_each hands them out so; a whole answer holds them all).
 * May call: node (pod records, the desired state), source, manifests. */
#include "supervisor/api/objects_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifests/encode.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/node/node.h"
#include "supervisor/node/pod.h"
#include "supervisor/source/desired.h"

/* The arrays of each op's answer whose items get an object, and its kind. */
static const struct {
	enum pv_api_op op;
	const char *array;
	enum pv_kind kind;
} arrays[] = {
	{ PV_API_PODS, "items", PV_KIND_POD },
	{ PV_API_SERVICES, "items", PV_KIND_SERVICE },
	{ PV_API_STORAGE, "volumes", PV_KIND_PV },
	{ PV_API_STORAGE, "claims", PV_KIND_PVC },
	{ PV_API_CONFIG, "configmaps", PV_KIND_CONFIGMAP },
	{ PV_API_CONFIG, "secrets", PV_KIND_SECRET },
	{ PV_API_WORKLOADS, "deployments", PV_KIND_DEPLOYMENT },
	{ PV_API_WORKLOADS, "replicasets", PV_KIND_REPLICASET },
	{ PV_API_WORKLOADS, "statefulsets", PV_KIND_STATEFULSET },
	{ PV_API_WORKLOADS, "daemonsets", PV_KIND_DAEMONSET },
	{ PV_API_WORKLOADS, "jobs", PV_KIND_JOB },
	{ PV_API_WORKLOADS, "cronjobs", PV_KIND_CRONJOB },
};
#define N_ARRAYS (sizeof(arrays) / sizeof(arrays[0]))

/* The objects in force of an op's kinds, by kind, namespace and name (the
 * last of a name wins), not encoded: an item's are, when it gets them. */
struct pv_api_objects {
	struct pv_daemon *d;
	enum pv_api_op op;
	struct json_object *pos; /* "KIND:NS/NAME" -> its index in v */
	const struct pv_object **v;
	size_t n, cap;
};

static void key_of(char *buf, size_t len, enum pv_kind k, const char *ns, const char *name)
{
	snprintf(buf, len, "%d:%s/%s", (int)k, ns ? ns : "", name ? name : "");
}

static void index_one(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_api_objects *x = data;
	const struct pv_meta *m = &o->obj->metadata;
	char key[620];

	(void)f;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		const struct pv_object **v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return;
		x->v = v;
		x->cap = cap;
	}
	key_of(key, sizeof(key), o->kind->kind, m->namespace.v, m->name.v);
	json_object_object_add(x->pos, key, json_object_new_int64((int64_t)x->n));
	x->v[x->n++] = o;
}

struct pv_api_objects *pv_api_objects_new(struct pv_daemon *d, enum pv_api_op op)
{
	struct pv_api_objects *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->d = d;
	x->op = op;
	x->pos = json_object_new_object();
	for (size_t a = 0; a < N_ARRAYS; a++)
		if (arrays[a].op == op && arrays[a].kind != PV_KIND_POD)
			pv_desired_each(&d->desired, arrays[a].kind, index_one, x);
	return x;
}

void pv_api_objects_free(struct pv_api_objects *x)
{
	if (!x)
		return;
	json_object_put(x->pos);
	free(x->v);
	free(x);
}

/* IT gets as KEY the encoded object of kind K named NS/NAME, if in force. */
static void add_named(struct pv_api_objects *x, struct json_object *it, const char *key,
		      enum pv_kind k, const char *ns, const char *name)
{
	struct json_object *at;
	char buf[620];

	key_of(buf, sizeof(buf), k, ns, name);
	if (json_object_object_get_ex(x->pos, buf, &at))
		json_object_object_add(it, key, pv_encode_object(x->v[json_object_get_int64(at)]));
}

/* The Ith pod's record (op_pods: at the same index as the pod). */
static void add_pod_at(struct pv_daemon *d, size_t i, struct json_object *it)
{
	const struct pv_prt *p = i < d->npods ? d->pods[i] : NULL;
	struct pv_object o;

	if (!p || !p->spec || strcmp(pv_json_str(it, "uid", ""), p->uid) != 0)
		return;
	o = (struct pv_object){ .kind = pv_kind_get(PV_KIND_POD), .obj = (struct pv_objhead *)p->spec };
	json_object_object_add(it, "object", pv_encode_object(&o));
}

/* A Deployment's ReplicaSet (its "owner" is "deployment/NS/NAME") has no
 * object of its own: it gets its Deployment's, as "deployment". */
static void add_rs_owner(struct pv_api_objects *x, struct json_object *it)
{
	const char *owner = pv_json_str(it, "owner", ""), *name = strrchr(owner, '/');

	if (strncmp(owner, "deployment/", 11) != 0 || !name)
		return;
	add_named(x, it, "deployment", PV_KIND_DEPLOYMENT, pv_json_str(it, "namespace", ""),
		  name + 1);
}

void pv_api_objects_add(struct pv_api_objects *x, const char *array, size_t i,
			struct json_object *it)
{
	for (size_t a = 0; x && it && a < N_ARRAYS; a++) {
		if (arrays[a].op != x->op || strcmp(arrays[a].array, array) != 0)
			continue;
		if (arrays[a].kind == PV_KIND_POD) {
			add_pod_at(x->d, i, it);
			return;
		}
		add_named(x, it, "object", arrays[a].kind, pv_json_str(it, "namespace", ""),
			  pv_json_str(it, "name", ""));
		if (arrays[a].kind == PV_KIND_REPLICASET)
			add_rs_owner(x, it);
		return;
	}
}

/* The one pod of a "pod" answer (describe), found by its uid. */
static void add_pod(struct pv_daemon *d, struct json_object *it)
{
	for (size_t i = 0; it && i < d->npods; i++) {
		const struct pv_prt *p = d->pods[i];
		struct pv_object o = { .kind = pv_kind_get(PV_KIND_POD),
				       .obj = (struct pv_objhead *)p->spec };

		if (p->spec && strcmp(pv_json_str(it, "uid", ""), p->uid) == 0) {
			json_object_object_add(it, "object", pv_encode_object(&o));
			return;
		}
	}
}

void pv_api_add_objects(struct pv_daemon *d, enum pv_api_op op, struct json_object *resp)
{
	struct pv_api_objects *x;

	if (op == PV_API_POD) {
		add_pod(d, resp);
		return;
	}
	x = pv_api_objects_new(d, op);
	for (size_t a = 0; a < N_ARRAYS; a++) {
		struct json_object *items =
			arrays[a].op == op ? json_object_object_get(resp, arrays[a].array) : NULL;

		for (size_t i = 0; items && i < json_object_array_length(items); i++)
			pv_api_objects_add(x, arrays[a].array, i, json_object_array_get_idx(items, i));
	}
	pv_api_objects_free(x);
}
