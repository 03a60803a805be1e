/* common/strjoin.h: strings joined with a separator. (Out of memory:
 * tests/unit/test_oom.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/strjoin.h"

static void check(const char *const *v, size_t n, const char *sep, const char *want)
{
	char *s = pv_strjoin(v, n, sep);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_join(void **state)
{
	static const char *const kv[] = { "app=web", "tier=front", "zone=a" };

	(void)state;
	check(kv, 3, ",", "app=web,tier=front,zone=a");
	check(kv, 3, ", ", "app=web, tier=front, zone=a");
	check(kv, 3, "", "app=webtier=frontzone=a");
	check(kv, 2, ":", "app=web:tier=front"); /* the first N only */
}

static void test_edges(void **state)
{
	static const char *const empty[] = { "", "", "" };
	static const char *const one[] = { "alone" };

	(void)state;
	check(NULL, 0, ",", "");
	check(one, 1, ", ", "alone"); /* no separator around a single string */
	check(empty, 3, ",", ",,");
}

static void test_null_terminated(void **state)
{
	static const char *const v[] = { "TCP", "UDP", "SCTP", NULL };
	static const char *const none[] = { NULL };
	char *s = pv_strjoin_v(v, "\", \"");

	(void)state;
	assert_string_equal(s, "TCP\", \"UDP\", \"SCTP");
	free(s);
	s = pv_strjoin_v(none, ",");
	assert_string_equal(s, "");
	free(s);
}

/* Long inputs: the length is counted, never guessed. */
static void test_long(void **state)
{
	char *parts[300], *s;

	(void)state;
	for (size_t i = 0; i < 300; i++) {
		parts[i] = malloc(101);
		assert_non_null(parts[i]);
		memset(parts[i], 'a' + (int)(i % 26), 100);
		parts[i][100] = '\0';
	}
	s = pv_strjoin((const char *const *)parts, 300, "--");
	assert_non_null(s);
	assert_int_equal(strlen(s), 300 * 100 + 299 * 2);
	for (size_t i = 0; i < 300; i++) {
		assert_memory_equal(s + i * 102, parts[i], 100);
		if (i + 1 < 300)
			assert_memory_equal(s + i * 102 + 100, "--", 2);
		free(parts[i]);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_null_terminated),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
