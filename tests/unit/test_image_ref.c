/* Unit tests for supervisor/image/image_ref.c: image reference normalization
 * (what containerd's ParseDockerRef makes of what a Pod names), parsing
 * into name/tag/digest, and the record file names. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/image/image.h"
#include "supervisor/image/image_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define T128 "1234567890123456789012345678901234567890123456789012345678901234" \
	     "5678901234567890123456789012345678901234567890123456789012345678"

struct norm_case {
	const char *in;
	const char *out;
};

struct invalid_case {
	const char *in;
	const char *why_has; /* substring the message must contain */
};

static const struct norm_case norm_cases[] = {
	/* Docker Hub: docker.io, library/, latest */
	{ "busybox", "docker.io/library/busybox:latest" },
	{ "busybox:1.36", "docker.io/library/busybox:1.36" },
	{ "nginx:1.25", "docker.io/library/nginx:1.25" },
	{ "library/busybox", "docker.io/library/busybox:latest" },
	{ "docker.io/busybox", "docker.io/library/busybox:latest" },
	{ "docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36" },
	{ "index.docker.io/busybox", "docker.io/library/busybox:latest" },
	{ "index.docker.io/library/busybox:musl", "docker.io/library/busybox:musl" },
	{ "bitnami/redis:7.2", "docker.io/bitnami/redis:7.2" },
	{ "a/b/c/d", "docker.io/a/b/c/d:latest" },
	/* other registries */
	{ "quay.io/x/y", "quay.io/x/y:latest" },
	{ "quay.io/prometheus/node-exporter:v1.7.0", "quay.io/prometheus/node-exporter:v1.7.0" },
	{ "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9" },
	{ "gcr.io/distroless/static", "gcr.io/distroless/static:latest" },
	{ "ghcr.io/org/app", "ghcr.io/org/app:latest" },
	{ "quay.io/y", "quay.io/y:latest" }, /* no library/ outside docker.io */
	{ "localhost/a", "localhost/a:latest" },
	{ "localhost:5000/a", "localhost:5000/a:latest" },
	{ "localhost:5000/a/b:v1", "localhost:5000/a/b:v1" },
	{ "192.168.1.10:5000/app:1", "192.168.1.10:5000/app:1" },
	{ "[::1]:5000/app", "[::1]:5000/app:latest" },
	{ "[fe80::1]/app:2", "[fe80::1]/app:2" },
	{ "my-registry.local/team/app", "my-registry.local/team/app:latest" },
	{ "Example.COM/app", "Example.COM/app:latest" }, /* the domain may have capitals */
	{ "EXAMPLE/app", "EXAMPLE/app:latest" },        /* ...which makes it a domain */
	/* "localhost:5000" alone is repository localhost, tag 5000 */
	{ "localhost:5000", "docker.io/library/localhost:5000" },
	/* separators inside path components */
	{ "a.b_c__d-e--f", "docker.io/library/a.b_c__d-e--f:latest" },
	{ "x/a-b/c.d/e_f", "docker.io/x/a-b/c.d/e_f:latest" },
	{ "a0/0b", "docker.io/a0/0b:latest" },
	/* tags */
	{ "busybox:Latest", "docker.io/library/busybox:Latest" },
	{ "busybox:_x", "docker.io/library/busybox:_x" },
	{ "busybox:1.36.1-musl_x", "docker.io/library/busybox:1.36.1-musl_x" },
	{ "busybox:" T128, "docker.io/library/busybox:" T128 }, /* the longest tag */
	/* digests are kept; a tag next to a digest is dropped (ParseDockerRef) */
	{ "busybox@sha256:" D64, "docker.io/library/busybox@sha256:" D64 },
	{ "busybox:1.36@sha256:" D64, "docker.io/library/busybox@sha256:" D64 },
	{ "quay.io/x/y@sha256:" D64, "quay.io/x/y@sha256:" D64 },
	{ "localhost:5000/a@sha256:" D64, "localhost:5000/a@sha256:" D64 },
	{ "busybox@sha512:" D64 D64, "docker.io/library/busybox@sha512:" D64 D64 },
	/* a 64-hex string with a tag is a name like any other */
	{ D64 ":1", "docker.io/library/" D64 ":1" },
};

static const struct invalid_case invalid_cases[] = {
	{ "", "empty" },
	{ "Busybox", "must be lowercase" },
	{ "busyBox:1.36", "must be lowercase" },
	{ "docker.io/Library/busybox", "must be lowercase" },
	{ "quay.io/X/y", "must be lowercase" },
	{ "busy box", "whitespace" },
	{ " busybox", "whitespace" },
	{ "busybox ", "whitespace" },
	{ "busybox\t", "whitespace" },
	{ "busybox\n", "whitespace" },
	{ "busy\x01box", "control or non-ASCII" },
	{ "b\xc3\xbcsybox", "control or non-ASCII" },
	{ ":1.36", "no repository name" },
	{ "@sha256:" D64, "no repository name" },
	{ "busybox:", "invalid tag" },
	{ "busybox:-x", "invalid tag" },
	{ "busybox:.x", "invalid tag" },
	{ "busybox:a+b", "invalid tag" },
	{ "busybox:a:b", "invalid" },
	{ "busybox:" T128 "9", "invalid tag" }, /* 129 characters */
	{ "busybox@", "invalid digest" },
	{ "busybox@sha256", "invalid digest" },
	{ "busybox@sha256:abc", "64" },
	{ "busybox@sha256:" D64 "0", "64" },
	{ "busybox@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	  "lowercase hex" },
	{ "busybox@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm" },
	{ "busybox@sha256:" D64 "@sha256:" D64, "64" },
	{ D64, "image ID" },
	{ "/busybox", "invalid repository name component" },
	{ "busybox/", "invalid repository name component" },
	{ "a//b", "invalid repository name component" },
	{ "-busybox", "invalid repository name component" },
	{ "busybox-", "invalid repository name component" },
	{ "a..b", "invalid repository name component" },
	{ "a___b", "invalid repository name component" },
	{ "a._b", "invalid repository name component" },
	{ "_a", "invalid repository name component" },
	{ "a/.b", "invalid repository name component" },
	{ "a$b", "invalid repository name component" },
	{ "quay.io/", "invalid repository name component" },
	{ "quay..io/x", "invalid registry" },
	{ "-quay.io/x", "invalid registry" },
	{ "quay.io-/x", "invalid registry" },
	{ "quay.io:/x", "invalid registry" },
	{ "quay.io:50a/x", "invalid registry" },
	{ "[::1/x", "invalid registry" },
	{ "[]/x", "invalid repository name component" },
	{ "[]:5000/x", "invalid registry" },
	{ "[zz]:5000/x", "invalid registry" },
	{ "quay_io.com/x", "invalid registry" },
};

static void test_normalize(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(norm_cases); i++) {
		struct pv_err err = { 0, "" };
		char *out = pv_image_ref_normalize(norm_cases[i].in, &err);

		if (!out)
			fail_msg("\"%s\": rejected: %s", norm_cases[i].in, err.msg);
		if (strcmp(out, norm_cases[i].out) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", norm_cases[i].in, out,
				 norm_cases[i].out);
		free(out);
	}
}

