/* Shared by the image store's files (image_*.c); not for other callers,
 * who use supervisor/image/image.h. */
#ifndef PV_SUPERVISOR_IMAGE_INTERNAL_H
#define PV_SUPERVISOR_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

struct archive;

#include "common/err.h"
#include "common/sha256.h"
#include "supervisor/image/image.h"

static inline void pv_img_json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

#define cleanup_json __attribute__((cleanup(pv_img_json_putp)))

#define PV_IMG_HEX_LEN 64
#define PV_IMG_DIGEST_LEN (7 + PV_IMG_HEX_LEN) /* "sha256:" + hex */
#define PV_IMG_JSON_MAX (4 << 20)             /* index.json, manifests, configs, records */
#define PV_IMG_LAYERS_MAX 500                 /* overlayfs stacks at most 500 lowerdirs */
#define PV_IMG_NAMES_MAX 256                  /* names one index.json may give */

/* --- digests (image_digest.c) ------------------------------------------- */

struct pv_img_sha256 {
	struct pv_sha256 h;
};

int pv_img_sha256_init(struct pv_img_sha256 *h, struct pv_err *err);
void pv_img_sha256_update(struct pv_img_sha256 *h, const void *buf, size_t n);
/* Write the lowercase hex digest (65 bytes with the NUL) to HEX. */
int pv_img_sha256_final(struct pv_img_sha256 *h, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err);
void pv_img_sha256_free(struct pv_img_sha256 *h);
/* One-shot: the hex sha256 of BUF. */
int pv_img_sha256_hex(const void *buf, size_t n, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err);

/* Check that S is "sha256:<64 lowercase hex>"; other algorithms are refused. */
int pv_img_digest_check(const char *s, struct pv_err *err);
/* The hex part of a checked digest. */
static inline const char *pv_img_digest_hex(const char *digest)
{
	return digest + 7;
}

/* --- references (image_ref.c) -------------------------------------------- */

/* "docker.io/library/busybox:1.36" for a parsed reference. */
char *pv_image_ref_format(const struct pv_image_ref *r);
/* The file name of NORMALIZED's record under refs/: the reference with
 * every byte outside [A-Za-z0-9._-] written %XX, plus ".json"; a name that
 * would be too long is "long-<sha256 of the reference>.json" instead. */
char *pv_image_ref_filename(const char *normalized);

/* --- OCI layouts, manifests, configs (image_oci.c) ----------------------- */

enum pv_img_compression {
	PV_IMG_COMPRESS_NONE,
	PV_IMG_COMPRESS_GZIP,
	PV_IMG_COMPRESS_ZSTD,
};

/* A content descriptor from index.json or a manifest. */
struct pv_img_desc {
	char *media_type;
	char digest[PV_IMG_DIGEST_LEN + 1];
	int64_t size;
	char *ref_name;          /* annotation org.opencontainers.image.ref.name */
	char *os, *arch, *variant; /* platform */
};

struct pv_img_manifest {
	char *media_type;
	struct pv_img_desc config;
	struct pv_img_desc *layers;
	size_t n_layers;
};

/* Open an OCI image layout directory (checks its oci-layout file). */
int pv_img_layout_open(const char *dir, int *fd_out, struct pv_err *err);
/* Choose the manifest of index.json that REF names (see pv_image_import). */
int pv_img_select_manifest(int layout_fd, const struct pv_image_ref *ref, struct pv_img_desc *out,
			   struct pv_err *err);
/* Read, verify and parse the manifest D points at. */
int pv_img_read_manifest(int layout_fd, const struct pv_img_desc *d, struct pv_img_manifest *out,
			 struct pv_err *err);
/* Read, verify and parse the image config D points at; N_LAYERS is the
 * manifest's layer count, which the config's rootfs.diff_ids must match. */
int pv_img_read_config(int layout_fd, const struct pv_img_desc *d, size_t n_layers,
		       struct pv_image_config *out, struct pv_err *err);
