/* Unit tests for manifests/names.c: Kubernetes name and key checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Kubernetes' messages, spelled out in full (double spaces included). */
#define LEN15 "must be no more than 15 characters"
#define LEN63 "must be no more than 63 characters"
#define LEN253 "must be no more than 253 characters"
#define DOTS "must not contain dots"
#define LABEL "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUBDOMAIN "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define DNS1035 "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_RE "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define QNAME_SLASHES "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
#define PREFIX_EMPTY "prefix part must be non-empty"
#define PREFIX_LEN "prefix part must be no more than 253 characters"
#define PREFIX_RE "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define NAME_EMPTY "name part must be non-empty"
#define NAME_LEN "name part must be no more than 63 characters"
#define NAME_RE "name part " QNAME_RE
#define LABEL_VALUE "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define PORT_CHARS "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
#define PORT_LETTER "must contain at least one letter (a-z)"
#define PORT_DOUBLE "must not contain consecutive hyphens"
#define PORT_ENDS "must not begin or end with a hyphen"
#define ENV "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
#define CONFIG "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
#define NOT_DOT "must not be '.'"
#define NOT_DOTDOT "must not be '..'"
#define NOT_DOTDOT_START "must not start with '..'"
#define B64_CHAR "illegal base64 data: invalid character (use A-Z, a-z, 0-9, '+', '/' and '=' padding)"
#define B64_AFTER_PAD "illegal base64 data: incorrect padding ('=' may only end the data)"
#define B64_PADS "illegal base64 data: incorrect padding (at most two '=')"
#define B64_LEN "illegal base64 data: length must be a multiple of 4 (missing '=' padding?)"

/* Long inputs, built by repeating a unit (see expand()). */
#define A63 "@63a"
#define A64 "@64a"
#define A15 "@15a"
#define A16 "@16a"
#define SUB253 "@253s" /* valid 253-character subdomain */
#define SUB254 "@254s"
#define KEY253 "@253k"
#define KEY254 "@254k"

struct name_case {
	const char *in;
	const char *want; /* NULL when valid */
};

typedef const char *(*checker_fn)(const char *s);

/*
 * "@<n>a" is n 'a's, "@<n>k" is n 'k's, "@<n>s" is an n-character
 * subdomain of 63-character labels; anything may follow (e.g. "/x").
 */
static const char *expand(const char *in, char *buf, size_t size)
{
	char *end;
	unsigned long n, i;

	if (in[0] != '@')
		return in;
	n = strtoul(in + 1, &end, 10);
	assert_true(n + strlen(end) < size);
	for (i = 0; i < n; i++) {
		if (*end != 's')
			buf[i] = *end;
		else
			buf[i] = i % 64 == 63 ? '.' : 'b';
	}
	strcpy(buf + n, end + 1);
	return buf;
}

static void run_cases(const char *what, checker_fn check,
		      const struct name_case *cases, size_t n)
{
	char buf[512];
	size_t i;

	for (i = 0; i < n; i++) {
		const char *in = expand(cases[i].in, buf, sizeof(buf));
		const char *got = check(in);
		const char *want = cases[i].want;

		if (!got != !want || (got && strcmp(got, want)))
			fail_msg("%s(\"%s\"):\n got  %s\n want %s", what,
				 cases[i].in, got ? got : "(valid)",
				 want ? want : "(valid)");
	}
}

#define RUN(fn, table) run_cases(#fn, fn, table, ARRAY_SIZE(table))

static const struct name_case dns1123_label_cases[] = {
	{ "a", NULL },
	{ "0", NULL },
	{ "abc", NULL },
	{ "my-name", NULL },
	{ "123-abc", NULL },
	{ "a--b", NULL },
	{ "1-2-3", NULL },
	{ A63, NULL },
	{ "", LABEL },
	{ "-a", LABEL },
	{ "a-", LABEL },
	{ "-", LABEL },
	{ "A", LABEL },
	{ "myName", LABEL },
	{ "a_b", LABEL },
	{ "a b", LABEL },
	{ "a/b", LABEL },
	{ "\xc3\xa4", LABEL },
	{ "a.b", DOTS },
	{ "example.com", DOTS },
	{ "a..b", LABEL },
	{ ".a", LABEL },
	{ "a.", LABEL },
	{ A64, LEN63 },
	{ "@64A", LEN63 },
};

