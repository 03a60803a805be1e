/* Unit tests for manifests/quantity.c: pv_qty_parse(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/quantity.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX INT64_MAX
#define MIN INT64_MIN

struct valid_case {
	const char *in;
	int64_t value;
	int64_t milli;
	bool negative;
};

struct invalid_case {
	const char *in;
	const char *why_has; /* substring the message must contain */
};

static const struct valid_case valid_cases[] = {
	/* plain numbers */
	{ "0", 0, 0, false },
	{ "1", 1, 1000, false },
	{ "+1", 1, 1000, false },
	{ "-1", -1, -1000, true },
	{ "-0", 0, 0, false },
	{ "+0", 0, 0, false },
	{ "0.0", 0, 0, false },
	{ "-0.000m", 0, 0, false },
	{ "00012", 12, 12000, false },
	{ "0.1", 1, 100, false },
	{ "0.5", 1, 500, false },
	{ ".5", 1, 500, false },
	{ "+.5", 1, 500, false },
	{ "1.", 1, 1000, false },
	{ "1.5", 2, 1500, false },
	{ "1.0000", 1, 1000, false },
	{ "3.14159", 4, 3142, false },
	{ "-1.5", -1, -1500, true },
	{ "-0.0001", 0, 0, true },
	{ "0.9999999999999999999999", 1, 1000, false },
	{ "1.000000000000000000000000000001", 2, 1001, false },
	{ "0.000000000000000000000000000001", 1, 1, false },
	/* decimal SI */
	{ "1n", 1, 1, false },
	{ "999999n", 1, 1, false },
	{ "1000000n", 1, 1, false },
	{ "1000001n", 1, 2, false },
	{ "1u", 1, 1, false },
	{ "1m", 1, 1, false },
	{ "-1m", 0, -1, true },
	{ "100m", 1, 100, false },
	{ "500m", 1, 500, false },
	{ "1500m", 2, 1500, false },
	{ "-1500m", -1, -1500, true },
	{ "2.5m", 1, 3, false },
	{ "-2.5m", 0, -2, true },
	{ "1k", 1000, 1000000, false },
	{ "100.000k", 100000, 100000000, false },
	{ "1M", 1000000, 1000000000, false },
	{ "1G", 1000000000, 1000000000000, false },
	{ "1T", 1000000000000, 1000000000000000, false },
	{ "1P", 1000000000000000, 1000000000000000000, false },
	{ "1E", 1000000000000000000, MAX, false },
	{ "9E", 9000000000000000000, MAX, false },
	{ "10E", MAX, MAX, false },
	{ "-10E", MIN, MIN, true },
	/* binary SI */
	{ "1Ki", 1024, 1024000, false },
	{ "0.5Ki", 512, 512000, false },
	{ "1.1Ki", 1127, 1126400, false },
	{ "0.001Ki", 2, 1024, false },
	{ "0.0001Ki", 1, 103, false },
	{ "0.05Ki", 52, 51200, false },
	{ "-0.05Ki", -51, -51200, true },
	{ "0.00005Ki", 1, 52, false },
	{ "0.0005Mi", 525, 524288, false },
	{ "1Mi", 1048576, 1048576000, false },
	{ "1Gi", 1073741824, 1073741824000, false },
	{ "1.5Gi", 1610612736, 1610612736000, false },
	{ "-1.5Gi", -1610612736, -1610612736000, true },
	{ "1Ti", 1099511627776, 1099511627776000, false },
	{ "1Pi", 1125899906842624, 1125899906842624000, false },
	{ "0.5Ei", 576460752303423488, MAX, false },
	{ "1Ei", 1152921504606846976, MAX, false },
	{ "7Ei", 8070450532247928832, MAX, false },
	{ "8Ei", MAX, MAX, false },
	{ "100Ei", MAX, MAX, false },
	{ "-100Ei", MIN, MIN, true },
	{ "0Ei", 0, 0, false },
	/* decimal exponent */
	{ "1e3", 1000, 1000000, false },
	{ "1E3", 1000, 1000000, false },
	{ "1e+3", 1000, 1000000, false },
	{ "1e03", 1000, 1000000, false },
	{ "12E-3", 1, 12, false },
	{ "1e-3", 1, 1, false },
	{ "1e-9", 1, 1, false },
	{ "1e-100", 1, 1, false },
	{ "-1e-100", 0, 0, true },
	{ "1.5e1", 15, 15000, false },
	{ ".5e-3", 1, 1, false },
	{ "1e18", 1000000000000000000, MAX, false },
	{ "1e19", MAX, MAX, false },
	{ "1e2147483647", MAX, MAX, false },
	{ "-1e2147483647", MIN, MIN, true },
	{ "1e-2147483648", 1, 1, false },
	{ "0e2147483647", 0, 0, false },
	{ "123456789012345678901234567890e-20", 1234567891, 1234567890124,
	  false },
	{ "9.223372036854775807e18", MAX, MAX, false },
	/* int64 boundaries */
	{ "9223372036854775807", MAX, MAX, false },
	{ "9223372036854775808", MAX, MAX, false },
	{ "18446744073709551615", MAX, MAX, false },
	{ "18446744073709551616", MAX, MAX, false },
	{ "-9223372036854775807", -MAX, MIN, true },
	{ "-9223372036854775808", MIN, MIN, true },
	{ "-9223372036854775809", MIN, MIN, true },
	{ "9223372036854775.807", 9223372036854776, MAX, false },
	{ "9223372036854775.8069", 9223372036854776, MAX, false },
	{ "9223372036854775.806", 9223372036854776, 9223372036854775806,
	  false },
	{ "9223372036854775.8061", 9223372036854776, 9223372036854775807,
	  false },
	{ "-9223372036854775.808", -9223372036854775, MIN, true },
	{ "-9223372036854775.807", -9223372036854775, -MAX, true },
	{ "-9223372036854775.809", -9223372036854775, MIN, true },
	{ "9223372036854775807m", 9223372036854776, MAX, false },
};

