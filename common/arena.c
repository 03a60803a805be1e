#include "common/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN (16 * 1024)
#define ALIGN 16

struct pv_arena_chunk {
	struct pv_arena_chunk *next;
	size_t size;
	size_t off;
	_Alignas(ALIGN) unsigned char data[];
};

void pv_arena_init(struct pv_arena *a, size_t limit)
{
	a->head = NULL;
	a->used = 0;
	a->limit = limit;
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
	a->used = 0;
}

static struct pv_arena_chunk *chunk_new(size_t need)
{
	size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
	struct pv_arena_chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->off = 0;
	return c;
}

void *pv_arena_alloc(struct pv_arena *a, size_t size)
{
	struct pv_arena_chunk *c = a->head;
	size_t rounded;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (rounded == 0)
		rounded = ALIGN;
	if (a->limit && a->used + rounded > a->limit)
		return NULL;
	if (!c || c->size - c->off < rounded) {
		c = chunk_new(rounded);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->off;
	c->off += rounded;
	a->used += rounded;
	memset(p, 0, size);
	return p;
}

void *pv_arena_calloc(struct pv_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return pv_arena_alloc(a, n * size);
}

char *pv_arena_strndup(struct pv_arena *a, const char *s, size_t len)
{
	char *p = pv_arena_alloc(a, len + 1);

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
	p = pv_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