static void test_normalize_is_idempotent(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(norm_cases); i++) {
		char *again = pv_image_ref_normalize(norm_cases[i].out, NULL);

		if (!again || strcmp(again, norm_cases[i].out) != 0)
			fail_msg("\"%s\" normalizes to \"%s\"", norm_cases[i].out,
				 again ? again : "(rejected)");
		free(again);
	}
}

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
		struct pv_err err = { 0, "" };
		char *out = pv_image_ref_normalize(invalid_cases[i].in, &err);

		if (out)
			fail_msg("\"%s\": accepted as \"%s\"", invalid_cases[i].in, out);
		if (err.code != EINVAL)
			fail_msg("\"%s\": code %d, want EINVAL", invalid_cases[i].in, err.code);
		if (!strstr(err.msg, invalid_cases[i].why_has))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", invalid_cases[i].in,
				 err.msg, invalid_cases[i].why_has);
	}
}

static void test_null_and_long(void **state)
{
	struct pv_err err = { 0, "" };
	char name[300], *out;

	(void)state;
	assert_null(pv_image_ref_normalize(NULL, &err));
	assert_int_equal(err.code, EINVAL);
	assert_null(pv_image_ref_normalize("Busybox", NULL)); /* a NULL err is fine */
	/* docker.io/library/ + 237 = 255 characters: the longest name */
	memset(name, 'a', 237);
	name[237] = '\0';
	out = pv_image_ref_normalize(name, &err);
	assert_non_null(out);
	assert_int_equal(strlen(out), 255 + strlen(":latest"));
	free(out);
	name[237] = 'a';
	name[238] = '\0';
	assert_null(pv_image_ref_normalize(name, &err));
	assert_non_null(strstr(err.msg, "longer than 255"));
}

static void expect_parts(const char *in, const char *name, const char *tag, const char *digest)
{
	struct pv_image_ref r = { NULL, NULL, NULL };
	struct pv_err err = { 0, "" };

	if (pv_image_ref_parse(in, &r, &err) < 0)
		fail_msg("\"%s\": rejected: %s", in, err.msg);
	assert_string_equal(r.name, name);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	pv_image_ref_clear(&r);
	assert_null(r.name);
}

static void test_parse_parts(void **state)
{
	(void)state;
	expect_parts("busybox", "docker.io/library/busybox", "latest", NULL);
	expect_parts("localhost:5000/a/b:v1", "localhost:5000/a/b", "v1", NULL);
	expect_parts("quay.io/x/y:1@sha256:" D64, "quay.io/x/y", NULL, "sha256:" D64);
}

static void test_parse_failure_leaves_output(void **state)
{
	struct pv_image_ref r = { (char *)"keep", NULL, NULL };

	(void)state;
	assert_int_equal(pv_image_ref_parse("Bad Ref", &r, NULL), -1);
	assert_string_equal(r.name, "keep");
}

static void test_filenames(void **state)
{
	char long_name[400];
	char *a, *b, *c;

	(void)state;
	a = pv_image_ref_filename("docker.io/library/busybox:1.36");
	assert_string_equal(a, "docker.io%2Flibrary%2Fbusybox%3A1.36.json");
	b = pv_image_ref_filename("docker.io/library/busybox@sha256:" D64);
	assert_string_equal(b, "docker.io%2Flibrary%2Fbusybox%40sha256%3A" D64 ".json");
	free(a);
	free(b);
	/* distinct references, distinct names; long ones are hashed */
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memcpy(long_name, "quay.io/", 8);
	a = pv_image_ref_filename(long_name);
	long_name[100] = 'b';
	b = pv_image_ref_filename(long_name);
	c = pv_image_ref_filename("[::1]:5000/x:y");
	assert_int_equal(strncmp(a, "long-", 5), 0);
	assert_int_equal(strlen(a), 5 + 64 + 5);
	assert_string_not_equal(a, b);
	assert_null(strchr(c, '/'));
	assert_string_equal(c, "%5B%3A%3A1%5D%3A5000%2Fx%3Ay.json");
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_is_idempotent),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_null_and_long),
		cmocka_unit_test(test_parse_parts),
		cmocka_unit_test(test_parse_failure_leaves_output),
		cmocka_unit_test(test_filenames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
