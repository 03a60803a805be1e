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

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* The values themselves are part of podvisor's contract: a Service keeps
 * its cluster IP and node ports across upgrades and is given the same ones
 * on every node, so a change to the hash or to how the range is cut is a
 * visible break (clients with an address cached, firewall rules written by
 * hand). These were computed apart from podvisor (FNV-1a 32 in Python, whose
 * value for "a" is the published 0xe40c292c), with the ranges services.c
 * uses: cluster IPs in net+2 .. net+size-2 of --service-cidr (.1 is left
 * for "kubernetes"), node ports keyed "NS/NAME:PORTNAME/PROTOCOL". */
static void test_hashed_values_are_pinned(void **state)
{
	static const struct {
		const char *key;
		uint32_t ip;
	} ips[] = {
		{ "default/web", 0x0A604F42 },          /* 10.96.79.66 */
		{ "default/api", 0x0A604174 },          /* 10.96.65.116 */
		{ "kube-system/kube-dns", 0x0A604489 }, /* 10.96.68.137 */
	};
	static const struct {
		const char *key;
		uint32_t port;
	} ports[] = {
		{ "default/web:http/TCP", 30139 },
		{ "default/web:/TCP", 31771 },
		{ "default/web:dns/UDP", 31550 },
	};
	struct used u = { .n = 0 };
	struct pv_cidr c;
	uint32_t v;

	(void)state;
	assert_int_equal(pv_cidr_parse("10.96.0.0/16", &c), 0);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		assert_int_equal(pv_alloc_hashed(ips[i].key, c.net + 2, c.net + (1u << 16) - 2, taken, &u, &v), 0);
		assert_int_equal(v, ips[i].ip);
	}
	assert_int_equal(ips[0].ip, ip4(10, 96, 79, 66));
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		assert_int_equal(pv_alloc_hashed(ports[i].key, 30000, 32767, taken, &u, &v), 0);
		assert_int_equal(v, ports[i].port);
	}
	/* Taken: the very next address, also pinned. */
	u.v[u.n++] = ips[0].ip;
	assert_int_equal(pv_alloc_hashed("default/web", c.net + 2, c.net + (1u << 16) - 2, taken, &u, &v), 0);
	assert_int_equal(v, ip4(10, 96, 79, 67));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_hashed_values_are_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
