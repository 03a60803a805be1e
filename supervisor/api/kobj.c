/* The daemon's records made into the Kubernetes objects kubectl would
 * print: apiVersion, kind, metadata (uid, creationTimestamp,
 * resourceVersion, ownerReferences), spec as loaded with its defaults
 * (objects_api.c adds them when a request says "full": true), and status
 * as Kubernetes spells it. For `get -o json|yaml` (printers/k8sobj.c)
 * and for the status directory the daemon keeps (statusdir/).
 * May call: core (JSON helpers), image (imageID from the local store).
 * Pure but for the image store's listing. */
#include "supervisor/api/kobj.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/sha256.h"
#include "supervisor/core/command.h"
#include "supervisor/core/jsonx.h"

typedef struct json_object jo;

static jo *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static void put(jo *o, const char *k, jo *v)
{
	json_object_object_add(o, k, v);
}

static jo *get(jo *o, const char *k)
{
	return o ? json_object_object_get(o, k) : NULL;
}

/* get(O, K), made an empty object when absent. */
static jo *obj_at(jo *o, const char *k)
{
	jo *v = get(o, k);

	if (!v || !json_object_is_type(v, json_type_object)) {
		v = json_object_new_object();
		put(o, k, v);
	}
	return v;
}

static jo *copy(jo *src)
{
	jo *dst = NULL;

	if (!src || json_object_deep_copy(src, &dst, NULL) < 0)
		return json_object_new_object();
	return dst;
}

static void rfc3339(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static jo *jtime(int64_t t)
{
	char buf[40];

	rfc3339(t, buf, sizeof(buf));
	return jstr(buf);
}

/* A stable UUID for an object the daemon gives no uid: from its kind,
 * namespace and name (a Deployment's ReplicaSet names its owner's). */
static void uid_of(const char *kind, const char *ns, const char *name, char out[37])
{
	uint8_t md[PV_SHA256_LEN];
	char key[1200];
	size_t o = 0;

	snprintf(key, sizeof(key), "%s/%s/%s", kind, ns ? ns : "", name);
	pv_sha256(key, strlen(key), md);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5, variant 1 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += (size_t)snprintf(out + o, 37 - o, "%02x", md[i]);
	}
	out[36] = '\0';
}

/* metadata: what the object says, and what the API server would add. */
static jo *meta(jo *obj, const char *kind, const char *ns, const char *name, const char *uid,
		const char *created)
{
	jo *m = obj_at(obj, "metadata");
	char u[37], rv[32];

	put(m, "name", jstr(name));
	if (ns && *ns)
		put(m, "namespace", jstr(ns));
	else
		json_object_object_del(m, "namespace");
	if (!uid || !*uid)
		uid_of(kind, ns, name, u), uid = u;
	put(m, "uid", jstr(uid));
	put(m, "creationTimestamp", jstr(created));
	snprintf(rv, sizeof(rv), "%u", (unsigned)(strlen(uid) + strlen(created) * 7 + 1));
	put(m, "resourceVersion", jstr(rv));
	if (get(m, "annotations"))
		json_object_object_del(get(m, "annotations"),
				       "kubectl.kubernetes.io/last-applied-configuration");
	if (get(m, "annotations") && !json_object_object_length(get(m, "annotations")))
		json_object_object_del(m, "annotations");
	if (get(m, "labels") && !json_object_object_length(get(m, "labels")))
		json_object_object_del(m, "labels");
	return m;
}

/* The start of an object of KIND from the daemon's item IT: its loaded
 * object when there is one, else apiVersion and kind alone. */
static jo *base(jo *it, const char *api, const char *kind)
{
	jo *obj = copy(get(it, "object"));

	put(obj, "apiVersion", jstr(api));
	put(obj, "kind", jstr(kind));
	return obj;
}

static void created_meta(jo *obj, jo *it, const char *kind, bool cluster)
{
	char ts[40];

	rfc3339(pv_json_int(it, "created"), ts, sizeof(ts));
	meta(obj, kind, cluster ? NULL : pv_json_str(it, "namespace", ""), pv_json_str(it, "name", ""),
	     NULL, ts);
}