static const struct invalid_case invalid_cases[] = {
	{ "", "empty" },
	{ "Gi", "missing number" },
	{ "Ki", "missing number" },
	{ "m", "missing number" },
	{ "e3", "missing number" },
	{ "-", "missing number" },
	{ "+", "missing number" },
	{ ".", "missing number" },
	{ "--1", "missing number" },
	{ "+-1", "missing number" },
	{ "-+1", "missing number" },
	{ ".e3", "missing number" },
	{ "abc", "missing number" },
	{ "NaN", "missing number" },
	{ "Inf", "missing number" },
	{ "1 Gi", "whitespace" },
	{ " 1", "whitespace" },
	{ "1 ", "whitespace" },
	{ "\t1", "whitespace" },
	{ "1\n", "whitespace" },
	{ "1.2.3", "'.'" },
	{ "1..5", "'.'" },
	{ "..5", "missing number" },
	{ "1.5.", "'.'" },
	{ "5Zi", "unknown unit suffix" },
	{ "1ki", "unknown unit suffix" },
	{ "1K", "unknown unit suffix" },
	{ "1KI", "unknown unit suffix" },
	{ "1gi", "unknown unit suffix" },
	{ "1mi", "unknown unit suffix" },
	{ "1i", "unknown unit suffix" },
	{ "1Gb", "unknown unit suffix" },
	{ "1B", "unknown unit suffix" },
	{ "1Ki3", "unknown unit suffix" },
	{ "1Ki+", "unknown unit suffix" },
	{ "1kk", "unknown unit suffix" },
	{ "1Mi1", "unknown unit suffix" },
	{ "0x10", "unknown unit suffix" },
	{ "1,5", "unknown unit suffix" },
	{ "1_000", "unknown unit suffix" },
	{ "1/2", "unknown unit suffix" },
	{ "1%", "unknown unit suffix" },
	{ "1\xce\xbc", "unknown unit suffix" }, /* "1µ" */
	{ "1ee3", "unknown unit suffix" },
	{ "1e3.5", "unknown unit suffix" },
	{ "1e3k", "unknown unit suffix" },
	{ "1e-x", "unknown unit suffix" },
	{ "1e++3", "unknown unit suffix" },
	{ "1e", "exponent" },
	{ "1e+", "exponent" },
	{ "1e-", "exponent" },
	{ "1E-", "exponent" },
	{ "1.e", "exponent" },
	{ "1e2147483648", "exponent out of range" },
	{ "1e-2147483649", "exponent out of range" },
	{ "1e99999999999999999999", "exponent out of range" },
	{ "0e-99999999999999999999", "exponent out of range" },
};

