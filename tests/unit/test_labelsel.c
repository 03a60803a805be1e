/* Label selectors as kubectl's -l takes them (manifests/labelsel.c): the
 * grammar, the errors, and what each operator matches, with and without
 * the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/labelsel.h"

/* Labels as "k=v" strings, up to a NULL. */
static const char *get(const void *labels, const char *key)
{
	const char *const *l = labels;
	size_t n = strlen(key);

	for (; *l; l++)
		if (!strncmp(*l, key, n) && (*l)[n] == '=')
			return *l + n + 1;
	return NULL;
}

static bool sel_matches(const char *text, const char *const *labels)
{
	struct pv_labelsel s;
	struct pv_err err = { 0 };
	bool m;

	if (pv_labelsel_parse(text, &s, &err) < 0)
		fail_msg("%s: %s", text, err.msg);
	m = pv_labelsel_matches(&s, get, labels);
	pv_labelsel_free(&s);
	return m;
}

static const char *const nginx[] = { "app=nginx", "env=prod", "tier=web", "replicas=3", NULL };
static const char *const none[] = { NULL };

static void test_equality(void **state)
{
	(void)state;
	assert_true(sel_matches("app=nginx", nginx));
	assert_true(sel_matches("app==nginx", nginx));
	assert_true(sel_matches(" app = nginx ", nginx));
	assert_false(sel_matches("app=web", nginx));
	assert_false(sel_matches("app=nginx", none));
	assert_true(sel_matches("app!=web", nginx));
	assert_false(sel_matches("app!=nginx", nginx));
	assert_true(sel_matches("app!=nginx", none)); /* != holds without the key */
	assert_false(sel_matches("app=", nginx));
	assert_true(sel_matches("app!=", nginx));
}

static void test_sets(void **state)
{
	(void)state;
	assert_true(sel_matches("env in (prod,dev)", nginx));
	assert_true(sel_matches("env in(prod)", nginx));
	assert_true(sel_matches("env in ( dev , prod )", nginx));
	assert_false(sel_matches("env in (dev,test)", nginx));
	assert_false(sel_matches("env in (prod)", none));
	assert_true(sel_matches("env notin (dev,test)", nginx));
	assert_false(sel_matches("env notin (prod)", nginx));
	assert_true(sel_matches("env notin (prod)", none)); /* notin holds without the key */
	/* whitespace is space, tab, CR and LF; "()" is the set {""} (apimachinery) */
	assert_true(sel_matches("env\tin\t(prod)", nginx));
	assert_true(sel_matches("env\nnotin\n(dev)", nginx));
	assert_false(sel_matches("env in ()", nginx));
	assert_true(sel_matches("env notin ()", nginx));
}

static void test_exists(void **state)
{
	(void)state;
	assert_true(sel_matches("app", nginx));
	assert_false(sel_matches("app", none));
	assert_true(sel_matches("!gpu", nginx));
	assert_false(sel_matches("! app", nginx));
	assert_true(sel_matches("replicas>2", nginx));
	assert_false(sel_matches("replicas>3", nginx));
	assert_true(sel_matches("replicas<4", nginx));
	assert_false(sel_matches("app>1", nginx)); /* not an integer: no match */
	assert_false(sel_matches("gpu<1", nginx));
}

static void test_combined(void **state)
{
	(void)state;
	assert_true(sel_matches("", nginx)); /* empty: everything */
	assert_true(sel_matches("", none));
	assert_true(sel_matches("app=nginx,env in (prod),!gpu,tier", nginx));
	assert_false(sel_matches("app=nginx,env in (dev)", nginx));
	assert_true(sel_matches("app.kubernetes.io/name!=x, env notin (a,b)", nginx));
}

/* Many requirements and values: past the arrays' first capacities. */
static void test_many(void **state)
{
	char text[4096] = "", labels_buf[40][16];
	const char *labels[41];
	size_t off = 0;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(labels_buf[i], sizeof(labels_buf[i]), "k%d=v%d", i, i);
		labels[i] = labels_buf[i];
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%sk%d in (x,y,z,w,v%d)",
					i ? "," : "", i, i);
	}
	labels[40] = NULL;
	assert_true(sel_matches(text, labels));
	labels[39] = NULL;
	assert_false(sel_matches(text, labels));
}

static void refused(const char *text, const char *what)
{
	struct pv_labelsel s;
	struct pv_err err = { 0 };

	assert_int_equal(pv_labelsel_parse(text, &s, &err), -1);
	if (!strstr(err.msg, what) || !strstr(err.msg, "invalid label selector"))
		fail_msg("%s: got \"%s\", wanted \"%s\"", text, err.msg, what);
	assert_int_equal(s.n, 0);
}

static void test_errors(void **state)
{
	(void)state;
	refused("env in (a", "expected ',' or ')' after a value at column 10");
	refused("env in a", "expected '(' before the values");
	refused("app=nginx,", "expected a requirement after ','");
	refused("=x", "expected a label key at column 1");
	refused("app=a b", "expected ',' between requirements");
	refused("app=-x", "beginning and ending with a letter or digit");
	refused("a/b/c=x", "a label key is [prefix/]name");
	refused("n>x", "compare with an integer");
	refused("app=nginx,,env=x", "expected a label key");
	refused("!", "expected a label key");
	refused("app=1234567890123456789012345678901234567890123456789012345678901234",
		"at most 63");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equality), cmocka_unit_test(test_sets),
		cmocka_unit_test(test_exists),   cmocka_unit_test(test_combined),
		cmocka_unit_test(test_many),     cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
