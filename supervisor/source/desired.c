#include "supervisor/source/desired.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sha256.h"
#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/core/log.h"

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
	free(f->unsaved);
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

static void hash_bytes(const char *buf, size_t len, unsigned char h[32])
{
	pv_sha256(buf, len, h);
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

/* A file that could not be read or was refused: one error, no place. */
static struct pv_file *unread_file(const char *path, const char *why)
{
	struct pv_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	pv_arena_init(&f->arena, 0);
	f->path = strdup(path);
	if (!f->path || pv_diag_add(&f->diags, PV_SEV_ERROR, (struct pv_loc){ 0, 0 }, "", "%s",
				    why) < 0) {
		pfile_free(f);
		return NULL;
	}
	f->failed = true;
	return f;
}

static struct pv_file *parsed_file(struct pv_desired *d, struct pv_dfile *df, const char *buf,
				   size_t len)
{
	struct pv_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	pv_file_load_buf(f, df->path, buf, len);
	if (!f->failed)
		check_conflicts(d, df, f);
	return f;
}

/* F in force for DF: the file's own bytes (its failure, if any, is over),
 * or its saved copy (SAVED: the file's failure stays, for describe). */
static void put_in_force(struct pv_desired *d, struct pv_dfile *df, struct pv_file *f,
			 int64_t at, bool saved)
{
	pfile_free(df->good);
	if (!saved) {
		pfile_free(df->failed);
		df->failed = NULL;
		df->refused = false;
	}
	df->good = f;
	df->good_at = at;
	df->good_saved = saved;
	d->generation++;
}

/* Keep the bytes now in force as the file's last valid version. When
 * that fails (a full disk), the older copy goes: a restart while the file
 * fails must not put an older version back in force (nothing is better
 * than a rollback). The bytes wait in ->unsaved for the next try
 * (pv_desired_save_pending). */
static int64_t save(struct pv_desired *d, struct pv_dfile *df, const char *buf, size_t len)
{
	struct pv_err err = { 0 };
	int64_t at = (int64_t)time(NULL);

	free(df->unsaved);
	df->unsaved = NULL;
	if (!d->saved.dir || pv_saved_put(&d->saved, df->path, buf, len, &at, &err) == 0)
		return at;
	pv_saved_drop(&d->saved, df->path);
	pv_warn("%s: its last valid version cannot be kept (%s); the older copy is dropped, so "
		"that a restart while the file fails puts nothing in force rather than an older "
		"version; tried again later", df->path, err.msg);
	if ((df->unsaved = malloc(len + 1))) {
		memcpy(df->unsaved, buf, len);
		df->unsaved_len = len;
	}
	return at;
}

size_t pv_desired_save_pending(struct pv_desired *d)
{
	size_t left = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct pv_dfile *df = d->files[i];
		struct pv_err err = { 0 };
		int64_t at = 0;

		if (!df->unsaved)
			continue;
		if (!df->good || df->good_saved ||
		    pv_saved_put(&d->saved, df->path, df->unsaved, df->unsaved_len, &at, &err) == 0) {
			if (df->good && !df->good_saved)
				pv_info("%s: its last valid version is kept now", df->path);
			free(df->unsaved);
			df->unsaved = NULL;
		} else {
			left++;
		}
	}
	return left;
}

enum pv_apply_result pv_desired_apply(struct pv_desired *d, const char *path,
				      struct pv_dfile **out)
{
	struct pv_dfile *df = dfile_get(d, path);
	cleanup_free char *buf = NULL;
	enum pv_admit_result r;
	struct pv_file *f;
	unsigned char h[32];
	char why[PATH_MAX + 256];
	size_t len = 0;

	*out = df;
	if (!df)
		return PV_APPLY_FAILED;
	r = pv_admit_read(&d->admit, path, &buf, &len, why, sizeof(why));
	if (r == PV_ADMIT_OK)
		hash_bytes(buf, len, h);
	else /* the same refusal again is no news either */
		hash_bytes(why, strlen(why), h), h[0] ^= 0x5a;
	if (df->have_hash && memcmp(h, df->hash, 32) == 0)
		return PV_APPLY_UNCHANGED;
	f = r == PV_ADMIT_OK ? parsed_file(d, df, buf, len) : unread_file(path, why);
	if (!f)
		return PV_APPLY_FAILED; /* out of memory: the hash unchanged, tried again later */
	memcpy(df->hash, h, 32);
	df->have_hash = true;
	if (f->failed) {
		pfile_free(df->failed);
		df->failed = f;
		df->refused = r == PV_ADMIT_REFUSED;
		return df->refused ? PV_APPLY_REFUSED : PV_APPLY_FAILED;
	}
	put_in_force(d, df, f, save(d, df, buf, len), false);
	return PV_APPLY_LOADED;
}