static const struct name_case dns1123_subdomain_cases[] = {
	{ "a", NULL },
	{ "example.com", NULL },
	{ "a.b.c", NULL },
	{ "a-b.c-d", NULL },
	{ "0.0", NULL },
	{ "k8s.io", NULL },
	{ "@100a", NULL }, /* Kubernetes has no per-label limit here */
	{ SUB253, NULL },
	{ "", SUBDOMAIN },
	{ ".", SUBDOMAIN },
	{ "a.", SUBDOMAIN },
	{ ".a", SUBDOMAIN },
	{ "a..b", SUBDOMAIN },
	{ "-a.b", SUBDOMAIN },
	{ "a-.b", SUBDOMAIN },
	{ "a.-b", SUBDOMAIN },
	{ "A.b", SUBDOMAIN },
	{ "a_b.c", SUBDOMAIN },
	{ "a b", SUBDOMAIN },
	{ "a/b", SUBDOMAIN },
	{ SUB254, LEN253 },
	{ "@254A", LEN253 },
};

static const struct name_case dns1035_label_cases[] = {
	{ "a", NULL },
	{ "abc", NULL },
	{ "a-1", NULL },
	{ "my-name", NULL },
	{ "abc-123", NULL },
	{ "a--1", NULL },
	{ A63, NULL },
	{ "", DNS1035 },
	{ "1abc", DNS1035 },
	{ "0", DNS1035 },
	{ "-a", DNS1035 },
	{ "a-", DNS1035 },
	{ "A", DNS1035 },
	{ "a.b", DNS1035 },
	{ "a_b", DNS1035 },
	{ A64, LEN63 },
};

static const struct name_case qualified_name_cases[] = {
	{ "a", NULL },
	{ "A", NULL },
	{ "1", NULL },
	{ "MyName", NULL },
	{ "my.name", NULL },
	{ "123-abc", NULL },
	{ "a_b", NULL },
	{ "a-b.c_D", NULL },
	{ "a..b", NULL },
	{ "example.com/MyName", NULL },
	{ "app.kubernetes.io/name", NULL },
	{ "a/b", NULL },
	{ A63, NULL },
	{ "@253s/a", NULL },
	{ "", NAME_EMPTY },
	{ "a/", NAME_EMPTY },
	{ "a.b/", NAME_EMPTY },
	{ "/a", PREFIX_EMPTY },
	{ "/", PREFIX_EMPTY },
	{ "a/b/c", QNAME_SLASHES },
	{ "//", QNAME_SLASHES },
	{ "-a", NAME_RE },
	{ "a-", NAME_RE },
	{ "_a", NAME_RE },
	{ ".a", NAME_RE },
	{ "a b", NAME_RE },
	{ "a:b", NAME_RE },
	{ "a/-b", NAME_RE },
	{ "Example.com/a", PREFIX_RE },
	{ "ex_ample.com/a", PREFIX_RE },
	{ "a..b/c", PREFIX_RE },
	{ "Bad/also bad", PREFIX_RE },
	{ "@254s/a", PREFIX_LEN },
	{ A64, NAME_LEN },
	{ "@64_", NAME_LEN },
	{ "example.com/@", NAME_RE },
};

