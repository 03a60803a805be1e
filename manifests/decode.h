/* Generic decoding of a node tree into a typed struct, driven by the
 * field tables in schema.h. Type mismatches, enum violations, missing
 * required fields are errors; unknown fields are warnings. */
#ifndef PV_MANIFESTS_DECODE_H
#define PV_MANIFESTS_DECODE_H

#include "common/arena.h"
#include "manifests/diag.h"
#include "manifests/schema.h"
#include "manifests/yamltree.h"

/* Work allowed per document, counted in nodes visited: aliases can make
 * a small tree visit a huge one, and this caps that. */
#define PV_DECODE_MAX_WORK 1000000

/* Decode mapping N into OBJ (a zeroed struct of type T). Returns the
 * number of errors added to DIAGS. */
size_t pv_decode(const struct pv_type *t, void *obj, const struct pv_node *n,
		 struct pv_arena *arena, struct pv_diags *diags);

#endif
