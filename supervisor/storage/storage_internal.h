/* Between storage.c (gathering the binder's inputs, carrying out its
 * decisions) and storage_publish.c (the results for the API, the pods and
 * the events) only. */
#ifndef PV_SUPERVISOR_STORAGE_STORAGE_INTERNAL_H
#define PV_SUPERVISOR_STORAGE_STORAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "manifests/manifest.h"
#include "supervisor/node/node.h"
#include "supervisor/storage/storage_state.h"
#include "volumes/binder.h"

struct pv_storage {
	struct pv_vrecs recs;
	char *path;               /* state/volumes.json */
	struct json_object *vols; /* the last results, for the API and pods */
	struct json_object *claims;
	struct json_object *failed; /* claim key: why provisioning failed */
	struct json_object *refused; /* volume name: why its manifest is refused */
	struct pv_timer *timer;     /* a sync when a missing claim's grace ends */
};

struct lost_claim { /* a claim whose bound volume is gone */
	const struct pv_pvc *pvc;
	const struct pv_dfile *file;
	const char *key, *volume;
};

/* One pass's inputs, and what they point into. The arrays grow (each
 * group of parallel arrays together) and are kept from round to round;
 * nothing keeps a pointer into one across a call that may grow it. */
struct inputs {
	struct pv_daemon *d;
	struct pv_bvol *vols;                /* these five: nv used, vcap allocated */
	const struct pv_pv **pvs;            /* NULL: provisioned */
	const struct pv_dfile **vfiles;
	struct pv_vrec **recs;
	struct pv_vol_result *vr;
	size_t nv, vcap;
	struct pv_bclaim *claims;            /* these four: nc used, ccap allocated */
	const struct pv_pvc **pvcs;
	const struct pv_dfile **cfiles;
	struct pv_claim_result *cr;
	size_t nc, ccap;
	struct lost_claim *lost;
	size_t nlost, lostcap;
	struct pv_bgone *gone;
	size_t ng, gcap;
	char **owned;                        /* strings made for the inputs */
	size_t nowned, ocap;
	const char *default_class;
	bool dirty;
	bool incomplete; /* out of memory: some input is missing, so nothing is done */
};

/* "NS/NAME", malloc'ed; NULL when out of memory. */
char *pv_storage_claim_key(const char *ns, const char *name);
/* The "storage" quantity of M in bytes (0: none); its text in *TEXT. */
int64_t pv_storage_of(const pv_qtymap *m, const char **text);
/* Whether SPEC mounts claim CLAIM. */
bool pv_storage_pod_uses(const struct pv_pod_spec *spec, const char *claim);
/* A static PersistentVolume's directory (hostPath or local), or NULL. */
const char *pv_storage_static_path(const struct pv_pv *pv);
/* The item of array A named NS/NAME (NS NULL: cluster-scoped), or NULL. */
struct json_object *pv_storage_find_item(struct json_object *a, const char *ns, const char *name);
/* Publish the pass's results: the JSON the API and the pods read, with
 * an event for each change. */
void pv_storage_publish(struct inputs *in);

#endif
