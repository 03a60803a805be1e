/* The StatefulSet decision (controllers/statefulset_plan.c): which pod
 * each ordinal gets, over a simulated node, as Kubernetes' StatefulSet
 * controller decides: OrderedReady and Parallel scaling, RollingUpdate
 * from the highest ordinal with a partition and maxUnavailable, OnDelete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/plans/statefulset_plan.h"

#define MAXO 64

/* A node: per ordinal, whether a pod runs, at which revision, whether it
 * is healthy (ready) or stopping. A wanted pod starts unhealthy and is
 * ready at the next pass; an unwanted one is stopping for a pass, then
 * gone. */
struct node {
	bool exists[MAXO], stopping[MAXO], healthy[MAXO];
	enum pv_sts_rev rev[MAXO];
	int creates, deletes;
	int64_t created_order[MAXO * 4], deleted_order[MAXO * 4];
};

struct sim {
	struct node n;
	struct pv_sts_slot slots[MAXO], condemned[MAXO];
	struct pv_sts_plan p;
};

static void observe(struct sim *s)
{
	struct pv_sts_plan *p = &s->p;

	memset(s->slots, 0, sizeof(s->slots));
	p->slots = s->slots;
	p->condemned = s->condemned;
	p->ncondemned = 0;
	for (int64_t o = 0; o < MAXO; o++) {
		struct pv_sts_slot *slot;

		if (!s->n.exists[o])
			continue;
		if (o >= p->start && o < p->start + p->replicas)
			slot = &s->slots[o - p->start];
		else
			slot = &s->condemned[p->ncondemned++];
		*slot = (struct pv_sts_slot){ .ordinal = o, .exists = true,
					      .stopping = s->n.stopping[o],
					      .healthy = s->n.healthy[o] && !s->n.stopping[o],
					      .rev = s->n.rev[o] };
	}
}

static enum pv_sts_rev rev_of_want(enum pv_sts_want w, enum pv_sts_rev had)
{
	return w == PV_STS_UPDATE ? PV_STS_REV_UPDATE : w == PV_STS_CURRENT ? PV_STS_REV_CURRENT : had;
}

/* The node carries out one decision. */
static void apply_slot(struct sim *s, const struct pv_sts_slot *slot)
{
	int64_t o = slot->ordinal;

	if (slot->create) {
		assert_false(s->n.exists[o]);
		s->n.created_order[s->n.creates++] = o;
	}
	if (slot->del) {
		assert_true(s->n.exists[o]);
		assert_int_equal(slot->want, PV_STS_NONE);
		s->n.deleted_order[s->n.deletes++] = o;
	}
	if (slot->want == PV_STS_NONE) {
		if (s->n.exists[o] && s->n.stopping[o])
			s->n.exists[o] = s->n.stopping[o] = false; /* gone */
		else if (s->n.exists[o])
			s->n.stopping[o] = true;
		return;
	}
	if (!s->n.exists[o]) {
		s->n.exists[o] = true;
		s->n.healthy[o] = false;
		s->n.rev[o] = rev_of_want(slot->want, PV_STS_REV_UPDATE);
		return;
	}
	/* wanted as it runs: the same revision, never a silent replacement */
	assert_int_equal(rev_of_want(slot->want, s->n.rev[o]), s->n.rev[o]);
	s->n.healthy[o] = true;
}

/* One pass: observe, decide, carry out. Checks OrderedReady's rule:
 * a pod is created only when every lower ordinal is healthy. */
static void pass(struct sim *s)
{
	observe(s);
	pv_sts_plan_decide(&s->p);
	for (int64_t i = 0; i < s->p.replicas; i++) {
		const struct pv_sts_slot *slot = &s->slots[i];

		if (slot->create && !s->p.parallel)
			for (int64_t k = s->p.start; k < slot->ordinal; k++)
				assert_true(s->n.exists[k] && s->n.healthy[k] && !s->n.stopping[k]);
		apply_slot(s, slot);
	}
	for (size_t i = 0; i < s->p.ncondemned; i++)
		apply_slot(s, &s->condemned[i]);
}

/* Passes until nothing waits (at most N); the number taken. */
static int settle(struct sim *s, int n)
{
	for (int i = 1; i <= n; i++) {
		pass(s);
		if (!s->p.waiting)
			return i;
	}
	fail_msg("not settled after %d passes", n);
	return n;
}

static int count_running(const struct sim *s)
{
	int n = 0;

	for (int o = 0; o < MAXO; o++)
		n += s->n.exists[o] && !s->n.stopping[o];
	return n;
}

