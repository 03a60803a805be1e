/* The one event loop: epoll over file descriptors, each with a callback.
 * Timers are a heap of deadlines behind one timerfd in the same loop. No
 * polling, no sleeping: an idle daemon waits in epoll_wait with no
 * timeout. */
#ifndef PV_SUPERVISOR_LOOP_H
#define PV_SUPERVISOR_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct pv_loop;
struct pv_watch_fd;

typedef void (*pv_fd_cb)(void *data, int fd, uint32_t events);

struct pv_loop *pv_loop_new(void);
void pv_loop_free(struct pv_loop *l);
/* Watch FD for EVENTS (EPOLLIN, ...); returns a handle, NULL on error. */
struct pv_watch_fd *pv_loop_add(struct pv_loop *l, int fd, uint32_t events, pv_fd_cb cb,
				void *data);
/* Watch for EVENTS instead; 0, or -1 on error. */
int pv_loop_mod(struct pv_loop *l, struct pv_watch_fd *w, uint32_t events);
/* Stop watching (safe from inside a callback); does not close the fd. */
void pv_loop_del(struct pv_loop *l, struct pv_watch_fd *w);
/* Run until pv_loop_quit; returns 0, or -1 if epoll itself failed. */
int pv_loop_run(struct pv_loop *l);
void pv_loop_quit(struct pv_loop *l);
/* FN(DATA) after each batch of events has been handled (NULL: none):
 * whoever streams changes compares there, once per wakeup. */
void pv_loop_after(struct pv_loop *l, void (*fn)(void *data), void *data);

/* One-shot timers. Free them before their loop. */
struct pv_timer;
typedef void (*pv_timer_cb)(void *data);
struct pv_timer *pv_timer_new(struct pv_loop *l, pv_timer_cb cb, void *data);
/* (Re)arm to fire once after MS milliseconds (0: at the next turn). */
void pv_timer_arm(struct pv_timer *t, int64_t ms);
void pv_timer_disarm(struct pv_timer *t);
bool pv_timer_armed(const struct pv_timer *t);
void pv_timer_free(struct pv_timer *t);

/* Monotonic milliseconds, microseconds. */
int64_t pv_now_ms(void);
int64_t pv_now_us(void);

#endif
