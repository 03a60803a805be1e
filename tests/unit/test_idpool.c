/* supervisor/node/idpool.c: ranges of 65536 host ids for pods in their
 * own user namespace: allocated without overlap, lowest free first,
 * reused once freed, refused when the pool is full, and recorded so that
 * a new daemon (a fresh pool read from the record) hands none out twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/node/idpool.h"

#define R PV_IDPOOL_RANGE
#define START 2147483648u

static void test_parse(void **state)
{
	struct pv_err err = { 0 };
	uint32_t start = 0;
	uint64_t count = 0;

	(void)state;
	assert_int_equal(pv_idpool_parse("2147483648:67108864", &start, &count, &err), 0);
	assert_int_equal(start, START);
	assert_int_equal(count, 1024ull * R);
	assert_int_equal(pv_idpool_parse("65536:65536", &start, &count, &err), 0);
	assert_int_equal(pv_idpool_parse("0:65536", &start, &count, &err), -1);      /* host ids */
	assert_int_equal(pv_idpool_parse("100000:65536", &start, &count, &err), -1); /* not aligned */
	assert_non_null(strstr(err.msg, "multiples of 65536"));
	assert_int_equal(pv_idpool_parse("65536:1000", &start, &count, &err), -1);
	assert_int_equal(pv_idpool_parse("4294901760:65536", &start, &count, &err), -1); /* (uid_t)-1 */
	assert_non_null(strstr(err.msg, "below 4294967295"));
	assert_int_equal(pv_idpool_parse("65536", &start, &count, &err), -1);
	assert_int_equal(pv_idpool_parse("65536:x", &start, &count, &err), -1);
	assert_int_equal(pv_idpool_parse(":65536", &start, &count, &err), -1);
}

static void test_alloc_disjoint_lowest_first(void **state)
{
	struct pv_idpool p;
	struct pv_err err = { 0 };
	uint32_t base[40], again;
	char owner[16];

	(void)state;
	assert_int_equal(pv_idpool_open(&p, START, 64ull * R, NULL, &err), 0);
	for (int i = 0; i < 40; i++) { /* past the array's first capacities */
		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_alloc(&p, owner, &base[i], &err), 0);
		assert_int_equal(base[i], START + (uint32_t)i * R);
	}
	for (int i = 0; i < 40; i++)
		for (int j = i + 1; j < 40; j++)
			assert_true(base[i] + R <= base[j] || base[j] + R <= base[i]);
	/* the same owner again: its own range, nothing new */
	assert_int_equal(pv_idpool_alloc(&p, "pod7", &again, &err), 0);
	assert_int_equal(again, base[7]);
	assert_int_equal(p.n, 40);
	assert_true(pv_idpool_find(&p, "pod39", &again));
	assert_int_equal(again, base[39]);
	assert_false(pv_idpool_find(&p, "nobody", NULL));
	pv_idpool_close(&p);
}

static void test_free_and_reuse(void **state)
{
	struct pv_idpool p;
	struct pv_err err = { 0 };
	uint32_t a, b, c, d;

	(void)state;
	assert_int_equal(pv_idpool_open(&p, START, 8ull * R, NULL, &err), 0);
	assert_int_equal(pv_idpool_alloc(&p, "a", &a, &err), 0);
	assert_int_equal(pv_idpool_alloc(&p, "b", &b, &err), 0);
	assert_int_equal(pv_idpool_alloc(&p, "c", &c, &err), 0);
	assert_int_equal(pv_idpool_release(&p, "b", &err), 0);
	assert_false(pv_idpool_find(&p, "b", NULL));
	assert_int_equal(pv_idpool_release(&p, "b", &err), 0); /* twice: nothing */
	assert_int_equal(pv_idpool_alloc(&p, "d", &d, &err), 0);
	assert_int_equal(d, b); /* the freed range, the lowest free */
	pv_idpool_close(&p);
}

