/* The Job decision (controllers/job_plan.c): which pods to create or
 * stop for a given view, the failure back-off, the conditions, the
 * deadline, the ttl, suspend, Indexed completion, and a simulated node
 * that runs a Job to its end without ever passing its parallelism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/plans/job_plan.h"

#define T0 1000000

static int64_t idx[64];

static struct pv_job_plan plan(int64_t completions, int64_t parallelism, struct pv_job_pod *pods,
			       size_t n)
{
	return (struct pv_job_plan){ .completions = completions, .parallelism = parallelism,
				     .backoff_limit = 6, .ttl = -1, .pods = pods, .npods = n,
				     .now = T0, .create_index = idx };
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(pv_job_backoff(0), 0);
	assert_int_equal(pv_job_backoff(1), 10);
	assert_int_equal(pv_job_backoff(2), 20);
	assert_int_equal(pv_job_backoff(3), 40);
	assert_int_equal(pv_job_backoff(5), 160);
	assert_int_equal(pv_job_backoff(6), 320);
	assert_int_equal(pv_job_backoff(7), 360); /* capped at 6 minutes */
	assert_int_equal(pv_job_backoff(1000), 360);
}

/* A new Job starts min(parallelism, completions) pods and its clock. */
static void test_start(void **state)
{
	struct pv_job_plan p = plan(3, 2, NULL, 0);

	(void)state;
	assert_int_equal(pv_job_decide(&p), 2);
	assert_int_equal(p.start, T0);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	assert_string_equal(pv_job_status_str(&p), "Running");
	p = plan(1, 5, NULL, 0);
	assert_int_equal(pv_job_decide(&p), 1);
	p = plan(-1, 4, NULL, 0); /* a work queue: parallelism pods */
	assert_int_equal(pv_job_decide(&p), 4);
}

/* Two succeeded of three, one running: nothing more; all three: Complete,
 * the finished pods kept. */
static void test_complete(void **state)
{
	struct pv_job_pod pods[3] = {
		{ .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 - 5 },
		{ .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 - 3 },
		{ .state = PV_JOB_POD_ACTIVE, .index = -1 },
	};
	struct pv_job_plan p = plan(3, 2, pods, 3);

	(void)state;
	p.start = T0 - 10;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.succeeded, 2);
	assert_int_equal(p.active, 1);
	assert_true(pods[2].keep);
	pods[2] = (struct pv_job_pod){ .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 };
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_COMPLETE);
	assert_true(p.just_finished);
	assert_int_equal(p.finished, T0);
	assert_string_equal(pv_job_status_str(&p), "Complete");
	for (int i = 0; i < 3; i++)
		assert_true(pods[i].keep);
	/* Next pass: still Complete, nothing created, nothing new said. */
	p.now = T0 + 100;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_false(p.just_finished);
	assert_int_equal(p.cond, PV_JOB_COMPLETE);
	assert_int_equal(p.next, 0); /* no ttl: nothing to wait for */
}

/* A failure backs off 10 s from its finish, two 20 s; past backoffLimit
 * failures the Job fails and its running pods stop. */
static void test_backoff_limit(void **state)
{
	struct pv_job_pod pods[4] = {
		{ .state = PV_JOB_POD_FAILED, .index = -1, .finished = T0 - 4 },
	};
	struct pv_job_plan p = plan(1, 1, pods, 1);

	(void)state;
	p.backoff_limit = 2;
	p.start = T0 - 20;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.next, T0 - 4 + 10);
	assert_true(pods[0].keep); /* a failed pod stays (its logs) */
	p.now = T0 + 6;
	assert_int_equal(pv_job_decide(&p), 1);
	pods[1] = (struct pv_job_pod){ .state = PV_JOB_POD_FAILED, .index = -1, .finished = T0 + 8 };
	p.npods = 2;
	p.now = T0 + 9;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.next, T0 + 8 + 20);
	p.now = T0 + 28;
	assert_int_equal(pv_job_decide(&p), 1);
	pods[2] = (struct pv_job_pod){ .state = PV_JOB_POD_FAILED, .index = -1, .finished = T0 + 30 };
	p.npods = 3;
	p.now = T0 + 31;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "BackoffLimitExceeded");
	assert_int_equal(p.failed, 3);
	assert_string_equal(pv_job_status_str(&p), "Failed");
}

