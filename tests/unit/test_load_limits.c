/* Unit tests for manifests/load.c at its edges: failing files, the size
 * limit, reading from disk, alias bombs, the manifest-name filter. */
#include "tests/unit/load_fixture.h"

/* ---- failing files ---- */

static void test_failed_file(void **state)
{
	struct fixture *fx = *state;

	/* an error in one object fails the whole file, good objects included */
	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n"
			      "---\n"
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: Not_Valid}\n"),
			 -1);
	assert_true(fx->f[0].failed);
	assert_true(fx->f[0].diags.nerrors >= 1);
	assert_int_equal(fx->f[0].diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(fx->f[0].diags.v[0].loc.line, 7);

	/* a YAML error: nothing is decoded at all */
	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n"
			      "---\n"
			      "a: [\n"),
			 -1);
	assert_true(fx->f[0].failed);
	assert_int_equal(fx->f[0].nobjects, 0);
	assert_int_equal(fx->f[0].diags.nerrors, 1);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR, "YAML syntax"));
}

static void test_diagnostics_sorted(void **state)
{
	struct fixture *fx = *state;
	const struct pv_diags *d = &fx->f[0].diags;

	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\n"
			      "kind: Pod\n"
			      "metadata:\n"
			      "  name: p\n"
			      "spec:\n"
			      "  restartPolicy: bogus\n"   /* 6: error */
			      "  containers:\n"
			      "  - name: a\n"
			      "    image: nginx:1.25\n"
			      "    bogus: 1\n"             /* 10: warning */
			      "    ports:\n"
			      "    - containerPort: x\n"), /* 12: error */
			 -1);
	assert_int_equal(d->nerrors, 2);
	assert_int_equal(d->nwarnings, 1);
	assert_int_equal(d->n, 3);
	assert_int_equal(d->v[0].loc.line, 6);
	assert_int_equal(d->v[1].loc.line, 10);
	assert_int_equal(d->v[1].sev, PV_SEV_WARNING);
	assert_int_equal(d->v[2].loc.line, 12);
}

/* ---- size limit ---- */

