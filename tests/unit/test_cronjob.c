/* CronJob decisions: time zones read from the TZ database
 * (controllers/cronjob_tz.c, checked against glibc's localtime over
 * decades and zones), the next schedule time in a zone across daylight
 * saving changes, and missed schedule times (manifests/cron.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "manifests/cron.h"
#include "supervisor/controllers/cronjob_tz.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return (int64_t)timegm(&tm);
}

static struct pv_tz *zone(const char *name)
{
	struct pv_err err = { 0 };
	struct pv_tz *tz = pv_tz_load(name, &err);

	if (!tz)
		fail_msg("%s: %s", name, err.msg);
	return tz;
}

static struct pv_cron cron(const char *s)
{
	struct pv_cron c;
	char why[160];

	if (pv_cron_parse(s, &c, why, sizeof(why)) != 0)
		fail_msg("%s: %s", s, why);
	return c;
}

/* Our offsets agree with glibc's (TZ set in this test process only)
 * every ~5 days from 1970 to 2070, past the files' last transitions. */
static void test_offsets_match_glibc(void **state)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata",
		"America/Sao_Paulo", "Pacific/Chatham", "Europe/Dublin", "UTC",
		"America/St_Johns", "Africa/Casablanca",
	};

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		struct pv_tz *tz = zone(zones[z]);
		int bad = 0;

		setenv("TZ", zones[z], 1);
		tzset();
		for (int64_t t = 0; t < utc(2070, 1, 1, 0, 0); t += 5 * 86400 + 3607) {
			time_t tt = (time_t)t;
			struct tm tm;

			localtime_r(&tt, &tm);
			if (tm.tm_gmtoff != pv_tz_offset(tz, t) && bad++ < 3)
				print_error("%s at %lld: glibc %ld, ours %d\n", zones[z], (long long)t,
					    tm.tm_gmtoff, pv_tz_offset(tz, t));
		}
		assert_int_equal(bad, 0);
		pv_tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
}

static void test_unknown_zone(void **state)
{
	struct pv_err err = { 0 };

	(void)state;
	assert_null(pv_tz_load("Mars/Olympus_Mons", &err));
	assert_non_null(strstr(err.msg, "Mars/Olympus_Mons"));
	assert_null(pv_tz_load("../../etc/passwd", &err));
	assert_null(pv_tz_parse((const unsigned char *)"TZif2", 5));
}

/* "0 9 * * *" in Berlin: 08:00 UTC in winter, 07:00 in summer. */
/* A TZif file with one type (UTC) and the footer FOOTER. */
static size_t tzif(unsigned char *buf, const char *footer)
{
	static const unsigned char counts[24] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4 };
	static const unsigned char data[10] = { 0, 0, 0, 0, 0, 0, 'U', 'T', 'C', 0 };
	size_t n = 0;

	for (int v = 0; v < 2; v++) {
		memcpy(buf + n, "TZif2", 5);
		memset(buf + n + 5, 0, 15);
		memcpy(buf + n + 20, counts, 24);
		memcpy(buf + n + 44, data, 10);
		n += 54;
	}
	memcpy(buf + n, footer, strlen(footer));
	return n + strlen(footer);
}

/* A hostile footer: hours past any zone's are refused, not multiplied
 * into an overflow (UBSan stops the ASan build of this test on one). */
static void test_hostile_footer(void **state)
{
	static const char *const footers[] = {
		"\n<A>9223372036854775807\n",
		"\n<A>-9223372036854775807:99:99\n",
		"\nAAA3BBB,M3.2.0/9223372036854775807,M11.1.0\n",
		"\nAAA168\n",
	};
	unsigned char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		struct pv_tz *tz = pv_tz_parse(buf, tzif(buf, footers[i]));

		if (tz) {
			int32_t off = pv_tz_offset(tz, 4102444800); /* 2100, past every transition */

			assert_true(off > -168 * 3600 && off < 168 * 3600);
			pv_tz_free(tz);
		}
	}
	/* a sane footer still works: 5 hours west */
	{
		struct pv_tz *tz = pv_tz_parse(buf, tzif(buf, "\nEST5\n"));

		assert_non_null(tz);
		assert_int_equal(pv_tz_offset(tz, 4102444800), -5 * 3600);
		pv_tz_free(tz);
	}
}

