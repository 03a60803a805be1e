/* A DaemonSet's decision on one node (controllers/daemonset_plan.c): the
 * amounts resolved as the daemon controller does, a node that does not
 * fit, RollingUpdate without and with surge, OnDelete, simulated over
 * passes of a node where stopped pods go and started ones get ready. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/plans/daemonset_plan.h"

static void resolved(bool spct, int64_t s, bool upct, int64_t u, int64_t nodes, int64_t want_s,
		     int64_t want_u)
{
	int64_t surge, unavail;

	pv_ds_resolve((struct pv_ds_amount){ spct, s }, (struct pv_ds_amount){ upct, u }, nodes,
		      &surge, &unavail);
	assert_int_equal(surge, want_s);
	assert_int_equal(unavail, want_u);
}

/* Both round up (a percentage of one node is one); both zero: unavailable 1. */
static void test_resolve(void **state)
{
	(void)state;
	resolved(false, 0, false, 1, 1, 0, 1); /* the defaults */
	resolved(true, 25, true, 25, 1, 1, 1);
	resolved(true, 10, true, 10, 3, 1, 1);
	resolved(false, 1, false, 0, 1, 1, 0);
	resolved(false, 0, false, 0, 1, 0, 1);
	resolved(true, 0, true, 0, 1, 0, 1);
	resolved(true, 50, false, 0, 0, 0, 1); /* no node to schedule: nothing to surge */
	resolved(true, 100, true, 100, 1, 1, 1);
	resolved(false, 2, false, 3, 1, 2, 3);
}

/* A node over passes: the plan decided, then carried out. */
struct sim {
	struct pv_ds_pod pods[64];
	int age[64];       /* passes since started (current pods) */
	size_t n;
	int ready_after;   /* a started pod is ready after this many passes */
	int max_alive, min_ready_seen, passes;
	bool settled;
};

static void add_pod(struct sim *s, bool current, bool ready)
{
	s->pods[s->n] = (struct pv_ds_pod){ .current = current, .ready = ready };
	s->age[s->n++] = 0;
}

/* One pass: decide, then the node follows: stopping pods are gone, pods
 * not kept stop, the wanted pod starts (once its name is free). */
static void pass(struct sim *s, struct pv_ds_plan *p)
{
	struct pv_ds_pod next[64];
	int next_age[64];
	size_t k = 0;
	bool have_cur = false;
	int alive = 0, ready = 0;

	p->pods = s->pods;
	p->n = s->n;
	s->settled = pv_ds_decide(p);
	for (size_t i = 0; i < s->n; i++) {
		struct pv_ds_pod x = s->pods[i];

		if (x.stopping)
			continue; /* gone */
		have_cur |= x.current;
		if (x.current ? !p->want_new : !x.keep)
			x.stopping = true, x.ready = false;
		else if (x.current && ++s->age[i] >= s->ready_after)
			x.ready = true;
		next_age[k] = s->age[i];
		next[k++] = x;
	}
	for (size_t i = 0; i < k; i++)
		if (next[i].stopping && next[i].current)
			have_cur = true; /* the name is still taken */
	if (p->want_new && !have_cur) {
		next_age[k] = 0;
		next[k++] = (struct pv_ds_pod){ .current = true, .ready = s->ready_after == 0 };
	}
	memcpy(s->pods, next, k * sizeof(next[0]));
	memcpy(s->age, next_age, k * sizeof(next_age[0]));
	s->n = k;
	for (size_t i = 0; i < k; i++) {
		alive += !next[i].stopping;
		ready += !next[i].stopping && next[i].ready;
	}
	if (alive > s->max_alive)
		s->max_alive = alive;
	if (ready < s->min_ready_seen)
		s->min_ready_seen = ready;
	s->passes++;
}

/* Run until one current pod runs ready and nothing else is left. */
static void converge(struct sim *s, struct pv_ds_plan *p)
{
	s->min_ready_seen = 1000;
	for (int i = 0; i < 100; i++) {
		pass(s, p);
		if (s->n == 1 && s->pods[0].current && s->pods[0].ready && !s->pods[0].stopping &&
		    s->settled)
			return;
	}
	fail_msg("no convergence after 100 passes: %zu pods", s->n);
}

static struct pv_ds_plan plan(enum pv_ds_update u, int64_t surge, int64_t unavail)
{
	return (struct pv_ds_plan){ .fits = true, .update = u, .max_surge = surge,
				    .max_unavailable = unavail };
}

static void test_fresh_node(void **state)
{
	struct sim s = { .ready_after = 2 };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 0, 1);

	(void)state;
	pass(&s, &p);
	assert_true(p.want_new);
	assert_int_equal(s.n, 1);
	converge(&s, &p);
	assert_int_equal(s.max_alive, 1);
}

/* A node the template does not fit runs nothing: its pods, of any
 * template, stop. */
