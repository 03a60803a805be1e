/* Shared by `podvisor get` and `describe`: options, and the printers of
 * each kind (cmd_get.c: pods; cmd_get_svc.c: services and endpoints;
 * cmd_get_storage.c: pv, pvc, cm and secret; cmd_get_workloads.c:
 * deploy, rs, sts, ds, job and cronjob). */
#ifndef PV_SUPERVISOR_GET_H
#define PV_SUPERVISOR_GET_H

#include <stdbool.h>

#include <json-c/json.h>

struct pv_labelsel;

struct get_opts {
	const char *ns;
	bool all;
	const char *output;
	const char *state;
	const char *name;
	const char *selector;          /* -l, as given */
	const struct pv_labelsel *sel; /* -l parsed: only items whose labels match */
};

bool pv_get_wanted(const struct get_opts *o, struct json_object *item);
/* -o json|yaml of the wanted items. */
int pv_get_structured(const struct get_opts *o, struct json_object *items);
/* -o json|yaml as kubectl: the ITEMS (of the daemon's answer, asked
 * with "full": true) of KIND (a kind's word or resource: "pods", "svc",
 * "deployments", ...) that O wants, as Kubernetes objects: the object
 * when ONE (a single NAME was given), else a v1 List (k8sobj.c). The
 * exit status (1: ONE and none found, NotFound said). */
int pv_k8sobj_print(const struct get_opts *o, const char *kind, bool one,
		    struct json_object *items);
void pv_get_print_events(struct json_object *ev, const char *title);
/* "No resources found in NS namespace.", or KIND "NAME" not found. */
void pv_get_not_found(const struct get_opts *o, const char *kind);

void pv_get_print_services(const struct get_opts *o, struct json_object *items);
void pv_get_print_endpoints(const struct get_opts *o, struct json_object *items);
/* 0, or 1 when no Service NAME is in ITEMS. */
int pv_describe_service(const struct get_opts *o, struct json_object *items,
			struct json_object *events);

/* Deployments: NAME READY UP-TO-DATE AVAILABLE AGE; ReplicaSets: NAME
 * DESIRED CURRENT READY AGE (kubectl's columns). */
void pv_get_print_deployments(const struct get_opts *o, struct json_object *items);
void pv_get_print_replicasets(const struct get_opts *o, struct json_object *items);
/* StatefulSets: NAME READY AGE; DaemonSets: NAME DESIRED CURRENT READY
 * UP-TO-DATE AVAILABLE NODE SELECTOR AGE; Jobs: NAME STATUS COMPLETIONS
 * DURATION AGE; CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST
 * SCHEDULE AGE. */
void pv_get_print_statefulsets(const struct get_opts *o, struct json_object *items);
void pv_get_print_daemonsets(const struct get_opts *o, struct json_object *items);
void pv_get_print_jobs(const struct get_opts *o, struct json_object *items);
void pv_get_print_cronjobs(const struct get_opts *o, struct json_object *items);

void pv_get_print_volumes(const struct get_opts *o, struct json_object *items);
void pv_get_print_claims(const struct get_opts *o, struct json_object *items);
void pv_get_print_configmaps(const struct get_opts *o, struct json_object *items);
void pv_get_print_secrets(const struct get_opts *o, struct json_object *items);
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
 * (cmd_describe_workloads.c): each 0, or 1 when no NAME is in ITEMS. */
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