/* A success resets the back-off: failures before it do not count. */
static void test_backoff_after_success(void **state)
{
	struct pv_job_pod pods[3] = {
		{ .state = PV_JOB_POD_FAILED, .index = -1, .finished = T0 - 50 },
		{ .state = PV_JOB_POD_FAILED, .index = -1, .finished = T0 - 40 },
		{ .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 - 30 },
	};
	struct pv_job_plan p = plan(2, 1, pods, 3);

	(void)state;
	p.start = T0 - 60;
	assert_int_equal(pv_job_decide(&p), 1);
}

/* restartPolicy OnFailure: the containers' restarts are the failures. */
static void test_on_failure(void **state)
{
	struct pv_job_pod pods[1] = { { .state = PV_JOB_POD_ACTIVE, .index = -1, .restarts = 3 } };
	struct pv_job_plan p = plan(1, 1, pods, 1);

	(void)state;
	p.on_failure = true;
	p.backoff_limit = 3;
	p.start = T0 - 1;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	pods[0].restarts = 4;
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_false(pods[0].keep); /* the running pod stops */
}

/* activeDeadlineSeconds: looked at when it falls; past it, Failed. */
static void test_deadline(void **state)
{
	struct pv_job_pod pods[2] = {
		{ .state = PV_JOB_POD_ACTIVE, .index = -1 },
		{ .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 - 1 },
	};
	struct pv_job_plan p = plan(5, 1, pods, 2);

	(void)state;
	p.active_deadline = 30;
	p.start = T0 - 10;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.next, T0 + 20);
	p.now = T0 + 20;
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "DeadlineExceeded");
	assert_false(pods[0].keep);
	assert_true(pods[1].keep);
}

/* ttlSecondsAfterFinished: the pods stay until it runs out, then none. */
static void test_ttl(void **state)
{
	struct pv_job_pod pods[1] = { { .state = PV_JOB_POD_SUCCEEDED, .index = -1, .finished = T0 } };
	struct pv_job_plan p = plan(1, 1, pods, 1);

	(void)state;
	p.ttl = 5;
	p.start = T0 - 3;
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_COMPLETE);
	assert_true(pods[0].keep);
	assert_int_equal(p.next, T0 + 5);
	p.now = T0 + 5;
	pv_job_decide(&p);
	assert_true(p.expired);
	assert_false(pods[0].keep);
	p.ttl = 0; /* at once */
	p.finished = 0;
	p.cond = PV_JOB_RUNNING;
	p.now = T0 + 6;
	pv_job_decide(&p);
	assert_true(p.expired);
}

/* Suspend stops the running pods and creates none; the clock resets. */
static void test_suspend(void **state)
{
	struct pv_job_pod pods[1] = { { .state = PV_JOB_POD_ACTIVE, .index = -1 } };
	struct pv_job_plan p = plan(3, 2, pods, 1);

	(void)state;
	p.suspend = true;
	p.start = T0 - 3;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_false(pods[0].keep);
	assert_int_equal(p.start, 0);
	assert_string_equal(pv_job_status_str(&p), "Suspended");
	p.suspend = false;
	p.npods = 0;
	assert_int_equal(pv_job_decide(&p), 2);
	assert_int_equal(p.start, T0);
}

/* Parallelism lowered: the newest running pods go. */
static void test_trim(void **state)
{
	struct pv_job_pod pods[3] = {
		{ .state = PV_JOB_POD_ACTIVE, .index = -1 },
		{ .state = PV_JOB_POD_ACTIVE, .index = -1 },
		{ .state = PV_JOB_POD_ACTIVE, .index = -1 },
	};
	struct pv_job_plan p = plan(10, 1, pods, 3);

	(void)state;
	p.start = T0;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_true(pods[0].keep);
	assert_false(pods[1].keep);
	assert_false(pods[2].keep);
	assert_int_equal(p.active, 1);
}

/* Indexed: the lowest indexes neither done nor running; a failed index
 * runs again; a succeeded index counts once. */
