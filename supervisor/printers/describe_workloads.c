/* podvisor describe deploy|rs|sts|ds|job|cronjob NAME, as kubectl
 * describes them, from the "workloads" op's rows: the counts every kind
 * has and the `info` keys of each kind (a Deployment's selector,
 * strategy, pod template, conditions and ReplicaSets), with the events
 * whose object is the workload ("deployment/NS/NAME"). A kind whose
 * controller puts other keys in `info` is described generically from
 * them. Also a pod template as kubectl prints it (describe, and
 * `rollout history --revision`). Calls: cli (get), core. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "supervisor/printers/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

static void timestamp(int64_t at, char *buf, size_t len)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (!at || !localtime_r(&t, &tm) || !strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm))
		snprintf(buf, len, "<unknown>");
}

static struct json_object *find(const struct get_opts *o, struct json_object *items)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *w = json_object_array_get_idx(items, i);

		if (pv_get_wanted(o, w))
			return w;
	}
	return NULL;
}

/* app=web,tier=front, or <none>. */
static void print_map(const char *title, int width, struct json_object *m, const char *indent)
{
	bool first = true;

	printf("%s%-*s", indent, width, title);
	if (!m || !json_object_object_length(m)) {
		printf("<none>\n");
		return;
	}
	json_object_object_foreach(m, k, v) {
		printf("%s%s=%s", first ? "" : ",", k, json_object_get_string(v));
		first = false;
	}
	printf("\n");
}

static void print_words(const char *title, struct json_object *a)
{
	if (!a || !json_object_array_length(a))
		return;
	printf("    %s\n", title);
	for (size_t i = 0; i < json_object_array_length(a); i++)
		printf("      %s\n", json_object_get_string(json_object_array_get_idx(a, i)));
}

static void print_container(struct json_object *c)
{
	struct json_object *ports = json_object_object_get(c, "ports");
	struct json_object *env = json_object_object_get(c, "env");
	struct json_object *mounts = json_object_object_get(c, "volumeMounts");

	printf("   %s:\n", pv_json_str(c, "name", ""));
	printf("    Image:      %s\n", pv_json_str(c, "image", ""));
	if (!ports || !json_object_array_length(ports))
		printf("    Port:       <none>\n");
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);

		const char *name = pv_json_str(p, "name", NULL);

		printf("    Port:       %lld/%s%s%s%s\n", (long long)pv_json_int(p, "containerPort"),
		       pv_json_str(p, "protocol", "TCP"), name ? " (" : "", name ? name : "",
		       name ? ")" : "");
	}
	print_words("Command:", json_object_object_get(c, "command"));
	print_words("Args:", json_object_object_get(c, "args"));
	if (!env || !json_object_array_length(env))
		printf("    Environment:  <none>\n");
	else
		printf("    Environment:\n");
	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		struct json_object *e = json_object_array_get_idx(env, i);

		printf("      %s:  %s\n", pv_json_str(e, "name", ""),
		       json_object_object_get(e, "value") ? pv_json_str(e, "value", "")
							   : "<set from a source>");
	}
	if (!mounts || !json_object_array_length(mounts))
		printf("    Mounts:       <none>\n");
	else
		printf("    Mounts:\n");
	for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);

		printf("      %s from %s (%s)\n", pv_json_str(m, "mountPath", ""),
		       pv_json_str(m, "name", ""),
		       json_object_get_boolean(json_object_object_get(m, "readOnly")) ? "ro" : "rw");
	}
}

void pv_describe_pod_template(struct json_object *tmpl)
{
	struct json_object *meta = json_object_object_get(tmpl, "metadata");
	struct json_object *spec = json_object_object_get(tmpl, "spec");
	struct json_object *cs = json_object_object_get(spec, "containers");
	struct json_object *ics = json_object_object_get(spec, "initContainers");
	struct json_object *vols = json_object_object_get(spec, "volumes");
	struct json_object *ann = json_object_object_get(meta, "annotations");

	printf("Pod Template:\n");
	print_map("Labels:  ", 9, json_object_object_get(meta, "labels"), "  ");
	if (ann && json_object_object_length(ann)) {
		bool first = true;

		json_object_object_foreach(ann, k, v) {
			printf("%s%s: %s\n", first ? "  Annotations:  " : "                ", k,
			       json_object_get_string(v));
			first = false;
		}
	}
	if (ics && json_object_array_length(ics)) {
		printf("  Init Containers:\n");
		for (size_t i = 0; i < json_object_array_length(ics); i++)
			print_container(json_object_array_get_idx(ics, i));
	}
	printf("  Containers:\n");
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++)
		print_container(json_object_array_get_idx(cs, i));
	if (!vols || !json_object_array_length(vols)) {
		printf("  Volumes:        <none>\n");
		return;
	}
	printf("  Volumes:\n");
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *v = json_object_array_get_idx(vols, i);

		printf("   %s:\n", pv_json_str(v, "name", ""));
		json_object_object_foreach(v, k, val) {
			if (strcmp(k, "name") != 0)
				printf("    Type:       %s (%s)\n", k,
				       json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
		}
	}
}