static void test_ordered_scale_up(void **state)
{
	struct sim s = { .p = { .replicas = 3 } };

	(void)state;
	pass(&s); /* web-0 only */
	assert_int_equal(s.n.creates, 1);
	assert_true(s.p.waiting);
	pass(&s); /* web-0 becomes ready here; web-1 waits for the next pass */
	assert_int_equal(s.n.creates, 1);
	settle(&s, 20);
	assert_int_equal(s.n.creates, 3);
	assert_int_equal(s.n.created_order[0], 0);
	assert_int_equal(s.n.created_order[1], 1);
	assert_int_equal(s.n.created_order[2], 2);
	assert_true(s.p.complete);
}

/* An unhealthy lower pod holds the higher ones back. */
static void test_ordered_waits_on_unhealthy(void **state)
{
	struct sim s = { .p = { .replicas = 3 } };

	(void)state;
	s.n.exists[0] = true; /* web-0 running, not ready */
	s.n.rev[0] = PV_STS_REV_UPDATE;
	observe(&s);
	pv_sts_plan_decide(&s.p);
	assert_false(s.slots[1].create);
	assert_false(s.slots[2].create);
	assert_int_equal(s.slots[0].want, PV_STS_UPDATE);
	assert_true(s.p.waiting);
	/* Parallel: created at once whatever web-0's state */
	s.p.parallel = true;
	observe(&s);
	pv_sts_plan_decide(&s.p);
	assert_true(s.slots[1].create && s.slots[2].create);
}

static void test_parallel(void **state)
{
	struct sim s = { .p = { .replicas = 40, .parallel = true } };

	(void)state;
	pass(&s);
	assert_int_equal(s.n.creates, 40);
	settle(&s, 5);
	s.p.replicas = 5; /* scale down: every condemned pod at once */
	pass(&s);
	assert_int_equal(s.n.deletes, 35);
	settle(&s, 5);
	assert_int_equal(count_running(&s), 5);
}

/* Scale down from the highest ordinal, one at a time, each gone first. */
static void test_ordered_scale_down(void **state)
{
	struct sim s = { .p = { .replicas = 4 } };

	(void)state;
	settle(&s, 30);
	s.p.replicas = 1;
	pass(&s);
	assert_int_equal(s.n.deletes, 1);
	assert_int_equal(s.n.deleted_order[0], 3);
	pass(&s); /* web-3 still stopping: nothing else goes */
	assert_int_equal(s.n.deletes, 1);
	settle(&s, 20);
	assert_int_equal(s.n.deletes, 3);
	assert_int_equal(s.n.deleted_order[1], 2);
	assert_int_equal(s.n.deleted_order[2], 1);
	assert_int_equal(count_running(&s), 1);
	assert_true(s.n.exists[0]);
}

/* OrderedReady: no scale down while a pod in range is unhealthy. */
static void test_scale_down_waits_on_unhealthy(void **state)
{
	struct sim s = { .p = { .replicas = 3 } };

	(void)state;
	settle(&s, 20);
	s.n.healthy[0] = false;
	s.p.replicas = 2;
	observe(&s);
	pv_sts_plan_decide(&s.p);
	assert_int_equal(s.p.ncondemned, 1);
	assert_false(s.condemned[0].del);
	assert_int_equal(s.condemned[0].want, PV_STS_UPDATE);
	assert_true(s.p.waiting);
}

/* A deleted pod (gone from the node) is made again. */
static void test_missing_pod_recreated(void **state)
{
	struct sim s = { .p = { .replicas = 3 } };

	(void)state;
	settle(&s, 20);
	s.n.exists[1] = false;
	pass(&s);
	assert_int_equal(s.n.created_order[3], 1);
	settle(&s, 5);
	assert_int_equal(count_running(&s), 3);
}

static void all_rev(struct sim *s, enum pv_sts_rev r)
{
	for (int o = 0; o < MAXO; o++)
		if (s->n.exists[o])
			s->n.rev[o] = r;
}

/* RollingUpdate: highest first, one at a time, each healthy before the next. */
static void test_rolling_update(void **state)
{
	struct sim s = { .p = { .replicas = 3 } };

	(void)state;
	settle(&s, 20);
	all_rev(&s, PV_STS_REV_CURRENT); /* the template changed */
	s.n.deletes = s.n.creates = 0;
	pass(&s);
	assert_int_equal(s.n.deletes, 1);
	assert_int_equal(s.n.deleted_order[0], 2);
	assert_false(s.p.complete);
	settle(&s, 30);
	assert_int_equal(s.n.deletes, 3);
	assert_int_equal(s.n.deleted_order[1], 1);
	assert_int_equal(s.n.deleted_order[2], 0);
	for (int o = 0; o < 3; o++)
		assert_int_equal(s.n.rev[o], PV_STS_REV_UPDATE);
	assert_true(s.p.complete);
}

