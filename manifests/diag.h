/* Diagnostics: located errors and warnings about one manifest file.
 * The manifests module never prints; it returns these. */
#ifndef PV_MANIFESTS_DIAG_H
#define PV_MANIFESTS_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pv_loc {
	uint32_t line; /* 1-based; 0 when unknown */
	uint32_t col;  /* 1-based */
};

enum pv_severity {
	PV_SEV_ERROR,
	PV_SEV_WARNING,
};

struct pv_diag {
	enum pv_severity sev;
	struct pv_loc loc;
	char *path; /* field path, e.g. "spec.containers[0].image"; may be "" */
	char *msg;
	size_t seq; /* order of addition, keeps sorting stable */
	/* A kind or field podvisor loads but does not act on (support.h):
	 * the daemon makes it a NotActedOn event on the object. */
	bool unacted;
	size_t object; /* 1 + the index of its object in the file; 0: none */
};

#define PV_DIAGS_MAX 200

struct pv_diags {
	struct pv_diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
	size_t dropped; /* past PV_DIAGS_MAX */
};

void pv_diags_free(struct pv_diags *d);
/* Add a diagnostic; returns -1 only when out of memory. */
int pv_diag_add(struct pv_diags *d, enum pv_severity sev, struct pv_loc loc,
		const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Order by line, then column; errors before warnings at the same place. */
void pv_diags_sort(struct pv_diags *d);

#endif
