/* The Service address book (supervisor/services/svc_alloc.c): entries that stay put
 * while the book grows, node ports per port, the sweep and the hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/services/svc_alloc.h"

/* The daemon died at the 17th Service: it kept pointers to entries while
 * adding more, and the array moved. Pointers handed out must stay valid. */
static void test_pointers_survive_growth(void **state)
{
	struct pv_svc_allocs a = { 0 };
	struct pv_svc_alloc *first[1000];
	char key[32];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "default/s%d", i);
		first[i] = pv_svc_alloc_get(&a, key);
		assert_non_null(first[i]);
		first[i]->ip = 0x0A600000u + (uint32_t)i;
	}
	assert_int_equal(a.n, 1000);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "default/s%d", i);
		assert_ptr_equal(pv_svc_alloc_get(&a, key), first[i]);
		assert_string_equal(first[i]->key, key); /* under ASan: no use after free */
		assert_int_equal(first[i]->ip, 0x0A600000u + (uint32_t)i);
	}
	pv_svc_allocs_free(&a);
}

/* Two ports of one Service never share a node port; the same port asking
 * again for the one it holds is not refused. */
static void test_node_ports_per_port(void **state)
{
	struct pv_svc_allocs a = { 0 };
	struct pv_svc_alloc *web, *other;

	(void)state;
	web = pv_svc_alloc_get(&a, "default/web");
	other = pv_svc_alloc_get(&a, "default/other");
	web->live = other->live = true;
	assert_int_equal(pv_svc_alloc_set_np(web, "http/TCP", 30080), 0);
	assert_false(pv_svc_allocs_np_taken(&a, web, "http/TCP", 30080));
	assert_true(pv_svc_allocs_np_taken(&a, web, "alt/TCP", 30080));
	assert_true(pv_svc_allocs_np_taken(&a, other, "http/TCP", 30080));
	assert_false(pv_svc_allocs_np_taken(&a, other, "http/TCP", 30081));
	/* a Service that is gone holds nothing */
	web->live = false;
	assert_false(pv_svc_allocs_np_taken(&a, other, "http/TCP", 30080));
	pv_svc_allocs_free(&a);
}

static void test_ip_taken(void **state)
{
	struct pv_svc_allocs a = { 0 };
	struct pv_svc_alloc *x, *y;

	(void)state;
	x = pv_svc_alloc_get(&a, "a/x");
	y = pv_svc_alloc_get(&a, "a/y");
	x->ip = 0x0A600010;
	x->live = y->live = true;
	assert_true(pv_svc_allocs_ip_taken(&a, y, 0x0A600010));
	assert_false(pv_svc_allocs_ip_taken(&a, x, 0x0A600010));
	x->live = false;
	assert_false(pv_svc_allocs_ip_taken(&a, y, 0x0A600010));
	pv_svc_allocs_free(&a);
}

/* The sweep forgets what was not seen; unmark forgets nothing; hold keeps
 * every entry's address taken, seen or not (an incomplete view). */
static void test_sweep_unmark_hold(void **state)
{
	struct pv_svc_allocs a = { 0 };
	struct pv_svc_alloc *x, *y, *z;

	(void)state;
	x = pv_svc_alloc_get(&a, "a/x");
	y = pv_svc_alloc_get(&a, "a/y");
	x->ip = 0x0A600010;
	y->ip = 0x0A600011;
	x->live = true;
	pv_svc_allocs_unmark(&a);
	assert_int_equal(a.n, 2);
	assert_false(x->live);

	pv_svc_allocs_hold(&a);
	z = pv_svc_alloc_get(&a, "a/z");
	z->live = true;
	assert_true(pv_svc_allocs_ip_taken(&a, z, 0x0A600011)); /* y: unseen, held */
	pv_svc_allocs_unmark(&a);

	x->live = true;
	pv_svc_allocs_sweep(&a);
	assert_int_equal(a.n, 1);
	assert_ptr_equal(pv_svc_alloc_find(&a, "a/x"), x);
	assert_null(pv_svc_alloc_find(&a, "a/y"));
	assert_false(x->live);
	pv_svc_allocs_free(&a);
}

