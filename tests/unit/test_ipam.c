/* Pod CIDR parsing and address allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "netrules/ipam.h"

static void test_parse(void **state)
{
	struct pv_cidr c;
	static const char *const bad[] = { "10.88.0.0", "10.88.0.1/16", "10.88.0.0/31", "10.88.0.0/7",
					   "300.1.0.0/16", "10.88.0.0/x", "", "10.88.0.0/16 " };

	(void)state;
	assert_int_equal(pv_cidr_parse("10.88.0.0/16", &c), 0);
	assert_int_equal(c.net, 0x0A580000);
	assert_int_equal(c.prefix, 16);
	assert_int_equal(pv_cidr_gateway(&c), 0x0A580001);
	assert_true(pv_cidr_contains(&c, 0x0A58FFFE));
	assert_false(pv_cidr_contains(&c, 0x0A590001));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pv_cidr_parse(bad[i], &c), -1);
}

struct used {
	uint32_t v[8];
	size_t n;
};

static bool taken(void *data, uint32_t ip)
{
	struct used *u = data;

	for (size_t i = 0; i < u->n; i++)
		if (u->v[i] == ip)
			return true;
	return false;
}

static void test_next(void **state)
{
	struct pv_cidr c;
	struct used u = { .v = { 0x0A580002, 0x0A580003, 0x0A580005 }, .n = 3 };
	uint32_t ip = 0;

	(void)state;
	pv_cidr_parse("10.88.0.0/16", &c);
	assert_int_equal(pv_ipam_next(&c, taken, &u, &ip), 0);
	assert_int_equal(ip, 0x0A580004); /* the lowest free, reused after a pod goes */
	pv_cidr_parse("10.0.0.0/30", &c);
	u.v[0] = 0x0A000002;
	u.n = 1;
	assert_int_equal(pv_ipam_next(&c, taken, &u, &ip), -1); /* .1 gateway, .3 broadcast */
}

static void test_hashed(void **state)
{
	struct used u = { .n = 0 };
	uint32_t a, b, c;

	(void)state;
	assert_int_equal(pv_alloc_hashed("default/web", 30000, 32767, taken, &u, &a), 0);
	assert_in_range(a, 30000, 32767);
	/* Deterministic: the same key, the same value. */
	assert_int_equal(pv_alloc_hashed("default/web", 30000, 32767, taken, &u, &b), 0);
	assert_int_equal(a, b);
	assert_int_equal(pv_alloc_hashed("default/api", 30000, 32767, taken, &u, &c), 0);
	assert_int_not_equal(a, c);
	/* Taken: the next one, wrapping at the end of the range. */
	u.v[u.n++] = a;
	assert_int_equal(pv_alloc_hashed("default/web", 30000, 32767, taken, &u, &b), 0);
	assert_int_equal(b, a == 32767 ? 30000 : a + 1);
	u.n = 0;
	u.v[u.n++] = 7;
	u.v[u.n++] = 8;
	assert_int_equal(pv_alloc_hashed("x", 7, 9, taken, &u, &b), 0);
	assert_int_equal(b, 9);
	u.v[u.n++] = 9;
	assert_int_equal(pv_alloc_hashed("x", 7, 9, taken, &u, &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_hashed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
