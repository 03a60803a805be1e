/* common/arena.h: a first chunk of the size asked for (pv_arena_reserve),
 * and manifests' pv_file_new_buf_sized, which uses it. (Out of memory:
 * tests/unit/test_oom.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "manifests/manifest.h"

/* How many bytes of 100-byte pieces come one after the other in memory
 * from the start: the first chunk's room, as far as LIMIT. */
static size_t contiguous(struct pv_arena *a, size_t limit)
{
	unsigned char *first = pv_arena_alloc(a, 100), *prev = first;

	assert_non_null(first);
	while ((size_t)(prev - first) + 2 * PV_ARENA_ALIGN * 7 < limit) {
		unsigned char *p = pv_arena_alloc(a, 100);

		assert_non_null(p);
		if (p != prev + 112) /* 100 rounded up to the alignment */
			return (size_t)(prev - first) + 112;
		prev = p;
	}
	return limit;
}

static void test_reserve(void **state)
{
	struct pv_arena a;

	(void)state;
	pv_arena_init(&a, 0);
	assert_true(contiguous(&a, 6000) < 2048); /* without: a 1 KiB chunk first */
	pv_arena_free(&a);

	pv_arena_init(&a, 0);
	pv_arena_reserve(&a, 6000);
	assert_int_equal(contiguous(&a, 5900), 5900); /* one chunk */
	pv_arena_free(&a);

	pv_arena_init(&a, 0);
	pv_arena_reserve(&a, 1 << 20); /* at most 64 KiB */
	assert_true(contiguous(&a, 200 << 10) <= 64 << 10);
	pv_arena_free(&a);
}

static const char pod[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"labels\":{\"app\":\"web\"}},"
	"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"command\":[\"sleep\",\"9\"],"
	"\"ports\":[{\"containerPort\":80}]}]}}";

/* Sized from an earlier file of the same shape, a file loads the same. */
static void test_file_sized(void **state)
{
	struct pv_file *a = pv_file_new_buf("pod.json", pod, strlen(pod)), *b;

	(void)state;
	assert_non_null(a);
	assert_false(a->failed);
	b = pv_file_new_buf_sized("pod.json", pod, strlen(pod), a->arena.used);
	assert_non_null(b);
	assert_false(b->failed);
	assert_int_equal(b->nobjects, 1);
	assert_int_equal(b->arena.used, a->arena.used);
	assert_int_equal(b->arena.first, (a->arena.used + PV_ARENA_ALIGN - 1) & ~(size_t)(PV_ARENA_ALIGN - 1));
	assert_string_equal(b->objects[0].obj->metadata.name.v, "web-1");
	pv_file_put(a);
	pv_file_put(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_file_sized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
