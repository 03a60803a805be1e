/* Unit tests for supervisor/image/image_oci.c's JSON side: choosing a manifest
 * from index.json, and parsing a manifest and an image config, once each
 * is read and verified. (Under ASan a failed parse must leave nothing
 * allocated.) */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/image/image_internal.h"

#define D1 "sha256:29b3f645187c060afbd54b2b9ec18df855bec44ee4141b05b0aca1c64c21bd95"
#define D2 "sha256:c9a41e4a070cabb75a0153a700368eea55e0b8ea2d44560786338919f080ab80"
#define D3 "sha256:104e2ea060fe5cd8c7d3f71161498fab857ab87c240a1007c9836c0de3ea652e"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

static const struct pv_img_desc manifest_desc = { .media_type = (char *)MT_MANIFEST,
						  .digest = D1, .size = 559 };

static struct json_object *parse(const char *text)
{
	struct json_object *o = pv_img_json_object(text, strlen(text), "test", NULL);

	assert_non_null(o);
	return o;
}

/* A manifest of one config and LAYERS (the layers' JSON, comma-separated). */
static int manifest(const char *layers, struct pv_img_manifest *m, struct pv_err *err)
{
	char text[2048];
	struct json_object *o;
	int rc;

	snprintf(text, sizeof(text), "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\","
		 "\"config\":{\"mediaType\":\"" MT_CONFIG "\",\"digest\":\"" D2 "\",\"size\":375},"
		 "\"layers\":[%s]}", layers);
	o = parse(text);
	rc = pv_img_parse_manifest(o, &manifest_desc, m, err);
	json_object_put(o);
	return rc;
}

static void test_manifest(void **state)
{
	struct pv_img_manifest m;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(manifest("{\"mediaType\":\"" MT_GZIP "\",\"digest\":\"" D3 "\",\"size\":1},"
				  "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
				  "\"digest\":\"" D1 "\",\"size\":2}", &m, &err), 0);
	assert_string_equal(m.config.digest, D2);
	assert_int_equal(m.n_layers, 2);
	assert_string_equal(m.layers[0].digest, D3);
	assert_int_equal(m.layers[1].size, 2);
	pv_img_manifest_clear(&m);
}

/* Found by fuzz_image: the descriptor of a layer of an unknown media type
 * was parsed, then dropped without being freed. */
static void test_manifest_unknown_layer_type(void **state)
{
	struct pv_img_manifest m;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(manifest("{\"mediaType\":\"" MT_GZIP "\",\"digest\":\"" D3 "\",\"size\":1},"
				  "{\"mediaType\":\"application/vnd.oci.image.layer.v0.tar+zstd\","
				  "\"digest\":\"" D1 "\",\"size\":2,\"platform\":{\"os\":\"linux\"},"
				  "\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"}}",
				  &m, &err), -1);
	assert_int_equal(err.code, ENOTSUP);
	assert_non_null(strstr(err.msg, "layer " D1 ": unsupported layer media type"));
}

static void test_manifest_refused(void **state)
{
	static const char *const bad[] = {
		"", /* no layers */
		"{\"mediaType\":\"" MT_GZIP "\",\"digest\":\"sha256:abc\",\"size\":1}",
		"{\"mediaType\":\"" MT_GZIP "\",\"digest\":\"" D3 "\",\"size\":-1}",
		"{\"mediaType\":\"" MT_GZIP "\",\"digest\":\"" D3 "\"}",
		"{\"digest\":\"" D3 "\",\"size\":1}",
		"\"" D3 "\"",
	};
	struct pv_img_manifest m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pv_err err = { 0 };

		assert_int_equal(manifest(bad[i], &m, &err), -1);
		assert_int_equal(err.code, EINVAL);
	}
}

static int select_in(const char *index, const char *ref, struct pv_img_desc *out,
		     struct pv_err *err)
{
	struct pv_image_ref r = { NULL, NULL, NULL };
	struct json_object *o = parse(index);
	int rc;

	assert_int_equal(pv_image_ref_parse(ref, &r, NULL), 0);
	rc = pv_img_parse_index(o, &r, out, err);
	pv_image_ref_clear(&r);
	json_object_put(o);
	return rc;
}

static void test_index(void **state)
{
	static const char index[] =
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"1.36\"}},"
		"{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":2,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"quay.io/x/y:2\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" D3 "\","
		"\"size\":3,\"annotations\":{\"org.opencontainers.image.ref.name\":\"nested\"}}]}";
	struct pv_img_desc d;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(select_in(index, "busybox:1.36", &d, &err), 0);
	assert_string_equal(d.digest, D1);
	pv_img_desc_clear(&d);
	assert_int_equal(select_in(index, "quay.io/x/y:2", &d, &err), 0);
	assert_string_equal(d.digest, D2);
	pv_img_desc_clear(&d);
	assert_int_equal(select_in(index, "busybox@" D2, &d, &err), 0);
	assert_int_equal(d.size, 2);
	pv_img_desc_clear(&d);
	assert_int_equal(select_in(index, "busybox:nested", &d, &err), -1);
	assert_int_equal(err.code, ENOTSUP);
	assert_int_equal(select_in(index, "busybox:latest", &d, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(select_in("{\"manifests\":[]}", "busybox", &d, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

static void test_config(void **state)
{
	static const struct pv_img_desc cd = { .media_type = (char *)MT_CONFIG, .digest = D2,
					       .size = 1 };
	struct json_object *o = parse("{\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\",\"B=\"],"
				      "\"Cmd\":[\"sh\"],\"WorkingDir\":\"\",\"User\":\"nobody\","
				      "\"StopSignal\":\"SIGQUIT\"},"
				      "\"rootfs\":{\"diff_ids\":[\"x\"]}}");
	struct json_object *bad = parse("{\"config\":{\"Env\":[\"A=1\",\"=2\"]}}");
	struct pv_image_config c;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_img_parse_config_blob(o, &cd, 1, &c, &err), 0);
	assert_int_equal(c.n_env, 2);
	assert_null(c.env[2]);
	assert_string_equal(c.cmd[0], "sh");
	assert_null(c.working_dir);
	assert_string_equal(c.user, "nobody");
	assert_string_equal(c.stop_signal, "SIGQUIT");
	pv_image_config_clear(&c);
	assert_int_equal(pv_img_parse_config_blob(o, &cd, 2, &c, &err), -1);
	assert_non_null(strstr(err.msg, "rootfs.diff_ids lists 1 layers, the manifest 2"));
	assert_int_equal(pv_img_parse_config_blob(bad, &cd, 1, &c, &err), -1);
	assert_non_null(strstr(err.msg, "Env[1] \"=2\" is not KEY=VALUE"));
	json_object_put(o);
	json_object_put(bad);
}

/* What follows the JSON value may be white space only: not NUL bytes
 * (strchr finds the terminating NUL in any set), not more text. */
static void test_json_trailing(void **state)
{
	static const char nul[] = "{}\0\0";
	struct pv_err err = { 0 };
	struct json_object *o;

	(void)state;
	o = pv_img_json_object("{} \n\t", 5, "t", &err);
	assert_non_null(o);
	json_object_put(o);
	assert_null(pv_img_json_object(nul, sizeof(nul) - 1, "t", &err));
	assert_non_null(strstr(err.msg, "trailing data"));
	assert_null(pv_img_json_object("{} x", 4, "t", &err));
	assert_null(pv_img_json_object("[]", 2, "t", &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_manifest_unknown_layer_type),
		cmocka_unit_test(test_manifest_refused),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_json_trailing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
