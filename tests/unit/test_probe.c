/* Probe result accounting (supervisor/podrules/probe.c): initial results,
 * thresholds, the initial delay, startup gating, hold after a kill. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "supervisor/podrules/probe.h"

static struct pv_probe_set with(bool live, bool ready, bool startup)
{
	struct pv_probe_set s = { .has = { live, ready, startup } };

	for (int k = 0; k < PV_PROBE_NKINDS; k++)
		s.acct[k].prm = pv_probe_params_default();
	pv_probe_set_reset(&s);
	return s;
}

static void test_initial(void **unused)
{
	struct pv_probe_set none = with(false, false, false), r = with(false, true, false);

	(void)unused;
	assert_true(pv_probe_started(&none));
	assert_true(pv_probe_ready(&none)); /* no probe: ready when running */
	assert_false(pv_probe_ready(&r));   /* readiness starts as Failure */
	assert_int_equal(r.acct[PV_PROBE_LIVENESS].result, PV_PROBE_SUCCESS);
	assert_int_equal(r.acct[PV_PROBE_STARTUP].result, PV_PROBE_UNKNOWN);
	assert_false(pv_probe_due(&none, PV_PROBE_READINESS, 100));
}

static void test_readiness_thresholds(void **unused)
{
	struct pv_probe_set s = with(false, true, false);

	(void)unused;
	s.acct[PV_PROBE_READINESS].prm.success_threshold = 2;
	assert_int_equal(pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_SUCCESS), PV_PROBE_SAME);
	assert_false(pv_probe_ready(&s));
	assert_int_equal(pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_SUCCESS), PV_PROBE_CHANGED);
	assert_true(pv_probe_ready(&s));
	/* failureThreshold 3: two failures, a success, three failures */
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE);
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE);
	assert_true(pv_probe_ready(&s));
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_SUCCESS); /* run of 1 < 2: same */
	assert_true(pv_probe_ready(&s));
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE);
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE);
	assert_true(pv_probe_ready(&s));
	assert_int_equal(pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE), PV_PROBE_CHANGED);
	assert_false(pv_probe_ready(&s));
	/* readiness failing never kills, and goes on probing */
	assert_int_equal(pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_FAILURE), PV_PROBE_SAME);
	assert_true(pv_probe_due(&s, PV_PROBE_READINESS, 0));
}

static void test_liveness_kill_and_hold(void **unused)
{
	struct pv_probe_set s = with(true, false, false);

	(void)unused;
	s.acct[PV_PROBE_LIVENESS].prm.failure_threshold = 2;
	assert_int_equal(pv_probe_record(&s, PV_PROBE_LIVENESS, PV_PROBE_FAILURE), PV_PROBE_SAME);
	assert_int_equal(pv_probe_record(&s, PV_PROBE_LIVENESS, PV_PROBE_FAILURE), PV_PROBE_KILL);
	assert_false(pv_probe_due(&s, PV_PROBE_LIVENESS, 100)); /* on hold */
	pv_probe_set_reset(&s); /* the container restarted */
	assert_true(pv_probe_due(&s, PV_PROBE_LIVENESS, 100));
	assert_int_equal(s.acct[PV_PROBE_LIVENESS].result, PV_PROBE_SUCCESS);
	assert_int_equal(pv_probe_record(&s, PV_PROBE_LIVENESS, PV_PROBE_FAILURE), PV_PROBE_SAME);
}

static void test_initial_delay(void **unused)
{
	struct pv_probe_set s = with(true, true, false);

	(void)unused;
	s.acct[PV_PROBE_LIVENESS].prm.initial_delay_s = 5;
	assert_false(pv_probe_due(&s, PV_PROBE_LIVENESS, 0));
	assert_false(pv_probe_due(&s, PV_PROBE_LIVENESS, 4));
	assert_true(pv_probe_due(&s, PV_PROBE_LIVENESS, 5));
	assert_true(pv_probe_due(&s, PV_PROBE_READINESS, 0));
}

static void test_startup_gates(void **unused)
{
	struct pv_probe_set s = with(true, true, true);

	(void)unused;
	assert_false(pv_probe_started(&s));
	assert_true(pv_probe_due(&s, PV_PROBE_STARTUP, 0));
	assert_false(pv_probe_due(&s, PV_PROBE_LIVENESS, 0));
	assert_false(pv_probe_due(&s, PV_PROBE_READINESS, 0));
	assert_int_equal(pv_probe_record(&s, PV_PROBE_STARTUP, PV_PROBE_FAILURE), PV_PROBE_SAME);
	assert_int_equal(pv_probe_record(&s, PV_PROBE_STARTUP, PV_PROBE_SUCCESS), PV_PROBE_CHANGED);
	assert_true(pv_probe_started(&s));
	assert_false(pv_probe_due(&s, PV_PROBE_STARTUP, 0)); /* done for this run */
	assert_true(pv_probe_due(&s, PV_PROBE_LIVENESS, 0));
	assert_false(pv_probe_ready(&s)); /* readiness still to succeed */
	pv_probe_record(&s, PV_PROBE_READINESS, PV_PROBE_SUCCESS);
	assert_true(pv_probe_ready(&s));
	/* no readiness probe: ready once started */
	s = with(false, false, true);
	assert_false(pv_probe_ready(&s));
	pv_probe_record(&s, PV_PROBE_STARTUP, PV_PROBE_SUCCESS);
	assert_true(pv_probe_ready(&s));
}

static void test_startup_failure_kills(void **unused)
{
	struct pv_probe_set s = with(false, false, true);

	(void)unused;
	s.acct[PV_PROBE_STARTUP].prm.failure_threshold = 1;
	assert_int_equal(pv_probe_record(&s, PV_PROBE_STARTUP, PV_PROBE_FAILURE), PV_PROBE_KILL);
	assert_false(pv_probe_due(&s, PV_PROBE_STARTUP, 0));
	assert_string_equal(pv_probe_kind_name(PV_PROBE_STARTUP), "Startup");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial),
		cmocka_unit_test(test_readiness_thresholds),
		cmocka_unit_test(test_liveness_kill_and_hold),
		cmocka_unit_test(test_initial_delay),
		cmocka_unit_test(test_startup_gates),
		cmocka_unit_test(test_startup_failure_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
