/* Label selectors as kubectl's -l takes them (manifests/labelsel.c):
 * equality- and set-based requirements, existence, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/labelsel.h"

/* Labels "k=v,k=v" for the matcher. */
static const char *get(void *ctx, const char *key)
{
	static char buf[256];
	const char *s = ctx;
	size_t n = strlen(key);

	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > n && !strncmp(s, key, n) && s[n] == '=') {
			snprintf(buf, sizeof(buf), "%.*s", (int)(len - n - 1), s + n + 1);
			return buf;
		}
		s = end ? end + 1 : NULL;
	}
	return NULL;
}

static bool matches(const char *sel, const char *labels)
{
	struct pv_labelsel s;
	struct pv_err err = { 0 };
	bool m;

	assert_int_equal(pv_labelsel_parse(sel, &s, &err), 0);
	m = pv_labelsel_matches(&s, get, (void *)labels);
	pv_labelsel_free(&s);
	return m;
}

static void refused(const char *sel, const char *why)
{
	struct pv_labelsel s;
	struct pv_err err = { 0 };

	assert_int_equal(pv_labelsel_parse(sel, &s, &err), -1);
	assert_non_null(strstr(err.msg, "unable to parse requirement"));
	if (why && !strstr(err.msg, why))
		fail_msg("%s: %s", sel, err.msg);
	assert_int_equal(s.n, 0);
}

static void test_equality(void **state)
{
	(void)state;
	assert_true(matches("app=nginx", "app=nginx,tier=web"));
	assert_true(matches("app==nginx", "app=nginx"));
	assert_true(matches(" app = nginx ", "app=nginx"));
	assert_false(matches("app=nginx", "app=web"));
	assert_false(matches("app=nginx", ""));
	assert_true(matches("app!=nginx", "app=web"));
	assert_true(matches("app!=nginx", "")); /* as Kubernetes: no key matches != */
	assert_false(matches("app!=nginx", "app=nginx"));
	assert_true(matches("app=nginx,tier=web", "tier=web,app=nginx"));
	assert_false(matches("app=nginx,tier=db", "tier=web,app=nginx"));
	assert_true(matches("app=", "app="));
	assert_true(matches("", "app=x"));
	assert_true(matches("example.com/role=db", "example.com/role=db"));
}

static void test_sets(void **state)
{
	(void)state;
	assert_true(matches("app in (nginx, web)", "app=web"));
	assert_true(matches("app in(nginx)", "app=nginx"));
	assert_false(matches("app in (nginx,web)", "app=db"));
	assert_false(matches("app in (nginx,web)", ""));
	assert_true(matches("app notin (nginx,web)", "app=db"));
	assert_true(matches("app notin (nginx,web)", ""));
	assert_false(matches("app notin (nginx,web)", "app=web"));
	assert_true(matches("app in (a,b),tier", "app=b,tier=x"));
	assert_false(matches("app in (a,b),tier", "app=b"));
	assert_true(matches("!tier", "app=b"));
	assert_false(matches("!tier", "tier=x"));
	assert_true(matches("tier", "tier="));
	assert_true(matches("app in (a,b),!tier,env!=prod", "app=a,env=dev"));
}

static void test_errors(void **state)
{
	(void)state;
	refused("app=nginx,", "empty requirement");
	refused(",app", "empty requirement");
	refused("app in nginx", "parentheses");
	refused("app in (a,b", "')'");
	refused("app in ()", "empty");
	refused("app is (a)", "expected one of");
	refused("=x", NULL);
	refused("app=a=b", NULL);
	refused("app=-x-", NULL);
	refused("-bad-=x", NULL);
	refused("!", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equality),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
