/* Unit tests for supervisor/core/fsutil.c's whole-file writes: the
 * durable one (pv_write_atomic, flushed) and the one for a boot's
 * runtime records (pv_write_replace, not flushed). Both replace a file
 * whole: a reader sees the old contents or the new, never a part, and no
 * temporary file is left behind, also when the write fails. That the
 * second makes no flush is test_startpath's (it counts them). */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/core/fsutil.h"

typedef int write_fn(const char *path, const void *buf, size_t len, mode_t mode,
		     struct pv_err *err);

static char dir[] = "/tmp/pv-test-fsutil.XXXXXX";

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/pv-test-fsutil.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct pv_err err = { 0 };

	(void)state;
	return pv_rm_rf(dir, &err);
}

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void check_write(write_fn *write)
{
	char path[256];
	struct pv_err err = { 0 };
	struct stat st;
	size_t len = 0;
	char *got;

	snprintf(path, sizeof(path), "%s/pod.json", dir);
	assert_int_equal(write(path, "{\"a\":1}", 7, 0600, &err), 0);
	got = pv_read_file(path, 1 << 20, &len, &err);
	assert_non_null(got);
	assert_string_equal(got, "{\"a\":1}");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* replaced whole: shorter contents leave nothing of the old */
	assert_int_equal(write(path, "{}", 2, 0644, &err), 0);
	got = pv_read_file(path, 1 << 20, &len, &err);
	assert_non_null(got);
	assert_string_equal(got, "{}");
	assert_int_equal(len, 2);
	free(got);
	assert_int_equal(entries(), 1); /* no temporary file left */
}

static void test_atomic(void **state)
{
	(void)state;
	check_write(pv_write_atomic);
}

static void test_replace(void **state)
{
	(void)state;
	check_write(pv_write_replace);
}

/* A failed write says which file, and leaves nothing behind. */
static void check_fails(write_fn *write)
{
	char path[256];
	struct pv_err err = { 0 };

	snprintf(path, sizeof(path), "%s/missing/pod.json", dir);
	assert_int_equal(write(path, "x", 1, 0600, &err), -1);
	assert_non_null(strstr(err.msg, "missing/pod.json"));
	assert_int_equal(entries(), 0);

	/* renaming over a directory fails after the write aside */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/inner", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	err = (struct pv_err){ 0 };
	assert_int_equal(write(path, "x", 1, 0600, &err), -1);
	assert_non_null(strstr(err.msg, "sub"));
	assert_int_equal(entries(), 1); /* sub alone: the temporary file is gone */
}

static void test_atomic_fails(void **state)
{
	(void)state;
	check_fails(pv_write_atomic);
}

static void test_replace_fails(void **state)
{
	(void)state;
	check_fails(pv_write_replace);
}

static void test_json_replace(void **state)
{
	char path[256];
	struct pv_err err = { 0 };
	struct json_object *j = json_object_new_object(), *back;

	(void)state;
	json_object_object_add(j, "path", json_object_new_string("/a/b"));
	snprintf(path, sizeof(path), "%s/spec.json", dir);
	assert_int_equal(pv_write_json_replace(path, j, &err), 0);
	back = pv_read_json(path, &err);
	assert_non_null(back);
	assert_true(json_object_equal(j, back));
	json_object_put(back);
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_replace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