/* Open the blob D names, checking it is a regular file of D's size. WHAT
 * says what it is in messages ("layer", "config"). */
int pv_img_blob_open(int layout_fd, const struct pv_img_desc *d, const char *what,
		     struct pv_err *err);
/* This machine as an OCI architecture ("amd64", "arm64", ...). */
const char *pv_img_host_arch(void);
/* Is MT an image index (OCI index, Docker manifest list)? */
bool pv_img_is_index_type(const char *mt);
/* How a layer of media type MT is compressed; refuses unknown types. */
int pv_img_layer_compression(const char *mt, enum pv_img_compression *out, struct pv_err *err);
/* What the three read as JSON, once read and verified: choose from the
 * index.json O (an object) the manifest REF names; parse the manifest O
 * that D describes; parse the image config O that D describes. */
int pv_img_parse_index(struct json_object *o, const struct pv_image_ref *ref,
		       struct pv_img_desc *out, struct pv_err *err);
int pv_img_parse_manifest(struct json_object *o, const struct pv_img_desc *d,
			  struct pv_img_manifest *out, struct pv_err *err);
int pv_img_parse_config_blob(struct json_object *o, const struct pv_img_desc *d, size_t n_layers,
			     struct pv_image_config *out, struct pv_err *err);
/* Parse the "config" object of an image config (Entrypoint, Cmd, Env,
 * WorkingDir, User); O may be NULL. */
int pv_img_parse_config(struct json_object *o, struct pv_image_config *out, struct pv_err *err);
/* Parse LEN bytes of JSON that must be an object; WHAT names it in messages. */
struct json_object *pv_img_json_object(const char *buf, size_t len, const char *what,
					 struct pv_err *err);
/* A layout's index.json (LAYOUT_FD its directory), parsed. */
struct json_object *pv_img_layout_index(int layout_fd, struct pv_err *err);
void pv_img_strv_free(char **v, size_t n);
void pv_img_desc_clear(struct pv_img_desc *d);
void pv_img_manifest_clear(struct pv_img_manifest *m);
void pv_image_config_clear(struct pv_image_config *c);

/* --- the names an index gives (image_names.c) ---------------------------- */

struct pv_img_named {
	char *name;                         /* normalized */
	char digest[PV_IMG_DIGEST_LEN + 1]; /* the manifest it names */
};

/* The named manifests of index.json O (see image_names.c): at least one,
 * or -1 with ERR saying why none (a bare tag, no annotation). */
int pv_img_index_names(struct json_object *o, struct pv_img_named **out, size_t *n,
		       struct pv_err *err);
/* The same for the layout open at LAYOUT_FD. */
int pv_img_layout_names(int layout_fd, struct pv_img_named **out, size_t *n, struct pv_err *err);
void pv_img_names_free(struct pv_img_named *v, size_t n);

/* --- unpacking (image_unpack.c, image_archive.c) ------------------------- */

/* Unpack the layer blob open at BLOB_FD, described by D, into DEST (an
 * existing empty directory, absolute, with no symlink in its path). The
 * blob is hashed as it is read; the call fails, after reading it all, if
 * its size or digest differs from D's. FINAL_LEN is the length of the
 * path the directory will be renamed to (entries that would make a path
 * longer than PATH_MAX there are refused). */
int pv_img_layer_unpack(int blob_fd, const struct pv_img_desc *d, const char *dest,
			size_t final_len, struct pv_err *err);
/* Extract the regular files and directories of the tar (or tar.gz) at
 * ARCHIVE into DEST (existing, absolute, no symlink in its path). */
int pv_img_archive_extract(const char *archive, const char *dest, struct pv_err *err);
/* Copy the data of R's current entry to W's; REL names it in messages. */
int pv_img_copy_data(struct archive *r, struct archive *w, const char *rel, struct pv_err *err);
/* Split an archive entry name into a clean relative path: leading "/" and
 * "./" and empty or "." components dropped; "" is the root; ".." refused. */
