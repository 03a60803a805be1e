/* The wanted claims. See wanted_claims.h. Calls: manifests only. */
#include "supervisor/node/wanted_claims.h"

#include <stdlib.h>
#include <string.h>

void pv_wanted_claims_clear(struct pv_wanted_claims *w)
{
	w->n = 0;
	w->incomplete = false;
}

void pv_wanted_claims_free(struct pv_wanted_claims *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

int pv_wanted_claims_add(struct pv_wanted_claims *w, const struct pv_object *obj,
			 const char *source, int64_t created, const char *note)
{
	const struct pv_meta *m = &obj->obj->metadata;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct pv_wanted_claim *v = reallocarray(w->v, cap, sizeof(*v));

		if (!v) {
			w->incomplete = true;
			return -1;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct pv_wanted_claim){
		.obj = obj,
		.ns = m->namespace.v ? m->namespace.v : "default",
		.name = m->name.v,
		.source = source,
		.created = created,
		.note = note,
	};
	return 0;
}

const struct pv_wanted_claim *pv_wanted_claims_find(const struct pv_wanted_claims *w,
						    const char *ns, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].name, name) == 0 && strcmp(w->v[i].ns, ns) == 0)
			return &w->v[i];
	return NULL;
}
