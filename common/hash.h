/* FNV-1a string hashes, for the hash indexes of names (pods, the wanted
 * set) and for telling whether a text changed (the status directory).
 * Owns nothing. Calls: nothing. */
#ifndef PV_COMMON_HASH_H
#define PV_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define PV_FNV_BASIS 1469598103934665603ull

/* H (PV_FNV_BASIS to start) with the bytes of S folded in. */
uint64_t pv_fnv1a(uint64_t h, const char *s);

/* A table slot's hash of "NS/NAME". */
size_t pv_nsname_hash(const char *ns, const char *name);

#endif
