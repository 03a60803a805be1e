/* Unit tests for supervisor/image/image_registry.c: what a registry says
 * (WWW-Authenticate challenges, token answers, JSON error bodies) and the
 * credentials a pull answers with (Docker's config.json), as pure text. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/image/image.h"
#include "supervisor/image/image_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct challenge_case {
	const char *header;
	enum pv_img_auth_scheme scheme;
	const char *realm, *service, *scope;
};

static const struct challenge_case challenges[] = {
	/* Docker Hub's */
	{ "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	  "scope=\"repository:library/busybox:pull\"",
	  PV_IMG_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
	  "repository:library/busybox:pull" },
	/* distribution's htpasswd */
	{ "Basic realm=\"test\"", PV_IMG_AUTH_BASIC, "test", NULL, NULL },
	/* case-insensitive scheme and names, spaces, tokens unquoted */
	{ "bearer  Realm = https://r.example/t , SERVICE=reg", PV_IMG_AUTH_BEARER,
	  "https://r.example/t", "reg", NULL },
	/* a comma and an escaped quote inside a quoted value */
	{ "Bearer realm=\"https://a/t\",scope=\"repository:a/b:pull,push\",service=\"x\\\"y\"",
	  PV_IMG_AUTH_BEARER, "https://a/t", "x\"y", "repository:a/b:pull,push" },
	/* two challenges: Bearer wins whichever comes first */
	{ "Basic realm=\"b\", Bearer realm=\"https://t\",service=\"s\"", PV_IMG_AUTH_BEARER,
	  "https://t", "s", NULL },
	{ "Bearer realm=\"https://t\", Basic realm=\"b\"", PV_IMG_AUTH_BEARER, "https://t", NULL,
	  NULL },
	/* an unknown scheme beside a known one; unknown parameters dropped */
	{ "Negotiate, Basic realm=\"r\", charset=\"UTF-8\"", PV_IMG_AUTH_BASIC, "r", NULL, NULL },
	/* empty list elements */
	{ ",, Basic realm=\"r\",,", PV_IMG_AUTH_BASIC, "r", NULL, NULL },
};

static void assert_str_or_null(const char *got, const char *want)
{
	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
}

static void test_challenges(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(challenges); i++) {
		const struct challenge_case *c = &challenges[i];
		struct pv_img_challenge ch;
		struct pv_err err = { 0, "" };

		if (pv_img_challenge_parse(c->header, &ch, &err) < 0)
			fail_msg("%s: %s", c->header, err.msg);
		assert_int_equal(ch.scheme, c->scheme);
		assert_str_or_null(ch.realm, c->realm);
		assert_str_or_null(ch.service, c->service);
		assert_str_or_null(ch.scope, c->scope);
		pv_img_challenge_clear(&ch);
	}
}

