/* The image store under STATE/images (layout in supervisor/image/image.h):
 * import, lookup, list, remove, and collecting layers no image uses; for
 * a pull (image_pull.c), its directories and the import of the layout it
 * assembled. Sweeping never touches downloads/ and pull/ (their pulls own
 * them).
 * import and rm hold an exclusive flock on images/.lock; lookup and list
 * read records that are only ever replaced by rename, so they take none. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/image/image.h"
#include "supervisor/image/image_internal.h"

struct store {
	char *root;   /* <state, canonical>/images */
	char *layers; /* root/layers/sha256 */
	char *refs;   /* root/refs */
	char *tmp;    /* root/tmp */
	int lock_fd;
};

#define STORE_INIT { NULL, NULL, NULL, NULL, -1 }

static void store_close(struct store *st)
{
	free(st->root);
	free(st->layers);
	free(st->refs);
	free(st->tmp);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->root = st->layers = st->refs = st->tmp = NULL;
	st->lock_fd = -1;
}

#define cleanup_store __attribute__((cleanup(store_close)))

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	pv_vec_free(s->v, s->n, s->cap);
}

static int strv_add(struct strv *s, const char *str, struct pv_err *err)
{
	char *copy = strdup(str);

	if (!copy || pv_vec_push(s->v, s->n, s->cap, copy) < 0) {
		free(copy);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

static void progress(const struct pv_image_progress *pg, enum pv_image_event ev,
		     const char *what, int64_t size)
{
	if (pg && pg->fn)
		pg->fn(pg->ctx, ev, what, size);
}

static int not_found(struct pv_err *err, const char *ref)
{
	return pv_err_set(err, ENOENT, "image %s is not in the node's image store", ref);
}

/* --- opening ---------------------------------------------------------------- */

static int store_paths(struct store *st, const char *state, struct pv_err *err)
{
	cleanup_free char *canon = realpath(state, NULL);

	if (!canon)
		return pv_err_sys(err, errno, "state directory %s", state);
	if (asprintf(&st->root, "%s/images", canon) < 0 ||
	    asprintf(&st->layers, "%s/layers/sha256", st->root) < 0 ||
	    asprintf(&st->refs, "%s/refs", st->root) < 0 ||
	    asprintf(&st->tmp, "%s/tmp", st->root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int make_dir(const char *path, struct pv_err *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return pv_err_sys(err, errno, "cannot create %s", path);
	return 0;
}

/* Layers hold whatever the images hold, setuid binaries included: only
 * root may reach them, whatever made images/ before. */
static int check_root_mode(const char *root, struct pv_err *err)
{
	struct stat sb;

	if (lstat(root, &sb) < 0)
		return pv_err_sys(err, errno, "%s", root);
	if (!S_ISDIR(sb.st_mode))
		return pv_err_set(err, ENOTDIR, "%s: not a directory", root);
	if ((sb.st_mode & 077) && chmod(root, 0700) < 0)
		return pv_err_sys(err, errno, "cannot chmod %s", root);
	return 0;
}

/* With CREATE, make the store's directories (0700); without, fail with
 * ENOENT when there is no store. */
static int store_open(const char *state, bool create, struct store *st, struct pv_err *err)
{
	cleanup_free char *layers_parent = NULL;
	struct stat sb;

	if (create && pv_img_mkdir_p(state, 0700, err) < 0)
		return -1;
	if (store_paths(st, state, err) < 0)
		return -1;
	if (!create)
		return stat(st->root, &sb) < 0 ? pv_err_sys(err, errno, "%s", st->root) : 0;
	if (asprintf(&layers_parent, "%s/layers", st->root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (make_dir(st->root, err) < 0 || check_root_mode(st->root, err) < 0 ||
	    make_dir(layers_parent, err) < 0 || make_dir(st->layers, err) < 0 ||
	    make_dir(st->refs, err) < 0 || make_dir(st->tmp, err) < 0)
		return -1;
	return 0;
}

static int store_lock(struct store *st, struct pv_err *err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "%s/.lock", st->root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0)
		return pv_err_sys(err, errno, "%s", path);
	while (flock(st->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return pv_err_sys(err, errno, "cannot lock %s", path);
	return 0;
}

/* --- directories ------------------------------------------------------------ */

static int list_names(const char *dir, struct strv *out, struct pv_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", dir);
	while (rc == 0 && (errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = strv_add(out, de->d_name, err);
	if (rc == 0 && errno)
		rc = pv_err_sys(err, errno, "%s", dir);
	closedir(d);
	return rc;
}

static bool is_tmp_name(const char *name)
{
	return strncmp(name, ".tmp.", 5) == 0;
}

static bool is_record_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static bool is_layer_name(const char *name)
{
	char digest[PV_IMG_DIGEST_LEN + 1];

	if (strlen(name) != PV_IMG_HEX_LEN)
		return false;
	snprintf(digest, sizeof(digest), "sha256:%s", name);
	return pv_img_digest_check(digest, NULL) == 0;
}

/* Remove DIR/NAME (a file or a tree). */
static int remove_in(const char *dir, const char *name, struct pv_err *err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	return pv_img_rm_tree(path, err);
}

/* Make a layer directory disappear at once (rename into a temporary
 * directory), then delete it. */
static int remove_layer(struct store *st, const char *hex, struct pv_err *err)
{
	cleanup_free char *trash = NULL;
	cleanup_free char *from = NULL;
	cleanup_free char *to = NULL;

	if (asprintf(&trash, "%s/.tmp.XXXXXX", st->layers) < 0 || !mkdtemp(trash))
		return pv_err_sys(err, errno, "cannot create a directory in %s", st->layers);
	if (asprintf(&from, "%s/%s", st->layers, hex) < 0 ||
	    asprintf(&to, "%s/%s", trash, hex) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (rename(from, to) < 0 && errno != ENOENT) {
		pv_err_sys(err, errno, "cannot remove layer sha256:%s", hex);
		rmdir(trash);
		return -1;
	}
	return pv_img_rm_tree(trash, err);
}

/* --- records ----------------------------------------------------------------- */

static int read_record(struct store *st, const char *file, const char *want_ref,
		       struct pv_image *out, struct pv_err *err)
{
	cleanup_close int fd = open(st->refs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len;

	if (fd < 0)
		return pv_err_sys(err, errno, "%s", st->refs);
	if (pv_img_read_at(fd, file, PV_IMG_JSON_MAX, &buf, &len, err) < 0)
		return -1;
	if (pv_image_record_decode(buf, len, st->layers, want_ref, out, err) < 0)
		return pv_err_wrap(err, "%s/%s", st->refs, file);
	return 0;
}

static int image_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pv_image *)a)->ref, ((const struct pv_image *)b)->ref);
}

/* Every record, sorted by reference. */
static int load_all(struct store *st, struct pv_image **out, size_t *n, struct pv_err *err)
{
	struct strv names = { 0 };
	struct pv_image *v = NULL;
	size_t count = 0;
	int rc = list_names(st->refs, &names, err);

	if (rc == 0)
		v = calloc(names.n + 1, sizeof(*v));
	if (rc == 0 && !v)
		rc = pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		if (!is_record_name(names.v[i]))
			continue;
		rc = read_record(st, names.v[i], NULL, &v[count], err);
		count += rc == 0;
	}
	strv_clear(&names);
	if (rc < 0) {
		pv_image_list_free(v, count);
		return -1;
	}
	qsort(v, count, sizeof(*v), image_cmp);
	*out = v;
	*n = count;
	return 0;
}

static int write_record(struct store *st, const char *ref, const struct pv_img_desc *md,
			const struct pv_img_manifest *m, const struct pv_image_config *cfg,
			struct pv_err *err)
{
	struct pv_image_record r = { ref, md->digest, md->media_type, m, cfg, (int64_t)time(NULL) };
	cleanup_free char *text = pv_image_record_encode(&r);
	cleanup_free char *name = pv_image_ref_filename(ref);

	if (!text || !name)
		return pv_err_set(err, ENOMEM, "out of memory");
	return pv_img_write_atomic(st->refs, name, text, strlen(text), 0600, err);
}

/* --- collecting ------------------------------------------------------------- */

static int referenced_layers(struct store *st, struct strv *hexes, struct pv_err *err)
{
	struct pv_image *v = NULL;
	size_t n = 0;

	if (load_all(st, &v, &n, err) < 0)
		return pv_err_wrap(err, "not collecting unused layers");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i].n_layers; j++)
			if (!strv_has(hexes, pv_img_digest_hex(v[i].layer_digests[j])) &&
			    strv_add(hexes, pv_img_digest_hex(v[i].layer_digests[j]), err) < 0)
				goto fail;
	pv_image_list_free(v, n);
	return 0;
fail:
	pv_image_list_free(v, n);
	return -1;
}

/* Remove what crashed imports left (temporary files and directories),
 * then the layers no record names. */
static int store_sweep(struct store *st, struct pv_err *err)
{
	struct strv tmp = { 0 }, refs = { 0 }, layers = { 0 };
	struct strv used = { 0 };
	int rc = list_names(st->tmp, &tmp, err);

	if (rc == 0)
		rc = list_names(st->refs, &refs, err);
	if (rc == 0)
		rc = list_names(st->layers, &layers, err);
	for (size_t i = 0; rc == 0 && i < tmp.n; i++)
		rc = remove_in(st->tmp, tmp.v[i], err);
	for (size_t i = 0; rc == 0 && i < refs.n; i++)
		if (is_tmp_name(refs.v[i]))
			rc = remove_in(st->refs, refs.v[i], err);
	for (size_t i = 0; rc == 0 && i < layers.n; i++)
		if (is_tmp_name(layers.v[i]))
			rc = remove_in(st->layers, layers.v[i], err);
	if (rc == 0)
		rc = referenced_layers(st, &used, err);
	for (size_t i = 0; rc == 0 && i < layers.n; i++)
		if (is_layer_name(layers.v[i]) && !strv_has(&used, layers.v[i]))
			rc = remove_layer(st, layers.v[i], err);
	strv_clear(&tmp);
	strv_clear(&refs);
	strv_clear(&layers);
	strv_clear(&used);
	return rc;
}

/* --- import ------------------------------------------------------------------ */

static int sync_dir_fs(const char *path, struct pv_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || syncfs(fd) < 0)
		return pv_err_sys(err, errno, "cannot sync %s", path);
	return 0;
}

/* Unpack the layer into a temporary directory, then rename it into place.
 * Returns 1 when another import put it there first. */
static int unpack_layer(struct store *st, int layout_fd, const struct pv_img_desc *d,
			const char *final, struct pv_err *err)
{
	cleanup_close int blob = pv_img_blob_open(layout_fd, d, "layer", err);
	cleanup_free char *tmp = NULL;

	if (blob < 0)
		return -1;
	if (asprintf(&tmp, "%s/.tmp.XXXXXX", st->layers) < 0 || !mkdtemp(tmp))
		return pv_err_sys(err, errno, "cannot create a directory in %s", st->layers);
	if (chmod(tmp, 0755) < 0) {
		pv_err_sys(err, errno, "cannot chmod %s", tmp);
		goto fail;
	}
	if (pv_img_layer_unpack(blob, d, tmp, strlen(final), err) < 0 || sync_dir_fs(tmp, err) < 0)
		goto fail;
	if (rename(tmp, final) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) /* someone was faster */
			return pv_img_rm_tree(tmp, err) < 0 ? -1 : 1;
		pv_err_sys(err, errno, "cannot rename %s to %s", tmp, final);
		goto fail;
	}
	return pv_img_fsync_dir(st->layers, err);
fail:
	pv_img_rm_tree(tmp, NULL);
	return -1;
}

static int ensure_layer(struct store *st, int layout_fd, const struct pv_img_desc *d,
			const struct pv_image_progress *pg, struct strv *created,
			struct pv_err *err)
{
	cleanup_free char *final = NULL;
	struct stat sb;

	if (asprintf(&final, "%s/%s", st->layers, pv_img_digest_hex(d->digest)) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (lstat(final, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		progress(pg, PV_IMAGE_LAYER_PRESENT, d->digest, d->size);
		return 0;
	}
	if (pv_img_rm_tree(final, err) < 0) /* not a directory: not ours */
		return -1;
	progress(pg, PV_IMAGE_LAYER_UNPACKING, d->digest, d->size);
	switch (unpack_layer(st, layout_fd, d, final, err)) {
	case 0:
		return strv_add(created, pv_img_digest_hex(d->digest), err);
	case 1:
		return 0;
	default:
		return -1;
	}
}

struct import {
	int layout_fd;
	struct pv_img_desc md;
	struct pv_img_manifest m;
	struct pv_image_config cfg;
	struct strv created; /* layers this import unpacked */
};

static void import_clear(struct store *st, struct import *im, bool failed)
{
	for (size_t i = 0; failed && i < im->created.n; i++)
		remove_layer(st, im->created.v[i], NULL);
	strv_clear(&im->created);
	pv_img_desc_clear(&im->md);
	pv_img_manifest_clear(&im->m);
	pv_image_config_clear(&im->cfg);
	if (im->layout_fd >= 0)
		close(im->layout_fd);
}

static int import_layout(struct store *st, const char *layout, const struct pv_image_ref *ref,
			 const char *full, const struct pv_image_progress *pg, struct pv_err *err)
{
	struct import im = { .layout_fd = -1 };
	int rc = -1;

	if (pv_img_layout_open(layout, &im.layout_fd, err) < 0 ||
	    pv_img_select_manifest(im.layout_fd, ref, &im.md, err) < 0 ||
	    pv_img_read_manifest(im.layout_fd, &im.md, &im.m, err) < 0 ||
	    pv_img_read_config(im.layout_fd, &im.m.config, im.m.n_layers, &im.cfg, err) < 0)
		goto out;
	for (size_t i = 0; i < im.m.n_layers; i++)
		if (ensure_layer(st, im.layout_fd, &im.m.layers[i], pg, &im.created, err) < 0)
			goto out;
	rc = write_record(st, full, &im.md, &im.m, &im.cfg, err);
out:
	import_clear(st, &im, rc < 0);
	return rc;
}

/* The layout inside an extracted archive: its top, or its only directory. */
static char *layout_root(const char *dir, struct pv_err *err)
{
	struct strv names = { 0 };
	char *path = NULL;
	struct stat sb;

	if (asprintf(&path, "%s/oci-layout", dir) >= 0 && stat(path, &sb) == 0) {
		free(path);
		return strdup(dir);
	}
	free(path);
	path = NULL;
	if (list_names(dir, &names, err) == 0 && names.n == 1 &&
	    asprintf(&path, "%s/%s/oci-layout", dir, names.v[0]) >= 0 && stat(path, &sb) == 0) {
		path[strlen(path) - strlen("/oci-layout")] = '\0';
	} else {
		free(path);
		path = NULL;
	}
	strv_clear(&names);
	return path;
}

static int import_archive(struct store *st, const char *src, int64_t size,
			  const struct pv_image_ref *ref, const char *full,
			  const struct pv_image_progress *pg, struct pv_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *layout = NULL;
	int rc = -1;

	if (asprintf(&dir, "%s/archive.XXXXXX", st->tmp) < 0 || !mkdtemp(dir))
		return pv_err_sys(err, errno, "cannot create a directory in %s", st->tmp);
	progress(pg, PV_IMAGE_EXTRACTING, src, size);
	if (pv_img_archive_extract(src, dir, err) < 0)
		goto out;
	layout = layout_root(dir, err);
	if (!layout) {
		pv_err_set(err, EINVAL, "%s holds no OCI image layout (no oci-layout file at its "
			   "top; `docker save` writes one from Docker 25 on)", src);
		goto out;
	}
	rc = import_layout(st, layout, ref, full, pg, err);
out:
	pv_img_rm_tree(dir, NULL);
	return rc;
}

static int check_layers(const struct pv_image *img, struct pv_err *err)
{
	struct stat sb;

	for (size_t i = 0; i < img->n_layers; i++)
		if (stat(img->layers[i], &sb) < 0 || !S_ISDIR(sb.st_mode))
			return pv_err_set(err, EIO, "image %s: layer %s is missing from the store "
					  "(import the image again)", img->ref,
					  img->layer_digests[i]);
	return 0;
}

/* Is IMG an image of R's repository with R's digest? */
static bool same_image(const struct pv_image *img, const struct pv_image_ref *r)
{
	struct pv_image_ref ir;
	bool same;

	if (strcmp(img->digest, r->digest) != 0 || pv_image_ref_parse(img->ref, &ir, NULL) < 0)
		return false;
	same = strcmp(ir.name, r->name) == 0;
	pv_image_ref_clear(&ir);
	return same;
}

/* The record of a digest reference's repository with that digest. */
static int find_by_digest(struct store *st, const struct pv_image_ref *r, const char *full,
			  struct pv_image *out, struct pv_err *err)
{
	struct pv_image *v = NULL;
	size_t n = 0;
	ssize_t found = -1;

	if (load_all(st, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; found < 0 && i < n; i++)
		if (same_image(&v[i], r))
			found = (ssize_t)i;
	if (found >= 0) {
		*out = v[found];
		memset(&v[found], 0, sizeof(v[found]));
	}
	pv_image_list_free(v, n);
	return found >= 0 ? 0 : not_found(err, full);
}

static int lookup_in(struct store *st, const struct pv_image_ref *r, const char *full,
		     struct pv_image *out, struct pv_err *err)
{
	cleanup_free char *file = pv_image_ref_filename(full);
	int rc;

	if (!file)
		return pv_err_set(err, ENOMEM, "out of memory");
	rc = read_record(st, file, full, out, err);
	if (rc < 0 && err->code == ENOENT)
		rc = r->digest ? find_by_digest(st, r, full, out, err) : not_found(err, full);
	if (rc == 0 && check_layers(out, err) < 0) {
		pv_image_free(out);
		return -1;
	}
	return rc;
}

static int check_src(const char *src, struct stat *sb, struct pv_err *err)
{
	if (stat(src, sb) < 0)
		return pv_err_sys(err, errno, "%s", src);
	if (!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode))
		return pv_err_set(err, EINVAL, "%s: neither an OCI layout directory nor an archive",
				  src);
	return 0;
}

static int import_locked(struct store *st, const char *src, const struct stat *sb,
			 const struct pv_image_ref *r, const char *full,
			 const struct pv_image_progress *pg, struct pv_image *out,
			 struct pv_err *err)
{
	int rc;

	store_sweep(st, NULL); /* what a crash left; best effort */
	rc = S_ISDIR(sb->st_mode) ? import_layout(st, src, r, full, pg, err)
				  : import_archive(st, src, sb->st_size, r, full, pg, err);
	if (rc < 0)
		return -1;
	store_sweep(st, NULL); /* the layers only a replaced image used */
	return out ? lookup_in(st, r, full, out, err) : 0;
}

int pv_image_import_ex(const char *state_dir, const char *src, const char *ref,
		       const struct pv_image_progress *pg, struct pv_image *out,
		       struct pv_err *err)
{
	struct pv_err local = { 0, "" };
	struct pv_err *e = err ? err : &local;
	cleanup_store struct store st = STORE_INIT;
	cleanup_free char *full = NULL;
	struct pv_image_ref r = { NULL, NULL, NULL };
	struct stat sb;
	int rc = -1;

	if (pv_image_ref_parse(ref, &r, e) < 0)
		return -1;
	full = pv_image_ref_format(&r);
	if (!full)
		pv_err_set(e, ENOMEM, "out of memory");
	else if (check_src(src, &sb, e) == 0 && store_open(state_dir, true, &st, e) == 0 &&
		 store_lock(&st, e) == 0)
		rc = import_locked(&st, src, &sb, &r, full, pg, out, e);
	pv_image_ref_clear(&r);
	return rc;
}

int pv_image_import(const char *state_dir, const char *src, const char *ref,
		    struct pv_image *out, struct pv_err *err)
{
	return pv_image_import_ex(state_dir, src, ref, NULL, out, err);
}

void pv_image_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* Each named manifest of LAYOUT under its name (NAMES, *N: those done). */
static int import_named(struct store *st, const char *layout, const struct pv_image_progress *pg,
			char **names, size_t *n, struct pv_err *err)
{
	cleanup_close int fd = -1;
	struct pv_img_named *v = NULL;
	size_t nv = 0;
	int rc = 0;

	if (pv_img_layout_open(layout, &fd, err) < 0 || pv_img_layout_names(fd, &v, &nv, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < nv; i++) {
		struct pv_image_ref r = { NULL, NULL, NULL }, by_digest;

		rc = pv_image_ref_parse(v[i].name, &r, err);
		by_digest = (struct pv_image_ref){ r.name, NULL, v[i].digest };
		if (rc == 0 && (rc = import_layout(st, layout, &by_digest, v[i].name, pg, err)) < 0)
			pv_err_wrap(err, "%s", v[i].name);
		if (rc == 0 && names && (names[*n] = strdup(v[i].name)))
			(*n)++;
		pv_image_ref_clear(&r);
	}
	pv_img_names_free(v, nv);
	return rc;
}

/* A layout directory names an image: checked before the store is made. */
static int layout_named(const char *dir, struct pv_err *err)
{
	cleanup_close int fd = -1;
	struct pv_img_named *v = NULL;
	size_t nv = 0;

	if (pv_img_layout_open(dir, &fd, err) < 0 || pv_img_layout_names(fd, &v, &nv, err) < 0)
		return -1;
	pv_img_names_free(v, nv);
	return 0;
}

static int import_all_locked(struct store *st, const char *src, const struct stat *sb,
			     const struct pv_image_progress *pg, char **names, size_t *n,
			     struct pv_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *layout = NULL;
	int rc = -1;

	store_sweep(st, NULL);
	if (S_ISDIR(sb->st_mode))
		return import_named(st, src, pg, names, n, err);
	if (asprintf(&dir, "%s/archive.XXXXXX", st->tmp) < 0 || !mkdtemp(dir))
		return pv_err_sys(err, errno, "cannot create a directory in %s", st->tmp);
	progress(pg, PV_IMAGE_EXTRACTING, src, sb->st_size);
	if (pv_img_archive_extract(src, dir, err) == 0) {
		if (!(layout = layout_root(dir, err)))
			pv_err_set(err, EINVAL, "%s holds no OCI image layout (no oci-layout file at "
				   "its top)", src);
		else
			rc = import_named(st, layout, pg, names, n, err);
	}
	pv_img_rm_tree(dir, NULL);
	store_sweep(st, NULL);
	return rc;
}

int pv_image_import_all(const char *state_dir, const char *src,
			const struct pv_image_progress *pg, char ***names, size_t *n,
			struct pv_err *err)
{
	cleanup_store struct store st = STORE_INIT;
	char **v = calloc(PV_IMG_NAMES_MAX, sizeof(char *));
	size_t nv = 0;
	struct stat sb;
	int rc = -1;

	if (!v)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (check_src(src, &sb, err) == 0 && (!S_ISDIR(sb.st_mode) || layout_named(src, err) == 0) &&
	    store_open(state_dir, true, &st, err) == 0 && store_lock(&st, err) == 0)
		rc = import_all_locked(&st, src, &sb, pg, v, &nv, err);
	if (names) {
		*names = v;
		*n = nv;
	} else {
		pv_image_names_free(v, nv);
	}
	return rc;
}

/* --- for a pull (image_pull.c) ------------------------------------------------ */

int pv_img_store_pull_root(const char *state_dir, char **root, struct pv_err *err)
{
	cleanup_store struct store st = STORE_INIT;
	cleanup_free char *dl = NULL;
	cleanup_free char *pull = NULL;

	if (store_open(state_dir, true, &st, err) < 0)
		return -1;
	if (asprintf(&dl, "%s/downloads", st.root) < 0 || asprintf(&pull, "%s/pull", st.root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (make_dir(dl, err) < 0 || make_dir(pull, err) < 0)
		return -1;
	free(dl);
	if (asprintf(&dl, "%s/downloads/sha256", st.root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (make_dir(dl, err) < 0)
		return -1;
	*root = steal_pointer(&st.root);
	return 0;
}

/* The layout a pull assembled holds one manifest: it is chosen by its
 * digest, and recorded under the name the pull was asked for (which may
 * name an index's digest). */
int pv_img_import_pulled(const char *state_dir, const char *layout, const char *ref,
			 const char *manifest_digest, struct pv_image *out, struct pv_err *err)
{
	cleanup_store struct store st = STORE_INIT;
	cleanup_free char *full = NULL;
	struct pv_image_ref r = { NULL, NULL, NULL };
	struct pv_image_ref sel = { NULL, NULL, NULL };
	struct stat sb;
	int rc = -1;

	if (pv_image_ref_parse(ref, &r, err) < 0)
		return -1;
	full = pv_image_ref_format(&r);
	sel.name = r.name;
	sel.digest = (char *)manifest_digest;
	if (!full)
		pv_err_set(err, ENOMEM, "out of memory");
	else if (check_src(layout, &sb, err) == 0 && store_open(state_dir, true, &st, err) == 0 &&
		 store_lock(&st, err) == 0)
		rc = import_locked(&st, layout, &sb, &sel, full, NULL, out, err);
	pv_image_ref_clear(&r);
	return rc;
}

static int remove_in_store(struct store *st, const struct pv_image_ref *r, const char *full,
			   struct pv_err *err);

/* What lookup and remove share: parse REF, open the store (locked when
 * LOCK), and run OP on it; a missing store means a missing image. */
typedef int (*ref_op)(struct store *st, const struct pv_image_ref *r, const char *full,
		      void *out, struct pv_err *err);

static int with_ref(const char *state_dir, const char *ref, bool lock, ref_op op, void *out,
		    struct pv_err *err)
{
	struct pv_err local = { 0, "" };
	struct pv_err *e = err ? err : &local;
	cleanup_store struct store st = STORE_INIT;
	cleanup_free char *full = NULL;
	struct pv_image_ref r = { NULL, NULL, NULL };
	int rc = -1;

	if (pv_image_ref_parse(ref, &r, e) < 0)
		return -1;
	full = pv_image_ref_format(&r);
	if (!full)
		pv_err_set(e, ENOMEM, "out of memory");
	else if (store_open(state_dir, false, &st, e) < 0)
		rc = e->code == ENOENT ? not_found(e, full) : -1;
	else if (!lock || store_lock(&st, e) == 0)
		rc = op(&st, &r, full, out, e);
	pv_image_ref_clear(&r);
	return rc;
}

static int lookup_op(struct store *st, const struct pv_image_ref *r, const char *full, void *out,
		     struct pv_err *err)
{
	return lookup_in(st, r, full, out, err);
}

static int remove_op(struct store *st, const struct pv_image_ref *r, const char *full, void *out,
		     struct pv_err *err)
{
	(void)out;
	return remove_in_store(st, r, full, err);
}

int pv_image_lookup(const char *state_dir, const char *ref, struct pv_image *out,
		    struct pv_err *err)
{
	return with_ref(state_dir, ref, false, lookup_op, out, err);
}

int pv_image_list(const char *state_dir, struct pv_image **out, size_t *n, struct pv_err *err)
{
	struct pv_err local = { 0, "" };
	struct pv_err *e = err ? err : &local;
	cleanup_store struct store st = STORE_INIT;

	*out = NULL;
	*n = 0;
	if (store_open(state_dir, false, &st, e) < 0)
		return e->code == ENOENT ? 0 : -1;
	return load_all(&st, out, n, e);
}

/* Remove the records of R's repository whose manifest is R's digest. */
static int remove_by_digest(struct store *st, const struct pv_image_ref *r, const char *full,
			    struct pv_err *err)
{
	struct pv_image *v = NULL;
	size_t n = 0, removed = 0;
	int rc = load_all(st, &v, &n, err);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		cleanup_free char *file = NULL;

		if (!same_image(&v[i], r))
			continue;
		file = pv_image_ref_filename(v[i].ref);
		rc = file ? remove_in(st->refs, file, err) :
			    pv_err_set(err, ENOMEM, "out of memory");
		removed++;
	}
	pv_image_list_free(v, n);
	return rc < 0 ? -1 : removed ? 0 : not_found(err, full);
}

static int remove_in_store(struct store *st, const struct pv_image_ref *r, const char *full,
			   struct pv_err *err)
{
	cleanup_free char *file = pv_image_ref_filename(full);
	cleanup_free char *path = NULL;
	int rc;

	if (!file || asprintf(&path, "%s/%s", st->refs, file) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	rc = unlink(path);
	if (rc < 0 && errno == ENOENT)
		rc = r->digest ? remove_by_digest(st, r, full, err) : not_found(err, full);
	else if (rc < 0)
		rc = pv_err_sys(err, errno, "cannot remove %s", path);
	if (rc < 0 || pv_img_fsync_dir(st->refs, err) < 0)
		return -1;
	if (store_sweep(st, err) < 0)
		return pv_err_wrap(err, "removed %s, but", full);
	return 0;
}

int pv_image_remove(const char *state_dir, const char *ref, struct pv_err *err)
{
	return with_ref(state_dir, ref, true, remove_op, NULL, err);
}

void pv_image_free(struct pv_image *img)
{
	if (!img)
		return;
	free(img->ref);
	free(img->digest);
	pv_img_strv_free(img->layers, img->n_layers);
	pv_img_strv_free(img->layer_digests, img->n_layers);
	free(img->config_digest);
	pv_image_config_clear(&img->config);
	memset(img, 0, sizeof(*img));
}

void pv_image_list_free(struct pv_image *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		pv_image_free(&v[i]);
	free(v);
}
