#include "common/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_FIRST 1024
#define CHUNK_MAX (64 * 1024)
#define ALIGN PV_ARENA_ALIGN

struct pv_arena_chunk {
	struct pv_arena_chunk *next;
	_Alignas(ALIGN) unsigned char data[];
};

void pv_arena_init(struct pv_arena *a, size_t limit)
{
	a->head = NULL;
	a->next = a->end = NULL;
	a->used = 0;
	a->limit = limit;
	a->first = 0;
}

void pv_arena_reserve(struct pv_arena *a, size_t size)
{
	a->first = size < CHUNK_MAX ? (size + ALIGN - 1) & ~(size_t)(ALIGN - 1) : CHUNK_MAX;
}

void pv_arena_free(struct pv_arena *a)
{
	struct pv_arena_chunk *c = a->head;

	while (c) {
		struct pv_arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->next = a->end = NULL;
	a->used = 0;
}

/* The checks pv_arena_alloc_raw leaves to here (a size of 0 or past
 * half the address space, the limit), and a new chunk when the newest
 * has no room: as large as all the arena holds so far, between CHUNK_FIRST
 * and CHUNK_MAX, or a large allocation's own size. An arena grows
 * geometrically: a small object (a pod's own spec, one kept per pod) takes
 * a kilobyte or two, not a fixed 16 KiB, and a 10 MB file's still takes
 * few chunks. The room left in the chunk before is not used again. */
void *pv_arena_alloc_slow(struct pv_arena *a, size_t size)
{
	size_t rounded, csize;
	struct pv_arena_chunk *c;

	if (size > SIZE_MAX / 2)
		return NULL;
	rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (rounded == 0)
		rounded = ALIGN;
	if (a->limit && a->used + rounded > a->limit)
		return NULL;
	if ((size_t)(a->end - a->next) < rounded) {
		csize = a->used < CHUNK_FIRST ? CHUNK_FIRST : a->used > CHUNK_MAX ? CHUNK_MAX : a->used;
		if (!a->head && csize < a->first)
			csize = a->first;
		if (csize < rounded)
			csize = rounded;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->next = c->data;
		a->end = c->data + csize;
	}
	a->next += rounded;
	a->used += rounded;
	return a->next - rounded;
}

void *pv_arena_alloc(struct pv_arena *a, size_t size)
{
	void *p = pv_arena_alloc_raw(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *pv_arena_calloc(struct pv_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return pv_arena_alloc(a, n * size);
}

/* Not zeroed first: every byte is written. */
char *pv_arena_strndup(struct pv_arena *a, const char *s, size_t len)
{
	char *p = pv_arena_alloc_raw(a, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *pv_arena_strdup(struct pv_arena *a, const char *s)
{
	return pv_arena_strndup(a, s, strlen(s));
}

char *pv_arena_printf(struct pv_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = pv_arena_alloc_raw(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