static void test_bad_challenges(void **state)
{
	static const char *const bad[] = {
		"", "   ", "Negotiate", "Bearer service=\"s\"", /* Bearer needs a realm */
		"Bearer realm=\"https://unterminated", "Bearer realm=", "Basic realm=\"r\" junk",
		"=x", "Bearer realm=\"a\" realm",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pv_img_challenge ch;
		struct pv_err err = { 0, "" };

		if (pv_img_challenge_parse(bad[i], &ch, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strncmp(err.msg, "WWW-Authenticate", 16) == 0);
		assert_null(ch.realm);
		assert_null(ch.service);
	}
}

static void test_tokens(void **state)
{
	static const char a[] = "{\"token\":\"abc\",\"expires_in\":300}";
	static const char b[] = "{\"access_token\":\"xyz\"}";
	static const char c[] = "{\"token\":\"\",\"access_token\":\"second\"}";
	struct pv_err err = { 0, "" };
	char *t;

	(void)state;
	t = pv_img_token_parse(a, strlen(a), &err);
	assert_string_equal(t, "abc");
	free(t);
	t = pv_img_token_parse(b, strlen(b), &err);
	assert_string_equal(t, "xyz");
	free(t);
	t = pv_img_token_parse(c, strlen(c), &err);
	assert_string_equal(t, "second");
	free(t);
	assert_null(pv_img_token_parse("{}", 2, &err));
	assert_non_null(strstr(err.msg, "no \"token\""));
	assert_null(pv_img_token_parse("[1]", 3, &err));
	assert_null(pv_img_token_parse("{\"token\":3}", 11, &err));
}

static void test_registry_errors(void **state)
{
	static const char a[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
				"unknown\",\"detail\":{\"Tag\":\"2\"}}]}";
	static const char b[] = "{\"errors\":[{\"code\":\"DENIED\"}]}";
	static const char c[] = "{\"errors\":[{\"code\":\"X\",\"message\":\"line\\nbreak\"}]}";
	char *s;

	(void)state;
	s = pv_img_registry_error(a, strlen(a));
	assert_string_equal(s, "MANIFEST_UNKNOWN (manifest unknown)");
	free(s);
	s = pv_img_registry_error(b, strlen(b));
	assert_string_equal(s, "DENIED");
	free(s);
	s = pv_img_registry_error(c, strlen(c));
	assert_string_equal(s, "X (line?break)"); /* one line */
	free(s);
	assert_null(pv_img_registry_error("<html>", 6));
	assert_null(pv_img_registry_error("{\"errors\":[]}", 13));
	assert_null(pv_img_registry_error("{\"errors\":[{\"code\":1}]}", 23));
	assert_null(pv_img_registry_error("", 0));
}

struct creds_case {
	const char *json;
	const char *registry;
	int rc;
	const char *user, *pass;
};

static const struct creds_case creds[] = {
	/* base64("alice:s3cret") */
	{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", "127.0.0.1:5000", 0,
	  "alice", "s3cret" },
	/* a password with a colon: split at the first */
	{ "{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmE6Yg==\"}}}", "r.example", 0, "bob", "a:b" },
	{ "{\"auths\":{\"https://r.example/v1/\":{\"username\":\"u\",\"password\":\"p\"}}}",
	  "r.example", 0, "u", "p" },
	{ "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}",
	  "docker.io", 0, "alice", "s3cret" },
	/* another port is another registry */
	{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", "127.0.0.1:5001", 1,
	  NULL, NULL },
	{ "{\"auths\":{\"r.example.com\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", "r.example", 1, NULL,
	  NULL },
	{ "{}", "r.example", 1, NULL, NULL },
	{ "{\"credsStore\":\"desktop\"}", "r.example", 1, NULL, NULL },
	/* invalid: not base64 of user:pass, no fields, not an object */
	{ "{\"auths\":{\"r\":{\"auth\":\"bm9jb2xvbg==\"}}}", "r", -1, NULL, NULL },
	{ "{\"auths\":{\"r\":{\"auth\":\"!!!\"}}}", "r", -1, NULL, NULL },
	{ "{\"auths\":{\"r\":{\"username\":\"u\"}}}", "r", -1, NULL, NULL },
	{ "{\"auths\":{\"r\":3}}", "r", -1, NULL, NULL },
	{ "{\"auths\":[]}", "r", -1, NULL, NULL },
	{ "not json", "r", -1, NULL, NULL },
};

static void test_creds(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(creds); i++) {
		const struct creds_case *c = &creds[i];
		struct pv_img_creds cr;
		struct pv_err err = { 0, "" };
		int rc = pv_img_creds_find(c->json, strlen(c->json), c->registry, &cr, &err);

		if (rc != c->rc)
			fail_msg("%s for %s: %d, wanted %d (%s)", c->json, c->registry, rc, c->rc,
				 err.msg);
		assert_str_or_null(cr.user, c->user);
		assert_str_or_null(cr.pass, c->pass);
		pv_img_creds_clear(&cr);
	}
}

static void test_creds_file(void **state)
{
	char path[] = "/tmp/test_registry.XXXXXX";
	static const char text[] = "{\"auths\":{\"h:1\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}";
	struct pv_img_creds cr;
	struct pv_err err = { 0, "" };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(pv_img_creds_load(path, true, "h:1", &cr, &err), 0);
	assert_string_equal(cr.user, "alice");
	pv_img_creds_clear(&cr);
	unlink(path);
	assert_int_equal(pv_img_creds_load(path, false, "h:1", &cr, &err), 1);
	assert_int_equal(pv_img_creds_load(path, true, "h:1", &cr, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "credentials file"));
}

/* A pod's secrets, then the node's file: the first entry for a key wins,
 * and the result reads back as a pull reads it. */
static void test_auths_merge(void **state)
{
	static const char pod1[] = "{\"auths\":{\"r:1\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}";
	/* the old .dockercfg: the map at the top level */
	static const char pod2[] = "{\"r:2\":{\"username\":\"u2\",\"password\":\"p2\"},"
				   "\"r:1\":{\"username\":\"late\",\"password\":\"x\"}}";
	static const char node[] = "{\"auths\":{\"r:1\":{\"username\":\"node\",\"password\":"
				   "\"n\"},\"r:3\":{\"username\":\"u3\",\"password\":\"p3\"}},"
				   "\"credsStore\":\"desktop\"}";
	struct pv_image_auths *a = pv_image_auths_new(), *b = pv_image_auths_new();
	struct pv_err err = { 0, "" };
	struct pv_img_creds cr;
	char *text, *again;

	(void)state;
	assert_int_equal(pv_image_auths_add(a, pod1, strlen(pod1), false, &err), 1);
	assert_int_equal(pv_image_auths_add(a, pod2, strlen(pod2), true, &err), 1);
	assert_int_equal(pv_image_auths_add(a, node, strlen(node), false, &err), 1);
	assert_int_equal(pv_image_auths_count(a), 3);
	text = pv_image_auths_text(a);
	assert_non_null(text);
	for (size_t i = 0; i < 3; i++) {
		static const char *const reg[] = { "r:1", "r:2", "r:3" };
		static const char *const user[] = { "alice", "u2", "u3" };

		assert_int_equal(pv_img_creds_find(text, strlen(text), reg[i], &cr, &err), 0);
		assert_string_equal(cr.user, user[i]);
		pv_img_creds_clear(&cr);
	}
	/* the same sources in the same order: the same text (it is hashed) */
	pv_image_auths_add(b, pod1, strlen(pod1), false, &err);
	pv_image_auths_add(b, pod2, strlen(pod2), true, &err);
	pv_image_auths_add(b, node, strlen(node), false, &err);
	again = pv_image_auths_text(b);
	assert_string_equal(text, again);
	free(text);
	free(again);
	pv_image_auths_free(b);
	pv_image_auths_free(a);
}

/* A source that is not right adds nothing, and says why. */
static void test_auths_bad(void **state)
{
	static const struct {
		const char *json;
		bool dockercfg;
		const char *msg;
	} bad[] = {
		{ "not json", false, "config.json: invalid JSON" },
		{ "{\"auths\":[]}", false, "\"auths\" is not an object" },
		{ "[]", true, ".dockercfg" },
		/* one good entry beside a bad one: neither is added */
		{ "{\"auths\":{\"a\":{\"auth\":\"YWxpY2U6czNjcmV0\"},\"b\":{\"username\":\"u\"}}}",
		  false, "credentials for b: neither" },
		{ "{\"a\":{\"auth\":\"!!!\"}}", true, "credentials for a: \"auth\" is not base64" },
	};
	struct pv_image_auths *a = pv_image_auths_new();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pv_err err = { 0, "" };

		assert_int_equal(pv_image_auths_add(a, bad[i].json, strlen(bad[i].json),
						    bad[i].dockercfg, &err), -1);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: \"%s\", wanted \"%s\"", bad[i].json, err.msg, bad[i].msg);
	}
	assert_int_equal(pv_image_auths_count(a), 0);
	/* no "auths": nothing to add, no error */
	assert_int_equal(pv_image_auths_add(a, "{}", 2, false, NULL), 0);
	pv_image_auths_free(a);
}

