/* Objects defined twice: the same kind, namespace and name, within one
 * file or across files. Sorting finds them in n log n. */
#include "manifests/manifest.h"

#include <stdlib.h>
#include <string.h>

struct ref {
	struct pv_file *file;
	size_t fidx;
	const struct pv_object *o;
};

static const char *ns_of(const struct pv_object *o)
{
	return o->obj->metadata.namespace.v ? o->obj->metadata.namespace.v : "";
}

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	const char *xn = x->o->obj->metadata.name.v, *yn = y->o->obj->metadata.name.v;
	int c;

	if (x->o->kind != y->o->kind)
		return x->o->kind->kind < y->o->kind->kind ? -1 : 1;
	if ((c = strcmp(ns_of(x->o), ns_of(y->o))))
		return c;
	if ((c = strcmp(xn, yn)))
		return c;
	if (x->fidx != y->fidx)
		return x->fidx < y->fidx ? -1 : 1;
	return x->o->loc.line < y->o->loc.line ? -1 : x->o->loc.line > y->o->loc.line;
}

static void report(const struct ref *first, const struct ref *dup)
{
	const struct pv_object *o = dup->o;
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_loc at = m->name.loc.line ? m->name.loc : o->loc;

	if (first->file == dup->file)
		pv_diag_add(&dup->file->diags, PV_SEV_ERROR, at, "metadata.name",
			    "%s %s%s%s is defined twice in this file (first at line %u)",
			    o->kind->name, ns_of(o), *ns_of(o) ? "/" : "", m->name.v,
			    first->o->obj->metadata.name.loc.line);
	else
		pv_diag_add(&dup->file->diags, PV_SEV_ERROR, at, "metadata.name",
			    "%s %s%s%s is already defined in %s:%u", o->kind->name, ns_of(o),
			    *ns_of(o) ? "/" : "", m->name.v, first->file->path,
			    first->o->obj->metadata.name.loc.line);
	dup->file->failed = true;
}

static bool same_object(const struct ref *x, const struct ref *y)
{
	return x->o->kind == y->o->kind && strcmp(ns_of(x->o), ns_of(y->o)) == 0 &&
	       strcmp(x->o->obj->metadata.name.v, y->o->obj->metadata.name.v) == 0;
}

/* With one file, every repeat is reported; with several, only repeats
 * across files (loading each file reported its own already). */
void pv_files_check_duplicates(struct pv_file **files, size_t n)
{
	struct ref *refs;
	size_t total = 0, k = 0, first = 0;

	for (size_t i = 0; i < n; i++)
		total += files[i]->nobjects;
	if (total < 2)
		return;
	refs = malloc(total * sizeof(*refs));
	if (!refs)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->nobjects; j++)
			if (files[i]->objects[j].obj->metadata.name.v)
				refs[k++] = (struct ref){ files[i], i, &files[i]->objects[j] };
	if (k > 1)
		qsort(refs, k, sizeof(*refs), ref_cmp);
	for (size_t i = 1; i < k; i++) {
		if (!same_object(&refs[first], &refs[i])) {
			first = i;
			continue;
		}
		if (n == 1 || refs[first].file != refs[i].file)
			report(&refs[first], &refs[i]);
	}
	for (size_t i = 0; i < n; i++)
		pv_diags_sort(&files[i]->diags);
	free(refs);
}
