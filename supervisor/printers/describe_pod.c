/* `podvisor describe pod`: kubectl's layout, from the daemon's record of
 * the pod (its containers' states, its file, its events) and the
 * Kubernetes Pod made of it (k8sobj.c: labels, annotations, owner, IPs,
 * ports, commands, resources, probes, mounts, volumes, conditions, QoS).
 * Lines kubectl does not have say where the pod comes from: Manifest and
 * Source, and the file's own events.
 * May call: core (JSON helpers), get.h's events printer (shape.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/core/jsonx.h"
#include "supervisor/printers/get.h"

typedef struct json_object jo;

static jo *get(jo *o, const char *k)
{
	jo *v = NULL;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static size_t len_of(jo *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* kubectl's time: RFC 1123 with a numeric zone, in UTC here. */
static const char *when(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm = { 0 };
	const char *end = rfc3339 ? strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!end)
		return rfc3339 && *rfc3339 ? rfc3339 : "<unknown>";
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return buf;
}

/* "Label:  value" with the label padded to W columns. */
static void field(int w, const char *indent, const char *label, const char *value)
{
	printf("%s%-*s%s\n", indent, w, label, value && *value ? value : "<none>");
}

/* M's keys into KEYS (at most MAX), sorted: their number. */
static size_t sorted_keys(jo *m, const char **keys, size_t max)
{
	size_t n = 0;

	if (!m || !json_object_is_type(m, json_type_object))
		return 0;
	json_object_object_foreach(m, k, v) {
		(void)v;
		if (n < max)
			keys[n++] = k;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	return n;
}

/* A mapping as kubectl prints labels: key=value, one a line, sorted. */
static void mapping(int w, const char *label, jo *m)
{
	const char *keys[256];
	size_t n = sorted_keys(m, keys, 256);

	if (!n)
		field(w, "", label, NULL);
	for (size_t i = 0; i < n; i++)
		printf("%-*s%s=%s\n", w, i ? "" : label, keys[i], pv_json_str(m, keys[i], ""));
}

/* Lines "LABEL  VALUE" under INDENT, the values in one column two past
 * the longest label: one block of kubectl's tabwriter. */
struct kv {
	char label[256];
	char value[512];
};

static void kv_add(struct kv *v, size_t *n, const char *label, const char *value)
{
	snprintf(v[*n].label, sizeof(v[*n].label), "%s", label);
	snprintf(v[*n].value, sizeof(v[*n].value), "%s", value);
	(*n)++;
}

static void kv_block(const char *indent, const struct kv *v, size_t n)
{
	int w = 0;

	for (size_t i = 0; i < n; i++)
		w = (int)strlen(v[i].label) + 2 > w ? (int)strlen(v[i].label) + 2 : w;
	for (size_t i = 0; i < n; i++)
		printf("%s%-*s%s\n", indent, w, v[i].label, v[i].value);
}

static void list_lines(const char *label, jo *a)
{
	if (!len_of(a))
		return;
	printf("    %s\n", label);
	for (size_t i = 0; i < len_of(a); i++)
		printf("      %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
}

/* Limits or Requests: each resource, sorted, the values in a column. */
static void resources(const char *label, jo *m)
{
	const char *keys[16];
	size_t n = sorted_keys(m, keys, 16);
	int w = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		w = (int)strlen(keys[i]) + 3 > w ? (int)strlen(keys[i]) + 3 : w;
	printf("    %s\n", label);
	for (size_t i = 0; i < n; i++) {
		char name[80];

		snprintf(name, sizeof(name), "%s:", keys[i]);
		printf("      %-*s%s\n", w, name, pv_json_str(m, keys[i], ""));
	}
}

/* A probe as kubectl sums it up: "http-get http://:8080/ delay=0s ...". */
static void probe(const char *label, jo *p)
{
	jo *h = get(p, "httpGet"), *t = get(p, "tcpSocket"), *e = get(p, "exec"), *g = get(p, "grpc");
	char what[512] = "";

	if (!p)
		return;
	if (h)
		snprintf(what, sizeof(what), "http-get %s://:%s%s", !strcmp(pv_json_str(h, "scheme", "HTTP"), "HTTPS") ? "https" : "http",
			 pv_json_str(h, "port", ""), pv_json_str(h, "path", "/"));
	else if (t)
		snprintf(what, sizeof(what), "tcp-socket :%s", pv_json_str(t, "port", ""));
	else if (g)
		snprintf(what, sizeof(what), "grpc <pod>:%s", pv_json_str(g, "port", ""));
	else if (e) {
		jo *c = get(e, "command");
		size_t at = (size_t)snprintf(what, sizeof(what), "exec [");

		for (size_t i = 0; i < len_of(c) && at < sizeof(what); i++)
			at += (size_t)snprintf(what + at, sizeof(what) - at, "%s%s", i ? " " : "",
					       json_object_get_string(json_object_array_get_idx(c, i)));
		if (at < sizeof(what))
			snprintf(what + at, sizeof(what) - at, "]");
	}
	printf("    %-16s%s delay=%llds timeout=%llds period=%llds #success=%lld #failure=%lld\n",
	       label, what, (long long)pv_json_int(p, "initialDelaySeconds"),
	       (long long)(get(p, "timeoutSeconds") ? pv_json_int(p, "timeoutSeconds") : 1),
	       (long long)(get(p, "periodSeconds") ? pv_json_int(p, "periodSeconds") : 10),
	       (long long)(get(p, "successThreshold") ? pv_json_int(p, "successThreshold") : 1),
	       (long long)(get(p, "failureThreshold") ? pv_json_int(p, "failureThreshold") : 3));
}

static void state(jo *st, const char *label)
{
	jo *s;

	if ((s = get(st, "running"))) {
		printf("    %-16sRunning\n      %-14s%s\n", label, "Started:", when(pv_json_str(s, "startedAt", ""),
		       (char[64]){ 0 }, 64));
	} else if ((s = get(st, "terminated"))) {
		printf("    %-16sTerminated\n      %-14s%s\n      %-14s%lld\n", label, "Reason:",
		       pv_json_str(s, "reason", ""), "Exit Code:", (long long)pv_json_int(s, "exitCode"));
		if (*pv_json_str(s, "message", ""))
			printf("      %-14s%s\n", "Message:", pv_json_str(s, "message", ""));
		if (*pv_json_str(s, "startedAt", ""))
			printf("      %-14s%s\n", "Started:", when(pv_json_str(s, "startedAt", ""),
			       (char[64]){ 0 }, 64));
		printf("      %-14s%s\n", "Finished:", when(pv_json_str(s, "finishedAt", ""),
		       (char[64]){ 0 }, 64));
	} else if ((s = get(st, "waiting"))) {
		printf("    %-16sWaiting\n", label);
		if (*pv_json_str(s, "reason", ""))
			printf("      %-14s%s\n", "Reason:", pv_json_str(s, "reason", ""));
		if (*pv_json_str(s, "message", ""))
			printf("      %-14s%s\n", "Message:", pv_json_str(s, "message", ""));
	}
}

/* The status record of container NAME (init or not) in the daemon's answer. */
static jo *record_of(jo *rec, const char *name, bool init)
{
	jo *cs = get(rec, "containers");

	for (size_t i = 0; i < len_of(cs); i++) {
		jo *c = json_object_array_get_idx(cs, i);

		if (!strcmp(pv_json_str(c, "name", ""), name) &&
		    json_object_get_boolean(get(c, "init")) == init)
			return c;
	}
	return NULL;
}

/* Environment: each variable, or where its value comes from. */
static void env_block(jo *env)
{
	size_t n = len_of(env);
	struct kv *v = n ? calloc(n, sizeof(*v)) : NULL;

	for (size_t i = 0; v && i < n; i++) {
		jo *e = json_object_array_get_idx(env, i), *from = get(e, "valueFrom");
		jo *sk = get(from, "secretKeyRef"), *ck = get(from, "configMapKeyRef");

		snprintf(v[i].label, sizeof(v[i].label), "%s:", pv_json_str(e, "name", ""));
		if (sk || ck)
			snprintf(v[i].value, sizeof(v[i].value), "<set to the key '%s' %s '%s'>  Optional: %s",
				 pv_json_str(sk ? sk : ck, "key", ""), sk ? "in secret" : "of config map",
				 pv_json_str(sk ? sk : ck, "name", ""),
				 json_object_get_boolean(get(sk ? sk : ck, "optional")) ? "true" : "false");
		else if (get(from, "fieldRef"))
			snprintf(v[i].value, sizeof(v[i].value), " (%s:%s)",
				 pv_json_str(get(from, "fieldRef"), "apiVersion", "v1"),
				 pv_json_str(get(from, "fieldRef"), "fieldPath", ""));
		else if (get(from, "resourceFieldRef"))
			snprintf(v[i].value, sizeof(v[i].value), "%s (%s)",
				 pv_json_str(get(from, "resourceFieldRef"), "resource", ""),
				 pv_json_str(get(from, "resourceFieldRef"), "containerName", ""));
		else
			snprintf(v[i].value, sizeof(v[i].value), "%s", pv_json_str(e, "value", ""));
	}
	if (v)
		kv_block("      ", v, n);
	free(v);
}

static void container(jo *c, jo *r, jo *status)
{
	jo *ports = get(c, "ports"), *env = get(c, "env"), *mounts = get(c, "volumeMounts");
	const char *name = pv_json_str(c, "name", "");
	jo *cst = NULL;

	for (size_t i = 0; i < len_of(status); i++)
		if (!strcmp(pv_json_str(json_object_array_get_idx(status, i), "name", ""), name))
			cst = json_object_array_get_idx(status, i);
	printf("  %s:\n", name);
	printf("    %-16s%s\n", "Image:", pv_json_str(c, "image", ""));
	printf("    %-16s%s\n", "Image ID:", pv_json_str(cst, "imageID", ""));
	if (!len_of(ports)) {
		printf("    %-16s<none>\n    %-16s<none>\n", "Port:", "Host Port:");
	}
	for (size_t i = 0; i < len_of(ports); i++) {
		jo *p = json_object_array_get_idx(ports, i);
		const char *proto = pv_json_str(p, "protocol", "TCP");

		printf("    %-16s%lld/%s%s%s%s\n", "Port:", (long long)pv_json_int(p, "containerPort"),
		       proto, *pv_json_str(p, "name", "") ? " (" : "", pv_json_str(p, "name", ""),
		       *pv_json_str(p, "name", "") ? ")" : "");
		printf("    %-16s%lld/%s\n", "Host Port:", (long long)pv_json_int(p, "hostPort"), proto);
	}
	list_lines("Command:", get(c, "command"));
	list_lines("Args:", get(c, "args"));
	state(get(r, "state"), "State:");
	if (get(get(r, "lastState"), "terminated"))
		state(get(r, "lastState"), "Last State:");
	printf("    %-16s%s\n", "Ready:", json_object_get_boolean(get(r, "ready")) ? "True" : "False");
	printf("    %-16s%lld\n", "Restart Count:", (long long)pv_json_int(r, "restartCount"));
	resources("Limits:", get(get(c, "resources"), "limits"));
	resources("Requests:", get(get(c, "resources"), "requests"));
	probe("Liveness:", get(c, "livenessProbe"));
	probe("Readiness:", get(c, "readinessProbe"));
	probe("Startup:", get(c, "startupProbe"));
	if (!len_of(env))
		printf("    %-16s<none>\n", "Environment:");
	else
		printf("    Environment:\n");
	env_block(env);
	if (!len_of(mounts))
		printf("    %-16s<none>\n", "Mounts:");
	else
		printf("    Mounts:\n");
	for (size_t i = 0; i < len_of(mounts); i++) {
		jo *m = json_object_array_get_idx(mounts, i);

		printf("      %s from %s (%s%s%s)\n", pv_json_str(m, "mountPath", ""),
		       pv_json_str(m, "name", ""),
		       json_object_get_boolean(get(m, "readOnly")) ? "ro" : "rw",
		       *pv_json_str(m, "subPath", "") ? ",path=" : "", pv_json_str(m, "subPath", ""));
	}
}

/* Each volume's type as kubectl words it, and its source. */
static void volume(jo *v)
{
	static const struct {
		const char *key, *type, *what;
	} types[] = {
		{ "emptyDir", "EmptyDir", "a temporary directory that shares a pod's lifetime" },
		{ "hostPath", "HostPath", "bare host directory volume" },
		{ "configMap", "ConfigMap", "a volume populated by a ConfigMap" },
		{ "secret", "Secret", "a volume populated by a Secret" },
		{ "persistentVolumeClaim", "PersistentVolumeClaim",
		  "a reference to a PersistentVolumeClaim in the same namespace" },
		{ "downwardAPI", "DownwardAPI", "a volume populated by information about the pod" },
		{ "projected", "Projected", "a volume that contains injected data from multiple sources" },
	};
	struct kv kv[4] = { { "Type:", "<unknown>" } };
	size_t n = 1;

	printf("  %s:\n", pv_json_str(v, "name", ""));
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		jo *src = get(v, types[i].key);
		const char *k = types[i].key;
		bool opt = json_object_get_boolean(get(src, "optional"));

		if (!src)
			continue;
		snprintf(kv[0].value, sizeof(kv[0].value), "%s (%s)", types[i].type, types[i].what);
		if (!strcmp(k, "emptyDir")) {
			kv_add(kv, &n, "Medium:", pv_json_str(src, "medium", ""));
			kv_add(kv, &n, "SizeLimit:", pv_json_str(src, "sizeLimit", "<unset>"));
		} else if (!strcmp(k, "hostPath")) {
			kv_add(kv, &n, "Path:", pv_json_str(src, "path", ""));
			kv_add(kv, &n, "HostPathType:", pv_json_str(src, "type", ""));
		} else if (!strcmp(k, "configMap") || !strcmp(k, "secret")) {
			kv_add(kv, &n, k[0] == 'c' ? "Name:" : "SecretName:",
			       pv_json_str(src, k[0] == 'c' ? "name" : "secretName", ""));
			kv_add(kv, &n, "Optional:", opt ? "true" : "false");
		} else if (!strcmp(k, "persistentVolumeClaim")) {
			kv_add(kv, &n, "ClaimName:", pv_json_str(src, "claimName", ""));
			kv_add(kv, &n, "ReadOnly:",
			       json_object_get_boolean(get(src, "readOnly")) ? "true" : "false");
		}
		break;
	}
	kv_block("    ", kv, n);
}

void pv_describe_pod(jo *rec, jo *pod)
{
	jo *m = get(pod, "metadata"), *spec = get(pod, "spec"), *st = get(pod, "status");
	jo *owners = get(m, "ownerReferences"), *conds = get(st, "conditions");
	jo *cs = get(spec, "containers"), *ics = get(spec, "initContainers"), *vols = get(spec, "volumes");
	jo *ev = NULL, *fev = NULL;
	const int w = 18;
	char node[600], t[64], owner[400] = "";

	field(w, "", "Name:", pv_json_str(rec, "name", ""));
	field(w, "", "Namespace:", pv_json_str(rec, "namespace", ""));
	printf("%-*s%lld\n", w, "Priority:", (long long)pv_json_int(spec, "priority"));
	field(w, "", "Service Account:", pv_json_str(spec, "serviceAccountName", "default"));
	snprintf(node, sizeof(node), "%s%s%s", pv_json_str(rec, "node", ""),
		 *pv_json_str(st, "hostIP", "") ? "/" : "", pv_json_str(st, "hostIP", ""));
	field(w, "", "Node:", node);
	field(w, "", "Start Time:", when(pv_json_str(st, "startTime", ""), t, sizeof(t)));
	mapping(w, "Labels:", get(m, "labels"));
	mapping(w, "Annotations:", get(m, "annotations"));
	field(w, "", "Status:", pv_json_str(rec, "status", ""));
	if (*pv_json_str(st, "reason", ""))
		field(w, "", "Reason:", pv_json_str(st, "reason", ""));
	if (*pv_json_str(st, "message", ""))
		field(w, "", "Message:", pv_json_str(st, "message", ""));
	field(w, "", "IP:", pv_json_str(st, "podIP", ""));
	printf("IPs:\n");
	if (!*pv_json_str(st, "podIP", ""))
		printf("  <none>\n");
	else
		printf("  IP:  %s\n", pv_json_str(st, "podIP", ""));
	if (len_of(owners)) {
		jo *o = json_object_array_get_idx(owners, 0);

		snprintf(owner, sizeof(owner), "%s/%s", pv_json_str(o, "kind", ""), pv_json_str(o, "name", ""));
		printf("%-16s%s\n", "Controlled By:", owner);
	}
	field(w, "", "Manifest:", *pv_json_str(rec, "file", "") ? pv_json_str(rec, "file", "")
							 : "<none: no longer in the manifests>");
	if (*pv_json_str(rec, "fileSource", ""))
		printf("Source: %*s%s\n", w - 8, "", pv_json_str(rec, "fileSource", ""));
	if (len_of(ics)) {
		printf("Init Containers:\n");
		for (size_t i = 0; i < len_of(ics); i++) {
			jo *c = json_object_array_get_idx(ics, i);

			container(c, record_of(rec, pv_json_str(c, "name", ""), true),
				  get(st, "initContainerStatuses"));
		}
	}
	printf("Containers:\n");
	for (size_t i = 0; i < len_of(cs); i++) {
		jo *c = json_object_array_get_idx(cs, i);

		container(c, record_of(rec, pv_json_str(c, "name", ""), false), get(st, "containerStatuses"));
	}
	printf("Conditions:\n  %-18s%s\n", "Type", "Status");
	for (size_t i = 0; i < len_of(conds); i++) {
		jo *c = json_object_array_get_idx(conds, i);

		printf("  %-18s%s \n", pv_json_str(c, "type", ""), pv_json_str(c, "status", ""));
	}
	printf("Volumes:%s\n", len_of(vols) ? "" : "                     <none>");
	for (size_t i = 0; i < len_of(vols); i++)
		volume(json_object_array_get_idx(vols, i));
	printf("%-29s%s\n", "QoS Class:", pv_json_str(st, "qosClass", ""));
	if (get(spec, "nodeSelector") && json_object_object_length(get(spec, "nodeSelector")))
		mapping(29, "Node-Selectors:", get(spec, "nodeSelector"));
	else
		printf("%-29s<none>\n", "Node-Selectors:");
	printf("%-29s%s\n", "Tolerations:", len_of(get(spec, "tolerations")) ? "(see -o yaml)" : "<none>");
	fev = get(rec, "fileEvents");
	if (len_of(fev))
		pv_get_print_events(fev, "Manifest Events");
	ev = get(rec, "events");
	pv_get_print_events(ev, "Events");
}
