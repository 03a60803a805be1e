/* Containers' probes at run time: liveness, readiness and startup, each
 * with a period timer, in the daemon's loop; each attempt is a handler
 * run (pods_action.c: exec in the container, httpGet, tcpSocket) ended
 * at the probe's timeout. The results are
 * counted by probe.h; what they mean goes to the container: its ready
 * and started flags, and UNHEALTHY through the container table when a
 * liveness or startup probe fails for good. Owns struct pv_probes.
 * Calls: probe, pods_action, pods (records, events, pv_crt_apply),
 * services (the kick), node (the reconcile kick), core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/core/log.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/podrules/probe.h"
#include "supervisor/services/services.h"

struct pv_probes;

/* One probe of a container: its spec, its timers, the attempt running. */
struct prober {
	struct pv_probes *all;
	enum pv_probe_kind kind;
	const struct pv_probe *spec;
	struct pv_timer *tick;     /* the next attempt */
	int64_t began_ms;
	struct pv_action run;      /* the attempt, ended at timeoutSeconds */
};

struct pv_probes {
	struct pv_crt *c;
	struct pv_probe_set set;
	struct prober pr[PV_PROBE_NKINDS];
};

static const struct pv_probe *written(const struct pv_container *s, enum pv_probe_kind k)
{
	return k == PV_PROBE_LIVENESS ? &s->liveness_probe
	       : k == PV_PROBE_READINESS ? &s->readiness_probe
	       : &s->startup_probe;
}

/* The probe to run; grpc is not run here (said once, when the container
 * first starts): as if there were no probe. */
static const struct pv_probe *spec_of(struct pv_crt *c, enum pv_probe_kind k)
{
	const struct pv_probe *p = written(c->spec, k);

	if (!p->hdr.set || (c->init && !c->spec->restart_policy.v))
		return NULL;
	if (p->exec.hdr.set || p->http_get.hdr.set || p->tcp_socket.hdr.set)
		return p;
	if (c->restarts == 0)
		pv_pod_event(c->pod, true, PV_EV_FAILED, "container %s: %s probe: grpc probes are "
			     "not run by this podvisor; the probe is ignored", c->spec->name.v,
			     pv_probe_kind_name(k));
	return NULL;
}

static struct pv_probe_params params_of(const struct pv_probe *p)
{
	struct pv_probe_params prm = pv_probe_params_default();

	if (p->initial_delay_seconds.set)
		prm.initial_delay_s = p->initial_delay_seconds.v;
	if (p->period_seconds.set)
		prm.period_s = p->period_seconds.v;
	if (p->timeout_seconds.set)
		prm.timeout_s = p->timeout_seconds.v;
	if (p->success_threshold.set)
		prm.success_threshold = p->success_threshold.v;
	if (p->failure_threshold.set)
		prm.failure_threshold = p->failure_threshold.v;
	return prm;
}

/* ---- an attempt ends ---- */

static void set_flags(struct pv_crt *c, const struct pv_probe_set *s)
{
	bool ready = pv_probe_ready(s), started = pv_probe_started(s);

	if (ready == c->ready && started == c->started)
		return;
	c->ready = ready;
	c->ready_ms = ready ? pv_now_ms() : 0;
	c->started = started;
	pv_info("pod %s/%s: container %s %s", c->pod->ns, c->pod->name, c->spec->name.v,
		ready ? "ready" : started ? "not ready" : "not started");
	pv_services_kick(c->pod->d); /* the endpoints follow */
	pv_daemon_kick(c->pod->d);   /* and the controllers that count ready pods */
	pv_crt_started(c);           /* a sidecar started: the next init container's turn */
}

/* A single result: counted, said, acted on; the next attempt armed. May
 * end with the container killed (UNHEALTHY), which frees the probes: the
 * last word here. */
static void attempt_done(struct prober *r, enum pv_probe_result res, const char *msg)
{
	struct pv_probes *all = r->all;
	struct pv_crt *c = all->c;
	int64_t period = all->set.acct[r->kind].prm.period_s * 1000;
	int64_t next = r->began_ms + period - pv_now_ms();
	enum pv_probe_verdict v;

	if (res == PV_PROBE_FAILURE)
		pv_pod_event(c->pod, true, PV_EV_UNHEALTHY, "%s probe failed: %s",
			     pv_probe_kind_name(r->kind), msg);
	v = pv_probe_record(&all->set, r->kind, res);
	if (r->tick)
		pv_timer_arm(r->tick, next > 0 ? next : 0);
	if (v != PV_PROBE_KILL) {
		set_flags(c, &all->set);
		return;
	}
	c->ready = false;
	pv_services_kick(c->pod->d);
	pv_daemon_kick(c->pod->d);
	pv_pod_event(c->pod, false, PV_EV_KILLING, "Container %s failed %s probe, will be restarted",
		     c->spec->name.v, r->kind == PV_PROBE_STARTUP ? "startup" : "liveness");
	pv_crt_apply(c, PV_CE_UNHEALTHY, NULL);
}

