/* manifests/validate.h: field paths kept unformatted (PV_VPATH) and made
 * text only for a diagnostic (pv_vpath_format), as the validators
 * printed them when they were formatted at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "common/arena.h"
#include "manifests/validate.h"

static void test_vpath_nested(void **state)
{
	const struct pv_vpath *spec = PV_VPATH("spec.template.spec");
	const struct pv_vpath *c = PV_VPATH("%s.containers[%zu]", spec, (size_t)2);
	const struct pv_vpath *p = PV_VPATH("%s.ports[%zu]", c, 0);
	const char *kind = "initContainers";
	char buf[1024], want[32];

	(void)state;
	assert_string_equal(pv_vpath_format(spec, buf, sizeof(buf)), "spec.template.spec");
	assert_string_equal(pv_vpath_format(c, buf, sizeof(buf)), "spec.template.spec.containers[2]");
	assert_string_equal(pv_vpath_format(PV_VPATH("%s.containerPort", p), buf, sizeof(buf)),
			    "spec.template.spec.containers[2].ports[0].containerPort");
	assert_string_equal(pv_vpath_format(PV_VPATH("%s.%s[%zu].name", spec, kind, 10), buf,
					    sizeof(buf)),
			    "spec.template.spec.initContainers[10].name");
	assert_string_equal(pv_vpath_format(PV_VPATH("%s[%s]", PV_VPATH("metadata.labels"),
						     "app.kubernetes.io/name"), buf, sizeof(buf)),
			    "metadata.labels[app.kubernetes.io/name]");
	/* SIZE_MAX: 18446744073709551615, or 4294967295 on 32-bit ARM */
	snprintf(want, sizeof(want), "a[%zu]", SIZE_MAX);
	assert_string_equal(pv_vpath_format(PV_VPATH("a[%zu]", SIZE_MAX), buf, sizeof(buf)), want);
}

/* A NULL string prints as glibc's printf prints it; no path is "". */
static void test_vpath_null(void **state)
{
	const char *none = NULL;
	char buf[64];

	(void)state;
	assert_string_equal(pv_vpath_format(PV_VPATH("x[%s]", none), buf, sizeof(buf)),
			    "x[(null)]");
	assert_string_equal(pv_vpath_format(NULL, buf, sizeof(buf)), "");
}

/* Cut to the buffer, as snprintf cuts: the parent's text and the rest
 * alike. */
static void test_vpath_cut(void **state)
{
	const struct pv_vpath *p = PV_VPATH("spec.containers[%zu]", 12);
	char buf[8], big[1024], out[1024];

	(void)state;
	assert_string_equal(pv_vpath_format(p, buf, sizeof(buf)), "spec.co");
	assert_string_equal(pv_vpath_format(PV_VPATH("%s.image", p), buf, sizeof(buf)), "spec.co");
	assert_string_equal(pv_vpath_format(PV_VPATH("ab%s", "cdefghijk"), buf, sizeof(buf)),
			    "abcdefg");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(pv_vpath_format(PV_VPATH("%s.%s", p, big), out, sizeof(out))),
			 sizeof(out) - 1);
	assert_memory_equal(out, "spec.containers[12].xxx", 23);
}

/* An argument that does not fit its conversion shows as "?". */
static void test_vpath_mismatch(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(pv_vpath_format(PV_VPATH("a[%zu]", "s"), buf, sizeof(buf)), "a[?]");
	assert_string_equal(pv_vpath_format(PV_VPATH("a.%s", 3), buf, sizeof(buf)), "a.?");
	assert_string_equal(pv_vpath_format(PV_VPATH("a.%d", 3), buf, sizeof(buf)), "a.?");
	assert_string_equal(pv_vpath_format(PV_VPATH("%s.%s.%s.%s", "a", "b", "c"), buf,
					    sizeof(buf)), "a.b.c.?");
	assert_string_equal(pv_vpath_format(PV_VPATH("a%"), buf, sizeof(buf)), "a?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpath_nested),
		cmocka_unit_test(test_vpath_null),
		cmocka_unit_test(test_vpath_cut),
		cmocka_unit_test(test_vpath_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