bool pv_desired_restore(struct pv_desired *d, struct pv_dfile *df)
{
	struct pv_err err = { 0 };
	cleanup_free char *buf = NULL;
	struct pv_file *f;
	int64_t at = 0;
	size_t len = 0;

	if (df->good || !d->saved.dir)
		return false;
	buf = pv_saved_get(&d->saved, df->path, PV_MAX_FILE_SIZE, &len, &at, &err);
	if (!buf) {
		if (err.code != ENOENT)
			pv_warn("%s: its last valid version cannot be read: %s", df->path, err.msg);
		return false;
	}
	f = parsed_file(d, df, buf, len);
	if (!f || f->failed) {
		pv_warn("%s: its saved last valid version no longer loads%s", df->path,
			f ? " (another file defines one of its objects now)" : ": out of memory");
		pfile_free(f);
		return false;
	}
	put_in_force(d, df, f, at, true);
	return true;
}

static bool in_list(const struct pv_pathlist *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], path) == 0)
			return true;
	return false;
}

/* The saved copies of the files not known (of those in ONLY, if given). */
static size_t restore_unknown(struct pv_desired *d, const struct pv_pathlist *only)
{
	struct pv_pathlist copies = { 0 };
	struct pv_err err = { 0 };
	size_t n = 0;

	if (!d->saved.dir)
		return 0;
	if (pv_saved_list(&d->saved, &copies, &err) < 0)
		pv_warn("%s: %s", d->saved.dir, err.msg);
	for (size_t i = 0; i < copies.n; i++) {
		struct pv_dfile *df;

		if ((only && !in_list(only, copies.v[i])) || pv_desired_find(d, copies.v[i]) ||
		    !(df = dfile_get(d, copies.v[i])))
			continue;
		if (pv_desired_restore(d, df))
			n++;
		else /* the copy stays: dfile_get put DF last */
			dfile_free(d->files[--d->n]);
	}
	pv_pathlist_free(&copies);
	return n;
}

size_t pv_desired_restore_all(struct pv_desired *d)
{
	return restore_unknown(d, NULL);
}

size_t pv_desired_restore_listed(struct pv_desired *d, const struct pv_pathlist *paths)
{
	return restore_unknown(d, paths);
}

void pv_desired_saved_gc(struct pv_desired *d)
{
	struct pv_pathlist copies = { 0 };
	struct pv_err err = { 0 };

	if (!d->saved.dir)
		return;
	if (pv_saved_list(&d->saved, &copies, &err) < 0)
		pv_warn("%s: %s", d->saved.dir, err.msg);
	for (size_t i = 0; i < copies.n; i++) {
		const struct pv_dfile *df = pv_desired_find(d, copies.v[i]);

		if (!df || !df->good)
			pv_saved_drop(&d->saved, copies.v[i]);
	}
	pv_pathlist_free(&copies);
}

static void rfc3339(int64_t at, char *buf, size_t n)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

void pv_dfile_source(const struct pv_dfile *f, char *buf, size_t n)
{
	const struct pv_diag *g = NULL;
	char at[32];

	rfc3339(f->good_at, at, sizeof(at));
	for (size_t i = 0; f->failed && i < f->failed->diags.n && !g; i++)
		if (f->failed->diags.v[i].sev == PV_SEV_ERROR)
			g = &f->failed->diags.v[i];
	if (!f->good)
		snprintf(buf, n, "nothing in force");
	else if (!f->failed)
		snprintf(buf, n, "the file as it is (valid since %s)", at);
	else if (f->refused || !g || !g->loc.line)
		snprintf(buf, n, "last valid version from %s; the file is now refused: %s", at,
			 g ? g->msg : "?");
	else
		snprintf(buf, n, "last valid version from %s; the file now fails: %s:%u:%u: %s%s%s",
			 at, f->path, g->loc.line, g->loc.col, g->path, g->path[0] ? ": " : "",
			 g->msg);
}

bool pv_desired_remove(struct pv_desired *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->files[i]->path, path) != 0)
			continue;
		if (d->files[i]->good)
			d->generation++;
		if (d->saved.dir)
			pv_saved_drop(&d->saved, path);
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
