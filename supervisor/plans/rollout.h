/* A Deployment's rollout as a pure decision, as Kubernetes' deployment
 * controller takes it (pkg/controller/deployment/rolling.c, recreate.go):
 * given the desired replicas, the strategy, and the pods of the new
 * template (by slot) and of older templates, with their readiness, which
 * new-template slots to want and which old pods to keep. Also the names:
 * the pod-template-hash and a replica slot's stable 5-character suffix.
 * Pure: no I/O, no logging, no allocation. Calls: nothing. */
#ifndef PV_SUPERVISOR_PLANS_ROLLOUT_H
#define PV_SUPERVISOR_PLANS_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pv_rollout_type { PV_ROLLOUT_ROLLING, PV_ROLLOUT_RECREATE };

/* An int-or-percent: "25%" or 2. */
struct pv_rollout_amount {
	bool is_pct;
	int64_t v;
};

struct pv_rollout_strategy {
	enum pv_rollout_type type;
	struct pv_rollout_amount max_surge, max_unavailable;
};

struct pv_rollout_pod {
	bool ready;
	bool keep; /* out, for old pods */
};

struct pv_rollout {
	int64_t replicas;
	struct pv_rollout_strategy strategy;
	/* In: how many new-template pods exist, and how many of them are ready
	 * (stopping pods are not counted anywhere). */
	int64_t new_pods, new_ready;
	/* In: the pods of older templates, oldest first; out: which to keep. */
	struct pv_rollout_pod *old;
	size_t n_old;
	/* In: whether pods of older templates are still stopping (Recreate
	 * waits for them). */
	bool old_stopping;
	/* Out: the new-template slots wanted, 0 .. want_new-1. */
	int64_t want_new;
};

/* maxSurge and maxUnavailable for REPLICAS, as Kubernetes resolves them:
 * percentages of the replicas, surge rounded up, unavailable down; both
 * zero makes unavailable 1. */
void pv_rollout_resolve(const struct pv_rollout_strategy *s, int64_t replicas, int64_t *surge,
			int64_t *unavailable);
/* Decide R's outputs from its inputs. True when the rollout is complete
 * (no old pod left, every slot wanted). */
bool pv_rollout_decide(struct pv_rollout *r);

/* The pod-template-hash of a template rendered as TEXT: FNV-1a 32, its
 * decimal digits zero-padded to 10 and mapped to Kubernetes' safe
 * alphabet "bcdfghjklmnpqrstvwxz2456789". OUT gets 10 chars and a NUL. */
void pv_rollout_template_hash(const char *text, size_t len, char out[11]);
/* The 5-character suffix of replica SLOT of the pods named after PREFIX
 * (a template hash, or a ReplicaSet's name), with SALT to step past a
 * collision: stable, so a restarted daemon wants the same names. */
void pv_rollout_slot_suffix(const char *prefix, int64_t slot, unsigned salt, char out[6]);

#endif
