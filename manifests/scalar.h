/* Scalar resolution as Kubernetes' YAML decoder does it (go-yaml v2,
 * YAML 1.1 core types): plain "yes" is a boolean, "0x1F" an integer,
 * "1.0" a number; quoted text is always a string. */
#ifndef PV_MANIFESTS_SCALAR_H
#define PV_MANIFESTS_SCALAR_H

#include <stdbool.h>
#include <stdint.h>

#include "manifests/yamltree.h"

/* Fill N's stype and value from N->str. TAG is the explicit tag or NULL;
 * PLAIN is true for an untagged plain scalar. Returns -1 on an explicit
 * tag whose text does not fit it (e.g. "!!int abc"). */
int pv_scalar_resolve(struct pv_node *n, const char *tag, bool plain);

/* Parse a go-style integer literal (sign, 0x/0o/0b/leading-0 octal,
 * underscores). Returns 0, or -1 when S is not an integer or overflows. */
int pv_parse_int64(const char *s, int64_t *out);

#endif
