#include "supervisor/node/wanted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

void pv_wanted_clear(struct pv_wanted *w)
{
	w->n = 0;
	if (w->index)
		memset(w->index, 0, w->index_cap * sizeof(*w->index));
}

void pv_wanted_free(struct pv_wanted *w)
{
	free(w->v);
	free(w->index);
	memset(w, 0, sizeof(*w));
}

/* The index slot of NS/NAME: where it is, or the empty one it would take. */
static size_t index_slot(const struct pv_wanted *w, const char *ns, const char *name)
{
	size_t mask = w->index_cap - 1, i = pv_nsname_hash(ns, name) & mask;

	for (; w->index[i]; i = (i + 1) & mask) {
		const struct pv_wanted_pod *p = &w->v[w->index[i] - 1];

		if (strcmp(p->name, name) == 0 && strcmp(p->ns, ns) == 0)
			break;
	}
	return i;
}

/* Room in the index for one more: grown and rebuilt when half full. */
static int index_reserve(struct pv_wanted *w)
{
	size_t cap = w->index_cap ? w->index_cap : 128;
	uint32_t *v;

	if ((w->n + 1) * 2 <= w->index_cap)
		return 0;
	while ((w->n + 1) * 2 > cap)
		cap *= 2;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -1;
	free(w->index);
	w->index = v;
	w->index_cap = cap;
	for (size_t i = 0; i < w->n; i++) {
		size_t s = index_slot(w, w->v[i].ns, w->v[i].name);

		if (!w->index[s]) /* the first of a name stays the one found */
			w->index[s] = (uint32_t)i + 1;
	}
	return 0;
}

int pv_wanted_add_hashed(struct pv_wanted *w, const struct pv_object *obj, const char *source,
			 const char *hash, struct pv_file *shared)
{
	const struct pv_meta *m = &obj->obj->metadata;
	struct pv_wanted_pod *p;
	size_t s;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct pv_wanted_pod *v = reallocarray(w->v, cap, sizeof(*v));

		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	if (index_reserve(w) < 0)
		return -1;
	p = &w->v[w->n];
	*p = (struct pv_wanted_pod){
		.obj = obj,
		.ns = m->namespace.v ? m->namespace.v : "default",
		.name = m->name.v,
		.source = source,
		.shared = shared,
	};
	if (hash)
		snprintf(p->hash, sizeof(p->hash), "%s", hash);
	s = index_slot(w, p->ns, p->name);
	if (!w->index[s])
		w->index[s] = (uint32_t)w->n + 1;
	else
		p->shadowed = true;
	w->n++;
	return 0;
}

int pv_wanted_add(struct pv_wanted *w, const struct pv_object *obj, const char *source)
{
	return pv_wanted_add_hashed(w, obj, source, NULL, NULL);
}

const struct pv_wanted_pod *pv_wanted_find(const struct pv_wanted *w, const char *ns,
					   const char *name)
{
	size_t s;

	if (!w->n || !w->index)
		return NULL;
	s = index_slot(w, ns, name);
	return w->index[s] ? &w->v[w->index[s] - 1] : NULL;
}