static void test_save_load(void **state)
{
	struct pv_svc_allocs a = { 0 }, b = { 0 };
	struct pv_err err = { 0 };
	char path[] = "/tmp/pv-svc-alloc-XXXXXX";
	struct pv_svc_alloc *x;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (int i = 0; i < 40; i++) {
		char key[32];

		snprintf(key, sizeof(key), "ns/s%d", i);
		x = pv_svc_alloc_get(&a, key);
		x->ip = 0x0A600100u + (uint32_t)i;
		pv_svc_alloc_set_np(x, "http/TCP", (uint16_t)(30000 + i));
		pv_svc_alloc_set_np(x, "alt/UDP", (uint16_t)(31000 + i));
	}
	assert_int_equal(pv_svc_allocs_save(&a, path, &err), 0);
	pv_svc_allocs_load(&b, path);
	unlink(path);
	assert_int_equal(b.n, 40);
	x = pv_svc_alloc_find(&b, "ns/s39");
	assert_non_null(x);
	assert_int_equal(x->ip, 0x0A600100u + 39);
	assert_int_equal(pv_svc_alloc_np(x, "http/TCP"), 30039);
	assert_int_equal(pv_svc_alloc_np(x, "alt/UDP"), 31039);
	pv_svc_allocs_free(&a);
	pv_svc_allocs_free(&b);
}

/* The counts (pv_svc_taken) answer what the entry-by-entry loops answer,
 * through a pass that hands out addresses: 3,000 entries (past every
 * table's first size), some not live, random questions and changes. */
static void test_taken_counts_match(void **state)
{
	struct pv_svc_allocs a = { 0 };
	struct pv_svc_taken t;
	static const char *const keys[] = { "http/TCP", "https/TCP", "dns/UDP" };
	unsigned seed = 42;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		char key[32];
		struct pv_svc_alloc *e;

		snprintf(key, sizeof(key), "ns/svc-%d", i);
		e = pv_svc_alloc_get(&a, key);
		assert_non_null(e);
		e->live = rand_r(&seed) % 5 != 0;
		e->ip = rand_r(&seed) % 3 ? 0x0A600000u + (uint32_t)(rand_r(&seed) % 4000) : 0;
		for (int k = 0; k < 3; k++)
			if (rand_r(&seed) % 2)
				assert_int_equal(pv_svc_alloc_set_np(e, keys[k],
						 (uint16_t)(30000 + rand_r(&seed) % 2768)), 0);
	}
	assert_ptr_equal(pv_svc_alloc_find(&a, "ns/svc-2999"), a.v[2999]);
	assert_null(pv_svc_alloc_find(&a, "ns/svc-3000"));
	assert_int_equal(pv_svc_taken_build(&t, &a), 0);
	for (int round = 0; round < 20000; round++) {
		struct pv_svc_alloc *self = a.v[rand_r(&seed) % a.n];
		uint32_t ip = 0x0A600000u + (uint32_t)(rand_r(&seed) % 4000);
		uint16_t port = (uint16_t)(30000 + rand_r(&seed) % 2768);
		const char *key = keys[rand_r(&seed) % 3];

		assert_int_equal(pv_svc_taken_ip(&t, self, ip), pv_svc_allocs_ip_taken(&a, self, ip));
		assert_int_equal(pv_svc_taken_np(&t, self, key, port),
				 pv_svc_allocs_np_taken(&a, self, key, port));
		if (self->ip) /* asked of what it holds too */
			assert_int_equal(pv_svc_taken_ip(&t, self, self->ip),
					 pv_svc_allocs_ip_taken(&a, self, self->ip));
		if (round % 3 == 0)
			pv_svc_taken_set_ip(&t, self, ip);
		else if (round % 3 == 1)
			assert_int_equal(pv_svc_taken_set_np(&t, self, key, port), 0);
	}
	pv_svc_taken_free(&t);
	pv_svc_allocs_sweep(&a); /* the index follows the entries that move */
	for (size_t i = 0; i < a.n; i++)
		assert_ptr_equal(pv_svc_alloc_find(&a, a.v[i]->key), a.v[i]);
	pv_svc_allocs_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pointers_survive_growth),
		cmocka_unit_test(test_node_ports_per_port),
		cmocka_unit_test(test_ip_taken),
		cmocka_unit_test(test_sweep_unmark_hold),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_taken_counts_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
