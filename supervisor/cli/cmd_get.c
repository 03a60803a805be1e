/* podvisor get / describe: what the daemon runs, as kubectl shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifests/encode.h"
#include "manifests/labelsel.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/api/api.h"
#include "supervisor/api/kobj.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/printers/get.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/table.h"

static const char get_usage[] =
	"Usage: podvisor get KIND [NAME...] [-n NAMESPACE | -A] [-l SELECTOR]\n"
	"                   [--field-selector SELECTOR] [--show-labels] [--no-headers]\n"
	"                   [-o wide|name|json|yaml] [--state DIR]\n"
	"\n"
	"List what the daemon runs, as kubectl does: the items of KIND in the\n"
	"namespace (default: default), or in every namespace with -A (then a\n"
	"NAMESPACE column comes first). With NAMEs, only those; each NAME that is\n"
	"not there is kubectl's NotFound on stderr, and the exit status is 1.\n"
	"When nothing matches, stderr says \"No resources found in NS namespace.\"\n"
	"(\"No resources found\" with -A) and the exit status is 0.\n"
	"-l and --field-selector select on every kind but events; they cannot be\n"
	"given with NAMEs (exit 1, as kubectl). KIND is one of:\n"
	"  pods (po)          NAME  READY  STATUS  RESTARTS  AGE\n"
	"                     STATUS is Pending, ContainerCreating, Running, Completed,\n"
	"                     Error, CrashLoopBackOff, ErrImageNeverPull, Init:N/M,\n"
	"                     Terminating, ...\n"
	"  services (svc)     NAME  TYPE  CLUSTER-IP  EXTERNAL-IP  PORT(S)  AGE\n"
	"  endpoints (ep)     NAME  ENDPOINTS  AGE: the ready pods behind each Service\n"
	"  persistentvolumes (pv)\n"
	"                     NAME  CAPACITY  ACCESS MODES  RECLAIM POLICY  STATUS  CLAIM\n"
	"                     STORAGECLASS  REASON  AGE; cluster-scoped: -n and -A do not apply\n"
	"  persistentvolumeclaims (pvc)\n"
	"                     NAME  STATUS  VOLUME  CAPACITY  ACCESS MODES  STORAGECLASS  AGE\n"
	"  deployments (deploy)\n"
	"                     NAME  READY  UP-TO-DATE  AVAILABLE  AGE\n"
	"  replicasets (rs)   NAME  DESIRED  CURRENT  READY  AGE: each Deployment's current\n"
	"                     ReplicaSet (NAME-HASH) and the standalone ones\n"
	"  statefulsets (sts) NAME  READY  AGE\n"
	"  daemonsets (ds)    NAME  DESIRED  CURRENT  READY  UP-TO-DATE  AVAILABLE\n"
	"                     NODE SELECTOR  AGE\n"
	"  jobs               NAME  STATUS  COMPLETIONS  DURATION  AGE\n"
	"  cronjobs (cj)      NAME  SCHEDULE  TIMEZONE  SUSPEND  ACTIVE  LAST SCHEDULE  AGE\n"
	"  configmaps (cm)    NAME  DATA  AGE\n"
	"  secrets            NAME  TYPE  DATA  AGE; only -o json|yaml shows the values\n"
	"  events (ev)        LAST SEEN  TYPE  REASON  OBJECT  MESSAGE: every object's, oldest\n"
	"                     first; NAME is one object: pod/NS/NAME, service/NS/NAME, or\n"
	"                     file/NAME or file:PATH (each manifest read: Loaded, Updated, Unchanged,\n"
	"                     FailedLoad with the first error's FILE:LINE:COL, Removed);\n"
	"                     or --for KIND/NAME, in the namespace of -n\n"
	"\n"
	"Examples:\n"
	"  podvisor get pods -A -l 'app=web,env in (prod,staging)' --show-labels\n"
	"  podvisor get pods --field-selector status.phase!=Running,spec.nodeName=node-a\n"
	"  podvisor get deploy -o wide          # CONTAINERS IMAGES SELECTOR\n"
	"  podvisor get svc web db --no-headers # two Services, rows only\n"
	"  podvisor get pods -l tier -o name    # pod/web-0 ... for scripts\n"
	"  podvisor get events --for deploy/web # one object's events, oldest first\n";

static const char describe_usage[] =
	"Usage: podvisor describe pod|svc|ep|pv|pvc|cm|secret|deploy|rs|sts|ds|job|cronjob NAME\n"
	"                         [-n NAMESPACE | -A] [--state DIR]\n"
	"\n"
	"Show a pod in detail: its containers, their states and last exit codes,\n"
	"the manifest file it comes from and that file's load errors, and the\n"
	"pod's recent events. Or a Service: its cluster IP, ports, node ports,\n"
	"endpoints, and why it is not programmed if it is not; its Endpoints (ep):\n"
	"the ready addresses and the ports they serve. Or a\n"
	"PersistentVolume (pv) or PersistentVolumeClaim (pvc): its binding, its\n"
	"source, why it is not bound, and its events. Or a ConfigMap (cm): its\n"
	"data. Or a Secret: its type and each key's size, never the values. Or a\n"
	"Deployment (deploy): its selector, replicas (desired, updated, total,\n"
	"available), strategy, pod template, conditions, ReplicaSets, manifest file\n"
	"and events; a ReplicaSet (rs), StatefulSet (sts), DaemonSet (ds), Job or\n"
	"CronJob: its counts, what its controller reports, and its events.\n";

static void restarts_cell(struct json_object *p, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)pv_json_int(p, "restarts"));
}

static bool wide(const struct get_opts *o)
{
	return o->output && strcmp(o->output, "wide") == 0;
}

static size_t print_pods(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS",
					    "AGE", "IP", "NODE", "NOMINATED NODE",
					    "READINESS GATES" };
	struct get_table t;

	pv_get_table_init(&t, o, wide(o) ? 10 : 6, head);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *p = json_object_array_get_idx(items, i);
		char ready[32], restarts[32], age[32];
		const char *row[10];

		if (!pv_get_wanted(o, p))
			continue;
		snprintf(ready, sizeof(ready), "%lld/%lld", (long long)pv_json_int(p, "ready"),
			 (long long)pv_json_int(p, "total"));
		restarts_cell(p, restarts, sizeof(restarts));
		pv_human_duration(time(NULL) - pv_json_int(p, "created"), age, sizeof(age));
		row[0] = pv_json_str(p, "namespace", "");
		row[1] = pv_json_str(p, "name", "");
		row[2] = ready;
		row[3] = pv_json_str(p, "status", "");
		row[4] = restarts;
		row[5] = age;
		row[6] = *pv_json_str(p, "podIP", "") ? pv_json_str(p, "podIP", "") : "<none>";
		row[7] = *pv_json_str(p, "node", "") ? pv_json_str(p, "node", "") : "<none>";
		row[8] = "<none>";
		row[9] = "<none>";
		pv_get_table_add(&t, p, row);
	}
	return pv_get_table_done(&t);
}

int pv_get_structured(const struct get_opts *o, struct json_object *items)
{
	struct json_object *list = json_object_new_array();
	char *y;

	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *p = json_object_array_get_idx(items, i);

		if (pv_get_wanted(o, p))
			json_object_array_add(list, json_object_get(p));
	}
	if (strcmp(o->output, "yaml") != 0) {
		puts(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED));
	} else {
		y = pv_json_to_yaml(list, true);
		fputs(y ? y : "", stdout);
		free(y);
	}
	json_object_put(list);
	return PV_EXIT_OK;
}

static size_t print_events(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE" };
	struct get_opts eo = *o;
	struct get_table t;

	if (!items || !json_object_array_length(items)) {
		fprintf(stderr, "No events found.\n");
		return 1; /* said */
	}
	eo.cluster = true; /* the OBJECT column names the namespace */
	eo.show_labels = false;
	pv_get_table_init(&t, &eo, 6, head);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *e = json_object_array_get_idx(items, i);
		char age[48];
		const char *row[6];

		pv_get_event_age(e, age, sizeof(age));
		row[0] = "";
		row[1] = age;
		row[2] = pv_json_str(e, "type", "");
		row[3] = pv_json_str(e, "reason", "");
		row[4] = pv_json_str(e, "object", "");
		row[5] = pv_json_str(e, "message", "");
		pv_get_table_add(&t, e, row);
	}
	return pv_get_table_done(&t);
}

