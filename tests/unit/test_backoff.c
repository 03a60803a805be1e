/* CrashLoopBackOff as Kubernetes does it: at once, then 10 s doubling to
 * 5 min, and a fresh start after 10 min of running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "supervisor/core/backoff.h"

static void test_sequence(void **state)
{
	static const int64_t want[] = { 0, 10000, 20000, 40000, 80000, 160000, 300000, 300000 };
	int64_t next = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(pv_backoff_step(&next, 10000, 1000), want[i]);
}

static void test_reset_after_ten_minutes(void **state)
{
	int64_t next = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		pv_backoff_step(&next, 10000, 1000);
	assert_int_equal(pv_backoff_step(&next, 10000, 599999), 160000); /* not quite */
	assert_int_equal(pv_backoff_step(&next, 10000, 600000), 0);      /* ran 10 min */
	assert_int_equal(pv_backoff_step(&next, 10000, 1000), 10000);
}

static void test_never_started_keeps_backing_off(void **state)
{
	int64_t next = 0;

	(void)state;
	assert_int_equal(pv_backoff_step(&next, 500, -1), 0);
	assert_int_equal(pv_backoff_step(&next, 500, -1), 500);
	assert_int_equal(pv_backoff_step(&next, 500, -1), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_reset_after_ten_minutes),
		cmocka_unit_test(test_never_started_keeps_backing_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