/* Each owner reference gets the uid this command gives its owner. */
static void owner_uids(jo *m, const char *ns)
{
	jo *refs = get(m, "ownerReferences");

	for (size_t i = 0; refs && i < json_object_array_length(refs); i++) {
		jo *r = json_object_array_get_idx(refs, i);
		char u[37];

		uid_of(pv_json_str(r, "kind", ""), ns, pv_json_str(r, "name", ""), u);
		put(r, "uid", jstr(u));
	}
}

/* --- pods --------------------------------------------------------------- */


/* status.imageID: the repository at the digest the store has for IMAGE. */
static jo *image_id(const struct pv_kobj_images *im, const char *image)
{
	char *ref = pv_image_ref_normalize(image, &(struct pv_err){ 0 });
	jo *id = NULL;

	for (size_t i = 0; ref && i < im->n && !id; i++) {
		const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');
		size_t nlen = colon && (!slash || colon > slash) ? (size_t)(colon - ref) : strlen(ref);
		char buf[1024];

		if (strcmp(im->v[i].ref, ref) != 0 || !im->v[i].digest)
			continue;
		snprintf(buf, sizeof(buf), "%.*s@%s", (int)nlen, ref, im->v[i].digest);
		id = jstr(buf);
	}
	free(ref);
	return id ? id : jstr("");
}

static bool running(jo *c)
{
	return get(get(c, "state"), "running") != NULL;
}

static jo *container_status(jo *c, const struct pv_kobj_images *im)
{
	jo *s = json_object_new_object(), *st = copy(get(c, "state"));
	jo *w = get(st, "waiting");

	if (w && !*pv_json_str(w, "reason", ""))
		json_object_object_del(w, "reason");
	put(s, "name", jstr(pv_json_str(c, "name", "")));
	put(s, "image", jstr(pv_json_str(c, "image", "")));
	put(s, "imageID", image_id(im, pv_json_str(c, "image", "")));
	put(s, "ready", json_object_new_boolean(json_object_get_boolean(get(c, "ready"))));
	put(s, "restartCount", json_object_new_int((int)pv_json_int(c, "restartCount")));
	put(s, "started", json_object_new_boolean(json_object_get_boolean(get(c, "started"))));
	put(s, "state", st);
	put(s, "lastState", copy(get(c, "lastState")));
	return s;
}

static jo *condition(const char *type, bool ok, const char *when, const char *reason)
{
	jo *c = json_object_new_object();

	put(c, "type", jstr(type));
	put(c, "status", jstr(ok ? "True" : "False"));
	put(c, "lastProbeTime", NULL);
	put(c, "lastTransitionTime", jstr(when));
	if (!ok && reason)
		put(c, "reason", jstr(reason));
	return c;
}

/* The latest of the containers' STATE.KEY times (RFC 3339 sorts as text). */
static const char *latest(jo *cs, bool init, const char *state, const char *key,
			  const char *dflt)
{
	const char *best = dflt;

	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		jo *c = json_object_array_get_idx(cs, i);
		const char *t = pv_json_str(get(get(c, "state"), state), key, "");

		if (json_object_get_boolean(get(c, "init")) == init && strcmp(t, best) > 0)
			best = t;
	}
	return best;
}

static void pod_conditions(jo *status, jo *it)
{
	jo *cs = get(it, "containers"), *conds = json_object_new_array();
	const char *created = pv_json_str(it, "createdAt", "");
	bool inited = true, ready = pv_json_int(it, "ready") == pv_json_int(it, "total");
	bool sched = strcmp(pv_json_str(it, "reason", ""), "Unschedulable") != 0;

	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		jo *c = json_object_array_get_idx(cs, i), *t = get(get(c, "state"), "terminated");

		if (json_object_get_boolean(get(c, "init")) && !running(c) &&
		    !(t && pv_json_int(t, "exitCode") == 0))
			inited = false;
	}
	ready = ready && inited && strcmp(pv_json_str(it, "status", ""), "Terminating") != 0;
	json_object_array_add(conds, condition("Initialized", inited,
		latest(cs, true, "terminated", "finishedAt", created), "ContainersNotInitialized"));
	json_object_array_add(conds, condition("Ready", ready,
		latest(cs, false, "running", "startedAt", created), "ContainersNotReady"));
	json_object_array_add(conds, condition("ContainersReady", ready,
		latest(cs, false, "running", "startedAt", created), "ContainersNotReady"));
	json_object_array_add(conds, condition("PodScheduled", sched, created, "Unschedulable"));
	put(status, "conditions", conds);
}