int pv_img_entry_relpath(const char *name, char **out, struct pv_err *err);

/* --- files (image_fs.c) -------------------------------------------------- */

/* mkdir -p: missing parents 0755, PATH itself MODE. */
int pv_img_mkdir_p(const char *path, mode_t mode, struct pv_err *err);
/* Remove PATH and everything under it, without following symlinks or
 * crossing mount points; a missing PATH is success. */
int pv_img_rm_tree(const char *path, struct pv_err *err);
/* Write DATA to DIR/NAME atomically: a temporary file, fsync, rename,
 * fsync of DIR. */
int pv_img_write_atomic(const char *dir, const char *name, const char *data, size_t len,
			 mode_t mode, struct pv_err *err);
/* Read the regular file DIR_FD/NAME, at most MAX bytes, NUL-terminated. */
int pv_img_read_at(int dir_fd, const char *name, size_t max, char **out, size_t *len,
		    struct pv_err *err);
/* Read FD to its end, at most MAX bytes, NUL-terminated; NAME is for messages. */
int pv_img_read_fd(int fd, size_t max, char **out, size_t *len, const char *name,
	       struct pv_err *err);
int pv_img_fsync_dir(const char *path, struct pv_err *err);
/* Hand out the fd of a cleanup_close local. */
static inline int pv_img_steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}
/* Open the directory REL under ROOT_FD one component at a time, never
 * following a symlink; with CREATE, missing components are made 0755. */
int pv_img_open_beneath(int root_fd, const char *rel, bool create, struct pv_err *err);

/* --- records (image_record.c) -------------------------------------------- */

/* What refs/<name>.json holds. */
struct pv_image_record {
	const char *ref;
	const char *digest;
	const char *media_type;
	const struct pv_img_manifest *manifest;
	const struct pv_image_config *config;
	int64_t imported;
};

/* The record's JSON text (malloc'd). */
char *pv_image_record_encode(const struct pv_image_record *r);
/* Parse the record TEXT into OUT, with layer paths under LAYERS_DIR.
 * WANT_REF, if not NULL, must be the record's reference. */
int pv_image_record_decode(const char *text, size_t len, const char *layers_dir,
			   const char *want_ref, struct pv_image *out, struct pv_err *err);

/* --- registries: what they say (image_registry.c) ----------------------- */

enum pv_img_auth_scheme { /* ordered: a later one is preferred */
	PV_IMG_AUTH_NONE,
	PV_IMG_AUTH_BASIC,
	PV_IMG_AUTH_BEARER,
};

/* A WWW-Authenticate challenge: the strongest scheme offered (Bearer over
 * Basic) and its parameters (NULL when absent). */
struct pv_img_challenge {
	enum pv_img_auth_scheme scheme;
	char *realm, *service, *scope;
};

/* Parse a WWW-Authenticate header value (one or several challenges). A
 * Bearer challenge must have a realm; neither Bearer nor Basic is ENOTSUP. */
int pv_img_challenge_parse(const char *header, struct pv_img_challenge *out, struct pv_err *err);
void pv_img_challenge_clear(struct pv_img_challenge *c);
/* The token in a token server's JSON answer ("token", else "access_token"). */
char *pv_img_token_parse(const char *text, size_t len, struct pv_err *err);
/* "CODE (message)" from the first entry of a registry's {"errors": [...]}
 * body, printable ASCII only; NULL when the body is not one. */
char *pv_img_registry_error(const char *text, size_t len);

struct pv_img_creds {
	char *user, *pass;
};

/* The credentials for REGISTRY (a reference's domain, "host[:port]") in
 * TEXT, Docker's config.json format: {"auths": {KEY: {"auth":
 * base64("user:pass")} or {"username": ..., "password": ...}}}, KEY
 * "host[:port]" or a URL of it ("https://index.docker.io/v1/" for
 * docker.io). Returns 0 with OUT set, 1 when there are none, -1 on an
 * invalid file or entry. */
