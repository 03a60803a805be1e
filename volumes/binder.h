/* The PersistentVolume binder of one node: claims matched to volumes the
 * way Kubernetes' persistentvolume controller does it, as a pure function
 * (no I/O, no clock, no logging). The caller (supervisor/storage/storage.c) turns
 * the manifests, its persisted state and the pods into the inputs below,
 * runs pv_bind, then carries out what the result asks for (provision a
 * directory, delete a released volume's data) and persists the result.
 *
 * Rules, after pkg/controller/volume/persistentvolume:
 *  - A name is one volume's, as in the API server. A PersistentVolume
 *    manifest named like a volume podvisor provisioned (copied from
 *    `get pv -o yaml`, say) is refused: Failed, reason AlreadyExists,
 *    refused set, and never bound, released or deleted; the provisioned
 *    volume keeps the name, its binding and its own reclaim policy. Of two
 *    manifests of one name the first keeps it.
 *  - A volume is a candidate for a claim when: same storage class ("" only
 *    matches ""), the claim's access modes are a subset of the volume's,
 *    same volumeMode, capacity >= request, the claim's selector (if any)
 *    matches the volume's labels, the volume's node affinity admits this
 *    node, it is not bound to another claim, not Released, and if it is
 *    reserved (spec.claimRef) then for this claim only.
 *  - Among candidates the smallest capacity wins; ties by name.
 *  - A claim with spec.volumeName binds only to that volume, whatever its
 *    class's binding mode, if it is a candidate apart from the selector
 *    (not applied, as in Kubernetes) and the class check when the claim
 *    has no class.
 *  - A claim whose class is WaitForFirstConsumer binds only once a pod of
 *    this node uses it; until then it is Pending with reason
 *    WaitForFirstConsumer.
 *  - A claim with no candidate whose class has the local-path provisioner
 *    gets PV_BIND_PROVISION (Immediate: at once; WaitForFirstConsumer:
 *    once it has a consumer); otherwise it is Pending with reason
 *    FailedBinding and the message "no persistent volumes available for
 *    this claim and no storage class is set" / "...storageclass X..." as
 *    kubectl describe shows.
 *  - A binding, once made, is kept: a claim stays bound to its volume even
 *    if a better one appears or the volume's labels change. If the volume
 *    disappears from the inputs, the claim is Lost: the binding lives on
 *    the volume (bound_to), so pv_bind cannot see that; the caller, which
 *    persists the bindings, reports the claim Lost itself and leaves it
 *    out of CLAIMS so that it is not bound anew. Two volumes bound to one
 *    claim (a damaged state): the first keeps it, the other is Failed.
 *  - A bound volume whose claim is gone becomes Released unless the claim
 *    is still used by a pod (in_use: it waits, as pvc-protection does).
 *    Released + reclaim Delete asks for PV_BIND_DELETE once; Retain keeps
 *    it Released (never bound again) until the caller forgets it.
 */
#ifndef PV_VOLUMES_BINDER_H
#define PV_VOLUMES_BINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifests/types.h"

/* Access modes, as a bit set. */
enum {
	PV_AM_RWO = 1u << 0,  /* ReadWriteOnce */
	PV_AM_ROX = 1u << 1,  /* ReadOnlyMany */
	PV_AM_RWX = 1u << 2,  /* ReadWriteMany */
	PV_AM_RWOP = 1u << 3, /* ReadWriteOncePod */
};
/* The bit set of a manifest's accessModes list; unknown names are ignored. */
unsigned pv_access_modes(const pv_strlist *l);
/* "RWO,RWX" as kubectl prints them, into BUF (LEN bytes). */
const char *pv_access_modes_str(unsigned modes, char *buf, size_t len);

enum pv_vol_phase { PV_VOL_AVAILABLE, PV_VOL_BOUND, PV_VOL_RELEASED, PV_VOL_FAILED };
enum pv_claim_phase { PV_CLAIM_PENDING, PV_CLAIM_BOUND, PV_CLAIM_LOST };
const char *pv_vol_phase_name(enum pv_vol_phase p);     /* "Available", ... */
const char *pv_claim_phase_name(enum pv_claim_phase p); /* "Pending", ... */

/* One volume (a PersistentVolume manifest, or one podvisor provisioned). */
struct pv_bvol {
	const char *name;
	int64_t capacity;          /* bytes */
	unsigned modes;            /* PV_AM_* */
	const char *class_name;    /* "" when it has none */
	bool block;                /* volumeMode: Block */
	const pv_strmap *labels;   /* may be NULL */
	bool node_ok;              /* its nodeAffinity admits this node (true if none) */
	const char *reserved_for;  /* spec.claimRef "ns/name", or NULL */
	bool reclaim_delete;       /* persistentVolumeReclaimPolicy Delete (else Retain) */
	bool provisioned;          /* podvisor made it (no manifest) */
	/* state carried over from the last run (persisted by the caller): */
	const char *bound_to;      /* "ns/name" of the claim it is bound to, or NULL */
	bool released;             /* its claim went away */
	bool deleted;              /* and its data was deleted (reclaim Delete done) */
};

/* One claim (a PersistentVolumeClaim manifest). */
struct pv_bclaim {
	const char *key;           /* "ns/name" */
	int64_t request;           /* resources.requests.storage, bytes */
	unsigned modes;
	const char *class_name;    /* resolved by the caller: the default class
	                              for an absent storageClassName, "" for none */
	bool class_exists;         /* a StorageClass of that name is known */
	bool wait_for_consumer;    /* its class: volumeBindingMode WaitForFirstConsumer */
	bool provisioner;          /* its class: provisioner podvisor.io/local-path */
	bool block;
	const char *volume_name;   /* spec.volumeName, or NULL */
	const struct pv_label_selector *selector; /* NULL or unset: none */
	bool has_consumer;         /* a pod on this node uses it */
};

/* A claim that went away, still bound in the persisted state. */
struct pv_bgone {
	const char *key;           /* "ns/name" */
	bool in_use;               /* a pod still running uses it */
};

enum pv_bind_action {
	PV_BIND_NONE,
	PV_BIND_PROVISION, /* claims: provision a volume for it, then run again */
	PV_BIND_DELETE,    /* volumes: delete its data (reclaim Delete), then
	                      mark it deleted and run again */
};

struct pv_claim_result {
	enum pv_claim_phase phase;
	const char *volume;      /* points into the inputs; NULL unless bound/lost */
	enum pv_bind_action action;
	char reason[48];         /* "", "WaitForFirstConsumer", "ProvisioningFailed", "ClaimLost" ... */
	char message[256];
};

struct pv_vol_result {
	enum pv_vol_phase phase;
	bool refused;            /* Failed: its name is another volume's (AlreadyExists) */
	const char *claim;       /* points into the inputs; NULL when none */
	enum pv_bind_action action;
	char reason[48];
	char message[256];
};

/* Bind. VOLS/CLAIMS/GONE are the inputs; CR (NC entries) and VR (NV
 * entries) receive one result per claim and per volume, in input order.
 * Deterministic: the same inputs give the same results. */
void pv_bind(const struct pv_bvol *vols, size_t nv, const struct pv_bclaim *claims, size_t nc,
	     const struct pv_bgone *gone, size_t ng, struct pv_claim_result *cr,
	     struct pv_vol_result *vr);

#endif