/* Guaranteed, Burstable or BestEffort, from the containers' resources. */
static const char *qos_class(jo *spec)
{
	static const char *const lists[] = { "initContainers", "containers" };
	bool any = false, all = true;

	for (size_t l = 0; l < 2; l++) {
		jo *cs = get(spec, lists[l]);

		for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
			jo *r = get(json_object_array_get_idx(cs, i), "resources");
			jo *lim = get(r, "limits"), *req = get(r, "requests");

			any |= (lim && json_object_object_length(lim)) ||
			       (req && json_object_object_length(req));
			for (int k = 0; k < 2; k++) {
				const char *res = k ? "memory" : "cpu";
				const char *lv = pv_json_str(lim, res, NULL);
				const char *rv = pv_json_str(req, res, lv);

				if (!lv || !rv || strcmp(lv, rv) != 0)
					all = false;
			}
		}
	}
	return !any ? "BestEffort" : all ? "Guaranteed" : "Burstable";
}

static jo *ip_list(const char *ip)
{
	jo *a = json_object_new_array(), *e = json_object_new_object();

	put(e, "ip", jstr(ip));
	json_object_array_add(a, e);
	return a;
}

static jo *pod_object(jo *it, const struct pv_kobj_images *im)
{
	jo *obj = base(it, "v1", "Pod"), *spec = obj_at(obj, "spec");
	jo *st = json_object_new_object(), *cs = get(it, "containers");
	jo *app = json_object_new_array(), *init = json_object_new_array();
	const char *ns = pv_json_str(it, "namespace", ""), *ip = pv_json_str(it, "podIP", "");
	const char *host = pv_json_str(it, "hostIP", "");

	owner_uids(meta(obj, "Pod", ns, pv_json_str(it, "name", ""), pv_json_str(it, "uid", ""),
			pv_json_str(it, "createdAt", "")), ns);
	put(spec, "nodeName", jstr(pv_json_str(it, "node", "")));
	put(st, "phase", jstr(pv_json_str(it, "phase", "")));
	if (*pv_json_str(it, "reason", "")) {
		put(st, "reason", jstr(pv_json_str(it, "reason", "")));
		put(st, "message", jstr(pv_json_str(it, "message", "")));
	}
	pod_conditions(st, it);
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		jo *c = json_object_array_get_idx(cs, i);

		json_object_array_add(json_object_get_boolean(get(c, "init")) ? init : app,
				      container_status(c, im));
	}
	put(st, "containerStatuses", app);
	if (json_object_array_length(init))
		put(st, "initContainerStatuses", init);
	else
		json_object_put(init);
	if (*host) {
		put(st, "hostIP", jstr(host));
		put(st, "hostIPs", ip_list(host));
	}
	if (*ip) {
		put(st, "podIP", jstr(ip));
		put(st, "podIPs", ip_list(ip));
	}
	put(st, "qosClass", jstr(qos_class(spec)));
	put(st, "startTime", jstr(pv_json_str(it, "createdAt", "")));
	put(obj, "status", st);
	return obj;
}

/* --- services and endpoints --------------------------------------------- */

static jo *service_object(jo *it)
{
	jo *obj = base(it, "v1", "Service"), *spec = obj_at(obj, "spec");
	jo *ports = get(spec, "ports"), *mine = get(it, "ports"), *st = json_object_new_object();
	const char *ip = pv_json_str(it, "clusterIP", "");

	created_meta(obj, it, "Service", false);
	if (*ip) {
		jo *ips = json_object_new_array();

		json_object_array_add(ips, jstr(ip));
		put(spec, "clusterIP", jstr(ip));
		put(spec, "clusterIPs", ips);
	}
	put(spec, "type", jstr(pv_json_str(it, "type", "ClusterIP")));
	put(spec, "sessionAffinity", jstr(pv_json_str(it, "sessionAffinity", "None")));
	if (strcmp(pv_json_str(it, "type", ""), "ExternalName") != 0) {
		jo *fam = json_object_new_array();

		json_object_array_add(fam, jstr("IPv4"));
		put(spec, "ipFamilies", fam);
		put(spec, "ipFamilyPolicy", jstr("SingleStack"));
		if (!get(spec, "internalTrafficPolicy"))
			put(spec, "internalTrafficPolicy", jstr("Cluster"));
	}
	for (size_t i = 0; ports && mine && i < json_object_array_length(ports) &&
			   i < json_object_array_length(mine); i++) {
		jo *p = json_object_array_get_idx(ports, i), *m = json_object_array_get_idx(mine, i);

		if (pv_json_int(m, "nodePort"))
			put(p, "nodePort", json_object_new_int((int)pv_json_int(m, "nodePort")));
	}
	put(st, "loadBalancer", json_object_new_object());
	put(obj, "status", st);
	return obj;
}

