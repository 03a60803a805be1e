/* Label selectors as kubectl's -l takes them (k8s.io/apimachinery
 * labels.Parse): requirements separated by commas, all of which must
 * hold:
 *
 *   key=value  key==value  key!=value     (!= also holds without the key)
 *   key in (a,b)  key notin (a,b)         (notin also holds without the key)
 *   key  !key                             (exists, does not exist)
 *   key>N  key<N                          (the value an integer above/below N)
 *
 * Spaces around words are allowed; an empty selector selects everything.
 * Keys are label keys ([prefix/]name), values label values (63 characters
 * at most, alphanumerics and - _ . inside).
 * Pure: no I/O, no logging. Owns: the parsed selector. Calls: common. */
#ifndef PV_MANIFESTS_LABELSEL_H
#define PV_MANIFESTS_LABELSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum pv_labelsel_op {
	PV_LSEL_EQ,
	PV_LSEL_NE,
	PV_LSEL_IN,
	PV_LSEL_NOTIN,
	PV_LSEL_EXISTS,
	PV_LSEL_NOT_EXISTS,
	PV_LSEL_GT,
	PV_LSEL_LT,
};

struct pv_labelsel_req {
	const char *key;       /* into the selector's buffer */
	enum pv_labelsel_op op;
	const char **values;   /* EQ, NE, GT, LT: one; IN, NOTIN: one or more */
	size_t n, cap;
};

struct pv_labelsel {
	char *buf;             /* the text, cut into words */
	struct pv_labelsel_req *reqs;
	size_t n, cap;
};

/* Parse TEXT into OUT: 0, or -1 with ERR ("invalid label selector
 * \"TEXT\": ...") and OUT empty. */
int pv_labelsel_parse(const char *text, struct pv_labelsel *out, struct pv_err *err);
void pv_labelsel_free(struct pv_labelsel *s);

/* A set of labels as the matcher reads it: the value of KEY, or NULL. */
typedef const char *pv_labelsel_get_fn(const void *labels, const char *key);

/* True when every requirement of S holds for LABELS (read through GET). */
bool pv_labelsel_matches(const struct pv_labelsel *s, pv_labelsel_get_fn *get,
			 const void *labels);

#endif
