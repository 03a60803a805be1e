#include "supervisor/node/wanted.h"

#include <stdlib.h>
#include <string.h>

void pv_wanted_clear(struct pv_wanted *w)
{
	w->n = 0;
}

void pv_wanted_free(struct pv_wanted *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

int pv_wanted_add(struct pv_wanted *w, const struct pv_object *obj, const char *source)
{
	const struct pv_meta *m = &obj->obj->metadata;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct pv_wanted_pod *v = reallocarray(w->v, cap, sizeof(*v));

		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct pv_wanted_pod){
		.obj = obj,
		.ns = m->namespace.v ? m->namespace.v : "default",
		.name = m->name.v,
		.source = source,
	};
	return 0;
}

const struct pv_wanted_pod *pv_wanted_find(const struct pv_wanted *w, const char *ns,
					   const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].name, name) == 0 && strcmp(w->v[i].ns, ns) == 0)
			return &w->v[i];
	return NULL;
}