static void test_indexed(void **state)
{
	struct pv_job_pod pods[4] = {
		{ .state = PV_JOB_POD_SUCCEEDED, .index = 0, .finished = T0 - 30 },
		{ .state = PV_JOB_POD_SUCCEEDED, .index = 0, .finished = T0 - 29 },
		{ .state = PV_JOB_POD_ACTIVE, .index = 1 },
		{ .state = PV_JOB_POD_FAILED, .index = 2, .finished = T0 - 20 },
	};
	struct pv_job_plan p = plan(5, 3, pods, 4);

	(void)state;
	p.indexed = true;
	p.start = T0 - 40;
	assert_int_equal(pv_job_decide(&p), 2);
	assert_int_equal(p.succeeded, 1);
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[1], 3);
}

/* A node running a Job of 40 completions, parallelism 20: created pods
 * run for a few passes then succeed (every seventh fails once); never
 * more than 20 at once; it completes with 40 succeeded. */
static void test_simulated_many(void **state)
{
	struct pv_job_pod pods[200];
	int age[200];
	size_t n = 0;
	int64_t max_active = 0, created = 0;
	struct pv_job_plan p = plan(40, 20, pods, 0);

	(void)state;
	p.backoff_limit = 100;
	for (int pass = 0; pass < 400 && p.cond == PV_JOB_RUNNING; pass++) {
		int64_t active = 0;

		p.now = T0 + pass;
		for (size_t i = 0; i < n; i++) {
			if (pods[i].state == PV_JOB_POD_ACTIVE && ++age[i] > 3) {
				pods[i].state = (i % 7 == 3) ? PV_JOB_POD_FAILED : PV_JOB_POD_SUCCEEDED;
				pods[i].finished = p.now;
			}
			active += pods[i].state == PV_JOB_POD_ACTIVE;
		}
		p.npods = n;
		pv_job_decide(&p);
		for (size_t i = 0; i < n; i++)
			assert_true(pods[i].keep || pods[i].state != PV_JOB_POD_ACTIVE);
		for (int64_t k = 0; k < p.create; k++, n++) {
			pods[n] = (struct pv_job_pod){ .state = PV_JOB_POD_ACTIVE, .index = -1 };
			age[n] = 0;
			created++;
		}
		active += p.create;
		if (active > max_active)
			max_active = active;
		assert_true(active <= 20);
	}
	assert_int_equal(p.cond, PV_JOB_COMPLETE);
	assert_int_equal(p.succeeded, 40);
	assert_int_equal(max_active, 20);
	assert_true(created > 40); /* the failed ones were replaced */
}

/* ---- podFailurePolicy ---- */

static const int64_t c42[] = { 42 };
static const int64_t c1_2[] = { 1, 2 };

static struct pv_job_pod failed_pod(int64_t index, int64_t finished, const struct pv_job_exit *e,
				    size_t n)
{
	return (struct pv_job_pod){ .state = PV_JOB_POD_FAILED, .index = index,
				    .finished = finished, .exits = e, .nexits = n };
}

/* A FailJob rule on exit code 42 fails the Job at its first match, naming
 * the container, the code and the rule; the running pods stop. */
static void test_pfp_fail_job(void **state)
{
	static const struct pv_job_exit e42[] = { { "init", 0 }, { "main", 42 } };
	const struct pv_job_rule rules[] = {
		{ .action = PV_JOB_IGNORE, .ncodes = 1, .codes = c1_2 }, /* 1: no match */
		{ .action = PV_JOB_FAIL_JOB, .ncodes = 1, .codes = c42 },
	};
	struct pv_job_pod pods[2] = { failed_pod(-1, T0 - 1, e42, 2),
				      { .state = PV_JOB_POD_ACTIVE, .index = -1 } };
	struct pv_job_plan p = plan(2, 2, pods, 2);

	(void)state;
	p.rules = rules;
	p.nrules = 2;
	p.start = T0 - 10;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "PodFailurePolicy");
	assert_int_equal(p.fail_pod, 0);
	assert_string_equal(p.fail_container, "main");
	assert_int_equal(p.fail_code, 42);
	assert_int_equal(p.fail_rule, 1);
	assert_int_equal(pods[0].action, PV_JOB_FAIL_JOB);
	assert_false(pods[1].keep);
	assert_int_equal(p.failed, 1);
}

