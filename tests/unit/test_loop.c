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

/* Timers 1 to 4 on a loop of their own that stops after 4 firings. */
static void four_new(struct rec *r, struct tm *m[4])
{
	r->loop = pv_loop_new();
	r->expect = 4;
	assert_non_null(r->loop);
	for (int i = 0; i < 4; i++)
		m[i] = tm_new(r, i + 1);
}

static void four_free(struct rec *r, struct tm *m[4])
{
	for (int i = 0; i < 4; i++)
		tm_free(m[i]); /* one that freed its timer has none to free */
	pv_loop_free(r->loop);
}

static void assert_order(const struct rec *r, int a, int b, int c, int d)
{
	assert_int_equal(r->n, 4);
	assert_int_equal(r->order[0], a);
	assert_int_equal(r->order[1], b);
	assert_int_equal(r->order[2], c);
	assert_int_equal(r->order[3], d);
}

static void test_order(void **state)
{
	struct rec r = { 0 };
	struct tm *m[4];

	(void)state;
	four_new(&r, m);
	pv_timer_arm(m[2]->t, 30);
	pv_timer_arm(m[0]->t, 10);
	pv_timer_arm(m[3]->t, 40);
	pv_timer_arm(m[1]->t, 20);
	pv_timer_arm(m[0]->t, 35); /* armed again: later, and once only */
	assert_true(pv_timer_armed(m[0]->t));
	assert_int_equal(pv_loop_run(r.loop), 0);
	assert_order(&r, 2, 3, 1, 4);
	assert_false(pv_timer_armed(m[0]->t)); /* fired: not armed any more */
	four_free(&r, m);
}

/* A callback disarms a timer due in the same turn, arms itself again
 * (with 0: after the other timers due now), and one frees itself. */
static void test_callbacks_change_timers(void **state)
{
	struct rec r = { 0 };
	struct tm *m[4];

	(void)state;
	four_new(&r, m);
	m[0]->kill = m[1]->t;
	m[0]->rearm_ms = 0;
	m[2]->free_self = true;
	pv_timer_arm(m[0]->t, 5);
	pv_timer_arm(m[1]->t, 5);
	pv_timer_arm(m[2]->t, 5);
	pv_timer_arm(m[3]->t, 60);
	usleep(20 * 1000); /* 1, 2 and 3 all due at the first turn */
	pv_loop_after(r.loop, turned, &r);
	assert_int_equal(pv_loop_run(r.loop), 0);
	/* 1, then 3 (2 was disarmed by 1), then 1 again (its 0 is the next
	 * turn, after 3 that was due already), then 4 */
	assert_order(&r, 1, 3, 101, 4);
	assert_int_equal(r.turn[0], r.turn[1]); /* 1 and 3: one turn */
	assert_true(r.turn[2] > r.turn[0]);     /* 1's 0: a later one */
	assert_false(pv_timer_armed(m[1]->t));
	assert_null(m[2]->t);
	four_free(&r, m);
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
