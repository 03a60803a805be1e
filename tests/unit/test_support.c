/* manifests/support.c: the table of what podvisor acts on, its lookups,
 * that every field the schema ignores has a row, and that README.md's
 * table is this one (run from the top of the tree, as make does). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/schema.h"
#include "manifests/support.h"

static void test_lookups(void **state)
{
	const struct pv_support *s;
	char msg[256];

	(void)state;
	s = pv_support_find("PodSpec", "hostIPC");
	assert_non_null(s);
	assert_int_equal(s->state, PV_NOT_YET);
	assert_int_equal(s->issue, 14);
	pv_support_say(s, msg, sizeof(msg));
	assert_string_equal(msg, "not acted on by podvisor yet (issue 14): the pod gets its own IPC namespace");
	assert_int_equal(pv_support_find("StatefulSet", NULL)->state, PV_ACTED);
	assert_int_equal(pv_support_find("Deployment", NULL)->state, PV_ACTED);
	s = pv_support_find("PodSpec", "nodeSelector");
	assert_non_null(s);
	assert_int_equal(s->state, PV_ACTED);
	assert_int_equal(pv_support_find("PodSpec", "priorityClassName")->state, PV_NOT_YET);
	assert_int_equal(pv_support_find("NodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution")->state,
			 PV_MOOT);
	assert_non_null(pv_support_find("Container", "livenessProbe"));
	assert_int_equal(pv_support_find("Pod", NULL)->state, PV_ACTED);
	assert_int_equal(pv_support_find("Container", "resources")->state, PV_ACTED);
	assert_int_equal(pv_support_find("PodSpec", "serviceAccountName")->state, PV_MOOT);
	assert_null(pv_support_find("Pod", "nodeSelector"));
	assert_null(pv_support_find("PodSpec", NULL));
}

/* Every PV_F_IGNORED field under TYPE has a PV_NOT_YET row. */
static void ignored_have_rows(const struct pv_type *t, int depth)
{
	if (depth > 12)
		return;
	for (const struct pv_field *f = t->fields; f->name; f++) {
		const struct pv_support *s;

		if (f->kind == PV_F_OBJ || f->kind == PV_F_LIST)
			ignored_have_rows(f->type, depth + 1);
		if (f->kind != PV_F_IGNORED)
			continue;
		s = pv_support_find(t->name, f->name);
		if (!s || s->state != PV_NOT_YET)
			fail_msg("%s.%s is ignored by the schema but has no NOT_YET row", t->name,
				 f->name);
	}
}

static void test_every_ignored_field_has_a_row(void **state)
{
	(void)state;
	for (int k = 0; k < PV_KIND_COUNT; k++) {
		const struct pv_kind_info *ki = pv_kind_get((enum pv_kind)k);

		assert_non_null(pv_support_find(ki->name, NULL));
		ignored_have_rows(ki->type, 0);
	}
}

static void row_line(const struct pv_support *s, char *buf, size_t len)
{
	const char *state = s->state == PV_ACTED ? "acted" : s->state == PV_MOOT ? "nothing to do" : "not yet";
	char issue[32] = "";

	if (s->state == PV_NOT_YET && s->issue)
		snprintf(issue, sizeof(issue), " (issue %u)", s->issue);
	snprintf(buf, len, "| %s | %s | %s%s | %s |\n", s->type, s->field ? s->field : "(kind)",
		 state, issue, s->note);
}

static void test_readme_has_the_table(void **state)
{
	FILE *f = fopen("README.md", "r");
	size_t n, i = 0;
	const struct pv_support *rows = pv_support_rows(&n);
	char line[1024], want[1024];
	int in = 0, bad = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "<!-- support-table begin")) {
			in = 1;
			continue;
		}
		if (strstr(line, "<!-- support-table end"))
			break;
		if (!in || strncmp(line, "| ", 2) != 0 || strncmp(line, "| type ", 7) == 0)
			continue;
		if (i >= n) {
			bad = 1;
			break;
		}
		row_line(&rows[i++], want, sizeof(want));
		if (strcmp(line, want) != 0) {
			print_error("README.md:   %swant:        %s", line, want);
			bad = 1;
		}
	}
	fclose(f);
	if (bad || i != n) {
		print_error("README.md's support table must be (%zu rows, has %zu):\n", n, i);
		for (size_t j = 0; j < n; j++) {
			row_line(&rows[j], want, sizeof(want));
			print_error("%s", want);
		}
		fail();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_every_ignored_field_has_a_row),
		cmocka_unit_test(test_readme_has_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