enum get_kind { GET_PODS, GET_SERVICES, GET_ENDPOINTS, GET_PV, GET_PVC, GET_CM, GET_SECRET,
		GET_EVENTS, GET_DEPLOY, GET_RS, GET_STS, GET_DS, GET_JOB, GET_CRONJOB,
		GET_UNKNOWN };

typedef int describe_fn(const struct get_opts *o, struct json_object *items,
			struct json_object *events);

/* Where each kind's items come from (the API op and the array in its
 * answer), who prints them, the kind's name in the events, and as
 * kubectl names it: its resource (plural) in its API group, and its
 * -o name prefix. */
static const struct get_kind_info {
	const char *op, *items;
	bool cluster; /* cluster-scoped: no namespace to filter by */
	size_t (*print)(const struct get_opts *o, struct json_object *items);
	describe_fn *describe; /* NULL: pods have their own op; events: none */
	const char *events;    /* NULL: the daemon records none */
	const char *resource, *group, *prefix;
	const char *const *fields; /* --field-selector's fields past metadata.* */
} kinds[] = {
	[GET_PODS] = { "pods", "items", false, print_pods, NULL, NULL, "pods", "", "pod",
		       pv_get_pod_fields },
	[GET_SERVICES] = { "services", "items", false, pv_get_print_services, pv_describe_service,
			   "service", "services", "", "service", NULL },
	[GET_ENDPOINTS] = { "services", "items", false, pv_get_print_endpoints, pv_describe_endpoints, NULL,
			    "endpoints", "", "endpoints", NULL },
	[GET_PV] = { "storage", "volumes", true, pv_get_print_volumes, pv_describe_volume,
		     "persistentvolume", "persistentvolumes", "", "persistentvolume", NULL },
	[GET_PVC] = { "storage", "claims", false, pv_get_print_claims, pv_describe_claim,
		      "persistentvolumeclaim", "persistentvolumeclaims", "",
		      "persistentvolumeclaim", NULL },
	[GET_CM] = { "config", "configmaps", false, pv_get_print_configmaps, pv_describe_configmap,
		     "configmap", "configmaps", "", "configmap", NULL },
	[GET_SECRET] = { "config", "secrets", false, pv_get_print_secrets, pv_describe_secret, NULL,
			 "secrets", "", "secret", pv_get_secret_fields },
	[GET_EVENTS] = { "events", "items", true, print_events, NULL, NULL, "events", "", "event",
			 NULL },
	[GET_DEPLOY] = { "workloads", "deployments", false, pv_get_print_deployments,
			 pv_describe_deployment, "deployment", "deployments", "apps",
			 "deployment.apps", NULL },
	[GET_RS] = { "workloads", "replicasets", false, pv_get_print_replicasets,
		     pv_describe_replicaset, "replicaset", "replicasets", "apps", "replicaset.apps",
		     NULL },
	[GET_STS] = { "workloads", "statefulsets", false, pv_get_print_statefulsets,
		      pv_describe_workload, "statefulset", "statefulsets", "apps",
		      "statefulset.apps", NULL },
	[GET_DS] = { "workloads", "daemonsets", false, pv_get_print_daemonsets,
		     pv_describe_workload, "daemonset", "daemonsets", "apps", "daemonset.apps", NULL },
	[GET_JOB] = { "workloads", "jobs", false, pv_get_print_jobs, pv_describe_job, "job", "jobs",
		      "batch", "job.batch", NULL },
	[GET_CRONJOB] = { "workloads", "cronjobs", false, pv_get_print_cronjobs,
			  pv_describe_cronjob, "cronjob", "cronjobs", "batch", "cronjob.batch",
			  NULL },
};

