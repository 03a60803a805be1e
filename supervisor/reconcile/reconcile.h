/* The reconcile driver: one pass is an ordered table of {name, sync}
 * steps over the node (reconcile.c): the wanted pods from their sources,
 * Services before pods start (their environment), claims before pods
 * mount them, the pods made to match the wanted set, then endpoints. A
 * new source of pods (a controller) is a step before "pods", and the pods
 * module does not change: "controllers" is one. Calls: controllers, pods,
 * services, storage, node, source. */
#ifndef PV_SUPERVISOR_RECONCILE_RECONCILE_H
#define PV_SUPERVISOR_RECONCILE_RECONCILE_H

#include "supervisor/node/node.h"

struct pv_reconcile_step {
	const char *name;
	void (*sync)(struct pv_daemon *d);
};

/* The steps of a pass, in order; N_STEPS gets their count. */
const struct pv_reconcile_step *pv_reconcile_steps(size_t *n_steps);
/* One pass: every step in order. */
void pv_reconcile_run(struct pv_daemon *d);

#endif
