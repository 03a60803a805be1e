/* The names an OCI index gives its images (supervisor/image/image_names.c),
 * for `image import SRC` without NAME and the daemon's images-import
 * directory: io.containerd.image.name first, a whole ref.name next, a
 * bare tag refused, duplicates once, malformed descriptors refused. */
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

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static int names(const char *text, struct pv_img_named **v, size_t *n, struct pv_err *err)
{
	struct json_object *o = pv_img_json_object(text, strlen(text), "test", NULL);
	int rc;

	assert_non_null(o);
	rc = pv_img_index_names(o, v, n, err);
	json_object_put(o);
	return rc;
}

static void test_containerd_name_first(void **unused)
{
	struct pv_img_named *v;
	struct pv_err err = { 0 };
	size_t n;

	(void)unused;
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"" D1 "\", \"annotations\": {"
			       "\"io.containerd.image.name\": \"docker.io/library/nginx:1.25\","
			       "\"org.opencontainers.image.ref.name\": \"1.25\"}},"
			       "{\"digest\": \"" D2 "\", \"annotations\": {"
			       "\"org.opencontainers.image.ref.name\": \"quay.io/x/y:2\"}}]}",
			       &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "docker.io/library/nginx:1.25");
	assert_string_equal(v[0].digest, D1);
	assert_string_equal(v[1].name, "quay.io/x/y:2");
	assert_string_equal(v[1].digest, D2);
	pv_img_names_free(v, n);
}

static void test_whole_ref_name_normalized(void **unused)
{
	struct pv_img_named *v;
	struct pv_err err = { 0 };
	size_t n;

	(void)unused;
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"" D1 "\", \"annotations\": {"
			       "\"org.opencontainers.image.ref.name\": \"busybox:1.36\"}},"
			       "{\"digest\": \"" D1 "\", \"annotations\": {"
			       "\"io.containerd.image.name\": \"docker.io/library/busybox:1.36\"}}]}",
			       &v, &n, &err), 0);
	assert_int_equal(n, 1); /* the same name twice: once */
	assert_string_equal(v[0].name, "docker.io/library/busybox:1.36");
	pv_img_names_free(v, n);
}

static void test_bare_tag_refused(void **unused)
{
	struct pv_img_named *v;
	struct pv_err err = { 0 };
	size_t n;

	(void)unused;
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"" D1 "\", \"annotations\": {"
			       "\"org.opencontainers.image.ref.name\": \"latest\"}}]}", &v, &n, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "\"latest\" is a tag, not a name"));
	assert_int_equal(n, 0);
	err = (struct pv_err){ 0 };
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"" D1 "\"}]}", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "names no image"));
}

static void test_malformed_refused(void **unused)
{
	struct pv_img_named *v;
	struct pv_err err = { 0 };
	size_t n;

	(void)unused;
	assert_int_equal(names("{\"manifests\": {}}", &v, &n, &err), -1);
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"md5:00\"}]}", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "manifests[0]"));
	assert_int_equal(names("{\"manifests\": [{\"digest\": \"" D1 "\", \"annotations\": {"
			       "\"io.containerd.image.name\": \"Bad Name\"}}]}", &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "manifests[0]: its name"));
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containerd_name_first),
		cmocka_unit_test(test_whole_ref_name_normalized),
		cmocka_unit_test(test_bare_tag_refused),
		cmocka_unit_test(test_malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
