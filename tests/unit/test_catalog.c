/* manifests/catalog.c: the catalog, a hash table of the objects of files
 * loaded one at a time, reports what pv_files_check_duplicates reports
 * over all the files at once: the same errors, in the same order, on the
 * same files; and it grows past its first table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/manifest.h"

#define NFILES 4

/* The same files loaded twice: A for pv_files_check_duplicates, B for
 * the catalog. */
struct twin {
	struct pv_file a[NFILES], b[NFILES];
	size_t n;
};

static int twin_teardown(void **state)
{
	struct twin *t = *state;

	for (size_t i = 0; t && i < t->n; i++) {
		pv_file_free(&t->a[i]);
		pv_file_free(&t->b[i]);
	}
	free(t);
	return 0;
}

static int twin_setup(void **state)
{
	*state = calloc(1, sizeof(struct twin));
	return *state ? 0 : -1;
}

static void twin_load(struct twin *t, const char *name, const char *text)
{
	assert_true(t->n < NFILES);
	pv_file_load_buf(&t->a[t->n], name, text, strlen(text));
	pv_file_load_buf(&t->b[t->n], name, text, strlen(text));
	t->n++;
}

/* Both ways, then file by file the same diagnostics, in the same order. */
static void twin_compare(struct twin *t)
{
	struct pv_file *files[NFILES];
	struct pv_catalog c;

	for (size_t i = 0; i < t->n; i++)
		files[i] = &t->a[i];
	pv_files_check_duplicates(files, t->n);
	pv_catalog_init(&c);
	for (size_t i = 0; i < t->n; i++)
		assert_int_equal(pv_catalog_add(&c, &t->b[i]), 0);
	assert_int_equal(c.files, t->n);
	pv_catalog_free(&c);
	for (size_t i = 0; i < t->n; i++) {
		const struct pv_diags *x = &t->a[i].diags, *y = &t->b[i].diags;

		assert_int_equal(t->a[i].failed, t->b[i].failed);
		assert_int_equal(x->n, y->n);
		assert_int_equal(x->nerrors, y->nerrors);
		for (size_t j = 0; j < x->n; j++) {
			assert_int_equal(x->v[j].sev, y->v[j].sev);
			assert_int_equal(x->v[j].loc.line, y->v[j].loc.line);
			assert_int_equal(x->v[j].loc.col, y->v[j].loc.col);
			assert_string_equal(x->v[j].path, y->v[j].path);
			assert_string_equal(x->v[j].msg, y->v[j].msg);
		}
	}
}

static size_t count_msgs(const struct pv_file *f, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < f->diags.n; i++)
		n += strstr(f->diags.v[i].msg, needle) != NULL;
	return n;
}

static const char first[] =
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: cm}\n"                          /* 3 */
	"---\n"
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata: {name: cm, namespace: other}\n"        /* 7 */
	"---\n"
	"apiVersion: v1\n"
	"kind: Namespace\n"
	"metadata: {name: other}\n";                      /* 11 */

static const char second[] =
	"apiVersion: v1\n"
	"kind: Namespace\n"
	"metadata: {name: cm}\n"                  /* cluster-scoped: not the ConfigMap */
	"---\n"
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata: {name: cm, namespace: other}\n"        /* 7: first.yaml:7 */
	"---\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: cm, namespace: default}\n"      /* 11: first.yaml:3 */
	"---\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: m, namespace: otherc}\n"        /* not other/cm: "otherc"+"m" */
	"---\n"
	"apiVersion: v1\n"
	"kind: Namespace\n"
	"metadata: {name: other}\n";                      /* 19: first.yaml:11 */

static void test_same_reports_as_sorting(void **state)
{
	struct twin *t = *state;

	twin_load(t, "first.yaml", first);
	twin_load(t, "second.yaml", second);
	twin_load(t, "third.yaml", second); /* the first's objects named as the first's */
	twin_load(t, "first.yaml", first);  /* the same path twice, as `check d d` */
	twin_compare(t);
	assert_false(t->b[0].failed);
	assert_int_equal(t->b[1].diags.nerrors, 3);
	assert_int_equal(count_msgs(&t->b[1], "already defined in first.yaml:"), 3);
	assert_int_equal(count_msgs(&t->b[2], "already defined in first.yaml:"), 3);
	assert_int_equal(count_msgs(&t->b[2], "already defined in second.yaml:"), 2);
	assert_int_equal(count_msgs(&t->b[3], "already defined in first.yaml:"), 3);
	assert_int_equal(count_msgs(&t->b[1], "ConfigMap default/cm is already defined in first.yaml:3"), 1);
	assert_int_equal(count_msgs(&t->b[1], "Namespace other is already defined in first.yaml:11"), 1);
}

/* Within a file, repeats are the load's: the catalog adds none, but a
 * repeat of an earlier file's object is reported at each copy. */
static void test_repeats_within_a_file(void **state)
{
	static const char twice[] =
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata: {name: cm}\n"
		"---\n"
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata: {name: cm}\n";
	struct twin *t = *state;

	twin_load(t, "a.yaml", twice);
	twin_load(t, "b.yaml", twice);
	twin_compare(t);
	assert_int_equal(t->b[0].diags.nerrors, 1); /* the load's own */
	assert_int_equal(count_msgs(&t->b[1], "already defined in a.yaml:3"), 2);
	assert_int_equal(count_msgs(&t->b[1], "defined twice in this file"), 1);
}

/* Enough objects to grow the table several times; every one of a later
 * file's repeats found, in the sorted order. */
static char *many(size_t n, size_t from)
{
	size_t cap = n * 80 + 1, len = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%zu}\n",
					from + (i * 7919) % n);
	return s;
}

static void test_grows(void **state)
{
	struct twin *t = *state;
	char *a = many(600, 0), *b = many(600, 300);

	twin_load(t, "a.yaml", a);
	twin_load(t, "b.yaml", b);
	free(a);
	free(b);
	twin_compare(t);
	assert_int_equal(t->b[0].nobjects, 600);
	assert_int_equal(t->b[1].diags.nerrors, 300);
	assert_int_equal(t->b[1].diags.n, 200); /* PV_DIAGS_MAX: the first 200 in sorted order */
}

/* An object without a name is no one's repeat. */
static void test_unnamed(void **state)
{
	static const char unnamed[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n";
	struct twin *t = *state;

	twin_load(t, "a.yaml", unnamed);
	twin_load(t, "b.yaml", unnamed);
	twin_compare(t);
	assert_int_equal(count_msgs(&t->b[1], "already defined"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, twin_setup, twin_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_same_reports_as_sorting),
		T(test_repeats_within_a_file),
		T(test_grows),
		T(test_unnamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