/* The node's file: missing is nothing unless it must exist. */
static void test_auths_file(void **state)
{
	struct pv_image_auths *a = pv_image_auths_new();
	struct pv_err err = { 0, "" };

	(void)state;
	assert_int_equal(pv_image_auths_add_file(a, "/nonexistent/auth.json", false, &err), 0);
	assert_int_equal(pv_image_auths_add_file(a, "/nonexistent/auth.json", true, &err), -1);
	assert_int_equal(err.code, ENOENT);
	pv_image_auths_free(a);
}

static void test_names(void **state)
{
	struct pv_err err = { 0, "" };
	char *d, *r;

	(void)state;
	assert_int_equal(pv_img_name_split("127.0.0.1:5000/test/busybox", &d, &r, &err), 0);
	assert_string_equal(d, "127.0.0.1:5000");
	assert_string_equal(r, "test/busybox");
	assert_string_equal(pv_img_registry_host(d), "127.0.0.1:5000");
	free(d);
	free(r);
	assert_int_equal(pv_img_name_split("docker.io/library/busybox", &d, &r, &err), 0);
	assert_string_equal(pv_img_registry_host(d), "registry-1.docker.io");
	assert_string_equal(r, "library/busybox");
	free(d);
	free(r);
	assert_int_equal(pv_img_name_split("busybox", &d, &r, &err), -1);
	assert_null(d);
	assert_int_equal(pv_img_name_split("/x", &d, &r, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_bad_challenges),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_registry_errors),
		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_creds_file),
		cmocka_unit_test(test_auths_merge),
		cmocka_unit_test(test_auths_bad),
		cmocka_unit_test(test_auths_file),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
