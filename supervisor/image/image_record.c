/* The image records under refs/: one JSON object per reference.
 *
 *   { "ref": "docker.io/library/busybox:1.36",
 *     "digest": "sha256:...",            manifest digest
 *     "mediaType": "...",                manifest media type
 *     "configDigest": "sha256:...",
 *     "config": { "Entrypoint": [...], "Cmd": [...], "Env": [...],
 *                 "WorkingDir": "...", "User": "..." },
 *     "layers": [ { "digest": "sha256:...", "size": N, "mediaType": "..." } ],
 *     "size": N,                         compressed layer bytes
 *     "imported": UNIX_TIME } */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "supervisor/image/image_internal.h"

static struct json_object *strv_json(char **v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *config_json(const struct pv_image_config *c)
{
	struct json_object *o = json_object_new_object();

	if (c->entrypoint)
		json_object_object_add(o, "Entrypoint", strv_json(c->entrypoint, c->n_entrypoint));
	if (c->cmd)
		json_object_object_add(o, "Cmd", strv_json(c->cmd, c->n_cmd));
	if (c->env)
		json_object_object_add(o, "Env", strv_json(c->env, c->n_env));
	if (c->working_dir)
		json_object_object_add(o, "WorkingDir", json_object_new_string(c->working_dir));
	if (c->user)
		json_object_object_add(o, "User", json_object_new_string(c->user));
	if (c->stop_signal)
		json_object_object_add(o, "StopSignal", json_object_new_string(c->stop_signal));
	return o;
}

static struct json_object *layers_json(const struct pv_img_manifest *m, int64_t *size)
{
	struct json_object *a = json_object_new_array();

	*size = 0;
	for (size_t i = 0; i < m->n_layers; i++) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "digest", json_object_new_string(m->layers[i].digest));
		json_object_object_add(l, "size", json_object_new_int64(m->layers[i].size));
		json_object_object_add(l, "mediaType",
				       json_object_new_string(m->layers[i].media_type));
		json_object_array_add(a, l);
		*size += m->layers[i].size;
	}
	return a;
}

char *pv_image_record_encode(const struct pv_image_record *r)
{
	cleanup_json struct json_object *o = json_object_new_object();
	int64_t size;

	if (!o)
		return NULL;
	json_object_object_add(o, "ref", json_object_new_string(r->ref));
	json_object_object_add(o, "digest", json_object_new_string(r->digest));
	json_object_object_add(o, "mediaType", json_object_new_string(r->media_type));
	json_object_object_add(o, "configDigest",
			       json_object_new_string(r->manifest->config.digest));
	json_object_object_add(o, "config", config_json(r->config));
	json_object_object_add(o, "layers", layers_json(r->manifest, &size));
	json_object_object_add(o, "size", json_object_new_int64(size));
	json_object_object_add(o, "imported", json_object_new_int64(r->imported));
	return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* --- decoding --------------------------------------------------------------- */

static int dup_field(struct json_object *o, const char *key, bool digest, char **out,
		     struct pv_err *err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return pv_err_set(err, EINVAL, "\"%s\" is missing or not a string", key);
	if (digest && pv_img_digest_check(json_object_get_string(v), err) < 0)
		return pv_err_wrap(err, "\"%s\"", key);
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : pv_err_set(err, ENOMEM, "out of memory");
}

static int int_field(struct json_object *o, const char *key, int64_t *out, struct pv_err *err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return pv_err_set(err, EINVAL, "\"%s\" is missing or not an integer", key);
	*out = json_object_get_int64(v);
	return 0;
}

/* The digest of layer I, checked. */
static const char *layer_digest(struct json_object *list, size_t i, struct pv_err *err)
{
	struct json_object *l = json_object_array_get_idx(list, i);
	struct json_object *v = NULL;
	const char *d;

	if (!json_object_is_type(l, json_type_object) ||
	    !json_object_object_get_ex(l, "digest", &v) ||
	    !json_object_is_type(v, json_type_string))
		return pv_err_set(err, EINVAL, "layers[%zu]: no digest", i), NULL;
	d = json_object_get_string(v);
	return pv_img_digest_check(d, err) < 0 ? NULL : d;
}

/* Is layer I listed again above itself? */
static bool repeated_above(struct json_object *list, size_t i, size_t n)
{
	const char *d = layer_digest(list, i, NULL);

	for (size_t j = i + 1; j < n; j++) {
		const char *e = layer_digest(list, j, NULL);

		if (e && strcmp(d, e) == 0)
			return true;
	}
	return false;
}

static int add_layer(struct pv_image *img, const char *layers_dir, const char *digest,
		     struct pv_err *err)
{
	char *dup = strdup(digest);
	char *path = NULL;

	if (!dup || asprintf(&path, "%s/%s", layers_dir, pv_img_digest_hex(digest)) < 0) {
		free(dup);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	img->layer_digests[img->n_layers] = dup;
	img->layers[img->n_layers++] = path;
	return 0;
}

static int decode_layers(struct json_object *o, const char *layers_dir, struct pv_image *img,
			 struct pv_err *err)
{
	struct json_object *list = NULL;
	size_t n;

	if (!json_object_object_get_ex(o, "layers", &list) ||
	    !json_object_is_type(list, json_type_array))
		return pv_err_set(err, EINVAL, "\"layers\" is missing or not an array");
	n = json_object_array_length(list);
	if (n == 0 || n > PV_IMG_LAYERS_MAX)
		return pv_err_set(err, EINVAL, "%zu layers", n);
	img->layers = calloc(n + 1, sizeof(*img->layers));
	img->layer_digests = calloc(n + 1, sizeof(*img->layer_digests));
	if (!img->layers || !img->layer_digests)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *d = layer_digest(list, i, err);

		if (!d)
			return -1;
		if (!repeated_above(list, i, n) && add_layer(img, layers_dir, d, err) < 0)
			return -1;
	}
	return 0;
}

static int decode(struct json_object *o, const char *layers_dir, const char *want_ref,
		  struct pv_image *img, struct pv_err *err)
{
	struct json_object *config = NULL;

	if (dup_field(o, "ref", false, &img->ref, err) < 0)
		return -1;
	if (want_ref && strcmp(img->ref, want_ref) != 0)
		return pv_err_set(err, EINVAL, "it is the record of %s", img->ref);
	if (dup_field(o, "digest", true, &img->digest, err) < 0 ||
	    dup_field(o, "configDigest", true, &img->config_digest, err) < 0 ||
	    int_field(o, "size", &img->size, err) < 0 ||
	    int_field(o, "imported", &img->imported, err) < 0 ||
	    decode_layers(o, layers_dir, img, err) < 0)
		return -1;
	json_object_object_get_ex(o, "config", &config);
	return pv_img_parse_config(config, &img->config, err);
}

int pv_image_record_decode(const char *text, size_t len, const char *layers_dir,
			   const char *want_ref, struct pv_image *out, struct pv_err *err)
{
	cleanup_json struct json_object *o = pv_img_json_object(text, len, "image record", err);
	struct pv_image img = { 0 };

	if (!o)
		return -1;
	if (decode(o, layers_dir, want_ref, &img, err) < 0) {
		pv_image_free(&img);
		return pv_err_wrap(err, "image record");
	}
	*out = img;
	return 0;
}
