/* The wanted pods: every pod the node should run, whoever wants it.
 * Static Pods from the manifests feed it today; the workload controllers
 * (Deployment, StatefulSet, DaemonSet, Job) will feed it tomorrow, and the
 * pods module makes the running pods match it without knowing who asked.
 * The reconcile driver rebuilds it at every pass; the objects belong to
 * their source (the desired state, or a controller) and stay valid for the
 * pass. Pure: no I/O, no logging. Calls: manifests only. */
#ifndef PV_SUPERVISOR_NODE_WANTED_H
#define PV_SUPERVISOR_NODE_WANTED_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "manifests/manifest.h"

struct pv_wanted_pod {
	const struct pv_object *obj; /* of kind Pod */
	const char *ns, *name;       /* the object's */
	const char *source;          /* who wants it: a manifest file's path, later "deployment/NS/NAME" */
	char hash[65];               /* its spec hash (pv_pod_hash) if the source knew it, or "" */
	struct pv_file *shared;      /* OBJ's own one-object file, which a pod may hold (pv_file_get), or NULL */
	bool shadowed;               /* an earlier entry has its namespace and name */
};

struct pv_wanted {
	struct pv_wanted_pod *v; /* grows: no pointer into it outlives pv_wanted_add */
	size_t n, cap;
	uint32_t *index;         /* by namespace and name: open addressing, v's index + 1 */
	size_t index_cap;        /* a power of two, over twice n */
};

/* Empty W for the next pass, keeping its memory. */
void pv_wanted_clear(struct pv_wanted *w);
void pv_wanted_free(struct pv_wanted *w);
/* Add the Pod OBJ, wanted by SOURCE (a string that outlives the pass).
 * 0, or -1 when out of memory. */
int pv_wanted_add(struct pv_wanted *w, const struct pv_object *obj, const char *source);
/* The same, with OBJ's spec hash (as pv_pod_hash makes it) already known,
 * and SHARED, the file of OBJ alone (pv_file_new), which the pod started
 * from it holds instead of a copy of its own. */
int pv_wanted_add_hashed(struct pv_wanted *w, const struct pv_object *obj, const char *source,
			 const char *hash, struct pv_file *shared);
/* The wanted pod NS/NAME (the first added), or NULL. */
const struct pv_wanted_pod *pv_wanted_find(const struct pv_wanted *w, const char *ns,
					   const char *name);

#endif