/* The subset of port P: its endpoints' addresses, and the port. */
static jo *subset_of(jo *p)
{
	jo *s = json_object_new_object(), *addrs = json_object_new_array();
	jo *ports = json_object_new_array(), *port = json_object_new_object();
	jo *eps = get(p, "endpoints");
	int64_t target = 0;

	for (size_t i = 0; eps && i < json_object_array_length(eps); i++) {
		jo *e = json_object_array_get_idx(eps, i), *a = json_object_new_object();

		put(a, "ip", jstr(pv_json_str(e, "ip", "")));
		json_object_array_add(addrs, a);
		target = pv_json_int(e, "port");
	}
	if (*pv_json_str(p, "name", ""))
		put(port, "name", jstr(pv_json_str(p, "name", "")));
	put(port, "port", json_object_new_int((int)target));
	put(port, "protocol", jstr(pv_json_str(p, "protocol", "TCP")));
	json_object_array_add(ports, port);
	put(s, "addresses", addrs);
	put(s, "ports", ports);
	return s;
}

/* Subsets as the endpoints controller packs them: the same addresses
 * share one subset, with all their ports. */
static jo *endpoints_object(jo *it)
{
	jo *obj = base(NULL, "v1", "Endpoints"), *subsets = json_object_new_array();
	jo *ports = get(it, "ports");

	created_meta(obj, it, "Endpoints", false);
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		jo *s = subset_of(json_object_array_get_idx(ports, i)), *same = NULL;

		if (!json_object_array_length(get(s, "addresses"))) {
			json_object_put(s);
			continue;
		}
		for (size_t j = 0; j < json_object_array_length(subsets) && !same; j++) {
			jo *t = json_object_array_get_idx(subsets, j);

			if (json_object_equal(get(t, "addresses"), get(s, "addresses")))
				same = t;
		}
		if (same)
			json_object_array_add(get(same, "ports"),
					      json_object_get(json_object_array_get_idx(get(s, "ports"), 0)));
		else
			json_object_array_add(subsets, json_object_get(s));
		json_object_put(s);
	}
	if (json_object_array_length(subsets))
		put(obj, "subsets", subsets);
	else
		json_object_put(subsets);
	return obj;
}

/* --- storage and configuration ------------------------------------------ */

/* "RWO,ROX" -> ["ReadWriteOnce", "ReadOnlyMany"] */
static jo *access_modes(const char *s)
{
	static const char *const names[][2] = { { "RWOP", "ReadWriteOncePod" },
		{ "RWO", "ReadWriteOnce" }, { "ROX", "ReadOnlyMany" }, { "RWX", "ReadWriteMany" } };
	jo *a = json_object_new_array();
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < 4; i++)
			if (!strcmp(t, names[i][0]))
				json_object_array_add(a, jstr(names[i][1]));
	return a;
}

static jo *storage_map(const char *qty)
{
	jo *m = json_object_new_object();

	put(m, "storage", jstr(qty));
	return m;
}

