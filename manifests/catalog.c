/* Objects defined twice: the same kind, namespace and name, within one
 * file or across files. Sorting finds them in n log n; the catalog, a
 * hash table of the names seen, finds them file by file as files are
 * loaded, without keeping the files. */
#include "manifests/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

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

/* O in F repeats an object first defined at FIRST_LINE of FIRST_PATH
 * (NULL: of F itself). */
static void say_dup(struct pv_file *f, const struct pv_object *o, const char *first_path,
		    uint32_t first_line)
{
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_loc at = m->name.loc.line ? m->name.loc : o->loc;

	if (!first_path)
		pv_diag_add(&f->diags, PV_SEV_ERROR, at, "metadata.name",
			    "%s %s%s%s is defined twice in this file (first at line %u)",
			    o->kind->name, ns_of(o), *ns_of(o) ? "/" : "", m->name.v, first_line);
	else
		pv_diag_add(&f->diags, PV_SEV_ERROR, at, "metadata.name",
			    "%s %s%s%s is already defined in %s:%u", o->kind->name, ns_of(o),
			    *ns_of(o) ? "/" : "", m->name.v, first_path, first_line);
	f->failed = true;
}

static void report(const struct ref *first, const struct ref *dup)
{
	say_dup(dup->file, dup->o, first->file == dup->file ? NULL : first->file->path,
		first->o->obj->metadata.name.loc.line);
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

/* ---- the catalog ---- */

struct pv_catalog_entry {
	uint64_t hash; /* 0: an empty slot */
	const struct pv_kind_info *kind;
	const char *ns, *name, *path; /* in the catalog's arena */
	uint32_t line;                /* of the first definition's name */
	size_t file;                  /* which pv_catalog_add defined it */
};

void pv_catalog_init(struct pv_catalog *c)
{
	memset(c, 0, sizeof(*c));
	pv_arena_init(&c->strings, 0);
}

void pv_catalog_free(struct pv_catalog *c)
{
	free(c->slots);
	pv_arena_free(&c->strings);
	memset(c, 0, sizeof(*c));
}

/* FNV-1a over the kind, the namespace and the name; never 0. */
static uint64_t key_hash(const struct pv_object *o)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)o->kind->kind;
	const char *parts[2] = { ns_of(o), o->obj->metadata.name.v };

	for (int i = 0; i < 2; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		h = (h ^ 0xff) * 0x100000001b3ull; /* "a" + "bc" is not "ab" + "c" */
	}
	return h ? h : 1;
}

/* The slot of O's key: its entry, or the empty slot it would go in. */
static struct pv_catalog_entry *slot_of(struct pv_catalog *c, const struct pv_object *o,
					uint64_t h)
{
	size_t mask = c->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct pv_catalog_entry *e = &c->slots[i];

		if (!e->hash || (e->hash == h && e->kind == o->kind &&
				 strcmp(e->ns, ns_of(o)) == 0 &&
				 strcmp(e->name, o->obj->metadata.name.v) == 0))
			return e;
	}
}

/* Room for MORE entries, the table kept at most half full. */
static int reserve(struct pv_catalog *c, size_t more)
{
	struct pv_catalog_entry *old = c->slots;
	size_t cap = c->cap ? c->cap : 64, oldcap = c->cap;

	while (cap / 2 < c->n + more)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots) {
		c->slots = old;
		return -1;
	}
	c->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j = old[i].hash & (cap - 1);

		if (!old[i].hash)
			continue;
		while (c->slots[j].hash)
			j = (j + 1) & (cap - 1);
		c->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static int insert(struct pv_catalog *c, struct pv_catalog_entry *e, const struct pv_object *o,
		  uint64_t h, const char *path)
{
	const char *ns = pv_arena_strdup(&c->strings, ns_of(o));
	const char *name = pv_arena_strdup(&c->strings, o->obj->metadata.name.v);

	if (!ns || !name)
		return -1;
	*e = (struct pv_catalog_entry){ h, o->kind, ns, name, path, o->obj->metadata.name.loc.line,
					c->files };
	c->n++;
	return 0;
}

struct dup {
	const struct pv_object *o;
	const struct pv_catalog_entry *first;
};

/* The order pv_files_check_duplicates reports in: kind, namespace, name,
 * then place. */
static int dup_cmp(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;
	struct ref rx = { NULL, 0, x->o }, ry = { NULL, 0, y->o };

	return ref_cmp(&rx, &ry);
}

int pv_catalog_add(struct pv_catalog *c, struct pv_file *f)
{
	struct dup *dups = NULL;
	size_t ndups = 0, cap = 0;
	const char *path = NULL;
	int rc = 0;

	if (reserve(c, f->nobjects) < 0 || !(path = pv_arena_strdup(&c->strings, f->path)))
		return -1;
	for (size_t i = 0; rc == 0 && i < f->nobjects; i++) {
		const struct pv_object *o = &f->objects[i];
		uint64_t h;
		struct pv_catalog_entry *e;

		if (!o->obj->metadata.name.v)
			continue;
		h = key_hash(o);
		e = slot_of(c, o, h);
		if (!e->hash)
			rc = insert(c, e, o, h, path);
		else if (e->file != c->files)
			rc = pv_vec_push(dups, ndups, cap, (struct dup){ o, e });
	}
	if (rc == 0 && ndups > 1)
		qsort(dups, ndups, sizeof(*dups), dup_cmp);
	for (size_t i = 0; rc == 0 && i < ndups; i++)
		say_dup(f, dups[i].o, dups[i].first->path, dups[i].first->line);
	if (ndups)
		pv_diags_sort(&f->diags);
	free(dups);
	c->files++;
	return rc;
}