/* containerName, NotIn, exit code 0 and onPodConditions rules. */
static void test_pfp_matching(void **state)
{
	static const struct pv_job_exit side3[] = { { "side", 3 }, { "main", 0 } };
	static const struct pv_job_exit main3[] = { { "main", 3 } };
	const struct pv_job_rule rules[] = {
		{ .action = PV_JOB_FAIL_JOB, .on_conditions = true }, /* DisruptionTarget: never */
		{ .action = PV_JOB_FAIL_JOB, .container = "main", .not_in = true, .ncodes = 2,
		  .codes = c1_2 },
		{ .action = PV_JOB_IGNORE, .not_in = true, .ncodes = 1, .codes = c42 },
	};
	struct pv_job_pod pods[1] = { failed_pod(-1, T0 - 1, side3, 2) };
	struct pv_job_plan p = plan(1, 1, pods, 1);

	(void)state;
	p.rules = rules;
	p.nrules = 3;
	/* side ended 3: not main (rule 1), NotIn 42 (rule 2): Ignore; main's 0
	 * never matches. */
	pv_job_decide(&p);
	assert_int_equal(pods[0].action, PV_JOB_IGNORE);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	pods[0] = failed_pod(-1, T0 - 1, main3, 1);
	pv_job_decide(&p);
	assert_int_equal(pods[0].action, PV_JOB_FAIL_JOB); /* main 3 NotIn {1,2} */
	assert_string_equal(p.reason, "PodFailurePolicy");
	/* No rule matches: Count. */
	p = plan(1, 1, pods, 1);
	p.rules = rules + 2;
	p.nrules = 0;
	pods[0] = failed_pod(-1, T0 - 1, main3, 1);
	pv_job_decide(&p);
	assert_int_equal(pods[0].action, PV_JOB_COUNT);
	assert_int_equal(p.failed, 1);
}

/* Ignore: the failures do not count toward backoffLimit (nor FAILED); the
 * Job keeps retrying after the back-off. Count: they do. */
static void test_pfp_ignore(void **state)
{
	static const struct pv_job_exit e3[] = { { "main", 3 } };
	const struct pv_job_rule ignore[] = { { .action = PV_JOB_IGNORE, .ncodes = 1,
						.codes = (const int64_t[]){ 3 } } };
	struct pv_job_pod pods[3] = { failed_pod(-1, T0 - 30, e3, 1), failed_pod(-1, T0 - 5, e3, 1) };
	struct pv_job_plan p = plan(1, 1, pods, 2);

	(void)state;
	p.backoff_limit = 0;
	p.rules = ignore;
	p.nrules = 1;
	p.start = T0 - 40;
	assert_int_equal(pv_job_decide(&p), 0); /* backing off: 20 s after the second */
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.ignored, 2);
	assert_int_equal(p.next, T0 - 5 + 20);
	p.now = T0 + 15;
	assert_int_equal(pv_job_decide(&p), 1);
	p.rules = (const struct pv_job_rule[]){ { .action = PV_JOB_COUNT, .ncodes = 1,
						  .codes = (const int64_t[]){ 3 } } };
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "BackoffLimitExceeded");
}

/* ---- backoffLimitPerIndex, maxFailedIndexes ---- */

/* Index 1 fails twice with backoffLimitPerIndex 1: failed, never retried;
 * 0 and 2 complete; the Job fails with FailedIndexes. Its own back-off. */
