/* Reading an OCI image layout (opencontainers/image-spec image-layout.md,
 * image-index.md, manifest.md, config.md): oci-layout, index.json, and the
 * manifest and config blobs, each verified against its digest and size
 * before it is parsed. Docker's v2 schema 2 media types are accepted too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/goarch.h"
#include "common/strjoin.h"
#include "supervisor/image/image_internal.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define ANN_REF_NAME "org.opencontainers.image.ref.name"

static const struct {
	const char *media_type;
	enum pv_img_compression comp;
} layer_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", PV_IMG_COMPRESS_NONE },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", PV_IMG_COMPRESS_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", PV_IMG_COMPRESS_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", PV_IMG_COMPRESS_NONE },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", PV_IMG_COMPRESS_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", PV_IMG_COMPRESS_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", PV_IMG_COMPRESS_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", PV_IMG_COMPRESS_GZIP },
};

bool pv_img_is_index_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

static bool is_manifest_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
}

const char *pv_img_host_arch(void)
{
	return PV_GOARCH;
}

int pv_img_layer_compression(const char *mt, enum pv_img_compression *out, struct pv_err *err)
{
	for (size_t i = 0; mt && i < PV_ARRAY_SIZE(layer_types); i++) {
		if (strcmp(mt, layer_types[i].media_type) == 0) {
			*out = layer_types[i].comp;
			return 0;
		}
	}
	return pv_err_set(err, ENOTSUP, "unsupported layer media type \"%s\"", mt ? mt : "");
}

struct json_object *pv_img_json_object(const char *buf, size_t len, const char *what,
					 struct pv_err *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t end;

	if (!tok)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		pv_err_set(err, EINVAL, "%s: invalid JSON: %s", what,
			   json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && buf[end] && strchr(" \t\r\n", buf[end])) /* strchr finds a NUL too */
		end++;
	if (end < len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pv_err_set(err, EINVAL, "%s: %s", what, end < len ?
				  "trailing data after the JSON value" : "not a JSON object"), NULL;
	}
	return o;
}

/* KEY of O as a string: absent/null is NULL, any other type an error. */
static int get_str(struct json_object *o, const char *key, const char **out, const char *what,
		   struct pv_err *err)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return pv_err_set(err, EINVAL, "%s: \"%s\" is not a string", what, key);
	*out = json_object_get_string(v);
	return 0;
}

static int dup_str(struct json_object *o, const char *key, char **out, const char *what,
		   struct pv_err *err)
{
	const char *s;

	*out = NULL;
	if (get_str(o, key, &s, what, err) < 0)
		return -1;
	if (s && !(*out = strdup(s)))
		return pv_err_set(err, ENOMEM, "out of memory");
	return 0;
}

void pv_img_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* KEY of O as an array of strings (NULL-terminated copy); absent/null is
 * NULL and 0. */
static int get_strv(struct json_object *o, const char *key, char ***out, size_t *n,
		    const char *what, struct pv_err *err)
{
	struct json_object *v = NULL;
	char **strv;
	size_t len;

	*out = NULL;
	*n = 0;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return pv_err_set(err, EINVAL, "%s: \"%s\" is not an array", what, key);
	len = json_object_array_length(v);
	strv = calloc(len + 1, sizeof(*strv));
	if (!strv)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string)) {
			pv_img_strv_free(strv, i);
			return pv_err_set(err, EINVAL, "%s: \"%s\"[%zu] is not a string", what,
					  key, i);
		}
		strv[i] = strdup(json_object_get_string(e));
		if (!strv[i]) {
			pv_img_strv_free(strv, i);
			return pv_err_set(err, ENOMEM, "out of memory");
		}
	}
	*out = strv;
	*n = len;
	return 0;
}

void pv_image_config_clear(struct pv_image_config *c)
{
	pv_img_strv_free(c->entrypoint, c->n_entrypoint);
	pv_img_strv_free(c->cmd, c->n_cmd);
	pv_img_strv_free(c->env, c->n_env);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	memset(c, 0, sizeof(*c));
}

