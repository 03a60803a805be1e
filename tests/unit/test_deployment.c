/* The Deployment rollout decision (controllers/rollout.c): Kubernetes'
 * maxSurge/maxUnavailable arithmetic, RollingUpdate and Recreate over a
 * simulated node, and the pod names' hashes. The revision history
 * (controllers/history.c): numbering, renumbering on a rollback,
 * change-causes, pruning by revisionHistoryLimit, the JSON it is kept in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/controllers/history.h"
#include "supervisor/plans/rollout.h"

static struct pv_rollout_strategy rolling(bool spct, int64_t s, bool upct, int64_t u)
{
	return (struct pv_rollout_strategy){
		.type = PV_ROLLOUT_ROLLING,
		.max_surge = { .is_pct = spct, .v = s },
		.max_unavailable = { .is_pct = upct, .v = u },
	};
}

static void resolved(struct pv_rollout_strategy s, int64_t replicas, int64_t want_surge,
		     int64_t want_unavail)
{
	int64_t surge, unavail;

	pv_rollout_resolve(&s, replicas, &surge, &unavail);
	assert_int_equal(surge, want_surge);
	assert_int_equal(unavail, want_unavail);
}

/* Surge rounds up, unavailable rounds down; both zero: unavailable 1. */
static void test_resolve(void **state)
{
	(void)state;
	resolved(rolling(true, 25, true, 25), 4, 1, 1);
	resolved(rolling(true, 25, true, 25), 10, 3, 2);
	resolved(rolling(true, 25, true, 25), 1, 1, 0);
	resolved(rolling(true, 25, true, 25), 40, 10, 10);
	resolved(rolling(true, 10, true, 10), 3, 1, 0);
	resolved(rolling(true, 0, true, 10), 3, 0, 1);   /* both zero -> 1 */
	resolved(rolling(false, 0, false, 0), 4, 0, 1);
	resolved(rolling(false, 1, false, 1), 4, 1, 1);
	resolved(rolling(false, 2, true, 50), 5, 2, 2);
	resolved(rolling(true, 100, true, 0), 3, 3, 0);
	resolved(rolling(true, 33, true, 33), 7, 3, 2);   /* 2.31 up, 2.31 down */
	resolved(rolling(true, 25, true, 25), 0, 0, 1);
}

/* A node the decision runs against: pods of the old and new templates;
 * a started pod is ready after READY_AFTER passes; an unwanted pod goes
 * at once. */
struct sim {
	int64_t replicas;
	struct pv_rollout_strategy s;
	int old_ready, old_unready;
	int new_age[64]; /* passes since started; -1: none */
	int ready_after;
	int min_ready, max_pods, max_ready;
};

static int sim_pass(struct sim *m)
{
	struct pv_rollout_pod old[64];
	struct pv_rollout r = { .replicas = m->replicas, .strategy = m->s, .old = old };
	int ready = 0, pods = 0;
	bool done;

	for (int i = 0; i < m->old_unready; i++)
		old[r.n_old++] = (struct pv_rollout_pod){ .ready = false };
	for (int i = 0; i < m->old_ready; i++)
		old[r.n_old++] = (struct pv_rollout_pod){ .ready = true };
	for (int i = 0; i < 64; i++)
		if (m->new_age[i] >= 0) {
			r.new_pods++;
			r.new_ready += m->new_age[i] >= m->ready_after;
		}
	done = pv_rollout_decide(&r);
	m->old_unready = m->old_ready = 0;
	for (size_t i = 0; i < r.n_old; i++)
		if (old[i].keep)
			*(old[i].ready ? &m->old_ready : &m->old_unready) += 1;
	for (int i = 0; i < 64; i++) {
		if (i >= r.want_new)
			m->new_age[i] = -1;
		else
			m->new_age[i]++;
	}
	for (int i = 0; i < 64; i++)
		if (m->new_age[i] >= 0) {
			pods++;
			ready += m->new_age[i] >= m->ready_after;
		}
	pods += m->old_ready + m->old_unready;
	ready += m->old_ready;
	if (ready < m->min_ready)
		m->min_ready = ready;
	if (ready > m->max_ready)
		m->max_ready = ready;
	if (pods > m->max_pods)
		m->max_pods = pods;
	return done;
}

static void sim_init(struct sim *m, int64_t replicas, struct pv_rollout_strategy s, int old_ready)
{
	memset(m, 0, sizeof(*m));
	m->replicas = replicas;
	m->s = s;
	m->old_ready = old_ready;
	m->ready_after = 2;
	m->min_ready = 1000;
	for (int i = 0; i < 64; i++)
		m->new_age[i] = -1;
}

static int sim_run(struct sim *m)
{
	for (int pass = 1; pass < 200; pass++)
		if (sim_pass(m))
			return pass;
	return -1;
}

/* 4 replicas, maxSurge 1, maxUnavailable 1: never under 3 ready, never
 * over 5 pods, and it ends with 4 new ready pods and no old one. */
