/* podvisor image pull: an image from a registry into the store. The
 * manifest is fetched (an index or a Docker manifest list gives the one
 * for linux/<this machine>), verified against the digest asked for when
 * there is one, then its config and the layers the store lacks are
 * downloaded (image_download.c) into an OCI layout under images/pull/,
 * which the store imports as it imports any layout (image_store.c), so
 * every check of an import holds for a pull too. The layout is flock()ed
 * while its pull runs; a pull removes the layouts whose pull is gone.
 *
 * Owns the layouts under images/pull. Calls: common, image_fetch.c (HTTP),
 * image_download.c, image_oci.c (parsing), image_store.c (the import). */
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

#include <json-c/json.h>

#include "common/cleanup.h"
#include "supervisor/image/image.h"
#include "supervisor/image/image_internal.h"

#define STALE_SECONDS 60 /* a layout younger than this may not be locked yet */

struct pull {
	const char *state;
	const struct pv_image_pull_opts *o;
	struct pv_image_ref r;
	char *full;             /* the normalized reference: the record's name */
	char *root, *dl, *pulls; /* images/, images/downloads/sha256, images/pull */
	char *layout;           /* images/pull/pull.XXXXXX */
	int layout_fd, blobs_fd;
	struct pv_img_fetch *f;
	struct pv_img_desc md;  /* the manifest */
	struct pv_img_manifest m;
};

static void progress(const struct pull *p, enum pv_image_event ev, const char *what,
		     int64_t size)
{
	if (p->o->progress && p->o->progress->fn)
		p->o->progress->fn(p->o->progress->ctx, ev, what, size);
}

static void pull_clear(struct pull *p)
{
	if (p->layout)
		pv_img_rm_tree(p->layout, NULL);
	if (p->blobs_fd >= 0)
		close(p->blobs_fd);
	if (p->layout_fd >= 0)
		close(p->layout_fd);
	pv_img_fetch_close(p->f);
	pv_img_desc_clear(&p->md);
	pv_img_manifest_clear(&p->m);
	pv_image_ref_clear(&p->r);
	free(p->full);
	free(p->root);
	free(p->dl);
	free(p->pulls);
	free(p->layout);
}

/* --- layouts ----------------------------------------------------------------------- */

/* Remove the layouts of pulls that are gone (not locked, not just made). */
static void sweep_layouts(const char *pulls)
{
	DIR *d = opendir(pulls);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		cleanup_close int fd = -1;
		cleanup_free char *path = NULL;
		struct stat sb;

		if (strncmp(de->d_name, "pull.", 5) != 0)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) < 0 || time(NULL) - sb.st_mtime < STALE_SECONDS ||
		    flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		if (asprintf(&path, "%s/%s", pulls, de->d_name) >= 0)
			pv_img_rm_tree(path, NULL);
	}
	if (d)
		closedir(d);
}

