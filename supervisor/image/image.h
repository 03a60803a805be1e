/* The node's local image store, under STATE/images:
 *
 *   layers/sha256/<hex>/   one unpacked layer per compressed layer digest,
 *                          shared by every image that uses it; created by
 *                          unpacking into layers/sha256/.tmp.XXXXXX and a
 *                          rename, so a directory named <hex> is complete.
 *                          OCI whiteouts are stored as overlayfs whiteouts,
 *                          so the directories stack as overlayfs lowerdirs.
 *   refs/<escaped>.json    one record per image reference (manifest digest,
 *                          config, layer digests, size, import time),
 *                          written atomically.
 *   tmp/                   OCI archives being extracted.
 *   downloads/sha256/      blobs a pull fetches from a registry: <hex>.partial
 *                          while one is downloading (flock()ed by the pull
 *                          doing it; another waits, a later one resumes it),
 *                          <hex> once verified. A pull that succeeds removes
 *                          the blobs it used; a failed one leaves them for the
 *                          next try (a blob that failed its digest is removed).
 *   pull/                  the OCI layouts pulls assemble from downloads/ and
 *                          import; each flock()ed by its pull, removed by the
 *                          next pull when its owner is gone.
 *   .lock                  flock()ed by import and rm (not by lookup/list).
 *
 * Every directory is 0700 and root-owned. Import verifies each blob it
 * reads (manifest, config, layers) against its sha256 digest and size, and
 * leaves nothing behind when it fails. */
#ifndef PV_SUPERVISOR_IMAGE_H
#define PV_SUPERVISOR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct pv_image_config { /* from the OCI image config */
	char **entrypoint;       /* each array is also NULL-terminated */
	size_t n_entrypoint;
	char **cmd;
	size_t n_cmd;
	char **env;              /* "KEY=VALUE" */
	size_t n_env;
	char *working_dir;       /* NULL if unset */
	char *user;              /* NULL if unset */
	char *stop_signal;       /* "SIGTERM", "TERM", "15", ...; NULL if unset */
};

struct pv_image {
	char *ref;               /* normalized, e.g. "docker.io/library/busybox:1.36" */
	char *digest;            /* manifest digest "sha256:<hex>" */
	char **layers;           /* absolute paths of the unpacked layer directories,
				  * LOWEST FIRST, usable directly as overlayfs lowerdirs
				  * (a layer listed twice appears once, at its topmost place) */
	size_t n_layers;
	char **layer_digests;    /* "sha256:<hex>" of each of layers[] */
	char *config_digest;     /* "sha256:<hex>" of the image config */
	struct pv_image_config config;
	int64_t size;            /* bytes of compressed layers */
	int64_t imported;        /* unix time */
};

/* --- references ---------------------------------------------------------- */

/* A reference split into its parts, normalized like containerd's
 * ParseDockerRef: NAME always has a domain ("docker.io/library/busybox"),
 * and exactly one of TAG and DIGEST is set (a tag next to a digest is
 * dropped; no tag and no digest means "latest"). */
struct pv_image_ref {
	char *name;
	char *tag;               /* NULL when DIGEST is set */
	char *digest;            /* "sha256:<hex>", or NULL */
};

int pv_image_ref_parse(const char *ref, struct pv_image_ref *out, struct pv_err *err);
void pv_image_ref_clear(struct pv_image_ref *r);

/* Normalize like Kubernetes/containerd: "busybox" ->
 * "docker.io/library/busybox:latest", "nginx:1.25" ->
 * "docker.io/library/nginx:1.25", "quay.io/x/y" -> "quay.io/x/y:latest",
 * "localhost:5000/a" -> "localhost:5000/a:latest", "name@sha256:..." kept.
 * Returns a malloc'd string, or NULL with ERR (code EINVAL) on an invalid
 * reference (uppercase repository, spaces, empty, bad tag or digest...). */
char *pv_image_ref_normalize(const char *ref, struct pv_err *err);

/* --- the store ----------------------------------------------------------- */

enum pv_image_event {
	PV_IMAGE_EXTRACTING,     /* WHAT = the archive being extracted, SIZE its bytes */
	PV_IMAGE_LAYER_UNPACKING, /* WHAT = the layer digest, SIZE its compressed bytes */
	PV_IMAGE_LAYER_PRESENT,  /* the layer was already in the store */
	PV_IMAGE_BLOB_RESUMING,  /* pull: WHAT = a blob digest, SIZE = the bytes already there */
	PV_IMAGE_BLOB_PULLED,    /* pull: WHAT = a blob digest, SIZE its bytes, verified */
	PV_IMAGE_BLOB_WAITING,   /* pull: WHAT = a blob digest another process is downloading */
};

struct pv_image_progress {
	void (*fn)(void *ctx, enum pv_image_event ev, const char *what, int64_t size);
	void *ctx;
};

/* Import SRC (an OCI image layout directory, or a tar or tar.gz of one)
 * under REF (normalized here). The manifest is chosen from index.json: the
 * one whose digest REF names, else the one annotated
 * org.opencontainers.image.ref.name = REF's tag (or REF), else the one for
 * linux/<this machine>, else the only one. A REF already in the store is
 * replaced. OUT (may be NULL) receives the imported image. */
