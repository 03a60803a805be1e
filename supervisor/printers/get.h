/* The printers: what `podvisor get` and `describe` (cli/cmd_get.c, which
 * prints pods itself) and `rollout` show of the daemon's answers, as
 * kubectl shows them. services.c: services and endpoints; storage.c: pv,
 * pvc, cm and secret; workloads.c: deploy, rs, sts, ds, job and cronjob;
 * describe_workloads.c: their describe; describe_pod.c: describe pod;
 * k8sobj.c: -o json|yaml as
 * Kubernetes objects; shape.c: which items are wanted (names, -n/-A, -l,
 * --field-selector), the table every printer fills (NAMESPACE with -A,
 * LABELS, --no-headers), and events.
 *
 * Owns: nothing past a call. Calls: image (image ids), manifests (label
 * selectors, the YAML emitter), core, common; never the daemon's modules
 * nor the socket (the verbs in cli/ ask, these print). */
#ifndef PV_SUPERVISOR_PRINTERS_GET_H
#define PV_SUPERVISOR_PRINTERS_GET_H

#include <stdbool.h>

#include <json-c/json.h>

#include "supervisor/core/table.h"

struct pv_labelsel;

/* --field-selector parsed: FIELD=VALUE or FIELD!=VALUE, all of which
 * must hold; KEY is the item's key the field is read from. */
struct get_field_req {
	const char *key, *value;
	bool ne;
};

struct get_fieldsel {
	char *buf; /* the text, cut */
	struct get_field_req *v;
	size_t n;
};

/* A kind's fields for --field-selector: metadata.name and
 * metadata.namespace, and these (NULL-ended {field, item key} pairs). */
extern const char *const pv_get_pod_fields[];
extern const char *const pv_get_secret_fields[];

struct get_opts {
	const char *ns;
	bool all;
	bool cluster;     /* the kind has no namespace: no NAMESPACE column */
	bool show_labels; /* --show-labels: a LABELS column last */
	bool no_headers;  /* --no-headers */
	const char *output;
	const char *state;
	const char *name;   /* describe: the one NAME */
	char **names;       /* get: only these NAMEs (none: all) */
	size_t nnames;
	const char *selector;          /* -l, as given */
	const struct pv_labelsel *sel; /* -l parsed: only items whose labels match */
	const char *field_selector;    /* --field-selector, as given */
	const struct get_fieldsel *fsel;
	const char *for_obj; /* get events --for KIND/NAME, as given */
	bool watch;          /* get -w: the list, then each change as a row */
};

/* Parse TEXT for a kind with the extra FIELDS (NULL: only metadata.*):
 * 0, or -1 after saying kubectl's error on stderr (RESOURCE as
 * "/v1, Resource=pods"). Free with pv_get_fieldsel_free. */
int pv_get_fieldsel_parse(const char *text, const char *const *fields, const char *resource,
			  const char *selector, struct get_fieldsel *out);
void pv_get_fieldsel_free(struct get_fieldsel *f);

/* True when O wants ITEM: its namespace, one of its names, its label
 * and field selectors. */
bool pv_get_wanted(const struct get_opts *o, struct json_object *item);

/* The rows a printer adds, as kubectl prints them: HEAD[0] is always
 * NAMESPACE (shown with -A on a namespaced kind only); LABELS is added
 * last with --show-labels. */
#define GET_MAX_COLS 16
struct get_table {
	const struct get_opts *o;
	struct pv_table t;
	size_t first, ncols; /* the columns of the printer's rows */
};

void pv_get_table_init(struct get_table *g, const struct get_opts *o, size_t ncols,
		       const char *const *head);
/* ROW has NCOLS cells (ROW[0] the namespace) for ITEM. */
void pv_get_table_add(struct get_table *g, struct json_object *item, const char *const *row);
/* Print the table (unless empty) and free it: the number of rows. */
size_t pv_get_table_done(struct get_table *g);
/* "a=b,c=d", sorted by key, or "<none>": into BUF. */
void pv_get_labels_cell(struct json_object *labels, char *buf, size_t len);
/* A label selector as kubectl's wide SELECTOR shows it (matchLabels and
 * matchExpressions, sorted by key), or "<none>": into BUF. */
