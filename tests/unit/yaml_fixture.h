/* Shared by the YAML unit tests: parse text, keep the result, assert on
 * nodes and diagnostics. Included by test_yamltree.c and test_scalar.c. */
#ifndef PV_TESTS_YAML_FIXTURE_H
#define PV_TESTS_YAML_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/scalar.h"
#include "manifests/yamltree.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

struct parsed {
	struct pv_arena arena;   /* nodes */
	struct pv_arena strings; /* scalar text */
	struct pv_diags diags;
	struct pv_yaml_docs docs;
	int rc;
};

static inline void parsed_free(struct parsed *p)
{
	pv_diags_free(&p->diags);
	pv_arena_free(&p->arena);
	pv_arena_free(&p->strings);
	memset(p, 0, sizeof(*p));
	pv_arena_init(&p->arena, 0);
	pv_arena_init(&p->strings, 0);
}

/* Each parse starts from a clean P, dropping what an earlier parse in the
 * same test left; the teardown frees the last one, so that a failing
 * assertion (which longjmps out of the test) leaks nothing. */
static inline void parse_len_lim(struct parsed *p, const char *text, size_t len,
			  const struct pv_yaml_limits *lim)
{
	parsed_free(p);
	p->rc = pv_yaml_parse(text, len, lim, &p->arena, &p->strings, &p->docs, &p->diags);
}

static inline void parse_lim(struct parsed *p, const char *text, const struct pv_yaml_limits *lim)
{
	parse_len_lim(p, text, strlen(text), lim);
}

static inline void parse(struct parsed *p, const char *text)
{
	parse_lim(p, text, NULL);
}

static inline int parsed_setup(void **state)
{
	struct parsed *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	parsed_free(p);
	*state = p;
	return 0;
}

static inline int parsed_teardown(void **state)
{
	parsed_free(*state);
	free(*state);
	return 0;
}

static inline void print_diags(const struct pv_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag %u:%u %s: %s\n", d->v[i].loc.line, d->v[i].loc.col,
			      d->v[i].sev == PV_SEV_ERROR ? "error" : "warning", d->v[i].msg);
}

/* The text parsed into exactly one document without any diagnostic. */
static inline const struct pv_node *parse_ok(struct parsed *p, const char *text)
{
	parse(p, text);
	if (p->rc != 0 || p->diags.n != 0) {
		print_diags(&p->diags);
		fail_msg("parse of \"%s\" failed (rc %d)", text, p->rc);
	}
	assert_int_equal(p->docs.n, 1);
	assert_non_null(p->docs.roots[0]);
	return p->docs.roots[0];
}

/* The parse failed with exactly one error, at LINE:COL (COL 0: any),
 * whose message contains NEEDLE. */
static inline void expect_parse_error(struct parsed *p, unsigned line, unsigned col, const char *needle)
{
	assert_int_equal(p->rc, -1);
	if (p->diags.n != 1 || p->diags.nerrors != 1) {
		print_diags(&p->diags);
		fail_msg("expected exactly one error, got %zu diagnostics", p->diags.n);
	}
	assert_int_equal(p->diags.v[0].sev, PV_SEV_ERROR);
	if (!strstr(p->diags.v[0].msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", p->diags.v[0].msg, needle);
	assert_int_equal(p->diags.v[0].loc.line, line);
	if (col)
		assert_int_equal(p->diags.v[0].loc.col, col);
}

static inline void assert_loc(const struct pv_node *n, unsigned line, unsigned col)
{
	assert_non_null(n);
	assert_int_equal(n->loc.line, line);
	assert_int_equal(n->loc.col, col);
}

static inline void assert_scalar_str(const struct pv_node *n, const char *s)
{
	assert_non_null(n);
	assert_int_equal(n->type, PV_NODE_SCALAR);
	assert_int_equal(n->stype, PV_SCALAR_STR);
	assert_string_equal(n->str, s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, parsed_setup, parsed_teardown)

#endif