static void test_per_index(void **state)
{
	static const struct pv_job_exit e1[] = { { "main", 1 } };
	struct pv_job_pod pods[8] = {
		{ .state = PV_JOB_POD_ACTIVE, .index = 0 },
		failed_pod(1, T0 - 2, e1, 1),
		{ .state = PV_JOB_POD_ACTIVE, .index = 2 },
	};
	char st[3];
	struct pv_job_plan p = plan(3, 3, pods, 3);

	(void)state;
	p.indexed = true;
	p.per_index_set = true;
	p.per_index = 1;
	p.backoff_limit = INT32_MAX;
	p.index_state = st;
	p.start = T0 - 20;
	assert_int_equal(pv_job_decide(&p), 0); /* index 1 backs off 10 s */
	assert_int_equal(p.next, T0 - 2 + 10);
	p.now = T0 + 8;
	assert_int_equal(pv_job_decide(&p), 1);
	assert_int_equal(idx[0], 1);
	pods[3] = failed_pod(1, T0 + 9, e1, 1);
	pods[0].state = pods[2].state = PV_JOB_POD_SUCCEEDED;
	p.npods = 4;
	p.now = T0 + 10;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "FailedIndexes");
	assert_int_equal(p.failed_indexes, 1);
	assert_int_equal(p.failed, 2);
	assert_int_equal(st[0], PV_JOB_INDEX_SUCCEEDED);
	assert_int_equal(st[1], PV_JOB_INDEX_FAILED);
	assert_int_equal(st[2], PV_JOB_INDEX_SUCCEEDED);
	/* While another index runs, the Job goes on without index 1. */
	pods[2].state = PV_JOB_POD_ACTIVE;
	p = plan(3, 3, pods, 4);
	p.indexed = p.per_index_set = true;
	p.per_index = 1;
	p.backoff_limit = INT32_MAX;
	p.index_state = st;
	p.now = T0 + 100;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	/* maxFailedIndexes 0: one failed index is one too many. */
	p.max_failed_set = true;
	p.max_failed_indexes = 0;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_string_equal(p.reason, "MaxFailedIndexesExceeded");
	assert_false(pods[2].keep);
}

/* FailIndex fails its index at once; backoffLimit still counts all. */
static void test_fail_index(void **state)
{
	static const struct pv_job_exit e7[] = { { "main", 7 } };
	const struct pv_job_rule rules[] = { { .action = PV_JOB_FAIL_INDEX, .ncodes = 1,
					       .codes = (const int64_t[]){ 7 } } };
	struct pv_job_pod pods[2] = { failed_pod(0, T0 - 1, e7, 1),
				      { .state = PV_JOB_POD_ACTIVE, .index = 1 } };
	char st[2];
	struct pv_job_plan p = plan(2, 2, pods, 2);

	(void)state;
	p.indexed = p.per_index_set = true;
	p.per_index = 5;
	p.rules = rules;
	p.nrules = 1;
	p.index_state = st;
	p.now = T0 + 100;
	assert_int_equal(pv_job_decide(&p), 0); /* index 0 not retried */
	assert_int_equal(st[0], PV_JOB_INDEX_FAILED);
	pods[1].state = PV_JOB_POD_SUCCEEDED;
	pv_job_decide(&p);
	assert_string_equal(p.reason, "FailedIndexes");
}

/* Many indexes: 40 of them, every fifth always fails; backoffLimitPerIndex
 * 0: each fails once and for all, the rest complete, failed 8. */
static void test_per_index_many(void **state)
{
	static const struct pv_job_exit e1[] = { { "main", 1 } };
	struct pv_job_pod pods[200];
	char st[40];
	size_t n = 0;
	struct pv_job_plan p = plan(40, 20, pods, 0);

	(void)state;
	p.indexed = p.per_index_set = true;
	p.per_index = 0;
	p.backoff_limit = INT32_MAX;
	p.index_state = st;
	for (int round = 0; round < 20 && p.cond == PV_JOB_RUNNING; round++) {
		p.npods = n;
		pv_job_decide(&p);
		for (size_t k = 0; k < n; k++)
			if (pods[k].state == PV_JOB_POD_ACTIVE)
				pods[k] = pods[k].index % 5 ? (struct pv_job_pod){
					.state = PV_JOB_POD_SUCCEEDED, .index = pods[k].index,
					.finished = p.now } : failed_pod(pods[k].index, p.now, e1, 1);
		for (int64_t i = 0; i < p.create && n < 200; i++)
			pods[n++] = (struct pv_job_pod){ .state = PV_JOB_POD_ACTIVE, .index = idx[i] };
		p.now += 5;
	}
	assert_int_equal(p.cond, PV_JOB_FAILED);
	assert_string_equal(p.reason, "FailedIndexes");
	assert_int_equal(p.failed_indexes, 8);
	assert_int_equal(p.succeeded, 32);
	assert_int_equal(n, 40); /* no index retried */
}

/* ---- successPolicy ---- */

static void test_index_set(void **state)
{
	(void)state;
	assert_true(pv_job_index_in("0", 0));
	assert_false(pv_job_index_in("0", 1));
	assert_true(pv_job_index_in("1,3-5,9", 4));
	assert_true(pv_job_index_in("1,3-5,9", 9));
	assert_false(pv_job_index_in("1,3-5,9", 6));
	assert_false(pv_job_index_in(NULL, 0));
	assert_false(pv_job_index_in("x", 0));
}