static enum get_kind kind_of(const char *k)
{
	if (!strcmp(k, "pods") || !strcmp(k, "pod") || !strcmp(k, "po"))
		return GET_PODS;
	if (!strcmp(k, "services") || !strcmp(k, "service") || !strcmp(k, "svc"))
		return GET_SERVICES;
	if (!strcmp(k, "endpoints") || !strcmp(k, "ep"))
		return GET_ENDPOINTS;
	if (!strcmp(k, "persistentvolumes") || !strcmp(k, "persistentvolume") || !strcmp(k, "pv"))
		return GET_PV;
	if (!strcmp(k, "persistentvolumeclaims") || !strcmp(k, "persistentvolumeclaim") ||
	    !strcmp(k, "pvc"))
		return GET_PVC;
	if (!strcmp(k, "configmaps") || !strcmp(k, "configmap") || !strcmp(k, "cm"))
		return GET_CM;
	if (!strcmp(k, "secrets") || !strcmp(k, "secret"))
		return GET_SECRET;
	if (!strcmp(k, "events") || !strcmp(k, "event") || !strcmp(k, "ev"))
		return GET_EVENTS;
	if (!strcmp(k, "deployments") || !strcmp(k, "deployment") || !strcmp(k, "deploy"))
		return GET_DEPLOY;
	if (!strcmp(k, "replicasets") || !strcmp(k, "replicaset") || !strcmp(k, "rs"))
		return GET_RS;
	if (!strcmp(k, "statefulsets") || !strcmp(k, "statefulset") || !strcmp(k, "sts"))
		return GET_STS;
	if (!strcmp(k, "daemonsets") || !strcmp(k, "daemonset") || !strcmp(k, "ds"))
		return GET_DS;
	if (!strcmp(k, "jobs") || !strcmp(k, "job"))
		return GET_JOB;
	if (!strcmp(k, "cronjobs") || !strcmp(k, "cronjob") || !strcmp(k, "cj"))
		return GET_CRONJOB;
	return GET_UNKNOWN;
}

