/* A Deployment's revision history, as Kubernetes keeps it in its
 * ReplicaSets' deployment.kubernetes.io/revision annotations: each
 * distinct pod template (by its pod-template-hash) is a revision,
 * numbered 1, 2, ...; going back to an earlier template makes that
 * revision the newest number again; each keeps the Deployment's
 * kubernetes.io/change-cause of when it was current; old revisions past
 * revisionHistoryLimit are dropped, oldest first, unless pods of theirs
 * still run. The numbering and pruning are pure (unit-tested); the
 * history is kept as JSON in the daemon's state directory
 * (STATE/rollouts/NS.NAME.json, written atomically), so that it
 * survives a restart. Owns: the revisions and their templates.
 * Calls: core (fsutil, log), common. */
#ifndef PV_SUPERVISOR_CONTROLLERS_HISTORY_H
#define PV_SUPERVISOR_CONTROLLERS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/err.h"

#define PV_CHANGE_CAUSE "kubernetes.io/change-cause"

struct pv_revision {
	int64_t number;
	char hash[11];           /* its pod-template-hash */
	char *change_cause;      /* NULL: none */
	struct json_object *tmpl; /* the pod template (spec.template), owned */
};

struct pv_history {
	struct pv_revision *v;   /* in no particular order */
	size_t n, cap;
	bool dirty;              /* changed since loaded or saved */
};

void pv_history_free(struct pv_history *h);
/* The revision of template HASH, or NULL. */
struct pv_revision *pv_history_by_hash(const struct pv_history *h, const char *hash);
/* Revision NUMBER, or NULL. */
struct pv_revision *pv_history_by_number(const struct pv_history *h, int64_t number);
/* The highest revision number (0: none). */
int64_t pv_history_max(const struct pv_history *h);
/* The template HASH (TMPL, referenced) is the current one, with the
 * Deployment's change-cause CAUSE (may be NULL): a new revision numbered
 * max+1, or the existing one renumbered max+1 when it is not the newest;
 * its change-cause follows CAUSE. Returns the current revision, or NULL
 * when out of memory. Marks H dirty when anything changed. */
struct pv_revision *pv_history_record(struct pv_history *h, const char *hash,
				      struct json_object *tmpl, const char *cause);
/* The revision before the current (newest) one, or NULL. */
struct pv_revision *pv_history_previous(const struct pv_history *h);
/* Keep the newest revision and at most LIMIT older ones; an older one
 * whose pods still run (ALIVE says so by hash; may be NULL) stays.
 * Returns how many were dropped. */
size_t pv_history_prune(struct pv_history *h, int64_t limit,
			bool (*alive)(void *data, const char *hash), void *data);
/* Sort by revision number, oldest first. */
void pv_history_sort(struct pv_history *h);

/* {"revisions":[{"revision":N,"podTemplateHash":...,"changeCause":...,
 * "template":{...}}]}, oldest first (sorts H). A new object, or NULL. */
struct json_object *pv_history_json(struct pv_history *h);
/* Fill the empty H from J (the form above); -1 when J is not one. */
int pv_history_from_json(struct pv_history *h, struct json_object *j);

/* STATE/rollouts/NS.NAME.json. 0 (H left empty) when there is none. */
int pv_history_load(struct pv_history *h, const char *state, const char *ns, const char *name,
		    struct pv_err *err);
/* Write H there atomically when dirty (and clear dirty). */
int pv_history_save(struct pv_history *h, const char *state, const char *ns, const char *name,
		    struct pv_err *err);
/* Remove the file (the Deployment is gone). */
void pv_history_forget(const char *state, const char *ns, const char *name);
/* Remove the history files under STATE/rollouts whose Deployment KEEP
 * (called with its namespace and name) says is gone: those of
 * Deployments deleted while the daemon was down. Returns how many. */
size_t pv_history_gc(const char *state, bool (*keep)(void *data, const char *ns, const char *name),
		     void *data);

#endif
