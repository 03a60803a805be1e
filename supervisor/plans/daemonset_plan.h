/* A DaemonSet's pods on this one node as a pure decision, as Kubernetes'
 * daemon controller takes it (pkg/controller/daemon/update.go) with a
 * single node: given whether the node fits the template (nodeSelector,
 * required node affinity), the update strategy, and the DaemonSet's pods
 * here (of the current template or an older one, ready, stopping),
 * whether to want the current template's pod and which old pods to keep.
 *
 * RollingUpdate without surge: the old pod is stopped, and the new one
 * started once it is gone. With maxSurge: the new pod starts beside the
 * old, which is stopped once the new is ready (or at once when it is not
 * ready itself and maxUnavailable allows). OnDelete: an old pod stays
 * until someone deletes it; then the current template's pod replaces it.
 * A node that does not fit runs none.
 * Pure: no I/O, no logging, no allocation. Calls: nothing. */
#ifndef PV_SUPERVISOR_PLANS_DAEMONSET_PLAN_H
#define PV_SUPERVISOR_PLANS_DAEMONSET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pv_ds_update { PV_DS_ROLLING, PV_DS_ON_DELETE };

/* An int-or-percent as the manifest gives it: "25%" or 1. */
struct pv_ds_amount {
	bool is_pct;
	int64_t v;
};

struct pv_ds_pod {
	bool current;  /* of the current template */
	bool ready;
	bool stopping; /* being stopped already: counted nowhere, kept by no one */
	bool keep;     /* out: still wanted (old pods; a current pod is kept by want_new) */
};

struct pv_ds_plan {
	/* In. */
	bool fits;                 /* the node matches the template */
	enum pv_ds_update update;
	int64_t max_surge, max_unavailable; /* resolved (pv_ds_resolve) */
	struct pv_ds_pod *pods;    /* the DaemonSet's pods on this node */
	size_t n;
	/* Out. */
	bool want_new;             /* want the current template's pod */
};

/* maxSurge and maxUnavailable for NODES nodes, as the daemon controller
 * resolves them: percentages of the nodes, both rounded up; both zero
 * makes unavailable 1. */
void pv_ds_resolve(struct pv_ds_amount surge, struct pv_ds_amount unavailable, int64_t nodes,
		   int64_t *out_surge, int64_t *out_unavailable);
/* Decide P's outputs from its inputs. True when the node is settled (no
 * old pod is kept waiting for the new one to become ready). */
bool pv_ds_decide(struct pv_ds_plan *p);

#endif