static jo *volume_object(jo *it)
{
	jo *obj = base(it, "v1", "PersistentVolume"), *spec = obj_at(obj, "spec");
	jo *st = json_object_new_object();
	const char *claim = pv_json_str(it, "claim", ""), *slash = strchr(claim, '/');

	created_meta(obj, it, "PersistentVolume", true);
	if (!get(it, "object")) { /* provisioned: what local-path would write */
		jo *hp = json_object_new_object();

		put(spec, "capacity", storage_map(pv_json_str(it, "capacity", "")));
		put(spec, "accessModes", access_modes(pv_json_str(it, "accessModes", "")));
		put(spec, "persistentVolumeReclaimPolicy", jstr(pv_json_str(it, "reclaimPolicy", "")));
		put(spec, "storageClassName", jstr(pv_json_str(it, "storageClass", "")));
		put(spec, "volumeMode", jstr(pv_json_str(it, "volumeMode", "Filesystem")));
		put(hp, "path", jstr(pv_json_str(it, "path", "")));
		put(hp, "type", jstr("DirectoryOrCreate"));
		put(spec, "hostPath", hp);
	}
	if (slash) {
		jo *ref = json_object_new_object();
		char ns[256];
		char u[37];

		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - claim), claim);
		uid_of("PersistentVolumeClaim", ns, slash + 1, u);
		put(ref, "apiVersion", jstr("v1"));
		put(ref, "kind", jstr("PersistentVolumeClaim"));
		put(ref, "name", jstr(slash + 1));
		put(ref, "namespace", jstr(ns));
		put(ref, "uid", jstr(u));
		put(spec, "claimRef", ref);
	}
	put(st, "phase", jstr(pv_json_str(it, "status", "")));
	if (*pv_json_str(it, "reason", "")) {
		put(st, "reason", jstr(pv_json_str(it, "reason", "")));
		put(st, "message", jstr(pv_json_str(it, "message", "")));
	}
	put(obj, "status", st);
	return obj;
}

static jo *claim_object(jo *it)
{
	jo *obj = base(it, "v1", "PersistentVolumeClaim"), *spec = obj_at(obj, "spec");
	jo *st = json_object_new_object();
	const char *vol = pv_json_str(it, "volume", "");

	created_meta(obj, it, "PersistentVolumeClaim", false);
	if (!get(it, "object")) { /* a StatefulSet's claim, from its template */
		jo *res = json_object_new_object(), *labels = get(it, "labels");

		put(spec, "accessModes", access_modes(pv_json_str(it, "requestedAccessModes", "")));
		put(res, "requests", storage_map(pv_json_str(it, "requested", "")));
		put(spec, "resources", res);
		if (*pv_json_str(it, "storageClass", ""))
			put(spec, "storageClassName", jstr(pv_json_str(it, "storageClass", "")));
		put(spec, "volumeMode", jstr(pv_json_str(it, "volumeMode", "Filesystem")));
		if (labels && json_object_object_length(labels))
			put(obj_at(obj, "metadata"), "labels", copy(labels));
	}
	if (*vol)
		put(spec, "volumeName", jstr(vol));
	put(st, "phase", jstr(pv_json_str(it, "status", "Pending")));
	if (*vol && *pv_json_str(it, "capacity", "")) {
		put(st, "accessModes", access_modes(pv_json_str(it, "accessModes", "")));
		put(st, "capacity", storage_map(pv_json_str(it, "capacity", "")));
	}
	put(obj, "status", st);
	return obj;
}

static jo *configmap_object(jo *it)
{
	jo *obj = base(it, "v1", "ConfigMap");

	created_meta(obj, it, "ConfigMap", false);
	return obj;
}

/* data as the API server returns it: stringData merged in, base64. */
static jo *secret_object(jo *it)
{
	jo *obj = base(it, "v1", "Secret");

	created_meta(obj, it, "Secret", false);
	json_object_object_del(obj, "stringData");
	put(obj, "data", copy(get(it, "data")));
	put(obj, "type", jstr(pv_json_str(it, "type", "Opaque")));
	return obj;
}

/* --- workloads ---------------------------------------------------------- */

/* K: V in O, left out when 0 (omitempty, as the API's status fields). */
static void count(jo *o, const char *k, int64_t v)
{
	if (v)
		put(o, k, json_object_new_int64(v));
}