static void test_exhaustion(void **state)
{
	struct pv_idpool p;
	struct pv_err err = { 0 };
	uint32_t base;
	char owner[16];

	(void)state;
	assert_int_equal(pv_idpool_open(&p, START, 3ull * R, NULL, &err), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_alloc(&p, owner, &base, &err), 0);
	}
	assert_int_equal(pv_idpool_alloc(&p, "one-too-many", &base, &err), -1);
	assert_int_equal(err.code, ENOSPC);
	assert_non_null(strstr(err.msg, "is full"));
	assert_int_equal(p.n, 3);
	assert_int_equal(pv_idpool_release(&p, "pod1", &err), 0);
	assert_int_equal(pv_idpool_alloc(&p, "one-too-many", &base, &err), 0);
	assert_int_equal(base, START + R);
	pv_idpool_close(&p);
}

static char *tmp_record(void)
{
	char *dir = strdup("/tmp/test_idpool.XXXXXX"), *path = NULL;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&path, "%s/userns.json", dir) > 0);
	free(dir);
	return path;
}

static void cleanup_record(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

static bool keep_even(const char *owner, void *data)
{
	(void)data;
	return strncmp(owner, "pod", 3) == 0 && atoi(owner + 3) % 2 == 0;
}

static bool keep_none(const char *owner, void *data)
{
	(void)owner;
	(void)data;
	return false;
}

/* A new pool over the same record (a daemon restarted, even killed with
 * -9 after an allocation) holds what the old one handed out. */
static void test_persisted_load(void **state)
{
	struct pv_idpool p, q;
	struct pv_err err = { 0 };
	char *path = tmp_record(), owner[16];
	uint32_t base[20], b;

	(void)state;
	assert_int_equal(pv_idpool_open(&p, START, 32ull * R, path, &err), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_alloc(&p, owner, &base[i], &err), 0);
	}
	assert_int_equal(pv_idpool_release(&p, "pod3", &err), 0);
	/* no close: as if the daemon died here */
	assert_int_equal(pv_idpool_open(&q, START, 32ull * R, path, &err), 0);
	assert_int_equal(q.n, 19);
	for (int i = 0; i < 20; i++) {
		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_find(&q, owner, &b), i != 3);
		if (i != 3)
			assert_int_equal(b, base[i]);
	}
	assert_int_equal(pv_idpool_alloc(&q, "new", &b, &err), 0);
	assert_int_equal(b, base[3]); /* the freed one, no held one */
	assert_int_equal(pv_idpool_alloc(&q, "newer", &b, &err), 0);
	assert_int_equal(b, START + 20 * R);
	/* the pods that did not come back give theirs up */
	q.proc = "/nonexistent"; /* no process of the machine's counts */
	assert_int_equal(pv_idpool_retain(&q, keep_even, NULL, &err), 11);
	pv_idpool_close(&p);
	pv_idpool_close(&q);
	assert_int_equal(pv_idpool_open(&q, START, 32ull * R, path, &err), 0);
	assert_int_equal(q.n, 10);
	assert_true(pv_idpool_find(&q, "pod4", NULL));
	assert_false(pv_idpool_find(&q, "pod5", NULL));
	pv_idpool_close(&q);
	cleanup_record(path);
}

/* A pool made smaller while pods hold ranges past its end, or moved: the
 * ranges held stay held and nothing new overlaps them. */
static void test_held_outside_pool(void **state)
{
	struct pv_idpool p;
	struct pv_err err = { 0 };
	char *path = tmp_record();
	uint32_t b;

	(void)state;
	assert_int_equal(pv_idpool_open(&p, START, 4ull * R, path, &err), 0);
	for (int i = 0; i < 4; i++) {
		char owner[16];

		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_alloc(&p, owner, &b, &err), 0);
	}
	pv_idpool_close(&p);
	assert_int_equal(pv_idpool_open(&p, START + 2 * R, 4ull * R, path, &err), 0);
	assert_true(pv_idpool_find(&p, "pod0", &b));
	assert_int_equal(b, START);
	assert_int_equal(pv_idpool_alloc(&p, "new", &b, &err), 0);
	assert_int_equal(b, START + 4 * R); /* pod2 and pod3 still hold the first two */
	pv_idpool_close(&p);
	cleanup_record(path);
}

/* A fake /proc: PID's user namespace (its ns/user link) and uid_map. */
static void fake_proc(const char *proc, const char *pid, const char *ns, const char *map)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/ns", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/ns/user", proc, pid);
	assert_int_equal(symlink(ns, path), 0);
	if (!map)
		return; /* gone halfway through the scan */
	snprintf(path, sizeof(path), "%s/%s/uid_map", proc, pid);
	assert_non_null(f = fopen(path, "w"));
	fputs(map, f);
	fclose(f);
}