static void test_next_in_zone(void **state)
{
	struct pv_tz *tz = zone("Europe/Berlin");
	struct pv_cron c = cron("0 9 * * *");

	(void)state;
	assert_int_equal(pv_cron_next_zone(&c, utc(2026, 1, 10, 12, 0), pv_tz_offset, tz),
			 utc(2026, 1, 11, 8, 0));
	assert_int_equal(pv_cron_next_zone(&c, utc(2026, 7, 10, 12, 0), pv_tz_offset, tz),
			 utc(2026, 7, 11, 7, 0));
	/* Far past the file's transitions: the footer's rule. */
	assert_int_equal(pv_cron_next_zone(&c, utc(2061, 7, 10, 12, 0), pv_tz_offset, tz),
			 utc(2061, 7, 11, 7, 0));
	/* No zone: UTC. */
	assert_int_equal(pv_cron_next_zone(&c, utc(2026, 7, 10, 12, 0), NULL, NULL),
			 utc(2026, 7, 11, 9, 0));
	pv_tz_free(tz);
}

/* New York, spring forward on 2026-03-08 (02:00 EST -> 03:00 EDT): 02:30
 * does not happen that day; fall back on 2026-11-01 (02:00 EDT -> 01:00
 * EST): 01:30 happens twice, and runs twice, as robfig/cron does. */
static void test_dst(void **state)
{
	struct pv_tz *tz = zone("America/New_York");
	struct pv_cron c230 = cron("30 2 * * *"), c130 = cron("30 1 * * *"), c0 = cron("0 * * * *");
	int64_t t;

	(void)state;
	assert_int_equal(pv_cron_next_zone(&c230, utc(2026, 3, 7, 12, 0), pv_tz_offset, tz),
			 utc(2026, 3, 9, 6, 30));
	t = pv_cron_next_zone(&c130, utc(2026, 11, 1, 4, 0), pv_tz_offset, tz);
	assert_int_equal(t, utc(2026, 11, 1, 5, 30)); /* 01:30 EDT */
	t = pv_cron_next_zone(&c130, t, pv_tz_offset, tz);
	assert_int_equal(t, utc(2026, 11, 1, 6, 30)); /* 01:30 EST */
	t = pv_cron_next_zone(&c130, t, pv_tz_offset, tz);
	assert_int_equal(t, utc(2026, 11, 2, 6, 30));
	/* Hourly across the spring gap: 01:00 EST, then 03:00 EDT. */
	t = pv_cron_next_zone(&c0, utc(2026, 3, 8, 5, 30), pv_tz_offset, tz);
	assert_int_equal(t, utc(2026, 3, 8, 6, 0));
	assert_int_equal(pv_cron_next_zone(&c0, t, pv_tz_offset, tz), utc(2026, 3, 8, 7, 0));
	pv_tz_free(tz);
}

/* Missed schedule times: the latest in (after, now], and how many. */
static void test_missed(void **state)
{
	struct pv_cron every = cron("* * * * *"), daily = cron("0 3 * * *"), hourly = cron("@hourly");
	int64_t missed, t0 = utc(2026, 5, 1, 10, 0);

	(void)state;
	assert_int_equal(pv_cron_last(&every, t0, t0 + 30, NULL, NULL, &missed), -1);
	assert_int_equal(missed, 0);
	assert_int_equal(pv_cron_last(&every, t0, t0 + 60, NULL, NULL, &missed), t0 + 60);
	assert_int_equal(missed, 1);
	assert_int_equal(pv_cron_last(&every, t0, t0 + 330, NULL, NULL, &missed), t0 + 300);
	assert_int_equal(missed, 5);
	/* A week down: more than 100 missed, the latest still found. */
	assert_int_equal(pv_cron_last(&every, t0, t0 + 7 * 86400 + 59, NULL, NULL, &missed),
			 t0 + 7 * 86400);
	assert_true(missed > PV_CRON_MISSED_MAX);
	assert_int_equal(pv_cron_last(&daily, t0, t0 + 200 * 86400, NULL, NULL, &missed),
			 utc(2026, 11, 17, 3, 0));
	assert_true(missed > PV_CRON_MISSED_MAX);
	assert_int_equal(pv_cron_last(&hourly, t0, t0 + 3 * 3600 + 1, NULL, NULL, &missed),
			 t0 + 3 * 3600);
	assert_int_equal(missed, 3);
	assert_int_equal(pv_cron_last(&hourly, t0, t0, NULL, NULL, &missed), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets_match_glibc),
		cmocka_unit_test(test_unknown_zone),
		cmocka_unit_test(test_hostile_footer),
		cmocka_unit_test(test_next_in_zone),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_missed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