static void test_rolling_sequence(void **state)
{
	struct sim m;
	int passes;

	(void)state;
	sim_init(&m, 4, rolling(false, 1, false, 1), 4);
	/* The first passes, step by step: one surge pod, one old pod down. */
	sim_pass(&m);
	assert_int_equal(m.old_ready, 4);
	sim_pass(&m); /* 5 pods, 4 ready: one old may go (3 ready is the floor) */
	assert_int_equal(m.old_ready, 3);
	passes = sim_run(&m);
	assert_true(passes > 0);
	assert_int_equal(m.old_ready + m.old_unready, 0);
	for (int i = 0; i < 4; i++)
		assert_true(m.new_age[i] >= m.ready_after);
	assert_int_equal(m.new_age[4], -1);
	assert_true(m.min_ready >= 3);
	assert_true(m.max_pods <= 5);
}

/* The defaults (25%/25%) on 40 replicas: 10 surge, 10 unavailable. */
static void test_rolling_forty(void **state)
{
	struct sim m;

	(void)state;
	sim_init(&m, 40, rolling(true, 25, true, 25), 40);
	assert_true(sim_run(&m) > 0);
	assert_true(m.min_ready >= 30);
	assert_true(m.max_pods <= 50);
	assert_int_equal(m.old_ready, 0);
}

/* maxSurge 0: room is made first (one unavailable), never more pods. */
static void test_rolling_no_surge(void **state)
{
	struct sim m;

	(void)state;
	sim_init(&m, 3, rolling(false, 0, false, 0), 3);
	assert_true(sim_run(&m) > 0);
	assert_true(m.min_ready >= 2);
	assert_true(m.max_pods <= 3);
}

/* maxUnavailable 0: a new pod must be ready before an old one goes. */
static void test_rolling_no_unavailable(void **state)
{
	struct sim m;

	(void)state;
	sim_init(&m, 4, rolling(false, 1, false, 0), 4);
	assert_true(sim_run(&m) > 0);
	assert_int_equal(m.min_ready, 4);
	assert_true(m.max_pods <= 5);
}

/* Unready old pods go first, whatever the availability. */
static void test_unready_old_first(void **state)
{
	struct pv_rollout_pod old[4] = { { .ready = true }, { .ready = false }, { .ready = true },
					 { .ready = true } };
	struct pv_rollout r = { .replicas = 4, .strategy = rolling(false, 0, false, 1), .old = old,
				.n_old = 4 };

	(void)state;
	pv_rollout_decide(&r);
	assert_int_equal(r.want_new, 0);
	assert_true(old[0].keep && old[2].keep && old[3].keep);
	assert_false(old[1].keep);
}

/* Scaling with no template change: the new count follows at once. */
static void test_scale(void **state)
{
	struct pv_rollout r = { .replicas = 6, .strategy = rolling(true, 25, true, 25), .new_pods = 4,
				.new_ready = 4 };

	(void)state;
	pv_rollout_decide(&r);
	assert_int_equal(r.want_new, 6);
	r = (struct pv_rollout){ .replicas = 2, .strategy = r.strategy, .new_pods = 6, .new_ready = 6 };
	assert_true(pv_rollout_decide(&r));
	assert_int_equal(r.want_new, 2);
}

/* Recreate: every old pod goes; the new start only once they are gone. */
static void test_recreate(void **state)
{
	struct pv_rollout_pod old[3] = { { .ready = true }, { .ready = true }, { .ready = false } };
	struct pv_rollout r = { .replicas = 3, .strategy = { .type = PV_ROLLOUT_RECREATE }, .old = old,
				.n_old = 3 };

	(void)state;
	assert_false(pv_rollout_decide(&r));
	assert_int_equal(r.want_new, 0);
	for (int i = 0; i < 3; i++)
		assert_false(old[i].keep);
	r = (struct pv_rollout){ .replicas = 3, .strategy = r.strategy, .old_stopping = true };
	assert_false(pv_rollout_decide(&r));
	assert_int_equal(r.want_new, 0);
	r = (struct pv_rollout){ .replicas = 3, .strategy = r.strategy };
	pv_rollout_decide(&r);
	assert_int_equal(r.want_new, 3);
}

/* Hashes: stable, 10 characters of the safe alphabet; suffixes stable
 * per slot and different across slots. */
static void test_names(void **state)
{
	char h1[11], h2[11], s0[6], s0b[6], s1[6];

	(void)state;
	pv_rollout_template_hash("{\"a\":1}", 7, h1);
	pv_rollout_template_hash("{\"a\":1}", 7, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 10);
	assert_int_equal(strspn(h1, "bcdfghjklmnpqrstvwxz2456789"), 10);
	pv_rollout_template_hash("{\"a\":2}", 7, h2);
	assert_string_not_equal(h1, h2);
	pv_rollout_slot_suffix(h1, 0, 0, s0);
	pv_rollout_slot_suffix(h1, 0, 0, s0b);
	pv_rollout_slot_suffix(h1, 1, 0, s1);
	assert_string_equal(s0, s0b);
	assert_string_not_equal(s0, s1);
	assert_int_equal(strspn(s0, "bcdfghjklmnpqrstvwxz2456789"), 5);
}

