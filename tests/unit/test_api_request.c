/* Unit tests for supervisor/api/api_request.c: a request on the API socket,
 * as the CLI sends it, into an op and its arguments; and the errors a
 * client is answered with. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/api/api_request.h"

static void test_ops(void **state)
{
	static const struct {
		const char *text;
		enum pv_api_op op;
	} cases[] = {
		{ "{\"op\":\"pods\"}\n", PV_API_PODS },
		{ "{\"op\":\"pod\",\"namespace\":\"prod\",\"name\":\"web\"}\n", PV_API_POD },
		{ "{\"op\":\"files\"}\n", PV_API_FILES },
		{ "{\"op\":\"services\"}\n", PV_API_SERVICES },
		{ "{\"op\":\"storage\"}\n", PV_API_STORAGE },
		{ "{\"op\":\"config\"}\n", PV_API_CONFIG },
		{ "{\"op\":\"events\",\"object\":\"pod\\/default\\/web\"}\n", PV_API_EVENTS },
		{ "{\"op\":\"pods\"} and then anything", PV_API_PODS },
		{ "{\"op\":\"delete-pod\",\"namespace\":\"prod\",\"name\":\"web-0\"}\n", PV_API_DELETE_POD },
		{ "{\"op\":\"version\"}\n", PV_API_VERSION },
	};
	struct pv_api_request r;
	struct pv_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pv_api_request_parse(cases[i].text, &r, &err), 0);
		assert_int_equal(r.op, cases[i].op);
		assert_non_null(r.json);
		pv_api_request_clear(&r);
		assert_null(r.json);
	}
}

static void test_arguments(void **state)
{
	struct pv_api_request r;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_api_request_parse("{\"op\":\"pod\",\"namespace\":\"prod\",\"name\":\"web\"}",
					      &r, &err), 0);
	assert_string_equal(r.ns, "prod");
	assert_string_equal(r.name, "web");
	assert_null(r.object);
	assert_false(r.full);
	pv_api_request_clear(&r);
	/* get -o json|yaml: the list's items with their loaded objects */
	assert_int_equal(pv_api_request_parse("{\"op\":\"pods\",\"full\":true}", &r, &err), 0);
	assert_true(r.full);
	pv_api_request_clear(&r);
	assert_int_equal(pv_api_request_parse("{\"op\":\"pod\",\"name\":\"web\",\"namespace\":null}",
					      &r, &err), 0);
	assert_string_equal(r.ns, "default");
	pv_api_request_clear(&r);
	assert_int_equal(pv_api_request_parse("{\"op\":\"events\",\"object\":\"file:/m/a.yaml\"}",
					      &r, &err), 0);
	assert_string_equal(r.object, "file:/m/a.yaml");
	assert_null(r.name);
	pv_api_request_clear(&r);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "", "bad request" },
		{ "op=pods\n", "bad request" },
		{ "{\"op\":\"pods\"", "bad request" },
		{ "{}\n", "no op in the request" },
		{ "[\"pods\"]\n", "no op in the request" },
		{ "\"pods\"\n", "no op in the request" },
		{ "{\"op\":null}\n", "no op in the request" },
		{ "{\"op\":\"reboot\"}\n", "unknown op" },
		{ "{\"op\":\"Pods\"}\n", "unknown op" },
		{ "{\"op\":[\"pods\"]}\n", "unknown op" },
	};
	struct pv_api_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pv_err err = { 0 };

		assert_int_equal(pv_api_request_parse(cases[i].text, &r, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
		assert_null(r.json);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