/* Ask the daemon for OP; with OBJECT, only that object's events. */
static struct json_object *call(const struct get_opts *o, const char *op, const char *object)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string(op));
	if (o->output && (!strcmp(o->output, "json") || !strcmp(o->output, "yaml")))
		json_object_object_add(req, "full", json_object_new_boolean(1)); /* k8sobj.c */
	if (object)
		json_object_object_add(req, "object", json_object_new_string(object));
	return pv_client_call("podvisor", o->state, req);
}

#define KINDS_SERVED                                                                  \
	"pods (po), services (svc), endpoints (ep), persistentvolumes (pv), "             \
	"persistentvolumeclaims (pvc), deployments (deploy), replicasets (rs), "           \
	"statefulsets (sts), daemonsets (ds), jobs, cronjobs (cj), "                        \
	"configmaps (cm), secrets, events (ev)"

static const char *const get_formats[] = { "wide", "name", "json", "yaml", "internal-json", NULL };

/* The options of get, into O: PV_CLI_GO with the operands in A, or the
 * exit status. */
static int parse_get(int argc, char **argv, struct get_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&o->ns, "only this namespace (default: default)"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &o->all,
				"every namespace, with a NAMESPACE column"),
		PV_CLI_STR_OPT("selector", 'l', &o->selector, "SELECTOR",
			       "only those whose labels match, as kubectl's -l: app=web, "
			       "app!=web, 'env in (a,b)', 'env notin (a)', key, !key; several "
			       "separated by commas, all of which must hold"),
		PV_CLI_STR_OPT("field-selector", 0, &o->field_selector, "SELECTOR",
			       "only those whose fields match: metadata.name, metadata.namespace "
			       "(every kind), status.phase and spec.nodeName (pods), type "
			       "(secrets); FIELD=VALUE, FIELD==VALUE or FIELD!=VALUE, separated "
			       "by commas"),
		PV_CLI_FLAG_OPT("show-labels", 0, &o->show_labels,
				"a last column LABELS: each item's labels, a=b,c=d"),
		PV_CLI_FLAG_OPT("no-headers", 0, &o->no_headers, "no header line"),
		PV_CLI_FLAG_OPT("watch", 'w', &o->watch,
				"pods and events: after the list, a row for each change as the "
				"daemon makes it (ADDED, MODIFIED; a pod's last row when it is "
				"gone), until Ctrl-C"),
		PV_CLI_STR_OPT("for", 0, &o->for_obj, "KIND/NAME",
			       "events only: those of one object, as kubectl events --for: "
			       "pod/web, deploy/web, svc/db (in the namespace of -n), pv/data, "
			       "or a manifest's: file/NAME (NAME in the manifests directory) or "
			       "file:PATH"),
		PV_CLI_CHOICE_OPT("output", 'o', &o->output, "FORMAT", get_formats,
				  "wide (pods: IP, NODE, NOMINATED NODE, READINESS GATES; "
				  "services: SELECTOR; deploy, rs, ds, jobs, cronjobs: CONTAINERS, "
				  "IMAGES, SELECTOR; sts: CONTAINERS, IMAGES; pv, pvc: VOLUMEMODE), "
				  "name (KIND/NAME, one a line: pod/web-0, deployment.apps/web), "
				  "json or yaml"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "get", get_usage, NULL, opts, 0 };
	int rc;

	o->ns = "default";
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc == PV_CLI_GO && a->n < 1)
		rc = pv_cli_usage_error(&cmd, "no KIND given; the kinds served: %s", KINDS_SERVED);
	else if (rc == PV_CLI_GO && kind_of(a->v[0]) == GET_UNKNOWN)
		rc = pv_cli_usage_error(&cmd, "unknown kind '%s'; the kinds served: %s", a->v[0],
					KINDS_SERVED);
	return rc;
}