static jo *workload_status(jo *it, const char *kind)
{
	jo *st = json_object_new_object();
	int64_t cur = pv_json_int(it, "current"), ready = pv_json_int(it, "ready");
	int64_t upd = pv_json_int(it, "updated"), avail = pv_json_int(it, "available");

	put(st, "observedGeneration", json_object_new_int(1));
	if (!strcmp(kind, "DaemonSet")) {
		put(st, "currentNumberScheduled", json_object_new_int64(cur));
		put(st, "desiredNumberScheduled", json_object_new_int64(pv_json_int(it, "replicas")));
		put(st, "numberMisscheduled", json_object_new_int(0));
		put(st, "numberReady", json_object_new_int64(ready));
		count(st, "numberAvailable", avail);
		count(st, "updatedNumberScheduled", upd);
		return st;
	}
	put(st, "replicas", json_object_new_int64(cur));
	count(st, "readyReplicas", ready);
	count(st, "availableReplicas", avail);
	if (!strcmp(kind, "Deployment")) {
		count(st, "updatedReplicas", upd);
		count(st, "unavailableReplicas", pv_json_int(it, "replicas") - avail > 0
						  ? pv_json_int(it, "replicas") - avail : 0);
	} else if (!strcmp(kind, "StatefulSet")) {
		count(st, "currentReplicas", upd);
		count(st, "updatedReplicas", upd);
	} else {
		count(st, "fullyLabeledReplicas", cur);
	}
	return st;
}

static jo *job_status(jo *it, bool cron)
{
	jo *st = json_object_new_object();
	const char *s = pv_json_str(it, "status", "");

	if (cron) {
		if (pv_json_int(it, "lastScheduleTime"))
			put(st, "lastScheduleTime", jtime(pv_json_int(it, "lastScheduleTime")));
		return st;
	}
	count(st, "active", pv_json_int(it, "active"));
	count(st, "succeeded", pv_json_int(it, "succeeded"));
	count(st, "failed", pv_json_int(it, "failed"));
	if (pv_json_int(it, "startTime"))
		put(st, "startTime", jtime(pv_json_int(it, "startTime")));
	if (pv_json_int(it, "completionTime"))
		put(st, "completionTime", jtime(pv_json_int(it, "completionTime")));
	if (!strcmp(s, "Complete") || !strcmp(s, "Failed")) {
		jo *conds = json_object_new_array(), *c = json_object_new_object();
		int64_t at = pv_json_int(it, "completionTime") ?: pv_json_int(it, "created");

		put(c, "type", jstr(s));
		put(c, "status", jstr("True"));
		put(c, "lastProbeTime", jtime(at));
		put(c, "lastTransitionTime", jtime(at));
		json_object_array_add(conds, c);
		put(st, "conditions", conds);
	}
	return st;
}

/* A Deployment's current ReplicaSet: its template, labelled with the
 * pod-template-hash, owned by the Deployment. */
static void rs_of_deployment(jo *obj, jo *deploy, jo *it)
{
	jo *dspec = get(deploy, "spec"), *spec = json_object_new_object();
	jo *tmpl = copy(get(dspec, "template")), *sel = copy(get(dspec, "selector"));
	jo *m = obj_at(obj, "metadata"), *refs = json_object_new_array(), *ref = json_object_new_object();
	const char *hash = pv_json_str(it, "podTemplateHash", "");
	char u[37];

	put(obj_at(obj_at(tmpl, "metadata"), "labels"), "pod-template-hash", jstr(hash));
	put(obj_at(sel, "matchLabels"), "pod-template-hash", jstr(hash));
	put(m, "labels", copy(get(get(tmpl, "metadata"), "labels")));
	uid_of("Deployment", pv_json_str(it, "namespace", ""), pv_json_str(get(deploy, "metadata"), "name", ""), u);
	put(ref, "apiVersion", jstr("apps/v1"));
	put(ref, "kind", jstr("Deployment"));
	put(ref, "name", jstr(pv_json_str(get(deploy, "metadata"), "name", "")));
	put(ref, "uid", jstr(u));
	put(ref, "controller", json_object_new_boolean(1));
	put(ref, "blockOwnerDeletion", json_object_new_boolean(1));
	json_object_array_add(refs, ref);
	put(m, "ownerReferences", refs);
	put(spec, "replicas", json_object_new_int64(pv_json_int(it, "replicas")));
	put(spec, "selector", sel);
	put(spec, "template", tmpl);
	put(obj, "spec", spec);
}

