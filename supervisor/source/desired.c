#include "supervisor/source/desired.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/vec.h"

void pv_desired_init(struct pv_desired *d)
{
	memset(d, 0, sizeof(*d));
}

static void pfile_free(struct pv_file *f)
{
	if (!f)
		return;
	pv_file_free(f);
	free(f);
}

static void dfile_free(struct pv_dfile *f)
{
	pfile_free(f->good);
	pfile_free(f->failed);
	free(f->path);
	free(f);
}

void pv_desired_free(struct pv_desired *d)
{
	for (size_t i = 0; i < d->n; i++)
		dfile_free(d->files[i]);
	free(d->files);
	memset(d, 0, sizeof(*d));
}

struct pv_dfile *pv_desired_find(struct pv_desired *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->files[i]->path, path) == 0)
			return d->files[i];
	return NULL;
}

static struct pv_dfile *dfile_get(struct pv_desired *d, const char *path)
{
	struct pv_dfile *f = pv_desired_find(d, path);

	if (f)
		return f;
	if (pv_vec_reserve(d->files, d->n, d->cap, 1) < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	d->files[d->n++] = f;
	return f;
}

static void hash_seen(void *data, const char *buf, size_t len)
{
	unsigned char *h = data;

	if (EVP_Digest(buf, len, h, NULL, EVP_sha256(), NULL) != 1)
		memset(h, 0xFF, 32);
}

/* Objects in F that another file already defines (same kind, namespace,
 * name) make F fail: the first file to define an object keeps it. */
static void check_conflicts(struct pv_desired *d, struct pv_dfile *df, struct pv_file *f)
{
	for (size_t i = 0; i < d->n; i++) {
		struct pv_file *pair[2];

		if (d->files[i] == df || !d->files[i]->good)
			continue;
		pair[0] = d->files[i]->good;
		pair[1] = f;
		pv_files_check_duplicates(pair, 2);
	}
}

enum pv_apply_result pv_desired_apply(struct pv_desired *d, const char *path,
				      struct pv_dfile **out)
{
	struct pv_dfile *df = dfile_get(d, path);
	struct pv_file *f;
	unsigned char h[32];

	*out = df;
	if (!df)
		return PV_APPLY_FAILED;
	f = calloc(1, sizeof(*f));
	if (!f)
		return PV_APPLY_FAILED;
	memset(h, 0xFF, sizeof(h)); /* unreadable: never equal to a real hash */
	pv_file_load_seen(f, path, hash_seen, h);
	if (df->have_hash && memcmp(h, df->hash, 32) == 0) {
		pfile_free(f);
		return PV_APPLY_UNCHANGED;
	}
	memcpy(df->hash, h, 32);
	df->have_hash = true;
	if (!f->failed)
		check_conflicts(d, df, f);
	if (f->failed) {
		pfile_free(df->failed);
		df->failed = f;
		return PV_APPLY_FAILED;
	}
	pfile_free(df->good);
	pfile_free(df->failed);
	df->failed = NULL;
	df->good = f;
	d->generation++;
	return PV_APPLY_LOADED;
}

bool pv_desired_remove(struct pv_desired *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->files[i]->path, path) != 0)
			continue;
		if (d->files[i]->good)
			d->generation++;
		dfile_free(d->files[i]);
		d->files[i] = d->files[--d->n];
		return true;
	}
	return false;
}

void pv_desired_each(const struct pv_desired *d, enum pv_kind k,
		     void (*fn)(void *data, const struct pv_dfile *f, const struct pv_object *o),
		     void *data)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct pv_file *f = d->files[i]->good;

		for (size_t j = 0; f && j < f->nobjects; j++)
			if (f->objects[j].kind->kind == k)
				fn(data, d->files[i], &f->objects[j]);
	}
}

const struct pv_object *pv_desired_get(const struct pv_desired *d, enum pv_kind k,
				       const char *ns, const char *name,
				       const struct pv_dfile **file)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct pv_file *f = d->files[i]->good;

		for (size_t j = 0; f && j < f->nobjects; j++) {
			const struct pv_object *o = &f->objects[j];
			const struct pv_meta *m = &o->obj->metadata;

			if (o->kind->kind != k || strcmp(m->name.v, name) != 0 ||
			    strcmp(m->namespace.v ? m->namespace.v : "", ns ? ns : "") != 0)
				continue;
			if (file)
				*file = d->files[i];
			return o;
		}
	}
	return NULL;
}

bool pv_desired_complete(const struct pv_desired *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->files[i]->failed && !d->files[i]->good)
			return false;
	return true;
}