/* After a kill -9 in a pod's start its record is lost but its init lives
 * on in its user namespace: its range is not released, so not handed out
 * again; the others are. The daemon's own namespace maps everything and
 * does not count. */
static void test_retain_keeps_ranges_in_use(void **state)
{
	char proc[] = "/tmp/test_idpool_procXXXXXX", cmd[600];
	struct pv_idpool p;
	struct pv_err err = { 0 };
	uint32_t b;
	char line[128];

	(void)state;
	assert_non_null(mkdtemp(proc));
	fake_proc(proc, "self", "user:[1]", "         0          0 4294967295\n");
	fake_proc(proc, "1", "user:[1]", "         0          0 4294967295\n");
	snprintf(line, sizeof(line), "         0 %10u      65536\n", START + R);
	fake_proc(proc, "200", "user:[2]", line);
	snprintf(line, sizeof(line), "         0 %10u         10\n", START + 2 * R + 100);
	fake_proc(proc, "300", "user:[3]", line); /* overlaps pod2's range: that counts */
	fake_proc(proc, "400", "user:[4]", NULL);
	snprintf(line, sizeof(line), "         0 %10u      65536\n", START + 4 * R);
	fake_proc(proc, "500", "user:[5]", line); /* killed, not yet reaped: runs nothing */
	{
		char path[600];
		FILE *f;

		snprintf(path, sizeof(path), "%s/500/stat", proc);
		assert_non_null(f = fopen(path, "w"));
		fputs("500 (pod-init (x) y) Z 1 500 500 0 -1", f);
		fclose(f);
	}
	assert_false(pv_idpool_in_use(proc, START + 4 * R));
	assert_false(pv_idpool_in_use(proc, START));
	assert_true(pv_idpool_in_use(proc, START + R));
	assert_true(pv_idpool_in_use(proc, START + 2 * R));
	assert_false(pv_idpool_in_use(proc, START + 3 * R));
	assert_int_equal(pv_idpool_open(&p, START, 8ull * R, NULL, &err), 0);
	p.proc = proc;
	for (int i = 0; i < 4; i++) {
		char owner[16];

		snprintf(owner, sizeof(owner), "pod%d", i);
		assert_int_equal(pv_idpool_alloc(&p, owner, &b, &err), 0);
	}
	assert_int_equal(pv_idpool_retain(&p, keep_none, NULL, &err), 2);
	assert_true(pv_idpool_find(&p, "pod1", NULL));
	assert_true(pv_idpool_find(&p, "pod2", NULL));
	assert_int_equal(pv_idpool_alloc(&p, "new", &b, &err), 0);
	assert_int_equal(b, START); /* not the one the orphan still uses */
	assert_int_equal(pv_idpool_alloc(&p, "newer", &b, &err), 0);
	assert_int_equal(b, START + 3 * R);
	pv_idpool_close(&p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", proc);
	assert_int_equal(system(cmd), 0);
}

static void test_broken_record(void **state)
{
	struct pv_idpool p;
	struct pv_err err = { 0 };
	char *path = tmp_record();
	uint32_t b;
	FILE *f = fopen(path, "w");

	(void)state;
	assert_non_null(f);
	fputs("{\"ranges\": [{\"base\": 5}]}", f);
	fclose(f);
	assert_int_equal(pv_idpool_open(&p, START, 4ull * R, path, &err), -1);
	assert_int_equal(pv_idpool_alloc(&p, "x", &b, &err), -1);
	assert_non_null(strstr(err.msg, "userns.json"));
	assert_int_equal(pv_idpool_retain(&p, keep_even, NULL, &err), 0);
	assert_int_equal(pv_idpool_release(&p, "x", &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	{
		char buf[64] = { 0 };

		assert_non_null(fgets(buf, sizeof(buf), f));
		assert_string_equal(buf, "{\"ranges\": [{\"base\": 5}]}"); /* left as it was */
	}
	fclose(f);
	pv_idpool_close(&p);
	cleanup_record(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_alloc_disjoint_lowest_first),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_persisted_load),
		cmocka_unit_test(test_held_outside_pool),
		cmocka_unit_test(test_broken_record),
		cmocka_unit_test(test_retain_keeps_ranges_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
