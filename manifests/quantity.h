/* Kubernetes resource quantities ("500m", "1Gi", "1e3", "0.5"). Pure. */
#ifndef PV_MANIFESTS_QUANTITY_H
#define PV_MANIFESTS_QUANTITY_H

#include <stdbool.h>
#include <stdint.h>

struct pv_qty {
	int64_t value; /* ceil(quantity), saturated to INT64_MIN..INT64_MAX */
	int64_t milli; /* ceil(quantity * 1000), saturated likewise */
	bool negative;
};

/* Parse S as a Kubernetes quantity: <signed decimal><suffix>, suffix one of
 * Ki Mi Gi Ti Pi Ei, n u m "" k M G T P E, or e<signed int>/E<signed int>.
 * Returns 0 and fills OUT, or -1 and sets *WHY to a static message saying
 * what is wrong (e.g. "unknown suffix \"Zi\"" is not possible since static:
 * use "unknown unit suffix (use Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E)"). */
int pv_qty_parse(const char *s, struct pv_qty *out, const char **why);

#endif