/* The options of describe, into O: PV_CLI_GO with the operands in A, or
 * the exit status. */
static int parse_describe(int argc, char **argv, struct get_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&o->ns, "the object's namespace (default: default)"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &o->all,
				"look for NAME in every namespace (not for pods)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "describe", describe_usage, NULL, opts, 0 };
	enum get_kind kind;
	int rc;

	o->ns = "default";
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc != PV_CLI_GO)
		return rc;
	if (a->n != 2)
		return pv_cli_usage_error(&cmd, "expected KIND NAME");
	kind = kind_of(a->v[0]);
	if (kind == GET_UNKNOWN || (kind != GET_PODS && !kinds[kind].describe))
		return pv_cli_usage_error(&cmd, "cannot describe '%s'; the kinds described: pod, "
					  "svc, ep, pv, pvc, cm, secret, deploy, rs, sts, ds, job, cronjob", a->v[0]);
	return PV_CLI_GO;
}

/* The -o name lines of the wanted ITEMS (kubectl's KIND/NAME): how many. */
static size_t print_names(const struct get_opts *o, enum get_kind kind, struct json_object *items)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *x = json_object_array_get_idx(items, i);

		/* Without a selector a Service has no Endpoints. */
		if (!pv_get_wanted(o, x) ||
		    (kind == GET_ENDPOINTS && !*pv_json_str(x, "selector", "")))
			continue;
		printf("%s/%s\n", kinds[kind].prefix, pv_json_str(x, "name", ""));
		n++;
	}
	return n;
}

/* Say kubectl's NotFound for each name of O that no item has: 1 when
 * one is missing, else 0. *FOUND: how many names are there. */
static int say_missing(const struct get_opts *o, const struct get_kind_info *k,
		       struct json_object *items, size_t *found)
{
	struct get_opts one = *o;
	int rc = 0;