int pv_image_import(const char *state_dir, const char *src, const char *ref,
		    struct pv_image *out, struct pv_err *err);
/* The same, reporting progress through PROGRESS (may be NULL). */
int pv_image_import_ex(const char *state_dir, const char *src, const char *ref,
		       const struct pv_image_progress *progress, struct pv_image *out,
		       struct pv_err *err);

/* Import SRC (as pv_image_import) under every name its index.json gives
 * (io.containerd.image.name, else an org.opencontainers.image.ref.name
 * that is a whole reference, not a bare tag), each with the manifest it
 * annotates; an archive is extracted once. NAMES (may be NULL) receives
 * the normalized names imported, *N how many (free with pv_image_names_free).
 * Nothing is imported when the index names no image (ERR says why) or
 * when one of them fails (those imported before it stay). */
int pv_image_import_all(const char *state_dir, const char *src,
			const struct pv_image_progress *progress, char ***names, size_t *n,
			struct pv_err *err);
void pv_image_names_free(char **names, size_t n);

/* Find REF. A digest reference ("busybox@sha256:...") also finds an image
 * of the same repository imported under a tag whose manifest has that
 * digest. Returns -1 with err->code == ENOENT when absent, EIO when a
 * layer directory of the image is missing. */
int pv_image_lookup(const char *state_dir, const char *ref, struct pv_image *out,
		    struct pv_err *err);

/* Every image in the store, sorted by reference (an empty or missing
 * store is zero images). Free with pv_image_list_free(). */
int pv_image_list(const char *state_dir, struct pv_image **out, size_t *n, struct pv_err *err);
void pv_image_list_free(struct pv_image *v, size_t n);

/* Remove REF (a digest reference removes every tag of that repository
 * with that manifest digest), then the layers no remaining image uses.
 * Returns -1 with err->code == ENOENT when REF is absent. */
int pv_image_remove(const char *state_dir, const char *ref, struct pv_err *err);

void pv_image_free(struct pv_image *img);

/* --- pulling from a registry (image_pull.c) --------------------------------- */

struct pv_image_pull_opts {
	/* Credentials in Docker's config.json format ({"auths": {"host:port":
	 * {"auth": base64("user:pass")}}}); NULL: STATE/auth.json when it exists. */
	const char *creds_file;
	/* Plain http to the reference's registry and to every mirror. */
	bool insecure;
	/* Registries ("host[:port]") reached over plain http (the node's
	 * insecureRegistries), up to a NULL; may be NULL. Every other one is
	 * reached over https only. */
	const char *const *insecure_registries;
	/* Mirrors of the reference's registry ("host[:port]", or a URL
	 * "http://host[:port]" / "https://..."), tried in order before the
	 * registry itself, up to a NULL; may be NULL. */
	const char *const *mirrors;
	const struct pv_image_progress *progress; /* may be NULL */
};

/* Registry credentials put together for one pull, as the kubelet does
 * with a pod's imagePullSecrets and the node's file: every "auths" entry
 * of each source in the order they are added, the first for a key kept,
 * written out as one Docker config.json for `--creds`. A source is
 * checked whole (entries that are objects, with "auth" or "username" and
 * "password") and adds nothing when it is not right. */
struct pv_image_auths;

struct pv_image_auths *pv_image_auths_new(void);
void pv_image_auths_free(struct pv_image_auths *a);
/* TEXT's entries: Docker's config.json ({"auths": {...}}), or with
 * DOCKERCFG the old ~/.dockercfg format (that map at the top level).
 * Returns how many it added (0 when it has none), -1 with ERR. */
int pv_image_auths_add(struct pv_image_auths *a, const char *text, size_t len, bool dockercfg,
		       struct pv_err *err);
/* The same from the config.json file PATH; a missing file adds nothing
 * (returns 0) unless MUST_EXIST. */
int pv_image_auths_add_file(struct pv_image_auths *a, const char *path, bool must_exist,
			    struct pv_err *err);
/* The entries so far. */
size_t pv_image_auths_count(const struct pv_image_auths *a);
/* {"auths": {...}}, compact and the same for the same sources in the
 * same order (it may be hashed); the caller frees (and zeroes) it. NULL:
 * out of memory. */
char *pv_image_auths_text(const struct pv_image_auths *a);

/* Pull REF from its registry (OCI distribution API) into the store under
 * STATE_DIR: the manifest (an image index or Docker manifest list gives
 * the one for linux/<this machine>), then the config and every layer not
 * in the store yet, each verified against its sha256 digest and size,
 * imported as `pv_image_import` imports an OCI layout. A manifest fetched
 * by digest must have that digest. On failure nothing of the image is in
 * the store, and ERR says in one line which registry and repository,
 * what failed (an HTTP status and the registry's error code, a digest
 * that did not match: expected and got), with ERR->code ENOENT (no such
 * manifest or blob), EACCES (authentication), EBADMSG (a digest or size
 * that does not match), ENOTSUP (nothing for this platform, an unknown
 * media type), EIO (the network), or another errno value. OPTS may be
 * NULL; OUT (may be NULL) receives the image. */
int pv_image_pull(const char *state_dir, const char *ref, const struct pv_image_pull_opts *opts,
		  struct pv_image *out, struct pv_err *err);

#endif
