/* libFuzzer target: any bytes as each JSON document podvisor reads for
 * an image, through supervisor/image/image_oci.c and image_record.c: as
 * index.json, choosing the manifest for a tag, the default tag, a name
 * in another registry and a digest; as a manifest; as an image config
 * (for a manifest of one layer, and of as many layers as the same bytes
 * gave as a manifest); and as a record of the store (refs/NAME.json).
 * Must never crash, leak, or take unbounded time or memory. What a
 * parser accepts must hold what it promises (checked digests, known
 * layer types, NULL-terminated arrays, KEY=VALUE environment), and a
 * manifest and config it accepts must come back the same from the
 * record podvisor would write for them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/image/image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIGEST "sha256:29b3f645187c060afbd54b2b9ec18df855bec44ee4141b05b0aca1c64c21bd95"
#define LAYERS "/var/lib/podvisor/images/layers/sha256"

/* Messages are made (and truncated) as for real, then dropped. */
static struct pv_err err;

#define BY_DIGEST ("busybox@" DIGEST)

static const char *const refs[] = {
	"busybox:1.36", "busybox", "quay.io/podvisor/test:latest", BY_DIGEST,
};

static void check_digest(const char *d)
{
	if (pv_img_digest_check(d, NULL) < 0)
		abort();
}

static void check_strv(char **v, size_t n)
{
	if (v && v[n])
		abort();
	for (size_t i = 0; v && i < n; i++)
		if (!v[i])
			abort();
}

static void check_config(const struct pv_image_config *c)
{
	check_strv(c->entrypoint, c->n_entrypoint);
	check_strv(c->cmd, c->n_cmd);
	check_strv(c->env, c->n_env);
	for (size_t i = 0; i < c->n_env; i++)
		if (c->env[i][0] == '=' || !strchr(c->env[i], '='))
			abort();
	if ((c->working_dir && !*c->working_dir) || (c->user && !*c->user))
		abort();
}

static void index_select(struct json_object *o)
{
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct pv_image_ref r = { NULL, NULL, NULL };
		struct pv_img_desc d;

		if (pv_image_ref_parse(refs[i], &r, &err) < 0)
			abort();
		if (pv_img_parse_index(o, &r, &d, &err) == 0) {
			check_digest(d.digest);
			if (d.size < 0 || !d.media_type || (r.digest && strcmp(d.digest, r.digest)))
				abort();
			pv_img_desc_clear(&d);
		}
		pv_image_ref_clear(&r);
	}
}

static void check_manifest(const struct pv_img_manifest *m)
{
	enum pv_img_compression comp;

	check_digest(m->config.digest);
	if (m->n_layers < 1 || m->n_layers > PV_IMG_LAYERS_MAX)
		abort();
	for (size_t i = 0; i < m->n_layers; i++) {
		check_digest(m->layers[i].digest);
		if (m->layers[i].size < 0 ||
		    pv_img_layer_compression(m->layers[i].media_type, &comp, NULL) < 0)
			abort();
	}
}

static bool strv_eq(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb || !a != !b)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The record of M and C, decoded: the same config, and each layer once
 * at its topmost place. Import only gets here for blobs it has read, so
 * their sizes add up; the record's total is not checked for overflow. */
static void round_trip(const struct pv_img_manifest *m, const struct pv_image_config *c)
{
	struct pv_image_record rec = { "docker.io/library/busybox:1.36", DIGEST,
				       m->media_type, m, c, 946684800 };
	struct pv_image img;
	size_t k = 0;
	char *text;

	for (size_t i = 0; i < m->n_layers; i++)
		if (m->layers[i].size > INT64_MAX / PV_IMG_LAYERS_MAX)
			return;
	if (!(text = pv_image_record_encode(&rec)))
		abort();
	if (pv_image_record_decode(text, strlen(text), LAYERS, rec.ref, &img, &err) < 0 ||
	    strcmp(img.digest, DIGEST) != 0 || strcmp(img.config_digest, m->config.digest) != 0 ||
	    !strv_eq(img.config.entrypoint, img.config.n_entrypoint, c->entrypoint,
		     c->n_entrypoint) ||
	    !strv_eq(img.config.cmd, img.config.n_cmd, c->cmd, c->n_cmd) ||
	    !strv_eq(img.config.env, img.config.n_env, c->env, c->n_env) ||
	    !str_eq(img.config.working_dir, c->working_dir) || !str_eq(img.config.user, c->user))
		abort();
	for (size_t i = 0; i < m->n_layers; i++) {
		bool above = false;

		for (size_t j = i + 1; j < m->n_layers; j++)
			above = above || strcmp(m->layers[i].digest, m->layers[j].digest) == 0;
		if (above)
			continue;
		if (k >= img.n_layers || strcmp(img.layer_digests[k], m->layers[i].digest) != 0 ||
		    strncmp(img.layers[k], LAYERS "/", strlen(LAYERS "/")) != 0)
			abort();
		k++;
	}
	if (k != img.n_layers)
		abort();
	pv_image_free(&img);
	free(text);
}

static void manifest_and_config(struct json_object *o)
{
	struct pv_img_desc d = { .media_type = (char *)"application/vnd.oci.image.manifest.v1+json",
				 .digest = DIGEST, .size = 0 };
	struct pv_img_manifest m;
	struct pv_image_config c;
	bool have_m;

	have_m = pv_img_parse_manifest(o, &d, &m, &err) == 0;
	if (have_m)
		check_manifest(&m);
	if (pv_img_parse_config_blob(o, &d, 1, &c, &err) == 0) {
		check_config(&c);
		pv_image_config_clear(&c);
	}
	if (have_m && pv_img_parse_config_blob(o, &m.config, m.n_layers, &c, &err) == 0) {
		check_config(&c);
		round_trip(&m, &c);
		pv_image_config_clear(&c);
	}
	if (have_m)
		pv_img_manifest_clear(&m);
}

static void record(const uint8_t *data, size_t size, const char *want_ref)
{
	struct pv_image img;

	if (pv_image_record_decode((const char *)data, size, LAYERS, want_ref, &img, &err) < 0)
		return;
	check_digest(img.digest);
	check_digest(img.config_digest);
	check_config(&img.config);
	if (!img.n_layers || img.n_layers > PV_IMG_LAYERS_MAX || img.layers[img.n_layers] ||
	    (want_ref && strcmp(img.ref, want_ref) != 0))
		abort();
	for (size_t i = 0; i < img.n_layers; i++)
		check_digest(img.layer_digests[i]);
	pv_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = pv_img_json_object((const char *)data, size, "fuzz", &err);

	if (o) {
		index_select(o);
		manifest_and_config(o);
		json_object_put(o);
	}
	record(data, size, NULL);
	record(data, size, "docker.io/library/busybox:1.36");
	return 0;
}