static int layout_make(struct pull *p, struct pv_err *err)
{
	static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}\n";
	cleanup_free char *blobs = NULL;

	if (asprintf(&p->layout, "%s/pull.XXXXXX", p->pulls) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!mkdtemp(p->layout)) {
		pv_err_sys(err, errno, "cannot create a directory in %s", p->pulls);
		free(p->layout);
		p->layout = NULL;
		return -1;
	}
	p->layout_fd = open(p->layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->layout_fd < 0 || flock(p->layout_fd, LOCK_EX) < 0)
		return pv_err_sys(err, errno, "%s", p->layout);
	if (asprintf(&blobs, "%s/blobs/sha256", p->layout) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (pv_img_mkdir_p(blobs, 0700, err) < 0 ||
	    pv_img_write_atomic(p->layout, "oci-layout", oci_layout, sizeof(oci_layout) - 1, 0600,
				err) < 0)
		return -1;
	p->blobs_fd = open(blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return p->blobs_fd < 0 ? pv_err_sys(err, errno, "%s", blobs) : 0;
}

static int layout_index(struct pull *p, struct pv_err *err)
{
	cleanup_free char *text = NULL;

	if (asprintf(&text, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index."
		     "v1+json\",\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":"
		     "%lld}]}\n", p->md.media_type, p->md.digest, (long long)p->md.size) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	return pv_img_write_atomic(p->layout, "index.json", text, strlen(text), 0600, err);
}

/* --- the manifest ---------------------------------------------------------------------- */

/* The media type of a manifest: what the registry said, else the JSON's
 * own "mediaType", else an index when it lists "manifests". */
static char *media_type_of(const char *said, struct json_object *o)
{
	struct json_object *v = NULL;

	if (said && strstr(said, "+json"))
		return strdup(said);
	if (json_object_object_get_ex(o, "mediaType", &v) && json_object_is_type(v, json_type_string))
		return strdup(json_object_get_string(v));
	return strdup(json_object_object_get_ex(o, "manifests", NULL) ?
		      "application/vnd.oci.image.index.v1+json" :
		      "application/vnd.oci.image.manifest.v1+json");
}

/* GET the manifest REFERENCE, check it against WANT (a digest, or NULL),
 * and describe it in D; its JSON into *OUT, its bytes into *BODY. */
static int get_manifest(struct pull *p, const char *reference, const char *want,
			struct pv_img_desc *d, struct json_object **out, char **body, size_t *len,
			struct pv_err *err)
{
	cleanup_free char *said = NULL;
	char hex[PV_IMG_HEX_LEN + 1];
	char what[128];

	if (pv_img_fetch_manifest(p->f, reference, body, len, &said, err) < 0)
		return -1;
	pv_img_sha256_hex(*body, *len, hex, NULL);
	if (want && strcmp(hex, pv_img_digest_hex(want)) != 0)
		return pv_err_set(err, EBADMSG, "%s: manifest %s: digest mismatch: expected %s, got "
				  "sha256:%s", pv_img_fetch_where(p->f), reference, want, hex);
	snprintf(d->digest, sizeof(d->digest), "sha256:%s", hex);
	d->size = (int64_t)*len;
	snprintf(what, sizeof(what), "%s: manifest %s", pv_img_fetch_where(p->f), reference);
	*out = pv_img_json_object(*body, *len, what, err);
	if (!*out)
		return -1;
	d->media_type = media_type_of(said, *out);
	return d->media_type ? 0 : pv_err_set(err, ENOMEM, "out of memory");
}

/* From an index, the manifest for this machine. */
static int choose_platform(struct pull *p, struct json_object *o, struct pv_img_desc *out,
			   struct pv_err *err)
{
	struct pv_image_ref sel = { p->r.name, p->r.tag, NULL };

	if (pv_img_parse_index(o, &sel, out, err) < 0)
		return pv_err_wrap(err, "%s: manifest list %s", pv_img_fetch_where(p->f),
				   p->r.digest ? p->r.digest : p->r.tag);
	if (out->os && out->arch && (strcmp(out->os, "linux") != 0 ||
				     strcmp(out->arch, pv_img_host_arch()) != 0)) {
		pv_err_set(err, ENOTSUP, "%s: %s has no image for linux/%s (only %s/%s)",
			   pv_img_fetch_where(p->f), p->full, pv_img_host_arch(), out->os, out->arch);
		pv_img_desc_clear(out);
		return -1;
	}
	return 0;
}

static int save_manifest(struct pull *p, const char *body, size_t len, struct pv_err *err)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/blobs/sha256", p->layout);
	return pv_img_write_atomic(dir, pv_img_digest_hex(p->md.digest), body, len, 0600, err);
}

/* The manifest the reference names, for this machine: into P->md and
 * P->m, and saved in the layout. */
static int resolve(struct pull *p, struct pv_err *err)
{
	cleanup_json struct json_object *o = NULL;
	cleanup_free char *body = NULL;
	struct pv_img_desc top = { 0 }, plat = { 0 };
	const char *where = pv_img_fetch_where(p->f);
	size_t len = 0;
	int rc = -1;

	if (get_manifest(p, p->r.digest ? p->r.digest : p->r.tag, p->r.digest, &top, &o, &body,
			 &len, err) < 0)
		goto out;
	if (pv_img_is_index_type(top.media_type)) {
		if (choose_platform(p, o, &plat, err) < 0)
			goto out;
		json_object_put(o);
		o = NULL;
		free(body);
		body = NULL;
		pv_img_desc_clear(&top);
		if (get_manifest(p, plat.digest, plat.digest, &top, &o, &body, &len, err) < 0)
			goto out;
		if (top.size != plat.size) {
			pv_err_set(err, EBADMSG, "%s: manifest %s is %lld bytes, its manifest list "
				   "says %lld", where, plat.digest, (long long)top.size,
				   (long long)plat.size);
			goto out;
		}
	}
	p->md = top;
	memset(&top, 0, sizeof(top));
	if (pv_img_parse_manifest(o, &p->md, &p->m, err) < 0) {
		pv_err_wrap(err, "%s", where);
		goto out;
	}
	rc = save_manifest(p, body, len, err);
out:
	pv_img_desc_clear(&top);
	pv_img_desc_clear(&plat);
	return rc;
}

/* --- blobs ------------------------------------------------------------------------------ */

static bool layer_present(const struct pull *p, const struct pv_img_desc *d)
{
	cleanup_free char *path = NULL;
	struct stat sb;

	return asprintf(&path, "%s/layers/sha256/%s", p->root, pv_img_digest_hex(d->digest)) >= 0 &&
	       lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int fetch_blobs(struct pull *p, struct pv_err *err)
{
	bool pulled;

	if (pv_img_download(p->f, p->dl, p->blobs_fd, &p->m.config, p->o->progress, &pulled,
			    err) < 0)
		return -1;
	for (size_t i = 0; i < p->m.n_layers; i++) {
		const struct pv_img_desc *d = &p->m.layers[i];

		if (layer_present(p, d)) {
			progress(p, PV_IMAGE_LAYER_PRESENT, d->digest, d->size);
			continue;
		}
		if (pv_img_download(p->f, p->dl, p->blobs_fd, d, p->o->progress, &pulled, err) < 0)
			return -1;
		progress(p, PV_IMAGE_BLOB_PULLED, d->digest, d->size);
	}
	return 0;
}

/* The pull worked: the downloaded blobs are in the store now. */
static void forget_blobs(struct pull *p)
{
	pv_img_download_forget(p->dl, &p->m.config);
	for (size_t i = 0; i < p->m.n_layers; i++)
		pv_img_download_forget(p->dl, &p->m.layers[i]);
}

/* --- the pull ------------------------------------------------------------------------------ */

static int pull_open(struct pull *p, const char *ref, struct pv_err *err)
{
	if (pv_image_ref_parse(ref, &p->r, err) < 0)
		return -1;
	p->full = pv_image_ref_format(&p->r);
	if (!p->full)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (pv_img_store_pull_root(p->state, &p->root, err) < 0)
		return -1;
	if (asprintf(&p->dl, "%s/downloads/sha256", p->root) < 0 ||
	    asprintf(&p->pulls, "%s/pull", p->root) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	sweep_layouts(p->pulls);
	return pv_img_fetch_open(p->r.name, p->o, p->state, &p->f, err);
}

int pv_image_pull(const char *state_dir, const char *ref, const struct pv_image_pull_opts *opts,
		  struct pv_image *out, struct pv_err *err)
{
	static const struct pv_image_pull_opts none = { 0 };
	struct pv_err local = { 0, "" };
	struct pv_err *e = err ? err : &local;
	struct pull p = { .state = state_dir, .o = opts ? opts : &none, .layout_fd = -1,
			  .blobs_fd = -1 };
	int rc = -1;

	if (pull_open(&p, ref, e) == 0 && layout_make(&p, e) == 0 && resolve(&p, e) == 0 &&
	    fetch_blobs(&p, e) == 0 && layout_index(&p, e) == 0)
		rc = pv_img_import_pulled(state_dir, p.layout, p.full, p.md.digest, out, e);
	if (rc == 0)
		forget_blobs(&p);
	pull_clear(&p);
	return rc;
}
