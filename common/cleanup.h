/* Scope-bound cleanup for owning locals (the crun/systemd habit). */
#ifndef PV_COMMON_CLEANUP_H
#define PV_COMMON_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void pv_freep(void *p)
{
	free(*(void **)p);
}

static inline void pv_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void pv_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((cleanup(pv_freep)))
#define cleanup_close __attribute__((cleanup(pv_closep)))
#define cleanup_fclose __attribute__((cleanup(pv_fclosep)))

/* Hand ownership out of a cleanup-attributed local. */
static inline void *pv_steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;

	*p = NULL;
	return v;
}

#define steal_pointer(pp) pv_steal_ptr(pp)

/* The same for a cleanup_close fd. */
static inline int steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#define PV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