	*found = 0;
	for (size_t i = 0; i < o->nnames; i++) {
		bool there = false;

		one.names = &o->names[i];
		one.nnames = 1;
		for (size_t j = 0; !there && j < json_object_array_length(items); j++)
			there = pv_get_wanted(&one, json_object_array_get_idx(items, j));
		if (there) {
			(*found)++;
			continue;
		}
		fprintf(stderr, "Error from server (NotFound): %s%s%s \"%s\" not found\n", k->resource,
			*k->group ? "." : "", k->group, o->names[i]);
		rc = PV_EXIT_FAIL;
	}
	return rc;
}

static bool structured(const struct get_opts *o)
{
	return o->output && (strcmp(o->output, "json") == 0 || strcmp(o->output, "yaml") == 0);
}

/* The wanted ITEMS of KIND, as O shapes them; the exit status. */
static int show(const struct get_opts *o, enum get_kind kind, struct json_object *items)
{
	size_t found, shown;
	int rc = say_missing(o, &kinds[kind], items, &found);

	if (o->output && strcmp(o->output, "internal-json") == 0) /* the daemon's records, for tests */
		return o->nnames && !found ? rc : (pv_get_structured(o, items) ?: rc);
	if (structured(o))
		return o->nnames && !found ? rc
					   : (pv_k8sobj_print(o, kinds[kind].resource, o->nnames == 1, items) ?: rc);
	if (o->output && strcmp(o->output, "name") == 0)
		shown = print_names(o, kind, items);
	else
		shown = kinds[kind].print(o, items);
	if (!shown && !o->nnames) /* kubectl's words: not an error */
		fprintf(stderr, o->all ? "No resources found\n" : "No resources found in %s namespace.\n",
			o->ns);
	return rc;
}

/* The object --for names, as the daemon's events name it (pod/NS/NAME,
 * persistentvolume/NAME, file:PATH), in BUF; NULL without --for, or
 * after saying why it names nothing. */
static const char *for_object(const struct get_opts *o, char *buf, size_t len)
{
	const char *slash = o->for_obj ? strchr(o->for_obj, '/') : NULL;
	char kind[64];
	enum get_kind k;
	const char *prefix;

	if (!o->for_obj)
		return NULL;
	if (strncmp(o->for_obj, "file:", 5) == 0 || strncmp(o->for_obj, "file/", 5) == 0)
		return o->for_obj; /* file/NAME: the daemon knows the directory */
	if (!slash || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - o->for_obj) >= sizeof(kind)) {
		fprintf(stderr, "error: --for must be KIND/NAME (pod/web, deploy/web) or "
				"file:PATH, not \"%s\"\n", o->for_obj);
		return NULL;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - o->for_obj), o->for_obj);
	k = kind_of(kind);
	prefix = k == GET_PODS ? "pod" : k == GET_UNKNOWN ? NULL : kinds[k].events;
	if (!prefix) {
		fprintf(stderr, "error: --for: the daemon records no events of kind \"%s\"; "
				"the kinds with events: pod, svc, pv, pvc, cm, deploy, rs, sts, ds, "
				"job, cronjob\n", kind);
		return NULL;
	}
	if (kinds[k].cluster)
		snprintf(buf, len, "%s/%s", prefix, slash + 1);
	else
		snprintf(buf, len, "%s/%s/%s", prefix, o->ns, slash + 1);
	return buf;
}

/* get -w: the daemon's list, then its changes, each one a row in the
 * list's columns (kubectl's -w), until the daemon or the user ends it. */
