/* What podvisor acts on: one table, per kind and per field, that says
 * whether the daemon does something with it, and when not, which issue
 * will and what happens meanwhile. The loader warns from it, the daemon
 * makes events of those warnings, and the README's table is checked
 * against it (tests/unit/test_support.c).
 *
 * Owns: the table, its lookups, and the walk of a loaded object that
 * finds the fields written in it that are not acted on. Pure: calls only
 * manifests/ and common/, never logs. */
#ifndef PV_MANIFESTS_SUPPORT_H
#define PV_MANIFESTS_SUPPORT_H

#include <stddef.h>

#include "manifests/diag.h"
#include "manifests/manifest.h"

enum pv_support_state {
	PV_ACTED,   /* the daemon does what Kubernetes would */
	PV_MOOT,    /* nothing to do on one node without an API server: no warning */
	PV_NOT_YET, /* loaded and validated, not acted on: a warning */
};

struct pv_support {
	const char *type;  /* a kind ("Deployment") or a schema type ("PodSpec") */
	const char *field; /* the field's Kubernetes name; NULL: the kind itself */
	enum pv_support_state state;
	unsigned issue;   /* the issue that will act on it; 0: none filed */
	const char *note; /* what happens meanwhile, or how it is acted on */
};

/* The whole table, in README order; *N rows. */
const struct pv_support *pv_support_rows(size_t *n);
/* The row of FIELD of TYPE (FIELD NULL: the kind TYPE), or NULL. */
const struct pv_support *pv_support_find(const char *type, const char *field);
/* "not acted on by podvisor yet (issue 13): NOTE" into BUF. */
void pv_support_say(const struct pv_support *s, char *buf, size_t len);

/* For OB's kind when unacted, and each field written in OB (defaults
 * are not written) whose row is PV_NOT_YET: FN with the row, the field
 * path ("spec.containers[0].livenessProbe", "kind") and its location.
 * Fields under an unacted one are not visited. */
typedef void pv_support_fn(void *data, const struct pv_support *s, const char *path,
			   struct pv_loc loc);
void pv_support_scan(const struct pv_object *ob, pv_support_fn *fn, void *data);

#endif
