#include "common/hash.h"

#define FNV_PRIME 1099511628211ull

uint64_t pv_fnv1a(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * FNV_PRIME;
	return h;
}

size_t pv_nsname_hash(const char *ns, const char *name)
{
	uint64_t h = pv_fnv1a(PV_FNV_BASIS, ns);

	h = pv_fnv1a((h ^ '/') * FNV_PRIME, name);
	return (size_t)(h ^ (h >> 29));
}
