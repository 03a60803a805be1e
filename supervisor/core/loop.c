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
};

struct pv_timer {
	struct pv_loop *loop;
	struct pv_watch_fd *w;
	int fd;
	bool armed;
	pv_timer_cb cb;
	void *data;
};

int64_t pv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pv_loop *pv_loop_new(void)
{
	struct pv_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
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
	reap_dead(l);
	close(l->epfd);
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

static void timer_fired(void *data, int fd, uint32_t events)
{
	struct pv_timer *t = data;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	t->armed = false;
	t->cb(t->data);
}

struct pv_timer *pv_timer_new(struct pv_loop *l, pv_timer_cb cb, void *data)
{
	struct pv_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->loop = l;
	t->cb = cb;
	t->data = data;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0 || !(t->w = pv_loop_add(l, t->fd, EPOLLIN, timer_fired, t))) {
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

void pv_timer_arm(struct pv_timer *t, int64_t ms)
{
	struct itimerspec its = { 0 };

	if (ms <= 0)
		ms = 0;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000;
	if (ms == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	timerfd_settime(t->fd, 0, &its, NULL);
	t->armed = true;
}

void pv_timer_disarm(struct pv_timer *t)
{
	struct itimerspec its = { 0 };

	timerfd_settime(t->fd, 0, &its, NULL);
	t->armed = false;
}

bool pv_timer_armed(const struct pv_timer *t)
{
	return t->armed;
}

void pv_timer_free(struct pv_timer *t)
{
	if (!t)
		return;
	pv_loop_del(t->loop, t->w);
	close(t->fd);
	free(t);
}
