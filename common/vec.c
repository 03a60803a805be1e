#include "common/vec.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define VEC_FIRST 8 /* elements in a first allocation, unless more are asked for */

/* The capacity that holds NEED, doubling from CAP; 0 when none does. */
static size_t grown(size_t cap, size_t need, size_t size)
{
	size_t c = cap ? cap : VEC_FIRST;

	while (c < need)
		c = c > SIZE_MAX / 2 ? need : c * 2;
	return c > SIZE_MAX / size ? 0 : c;
}

int pv_vec_reserve_(void *pp, size_t *cap, size_t n, size_t more, size_t size)
{
	size_t c;
	void *p, *np;

	if (more > SIZE_MAX - n || !size) {
		errno = ENOMEM;
		return -1;
	}
	if (n + more <= *cap)
		return 0;
	c = grown(*cap, n + more, size);
	if (!c) {
		errno = ENOMEM;
		return -1;
	}
	/* Through memcpy: PP is a T ** the caller's type only knows. */
	memcpy(&p, pp, sizeof(p));
	np = realloc(p, c * size);
	if (!np) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(pp, &np, sizeof(np));
	*cap = c;
	return 0;
}
