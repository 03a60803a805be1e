/* Containers' lifecycle hooks, as the kubelet runs them, and the order in
 * which a pod's containers are stopped. postStart runs once the process
 * runs: the container is not Running until it returns, and a failure
 * (event FailedPostStartHook) kills it, to be restarted per its policy.
 * preStop runs before the SIGTERM whenever a running container is
 * stopped (its pod stops, a probe or a failed postStart kills it),
 * within the grace period the caller's timer counts; a failure (event
 * FailedPreStopHook) does not stop the stop. Handlers: exec and httpGet
 * (pods_action.c; any HTTP answer is a success, as for the kubelet) and
 * sleep (a timer); tcpSocket fails, as in Kubernetes. A sidecar stopped
 * with its pod (or once its pod's app containers completed) gets its
 * SIGTERM after the app containers and the sidecars after it have ended.
 * Owns struct pv_hooks. Calls: pods_action, pods (records, events,
 * pv_crt_apply), core. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/pods/pods_internal.h"

enum hook_kind { HOOK_NONE, HOOK_POST_START, HOOK_PRE_STOP };

struct pv_hooks {
	struct pv_crt *c;
	enum hook_kind running;
	const struct pv_handler *h;
	struct pv_action run;      /* exec, httpGet */
	struct pv_timer *sleep;    /* sleep */
	bool term_due;             /* a sidecar: SIGTERM once its turn comes */
};

static struct pv_hooks *hooks_of(struct pv_crt *c)
{
	struct pv_hooks *k = c->hooks;

	if (k)
		return k;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->c = c;
	c->hooks = k;
	return k;
}

void pv_hook_cancel(struct pv_crt *c)
{
	struct pv_hooks *k = c->hooks;

	if (!k)
		return;
	if (k->run.c)
		pv_action_free(&k->run);
	pv_timer_free(k->sleep);
	free(k);
	c->hooks = NULL;
}

/* ---- the order of stopping ---- */

/* Whether sidecar C, stopping with its pod (deleted, past its deadline,
 * or completed), waits for other containers:
 * an app container, or a sidecar defined after it, not ended yet. */
static bool waits_turn(const struct pv_crt *c)
{
	const struct pv_prt *p = c->pod;
	size_t me = (size_t)(c - p->containers);

	if (!pv_crt_sidecar(c) || c->state != PV_C_STOPPING ||
	    (p->state != PV_P_STOPPING && p->state != PV_P_DONE && p->state != PV_P_FAILING))
		return false;
	for (size_t i = me + 1; i < p->ncontainers; i++) {
		const struct pv_crt *o = &p->containers[i];

		if ((!o->init || pv_crt_sidecar(o)) && o->state != PV_C_TERMINATED)
			return true;
	}
	return false;
}

static void term(struct pv_crt *c)
{
	struct pv_hooks *k = c->hooks;

	if (c->state != PV_C_STOPPING && c->state != PV_C_KILLING)
		return; /* it ended meanwhile */
	if (waits_turn(c) && (k || (k = hooks_of(c)))) {
		k->term_due = true;
		return;
	}
	if (c->pidfd >= 0)
		pv_pidfd_signal(c->pidfd, pv_crt_stop_signal(c));
}

void pv_hook_turn(struct pv_prt *p)
{
	for (size_t i = p->ninit; i-- > 0;) {
		struct pv_crt *c = &p->containers[i];

		if (!c->hooks || !c->hooks->term_due || waits_turn(c))
			continue;
		c->hooks->term_due = false;
		pv_info("pod %s/%s: sidecar %s: its turn to stop", p->ns, p->name, c->spec->name.v);
		term(c);
	}
}

/* ---- a hook ends ---- */

