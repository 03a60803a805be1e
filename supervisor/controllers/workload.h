/* What the workload controllers share, inside supervisor/controllers/:
 * the controllers' memory (struct pv_controllers), each workload's status
 * row, the pods they render from a template into files of their own, and
 * how a pod view is matched back to the workload that wants it (the
 * annotation podvisor.io/created-by: KIND/NS/NAME, KIND in lower case).
 * Each controller is one module (deployment.c, ...) with a sync entry
 * point listed in controllers.c's table. Owns: the rendered pods (until
 * a pass renders them no more), the status rows, the re-check timer.
 * Calls: node, source, core, manifests. */
#ifndef PV_SUPERVISOR_CONTROLLERS_WORKLOAD_H
#define PV_SUPERVISOR_CONTROLLERS_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "manifests/manifest.h"
#include "supervisor/node/workload_status.h"
#include "supervisor/node/node.h"
#include "supervisor/node/pod.h"

#define PV_CTL_CREATED_BY "podvisor.io/created-by"
#define PV_CTL_REVISION_LABEL "controller-revision-hash" /* "NAME-HASH" */

/* Each controller's own memory between passes, opaque to the others. */
struct pv_ctl_deployments;
struct pv_ctl_statefulsets;
struct pv_ctl_daemonsets;
struct pv_ctl_jobs;
struct pv_ctl_cronjobs;

/* One rendered object (a pod, a claim), loaded once and kept while each
 * pass renders the same JSON again: at 500 replicas a pass would
 * otherwise parse 500 pods, and a ramp of 500 pods takes 125 passes. */
struct pv_ctl_render {
	unsigned char key[32]; /* SHA-256 of the object's JSON */
	struct pv_file *file;  /* its one object */
	char pod_hash[65];     /* a Pod's spec hash (pv_pod_hash), "" until asked */
	bool used;             /* rendered in this pass (or the last) */
};

struct pv_controllers {
	struct pv_ctl_render **renders; /* the rendered objects, kept a pass after their last use */
	size_t nrenders, rcap;
	size_t last_len, last_used;     /* the last render made: its JSON's length, its arena's use */
	uint32_t *rindex;               /* open addressing: render index + 1, 0 empty */
	size_t rindex_cap;              /* a power of two, over twice nrenders */
	struct pv_workload_status *st;
	size_t nst, stcap;
	struct pv_timer *recheck;
	bool waiting; /* a workload waits on pods becoming ready */
	int64_t recheck_ms;
	uint64_t last_sig; /* the counts the last pass saw */
	struct pv_ctl_deployments *deploy;
	struct pv_ctl_statefulsets *sts;
	struct pv_ctl_daemonsets *ds;
	struct pv_ctl_jobs *jobs;
	struct pv_ctl_cronjobs *cron;
};

/* The status row of KIND NS/NAME ("Deployment", ...), added when new,
 * marked seen in this pass, its counts zeroed. NULL when out of memory
 * (the caller sets d->wanted_incomplete). */
struct pv_workload_status *pv_ctl_status(struct pv_controllers *c, const char *kind,
					 const struct pv_object *o);
/* O's namespace ("default" when it has none). */
const char *pv_ctl_ns(const struct pv_object *o);
/* The value of KEY in M, or NULL. */
const char *pv_ctl_map_get(const pv_strmap *m, const char *key);
/* True when the pod V was made by the workload ST (and is in its namespace). */
bool pv_ctl_owns(const struct pv_workload_status *st, const struct pv_pod_view *v);
/* Count V into ST's current/ready (and updated when its
 * pod-template-hash, or else controller-revision-hash, is ST's, or ST
 * has none). */
void pv_ctl_count(struct pv_workload_status *st, const struct pv_pod_view *v);

/* O encoded to JSON (*WHOLE, to put), and its spec.template (borrowed
 * from *WHOLE), or NULL. */