void pv_get_selector_cell(struct json_object *sel, char *buf, size_t len);
/* -o json|yaml of the wanted items. */
int pv_get_structured(const struct get_opts *o, struct json_object *items);
/* -o json|yaml as kubectl: the ITEMS (of the daemon's answer, asked
 * with "full": true) of KIND (a kind's word or resource: "pods", "svc",
 * "deployments", ...) that O wants, as Kubernetes objects: the object
 * when ONE (a single NAME was given), else a v1 List (k8sobj.c). The
 * exit status (1: ONE and none found, NotFound said). */
int pv_k8sobj_print(const struct get_opts *o, const char *kind, bool one,
		    struct json_object *items);
/* "3s", or "3s (x4)" for an event seen four times (kubectl's count). */
void pv_get_event_age(struct json_object *e, char *buf, size_t len);
void pv_get_print_events(struct json_object *ev, const char *title);
/* describe pod (describe_pod.c): REC is the daemon's "pod" answer (asked
 * with "full": true), POD the Kubernetes Pod made of it
 * (pv_kobj_pod, api/kobj.h). */
void pv_describe_pod(struct json_object *rec, struct json_object *pod);

/* Each printer: the rows of the wanted ITEMS; returns how many. */
size_t pv_get_print_services(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_endpoints(const struct get_opts *o, struct json_object *items);
/* 0, or 1 when no Service NAME is in ITEMS. */
int pv_describe_service(const struct get_opts *o, struct json_object *items,
			struct json_object *events);
int pv_describe_endpoints(const struct get_opts *o, struct json_object *items,
			  struct json_object *events);

/* Deployments: NAME READY UP-TO-DATE AVAILABLE AGE; ReplicaSets: NAME
 * DESIRED CURRENT READY AGE (kubectl's columns); -o wide adds
 * CONTAINERS IMAGES SELECTOR to each workload (StatefulSets: no
 * SELECTOR). */
size_t pv_get_print_deployments(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_replicasets(const struct get_opts *o, struct json_object *items);
/* StatefulSets: NAME READY AGE; DaemonSets: NAME DESIRED CURRENT READY
 * UP-TO-DATE AVAILABLE NODE SELECTOR AGE; Jobs: NAME STATUS COMPLETIONS
 * DURATION AGE; CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST
 * SCHEDULE AGE. */
size_t pv_get_print_statefulsets(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_daemonsets(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_jobs(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_cronjobs(const struct get_opts *o, struct json_object *items);

size_t pv_get_print_volumes(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_claims(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_configmaps(const struct get_opts *o, struct json_object *items);
size_t pv_get_print_secrets(const struct get_opts *o, struct json_object *items);
/* Each: 0, or 1 when no NAME is in ITEMS; EVENTS may be NULL (secret: unused). */
int pv_describe_volume(const struct get_opts *o, struct json_object *items,
		       struct json_object *events);
int pv_describe_claim(const struct get_opts *o, struct json_object *items,
		      struct json_object *events);
int pv_describe_configmap(const struct get_opts *o, struct json_object *items,
			  struct json_object *events);
int pv_describe_secret(const struct get_opts *o, struct json_object *items,
		       struct json_object *events);

/* Deployments, ReplicaSets, and the other workloads from their info keys
 * (describe_workloads.c): each 0, or 1 when no NAME is in ITEMS. */
int pv_describe_deployment(const struct get_opts *o, struct json_object *items,
			   struct json_object *events);
int pv_describe_replicaset(const struct get_opts *o, struct json_object *items,
			   struct json_object *events);
/* A Job: its completions, times, pods' statuses and condition; a
 * CronJob: its schedule, zone, suspension, last schedule and active
 * Jobs; with their events (kubectl's layout). */
int pv_describe_job(const struct get_opts *o, struct json_object *items,
		    struct json_object *events);
int pv_describe_cronjob(const struct get_opts *o, struct json_object *items,
			struct json_object *events);
int pv_describe_workload(const struct get_opts *o, struct json_object *items,
			 struct json_object *events);
/* A pod template (spec.template as JSON), as kubectl describes it. */
void pv_describe_pod_template(struct json_object *tmpl);

#endif
