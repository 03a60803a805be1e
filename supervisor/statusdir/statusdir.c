#include "supervisor/statusdir/statusdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/hash.h"
#include "manifests/encode.h"
#include "supervisor/api/api.h"
#include "supervisor/api/kobj.h"
#include "supervisor/api/version.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/node/node.h"
#include "supervisor/node/nodeaffinity.h"

/* An export waits for a second without passes, but never longer than
 * LATE_MS after the first pass it follows. A burst of passes (a file of
 * 500 pods starting: 2 s of passes, one every 50-100 ms) is exported
 * once, after it, and a longer one every LATE_MS: an export renders every
 * object that changed, 40 ms of the daemon's time at 500 pods, which a
 * ramp would pay every second, on the path of the pods still to start. */
#define DELAY_MS 1000
#define LATE_MS 5000
#define REL_MAX 700 /* a file's path under the directory */

struct pv_statusdir {
	struct pv_daemon *d;
	char *dir;
	struct pv_timer *timer;
	int64_t due_ms; /* while armed: the latest the export may wait for (pv_now_ms) */
	/* path (under dir) -> the FNV-1a hash of what it holds; NULL before
	 * the first export, which reads what an earlier daemon left */
	struct json_object *written;
	/* "NS/NAME" of each pod -> {"key": the hash of its item, spec and the
	 * images, "rel": its file (none: not exported)} at the last export. A
	 * pod whose key is the same is not made again: its object and YAML
	 * are most of an export's cost (40 ms at 500 pods, every second of a
	 * ramp). */
	struct json_object *pods;
};

typedef struct json_object jo;

static int64_t fnv1a(const char *s)
{
	return (int64_t)(pv_fnv1a(PV_FNV_BASIS, s) >> 1);
}

/* A name fit to be one path component (the loader checked it; this is the
 * last line before the file system). */
static bool component_ok(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/') && strlen(s) < 256;
}

