/* Joining strings with a separator into one malloc'ed string ("a,b,c"):
 * lists in messages ("supported values: ..."), table cells, and what is
 * left to move here (selectors "k=v,k=v", overlay lowerdirs, access
 * modes).
 *
 * Owns: nothing; the result is the caller's (free it).
 * Calls: libc only. */
#ifndef PV_COMMON_STRJOIN_H
#define PV_COMMON_STRJOIN_H

#include <stddef.h>

/* V[0] .. V[N-1] (every one a string) with SEP between them; "" when N is
 * 0. NULL (errno ENOMEM) when out of memory. */
char *pv_strjoin(const char *const *v, size_t n, const char *sep);

/* The same for V up to its NULL. */
char *pv_strjoin_v(const char *const *v, const char *sep);

#endif