static void test_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct pv_qty q = { 7, 7, true };
		const char *why = NULL;

		if (pv_qty_parse(c->in, &q, &why) != 0)
			fail_msg("\"%s\": rejected: %s", c->in, why);
		if (q.value != c->value || q.milli != c->milli ||
		    q.negative != c->negative)
			fail_msg("\"%s\": got value %lld milli %lld neg %d, want value %lld milli %lld neg %d",
				 c->in, (long long)q.value, (long long)q.milli,
				 q.negative, (long long)c->value,
				 (long long)c->milli, c->negative);
	}
}

static void test_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct pv_qty q = { 7, 8, true };
		const char *why = NULL;

		if (pv_qty_parse(c->in, &q, &why) != -1)
			fail_msg("\"%s\": accepted (value %lld milli %lld)",
				 c->in, (long long)q.value, (long long)q.milli);
		if (!why || !strstr(why, c->why_has))
			fail_msg("\"%s\": why \"%s\" lacks \"%s\"", c->in,
				 why ? why : "(null)", c->why_has);
		if (q.value != 7 || q.milli != 8 || !q.negative)
			fail_msg("\"%s\": output written on failure", c->in);
	}
}

static void test_suffix_message_is_the_documented_one(void **state)
{
	struct pv_qty q;
	const char *why = NULL;

	(void)state;
	assert_int_equal(pv_qty_parse("5Zi", &q, &why), -1);
	assert_string_equal(why,
		"unknown unit suffix (use Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E)");
}

static void test_null_why_and_null_input(void **state)
{
	struct pv_qty q;
	const char *why = NULL;

	(void)state;
	assert_int_equal(pv_qty_parse("1.2.3", &q, NULL), -1);
	assert_int_equal(pv_qty_parse(NULL, &q, &why), -1);
	assert_non_null(why);
}

/* Fill BUF with PREFIX, N copies of DIGIT and SUFFIX. */
static char *make_long(char *buf, const char *prefix, char digit, size_t n,
		       const char *suffix)
{
	size_t plen = strlen(prefix);

	memcpy(buf, prefix, plen);
	memset(buf + plen, digit, n);
	strcpy(buf + plen + n, suffix);
	return buf;
}

static void expect(const char *in, int64_t value, int64_t milli, bool neg)
{
	struct pv_qty q;
	const char *why = NULL;

	if (pv_qty_parse(in, &q, &why) != 0)
		fail_msg("%.20s...: rejected: %s", in, why);
	assert_int_equal(q.value, value);
	assert_int_equal(q.milli, milli);
	assert_int_equal(q.negative, neg);
}

#define LONG_N 10000

static void test_long_inputs(void **state)
{
	static char buf[LONG_N + 64];

	(void)state;
	expect(make_long(buf, "1", '0', LONG_N, ""), MAX, MAX, false);
	expect(make_long(buf, "-1", '0', LONG_N, "Ki"), MIN, MIN, true);
	expect(make_long(buf, "0.", '0', LONG_N, "1"), 1, 1, false);
	expect(make_long(buf, "-0.", '0', LONG_N, "1"), 0, 0, true);
	expect(make_long(buf, "0.", '9', LONG_N, ""), 1, 1000, false);
	expect(make_long(buf, "0.", '9', LONG_N, "k"), 1000, 1000000, false);
	expect(make_long(buf, "0.", '9', LONG_N, "Ei"), 1152921504606846976, MAX,
	       false);
	expect(make_long(buf, "1", '0', LONG_N, "e-10000"), 1, 1000, false);
	expect(make_long(buf, "", '0', LONG_N, "1"), 1, 1000, false);
	expect(make_long(buf, "", '0', LONG_N, ""), 0, 0, false);
	expect(make_long(buf, "1", '0', LONG_N, "e-9997"), 1000, 1000000,
	       false);
}

static void test_long_invalid(void **state)
{
	static char buf[LONG_N + 64];
	struct pv_qty q;
	const char *why = NULL;

	(void)state;
	make_long(buf, "1", '0', LONG_N, "Zi");
	assert_int_equal(pv_qty_parse(buf, &q, &why), -1);
	assert_non_null(strstr(why, "unknown unit suffix"));
	make_long(buf, "1e", '9', LONG_N, "");
	assert_int_equal(pv_qty_parse(buf, &q, &why), -1);
	assert_non_null(strstr(why, "exponent out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_suffix_message_is_the_documented_one),
		cmocka_unit_test(test_null_why_and_null_input),
		cmocka_unit_test(test_long_inputs),
		cmocka_unit_test(test_long_invalid),
	};

	print_message("%zu valid and %zu invalid table cases\n",
		      ARRAY_SIZE(valid_cases), ARRAY_SIZE(invalid_cases));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
