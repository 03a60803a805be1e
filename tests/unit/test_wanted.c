/* The wanted-pods set (node/wanted.c) and the reconcile driver's order
 * (reconcile/reconcile.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/node/wanted.h"
#include "supervisor/reconcile/reconcile.h"

#define N 300 /* past the first capacity (64) and a few doublings */

static void test_add_find(void **state)
{
	static struct pv_objhead heads[N];
	static struct pv_object objs[N];
	static char names[N][16];
	struct pv_wanted w = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "web-%d", i);
		heads[i].metadata.name.v = names[i];
		heads[i].metadata.namespace.v = i % 2 ? "prod" : NULL; /* NULL: "default" */
		objs[i].obj = &heads[i];
		assert_int_equal(pv_wanted_add(&w, &objs[i], "/m/pods.yaml"), 0);
	}
	assert_int_equal(w.n, N);
	for (int i = 0; i < N; i++) {
		const struct pv_wanted_pod *p = pv_wanted_find(&w, i % 2 ? "prod" : "default", names[i]);

		assert_non_null(p);
		assert_ptr_equal(p->obj, &objs[i]);
		assert_string_equal(p->source, "/m/pods.yaml");
		assert_null(pv_wanted_find(&w, i % 2 ? "default" : "prod", names[i]));
	}
	assert_null(pv_wanted_find(&w, "default", "web-300"));
	pv_wanted_clear(&w);
	assert_int_equal(w.n, 0);
	assert_null(pv_wanted_find(&w, "default", "web-0"));
	pv_wanted_free(&w);
}

/* Services before pods (their environment), claims before pods (mounts),
 * the wanted set before all (static pods, then the controllers' pods),
 * endpoints after pods. */
static void test_driver_order(void **state)
{
	static const char *const want[] = { "wanted", "controllers", "services", "storage", "pods", "endpoints" };
	size_t n;
	const struct pv_reconcile_step *s = pv_reconcile_steps(&n);

	(void)state;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s[i].name, want[i]);
		assert_non_null(s[i].sync);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find),
		cmocka_unit_test(test_driver_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
