/* Unit tests for manifests/cron.c: pv_cron_parse() and pv_cron_next(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "manifests/cron.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN_ALL 0x0fffffffffffffffULL
#define HOUR_ALL 0xffffffU
#define DOM_ALL 0xfffffffeU
#define MON_ALL 0x1ffeU
#define DOW_ALL 0x7f

struct valid_case {
	const char *in;
	uint64_t minute;
	uint32_t hour, dom, month;
	uint8_t dow;
	bool dom_star, dow_star;
	int64_t every;
};

struct invalid_case {
	const char *in;
	const char *why; /* the exact message */
};

#define FIELD_COUNT_MSG(n) \
	"expected 5 fields (minute hour day-of-month month day-of-week), got " #n
#define TZ_MSG "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
#define UNITS "(use ns, us, ms, s, m, h)"

static const struct valid_case valid_cases[] = {
	{ "* * * * *", MIN_ALL, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	/* robfig takes '?' as '*' in every field */
	{ "? ? ? ? ?", MIN_ALL, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "*/5 * * * *", 0x84210842108421ULL, HOUR_ALL, DOM_ALL, MON_ALL,
	  DOW_ALL, true, true, 0 },
	{ "0 12 * * MON", 1, 1U << 12, DOM_ALL, MON_ALL, 1 << 1, true, false, 0 },
	{ "0 0 1,15 * mon-fri", 1, 1, 0x8002, MON_ALL, 0x3e, false, false, 0 },
	{ "5/15 * * * *", 0x4000800100020ULL, HOUR_ALL, DOM_ALL, MON_ALL,
	  DOW_ALL, true, true, 0 },
	{ "10-30/10 * * * *", 0x40100400, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL,
	  true, true, 0 },
	{ "0 9-17 * JAN-mar,Dec *", 1, 0x3fe00, DOM_ALL, 0x100e, DOW_ALL, true,
	  true, 0 },
	/* a step over 1 makes '*' a restriction; a step of 1 does not */
	{ "0 0 * * */2", 1, 1, DOM_ALL, MON_ALL, 0x55, true, false, 0 },
	{ "0 0 * * */1", 1, 1, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "0 0 */2 * *", 1, 1, 0xaaaaaaaa, MON_ALL, DOW_ALL, false, true, 0 },
	{ "0 0 ?/3 * *", 1, 1, 0x92492492, MON_ALL, DOW_ALL, false, true, 0 },
	{ "0 0 * * 1,*", 1, 1, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "0 0 * * 0-6", 1, 1, DOM_ALL, MON_ALL, DOW_ALL, true, false, 0 },
	{ "0 0 * * sun,SAT", 1, 1, DOM_ALL, MON_ALL, 0x41, true, false, 0 },
	{ "0 0 * * 5/1", 1, 1, DOM_ALL, MON_ALL, 0x60, true, false, 0 },
	{ "0 0 * * FRI/1", 1, 1, DOM_ALL, MON_ALL, 0x60, true, false, 0 },
	{ "59 23 31 12 6", 1ULL << 59, 1U << 23, 1U << 31, 1U << 12, 1 << 6,
	  false, false, 0 },
	/* strconv.Atoi numbers, robfig list and range quirks */
	{ "+5 * * * *", 1 << 5, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "007 * * * *", 1 << 7, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "*/+2 0 * * *", 0x555555555555555ULL, 1, DOM_ALL, MON_ALL, DOW_ALL,
	  true, true, 0 },
	{ "*/61 * * * *", 1, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "1,,2 * * * *", 0x6, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "*-5 * * * *", MIN_ALL, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ ", * * * *", 0, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	/* Go's strings.Fields: any Unicode white space separates */
	{ "\t0\n0 \v* *\r 0 ", 1, 1, DOM_ALL, MON_ALL, 1, true, false, 0 },
	{ "0\xc2\xa0" "0\xe3\x80\x80* * *", 1, 1, DOM_ALL, MON_ALL, DOW_ALL,
	  true, true, 0 },
	/* descriptors */
	{ "@yearly", 1, 1, 1 << 1, 1 << 1, DOW_ALL, false, true, 0 },
	{ "@annually", 1, 1, 1 << 1, 1 << 1, DOW_ALL, false, true, 0 },
	{ "@monthly", 1, 1, 1 << 1, MON_ALL, DOW_ALL, false, true, 0 },
	{ "@weekly", 1, 1, DOM_ALL, MON_ALL, 1, true, false, 0 },
	{ "@daily", 1, 1, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "@midnight", 1, 1, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "@hourly", 1, HOUR_ALL, DOM_ALL, MON_ALL, DOW_ALL, true, true, 0 },
	{ "@every 1h30m", 0, 0, 0, 0, 0, false, false, 5400 },
	{ "@every 90s", 0, 0, 0, 0, 0, false, false, 90 },
	{ "@every 1s", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1.5s", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1m0.5s", 0, 0, 0, 0, 0, false, false, 60 },
	{ "@every 1h1h", 0, 0, 0, 0, 0, false, false, 7200 },
	{ "@every +1h", 0, 0, 0, 0, 0, false, false, 3600 },
	{ "@every .5h", 0, 0, 0, 0, 0, false, false, 1800 },
	{ "@every 1.h", 0, 0, 0, 0, 0, false, false, 3600 },
	{ "@every 1000ms", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1000000us", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1000000\xc2\xb5s", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1000000\xce\xbcs", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 1000000000ns", 0, 0, 0, 0, 0, false, false, 1 },
	{ "@every 2562047h", 0, 0, 0, 0, 0, false, false, 9223369200 },
	{ "@every 9223372036s", 0, 0, 0, 0, 0, false, false, 9223372036 },
};

static const struct invalid_case invalid_cases[] = {
	{ "", "empty schedule" },
	{ "   ", FIELD_COUNT_MSG(0) },
	{ "* * * *", FIELD_COUNT_MSG(4) },
	{ "0 * * * * *", FIELD_COUNT_MSG(6) },
	{ " @hourly", FIELD_COUNT_MSG(1) },
	/* ranges */
	{ "60 * * * *", "minute: 60 is out of range 0-59" },
	{ "0 24 * * *", "hour: 24 is out of range 0-23" },
	{ "0 0 0 * *", "day-of-month: 0 is out of range 1-31" },
	{ "0 0 32 * *", "day-of-month: 32 is out of range 1-31" },
	{ "0 0 5-0 * *", "day-of-month: 0 is out of range 1-31" },
	{ "0 0 * 13 *", "month: 13 is out of range 1-12" },
	{ "0 0 * 0 *", "month: 0 is out of range 1-12" },
	{ "0 0 * * 7", "day-of-week: 7 is out of range 0-6 (Sunday is 0 or SUN)" },
	{ "0 0 * * 1-7", "day-of-week: 7 is out of range 0-6 (Sunday is 0 or SUN)" },
	{ "0 0 * * 7/1", "day-of-week: 7 is out of range 0-6 (Sunday is 0 or SUN)" },
	{ "9223372036854775807 * * * *",
	  "minute: 9223372036854775807 is out of range 0-59" },
	{ "30-10 * * * *", "minute: range \"30-10\" runs backwards" },
	{ "0 0 * * FRI-MON", "day-of-week: range \"FRI-MON\" runs backwards" },
	{ "0 0 * * 5-1/2", "day-of-week: range \"5-1\" runs backwards" },
	/* steps */
	{ "*/0 * * * *", "minute: step must be at least 1 in \"*/0\"" },
	{ "0 5/0 * * *", "hour: step must be at least 1 in \"5/0\"" },
	{ "*/-1 * * * *", "minute: step \"-1\" is negative in \"*/-1\"" },
	{ "0 0 * * */MON", "day-of-week: step \"MON\" is not a number" },
	{ "*/99999999999999999999 * * * *",
	  "minute: step \"99999999999999999999\" is too large" },
	{ "*/2/3 * * * *", "minute: too many '/' in \"*/2/3\"" },
	/* numbers and names */
	{ "1-2-3 * * * *", "minute: too many '-' in \"1-2-3\"" },
	{ "x * * * *", "minute: \"x\" is not a number" },
	{ "0x10 * * * *", "minute: \"0x10\" is not a number" },
	{ "1.5 * * * *", "minute: \"1.5\" is not a number" },
	{ "+ * * * *", "minute: \"+\" is not a number" },
	{ "* * * * L", "day-of-week: \"L\" is not a number or day name (SUN-SAT)" },
	{ "0 0 * FOO *", "month: \"FOO\" is not a number or month name (JAN-DEC)" },
	{ "0 0 * * Sunday",
	  "day-of-week: \"Sunday\" is not a number or day name (SUN-SAT)" },
	{ "0 0 MON * *", "day-of-month: \"MON\" is not a number" },
	{ "0 0 * * 5#2", "day-of-week: \"5#2\" is not a number or day name (SUN-SAT)" },
	{ "1- * * * *", "minute: missing number in \"1-\"" },
	{ "-5 * * * *", "minute: missing number in \"-5\"" },
	{ "/5 * * * *", "minute: missing number in \"/5\"" },
	{ "5/ * * * *", "minute: missing number in \"5/\"" },
	{ "99999999999999999999 * * * *",
	  "minute: \"99999999999999999999\" is too large" },
	/* the first bad field is the one reported */
	{ "60 24 * * *", "minute: 60 is out of range 0-59" },
	/* Kubernetes: spec.timeZone, never TZ in the schedule */
	{ "TZ=UTC 0 0 * * *", TZ_MSG },
	{ "CRON_TZ=Europe/Paris 0 0 * * *", TZ_MSG },
	{ "0 0 * * * TZ", TZ_MSG },
	/* descriptors */
	{ "@fortnightly", "unknown descriptor \"@fortnightly\"" },
	{ "@HOURLY", "unknown descriptor \"@HOURLY\"" },
	{ "@hourly ", "unknown descriptor \"@hourly \"" },
	{ "@every", "unknown descriptor \"@every\"" },
	{ "@every\t1h", "unknown descriptor \"@every\t1h\"" },
	{ "@every 500ms", "@every: duration \"500ms\" is shorter than 1s" },
	{ "@every 999999999ns", "@every: duration \"999999999ns\" is shorter than 1s" },
	{ "@every 0", "@every: duration \"0\" is shorter than 1s" },
	{ "@every -1h", "@every: duration \"-1h\" is shorter than 1s" },
	{ "@every 1x", "@every: unknown unit \"x\" in duration \"1x\" " UNITS },
	{ "@every 1h 30m", "@every: unknown unit \"h \" in duration \"1h 30m\" " UNITS },
	{ "@every 10", "@every: missing unit in duration \"10\"" },
	{ "@every 1h10", "@every: missing unit in duration \"1h10\"" },
	{ "@every abc", "@every: invalid duration \"abc\"" },
	{ "@every ", "@every: invalid duration \"\"" },
	{ "@every  1h", "@every: invalid duration \" 1h\"" },
	{ "@every .s", "@every: invalid duration \".s\"" },
	{ "@every 1h-1m", "@every: unknown unit \"h-\" in duration \"1h-1m\" " UNITS },
	{ "@every 1h.", "@every: invalid duration \"1h.\"" },
	{ "@every 2562048h", "@every: invalid duration \"2562048h\"" },
	{ "@every 9223372037s", "@every: invalid duration \"9223372037s\"" },
	{ "@every 99999999999999999999ns",
	  "@every: invalid duration \"99999999999999999999ns\"" },
};

static void test_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct pv_cron r;
		char why[256];

		memset(&r, 0xa5, sizeof(r));
		if (pv_cron_parse(c->in, &r, why, sizeof(why)) != 0)
			fail_msg("\"%s\": rejected: %s", c->in, why);
		if (r.minute != c->minute || r.hour != c->hour ||
		    r.dom != c->dom || r.month != c->month || r.dow != c->dow ||
		    r.dom_star != c->dom_star || r.dow_star != c->dow_star ||
		    r.every != c->every)
			fail_msg("\"%s\": got min %#llx hour %#x dom %#x mon %#x dow %#x stars %d/%d every %lld",
				 c->in, (unsigned long long)r.minute, r.hour,
				 r.dom, r.month, r.dow, r.dom_star, r.dow_star,
				 (long long)r.every);
		assert_string_equal(why, "");
	}
}

