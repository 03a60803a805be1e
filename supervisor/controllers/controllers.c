/* The controllers' step: each controller in turn (the table below), then
 * the workloads no longer in the desired state forgotten, and a re-check
 * timer armed while one waits on pods. Also what the API reads: the
 * status rows, counted again from the views. Owns: struct pv_controllers.
 * Calls: node, core, and the controllers (workload.h). */
#include "supervisor/controllers/controllers.h"

#include <stdlib.h>
#include <string.h>

#include "supervisor/controllers/workload.h"
#include "supervisor/core/loop.h"

#define RECHECK_MS 200       /* while a workload waits on readiness */
#define RECHECK_MAX_MS 5000  /* backed off to, while nothing moves */

static const struct controller {
	const char *name;
	void (*sync)(struct pv_daemon *d);
	void (*free)(struct pv_controllers *c); /* its own memory, or NULL */
} controllers[] = {
	{ "deployment", pv_ctl_deployments_sync, pv_ctl_deployments_free },
	{ "replicaset", pv_ctl_replicasets_sync, NULL },
	{ "daemonset", pv_ctl_daemonsets_sync, pv_ctl_daemonsets_free },
	{ "job", pv_ctl_jobs_sync, pv_ctl_jobs_free },
	{ "cronjob", pv_ctl_cronjobs_sync, pv_ctl_cronjobs_free },
	{ "statefulset", pv_ctl_statefulsets_sync, pv_ctl_statefulsets_free },
};

static void recheck_fired(void *data)
{
	pv_daemon_kick(data);
}

static struct pv_controllers *controllers_get(struct pv_daemon *d)
{
	if (!d->controllers) {
		d->controllers = calloc(1, sizeof(*d->controllers));
		if (d->controllers && d->loop)
			d->controllers->recheck = pv_timer_new(d->loop, recheck_fired, d);
	}
	return d->controllers;
}

static void status_free(struct pv_workload_status *s)
{
	free(s->kind);
	free(s->ns);
	free(s->name);
	free(s->source);
	if (s->info)
		json_object_put(s->info);
}

/* Forget the workloads no longer in the desired state. */
static void status_sweep(struct pv_controllers *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nst; i++) {
		if (c->st[i].seen)
			c->st[k++] = c->st[i];
		else
			status_free(&c->st[i]);
	}
	c->nst = k;
}

/* Not every change a workload waits on kicks a pass: while one waits,
 * look again shortly, backing off while nothing moves (a pod that never
 * gets ready must not keep the node busy). */
static void recheck(struct pv_controllers *c)
{
	uint64_t sig = 1469598103934665603ull;

	for (size_t i = 0; i < c->nst; i++) {
		const struct pv_workload_status *s = &c->st[i];

		sig = (sig ^ (uint64_t)(s->current * 1000003 + s->ready * 1009 + s->updated_ready)) *
		      1099511628211ull;
	}
	if (sig != c->last_sig || !c->recheck_ms)
		c->recheck_ms = RECHECK_MS;
	else if (c->recheck_ms < RECHECK_MAX_MS)
		c->recheck_ms = c->recheck_ms * 2 > RECHECK_MAX_MS ? RECHECK_MAX_MS : c->recheck_ms * 2;
	c->last_sig = sig;
	if (c->recheck && c->waiting && !pv_timer_armed(c->recheck))
		pv_timer_arm(c->recheck, c->recheck_ms);
}

void pv_controllers_sync(struct pv_daemon *d)
{
	struct pv_controllers *c = controllers_get(d);

	if (!c) {
		d->wanted_incomplete = true;
		return;
	}
	pv_ctl_renders_sweep(c);
	c->waiting = false;
	for (size_t i = 0; i < c->nst; i++)
		c->st[i].seen = false;
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++)
		controllers[i].sync(d);
	status_sweep(c);
	recheck(c);
}

void pv_controllers_observe(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;
	struct pv_pod_view v;

	for (size_t i = 0; c && i < c->nst; i++) {
		struct pv_workload_status *s = &c->st[i];

		s->current = s->ready = s->available = s->updated = s->updated_ready = 0;
		for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
			if (!v.stopping && pv_ctl_owns(s, &v))
				pv_ctl_count(s, &v);
	}
}

const struct pv_workload_status *pv_controllers_status(const struct pv_daemon *d, size_t *n)
{
	*n = d->controllers ? d->controllers->nst : 0;
	return d->controllers ? d->controllers->st : NULL;
}

void pv_controllers_free(struct pv_daemon *d)
{
	struct pv_controllers *c = d->controllers;

	if (!c)
		return;
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++)
		if (controllers[i].free)
			controllers[i].free(c);
	pv_ctl_renders_free(c);
	for (size_t i = 0; i < c->nst; i++)
		status_free(&c->st[i]);
	free(c->st);
	if (c->recheck)
		pv_timer_free(c->recheck);
	free(c);
	d->controllers = NULL;
}