static jo *workload_object(jo *it, const char *kind)
{
	const char *api = !strcmp(kind, "Job") || !strcmp(kind, "CronJob") ? "batch/v1" : "apps/v1";
	jo *obj = base(it, api, kind);

	created_meta(obj, it, kind, false);
	if (!strcmp(kind, "ReplicaSet") && get(it, "deployment"))
		rs_of_deployment(obj, get(it, "deployment"), it);
	if (!strcmp(kind, "Job") || !strcmp(kind, "CronJob"))
		put(obj, "status", job_status(it, !strcmp(kind, "CronJob")));
	else
		put(obj, "status", workload_status(it, kind));
	return obj;
}

/* --- events ------------------------------------------------------------- */

/* "pod/NS/NAME", "persistentvolume/NAME", "file:PATH" -> involvedObject. */
static jo *involved(const char *object, const char **ns)
{
	static const char *const kinds[][3] = {
		{ "pod", "v1", "Pod" }, { "service", "v1", "Service" },
		{ "persistentvolume", "v1", "PersistentVolume" },
		{ "persistentvolumeclaim", "v1", "PersistentVolumeClaim" },
		{ "configmap", "v1", "ConfigMap" }, { "deployment", "apps/v1", "Deployment" },
		{ "replicaset", "apps/v1", "ReplicaSet" }, { "statefulset", "apps/v1", "StatefulSet" },
		{ "daemonset", "apps/v1", "DaemonSet" }, { "job", "batch/v1", "Job" },
		{ "cronjob", "batch/v1", "CronJob" },
	};
	jo *o = json_object_new_object();
	char buf[1024], *rest, *slash;

	snprintf(buf, sizeof(buf), "%s", object);
	*ns = "default";
	if (!strncmp(buf, "file:", 5) || !(rest = strchr(buf, '/'))) {
		put(o, "kind", jstr("File"));
		put(o, "name", jstr(strncmp(buf, "file:", 5) ? buf : buf + 5));
		return o;
	}
	*rest++ = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(buf, kinds[i][0])) {
			put(o, "apiVersion", jstr(kinds[i][1]));
			put(o, "kind", jstr(kinds[i][2]));
		}
	if (!get(o, "kind"))
		put(o, "kind", jstr(buf));
	if ((slash = strchr(rest, '/'))) {
		*slash = '\0';
		put(o, "namespace", jstr(rest));
		*ns = json_object_get_string(get(o, "namespace"));
		rest = slash + 1;
	}
	put(o, "name", jstr(rest));
	return o;
}

static jo *event_object(jo *it, size_t idx, const char *node)
{
	jo *obj = base(NULL, "v1", "Event"), *src = json_object_new_object();
	const char *ns;
	jo *inv = involved(pv_json_str(it, "object", ""), &ns);
	int64_t at = pv_json_int(it, "at");
	char name[600], ts[40];

	snprintf(name, sizeof(name), "%s.%llx%04zx", pv_json_str(inv, "name", "event"),
		 (unsigned long long)at, idx);
	for (char *c = name; *c; c++) /* a file's path: a name (DNS subdomain) */
		if (*c == '/' || *c == '_')
			*c = '.';
	memmove(name, name + strspn(name, "."), strlen(name + strspn(name, ".")) + 1);
	rfc3339(at, ts, sizeof(ts));
	meta(obj, "Event", ns, name, NULL, ts);
	put(obj, "involvedObject", inv);
	put(obj, "reason", jstr(pv_json_str(it, "reason", "")));
	put(obj, "message", jstr(pv_json_str(it, "message", "")));
	put(obj, "type", jstr(pv_json_str(it, "type", "Normal")));
	put(obj, "count", json_object_new_int((int)pv_json_int(it, "count")));
	put(obj, "firstTimestamp", jstr(ts));
	put(obj, "lastTimestamp", jstr(ts));
	put(src, "component", jstr("podvisor"));
	if (node && *node)
		put(src, "host", jstr(node));
	put(obj, "source", src);
	put(obj, "reportingComponent", jstr("podvisor"));
	if (node && *node)
		put(obj, "reportingInstance", jstr(node));
	return obj;
}

