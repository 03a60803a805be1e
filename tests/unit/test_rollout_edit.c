/* What `rollout undo` rewrites (cli/rollout_edit.c): one document of a
 * file found by its kind, namespace and name, with the byte range that
 * leaves every other byte of the file alone; documents with anchors
 * refused; a template stripped of what the loader defaults; keys in the
 * order of the template replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/cli/rollout_edit.h"

static const char file[] =
	"# a ConfigMap first\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: web}\n"
	"---\n"
	"# the Deployment\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"spec:\n"
	"  replicas: 2\n"
	"  template:\n"
	"    spec:\n"
	"      containers: [{name: a, image: x}]   # same line\n"
	"  # trailing comment\n"
	"\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"  namespace: prod\n"
	"spec:\n"
	"  replicas: 3\n";

static void test_find(void **state)
{
	struct json_object *doc = NULL;
	struct pv_err err = { 0 };
	size_t start = 0, end = 0;
	const char *from;

	(void)state;
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "default", "web", &doc,
					  &start, &end, &err), 0);
	from = strstr(file, "apiVersion: apps/v1");
	assert_int_equal(start, (size_t)(from - file));
	assert_int_equal(end, (size_t)(strstr(file, "  # trailing") - file));
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(doc, "spec"),
								    "replicas")), 2);
	json_object_put(doc);
	/* the one in prod, to the end of the file */
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "prod", "web", &doc,
					  &start, &end, &err), 0);
	assert_int_equal(end, strlen(file));
	json_object_put(doc);
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "default", "nope", &doc,
					  &start, &end, &err), -1);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "no Deployment \"nope\""));
}

static void test_anchors_refused(void **state)
{
	static const char text[] = "kind: Deployment\nmetadata: {name: web}\n"
				   "spec: {a: &x 1, b: *x}\n";
	struct json_object *doc = NULL;
	struct pv_err err = { 0 };
	size_t start, end;

	(void)state;
	assert_int_equal(pv_edit_find_doc(text, strlen(text), "Deployment", "default", "web", &doc,
					  &start, &end, &err), -1);
	assert_non_null(strstr(err.msg, "anchors"));
}

static void test_strip_and_order(void **state)
{
	struct json_object *t = json_tokener_parse(
		"{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"a\","
		"\"image\":\"busybox:test\",\"terminationMessagePath\":\"/dev/termination-log\","
		"\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
		"\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":5}}");
	struct json_object *like = json_tokener_parse(
		"{\"spec\":{\"terminationGracePeriodSeconds\":1,\"containers\":[{\"image\":\"old\","
		"\"name\":\"a\"}]},\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
	struct json_object *s;

	(void)state;
	s = pv_edit_strip_defaults(t, like);
	assert_string_equal(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN),
			    "{\"spec\":{\"terminationGracePeriodSeconds\":5,\"containers\":[{\"image\":"
			    "\"busybox:test\",\"name\":\"a\"}]},\"metadata\":{\"labels\":{\"app\":"
			    "\"web\"}}}");
	json_object_put(s);
	json_object_put(like);
	json_object_put(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_anchors_refused),
		cmocka_unit_test(test_strip_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