static void test_too_large_refused_unparsed(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	size_t len = (size_t)PV_MAX_FILE_SIZE + 1;

	fx->big = malloc(len);
	assert_non_null(fx->big);
	memset(fx->big, ' ', len);
	assert_int_equal(pv_file_load_buf(f, "big.yaml", fx->big, len), -1);
	assert_true(f->failed);
	assert_int_equal(f->nobjects, 0);
	assert_int_equal(f->diags.n, 1);
	assert_int_equal(f->diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(f->diags.v[0].loc.line, 0);
	assert_non_null(strstr(f->diags.v[0].msg, "larger than"));
	assert_int_equal(f->arena.used, 0); /* nothing was parsed */
}

static void test_largest_size_accepted(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	size_t len = PV_MAX_FILE_SIZE;

	fx->big = malloc(len);
	assert_non_null(fx->big);
	memset(fx->big, ' ', len);
	fx->big[len - 1] = '\n';
	assert_int_equal(pv_file_load_buf(f, "big.yaml", fx->big, len), 0);
	assert_false(f->failed);
	assert_int_equal(f->diags.n, 0);
}

/* ---- pv_file_load ---- */

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_file_load(void **state)
{
	struct fixture *fx = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/ns.yaml", fx->dir);
	write_file(path, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n");
	assert_int_equal(pv_file_load(&fx->f[0], path), 0);
	assert_string_equal(fx->f[0].path, path);
	assert_int_equal(fx->f[0].nobjects, 1);
	assert_int_equal(fx->f[0].objects[0].kind->kind, PV_KIND_NAMESPACE);
	assert_null(fx->f[0].objects[0].obj->metadata.namespace.v); /* cluster-scoped */
}

static void expect_load_refused(struct pv_file *f, const char *path, const char *needle)
{
	pv_file_free(f);
	assert_int_equal(pv_file_load(f, path), -1);
	assert_true(f->failed);
	assert_string_equal(f->path, path);
	assert_int_equal(f->nobjects, 0);
	assert_int_equal(f->diags.n, 1);
	assert_int_equal(f->diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(f->diags.v[0].loc.line, 0);
	if (!strstr(f->diags.v[0].msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", f->diags.v[0].msg, needle);
}

static void test_file_load_refusals(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	int fd;

	expect_load_refused(&fx->f[0], fx->dir, "not a regular file");

	snprintf(path, sizeof(path), "%s/missing.yaml", fx->dir);
	expect_load_refused(&fx->f[0], path, "No such file or directory");

	/* a FIFO with no writer must not hang the loader */
	snprintf(path, sizeof(path), "%s/fifo.yaml", fx->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_load_refused(&fx->f[0], path, "not a regular file");

	/* refused from its size alone (a sparse file: nothing to read) */
	snprintf(path, sizeof(path), "%s/huge.yaml", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PV_MAX_FILE_SIZE + 1), 0);
	close(fd);
	expect_load_refused(&fx->f[0], path, "larger than");
}

/* ---- alias bombs ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Billion laughs: nine levels of nine aliases (9^9 leaves if expanded),
 * used where the decoder walks. */
static void test_alias_bomb(void **state)
{
	struct fixture *fx = *state;
	char yaml[2048];
	size_t len = 0;
	double t0;

	len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
				"apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\nx-lol:\n"
				"  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'i'; c++)
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
					"  %c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
					c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
					c - 1, c - 1);
	len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
				"spec:\n  containers: *i\n  volumes: *i\n");
	assert_true(len < sizeof(yaml) - 1);
	t0 = now();
	assert_int_equal(load(&fx->f[0], yaml), -1);
	assert_true(now() - t0 < 5.0);
	assert_true(fx->f[0].failed);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR, "expected a mapping, got list"));
	assert_true(fx->f[0].arena.used < 1024 * 1024);
}

/* Aliases inside lists of structs do multiply the decoder's work: a
 * thousand containers, each with a thousand args, stop at the budget. */
static void test_alias_decode_budget(void **state)
{
	struct fixture *fx = *state;
	size_t cap = 64 * 1024, len = 0;
	double t0;

	fx->big = malloc(cap);
	assert_non_null(fx->big);
	len += (size_t)snprintf(fx->big + len, cap - len,
				"apiVersion: v1\nkind: Pod\nmetadata: {name: budget}\n"
				"x-anchors:\n  s: &s x\n"
				"  c: &c {name: a, image: \"busybox:1\", args: [*s");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(fx->big + len, cap - len, ", *s");
	len += (size_t)snprintf(fx->big + len, cap - len, "]}\nspec:\n  containers: [*c");
	for (int i = 0; i < 1099; i++)
		len += (size_t)snprintf(fx->big + len, cap - len, ", *c");
	len += (size_t)snprintf(fx->big + len, cap - len, "]\n");
	assert_true(len < cap - 1);
	t0 = now();
	assert_int_equal(load(&fx->f[0], fx->big), -1);
	assert_true(now() - t0 < 10.0);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR,
				  "YAML aliases expand this document past 1000000 nodes"));
}

/* ---- file names ---- */

static void test_manifest_name_ok(void **state)
{
	static const char *const good[] = { "a.yaml", "a.yml", "a.json", "web-app.v2.yaml",
					    "a b.yaml", "4913.yaml" };
	static const char *const bad[] = {
		".a.yaml", "a.yaml~", "#a.yaml#", "a.yaml.swp", "4913", "a.txt", ".x.yaml.XXXXXX",
		"", "yaml", "a.yaml.bak", ".yaml", "a.", "a.yaml.tmp", ".#a.yaml", "a.YAML~",
		"a.jsonl",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!pv_manifest_name_ok(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (pv_manifest_name_ok(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_failed_file),
		T(test_diagnostics_sorted),
		T(test_too_large_refused_unparsed),
		T(test_largest_size_accepted),
		T(test_file_load),
		T(test_file_load_refusals),
		T(test_alias_bomb),
		T(test_alias_decode_budget),
		T(test_manifest_name_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
