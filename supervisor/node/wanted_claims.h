/* The wanted claims: PersistentVolumeClaims a controller makes (a
 * StatefulSet's volumeClaimTemplates), beside the claims of the manifest
 * files. The controllers fill it during their step; storage, a lower
 * layer that runs after them in each pass, binds and provisions them as
 * it does the files' claims (a file's claim of the same name wins). The
 * objects belong to their source and stay valid for the pass. Pure: no
 * I/O, no logging. Calls: manifests only. */
#ifndef PV_SUPERVISOR_NODE_WANTED_CLAIMS_H
#define PV_SUPERVISOR_NODE_WANTED_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifests/manifest.h"

struct pv_wanted_claim {
	const struct pv_object *obj; /* of kind PersistentVolumeClaim */
	const char *ns, *name;       /* the object's */
	const char *source;          /* who wants it: "statefulset/NS/NAME" */
	int64_t created;             /* wall clock seconds: when it was made */
	const char *note;            /* why it is kept with no owner, or NULL */
};

struct pv_wanted_claims {
	struct pv_wanted_claim *v; /* grows: no pointer into it outlives an add */
	size_t n, cap;
	bool incomplete; /* a source could not list all: release none */
};

/* Empty W for the next pass, keeping its memory. */
void pv_wanted_claims_clear(struct pv_wanted_claims *w);
void pv_wanted_claims_free(struct pv_wanted_claims *w);
/* Add the claim OBJ, wanted by SOURCE (strings that outlive the pass).
 * 0, or -1 when out of memory (W is then marked incomplete). */
int pv_wanted_claims_add(struct pv_wanted_claims *w, const struct pv_object *obj,
			 const char *source, int64_t created, const char *note);
/* The wanted claim NS/NAME, or NULL. */
const struct pv_wanted_claim *pv_wanted_claims_find(const struct pv_wanted_claims *w,
						    const char *ns, const char *name);

#endif