static void test_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct pv_cron r, before;
		char why[256];

		memset(&r, 0x5a, sizeof(r));
		before = r;
		strcpy(why, "(unset)");
		if (pv_cron_parse(c->in, &r, why, sizeof(why)) != -1)
			fail_msg("\"%s\": accepted", c->in);
		if (strcmp(why, c->why) != 0)
			fail_msg("\"%s\": why \"%s\", want \"%s\"", c->in, why,
				 c->why);
		if (memcmp(&r, &before, sizeof(r)) != 0)
			fail_msg("\"%s\": output written on failure", c->in);
	}
}

static void test_why_buffer(void **state)
{
	struct pv_cron r;
	char why[8];

	(void)state;
	memset(why, 'x', sizeof(why));
	assert_int_equal(pv_cron_parse("0 24 * * *", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "hour: 2");
	memset(why, 'x', sizeof(why));
	assert_int_equal(pv_cron_parse("0 24 * * *", &r, why, 0), -1);
	assert_int_equal(why[0], 'x');
	assert_int_equal(pv_cron_parse("0 24 * * *", &r, NULL, 0), -1);
	assert_int_equal(pv_cron_parse(NULL, &r, NULL, 0), -1);
	assert_int_equal(pv_cron_parse("@daily", NULL, NULL, 0), 0);
}

static void test_long_input_is_quoted_short(void **state)
{
	char in[512], why[512];
	struct pv_cron r;

	(void)state;
	memset(in, 'a', 300);
	strcpy(in + 300, " * * * *");
	assert_int_equal(pv_cron_parse(in, &r, why, sizeof(why)), -1);
	assert_int_equal(strlen(why), strlen("minute: \"\" is not a number") + 64);
	in[0] = '@';
	in[300] = '\0';
	assert_int_equal(pv_cron_parse(in, &r, why, sizeof(why)), -1);
	assert_int_equal(strlen(why), strlen("unknown descriptor \"\"") + 64);
}

/* ---- pv_cron_next ------------------------------------------------------ */

/* "YYYY-MM-DDTHH:MM:SSZ" to seconds since the epoch. */
static int64_t utc(const char *s)
{
	struct tm tm;
	char z = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		fail_msg("bad time literal \"%s\"", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static const char *fmt_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == -1 || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "%lld", (long long)t);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

struct next_case {
	const char *sched;
	const char *after;
	const char *want; /* NULL: none within five years */
};

static const struct next_case next_cases[] = {
	{ "*/5 * * * *", "2026-11-23T10:02:30Z", "2026-11-23T10:05:00Z" },
	{ "*/5 * * * *", "2026-11-23T10:04:59Z", "2026-11-23T10:05:00Z" },
	{ "*/5 * * * *", "2026-11-23T10:05:00Z", "2026-11-23T10:10:00Z" },
	{ "*/5 * * * *", "2026-12-31T23:58:00Z", "2027-01-01T00:00:00Z" },
	{ "0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z" },
	{ "0 0 29 2 *", "2095-03-01T00:00:00Z", "2096-02-29T00:00:00Z" },
	{ "0 0 29 2 *", "2099-03-01T00:00:00Z", "2104-02-29T00:00:00Z" },
	{ "0 0 29 2 *", "2096-03-01T00:00:00Z", NULL }, /* 2100 is no leap year */
	{ "0 0 30 2 *", "2026-01-01T00:00:00Z", NULL },
	{ ", * * * *", "2026-01-01T00:00:00Z", NULL },
	/* 2026-11-23 is a Monday */
	{ "0 12 * * MON", "2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z" },
	{ "0 12 * * MON", "2026-11-23T12:00:00Z", "2026-11-30T12:00:00Z" },
	{ "0 12 * * 1", "2026-11-24T00:00:00Z", "2026-11-30T12:00:00Z" },
	/* both day fields restricted: either one matches */
	{ "0 0 13 * FRI", "2026-11-23T00:00:00Z", "2026-11-27T00:00:00Z" },
	{ "0 0 13 * FRI", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z" },
	{ "0 0 */2 * FRI", "2026-11-23T00:00:00Z", "2026-11-25T00:00:00Z" },
	{ "0 0 29 2 MON", "2026-03-01T00:00:00Z", "2027-02-01T00:00:00Z" },
	/* a star (even "*\/1") in one: both must match */
	{ "0 0 */1 * FRI", "2026-11-23T00:00:00Z", "2026-11-27T00:00:00Z" },
	{ "0 0 13 * ?", "2026-11-23T00:00:00Z", "2026-12-13T00:00:00Z" },
	{ "30 9-17/4 * * 1-5", "2026-11-27T17:30:00Z", "2026-11-30T09:30:00Z" },
	{ "30 9-17/4 * * 1-5", "2026-11-30T09:30:00Z", "2026-11-30T13:30:00Z" },
	{ "0 0 31 * *", "2026-11-23T00:00:00Z", "2026-12-31T00:00:00Z" },
	{ "0 0 1 1 *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z" },
	{ "59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z" },
	{ "0 0 * * *", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z" },
	{ "0 0 * * *", "1969-12-31T12:00:00Z", "1970-01-01T00:00:00Z" },
	{ "0 0 * * 0", "1900-01-01T00:00:00Z", "1900-01-07T00:00:00Z" },
	/* descriptors */
	{ "@hourly", "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z" },
	{ "@hourly", "2026-11-23T10:59:59Z", "2026-11-23T11:00:00Z" },
	{ "@daily", "2026-11-23T10:00:00Z", "2026-11-24T00:00:00Z" },
	{ "@weekly", "2026-11-23T10:00:00Z", "2026-11-29T00:00:00Z" },
	{ "@monthly", "2026-11-23T10:00:00Z", "2026-12-01T00:00:00Z" },
	{ "@yearly", "2026-11-23T10:00:00Z", "2027-01-01T00:00:00Z" },
	{ "@every 90s", "2026-11-23T10:02:30Z", "2026-11-23T10:04:00Z" },
	{ "@every 1h30m", "2026-11-23T23:00:00Z", "2026-11-24T00:30:00Z" },
	{ "@every 1.9s", "2026-11-23T10:00:00Z", "2026-11-23T10:00:01Z" },
};

static void test_next(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(next_cases); i++) {
		const struct next_case *c = &next_cases[i];
		int64_t want = c->want ? utc(c->want) : -1, got;
		char why[256], b1[64], b2[64];
		struct pv_cron r;

		if (pv_cron_parse(c->sched, &r, why, sizeof(why)) != 0)
			fail_msg("\"%s\": rejected: %s", c->sched, why);
		got = pv_cron_next(&r, utc(c->after));
		if (got != want)
			fail_msg("\"%s\" after %s: got %s, want %s", c->sched,
				 c->after, fmt_utc(got, b1, sizeof(b1)),
				 fmt_utc(want, b2, sizeof(b2)));
	}
}

static void test_next_extremes(void **state)
{
	struct pv_cron r;

	(void)state;
	assert_int_equal(pv_cron_parse("* * * * *", &r, NULL, 0), 0);
	assert_int_equal(pv_cron_next(&r, INT64_MAX), -1);
	assert_int_equal(pv_cron_next(&r, INT64_MIN), -1);
	assert_int_equal(pv_cron_next(&r, -1), 0);
	assert_int_equal(pv_cron_next(&r, -60), 0);
	assert_int_equal(pv_cron_next(&r, -61), -60);
	assert_int_equal(pv_cron_parse("@every 1s", &r, NULL, 0), 0);
	assert_int_equal(pv_cron_next(&r, INT64_MAX), -1);
	assert_int_equal(pv_cron_next(&r, INT64_MAX - 1), INT64_MAX);
}

/* Minute-by-minute reference, fields read with gmtime_r; -1 past LIMIT. */
static bool brute_matches(const struct pv_cron *c, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	bool dom, dow;

	assert_non_null(gmtime_r(&tt, &tm));
	if (!((c->minute >> tm.tm_min) & 1) || !((c->hour >> tm.tm_hour) & 1) ||
	    !((c->month >> (tm.tm_mon + 1)) & 1))
		return false;
	dom = (c->dom >> tm.tm_mday) & 1;
	dow = (c->dow >> tm.tm_wday) & 1;
	return (c->dom_star || c->dow_star) ? dom && dow : dom || dow;
}

static int64_t brute_next(const struct pv_cron *c, int64_t t, int64_t limit)
{
	int64_t m = (t / 60 - (t % 60 < 0) + 1) * 60;

	for (; m <= limit; m += 60)
		if (brute_matches(c, m))
			return m;
	return -1;
}

static const char *const brute_schedules[] = {
	"*/7 3-5 * * *",  "0 0 13 * FRI",   "15 10 */3 * 1-5", "0 0 1,15 * *",
	"5 4 * * SUN",	  "0 22 * * 1-5",   "23 0-20/2 * * *", "0 0,12 1 */2 *",
	"* * * * *",	  "0 0 */2 * FRI",  "0 0 ? * ?",       "59 23 31 * *",
	"0 0 28-31 * *",  "30 12 * FEB-APR tue,thu",
};

static void test_next_matches_brute_force(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int64_t lo = utc("2020-01-01T00:00:00Z"), span = 10 * 366 * 86400LL;
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(brute_schedules); i++) {
		struct pv_cron r;
		char why[256];

		if (pv_cron_parse(brute_schedules[i], &r, why, sizeof(why)) != 0)
			fail_msg("\"%s\": rejected: %s", brute_schedules[i], why);
		for (k = 0; k < 12; k++) {
			int64_t t, got, want;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			t = lo + (int64_t)((seed >> 11) % (uint64_t)span);
			if (k % 3 == 0)
				t -= t % 60; /* exactly on a minute */
			got = pv_cron_next(&r, t);
			want = brute_next(&r, t, t + 400 * 86400LL);
			if (got != want)
				fail_msg("\"%s\" after %lld: got %lld, want %lld",
					 brute_schedules[i], (long long)t,
					 (long long)got, (long long)want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_why_buffer),
		cmocka_unit_test(test_long_input_is_quoted_short),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_next_extremes),
		cmocka_unit_test(test_next_matches_brute_force),
	};

	print_message("%zu valid, %zu invalid, %zu next and %zu brute-force schedules\n",
		      ARRAY_SIZE(valid_cases), ARRAY_SIZE(invalid_cases),
		      ARRAY_SIZE(next_cases), ARRAY_SIZE(brute_schedules));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
