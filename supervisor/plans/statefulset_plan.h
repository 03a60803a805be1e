/* The pure decision of a StatefulSet, as Kubernetes' StatefulSet
 * controller takes it (updateStatefulSet in stateful_set_control.go):
 * given the pods of each ordinal, which pod to want for each ordinal and
 * at which revision, which to create and which to delete.
 *
 * - OrderedReady (monotonic): ordinal i is created only when 0..i-1 are
 *   Running and Ready; nothing is scaled down or updated while a pod is
 *   unhealthy; one pod is deleted at a time, from the highest ordinal.
 * - Parallel: every missing pod is created, every condemned pod deleted,
 *   at once (updates still go one at a time).
 * - RollingUpdate: from the highest ordinal down to `partition`, the
 *   first pod not at the update revision is deleted (it is created again
 *   at the update revision); each must be healthy before the next lower
 *   one goes. A pod created below `partition` gets the current revision.
 *   With maxUnavailable N > 1 (MaxUnavailableStatefulSet, as
 *   updateStatefulSetAfterInvariantEstablished): while fewer than N pods
 *   in range are unavailable (missing, stopping or not healthy), the
 *   highest pods >= partition not at the update revision are deleted, up
 *   to N minus the unavailable ones at once. OrderedReady still creates
 *   them again lowest first, each healthy before the next, and deletes
 *   only while every pod is healthy.
 * - OnDelete: no pod is deleted for an update; a missing pod is created
 *   at the update revision.
 * A deleted pod is wanted by nobody (the pods module stops it); it is
 * created again in a later pass, once it is gone.
 * Pure: no I/O. Calls: nothing. */
#ifndef PV_SUPERVISOR_PLANS_STATEFULSET_PLAN_H
#define PV_SUPERVISOR_PLANS_STATEFULSET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pv_sts_rev {
	PV_STS_REV_OTHER,   /* an older revision than the current one */
	PV_STS_REV_CURRENT, /* the current revision (before the update) */
	PV_STS_REV_UPDATE,  /* the update revision (the template now) */
};

enum pv_sts_want {
	PV_STS_NONE,   /* no pod: not yet, or deleted */
	PV_STS_KEEP,   /* the pod as it runs (its own spec) */
	PV_STS_CURRENT, /* rendered from the current revision's template */
	PV_STS_UPDATE, /* rendered from the update revision's template */
};

/* One ordinal: what is observed, then what is decided. */
struct pv_sts_slot {
	int64_t ordinal;
	bool exists;        /* a pod of this ordinal (maybe stopping) */
	bool stopping;      /* it is being deleted */
	bool healthy;       /* Running and Ready */
	enum pv_sts_rev rev; /* its revision */
	/* decided: */
	enum pv_sts_want want;
	bool create;        /* a pod is created now (an event) */
	bool del;           /* the pod is deleted now (an event) */
};

struct pv_sts_plan {
	int64_t replicas, start, partition;
	bool parallel;  /* podManagementPolicy Parallel */
	bool on_delete; /* updateStrategy OnDelete */
	int64_t max_unavailable; /* resolved (pv_sts_max_unavailable); 0 or 1: one at a time */
	struct pv_sts_slot *slots;     /* REPLICAS entries: ordinals start.. in order */
	struct pv_sts_slot *condemned; /* pods whose ordinal is out of range */
	size_t ncondemned;            /* any order: the plan sorts them */
	/* decided: */
	bool waiting;   /* something is left to do once pods change */
	bool complete;  /* every ordinal runs the update revision, healthy, none condemned */
};

/* maxUnavailable (an int, or a percentage when IS_PCT) of REPLICAS, as
 * Kubernetes resolves it: a percentage rounded down, at least 1. */
int64_t pv_sts_max_unavailable(bool is_pct, int64_t v, int64_t replicas);
/* Decide P's slots (and the condemned pods'). */
void pv_sts_plan_decide(struct pv_sts_plan *p);
/* The revision a pod created for ORDINAL gets. */
enum pv_sts_want pv_sts_plan_rev_for(const struct pv_sts_plan *p, int64_t ordinal);

#endif