static const struct name_case label_value_cases[] = {
	{ "", NULL },
	{ "a", NULL },
	{ "MyValue", NULL },
	{ "my_value", NULL },
	{ "12345", NULL },
	{ "a.b-c_D", NULL },
	{ A63, NULL },
	{ "-a", LABEL_VALUE },
	{ "a-", LABEL_VALUE },
	{ "_", LABEL_VALUE },
	{ ".", LABEL_VALUE },
	{ "a b", LABEL_VALUE },
	{ "a/b", LABEL_VALUE },
	{ "a:b", LABEL_VALUE },
	{ "a\n", LABEL_VALUE },
	{ A64, LEN63 },
	{ "@64-", LEN63 },
};

static const struct name_case port_name_cases[] = {
	{ "http", NULL },
	{ "h", NULL },
	{ "a1", NULL },
	{ "123a", NULL },
	{ "web-80", NULL },
	{ "x-y-z", NULL },
	{ "abcdefghijklmno", NULL },
	{ A15, NULL },
	{ "", PORT_CHARS },
	{ "HTTP", PORT_CHARS },
	{ "http_", PORT_CHARS },
	{ "a.b", PORT_CHARS },
	{ "a b", PORT_CHARS },
	{ "1234", PORT_LETTER },
	{ "-", PORT_LETTER },
	{ "1-2", PORT_LETTER },
	{ "ht--tp", PORT_DOUBLE },
	{ "a--", PORT_DOUBLE },
	{ "-http", PORT_ENDS },
	{ "http-", PORT_ENDS },
	{ A16, LEN15 },
	{ "@16A", LEN15 },
};

static const struct name_case env_var_name_cases[] = {
	{ "A", NULL },
	{ "PATH", NULL },
	{ "my.env-name", NULL },
	{ "MY_ENV.NAME", NULL },
	{ "MyEnvName1", NULL },
	{ "_", NULL },
	{ "-", NULL },
	{ "_1", NULL },
	{ ".a", NULL },
	{ "a..b", NULL },
	{ "a.", NULL },
	{ "@300a", NULL }, /* no length limit */
	{ "", ENV },
	{ "1A", ENV },
	{ "9", ENV },
	{ "A=B", ENV },
	{ "A B", ENV },
	{ "A$", ENV },
	{ "\xc3\x84" "B", ENV },
	{ ".", NOT_DOT },
	{ "..", NOT_DOTDOT },
	{ "..a", NOT_DOTDOT_START },
	{ "...", NOT_DOTDOT_START },
};

static const struct name_case config_key_cases[] = {
	{ "a", NULL },
	{ "1", NULL },
	{ "key.name", NULL },
	{ "KEY_NAME", NULL },
	{ "key-name", NULL },
	{ ".dockerconfigjson", NULL },
	{ ".a", NULL },
	{ "a..b", NULL },
	{ "-", NULL },
	{ KEY253, NULL },
	{ "", CONFIG },
	{ "a/b", CONFIG },
	{ "a b", CONFIG },
	{ "a=b", CONFIG },
	{ "\xc3\xa9", CONFIG },
	{ ".", NOT_DOT },
	{ "..", NOT_DOTDOT },
	{ "..a", NOT_DOTDOT_START },
	{ KEY254, LEN253 },
	{ "@254/", LEN253 },
};

static void test_dns1123_label(void **state)
{
	(void)state;
	RUN(pv_check_dns1123_label, dns1123_label_cases);
}

static void test_dns1123_subdomain(void **state)
{
	(void)state;
	RUN(pv_check_dns1123_subdomain, dns1123_subdomain_cases);
}

static void test_dns1035_label(void **state)
{
	(void)state;
	RUN(pv_check_dns1035_label, dns1035_label_cases);
}

static void test_qualified_name(void **state)
{
	(void)state;
	RUN(pv_check_qualified_name, qualified_name_cases);
}

static void test_label_value(void **state)
{
	(void)state;
	RUN(pv_check_label_value, label_value_cases);
}

static void test_port_name(void **state)
{
	(void)state;
	RUN(pv_check_port_name, port_name_cases);
}

static void test_env_var_name(void **state)
{
	(void)state;
	RUN(pv_check_env_var_name, env_var_name_cases);
}