int pv_img_creds_find(const char *text, size_t len, const char *registry,
		      struct pv_img_creds *out, struct pv_err *err);
/* The same from the file PATH; a missing file is 1 unless MUST_EXIST. */
int pv_img_creds_load(const char *path, bool must_exist, const char *registry,
		      struct pv_img_creds *out, struct pv_err *err);
void pv_img_creds_clear(struct pv_img_creds *c);
/* "127.0.0.1:5000/test/busybox" -> "127.0.0.1:5000" and "test/busybox". */
int pv_img_name_split(const char *name, char **domain, char **repo, struct pv_err *err);
/* The host serving DOMAIN's API: registry-1.docker.io for docker.io. */
const char *pv_img_registry_host(const char *domain);

/* --- registries: HTTP (image_fetch.c) ------------------------------------- */

/* One repository of one registry, reached through its mirrors (in order)
 * then itself, with the authentication each asked for. */
struct pv_img_fetch;

/* Where a blob's bytes go: BEGIN once a 200 or 206 answer starts (AT is
 * where its bytes start: 0, or the offset asked for), then DATA; either
 * returns -1 (with its own error kept in CTX) to stop the transfer. */
struct pv_img_sink {
	int (*begin)(void *ctx, int64_t at);
	int (*data)(void *ctx, const void *buf, size_t n);
	int64_t (*offset)(void *ctx); /* where the next request starts */
	void *ctx;
};

int pv_img_fetch_open(const char *name, const struct pv_image_pull_opts *o,
		      const char *state_dir, struct pv_img_fetch **out, struct pv_err *err);
void pv_img_fetch_close(struct pv_img_fetch *f);
/* GET the manifest REFERENCE (a tag or a digest), at most PV_IMG_JSON_MAX
 * bytes: its body and Content-Type (malloc'd). */
int pv_img_fetch_manifest(struct pv_img_fetch *f, const char *reference, char **body,
			  size_t *len, char **media_type, struct pv_err *err);
/* GET the blob DIGEST into SINK, from SINK's offset on (a Range request;
 * a server that ignores the range starts the sink over at 0). */
int pv_img_fetch_blob(struct pv_img_fetch *f, const char *digest, const struct pv_img_sink *sink,
		      struct pv_err *err);
/* "registry 127.0.0.1:5000, repository test/busybox", for messages. */
const char *pv_img_fetch_where(const struct pv_img_fetch *f);

/* --- the download directory (image_download.c) --------------------------- */

/* Get the blob D (of repository F) into the store's download directory
 * DL_DIR, verified against its digest and size, and hard-link it as
 * BLOBS_FD/<hex>. A blob another process is downloading is waited for;
 * a partial one is resumed (and started over once when the whole then
 * fails its digest). PG reports waiting and resuming. *PULLED says
 * whether this call fetched the blob. */
int pv_img_download(struct pv_img_fetch *f, const char *dl_dir, int blobs_fd,
		    const struct pv_img_desc *d, const struct pv_image_progress *pg, bool *pulled,
		    struct pv_err *err);
/* Forget the downloaded blob D (a pull that used it succeeded). */
void pv_img_download_forget(const char *dl_dir, const struct pv_img_desc *d);

/* --- the store, for a pull (image_store.c) -------------------------------- */

/* The store's root, STATE/images (canonical, malloc'd), with the
 * directories a pull uses made when missing: downloads/sha256 and pull/. */
int pv_img_store_pull_root(const char *state_dir, char **root, struct pv_err *err);
/* Import the layout LAYOUT (what a pull assembled) as the manifest
 * MANIFEST_DIGEST of it, recorded under REF (normalized here; REF may
 * name a digest of an index whose platform's manifest this is). */
int pv_img_import_pulled(const char *state_dir, const char *layout, const char *ref,
			 const char *manifest_digest, struct pv_image *out, struct pv_err *err);

#endif
