/* The objects behind the API's records, for `get -o json|yaml`: when a
 * client asks for them ("full": true), each item of a list answer gets
 * "object", the Kubernetes object as the daemon loaded it, with its
 * defaults (the manifests' encoder): a pod's private copy of its spec
 * (controller-made pods too), and the manifest's object for the other
 * kinds; a Deployment's ReplicaSet, which no manifest holds, gets its
 * Deployment's as "deployment". The CLI (printers/k8sobj.c) makes Kubernetes objects of them.
 * May call: node (pod records, the desired state), source, manifests. */
#include "supervisor/api/objects_api.h"

#include <stdio.h>
#include <string.h>

#include "manifests/encode.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/node/node.h"
#include "supervisor/node/pod.h"
#include "supervisor/source/desired.h"

/* Each pod's record is at the same index as the pod (op_pods). */
static void add_pods(struct pv_daemon *d, struct json_object *items)
{
	for (size_t i = 0; i < d->npods && i < json_object_array_length(items); i++) {
		const struct pv_prt *p = d->pods[i];
		struct pv_object o = { .kind = pv_kind_get(PV_KIND_POD),
				       .obj = (struct pv_objhead *)p->spec };
		struct json_object *it = json_object_array_get_idx(items, i);

		if (!p->spec || strcmp(pv_json_str(it, "uid", ""), p->uid) != 0)
			continue;
		json_object_object_add(it, "object", pv_encode_object(&o));
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

static void key_of(char *buf, size_t len, const char *ns, const char *name)
{
	snprintf(buf, len, "%s/%s", ns ? ns : "", name ? name : "");
}

static void index_one(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	const struct pv_meta *m = &o->obj->metadata;
	char key[600];

	(void)f;
	key_of(key, sizeof(key), m->namespace.v, m->name.v);
	json_object_object_add(data, key, pv_encode_object(o));
}

/* Items of ARRAY in RESP (namespace, name) get their object of kind K. */
static void add_desired(struct pv_daemon *d, struct json_object *resp, const char *array,
			enum pv_kind k)
{
	struct json_object *items = json_object_object_get(resp, array);
	struct json_object *index = json_object_new_object();

	pv_desired_each(&d->desired, k, index_one, index);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i), *o;
		char key[600];

		key_of(key, sizeof(key), pv_json_str(it, "namespace", ""), pv_json_str(it, "name", ""));
		if (json_object_object_get_ex(index, key, &o))
			json_object_object_add(it, "object", json_object_get(o));
	}
	json_object_put(index);
}

/* A Deployment's ReplicaSet (its "owner" is "deployment/NS/NAME") has no
 * object of its own: it gets its Deployment's, as "deployment". */
static void add_rs_owners(struct pv_daemon *d, struct json_object *resp)
{
	struct json_object *items = json_object_object_get(resp, "replicasets");
	struct json_object *index = json_object_new_object();

	pv_desired_each(&d->desired, PV_KIND_DEPLOYMENT, index_one, index);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i), *o;
		const char *owner = pv_json_str(it, "owner", ""), *name = strrchr(owner, '/');
		char key[600];

		if (strncmp(owner, "deployment/", 11) != 0 || !name)
			continue;
		key_of(key, sizeof(key), pv_json_str(it, "namespace", ""), name + 1);
		if (json_object_object_get_ex(index, key, &o))
			json_object_object_add(it, "deployment", json_object_get(o));
	}
	json_object_put(index);
}

void pv_api_add_objects(struct pv_daemon *d, enum pv_api_op op, struct json_object *resp)
{
	static const struct {
		const char *array;
		enum pv_kind kind;
	} workloads[] = {
		{ "deployments", PV_KIND_DEPLOYMENT }, { "replicasets", PV_KIND_REPLICASET },
		{ "statefulsets", PV_KIND_STATEFULSET }, { "daemonsets", PV_KIND_DAEMONSET },
		{ "jobs", PV_KIND_JOB },               { "cronjobs", PV_KIND_CRONJOB },
	};

	switch (op) {
	case PV_API_PODS:
		add_pods(d, json_object_object_get(resp, "items"));
		break;
	case PV_API_POD:
		add_pod(d, resp);
		break;
	case PV_API_SERVICES:
		add_desired(d, resp, "items", PV_KIND_SERVICE);
		break;
	case PV_API_STORAGE:
		add_desired(d, resp, "volumes", PV_KIND_PV);
		add_desired(d, resp, "claims", PV_KIND_PVC);
		break;
	case PV_API_CONFIG:
		add_desired(d, resp, "configmaps", PV_KIND_CONFIGMAP);
		add_desired(d, resp, "secrets", PV_KIND_SECRET);
		break;
	case PV_API_WORKLOADS:
		for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
			add_desired(d, resp, workloads[i].array, workloads[i].kind);
		add_rs_owners(d, resp);
		break;
	default:
		break;
	}
}
