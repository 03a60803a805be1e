/* Growable arrays, kept in three fields of the caller's own struct: a
 * pointer P to the elements, a count N of those in use and a capacity CAP
 * of those allocated (all zero to start: an empty array allocates
 * nothing). The capacity doubles as the array grows.
 *
 * Owns: the growth of the array's one block of memory (free(P), or
 * pv_vec_free, releases it); the elements are the caller's.
 * Calls: libc only (realloc, so that tests/unit/test_oom can fail it).
 *
 * On failure (-1, errno ENOMEM) P, N and CAP are left as they were and
 * the elements intact: an array is never half-updated.
 *
 * Growth may move the block: a pointer into the array (&P[i]) dies with
 * any call that may grow it. Keep indices across such a call.
 *
 * The macros evaluate their arguments more than once: pass plain lvalues
 * (s->v, s->n, s->cap), never expressions with side effects. */
#ifndef PV_COMMON_VEC_H
#define PV_COMMON_VEC_H

#include <stddef.h>
#include <stdlib.h>

/* Room for MORE elements after the N in use (N itself is not changed):
 * 0, or -1 with nothing changed. */
#define pv_vec_reserve(p, n, cap, more) \
	pv_vec_reserve_((void *)&(p), &(cap), (n), (more), sizeof(*(p)))

/* Append the element (a value, or a compound literal): 0, or -1 with
 * nothing changed; what the element owns is then still the caller's. */
#define pv_vec_push(p, n, cap, ...) \
	(pv_vec_reserve(p, n, cap, 1) < 0 ? -1 : ((p)[(n)++] = (__VA_ARGS__), 0))

/* Free the block (not what the elements own); the array is empty again. */
#define pv_vec_free(p, n, cap) ((void)(free(p), (p) = NULL, (n) = 0, (cap) = 0))

/* The function behind pv_vec_reserve: PP is the address of the array's
 * pointer, SIZE an element's size. */
int pv_vec_reserve_(void *pp, size_t *cap, size_t n, size_t more, size_t size);

#endif