static int watch_items(struct get_opts *o, enum get_kind kind, const char *object)
{
	struct json_object *req = json_object_new_object(), *first, *items;
	struct get_opts ro = *o;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (kind != GET_PODS && kind != GET_EVENTS) {
		fprintf(stderr, "error: -w is served for pods and events\n");
		return PV_EXIT_USAGE;
	}
	if (o->output && strcmp(o->output, "wide") != 0) {
		fprintf(stderr, "error: -w prints rows: -o %s cannot be given with it\n", o->output);
		return PV_EXIT_USAGE;
	}
	json_object_object_add(req, "op", json_object_new_string("watch"));
	json_object_object_add(req, "kind", json_object_new_string(kinds[kind].op));
	if (object)
		json_object_object_add(req, "object", json_object_new_string(object));
	if (!(f = pv_client_stream("podvisor", o->state, req)))
		return PV_EXIT_FAIL;
	first = getline(&line, &cap, f) > 0 ? json_tokener_parse(line) : NULL;
	if (!first || !json_object_object_get_ex(first, "items", &items)) {
		fprintf(stderr, "Error from the daemon: %s\n",
			first ? pv_json_str(first, "error", "no list") : "no answer to the watch");
		json_object_put(first);
		free(line);
		fclose(f);
		return PV_EXIT_FAIL;
	}
	show(o, kind, items);
	fflush(stdout);
	json_object_put(first);
	ro.no_headers = true;
	while (getline(&line, &cap, f) > 0) {
		struct json_object *msg = json_tokener_parse(line), *obj, *one;

		if (msg && json_object_object_get_ex(msg, "object", &obj)) {
			one = json_object_new_array();
			json_object_array_add(one, json_object_get(obj));
			kinds[kind].print(&ro, one);
			json_object_put(one);
			fflush(stdout);
		}
		json_object_put(msg);
	}
	free(line);
	fclose(f);
	fprintf(stderr, "error: the daemon ended the watch\n");
	return PV_EXIT_FAIL;
}

/* Ask the daemon for KIND's items and show those O wants. */
static int get_items(struct get_opts *o, enum get_kind kind)
{
	char forbuf[600];
	const char *object = NULL;
	struct json_object *resp, *items;
	int rc;

	if (kind == GET_EVENTS) { /* NAME is the object the daemon filters by */
		object = o->nnames ? o->names[0] : for_object(o, forbuf, sizeof(forbuf));
		o->nnames = 0;
	}
	if (kind == GET_EVENTS && o->for_obj && !object)
		return PV_EXIT_FAIL; /* said */
	if (o->watch)
		return watch_items(o, kind, object);
	if (!(resp = call(o, kinds[kind].op, object)))
		return PV_EXIT_FAIL;
	if (!json_object_object_get_ex(resp, kinds[kind].items, &items) ||
	    !json_object_is_type(items, json_type_array)) {
		fprintf(stderr, "podvisor: the daemon's answer has no %s list: is the daemon "
				"the same version as this command?\n", kinds[kind].items);
		json_object_put(resp);
		return PV_EXIT_FAIL;
	}
	rc = show(o, kind, items);
	json_object_put(resp);
	return rc;
}

/* The selectors of O parsed into SEL and FSEL (O points at them): 0,
 * or the exit status after saying why not, as kubectl says it. */
static int parse_selectors(struct get_opts *o, enum get_kind kind, struct pv_labelsel *sel,
			   struct get_fieldsel *fsel)
{
	const struct get_kind_info *k = &kinds[kind];
	struct pv_err err = { 0 };
	char resource[96];