/* succeededIndexes "0": Complete (SuccessPolicy) as soon as index 0
 * succeeds, index 1's running pod stopped; succeededCount 2 of "0-3". */
static void test_success_policy(void **state)
{
	const struct pv_job_success_rule only0[] = { { .indexes = "0" } };
	const struct pv_job_success_rule two[] = { { .indexes = "0-3", .count = 2 } };
	struct pv_job_pod pods[4] = {
		{ .state = PV_JOB_POD_ACTIVE, .index = 0 },
		{ .state = PV_JOB_POD_ACTIVE, .index = 1 },
	};
	char st[4];
	struct pv_job_plan p = plan(2, 2, pods, 2);

	(void)state;
	p.indexed = true;
	p.success = only0;
	p.nsuccess = 1;
	p.index_state = st;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	pods[0] = (struct pv_job_pod){ .state = PV_JOB_POD_SUCCEEDED, .index = 0, .finished = T0 };
	assert_int_equal(pv_job_decide(&p), 0);
	assert_int_equal(p.cond, PV_JOB_COMPLETE);
	assert_string_equal(p.reason, "SuccessPolicy");
	assert_true(pods[0].keep);
	assert_false(pods[1].keep);
	/* Count: 1 of 0-3 is not enough; 2 are. */
	pods[1] = (struct pv_job_pod){ .state = PV_JOB_POD_ACTIVE, .index = 2 };
	p = plan(4, 2, pods, 2);
	p.indexed = true;
	p.success = two;
	p.nsuccess = 1;
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
	pods[1].state = PV_JOB_POD_SUCCEEDED;
	pv_job_decide(&p);
	assert_string_equal(p.reason, "SuccessPolicy");
	/* A non-Indexed Job has no successPolicy. */
	pods[1].state = PV_JOB_POD_ACTIVE;
	p = plan(4, 2, pods, 2);
	p.success = two;
	p.nsuccess = 1;
	pv_job_decide(&p);
	assert_int_equal(p.cond, PV_JOB_RUNNING);
}

/* ---- podReplacementPolicy ---- */

/* A deleted pod still terminating: TerminatingOrFailed replaces it at
 * once; Failed waits until it is gone (its index too). It is never kept. */
static void test_replacement_policy(void **state)
{
	struct pv_job_pod pods[2] = { { .state = PV_JOB_POD_ACTIVE, .index = -1, .terminating = true } };
	struct pv_job_plan p = plan(1, 1, pods, 1);

	(void)state;
	assert_int_equal(pv_job_decide(&p), 1);
	assert_false(pods[0].keep);
	assert_int_equal(p.terminating, 1);
	assert_int_equal(p.active, 0);
	p.replace_failed_only = true;
	assert_int_equal(pv_job_decide(&p), 0);
	assert_false(pods[0].keep);
	p.npods = 0; /* gone */
	assert_int_equal(pv_job_decide(&p), 1);
	/* Indexed: index 0 terminating, 1 missing: Failed makes 1 only. */
	pods[0] = (struct pv_job_pod){ .state = PV_JOB_POD_ACTIVE, .index = 0, .terminating = true };
	p = plan(2, 2, pods, 1);
	p.indexed = true;
	assert_int_equal(pv_job_decide(&p), 2);
	assert_int_equal(idx[0], 0);
	p.replace_failed_only = true;
	assert_int_equal(pv_job_decide(&p), 1);
	assert_int_equal(idx[0], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_backoff_limit),
		cmocka_unit_test(test_backoff_after_success),
		cmocka_unit_test(test_on_failure),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_suspend),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_indexed),
		cmocka_unit_test(test_simulated_many),
		cmocka_unit_test(test_pfp_fail_job),
		cmocka_unit_test(test_pfp_matching),
		cmocka_unit_test(test_pfp_ignore),
		cmocka_unit_test(test_per_index),
		cmocka_unit_test(test_fail_index),
		cmocka_unit_test(test_per_index_many),
		cmocka_unit_test(test_index_set),
		cmocka_unit_test(test_success_policy),
		cmocka_unit_test(test_replacement_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
