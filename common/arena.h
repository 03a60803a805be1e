/* A bump allocator: everything parsed from one file lives in one arena
 * and is freed at once, so no error path can leak part of a tree. */
#ifndef PV_COMMON_ARENA_H
#define PV_COMMON_ARENA_H

#include <stddef.h>

struct pv_arena_chunk;

struct pv_arena {
	struct pv_arena_chunk *head;
	unsigned char *next, *end; /* the room left in the newest chunk */
	size_t used;  /* bytes handed out, for limits and tests */
	size_t limit; /* 0: none; otherwise allocations past it fail */
	size_t first; /* the first chunk's size at least (pv_arena_reserve) */
};

/* Every allocation is rounded up to this, and aligned to it. */
#define PV_ARENA_ALIGN 16

void pv_arena_init(struct pv_arena *a, size_t limit);
void pv_arena_free(struct pv_arena *a);
/* Before the first allocation: the first chunk holds at least SIZE bytes
 * (at most 64 KiB). A caller that knows what is coming (the 500th pod of
 * one template is as large as the first) gets one chunk, not 1 + 1 + 2 +
 * 4 KiB with the last one half empty. */
void pv_arena_reserve(struct pv_arena *a, size_t size);
/* Zeroed memory, aligned for any type; NULL when out of memory or past
 * the limit. */
void *pv_arena_alloc(struct pv_arena *a, size_t size);
/* pv_arena_alloc_raw when the newest chunk has no room: a new chunk. */
void *pv_arena_alloc_slow(struct pv_arena *a, size_t size);

/* As pv_arena_alloc, but the memory is not zeroed: for callers that
 * write every byte (strings, nodes built whole). Inline: the parser
 * makes one call per node and per string. */
static inline void *pv_arena_alloc_raw(struct pv_arena *a, size_t size)
{
	size_t rounded = (size + PV_ARENA_ALIGN - 1) & ~(size_t)(PV_ARENA_ALIGN - 1);
	unsigned char *p = a->next;

	/* The room is a multiple of the alignment: SIZE fits when ROUNDED
	 * does. SIZE 0 (and a huge SIZE, whose ROUNDED wraps) go the slow way. */
	if (size - 1 >= (size_t)(a->end - p) || (a->limit && a->used + rounded > a->limit))
		return pv_arena_alloc_slow(a, size);
	a->next = p + rounded;
	a->used += rounded;
	return p;
}

void *pv_arena_calloc(struct pv_arena *a, size_t n, size_t size);
char *pv_arena_strndup(struct pv_arena *a, const char *s, size_t len);
char *pv_arena_strdup(struct pv_arena *a, const char *s);
char *pv_arena_printf(struct pv_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
