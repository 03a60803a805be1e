/* common/vec.h: arrays that grow by doubling, keep their elements, and
 * are left as they were when growing fails. (Allocation failures proper:
 * tests/unit/test_oom.c, where realloc can be made to fail.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "common/vec.h"

struct point {
	int x, y;
};

struct points {
	struct point *v;
	size_t n, cap;
};

static void test_empty_allocates_nothing(void **state)
{
	struct points s = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(pv_vec_reserve(s.v, s.n, s.cap, 0), 0);
	assert_null(s.v);
	assert_int_equal(s.cap, 0);
	pv_vec_free(s.v, s.n, s.cap);
	assert_null(s.v);
}

/* Through 8, 16, 32, ... 1024: every element kept, the capacity doubling. */
static void test_push_grows_past_several_capacities(void **state)
{
	struct points s = { NULL, 0, 0 };
	size_t caps_seen = 0, last_cap = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(pv_vec_push(s.v, s.n, s.cap, (struct point){ i, -i }), 0);
		assert_int_equal(s.n, (size_t)i + 1);
		assert_true(s.cap >= s.n);
		if (s.cap != last_cap) {
			assert_true(last_cap == 0 ? s.cap == 8 : s.cap == 2 * last_cap);
			last_cap = s.cap;
			caps_seen++;
		}
	}
	assert_int_equal(caps_seen, 8); /* 8 .. 1024 */
	assert_int_equal(s.cap, 1024);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(s.v[i].x, i);
		assert_int_equal(s.v[i].y, -i);
	}
	pv_vec_free(s.v, s.n, s.cap);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.cap, 0);
}

/* Asking for many at once: one allocation that holds them all. */
static void test_reserve_many(void **state)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	assert_int_equal(pv_vec_reserve(buf, n, cap, 5000), 0);
	assert_int_equal(cap, 8192);
	assert_int_equal(n, 0); /* reserving uses nothing */
	for (; n < 5000; n++)
		buf[n] = (char)('a' + n % 26);
	assert_int_equal(pv_vec_reserve(buf, n, cap, 3000), 0);
	assert_int_equal(cap, 8192); /* there was room */
	assert_int_equal(pv_vec_reserve(buf, n, cap, 3193), 0);
	assert_int_equal(cap, 16384);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(buf[i], 'a' + i % 26);
	free(buf);
}

/* A count that would overflow, or a block larger than memory can address:
 * -1 and ENOMEM, with the array, its count and capacity untouched. */
static void test_failure_changes_nothing(void **state)
{
	struct points s = { NULL, 0, 0 };
	struct point *before;
	struct big {
		char b[(size_t)1 << 20];
	} *huge = NULL;
	size_t hn = 0, hcap = 0;

	(void)state;
	for (int i = 0; i < 20; i++)
		assert_int_equal(pv_vec_push(s.v, s.n, s.cap, (struct point){ i, i }), 0);
	before = s.v;
	errno = 0;
	assert_int_equal(pv_vec_reserve(s.v, s.n, s.cap, SIZE_MAX), -1);
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_int_equal(pv_vec_reserve(s.v, s.n, s.cap, SIZE_MAX / sizeof(struct point)), -1);
	assert_int_equal(errno, ENOMEM);
	assert_ptr_equal(s.v, before);
	assert_int_equal(s.n, 20);
	assert_int_equal(s.cap, 32);
	for (int i = 0; i < 20; i++)
		assert_int_equal(s.v[i].x, i);
	/* N elements of 1 MiB: the size in bytes overflows before any call. */
	assert_int_equal(pv_vec_reserve(huge, hn, hcap, SIZE_MAX >> 19), -1);
	assert_null(huge);
	assert_int_equal(hcap, 0);
	pv_vec_free(s.v, s.n, s.cap);
}

/* A push that fails leaves the value the caller's, the count unchanged. */
static void test_push_failure_keeps_count(void **state)
{
	struct points s = { NULL, SIZE_MAX, SIZE_MAX }; /* full: no room, no growth */

	(void)state;
	assert_int_equal(pv_vec_push(s.v, s.n, s.cap, (struct point){ 1, 2 }), -1);
	assert_int_equal(s.n, SIZE_MAX);
	assert_null(s.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_allocates_nothing),
		cmocka_unit_test(test_push_grows_past_several_capacities),
		cmocka_unit_test(test_reserve_many),
		cmocka_unit_test(test_failure_changes_nothing),
		cmocka_unit_test(test_push_failure_keeps_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
