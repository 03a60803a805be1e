/* Unit tests for supervisor/core/loop.c's timers: a heap of deadlines
 * behind one timerfd. What the daemon relies on: timers fire in the order
 * of their deadlines, a callback may arm, disarm or free any timer
 * (itself too), 0 means the next turn (not this one), a disarmed timer
 * never fires, and thousands of timers (one or two a pod) cost no
 * descriptor each. */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/core/loop.h"

enum { MANY = 1000 };

struct rec {
	struct pv_loop *loop;
	int order[MANY + 8];
	int turn[MANY + 8]; /* of the loop's, when each fired */
	int turns;
	int n;
	int expect; /* quit when this many have fired */
};

struct tm {
	struct rec *r;
	struct pv_timer *t;
	int id;
	int rearm_ms;      /* >= 0: arm itself again once, after this */
	struct pv_timer *kill; /* disarm this one when firing */
	bool free_self;
};

static void fired(void *data)
{
	struct tm *m = data;
	struct rec *r = m->r;

	r->turn[r->n] = r->turns;
	r->order[r->n++] = m->id;
	if (m->kill)
		pv_timer_disarm(m->kill);
	if (m->rearm_ms >= 0) {
		int ms = m->rearm_ms;

		m->rearm_ms = -1;
		m->id += 100;
		pv_timer_arm(m->t, ms);
	}
	if (m->free_self) {
		pv_timer_free(m->t);
		m->t = NULL;
	}
	if (r->n >= r->expect)
		pv_loop_quit(r->loop);
}

static void turned(void *data)
{
	((struct rec *)data)->turns++;
}

static struct tm *tm_new(struct rec *r, int id)
{
	struct tm *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->r = r;
	m->id = id;
	m->rearm_ms = -1;
	assert_non_null(m->t = pv_timer_new(r->loop, fired, m));
	return m;
}

static void tm_free(struct tm *m)
{
	pv_timer_free(m->t);
	free(m);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_order(void **state)
{
	struct rec r = { .loop = pv_loop_new(), .expect = 4 };
	struct tm *a, *b, *c, *d;

	(void)state;
	assert_non_null(r.loop);
	a = tm_new(&r, 1);
	b = tm_new(&r, 2);
	c = tm_new(&r, 3);
	d = tm_new(&r, 4);
	pv_timer_arm(c->t, 30);
	pv_timer_arm(a->t, 10);
	pv_timer_arm(d->t, 40);
	pv_timer_arm(b->t, 20);
	pv_timer_arm(a->t, 35); /* armed again: later, and once only */
	assert_true(pv_timer_armed(a->t));
	assert_int_equal(pv_loop_run(r.loop), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 2);
	assert_int_equal(r.order[1], 3);
	assert_int_equal(r.order[2], 1);
	assert_int_equal(r.order[3], 4);
	assert_false(pv_timer_armed(a->t)); /* fired: not armed any more */
	tm_free(a);
	tm_free(b);
	tm_free(c);
	tm_free(d);
	pv_loop_free(r.loop);
}

/* A callback disarms a timer due in the same turn, arms itself again
 * (with 0: after the other timers due now), and one frees itself. */
static void test_callbacks_change_timers(void **state)
{
	struct rec r = { .loop = pv_loop_new(), .expect = 4 };
	struct tm *a, *b, *c, *d;

	(void)state;
	assert_non_null(r.loop);
	a = tm_new(&r, 1);
	b = tm_new(&r, 2);
	c = tm_new(&r, 3);
	d = tm_new(&r, 4);
	a->kill = b->t;
	a->rearm_ms = 0;
	c->free_self = true;
	pv_timer_arm(a->t, 5);
	pv_timer_arm(b->t, 5);
	pv_timer_arm(c->t, 5);
	pv_timer_arm(d->t, 60);
	usleep(20 * 1000); /* a, b and c all due at the first turn */
	pv_loop_after(r.loop, turned, &r);
	assert_int_equal(pv_loop_run(r.loop), 0);
	/* a, then c (b was disarmed by a), then a again (its 0 is the next
	 * turn, after c that was due already), then d */
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 3);
	assert_int_equal(r.order[2], 101);
	assert_int_equal(r.order[3], 4);
	assert_int_equal(r.turn[0], r.turn[1]); /* a and c: one turn */
	assert_true(r.turn[2] > r.turn[0]);     /* a's 0: a later one */
	assert_false(pv_timer_armed(b->t));
	assert_null(c->t);
	tm_free(a);
	tm_free(b);
	free(c);
	tm_free(d);
	pv_loop_free(r.loop);
}

/* More timers than the heap's first room, in reverse order of their
 * deadlines, some disarmed: the rest fire in order, and no timer holds a
 * descriptor of its own. */
static void test_many(void **state)
{
	struct rec r = { .loop = pv_loop_new() };
	struct tm *m[MANY];
	int before, i, last = -1;

	(void)state;
	assert_non_null(r.loop);
	before = open_fds();
	for (i = 0; i < MANY; i++)
		m[i] = tm_new(&r, i);
	assert_int_equal(open_fds(), before);
	for (i = MANY - 1; i >= 0; i--)
		pv_timer_arm(m[i]->t, 1 + i / 50);
	for (i = 0; i < MANY; i += 3)
		pv_timer_disarm(m[i]->t);
	r.expect = MANY - (MANY + 2) / 3;
	assert_int_equal(pv_loop_run(r.loop), 0);
	assert_int_equal(r.n, r.expect);
	for (i = 0; i < r.n; i++) {
		assert_true(r.order[i] % 3 != 0);
		/* by deadline: groups of 50 ms apart never out of order */
		assert_true(r.order[i] / 50 >= last / 50 || last < 0);
		last = r.order[i];
	}
	for (i = 0; i < MANY; i++)
		tm_free(m[i]);
	pv_loop_free(r.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_callbacks_change_timers),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
