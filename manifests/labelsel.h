/* Label selectors as kubectl's -l/--selector takes them: a comma-separated
 * list of requirements, all of which must hold:
 *   key=value  key==value  key!=value       (equality-based)
 *   key in (v1,v2)  key notin (v1,v2)       (set-based)
 *   key  !key                               (exists, does not exist)
 * As in Kubernetes, `key!=value` and `key notin (...)` also match objects
 * without the key. Keys are label keys ([prefix/]name), values label
 * values (63 characters at most, may be empty). Shared by the CLI verbs
 * that take -l (get, delete). Pure: no I/O, no logging.
 * Calls: common. */
#ifndef PV_MANIFESTS_LABELSEL_H
#define PV_MANIFESTS_LABELSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "manifests/types.h"

enum pv_labelsel_op {
	PV_LSEL_EQ,     /* = or == */
	PV_LSEL_NEQ,    /* != */
	PV_LSEL_IN,
	PV_LSEL_NOTIN,
	PV_LSEL_EXISTS,
	PV_LSEL_NOTEXISTS,
};

struct pv_labelsel_req {
	char *key;
	enum pv_labelsel_op op;
	char **values; /* one for = and !=; the set for in/notin; none otherwise */
	size_t nvalues;
};

struct pv_labelsel {
	struct pv_labelsel_req *reqs;
	size_t n;
};

/* Parse TEXT into SEL (empty text: a selector that matches everything).
 * On failure: -1, SEL empty, ERR says what is wrong as kubectl does
 * ("unable to parse requirement: ..."). */
int pv_labelsel_parse(const char *text, struct pv_labelsel *sel, struct pv_err *err);
void pv_labelsel_free(struct pv_labelsel *sel);

/* The value of label KEY of an object, or NULL when it has none. */
typedef const char *pv_labelsel_get_fn(void *ctx, const char *key);

/* Whether every requirement of SEL holds for the labels GET reads. */
bool pv_labelsel_matches(const struct pv_labelsel *sel, pv_labelsel_get_fn *get, void *ctx);
/* The same over a typed label map. */
bool pv_labelsel_matches_map(const struct pv_labelsel *sel, const pv_strmap *labels);

#endif