static void print_conditions(struct json_object *a)
{
	if (!a || !json_object_array_length(a))
		return;
	printf("Conditions:\n  %-14s %-7s %s\n  %-14s %-7s %s\n", "Type", "Status", "Reason", "----",
	       "------", "------");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		printf("  %-14s %-7s %s\n", pv_json_str(c, "type", ""), pv_json_str(c, "status", ""),
		       pv_json_str(c, "reason", ""));
	}
}

static void head(struct json_object *w)
{
	char ts[64];

	timestamp(pv_json_int(w, "created"), ts, sizeof(ts));
	printf("Name:                   %s\nNamespace:              %s\nCreationTimestamp:      %s\n",
	       pv_json_str(w, "name", ""), pv_json_str(w, "namespace", ""), ts);
}

int pv_describe_deployment(const struct get_opts *o, struct json_object *items,
			   struct json_object *events)
{
	struct json_object *w = find(o, items), *olds;
	int64_t unavailable;
	const char *rus;

	if (!w) {
		fprintf(stderr, "Error from the daemon: deployments.apps \"%s\" not found\n", o->name);
		return 1;
	}
	head(w);
	unavailable = pv_json_int(w, "replicas") - pv_json_int(w, "available");
	printf("Annotations:            deployment.kubernetes.io/revision: %lld\n",
	       (long long)pv_json_int(w, "revision"));
	printf("Selector:               %s\n", pv_json_str(w, "selector", "<none>"));
	printf("Replicas:               %lld desired | %lld updated | %lld total | %lld available | "
	       "%lld unavailable\n", (long long)pv_json_int(w, "replicas"),
	       (long long)pv_json_int(w, "updated"), (long long)pv_json_int(w, "current"),
	       (long long)pv_json_int(w, "available"), (long long)(unavailable > 0 ? unavailable : 0));
	printf("StrategyType:           %s\n", pv_json_str(w, "strategyType", "RollingUpdate"));
	printf("MinReadySeconds:        %lld\n", (long long)pv_json_int(w, "minReadySeconds"));
	rus = pv_json_str(w, "rollingUpdateStrategy", NULL);
	if (rus)
		printf("RollingUpdateStrategy:  %s\n", rus);
	if (json_object_get_boolean(json_object_object_get(w, "paused")))
		printf("Paused:                 true (edit spec.paused in %s to resume)\n",
		       pv_json_str(w, "file", "its file"));
	if (json_object_object_get(w, "file"))
		printf("Manifest:               %s\n", pv_json_str(w, "file", ""));
	if (json_object_object_get(w, "fileSource"))
		printf("Source:                 %s\n", pv_json_str(w, "fileSource", ""));
	pv_describe_pod_template(json_object_object_get(w, "template"));
	print_conditions(json_object_object_get(w, "conditions"));
	olds = json_object_object_get(w, "oldReplicaSets");
	printf("OldReplicaSets:         ");
	if (!olds || !json_object_array_length(olds))
		printf("<none>");
	for (size_t i = 0; olds && i < json_object_array_length(olds); i++) {
		struct json_object *r = json_object_array_get_idx(olds, i);

		printf("%s%s (%lld/%lld replicas created)", i ? ", " : "", pv_json_str(r, "name", ""),
		       (long long)pv_json_int(r, "pods"), (long long)pv_json_int(r, "pods"));
	}
	printf("\nNewReplicaSet:          %s (%lld/%lld replicas created)\n",
	       pv_json_str(w, "newReplicaSet", ""), (long long)pv_json_int(w, "updated"),
	       (long long)pv_json_int(w, "replicas"));
	pv_get_print_events(events, "Events");
	return 0;
}

int pv_describe_replicaset(const struct get_opts *o, struct json_object *items,
			   struct json_object *events)
{
	struct json_object *w = find(o, items);
	const char *owner;