/* What a run says, as the kubelet's prober words it. */
static void run_done(struct pv_action *a, bool ok, int code, const char *out)
{
	struct prober *r = a->data;
	char msg[1100];

	if (ok && r->spec->http_get.hdr.set && (code < 200 || code >= 400)) {
		snprintf(msg, sizeof(msg), "HTTP probe failed with statuscode: %d", code);
		attempt_done(r, PV_PROBE_FAILURE, msg);
		return;
	}
	if (ok) {
		attempt_done(r, PV_PROBE_SUCCESS, "");
		return;
	}
	if (r->spec->exec.hdr.set && code >= 0 && !*out)
		snprintf(msg, sizeof(msg), "command exited with %d", code);
	else
		snprintf(msg, sizeof(msg), "%s", out);
	attempt_done(r, PV_PROBE_FAILURE, msg);
}

/* ---- the period ---- */

static void tick_fired(void *data)
{
	struct prober *r = data;
	struct pv_probes *all = r->all;
	const struct pv_probe_acct *a = &all->set.acct[r->kind];
	int64_t ran_s = (pv_now_ms() - all->c->started_ms) / 1000;
	char msg[300] = "";
	int rc;

	if (r->run.busy)
		return;
	if (!pv_probe_due(&all->set, r->kind, ran_s)) {
		/* in its initial delay, held by the startup probe, or on hold */
		pv_timer_arm(r->tick, a->prm.period_s * 1000);
		return;
	}
	r->began_ms = pv_now_ms();
	rc = pv_action_start(&r->run, a->prm.timeout_s * 1000, msg, sizeof(msg));
	if (rc < 0)
		attempt_done(r, PV_PROBE_FAILURE, msg);
}

/* ---- the container's probes ---- */

void pv_probes_stop(struct pv_crt *c)
{
	struct pv_probes *all = c->probes;

	if (!all)
		return;
	for (int k = 0; k < PV_PROBE_NKINDS; k++) {
		struct prober *r = &all->pr[k];

		if (!r->spec)
			continue;
		pv_action_free(&r->run);
		pv_timer_free(r->tick);
	}
	free(all);
	c->probes = NULL;
}

void pv_probes_start(struct pv_crt *c)
{
	struct pv_probes *all;

	pv_probes_stop(c);
	c->started = c->ready = true;
	c->ready_ms = pv_now_ms();
	if (!written(c->spec, PV_PROBE_LIVENESS)->hdr.set &&
	    !written(c->spec, PV_PROBE_READINESS)->hdr.set &&
	    !written(c->spec, PV_PROBE_STARTUP)->hdr.set)
		return; /* none: started and ready as it runs, and no 4 KiB of probers kept */
	all = calloc(1, sizeof(*all));
	if (!all)
		return;
	all->c = c;
	for (int k = 0; k < PV_PROBE_NKINDS; k++) {
		struct prober *r = &all->pr[k];

		r->all = all;
		r->kind = (enum pv_probe_kind)k;
		r->spec = spec_of(c, r->kind);
		all->set.has[k] = r->spec != NULL;
		pv_action_init(&r->run, c, run_done, r);
		if (!r->spec)
			continue;
		all->set.acct[k].prm = params_of(r->spec);
		if (r->spec->exec.hdr.set)
			r->run.exec = &r->spec->exec;
		else if (r->spec->http_get.hdr.set)
			r->run.http = &r->spec->http_get;
		else
			r->run.tcp = &r->spec->tcp_socket;
	}
	pv_probe_set_reset(&all->set);
	c->started = pv_probe_started(&all->set);
	c->ready = pv_probe_ready(&all->set);
	c->probes = all;
	for (int k = 0; k < PV_PROBE_NKINDS; k++) {
		struct prober *r = &all->pr[k];

		if (!r->spec)
			continue;
		r->tick = pv_timer_new(c->pod->d->loop, tick_fired, r);
		if (r->tick) /* the first at the initial delay, then every period */
			pv_timer_arm(r->tick, all->set.acct[k].prm.initial_delay_s * 1000);
	}
}
