#include "supervisor/core/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct pv_watch_fd {
	int fd;
	pv_fd_cb cb;
	void *data;
	bool dead;
	struct pv_watch_fd *next_dead;
};

struct pv_loop {
	int epfd;
	bool quit;
	struct pv_watch_fd *dead; /* freed after the current batch of events */
	void (*after)(void *data);
	void *after_data;
	/* The armed timers, a min-heap on their deadlines, behind one timerfd
	 * set to the earliest (set_ns; 0: disarmed): a timer costs no
	 * descriptor and no system call of its own, and 500 pods' probe
	 * timers one wakeup when they fall due together. */
	struct pv_timer **heap;
	size_t n, cap;
	size_t timers; /* made and not freed: the heap has room for all */
	int tfd;
	struct pv_watch_fd *tw;
	int64_t set_ns;
	bool firing; /* in timers_fired, which sets the timerfd once at its end */
};

struct pv_timer {
	struct pv_loop *loop;
	pv_timer_cb cb;
	void *data;
	int64_t deadline_ns;
	size_t at; /* its slot in loop->heap; NOT_ARMED when not armed */
};

#define NOT_ARMED SIZE_MAX
/* Timers run at most this many a wakeup, as epoll hands out at most 64
 * events: the rest at the next turn, after the descriptors ready then. */
#define TIMERS_A_TURN 64

int64_t pv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pv_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void timers_fired(void *data, int fd, uint32_t events);

struct pv_loop *pv_loop_new(void)
{
	struct pv_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->tfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->tfd < 0 || !(l->tw = pv_loop_add(l, l->tfd, EPOLLIN, timers_fired, l))) {
		pv_loop_free(l);
		return NULL;
	}
	return l;
}

static void reap_dead(struct pv_loop *l)
{
	while (l->dead) {
		struct pv_watch_fd *w = l->dead;

		l->dead = w->next_dead;
		free(w);
	}
}

void pv_loop_free(struct pv_loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		l->heap[i]->at = NOT_ARMED; /* their owners free them */
	pv_loop_del(l, l->tw);
	reap_dead(l);
	if (l->tfd >= 0)
		close(l->tfd);
	close(l->epfd);
	free(l->heap);
	free(l);
}

struct pv_watch_fd *pv_loop_add(struct pv_loop *l, int fd, uint32_t events, pv_fd_cb cb,
				void *data)
{
	struct pv_watch_fd *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (!w)
		return NULL;
	w->fd = fd;
	w->cb = cb;
	w->data = data;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

int pv_loop_mod(struct pv_loop *l, struct pv_watch_fd *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return w && !w->dead ? epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) : -1;
}

void pv_loop_del(struct pv_loop *l, struct pv_watch_fd *w)
{
	if (!w || w->dead)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->next_dead = l->dead;
	l->dead = w;
}

int pv_loop_run(struct pv_loop *l)
{
	struct epoll_event evs[64];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		for (int i = 0; i < n && !l->quit; i++) {
			struct pv_watch_fd *w = evs[i].data.ptr;

			if (!w->dead)
				w->cb(w->data, w->fd, evs[i].events);
		}
		reap_dead(l);
		if (l->after && !l->quit)
			l->after(l->after_data);
	}
	return 0;
}

void pv_loop_after(struct pv_loop *l, void (*fn)(void *data), void *data)
{
	l->after = fn;
	l->after_data = data;
}

void pv_loop_quit(struct pv_loop *l)
{
	l->quit = true;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the heap ---- */

static bool earlier(const struct pv_timer *a, const struct pv_timer *b)
{
	return a->deadline_ns < b->deadline_ns;
}

static void place(struct pv_loop *l, size_t i, struct pv_timer *t)
{
	l->heap[i] = t;
	t->at = i;
}

static void sift_up(struct pv_loop *l, size_t i)
{
	struct pv_timer *t = l->heap[i];

	while (i > 0 && earlier(t, l->heap[(i - 1) / 2])) {
		place(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(l, i, t);
}

static void sift_down(struct pv_loop *l, size_t i)
{
	struct pv_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n)
			break;
		if (c + 1 < l->n && earlier(l->heap[c + 1], l->heap[c]))
			c++;
		if (!earlier(l->heap[c], t))
			break;
		place(l, i, l->heap[c]);
		i = c;
	}
	place(l, i, t);
}

static void heap_remove(struct pv_loop *l, struct pv_timer *t)
{
	size_t i = t->at;
	struct pv_timer *last = l->heap[--l->n];

	t->at = NOT_ARMED;
	if (last == t)
		return;
	place(l, i, last);
	if (i > 0 && earlier(last, l->heap[(i - 1) / 2]))
		sift_up(l, i);
	else
		sift_down(l, i);
}

/* The timerfd to the earliest deadline; a call only when that changed. */
static void program(struct pv_loop *l)
{
	int64_t want = l->n ? l->heap[0]->deadline_ns : 0;
	struct itimerspec its = { 0 };

	if (want == l->set_ns || l->firing)
		return;
	if (want > 0) {
		its.it_value.tv_sec = want / 1000000000;
		its.it_value.tv_nsec = want % 1000000000;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		l->set_ns = want;
}

/* The timers due when the timerfd fired, earliest first; each is off the
 * heap before its callback runs, which may arm, disarm or free any timer. */
static void timers_fired(void *data, int fd, uint32_t events)
{
	struct pv_loop *l = data;
	int64_t now = now_ns();
	uint64_t n;

	(void)events;
	/* it fired: nothing is set any more (EAGAIN: set again since, by a
	 * callback earlier in this batch, to set_ns) */
	if (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		l->set_ns = 0;
	l->firing = true;
	for (int run = 0; run < TIMERS_A_TURN && l->n && l->heap[0]->deadline_ns <= now &&
			  !l->quit; run++) {
		struct pv_timer *t = l->heap[0];

		heap_remove(l, t);
		t->cb(t->data);
	}
	l->firing = false;
	program(l);
}

struct pv_timer *pv_timer_new(struct pv_loop *l, pv_timer_cb cb, void *data)
{
	struct pv_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->loop = l;
	t->cb = cb;
	t->data = data;
	t->at = NOT_ARMED;
	/* room for it in the heap now: arming cannot fail */
	if (l->timers == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct pv_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h) {
			free(t);
			return NULL;
		}
		l->heap = h;
		l->cap = cap;
	}
	l->timers++;
	return t;
}

void pv_timer_arm(struct pv_timer *t, int64_t ms)
{
	struct pv_loop *l = t->loop;

	if (t->at != NOT_ARMED)
		heap_remove(l, t);
	/* 0: at the next turn (a deadline already past fires at once) */
	t->deadline_ns = now_ns() + (ms > 0 ? ms * 1000000 : 0);
	place(l, l->n++, t);
	sift_up(l, t->at);
	program(l);
}

void pv_timer_disarm(struct pv_timer *t)
{
	if (t->at == NOT_ARMED)
		return;
	heap_remove(t->loop, t);
	program(t->loop); /* no wakeup left for a timer that is gone */
}

bool pv_timer_armed(const struct pv_timer *t)
{
	return t->at != NOT_ARMED;
}

void pv_timer_free(struct pv_timer *t)
{
	if (!t)
		return;
	pv_timer_disarm(t);
	t->loop->timers--;
	free(t);
}