/* partition 2: only ordinals >= 2 are updated; a lower pod deleted comes
 * back at the current revision. */
static void test_partition(void **state)
{
	struct sim s = { .p = { .replicas = 4, .partition = 2 } };

	(void)state;
	settle(&s, 30);
	all_rev(&s, PV_STS_REV_CURRENT);
	settle(&s, 30);
	assert_int_equal(s.n.rev[0], PV_STS_REV_CURRENT);
	assert_int_equal(s.n.rev[1], PV_STS_REV_CURRENT);
	assert_int_equal(s.n.rev[2], PV_STS_REV_UPDATE);
	assert_int_equal(s.n.rev[3], PV_STS_REV_UPDATE);
	assert_false(s.p.complete);
	s.n.exists[0] = false;
	settle(&s, 10);
	assert_int_equal(s.n.rev[0], PV_STS_REV_CURRENT);
	assert_int_equal(pv_sts_plan_rev_for(&s.p, 1), PV_STS_CURRENT);
	assert_int_equal(pv_sts_plan_rev_for(&s.p, 2), PV_STS_UPDATE);
	s.p.partition = 0;
	settle(&s, 30);
	for (int o = 0; o < 4; o++)
		assert_int_equal(s.n.rev[o], PV_STS_REV_UPDATE);
	assert_true(s.p.complete);
}

/* OnDelete: nothing is replaced; a deleted pod comes back updated. */
static void test_on_delete(void **state)
{
	struct sim s = { .p = { .replicas = 3, .on_delete = true } };

	(void)state;
	settle(&s, 20);
	all_rev(&s, PV_STS_REV_CURRENT);
	s.n.deletes = 0;
	assert_int_equal(settle(&s, 5), 1);
	assert_int_equal(s.n.deletes, 0);
	assert_int_equal(s.slots[2].want, PV_STS_CURRENT);
	s.n.exists[1] = false;
	settle(&s, 5);
	assert_int_equal(s.n.rev[1], PV_STS_REV_UPDATE);
	assert_int_equal(s.n.rev[2], PV_STS_REV_CURRENT);
}

/* An older revision than the current one is kept as it runs. */
static void test_other_revision_kept(void **state)
{
	struct sim s = { .p = { .replicas = 2, .partition = 5 } };

	(void)state;
	settle(&s, 20);
	s.n.rev[0] = PV_STS_REV_OTHER;
	pass(&s);
	assert_int_equal(s.slots[0].want, PV_STS_KEEP);
	assert_false(s.slots[0].del);
}

/* spec.ordinals.start: ordinals 5.. ; a pod below the start is condemned. */
static void test_start(void **state)
{
	struct sim s = { .p = { .replicas = 2, .start = 5 } };

	(void)state;
	s.n.exists[0] = s.n.healthy[0] = true;
	s.n.rev[0] = PV_STS_REV_UPDATE;
	settle(&s, 20);
	assert_true(s.n.exists[5] && s.n.exists[6]);
	assert_false(s.n.exists[0]);
	assert_int_equal(s.n.created_order[0], 5);
	assert_int_equal(s.n.deleted_order[0], 0);
}

/* Zero replicas: nothing, and nothing waits. */
static void test_zero(void **state)
{
	struct sim s = { .p = { .replicas = 0 } };

	(void)state;
	assert_int_equal(settle(&s, 1), 1);
	assert_int_equal(s.n.creates, 0);
	assert_true(s.p.complete);
}

static int count_replaced(const struct sim *s)
{
	int n = 0;

	for (int64_t o = s->p.start; o < s->p.start + s->p.replicas; o++)
		n += !s->n.exists[o] || s->n.stopping[o] || !s->n.healthy[o];
	return n;
}

/* Passes until nothing waits, checking at every pass that at most MAX
 * pods are being replaced; the most seen at once. */
static int settle_max(struct sim *s, int n, int max)
{
	int most = 0;

	for (int i = 1; i <= n; i++) {
		pass(s);
		if (count_replaced(s) > most)
			most = count_replaced(s);
		assert_true(count_replaced(s) <= max);
		if (!s->p.waiting)
			return most;
	}
	fail_msg("not settled after %d passes", n);
	return most;
}

static void test_max_unavailable_resolve(void **state)
{
	(void)state;
	assert_int_equal(pv_sts_max_unavailable(false, 2, 4), 2);
	assert_int_equal(pv_sts_max_unavailable(false, 0, 4), 1);
	assert_int_equal(pv_sts_max_unavailable(true, 50, 5), 2); /* 2.5 rounds down */
	assert_int_equal(pv_sts_max_unavailable(true, 10, 5), 1); /* 0.5: at least 1 */
	assert_int_equal(pv_sts_max_unavailable(true, 100, 40), 40);
}

