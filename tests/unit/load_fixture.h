/* Shared by the loader unit tests: a fixture with two files and a
 * scratch directory, and assertions on diagnostics. Included by
 * test_load.c and test_load_limits.c. */
#ifndef PV_TESTS_LOAD_FIXTURE_H
#define PV_TESTS_LOAD_FIXTURE_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "manifests/encode.h"
#include "manifests/manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: two files and a scratch directory, freed by the teardown
 * even when an assertion fails ---- */

struct fixture {
	struct pv_file f[2];
	char dir[64];
	char *big; /* a large input buffer */
	struct json_object *json;
};

static inline int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pv-test-load.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Our scratch directory holds only plain entries: unlink them, then it. */
static inline void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static inline int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(fx->f); i++)
		pv_file_free(&fx->f[i]);
	free(fx->big);
	if (fx->json)
		json_object_put(fx->json);
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static inline void print_diags(const struct pv_file *f)
{
	for (size_t i = 0; i < f->diags.n; i++) {
		const struct pv_diag *d = &f->diags.v[i];

		print_message("  %s:%u:%u: %s: [%s] %s\n", f->path ? f->path : "?", d->loc.line,
			      d->loc.col, d->sev == PV_SEV_ERROR ? "error" : "warning", d->path,
			      d->msg);
	}
}

/* Load YAML (a NUL-terminated string) into F as NAME, dropping what F held. */
static inline int load_named(struct pv_file *f, const char *name, const char *yaml)
{
	pv_file_free(f);
	return pv_file_load_buf(f, name, yaml, strlen(yaml));
}

static inline int load(struct pv_file *f, const char *yaml)
{
	return load_named(f, "test.yaml", yaml);
}

/* The one diagnostic of severity SEV whose message contains NEEDLE. */
static inline const struct pv_diag *find_diag(const struct pv_file *f, enum pv_severity sev,
				       const char *needle)
{
	for (size_t i = 0; i < f->diags.n; i++)
		if (f->diags.v[i].sev == sev && strstr(f->diags.v[i].msg, needle))
			return &f->diags.v[i];
	print_diags(f);
	fail_msg("no %s containing \"%s\"", sev == PV_SEV_ERROR ? "error" : "warning", needle);
	return NULL;
}

static inline void assert_diag_at(const struct pv_diag *d, unsigned line, unsigned col, const char *path)
{
	assert_int_equal(d->loc.line, line);
	if (col)
		assert_int_equal(d->loc.col, col);
	if (path)
		assert_string_equal(d->path, path);
}

/* The diagnostics other than "not acted on by podvisor" (support.h):
 * those are about podvisor, not about the manifest, and are tested in
 * test_support.c. */
static inline size_t other_diags(const struct pv_file *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->diags.n; i++)
		n += !f->diags.v[i].unacted;
	return n;
}

/* YAML loads with exactly one diagnostic, an error at LINE:COL (COL 0:
 * any) on PATH (NULL: any) whose message contains NEEDLE. */
static inline const struct pv_diag *expect_one_error(struct pv_file *f, const char *yaml, unsigned line,
					      unsigned col, const char *path, const char *needle)
{
	const struct pv_diag *d;

	assert_int_equal(load(f, yaml), -1);
	assert_true(f->failed);
	if (f->diags.nerrors != 1 || other_diags(f) != 1) {
		print_diags(f);
		fail_msg("want exactly one diagnostic, got %zu errors and %zu warnings",
			 f->diags.nerrors, f->diags.nwarnings);
	}
	d = find_diag(f, PV_SEV_ERROR, needle);
	assert_diag_at(d, line, col, path);
	return d;
}

/* YAML loads without error with exactly one diagnostic, a warning. */
static inline const struct pv_diag *expect_one_warning(struct pv_file *f, const char *yaml,
						unsigned line, unsigned col, const char *path,
						const char *needle)
{
	const struct pv_diag *d;

	if (load(f, yaml) != 0 || other_diags(f) != 1) {
		print_diags(f);
		fail_msg("want a clean load with one warning");
	}
	assert_false(f->failed);
	assert_int_equal(f->diags.nerrors, 0);
	d = find_diag(f, PV_SEV_WARNING, needle);
	assert_diag_at(d, line, col, path);
	return d;
}

static inline void expect_clean(struct pv_file *f, const char *yaml, size_t nobjects)
{
	if (load(f, yaml) != 0 || other_diags(f) != 0) {
		print_diags(f);
		fail_msg("want a clean load");
	}
	assert_false(f->failed);
	assert_int_equal(f->nobjects, nobjects);
}

static inline const struct pv_container *container(const struct pv_pod_spec *s, size_t i)
{
	assert_true(i < s->containers.n);
	return &s->containers.items[i];
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

#endif