static void test_no_fit(void **state)
{
	struct sim s = { .ready_after = 1 };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 1, 1);

	(void)state;
	p.fits = false;
	add_pod(&s, true, true);
	add_pod(&s, false, true);
	assert_true(pv_ds_decide(&(struct pv_ds_plan){ .pods = s.pods, .n = s.n }));
	pass(&s, &p);
	assert_false(p.want_new);
	assert_false(s.pods[0].keep || s.pods[1].keep);
	assert_true(s.pods[0].stopping && s.pods[1].stopping);
	pass(&s, &p);
	assert_int_equal(s.n, 0);
	/* the node fits again: the pod comes */
	p.fits = true;
	pass(&s, &p);
	assert_int_equal(s.n, 1);
}

/* No surge (the default): the old pod stops, and only once it is gone
 * does the new one start: never two pods. */
static void test_rolling_no_surge(void **state)
{
	struct sim s = { .ready_after = 2 };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 0, 1);

	(void)state;
	add_pod(&s, false, true);
	pass(&s, &p);
	assert_false(p.want_new);
	assert_true(s.pods[0].stopping);
	pass(&s, &p); /* still stopping during the decision: no new pod yet */
	assert_false(p.want_new);
	assert_int_equal(s.n, 0);
	pass(&s, &p);
	assert_true(p.want_new);
	converge(&s, &p);
	assert_int_equal(s.max_alive, 1);
}

/* maxSurge 1: the new pod starts beside the old, which stops once the
 * new is ready; one pod is ready all along. */
static void test_rolling_surge(void **state)
{
	struct sim s = { .ready_after = 3 };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 1, 0);

	(void)state;
	add_pod(&s, false, true);
	pass(&s, &p);
	assert_true(p.want_new);
	assert_true(s.pods[0].keep);
	assert_false(s.settled);
	assert_int_equal(s.n, 2);
	converge(&s, &p);
	assert_int_equal(s.max_alive, 2);
	assert_int_equal(s.min_ready_seen, 1);
}

/* Surging, an old pod that is not ready bridges nothing: it goes at once
 * when one may be unavailable, and stays when none may. */
static void test_surge_unready_old(void **state)
{
	struct pv_ds_pod pods[2] = { { .current = false, .ready = false } };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 1, 1);

	(void)state;
	p.pods = pods;
	p.n = 1;
	assert_true(pv_ds_decide(&p));
	assert_true(p.want_new);
	assert_false(pods[0].keep);
	p.max_unavailable = 0;
	assert_false(pv_ds_decide(&p));
	assert_true(pods[0].keep);
	/* the new pod ready: the old goes */
	pods[1] = (struct pv_ds_pod){ .current = true, .ready = true };
	p.n = 2;
	assert_true(pv_ds_decide(&p));
	assert_false(pods[0].keep);
	assert_true(p.want_new);
}

/* OnDelete: the old pod stays through template changes until it is
 * deleted; then the current template's pod replaces it. */
static void test_on_delete(void **state)
{
	struct sim s = { .ready_after = 1 };
	struct pv_ds_plan p = plan(PV_DS_ON_DELETE, 0, 1);

	(void)state;
	add_pod(&s, false, true);
	for (int i = 0; i < 5; i++) {
		pass(&s, &p);
		assert_false(p.want_new);
		assert_int_equal(s.n, 1);
		assert_false(s.pods[0].stopping);
	}
	s.pods[0].stopping = true; /* podvisor delete pod */
	pass(&s, &p);
	assert_true(p.want_new);
	converge(&s, &p);
}

/* A deleted pod of the current template is wanted again (the pods module
 * starts it once the old one is gone). */
static void test_current_deleted(void **state)
{
	struct pv_ds_pod pods[1] = { { .current = true, .ready = true, .stopping = true } };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 0, 1);

	(void)state;
	p.pods = pods;
	p.n = 1;
	assert_true(pv_ds_decide(&p));
	assert_true(p.want_new);
}

/* Many leftover pods of older templates (past the arrays' capacities):
 * all go, and the one current pod comes after them. */
static void test_many_old(void **state)
{
	struct sim s = { .ready_after = 1 };
	struct pv_ds_plan p = plan(PV_DS_ROLLING, 0, 1);

	(void)state;
	for (int i = 0; i < 40; i++)
		add_pod(&s, false, i % 3 != 0);
	pass(&s, &p);
	assert_false(p.want_new);
	for (size_t i = 0; i < s.n; i++)
		assert_true(s.pods[i].stopping);
	converge(&s, &p);
	assert_int_equal(s.max_alive, 1); /* all stopped at once, the new one alone */

	struct sim t = { .ready_after = 1 };
	struct pv_ds_plan q = plan(PV_DS_ROLLING, 1, 1);

	for (int i = 0; i < 40; i++)
		add_pod(&t, false, true);
	pass(&t, &q);
	assert_true(q.want_new);
	assert_int_equal(t.n, 41);
	converge(&t, &q);
	assert_int_equal(t.min_ready_seen, 1); /* never none ready */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),           cmocka_unit_test(test_fresh_node),
		cmocka_unit_test(test_no_fit),            cmocka_unit_test(test_rolling_no_surge),
		cmocka_unit_test(test_rolling_surge),     cmocka_unit_test(test_surge_unready_old),
		cmocka_unit_test(test_on_delete),         cmocka_unit_test(test_current_deleted),
		cmocka_unit_test(test_many_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