/* Parallel, maxUnavailable 2: the two highest go at once, then the next
 * two once those are back; never three at once. */
static void test_max_unavailable_parallel(void **state)
{
	struct sim s = { .p = { .replicas = 4, .parallel = true, .max_unavailable = 2 } };

	(void)state;
	settle(&s, 10);
	all_rev(&s, PV_STS_REV_CURRENT);
	s.n.deletes = s.n.creates = 0;
	pass(&s);
	assert_int_equal(s.n.deletes, 2); /* in one pass, recorded lowest first */
	assert_int_equal(s.n.deleted_order[0], 2);
	assert_int_equal(s.n.deleted_order[1], 3);
	assert_int_equal(settle_max(&s, 30, 2), 2);
	assert_int_equal(s.n.deletes, 4);
	assert_int_equal(s.n.deleted_order[2], 0);
	assert_int_equal(s.n.deleted_order[3], 1);
	for (int o = 0; o < 4; o++)
		assert_int_equal(s.n.rev[o], PV_STS_REV_UPDATE);
	assert_true(s.p.complete);
}

/* OrderedReady, maxUnavailable 2: two deleted at once, created again
 * lowest first (pass() checks each creation waits for the lower ones). */
static void test_max_unavailable_ordered(void **state)
{
	struct sim s = { .p = { .replicas = 4, .max_unavailable = 2 } };

	(void)state;
	settle(&s, 20);
	all_rev(&s, PV_STS_REV_CURRENT);
	s.n.deletes = s.n.creates = 0;
	pass(&s);
	assert_int_equal(s.n.deletes, 2);
	assert_int_equal(settle_max(&s, 40, 2), 2);
	assert_int_equal(s.n.deletes, 4);
	assert_int_equal(s.n.created_order[0], 2);
	assert_int_equal(s.n.created_order[1], 3);
	assert_int_equal(s.n.created_order[2], 0);
	assert_int_equal(s.n.created_order[3], 1);
	assert_true(s.p.complete);
}

/* An unavailable pod uses up the budget: with one pod unhealthy and
 * maxUnavailable 2, one more goes; the partition still holds. */
static void test_max_unavailable_counts_unhealthy(void **state)
{
	struct sim s = { .p = { .replicas = 5, .parallel = true, .max_unavailable = 2,
				.partition = 1 } };

	(void)state;
	settle(&s, 10);
	all_rev(&s, PV_STS_REV_CURRENT);
	s.n.healthy[0] = false;
	s.n.deletes = 0;
	observe(&s);
	pv_sts_plan_decide(&s.p);
	assert_true(s.slots[4].del);
	assert_false(s.slots[3].del);
	assert_true(s.p.waiting);
	s.n.healthy[0] = true;
	assert_int_equal(settle_max(&s, 30, 2), 2);
	assert_int_equal(s.n.rev[0], PV_STS_REV_CURRENT);
	for (int o = 1; o < 5; o++)
		assert_int_equal(s.n.rev[o], PV_STS_REV_UPDATE);
}

/* Many: 40 pods, maxUnavailable 25% (10): never more than 10 at once,
 * 10 seen at once, all updated. */
static void test_max_unavailable_many(void **state)
{
	struct sim s = { .p = { .replicas = 40, .parallel = true } };

	(void)state;
	s.p.max_unavailable = pv_sts_max_unavailable(true, 25, 40);
	settle(&s, 10);
	all_rev(&s, PV_STS_REV_CURRENT);
	assert_int_equal(settle_max(&s, 60, 10), 10);
	for (int o = 0; o < 40; o++)
		assert_int_equal(s.n.rev[o], PV_STS_REV_UPDATE);
	assert_true(s.p.complete);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordered_scale_up),
		cmocka_unit_test(test_ordered_waits_on_unhealthy),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_ordered_scale_down),
		cmocka_unit_test(test_scale_down_waits_on_unhealthy),
		cmocka_unit_test(test_missing_pod_recreated),
		cmocka_unit_test(test_rolling_update),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_on_delete),
		cmocka_unit_test(test_other_revision_kept),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_zero),
		cmocka_unit_test(test_max_unavailable_resolve),
		cmocka_unit_test(test_max_unavailable_parallel),
		cmocka_unit_test(test_max_unavailable_ordered),
		cmocka_unit_test(test_max_unavailable_counts_unhealthy),
		cmocka_unit_test(test_max_unavailable_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