/* A copy of J with every object's keys sorted, as kubectl prints. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

jo *pv_kobj_sorted(jo *j)
{
	jo *out;

	if (json_object_is_type(j, json_type_array)) {
		out = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(j); i++)
			json_object_array_add(out, pv_kobj_sorted(json_object_array_get_idx(j, i)));
		return out;
	}
	if (!json_object_is_type(j, json_type_object))
		return json_object_get(j);
	{
		size_t n = (size_t)json_object_object_length(j), k = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));

		out = json_object_new_object();
		if (!keys)
			return out;
		json_object_object_foreach(j, key, v) {
			(void)v;
			keys[k++] = key;
		}
		qsort(keys, n, sizeof(*keys), key_cmp);
		for (size_t i = 0; i < n; i++)
			put(out, keys[i], pv_kobj_sorted(get(j, keys[i])));
		free(keys);
	}
	return out;
}

static const struct {
	const char *words, *kind, *resource;
} kobjs[] = {
	[PV_K_POD] = { "pods pod po", "Pod", "pods" },
	[PV_K_SVC] = { "services service svc", "Service", "services" },
	[PV_K_EP] = { "endpoints ep", "Endpoints", "endpoints" },
	[PV_K_PV] = { "persistentvolumes persistentvolume pv", "PersistentVolume",
		   "persistentvolumes" },
	[PV_K_PVC] = { "persistentvolumeclaims persistentvolumeclaim pvc", "PersistentVolumeClaim",
		    "persistentvolumeclaims" },
	[PV_K_CM] = { "configmaps configmap cm", "ConfigMap", "configmaps" },
	[PV_K_SECRET] = { "secrets secret", "Secret", "secrets" },
	[PV_K_EVENT] = { "events event ev", "Event", "events" },
	[PV_K_DEPLOY] = { "deployments deployment deploy", "Deployment", "deployments.apps" },
	[PV_K_RS] = { "replicasets replicaset rs", "ReplicaSet", "replicasets.apps" },
	[PV_K_STS] = { "statefulsets statefulset sts", "StatefulSet", "statefulsets.apps" },
	[PV_K_DS] = { "daemonsets daemonset ds", "DaemonSet", "daemonsets.apps" },
	[PV_K_JOB] = { "jobs job", "Job", "jobs.batch" },
	[PV_K_CRONJOB] = { "cronjobs cronjob cj", "CronJob", "cronjobs.batch" },
};

enum pv_kobj pv_kobj_of(const char *word)
{
	for (size_t k = 0; k < PV_K_NONE; k++) {
		char buf[128], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", kobjs[k].words);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (!strcasecmp(t, word))
				return (enum pv_kobj)k;
	}
	return PV_K_NONE;
}

jo *pv_kobj_make(enum pv_kobj k, jo *it, size_t i, const struct pv_kobj_images *im,
		  const char *node)
{
	switch (k) {
	case PV_K_POD: return pod_object(it, im);
	case PV_K_SVC: return service_object(it);
	case PV_K_EP: return endpoints_object(it);
	case PV_K_PV: return volume_object(it);
	case PV_K_PVC: return claim_object(it);
	case PV_K_CM: return configmap_object(it);
	case PV_K_SECRET: return secret_object(it);
	case PV_K_EVENT: return event_object(it, i, node);
	default: return workload_object(it, kobjs[k].kind);
	}
}

const char *pv_kobj_kind(enum pv_kobj k)
{
	return k < PV_K_NONE ? kobjs[k].kind : "";
}

const char *pv_kobj_resource(enum pv_kobj k)
{
	return k < PV_K_NONE ? kobjs[k].resource : "";
}

void pv_kobj_images_load(struct pv_kobj_images *im, const char *state)
{
	im->v = NULL;
	im->n = 0;
	pv_image_list(pv_state_dir(state), &im->v, &im->n, &(struct pv_err){ 0 });
}

void pv_kobj_images_free(struct pv_kobj_images *im)
{
	pv_image_list_free(im->v, im->n);
	im->v = NULL;
	im->n = 0;
}

struct json_object *pv_kobj_pod(const char *state, struct json_object *rec)
{
	struct pv_kobj_images im;
	jo *pod;

	pv_kobj_images_load(&im, state);
	pod = pod_object(rec, &im);
	pv_kobj_images_free(&im);
	return pod;
}
