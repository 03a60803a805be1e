/* What `get` shapes apart from the daemon (supervisor/printers/shape.c):
 * the LABELS cell, a workload's SELECTOR as kubectl writes it, and
 * --field-selector's grammar and fields per kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "supervisor/printers/get.h"

static void labels_is(const char *json, const char *want)
{
	struct json_object *j = json ? json_tokener_parse(json) : NULL;
	char buf[256];

	pv_get_labels_cell(j, buf, sizeof(buf));
	assert_string_equal(buf, want);
	json_object_put(j);
}

static void test_labels(void **state)
{
	(void)state;
	labels_is("{\"env\":\"prod\",\"app\":\"web\",\"canary\":\"yes\"}", "app=web,canary=yes,env=prod");
	labels_is("{}", "<none>");
	labels_is(NULL, "<none>");
	labels_is("{\"a\":\"\"}", "a=");
	/* by key: "app" before "app.kubernetes.io/name", though '.' < '=' */
	labels_is("{\"app.kubernetes.io/name\":\"x\",\"app\":\"y\"}", "app=y,app.kubernetes.io/name=x");
}

static void selector_is(const char *json, const char *want)
{
	struct json_object *j = json ? json_tokener_parse(json) : NULL;
	char buf[256];

	pv_get_selector_cell(j, buf, sizeof(buf));
	assert_string_equal(buf, want);
	json_object_put(j);
}

static void test_selector(void **state)
{
	(void)state;
	selector_is("{\"matchLabels\":{\"tier\":\"a\",\"app\":\"web\"}}", "app=web,tier=a");
	selector_is("{\"matchLabels\":{\"app\":\"agent\"},\"matchExpressions\":[{\"key\":\"tier\","
		    "\"operator\":\"In\",\"values\":[\"b\",\"a\"]},{\"key\":\"gpu\",\"operator\":"
		    "\"DoesNotExist\"},{\"key\":\"env\",\"operator\":\"NotIn\",\"values\":[\"dev\"]},"
		    "{\"key\":\"zone\",\"operator\":\"Exists\"}]}",
		    "app=agent,env notin (dev),!gpu,tier in (a,b),zone");
	selector_is("{}", "<none>");
	selector_is(NULL, "<none>");
}

static const struct get_fieldsel *parsed(const char *text, const char *const *fields,
					 struct get_fieldsel *f)
{
	return pv_get_fieldsel_parse(text, fields, "/v1, Resource=pods", "", f) == 0 ? f : NULL;
}

static void test_fields(void **state)
{
	struct get_fieldsel f;

	(void)state;
	assert_non_null(parsed("status.phase=Running,spec.nodeName!=a,metadata.name==x",
			       pv_get_pod_fields, &f));
	assert_int_equal(f.n, 3);
	assert_string_equal(f.v[0].key, "phase");
	assert_string_equal(f.v[0].value, "Running");
	assert_false(f.v[0].ne);
	assert_string_equal(f.v[1].key, "node");
	assert_string_equal(f.v[1].value, "a");
	assert_true(f.v[1].ne);
	assert_string_equal(f.v[2].key, "name");
	assert_string_equal(f.v[2].value, "x");
	assert_false(f.v[2].ne);
	pv_get_fieldsel_free(&f);
	assert_non_null(parsed("metadata.namespace=", NULL, &f)); /* an empty value */
	assert_string_equal(f.v[0].key, "namespace");
	assert_string_equal(f.v[0].value, "");
	pv_get_fieldsel_free(&f);
	assert_non_null(parsed("type=Opaque", pv_get_secret_fields, &f));
	pv_get_fieldsel_free(&f);
	assert_null(parsed("status.phase=Running", NULL, &f)); /* not a field of this kind */
	assert_null(parsed("type=Opaque", pv_get_pod_fields, &f));
	assert_null(parsed("metadata.name", NULL, &f));        /* no operator */
	assert_null(parsed("=x", NULL, &f));
	assert_null(parsed("x=y", pv_get_pod_fields, &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