/* "" means unset for WorkingDir, User and StopSignal. */
static int get_nonempty(struct json_object *o, const char *key, char **out, const char *what,
			struct pv_err *err)
{
	if (dup_str(o, key, out, what, err) < 0)
		return -1;
	if (*out && !**out) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

int pv_img_parse_config(struct json_object *o, struct pv_image_config *out, struct pv_err *err)
{
	struct pv_image_config c = { 0 };

	if (o && !json_object_is_type(o, json_type_object))
		return pv_err_set(err, EINVAL, "image config: \"config\" is not an object");
	if (get_strv(o, "Entrypoint", &c.entrypoint, &c.n_entrypoint, "image config", err) < 0 ||
	    get_strv(o, "Cmd", &c.cmd, &c.n_cmd, "image config", err) < 0 ||
	    get_strv(o, "Env", &c.env, &c.n_env, "image config", err) < 0 ||
	    get_nonempty(o, "WorkingDir", &c.working_dir, "image config", err) < 0 ||
	    get_nonempty(o, "User", &c.user, "image config", err) < 0 ||
	    get_nonempty(o, "StopSignal", &c.stop_signal, "image config", err) < 0) {
		pv_image_config_clear(&c);
		return -1;
	}
	for (size_t i = 0; i < c.n_env; i++) {
		if (!strchr(c.env[i], '=') || c.env[i][0] == '=') {
			pv_err_set(err, EINVAL, "image config: Env[%zu] \"%.100s\" is not "
				   "KEY=VALUE", i, c.env[i]);
			pv_image_config_clear(&c);
			return -1;
		}
	}
	*out = c;
	return 0;
}

void pv_img_desc_clear(struct pv_img_desc *d)
{
	free(d->media_type);
	free(d->ref_name);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

void pv_img_manifest_clear(struct pv_img_manifest *m)
{
	free(m->media_type);
	pv_img_desc_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		pv_img_desc_clear(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

static int parse_desc_size(struct json_object *o, struct pv_img_desc *d, const char *what,
			   struct pv_err *err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int))
		return pv_err_set(err, EINVAL, "%s: \"size\" is missing or not an integer", what);
	errno = 0;
	d->size = json_object_get_int64(v);
	if (d->size < 0 || errno == EINVAL || errno == ERANGE)
		return pv_err_set(err, EINVAL, "%s: invalid \"size\"", what);
	return 0;
}

static int parse_desc_extras(struct json_object *o, struct pv_img_desc *d, const char *what,
			     struct pv_err *err)
{
	struct json_object *ann = NULL, *plat = NULL;

	json_object_object_get_ex(o, "annotations", &ann);
	json_object_object_get_ex(o, "platform", &plat);
	if (ann && !json_object_is_type(ann, json_type_object))
		return pv_err_set(err, EINVAL, "%s: \"annotations\" is not an object", what);
	if (plat && !json_object_is_type(plat, json_type_object))
		return pv_err_set(err, EINVAL, "%s: \"platform\" is not an object", what);
	if (dup_str(ann, ANN_REF_NAME, &d->ref_name, what, err) < 0 ||
	    dup_str(plat, "os", &d->os, what, err) < 0 ||
	    dup_str(plat, "architecture", &d->arch, what, err) < 0 ||
	    dup_str(plat, "variant", &d->variant, what, err) < 0)
		return -1;
	return 0;
}

static int parse_desc(struct json_object *o, struct pv_img_desc *d, const char *what,
		      struct pv_err *err)
{
	const char *digest;

	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(o, json_type_object))
		return pv_err_set(err, EINVAL, "%s: not a JSON object", what);
	if (dup_str(o, "mediaType", &d->media_type, what, err) < 0 ||
	    get_str(o, "digest", &digest, what, err) < 0)
		goto fail;
	if (!d->media_type || !digest) {
		pv_err_set(err, EINVAL, "%s: \"%s\" is missing", what,
			   d->media_type ? "digest" : "mediaType");
		goto fail;
	}
	if (pv_img_digest_check(digest, err) < 0) {
		pv_err_wrap(err, "%s", what);
		goto fail;
	}
	strcpy(d->digest, digest);
	if (parse_desc_size(o, d, what, err) < 0 || parse_desc_extras(o, d, what, err) < 0)
		goto fail;
	return 0;
fail:
	pv_img_desc_clear(d);
	return -1;
}

int pv_img_layout_open(const char *dir, int *fd_out, struct pv_err *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_json struct json_object *o = NULL;
	cleanup_free char *buf = NULL;
	const char *version;
	size_t len;

	if (fd < 0)
		return pv_err_sys(err, errno, "%s", dir);
	if (pv_img_read_at(fd, "oci-layout", 64 << 10, &buf, &len, err) < 0) {
		if (err && err->code == ENOENT)
			return pv_err_set(err, ENOENT, "%s is not an OCI image layout (it has no "
					  "oci-layout file)", dir);
		return pv_err_wrap(err, "%s", dir);
	}
	o = pv_img_json_object(buf, len, "oci-layout", err);
	if (!o || get_str(o, "imageLayoutVersion", &version, "oci-layout", err) < 0)
		return pv_err_wrap(err, "%s", dir);
	if (!version || strncmp(version, "1.", 2) != 0)
		return pv_err_set(err, ENOTSUP, "%s: unsupported OCI layout version \"%s\" "
				  "(podvisor reads 1.x)", dir, version ? version : "");
	*fd_out = fd;
	fd = -1;
	return 0;
}

/* --- choosing the manifest ------------------------------------------------ */

struct index {
	struct pv_img_desc *v;
	size_t n;
};

static void index_clear(struct index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		pv_img_desc_clear(&ix->v[i]);
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

static int parse_index(struct json_object *o, struct index *ix, struct pv_err *err)
{
	struct json_object *list = NULL;
	size_t n;

	if (!json_object_object_get_ex(o, "manifests", &list) ||
	    !json_object_is_type(list, json_type_array))
		return pv_err_set(err, EINVAL, "index.json: \"manifests\" is missing or not an "
				  "array");
	n = json_object_array_length(list);
	if (n == 0)
		return pv_err_set(err, ENOENT, "index.json lists no manifests");
	ix->v = calloc(n, sizeof(*ix->v));
	if (!ix->v)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (ix->n = 0; ix->n < n; ix->n++) {
		struct json_object *d = json_object_array_get_idx(list, ix->n);
		char what[64];

		snprintf(what, sizeof(what), "index.json: manifests[%zu]", ix->n);
		if (parse_desc(d, &ix->v[ix->n], what, err) < 0)
			return -1;
	}
	return 0;
}

/* An annotation names REF when it is REF's tag or normalizes to REF. */
static bool names_ref(const char *ann, const struct pv_image_ref *ref, const char *full)
{
	char *norm;
	bool same;

	if (!ann)
		return false;
	if (ref->tag && strcmp(ann, ref->tag) == 0)
		return true;
	norm = pv_image_ref_normalize(ann, NULL);
	same = norm && strcmp(norm, full) == 0;
	free(norm);
	return same;
}

static bool is_host_platform(const struct pv_img_desc *d)
{
	return d->os && d->arch && strcmp(d->os, "linux") == 0 &&
	       strcmp(d->arch, pv_img_host_arch()) == 0;
}

/* Among the N candidates flagged in PICK, the one for this machine, else
 * the first; -1 when there is none. */
static ssize_t prefer_host(const struct index *ix, const bool *pick)
{
	ssize_t first = -1;

	for (size_t i = 0; i < ix->n; i++) {
		if (!pick[i])
			continue;
		if (is_host_platform(&ix->v[i]))
			return (ssize_t)i;
		if (first < 0)
			first = (ssize_t)i;
	}
	return first;
}

static ssize_t choose(const struct index *ix, const struct pv_image_ref *ref, const char *full)
{
	cleanup_free bool *pick = calloc(ix->n, sizeof(*pick));
	size_t named = 0, host = 0;

	if (!pick)
		return -1;
	for (size_t i = 0; i < ix->n; i++) {
		if (ref->digest) {
			if (strcmp(ix->v[i].digest, ref->digest) == 0)
				return (ssize_t)i;
			continue;
		}
		pick[i] = names_ref(ix->v[i].ref_name, ref, full);
		named += pick[i];
	}
	if (ref->digest)
		return -1;
	if (named)
		return prefer_host(ix, pick);
	if (ix->n == 1)
		return 0;
	for (size_t i = 0; i < ix->n; i++)
		host += pick[i] = is_host_platform(&ix->v[i]);
	return host == 1 ? prefer_host(ix, pick) : -1;
}

static int no_choice(const struct index *ix, const struct pv_image_ref *ref, const char *full,
		     struct pv_err *err)
{
	cleanup_free const char **v = NULL;
	cleanup_free char *names = NULL;

	if (ref->digest)
		return pv_err_set(err, ENOENT, "index.json has no manifest %s", ref->digest);
	v = calloc(ix->n ? ix->n : 1, sizeof(*v));
	for (size_t i = 0; v && i < ix->n; i++)
		v[i] = ix->v[i].ref_name ? ix->v[i].ref_name : "(unnamed)";
	names = v ? pv_strjoin(v, ix->n, ", ") : NULL;
	if (!names)
		return pv_err_set(err, ENOMEM, "out of memory");
	return pv_err_set(err, ENOENT, "index.json has %zu manifests and none is named \"%s\" or "
			  "is the only one for linux/%s (names: %s); name one as the tag",
			  ix->n, full, pv_img_host_arch(), names);
}

int pv_img_parse_index(struct json_object *o, const struct pv_image_ref *ref,
		       struct pv_img_desc *out, struct pv_err *err)
{
	struct index ix = { NULL, 0 };
	cleanup_free char *full = pv_image_ref_format(ref);
	ssize_t i;

	if (!full)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (parse_index(o, &ix, err) < 0) {
		index_clear(&ix);
		return -1;
	}
	i = choose(&ix, ref, full);
	if (i < 0) {
		no_choice(&ix, ref, full, err);
		index_clear(&ix);
		return -1;
	}
	*out = ix.v[i];
	memset(&ix.v[i], 0, sizeof(ix.v[i]));
	index_clear(&ix);
	if (pv_img_is_index_type(out->media_type) || !is_manifest_type(out->media_type)) {
		pv_err_set(err, ENOTSUP, "manifest %s has media type %s: %s", out->digest,
			   out->media_type, pv_img_is_index_type(out->media_type) ?
			   "nested image indexes are not supported (copy one platform, e.g. "
			   "skopeo copy --override-arch)" : "not an image manifest");
		pv_img_desc_clear(out);
		return -1;
	}
	return 0;
}

struct json_object *pv_img_layout_index(int layout_fd, struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (pv_img_read_at(layout_fd, "index.json", PV_IMG_JSON_MAX, &buf, &len, err) < 0)
		return NULL;
	return pv_img_json_object(buf, len, "index.json", err);
}

int pv_img_select_manifest(int layout_fd, const struct pv_image_ref *ref, struct pv_img_desc *out,
			   struct pv_err *err)
{
	cleanup_json struct json_object *o = pv_img_layout_index(layout_fd, err);

	return o ? pv_img_parse_index(o, ref, out, err) : -1;
}

/* --- blobs ----------------------------------------------------------------- */

int pv_img_blob_open(int layout_fd, const struct pv_img_desc *d, const char *what,
		     struct pv_err *err)
{
	char path[sizeof("blobs/sha256/") + PV_IMG_HEX_LEN];
	cleanup_close int fd = -1;
	struct stat st;

	snprintf(path, sizeof(path), "blobs/sha256/%s", pv_img_digest_hex(d->digest));
	fd = openat(layout_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return pv_err_set(err, ENOENT, "%s %s is missing from the layout (no %s)", what,
				  d->digest, path);
	if (fd < 0 || fstat(fd, &st) < 0)
		return pv_err_sys(err, errno, "%s %s", what, d->digest);
	if (!S_ISREG(st.st_mode))
		return pv_err_set(err, EINVAL, "%s %s: %s is not a regular file", what, d->digest,
				  path);
	if (st.st_size != d->size)
		return pv_err_set(err, EBADMSG, "%s %s: the blob is %lld bytes, the descriptor "
				  "says %lld", what, d->digest, (long long)st.st_size,
				  (long long)d->size);
	if (fcntl(fd, F_SETFL, 0) < 0)
		return pv_err_sys(err, errno, "%s %s", what, d->digest);
	return pv_img_steal_fd(&fd);
}

/* Read the (small, JSON) blob D names, verified. */
static struct json_object *read_json_blob(int layout_fd, const struct pv_img_desc *d,
					  const char *what, struct pv_err *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char hex[PV_IMG_HEX_LEN + 1];
	char name[96];
	size_t len;

	if (d->size > PV_IMG_JSON_MAX)
		return pv_err_set(err, EFBIG, "%s %s: %lld bytes is too large (limit %d)", what,
				  d->digest, (long long)d->size, PV_IMG_JSON_MAX), NULL;
	fd = pv_img_blob_open(layout_fd, d, what, err);
	snprintf(name, sizeof(name), "%s %s", what, d->digest);
	if (fd < 0 || pv_img_read_fd(fd, PV_IMG_JSON_MAX, &buf, &len, name, err) < 0)
		return NULL;
	if (pv_img_sha256_hex(buf, len, hex, err) < 0)
		return NULL;
	if ((int64_t)len != d->size || strcmp(hex, pv_img_digest_hex(d->digest)) != 0)
		return pv_err_set(err, EBADMSG, "%s: content does not match its digest "
				  "(%zu bytes, sha256:%s); the blob is corrupt", name, len, hex),
		       NULL;
	return pv_img_json_object(buf, len, name, err);
}

/* --- manifest and config ---------------------------------------------------- */

static int parse_layers(struct json_object *o, struct pv_img_manifest *m, const char *what,
			struct pv_err *err)
{
	struct json_object *list = NULL;
	size_t n;

	if (!json_object_object_get_ex(o, "layers", &list) ||
	    !json_object_is_type(list, json_type_array))
		return pv_err_set(err, EINVAL, "%s: \"layers\" is missing or not an array", what);
	n = json_object_array_length(list);
	if (n == 0 || n > PV_IMG_LAYERS_MAX)
		return pv_err_set(err, EINVAL, "%s: %zu layers (an image needs 1 to %d)", what, n,
				  PV_IMG_LAYERS_MAX);
	m->layers = calloc(n, sizeof(*m->layers));
	if (!m->layers)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (m->n_layers = 0; m->n_layers < n; m->n_layers++) {
		struct pv_img_desc *l = &m->layers[m->n_layers];
		enum pv_img_compression comp;
		char lwhat[160];

		snprintf(lwhat, sizeof(lwhat), "%s: layers[%zu]", what, m->n_layers);
		if (parse_desc(json_object_array_get_idx(list, m->n_layers), l, lwhat, err) < 0)
			return -1;
		if (pv_img_layer_compression(l->media_type, &comp, err) < 0) {
			pv_err_wrap(err, "layer %s", l->digest);
			pv_img_desc_clear(l); /* not counted in n_layers yet */
			return -1;
		}
	}
	return 0;
}

static int check_manifest_type(struct json_object *o, const char *what, struct pv_err *err)
{
	struct json_object *v = NULL;
	const char *mt;

	if (get_str(o, "mediaType", &mt, what, err) < 0)
		return -1;
	if (pv_img_is_index_type(mt) || json_object_object_get_ex(o, "manifests", NULL))
		return pv_err_set(err, ENOTSUP, "%s is an image index: nested image indexes are "
				  "not supported", what);
	if (mt && !is_manifest_type(mt))
		return pv_err_set(err, ENOTSUP, "%s: unsupported media type \"%s\"", what, mt);
	if (!json_object_object_get_ex(o, "schemaVersion", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int(v) != 2)
		return pv_err_set(err, ENOTSUP, "%s: \"schemaVersion\" must be 2", what);
	return 0;
}

static int parse_manifest_config(struct json_object *o, struct pv_img_manifest *m, const char *what,
				 struct pv_err *err)
{
	struct json_object *c = NULL;
	char cwhat[160];

	snprintf(cwhat, sizeof(cwhat), "%s: config", what);
	if (!json_object_object_get_ex(o, "config", &c))
		return pv_err_set(err, EINVAL, "%s is missing", cwhat);
	if (parse_desc(c, &m->config, cwhat, err) < 0)
		return -1;
	if (strcmp(m->config.media_type, MT_OCI_CONFIG) != 0 &&
	    strcmp(m->config.media_type, MT_DOCKER_CONFIG) != 0)
		return pv_err_set(err, ENOTSUP, "%s is not a container image (its config has media "
				  "type \"%s\")", what, m->config.media_type);
	return 0;
}

int pv_img_parse_manifest(struct json_object *o, const struct pv_img_desc *d,
			  struct pv_img_manifest *out, struct pv_err *err)
{
	struct pv_img_manifest m = { 0 };
	char what[96];

	snprintf(what, sizeof(what), "manifest %s", d->digest);
	m.media_type = strdup(d->media_type);
	if (!m.media_type) {
		pv_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (check_manifest_type(o, what, err) < 0 || parse_manifest_config(o, &m, what, err) < 0 ||
	    parse_layers(o, &m, what, err) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	pv_img_manifest_clear(&m);
	return -1;
}

int pv_img_read_manifest(int layout_fd, const struct pv_img_desc *d, struct pv_img_manifest *out,
			 struct pv_err *err)
{
	cleanup_json struct json_object *o = read_json_blob(layout_fd, d, "manifest", err);

	return o ? pv_img_parse_manifest(o, d, out, err) : -1;
}

static int check_config_rootfs(struct json_object *o, size_t n_layers, const char *what,
			       struct pv_err *err)
{
	struct json_object *rootfs = NULL, *ids = NULL;
	const char *os;

	if (get_str(o, "os", &os, what, err) < 0)
		return -1;
	if (os && strcmp(os, "linux") != 0)
		return pv_err_set(err, ENOTSUP, "%s: the image is for %s, not linux", what, os);
	if (json_object_object_get_ex(o, "rootfs", &rootfs) &&
	    json_object_object_get_ex(rootfs, "diff_ids", &ids) &&
	    json_object_is_type(ids, json_type_array) &&
	    json_object_array_length(ids) != n_layers)
		return pv_err_set(err, EINVAL, "%s: rootfs.diff_ids lists %zu layers, the manifest "
				  "%zu", what, json_object_array_length(ids), n_layers);
	return 0;
}

int pv_img_parse_config_blob(struct json_object *o, const struct pv_img_desc *d, size_t n_layers,
			     struct pv_image_config *out, struct pv_err *err)
{
	struct json_object *c = NULL;
	char what[96];

	snprintf(what, sizeof(what), "config %s", d->digest);
	if (check_config_rootfs(o, n_layers, what, err) < 0)
		return -1;
	json_object_object_get_ex(o, "config", &c);
	if (pv_img_parse_config(c, out, err) < 0)
		return pv_err_wrap(err, "%s", what);
	return 0;
}

int pv_img_read_config(int layout_fd, const struct pv_img_desc *d, size_t n_layers,
		       struct pv_image_config *out, struct pv_err *err)
{
	cleanup_json struct json_object *o = read_json_blob(layout_fd, d, "config", err);

	return o ? pv_img_parse_config_blob(o, d, n_layers, out, err) : -1;
}
