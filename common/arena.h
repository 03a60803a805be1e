/* A bump allocator: everything parsed from one file lives in one arena
 * and is freed at once, so no error path can leak part of a tree. */
#ifndef PV_COMMON_ARENA_H
#define PV_COMMON_ARENA_H

#include <stddef.h>

struct pv_arena_chunk;

struct pv_arena {
	struct pv_arena_chunk *head;
	size_t used;  /* bytes handed out, for limits and tests */
	size_t limit; /* 0: none; otherwise allocations past it fail */
};

void pv_arena_init(struct pv_arena *a, size_t limit);
void pv_arena_free(struct pv_arena *a);
/* Zeroed memory, aligned for any type; NULL when out of memory or past
 * the limit. */
void *pv_arena_alloc(struct pv_arena *a, size_t size);
void *pv_arena_calloc(struct pv_arena *a, size_t n, size_t size);
char *pv_arena_strndup(struct pv_arena *a, const char *s, size_t len);
char *pv_arena_strdup(struct pv_arena *a, const char *s);
char *pv_arena_printf(struct pv_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