static void test_config_key(void **state)
{
	(void)state;
	RUN(pv_check_config_key, config_key_cases);
}

struct b64_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

static const struct b64_case base64_cases[] = {
	{ "", 0, NULL },
	{ "AAAA", 0, NULL },
	{ "AA==", 0, NULL },
	{ "AAA=", 0, NULL },
	{ "YWJj", 0, NULL },
	{ "aGVsbG8=", 0, NULL },
	{ "aGVsbA==", 0, NULL },
	{ "+/+/", 0, NULL },
	{ "QR==", 0, NULL }, /* non-zero trailing bits: Go is not strict */
	{ "\n", 0, NULL },
	{ "\r\n", 0, NULL },
	{ "AAAA\n", 0, NULL },
	{ "\r\nAAAA\r\n", 0, NULL },
	{ "AA\r\nAA", 0, NULL },
	{ "A\nA\nA\nA", 0, NULL },
	{ "AA\n==", 0, NULL },
	{ "AA=\n=", 0, NULL },
	{ "AA==\n", 0, NULL },
	{ "AAAA!", 4, NULL }, /* only LEN bytes count */
	{ "!", 0, B64_CHAR },
	{ "AAA!", 0, B64_CHAR },
	{ "AA AA", 0, B64_CHAR },
	{ "AAA\tA", 0, B64_CHAR },
	{ "-_-_", 0, B64_CHAR }, /* URL alphabet */
	{ "AA.A", 0, B64_CHAR },
	{ "AAAA\0AAA", 8, B64_CHAR },
	{ "\xc3\xa4" "AA", 0, B64_CHAR },
	{ "A", 0, B64_LEN },
	{ "AA", 0, B64_LEN },
	{ "AAA", 0, B64_LEN },
	{ "AAAAA", 0, B64_LEN },
	{ "AA=", 0, B64_LEN },
	{ "=", 0, B64_LEN },
	{ "AAAA=", 0, B64_LEN },
	{ "AAA=\n=", 0, B64_LEN },
	{ "AAAA!", 3, B64_LEN },
	{ "====", 0, B64_PADS },
	{ "A===", 0, B64_PADS },
	{ "AAAA====", 0, B64_PADS },
	{ "AA=A", 0, B64_AFTER_PAD },
	{ "AA==AAAA", 0, B64_AFTER_PAD },
	{ "AAA=AAA=", 0, B64_AFTER_PAD },
	{ "AA==\nA", 0, B64_AFTER_PAD },
};

static void test_base64(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(base64_cases); i++) {
		const struct b64_case *c = &base64_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		const char *got = pv_check_base64(c->in, len);

		if (!got != !c->want || (got && strcmp(got, c->want)))
			fail_msg("pv_check_base64(case %zu, len %zu):\n got  %s\n want %s",
				 i, len, got ? got : "(valid)",
				 c->want ? c->want : "(valid)");
	}
}

static void test_base64_null_empty(void **state)
{
	(void)state;
	assert_null(pv_check_base64(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns1123_label),
		cmocka_unit_test(test_dns1123_subdomain),
		cmocka_unit_test(test_dns1035_label),
		cmocka_unit_test(test_qualified_name),
		cmocka_unit_test(test_label_value),
		cmocka_unit_test(test_port_name),
		cmocka_unit_test(test_env_var_name),
		cmocka_unit_test(test_config_key),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64_null_empty),
	};

	print_message("%zu table cases\n",
		      ARRAY_SIZE(dns1123_label_cases) +
		      ARRAY_SIZE(dns1123_subdomain_cases) +
		      ARRAY_SIZE(dns1035_label_cases) +
		      ARRAY_SIZE(qualified_name_cases) +
		      ARRAY_SIZE(label_value_cases) +
		      ARRAY_SIZE(port_name_cases) +
		      ARRAY_SIZE(env_var_name_cases) +
		      ARRAY_SIZE(config_key_cases) + ARRAY_SIZE(base64_cases));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