/* "h" followed by N, as a 10-character hash. */
static const char *hname(int n)
{
	static char buf[4][11];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "h%09d", n);
	return buf[k];
}

static int64_t record(struct pv_history *h, int n, const char *cause)
{
	struct json_object *t = json_object_new_int(n);
	struct pv_revision *r = pv_history_record(h, hname(n), t, cause);

	json_object_put(t);
	assert_non_null(r);
	return r->number;
}

/* New templates count up; a template seen before becomes the newest
 * number again; the same template again changes nothing. */
static void test_history_numbers(void **state)
{
	struct pv_history h = { 0 };

	(void)state;
	assert_int_equal(record(&h, 1, "one"), 1);
	assert_true(h.dirty);
	h.dirty = false;
	assert_int_equal(record(&h, 1, "one"), 1);
	assert_false(h.dirty);
	assert_null(pv_history_previous(&h));
	assert_int_equal(record(&h, 2, "two"), 2);
	assert_int_equal(pv_history_previous(&h)->number, 1);
	assert_int_equal(record(&h, 1, NULL), 3); /* a rollback: 1 becomes 3 */
	assert_string_equal(pv_history_by_number(&h, 3)->change_cause, "one");
	assert_null(pv_history_by_number(&h, 1));
	assert_int_equal(pv_history_previous(&h)->number, 2);
	assert_int_equal(record(&h, 1, "again"), 3); /* the change-cause follows */
	assert_string_equal(pv_history_by_hash(&h, hname(1))->change_cause, "again");
	assert_int_equal(h.n, 2);
	pv_history_free(&h);
}

static bool odd_alive(void *data, const char *hash)
{
	(void)data;
	return (hash[9] - '0') % 2 == 1;
}

/* revisionHistoryLimit: the current revision and LIMIT older ones stay,
 * the oldest go first; one whose pods still run is skipped, as
 * Kubernetes skips a ReplicaSet that still has replicas. Many: 40
 * revisions cross the array's capacities. */
static void test_history_prune(void **state)
{
	struct pv_history h = { 0 };

	(void)state;
	for (int i = 1; i <= 40; i++)
		record(&h, i, NULL);
	assert_int_equal(pv_history_prune(&h, 10, NULL, NULL), 29);
	assert_int_equal(h.n, 11);
	assert_int_equal(h.v[0].number, 30);
	assert_int_equal(h.v[10].number, 40);
	assert_int_equal(pv_history_prune(&h, 10, NULL, NULL), 0);
	/* 8 would go, but the odd ones still have pods: only the 5 even go */
	assert_int_equal(pv_history_prune(&h, 2, odd_alive, NULL), 5);
	assert_int_equal(h.n, 6);
	for (size_t i = 0; i < h.n; i++)
		assert_true(h.v[i].number == 40 || h.v[i].number % 2 == 1);
	size_t before = h.n; /* read first: arguments' order is unspecified (arm64 differs) */

	assert_int_equal(pv_history_prune(&h, 0, NULL, NULL), before - 1);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].number, 40);
	pv_history_free(&h);
}

/* The file's JSON, and back. */
static void test_history_json(void **state)
{
	struct pv_history h = { 0 }, back = { 0 };
	struct json_object *j;

	(void)state;
	record(&h, 7, "seven");
	record(&h, 8, NULL);
	record(&h, 7, NULL);
	j = pv_history_json(&h);
	assert_non_null(j);
	assert_int_equal(pv_history_from_json(&back, j), 0);
	assert_int_equal(back.n, 2);
	assert_false(back.dirty);
	assert_int_equal(pv_history_by_hash(&back, hname(7))->number, 3);
	assert_string_equal(pv_history_by_hash(&back, hname(7))->change_cause, "seven");
	assert_null(pv_history_by_hash(&back, hname(8))->change_cause);
	assert_int_equal(json_object_get_int(pv_history_by_number(&back, 2)->tmpl), 8);
	json_object_put(j);
	pv_history_free(&back);
	j = json_tokener_parse("{\"revisions\":[{\"revision\":1,\"podTemplateHash\":\"short\"}]}");
	assert_int_equal(pv_history_from_json(&back, j), -1);
	json_object_put(j);
	pv_history_free(&back);
	pv_history_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_rolling_sequence),
		cmocka_unit_test(test_rolling_forty),
		cmocka_unit_test(test_rolling_no_surge),
		cmocka_unit_test(test_rolling_no_unavailable),
		cmocka_unit_test(test_unready_old_first),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_recreate),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_history_numbers),
		cmocka_unit_test(test_history_prune),
		cmocka_unit_test(test_history_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