struct json_object *pv_ctl_template(const struct pv_object *o, struct json_object **whole);
/* A Pod NAME from the template TMPL, wanted by ST: the template's labels
 * and annotations, the created-by annotation, an ownerReference to
 * OWNER_KIND OWNER_NAME (apiVersion OWNER_API), the template's spec (a
 * reference to it: copy before changing it). To put. */
struct json_object *pv_ctl_pod_json(struct json_object *tmpl, const struct pv_workload_status *st,
				    const char *name, const char *owner_api,
				    const char *owner_kind, const char *owner_name);
/* Forget the rendered objects the last pass did not render: called at
 * the start of a pass, before any is rendered. */
void pv_ctl_renders_sweep(struct pv_controllers *c);
void pv_ctl_renders_free(struct pv_controllers *c);
/* Load the Pod POD into a file the controllers keep for this pass and
 * add it to the wanted set; a failure is an event on ST and leaves the
 * wanted set incomplete (no pod is stopped this pass). */
void pv_ctl_want_json(struct pv_daemon *d, struct pv_workload_status *st, struct json_object *pod);
/* Want the pod kept under KEY (a digest of everything its JSON is made
 * from, which the caller vouches for) if there is one: true; false when
 * there is none, and the caller renders it and wants it with
 * pv_ctl_want_json_keyed under the same KEY. */
bool pv_ctl_want_kept(struct pv_daemon *d, struct pv_workload_status *st,
		      const unsigned char key[32]);
void pv_ctl_want_json_keyed(struct pv_daemon *d, struct pv_workload_status *st,
			    struct json_object *pod, const unsigned char key[32]);
/* Who already wants a pod named NAME in ST's namespace, if not ST: its
 * source ("pod file.yaml", "statefulset/NS/NAME"); NULL if nobody does.
 * The first wanter keeps a name (pods_reconcile.c); a workload creating
 * a pod so named reports that it failed, as the API server's
 * AlreadyExists makes its controller do. */
const char *pv_ctl_name_taken(struct pv_daemon *d, const struct pv_workload_status *st,
			      const char *name);
/* Want the running pod V as it is (its own spec): an old template's pod
 * that a rollout still keeps. */
void pv_ctl_want_view(struct pv_daemon *d, struct pv_workload_status *st,
		      const struct pv_pod_view *v);
/* Load OBJ (any kind; WHAT names it in errors: "claim www-web-0") into
 * a file the controllers keep for this pass: the typed object, or NULL
 * after an event on SOURCE ("statefulset/NS/NAME"). */
const struct pv_object *pv_ctl_keep_json(struct pv_daemon *d, const char *source,
					 struct json_object *obj, const char *what);
/* A workload waits on pods becoming ready or finishing: look again soon. */
void pv_ctl_wait(struct pv_daemon *d);

/* Whether the pod V of ST is available: ready for ST->min_ready_ms as of
 * NOW (monotonic ms). When it is ready but not yet available, *WAKE (if
 * not NULL) is lowered to when it will be (0: unset). */
bool pv_ctl_available(const struct pv_workload_status *st, const struct pv_pod_view *v,
		      int64_t now, int64_t *wake);

/* The controllers, each a module; controllers.c calls them in this order. */
void pv_ctl_deployments_sync(struct pv_daemon *d);
void pv_ctl_replicasets_sync(struct pv_daemon *d);
void pv_ctl_daemonsets_sync(struct pv_daemon *d);
void pv_ctl_daemonsets_free(struct pv_controllers *c);
void pv_ctl_deployments_free(struct pv_controllers *c);
void pv_ctl_jobs_sync(struct pv_daemon *d);
void pv_ctl_jobs_free(struct pv_controllers *c);
void pv_ctl_cronjobs_sync(struct pv_daemon *d);
void pv_ctl_cronjobs_free(struct pv_controllers *c);
void pv_ctl_statefulsets_sync(struct pv_daemon *d);
void pv_ctl_statefulsets_free(struct pv_controllers *c);

#endif
