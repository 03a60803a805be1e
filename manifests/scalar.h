/* Scalar resolution as Kubernetes' YAML decoder does it (go-yaml v2,
 * YAML 1.1 core types): plain "yes" is a boolean, "0x1F" an integer,
 * "1.0" a number; quoted text is always a string. */
#ifndef PV_MANIFESTS_SCALAR_H
#define PV_MANIFESTS_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a scalar resolves to, as Kubernetes' YAML decoder (go-yaml v2,
 * YAML 1.1 rules) resolves it. Quoted and block scalars are strings. */
enum pv_scalar_type {
	PV_SCALAR_NULL,
	PV_SCALAR_BOOL,
	PV_SCALAR_INT,
	PV_SCALAR_FLOAT,
	PV_SCALAR_STR,
};

/* A scalar's text and its value. Below the YAML tree, which copies it
 * into its nodes: scalars know nothing of trees. */
struct pv_scalar {
	const char *str; /* NUL-terminated text, as written (unquoted) */
	size_t len;
	enum pv_scalar_type stype;
	bool b;
	int64_t i;
	double f;
};

/* Fill S's stype and value from S->str. TAG is the explicit tag or NULL;
 * PLAIN is true for an untagged plain scalar. Returns -1 on an explicit
 * tag whose text does not fit it (e.g. "!!int abc"). */
int pv_scalar_resolve(struct pv_scalar *s, const char *tag, bool plain);

/* Parse a go-style integer literal (sign, 0x/0o/0b/leading-0 octal,
 * underscores). Returns 0, or -1 when S is not an integer or overflows. */
int pv_parse_int64(const char *s, int64_t *out);

#endif