	if (o->for_obj && kind != GET_EVENTS) {
		fprintf(stderr, "error: --for applies to events only\n");
		return PV_EXIT_USAGE;
	}
	if (o->for_obj && o->nnames) {
		fprintf(stderr, "error: --for and a NAME cannot be given together\n");
		return PV_EXIT_USAGE;
	}
	if (kind == GET_EVENTS && (o->selector || o->field_selector ||
				   (o->output && !strcmp(o->output, "name")))) {
		fprintf(stderr, "error: -l, --field-selector and -o name do not apply to events\n");
		return PV_EXIT_USAGE;
	}
	if ((o->selector || o->field_selector) && o->nnames) { /* kubectl's words and code */
		fprintf(stderr, "error: selectors and the all flag cannot be used when passing "
				"resource/name arguments\n");
		return PV_EXIT_FAIL;
	}
	if (o->selector && pv_labelsel_parse(o->selector, sel, &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return PV_EXIT_FAIL; /* as kubectl: 1 */
	}
	if (o->selector)
		o->sel = sel;
	snprintf(resource, sizeof(resource), "%s/v1, Resource=%s", k->group, k->resource);
	if (o->field_selector &&
	    pv_get_fieldsel_parse(o->field_selector, k->fields, resource, o->selector, fsel) < 0)
		return PV_EXIT_FAIL;
	if (o->field_selector)
		o->fsel = fsel;
	return 0;
}

int pv_cmd_get(int argc, char **argv)
{
	struct get_opts o = { 0 };
	struct pv_cli_args a;
	struct pv_labelsel sel;
	struct get_fieldsel fsel;
	enum get_kind kind;
	int rc = parse_get(argc, argv, &o, &a);

	if (rc != PV_CLI_GO)
		return rc;
	kind = kind_of(a.v[0]);
	o.names = a.v + 1;
	o.nnames = (size_t)a.n - 1;
	o.cluster = kinds[kind].cluster;
	o.all = o.all || o.cluster;
	rc = parse_selectors(&o, kind, &sel, &fsel);
	if (rc == 0)
		rc = get_items(&o, kind);
	if (o.sel)
		pv_labelsel_free(&sel);
	if (o.fsel)
		pv_get_fieldsel_free(&fsel);
	return rc;
}

/* The events of object KIND/NS/NAME, or KIND/NAME when cluster-scoped. */
static struct json_object *fetch_events(const struct get_opts *o, const struct get_kind_info *k)
{
	struct json_object *req = json_object_new_object();
	char object[600];

	if (k->cluster)
		snprintf(object, sizeof(object), "%s/%s", k->events, o->name);
	else
		snprintf(object, sizeof(object), "%s/%s/%s", k->events, o->ns, o->name);
	json_object_object_add(req, "op", json_object_new_string("events"));
	json_object_object_add(req, "object", json_object_new_string(object));
	return pv_client_call("podvisor", o->state, req);
}

/* Describe NAME of a kind whose op lists every item. */
static int describe_listed(struct get_opts *o, const struct get_kind_info *k, const char *name)
{
	struct json_object *resp, *items, *ev = NULL, *events = NULL;
	int rc;

	o->name = name;
	o->all = o->all || k->cluster;
	resp = call(o, k->op, NULL);
	if (!resp)
		return PV_EXIT_FAIL;
	if (k->events)
		ev = fetch_events(o, k);
	if (ev)
		json_object_object_get_ex(ev, "items", &events);
	json_object_object_get_ex(resp, k->items, &items);
	rc = k->describe(o, items, events);
	json_object_put(ev);
	json_object_put(resp);
	return rc ? PV_EXIT_FAIL : PV_EXIT_OK;
}

int pv_cmd_describe(int argc, char **argv)
{
	struct get_opts o = { 0 };
	struct pv_cli_args a;
	struct json_object *req, *resp, *pod;
	enum get_kind kind;
	int rc = parse_describe(argc, argv, &o, &a);

	if (rc != PV_CLI_GO)
		return rc;
	kind = kind_of(a.v[0]);
	if (kind != GET_PODS)
		return describe_listed(&o, &kinds[kind], a.v[1]);
	req = json_object_new_object();
	json_object_object_add(req, "op", json_object_new_string("pod"));
	json_object_object_add(req, "namespace", json_object_new_string(o.ns));
	json_object_object_add(req, "name", json_object_new_string(a.v[1]));
	json_object_object_add(req, "full", json_object_new_boolean(1)); /* the pod's spec too */
	resp = pv_client_call("podvisor", o.state, req);
	if (!resp)
		return PV_EXIT_FAIL;
	pod = pv_kobj_pod(o.state, resp);
	pv_describe_pod(resp, pod);
	json_object_put(pod);
	json_object_put(resp);
	return PV_EXIT_OK;
}