	if (!w) {
		fprintf(stderr, "Error from the daemon: replicasets.apps \"%s\" not found\n", o->name);
		return 1;
	}
	head(w);
	owner = pv_json_str(w, "owner", "");
	if (*owner)
		printf("Controlled By:          Deployment/%s\n", strrchr(owner, '/') + 1);
	printf("Replicas:               %lld current / %lld desired\n",
	       (long long)pv_json_int(w, "current"), (long long)pv_json_int(w, "replicas"));
	printf("Pods Status:            %lld Running (ready) / %lld Waiting\n",
	       (long long)pv_json_int(w, "ready"),
	       (long long)(pv_json_int(w, "current") - pv_json_int(w, "ready")));
	pv_get_print_events(events, "Events");
	return 0;
}

int pv_describe_job(const struct get_opts *o, struct json_object *items,
		    struct json_object *events)
{
	struct json_object *w = find(o, items);
	int64_t start, end;
	char ts[64];

	if (!w) {
		fprintf(stderr, "Error from the daemon: jobs.batch \"%s\" not found\n", o->name);
		return 1;
	}
	head(w);
	start = pv_json_int(w, "startTime");
	end = pv_json_int(w, "completionTime");
	printf("Completions:            %lld\n", (long long)pv_json_int(w, "completions"));
	timestamp(start, ts, sizeof(ts));
	printf("Start Time:             %s\n", start ? ts : "<none>");
	if (end) {
		char dur[32];

		timestamp(end, ts, sizeof(ts));
		pv_human_duration(end - start, dur, sizeof(dur));
		printf("Completed At:           %s\nDuration:               %s\n", ts, dur);
	}
	printf("Pods Statuses:          %lld Active / %lld Succeeded / %lld Failed\n",
	       (long long)pv_json_int(w, "active"), (long long)pv_json_int(w, "succeeded"),
	       (long long)pv_json_int(w, "failed"));
	printf("Status:                 %s", pv_json_str(w, "status", "Running"));
	if (*pv_json_str(w, "reason", ""))
		printf(" (%s)", pv_json_str(w, "reason", ""));
	printf("\n");
	if (json_object_object_get(w, "template"))
		pv_describe_pod_template(json_object_object_get(w, "template"));
	pv_get_print_events(events, "Events");
	return 0;
}

int pv_describe_cronjob(const struct get_opts *o, struct json_object *items,
			struct json_object *events)
{
	struct json_object *w = find(o, items);
	int64_t last;
	char ts[64];

	if (!w) {
		fprintf(stderr, "Error from the daemon: cronjobs.batch \"%s\" not found\n", o->name);
		return 1;
	}
	head(w);
	last = pv_json_int(w, "lastScheduleTime");
	timestamp(last, ts, sizeof(ts));
	printf("Schedule:               %s\n", pv_json_str(w, "schedule", ""));
	printf("Time Zone:              %s\n", *pv_json_str(w, "timeZone", "") ?
	       pv_json_str(w, "timeZone", "") : "<unset>");
	printf("Suspend:                %s\n",
	       json_object_get_boolean(json_object_object_get(w, "suspend")) ? "True" : "False");
	printf("Last Schedule Time:     %s\n", last ? ts : "<unset>");
	printf("Active Jobs:            %lld\n", (long long)pv_json_int(w, "active"));
	pv_get_print_events(events, "Events");
	return 0;
}

/* The keys every row has, printed by the head or not at all. */
static bool common_key(const char *k)
{
	static const char *const keys[] = { "kind", "namespace", "name", "owner", "created",
					    "replicas", "current", "ready", "updated",
					    "available", "template", NULL };

	for (int i = 0; keys[i]; i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

int pv_describe_workload(const struct get_opts *o, struct json_object *items,
			 struct json_object *events)
{
	struct json_object *w = find(o, items);

	if (!w) {
		fprintf(stderr, "Error from the daemon: \"%s\" not found\n", o->name);
		return 1;
	}
	head(w);
	printf("Kind:                   %s\n", pv_json_str(w, "kind", ""));
	printf("Replicas:               %lld desired | %lld current | %lld ready | %lld updated | "
	       "%lld available\n", (long long)pv_json_int(w, "replicas"),
	       (long long)pv_json_int(w, "current"), (long long)pv_json_int(w, "ready"),
	       (long long)pv_json_int(w, "updated"), (long long)pv_json_int(w, "available"));
	json_object_object_foreach(w, k, v) {
		char key[64];

		if (common_key(k) || !strcmp(k, "conditions"))
			continue;
		snprintf(key, sizeof(key), "%s:", k);
		if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
			printf("%-23s %s\n", key, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		else
			printf("%-23s %s\n", key, json_object_get_string(v));
	}
	if (json_object_object_get(w, "template"))
		pv_describe_pod_template(json_object_object_get(w, "template"));
	print_conditions(json_object_object_get(w, "conditions"));
	pv_get_print_events(events, "Events");
	return 0;
}