/* REL's content is YAML: written unless it is what REL already holds. */
static void put_file(struct pv_statusdir *s, jo *next, const char *rel, const char *yaml)
{
	int64_t h = fnv1a(yaml);
	jo *old;
	cleanup_free char *path = NULL, *dir = NULL, *have = NULL;
	struct pv_err err = { 0 };

	json_object_object_add(next, rel, json_object_new_int64(h));
	if (asprintf(&path, "%s/%s", s->dir, rel) < 0)
		return;
	if (s->written && json_object_object_get_ex(s->written, rel, &old) &&
	    json_object_get_int64(old) == h)
		return;
	if (!s->written && (have = pv_read_file(path, 16 << 20, NULL, &err)) && !strcmp(have, yaml))
		return; /* an earlier daemon's, still true */
	if ((dir = strdup(path)) && strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	err = (struct pv_err){ 0 };
	if (!dir || pv_mkdir_p(dir, 0755, &err) < 0 ||
	    pv_write_replace(path, yaml, strlen(yaml), 0644, &err) < 0) {
		pv_warn("status directory: %s", err.msg[0] ? err.msg : "out of memory");
		json_object_object_del(next, rel); /* tried again next time */
	}
}

/* OBJ (a Kubernetes object) as RESOURCE/NS/NAME.yaml, or RESOURCE/NAME.yaml;
 * REL (when not NULL, REL_MAX bytes) gets the file's path under the
 * directory, or "". */
static void put_object(struct pv_statusdir *s, jo *next, const char *resource, jo *obj,
		       bool cluster, char *rel)
{
	jo *m = json_object_object_get(obj, "metadata"), *sorted = pv_kobj_sorted(obj);
	const char *ns = pv_json_str(m, "namespace", "default"), *name = pv_json_str(m, "name", "");
	char own[REL_MAX];
	char *y = pv_json_to_yaml(sorted, false);

	if (!rel)
		rel = own;
	*rel = '\0';
	json_object_put(sorted);
	if (!y)
		return;
	if (!component_ok(name) || (!cluster && !component_ok(ns))) {
		pv_warn("status directory: %s %s/%s: not a name for a file", resource, ns, name);
	} else {
		if (cluster)
			snprintf(rel, REL_MAX, "%s/%s.yaml", resource, name);
		else
			snprintf(rel, REL_MAX, "%s/%s/%s.yaml", resource, ns, name);
		put_file(s, next, rel, strncmp(y, "---\n", 4) ? y : y + 4);
	}
	free(y);
}

/* What an export has made so far, and what it needs for each object. */
struct export {
	struct pv_statusdir *s;
	jo *next; /* path -> hash, as s->written will be */
	jo *pods; /* as s->pods will be */
	enum pv_api_op op;
	struct pv_kobj_images im;
	int64_t images; /* a hash of the store's images: references and digests */
	int64_t pod_key; /* of the pod pod_fresh was last asked about */
	char pod[600];   /* its "NS/NAME" */
};

/* The lists exported: each object of kind K from an item of ARRAY in OP's
 * answer (a Service's item makes its Endpoints too). */
static const struct {
	enum pv_api_op op;
	const char *array;
	enum pv_kobj k;
} lists[] = {
	{ PV_API_PODS, "items", PV_K_POD },
	{ PV_API_SERVICES, "items", PV_K_SVC },
	{ PV_API_SERVICES, "items", PV_K_EP },
	{ PV_API_STORAGE, "volumes", PV_K_PV },
	{ PV_API_STORAGE, "claims", PV_K_PVC },
	{ PV_API_WORKLOADS, "deployments", PV_K_DEPLOY },
	{ PV_API_WORKLOADS, "replicasets", PV_K_RS },
	{ PV_API_WORKLOADS, "statefulsets", PV_K_STS },
	{ PV_API_WORKLOADS, "daemonsets", PV_K_DS },
	{ PV_API_WORKLOADS, "jobs", PV_K_JOB },
	{ PV_API_WORKLOADS, "cronjobs", PV_K_CRONJOB },
};
#define N_LISTS (sizeof(lists) / sizeof(lists[0]))

/* The object of kind K of IT, the Ith item of its list, as its file. */
/* The pod pod_fresh was last asked about, in e->pods: its key and REL, its
 * file ("" or NULL: none). */
static void pod_seen(struct export *e, const char *rel)
{
	jo *v = json_object_new_object();

	json_object_object_add(v, "key", json_object_new_int64(e->pod_key));
	if (rel && *rel)
		json_object_object_add(v, "rel", json_object_new_string(rel));
	json_object_object_add(e->pods, e->pod, v);
}

/* pv_api_each's: is the pod of IT, running the spec SPEC_HASH, as the last
 * export left it? Then its file (if any) stays, and nothing is made. */
static bool pod_fresh(void *data, jo *it, const char *spec_hash)
{
	struct export *e = data;
	struct pv_statusdir *s = e->s;
	const char *item = json_object_to_json_string_ext(it, JSON_C_TO_STRING_PLAIN);
	jo *was, *key, *rel, *h;

	e->pod_key = fnv1a(item) ^ fnv1a(spec_hash) ^ e->images;
	snprintf(e->pod, sizeof(e->pod), "%s/%s", pv_json_str(it, "namespace", ""),
		 pv_json_str(it, "name", ""));
	if (!s->written || !s->pods || !json_object_object_get_ex(s->pods, e->pod, &was) ||
	    !json_object_object_get_ex(was, "key", &key) || json_object_get_int64(key) != e->pod_key)
		return false;
	if (!json_object_object_get_ex(was, "rel", &rel)) {
		pod_seen(e, NULL); /* not exported, and still not */
		return true;
	}
	if (!json_object_object_get_ex(s->written, json_object_get_string(rel), &h))
		return false; /* its write failed: again */
	json_object_object_add(e->next, json_object_get_string(rel),
			       json_object_new_int64(json_object_get_int64(h)));
	pod_seen(e, json_object_get_string(rel));
	return true;
}

static void put_item(struct export *e, enum pv_kobj k, jo *it, size_t i)
{
	const char *resource = pv_kobj_resource(k);
	char res[64], rel[REL_MAX] = "";
	jo *obj;

	if (k == PV_K_EP && !strcmp(pv_json_str(it, "type", ""), "ExternalName"))
		return;
	/* a pod whose nodeSelector or affinity this node does not match is
	 * another node's business: a fleet's status says who runs what */
	if (k == PV_K_POD && !strcmp(pv_json_str(it, "reason", ""), "Unschedulable")) {
		pod_seen(e, NULL);
		return;
	}
	snprintf(res, sizeof(res), "%.*s", (int)strcspn(resource, "."), resource); /* no group */
	obj = pv_kobj_make(k, it, i, &e->im, e->s->d->node_name);
	put_object(e->s, e->next, res, obj, k == PV_K_PV, rel);
	json_object_put(obj);
	if (k == PV_K_POD)
		pod_seen(e, rel);
}

/* pv_api_each's: the item IT, the Ith of ARRAY in e->op's answer. */
static void put_items(void *data, const char *array, size_t i, jo *it)
{
	struct export *e = data;

	for (size_t l = 0; l < N_LISTS; l++)
		if (lists[l].op == e->op && !strcmp(lists[l].array, array))
			put_item(e, lists[l].k, it, i);
}

static void add_str(jo *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* MemTotal in kibibytes, "0" when /proc says nothing. */
static long long mem_kib(void)
{
	cleanup_free char *mi = pv_read_file("/proc/meminfo", 1 << 16, NULL, &(struct pv_err){ 0 });
	const char *p = mi ? strstr(mi, "MemTotal:") : NULL;

	return p ? strtoll(p + 9, NULL, 10) : 0;
}

/* The Node, as kubectl get node -o yaml shows one. */
static jo *node_object(const struct pv_daemon *d)
{
	jo *n = json_object_new_object(), *m = json_object_new_object(),
	   *labels = json_object_new_object(), *st = json_object_new_object(),
	   *cap = json_object_new_object(), *addrs = json_object_new_array(),
	   *conds = json_object_new_array(), *c = json_object_new_object(),
	   *info = json_object_new_object(), *a;
	struct utsname u = { 0 };
	char buf[64];

	add_str(n, "apiVersion", "v1");
	add_str(n, "kind", "Node");
	add_str(m, "name", d->node_name);
	for (const char *const *k = (const char *const[]){ "kubernetes.io/hostname",
			 "kubernetes.io/os", "kubernetes.io/arch", NULL }; *k; k++)
		add_str(labels, *k, pv_node_label(d, *k));
	for (size_t i = 0; i < d->nnode_labels; i++) {
		const char *kv = d->node_labels[i], *eq = strchr(kv, '=');
		char key[320];

		if (!eq)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		add_str(labels, key, eq + 1);
	}
	json_object_object_add(m, "labels", labels);
	json_object_object_add(n, "metadata", m);
	if (d->node_ip) {
		a = json_object_new_object();
		add_str(a, "type", "InternalIP");
		add_str(a, "address", d->node_ip);
		json_object_array_add(addrs, a);
	}
	a = json_object_new_object();
	add_str(a, "type", "Hostname");
	add_str(a, "address", d->node_name);
	json_object_array_add(addrs, a);
	json_object_object_add(st, "addresses", addrs);
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	add_str(cap, "cpu", buf);
	snprintf(buf, sizeof(buf), "%lldKi", mem_kib());
	add_str(cap, "memory", buf);
	add_str(cap, "pods", "110"); /* the kubelet's default maxPods */
	json_object_object_add(st, "capacity", cap);
	json_object_object_add(st, "allocatable", json_object_get(cap)); /* nothing reserved */
	add_str(c, "type", "Ready");
	add_str(c, "status", "True");
	add_str(c, "reason", "PodvisorReady");
	add_str(c, "message", "podvisor is posting ready status");
	json_object_array_add(conds, c);
	json_object_object_add(st, "conditions", conds);
	uname(&u);
	add_str(info, "architecture", pv_node_label(d, "kubernetes.io/arch"));
	add_str(info, "kernelVersion", u.release);
	add_str(info, "operatingSystem", "linux");
	add_str(info, "kubeletVersion", "podvisor " PV_GIT_VERSION);
	add_str(info, "containerRuntimeVersion", "podvisor://" PV_VERSION);
	json_object_object_add(st, "nodeInfo", info);
	json_object_object_add(n, "status", st);
	return n;
}

/* Files an earlier daemon left that are not written this time: REL_DIR's
 * *.yaml, two levels deep, into OLD (with a hash no content has). */
static void scan_old(struct pv_statusdir *s, const char *rel_dir, int depth, jo *old)
{
	cleanup_free char *path = NULL;
	DIR *dir;
	struct dirent *e;

	if (asprintf(&path, "%s%s%s", s->dir, *rel_dir ? "/" : "", rel_dir) < 0 ||
	    !(dir = opendir(path)))
		return;
	while ((e = readdir(dir))) {
		char rel[700];
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", rel_dir, *rel_dir ? "/" : "", e->d_name);
		if (e->d_type == DT_DIR && depth < 2)
			scan_old(s, rel, depth + 1, old);
		else if (e->d_type == DT_REG && len > 5 && !strcmp(e->d_name + len - 5, ".yaml"))
			json_object_object_add(old, rel, json_object_new_int64(-1));
	}
	closedir(dir);
}

/* Every list's objects as files, one item at a time (a list's answer
 * whole, pods above all, is the daemon's largest heap peak). */
static void export_lists(struct export *e)
{
	for (size_t l = 0; l < N_LISTS; l++) {
		if (l > 0 && lists[l].op == lists[l - 1].op)
			continue; /* one answer for its lists */
		e->op = lists[l].op;
		pv_api_each(e->s->d, e->op, e->op == PV_API_PODS ? pod_fresh : NULL, put_items, e);
	}
}

static void export_now(struct pv_statusdir *s)
{
	struct export e = { .s = s, .next = json_object_new_object(), .pods = json_object_new_object() };
	jo *next = e.next, *old = s->written, *node;
	char *y;

	if (!old)
		scan_old(s, "", 0, old = json_object_new_object());
	pv_kobj_images_load(&e.im, s->d->state);
	for (size_t i = 0; i < e.im.n; i++) {
		uint64_t h = pv_fnv1a(pv_fnv1a(PV_FNV_BASIS, e.im.v[i].ref),
				      e.im.v[i].digest ? e.im.v[i].digest : "");

		e.images = (int64_t)(((uint64_t)e.images * 31 + h) >> 1);
	}
	export_lists(&e);
	pv_kobj_images_free(&e.im);
	node = node_object(s->d);
	jo *sorted = pv_kobj_sorted(node);
	if ((y = pv_json_to_yaml(sorted, false)))
		put_file(s, next, "node.yaml", strncmp(y, "---\n", 4) ? y : y + 4);
	free(y);
	json_object_put(sorted);
	json_object_put(node);
	/* what was written before and is not now: its object is gone */
	json_object_object_foreach(old, rel, h) {
		(void)h;
		if (!json_object_object_get_ex(next, rel, NULL)) {
			cleanup_free char *path = NULL;

			if (asprintf(&path, "%s/%s", s->dir, rel) >= 0 && unlink(path) < 0 &&
			    errno != ENOENT)
				pv_warn("status directory: %s: %s", path, strerror(errno));
		}
	}
	json_object_put(old);
	s->written = next;
	json_object_put(s->pods);
	s->pods = e.pods;
}

static void export_fired(void *data)
{
	export_now(data);
}

struct pv_statusdir *pv_statusdir_new(struct pv_daemon *d, const char *dir, struct pv_err *err)
{
	struct pv_statusdir *s = calloc(1, sizeof(*s));

	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->d = d;
	if (pv_mkdir_p(dir, 0755, err) < 0 || !(s->timer = pv_timer_new(d->loop, export_fired, s))) {
		if (!err->msg[0])
			pv_err_set(err, errno, "%s", strerror(errno));
		pv_statusdir_free(s);
		return NULL;
	}
	return s;
}

void pv_statusdir_free(struct pv_statusdir *s)
{
	if (!s)
		return;
	if (s->timer)
		pv_timer_free(s->timer);
	json_object_put(s->written);
	json_object_put(s->pods);
	free(s->dir);
	free(s);
}

void pv_statusdir_kick(struct pv_statusdir *s)
{
	int64_t now = pv_now_ms(), wait;

	if (!s)
		return;
	if (!pv_timer_armed(s->timer))
		s->due_ms = now + LATE_MS;
	wait = s->due_ms - now < DELAY_MS ? s->due_ms - now : DELAY_MS;
	pv_timer_arm(s->timer, wait > 0 ? wait : 0);
}