static void say_failed(struct pv_crt *c, enum hook_kind kind, const struct pv_handler *h,
		       int code, const char *msg)
{
	enum pv_evreason why = kind == HOOK_POST_START ? PV_EV_FAILED_POST_START_HOOK
						       : PV_EV_FAILED_PRE_STOP_HOOK;
	char cmd[512] = "";
	size_t n = 0;

	for (size_t i = 0; h->exec.hdr.set && i < h->exec.command.n && n < sizeof(cmd); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "",
				      h->exec.command.items[i].v);
	if (h->exec.hdr.set && code >= 0)
		pv_pod_event(c->pod, true, why, "Exec lifecycle hook ([%s]) for Container \"%s\" in "
			     "Pod \"%s/%s\" failed - error: command '%s' exited with %d, message: "
			     "\"%s\"", cmd, c->spec->name.v, c->pod->ns, c->pod->name, cmd, code, msg);
	else if (h->exec.hdr.set)
		pv_pod_event(c->pod, true, why, "Exec lifecycle hook ([%s]) for Container \"%s\" in "
			     "Pod \"%s/%s\" failed - error: %s", cmd, c->spec->name.v, c->pod->ns,
			     c->pod->name, msg);
	else if (h->http_get.hdr.set)
		pv_pod_event(c->pod, true, why, "HTTP lifecycle hook (%s) for Container \"%s\" in "
			     "Pod \"%s/%s\" failed - error: %s",
			     h->http_get.path.v && *h->http_get.path.v ? h->http_get.path.v : "/",
			     c->spec->name.v, c->pod->ns, c->pod->name, msg);
	else
		pv_pod_event(c->pod, true, why, "%s hook for Container \"%s\" in Pod \"%s/%s\" "
			     "failed - error: %s", kind == HOOK_POST_START ? "PostStart" : "PreStop",
			     c->spec->name.v, c->pod->ns, c->pod->name, msg);
}

/* What the hook's end means: postStart through the container table,
 * preStop the SIGTERM. May free the pod (through pv_crt_apply): the last
 * word of every caller. */
static void hook_done(struct pv_crt *c, bool ok, int code, const char *msg)
{
	struct pv_hooks *k = c->hooks;
	enum hook_kind kind = k->running;

	k->running = HOOK_NONE;
	if (!ok)
		say_failed(c, kind, k->h, code, msg);
	if (kind == HOOK_PRE_STOP) {
		term(c);
		return;
	}
	pv_crt_apply(c, ok ? PV_CE_HOOK_DONE : PV_CE_HOOK_FAILED, NULL);
}

static void action_done(struct pv_action *a, bool ok, int code, const char *msg)
{
	hook_done(a->c, ok, code, msg);
}

static void sleep_done(void *data)
{
	hook_done(data, true, 0, "");
}

/* Start handler H of C; its end comes back to hook_done, at once when
 * it cannot start. */
static void hook_start(struct pv_crt *c, enum hook_kind kind, const struct pv_handler *h)
{
	struct pv_hooks *k = hooks_of(c);
	char msg[300] = "";

	if (!k) {
		if (kind == HOOK_PRE_STOP)
			term(c);
		else
			pv_crt_apply(c, PV_CE_HOOK_FAILED, NULL);
		return;
	}
	k->running = kind;
	k->h = h;
	if (h->sleep.hdr.set) {
		if (!k->sleep)
			k->sleep = pv_timer_new(c->pod->d->loop, sleep_done, c);
		if (k->sleep && h->sleep.seconds.v > 0) {
			pv_timer_arm(k->sleep, h->sleep.seconds.v * 1000);
			return;
		}
		hook_done(c, true, 0, "");
		return;
	}
	if (!k->run.c)
		pv_action_init(&k->run, c, action_done, k);
	k->run.exec = h->exec.hdr.set ? &h->exec : NULL;
	k->run.http = h->http_get.hdr.set ? &h->http_get : NULL;
	k->run.tcp = NULL;
	if (h->tcp_socket.hdr.set)
		snprintf(msg, sizeof(msg), "tcpSocket is not supported as a lifecycle handler");
	else if (pv_action_start(&k->run, 0, msg, sizeof(msg)) == 0)
		return;
	hook_done(c, false, -1, msg);
}

void pv_hook_post_start(struct pv_crt *c)
{
	const struct pv_handler *h = &c->spec->lifecycle.post_start;

	if (!h->hdr.set) {
		pv_crt_apply(c, PV_CE_HOOK_DONE, NULL);
		return;
	}
	hook_start(c, HOOK_POST_START, h);
}

void pv_hook_stop(struct pv_crt *c)
{
	const struct pv_handler *h = &c->spec->lifecycle.pre_stop;

	if (c->hooks && c->hooks->running != HOOK_NONE) {
		if (c->hooks->run.c)
			pv_action_cancel(&c->hooks->run);
		if (c->hooks->sleep)
			pv_timer_disarm(c->hooks->sleep);
		c->hooks->running = HOOK_NONE;
	}
	if (!h->hdr.set || c->pidfd < 0) {
		term(c);
		return;
	}
	hook_start(c, HOOK_PRE_STOP, h);
}
