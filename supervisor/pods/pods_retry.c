/* When a pass tries again what could not be made: pod records whose
 * start failed (pods.c: FailedCreatePodSandBox, each with its own
 * back-off) and containers that could not be created (BLOCKED: a hostPath
 * gone, an image missing or broken, a full disk), tried at each pass. A
 * timer in the loop (d->start_retry) brings the pass when nothing else
 * does, backing off while anything is still blocked: 1 s, doubling up to
 * --backoff-base. Calls: node (the kick, the pods), core (timers). */
#include <stdbool.h>
#include <stdint.h>

#include "supervisor/pods/pods_internal.h"

static void start_retry_fired(void *data)
{
	struct pv_daemon *d = data;

	d->start_retry_fired = true;
	pv_daemon_kick(d);
}

/* The longest wait between tries of a pod or a container that could not
 * be created: the kubelet's 10 s by default (--backoff-base). */
int64_t pv_pods_retry_cap(const struct pv_daemon *d)
{
	return d->backoff_base_ms > PV_START_RETRY_MS ? d->backoff_base_ms : PV_START_RETRY_MS;
}

void pv_pods_retry_later(struct pv_daemon *d)
{
	if (!d->loop || (!d->start_retry && !(d->start_retry = pv_timer_new(d->loop,
									       start_retry_fired, d))))
		return;
	if (!pv_timer_armed(d->start_retry))
		pv_timer_arm(d->start_retry, d->start_retry_ms ? d->start_retry_ms : PV_START_RETRY_MS);
}

/* Tries again are due: a pass then, for the pod records whose start
 * failed and for the containers that could not be created (a missing
 * image or hostPath, a full disk), backing off while any is left. */
void pv_pods_schedule_retry(struct pv_daemon *d)
{
	int64_t now = pv_now_ms(), due = -1;
	bool blocked = false;

	for (size_t i = 0; i < d->npods; i++) {
		const struct pv_prt *p = d->pods[i];

		if (p->start_failed && (due < 0 || p->start_retry_at - now < due))
			due = p->start_retry_at - now;
		for (size_t j = 0; !p->start_failed && j < p->ncontainers; j++)
			blocked |= p->containers[j].state == PV_C_BLOCKED;
	}
	if (!blocked)
		d->start_retry_ms = 0;
	else if (d->start_retry_fired || !d->start_retry_ms) /* tried again: still blocked */
		d->start_retry_ms = d->start_retry_ms ? d->start_retry_ms * 2 : PV_START_RETRY_MS;
	d->start_retry_fired = false;
	if (d->start_retry_ms > pv_pods_retry_cap(d))
		d->start_retry_ms = pv_pods_retry_cap(d);
	if (blocked && (due < 0 || d->start_retry_ms < due))
		due = d->start_retry_ms;
	if (due < 0 || !d->loop)
		return;
	if (!d->start_retry && !(d->start_retry = pv_timer_new(d->loop, start_retry_fired, d)))
		return;
	pv_timer_arm(d->start_retry, due > 10 ? due : 10);
}
