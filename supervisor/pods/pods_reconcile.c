/* The pods made to match the wanted set (node/wanted.h), whoever filled
 * it: each wanted pod started, recreated when its spec changed, given its
 * new labels in place, or recorded as not fitting this node; the pods no
 * longer wanted stopped. A pass starts pods for a bounded time and asks
 * for the next. Owns: the unfit records (Pending, FailedScheduling), the
 * start budget. Calls: the pod lifecycle (pods.c, pods_internal.h),
 * services (kicks), node, sandbox (admission), core. */
#include "supervisor/pods/pods.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/core/log.h"
#include "supervisor/node/nodeaffinity.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/podvolumes/pod_projection.h"
#include "supervisor/sandbox/apparmor.h"
#include "supervisor/sandbox/sysctl.h"
#include "supervisor/services/services.h"

/* How long one reconcile pass goes on starting pods (it starts one at
 * least): the API answers, and shows progress, between passes. Each pass
 * walks every wanted pod and every workload again, 4 ms of the daemon's
 * time at 500 pods: at 20 ms, a ramp of 500 pods made some 60 passes and
 * spent 13% of the daemon's CPU on them. */
enum { START_BUDGET_US = 50000 };

static bool strmap_equal(const pv_strmap *a, const pv_strmap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n && !found; j++)
			found = strcmp(a->items[i].key, b->items[j].key) == 0 &&
				strcmp(a->items[i].value, b->items[j].value) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Labels or annotations edited, the spec the same: the pod takes the new
 * metadata in place, without a restart, as in Kubernetes. Its private
 * copy is replaced; the containers' specs are re-pointed into it (same
 * spec, same containers in the same order). */
static void pod_take_metadata(struct pv_prt *p, const struct pv_object *o, struct pv_file *shared)
{
	struct pv_file *old = p->spec_file;
	const struct pv_pod *old_spec = p->spec;
	struct pv_err err = { 0 };
	const struct pv_pod_spec *s;

	p->spec_file = NULL;
	if (pv_pod_load_spec(p, o, shared, &err) < 0 ||
	    p->spec->spec.init_containers.n + p->spec->spec.containers.n != p->ncontainers) {
		pv_warn("pod %s/%s: new labels not taken: %s", p->ns, p->name,
			err.msg[0] ? err.msg : "the containers differ");
		pv_file_put(p->spec_file);
		p->spec_file = old;
		p->spec = old_spec;
		return;
	}
	s = &p->spec->spec;
	for (size_t i = 0; i < p->ncontainers; i++)
		p->containers[i].spec = i < p->ninit ? &s->init_containers.items[i]
						     : &s->containers.items[i - p->ninit];
	pv_file_put(old);
	pv_info("pod %s/%s: labels or annotations changed; updated in place", p->ns, p->name);
	pv_services_kick(p->d); /* selectors may match it now, or no longer */
}

/* ---- pods that do not fit this node ---- */

/* What a pod record that does not fit keeps when it is made again. */
struct unfit_was {
	char uid[33], hash[65], created_at[40];
	int64_t created_wall;
};

/* The kubelet's admission on this node (sysctls, AppArmor): NULL, or the
 * reason POD is refused, with the message in ERR. */
static const char *pod_refusal(const struct pv_daemon *d, const struct pv_pod *pod,
			       struct pv_err *err)
{
	if (pv_sysctl_admit(pod, d->allowed_unsafe_sysctls, d->nallowed_unsafe_sysctls, err) < 0)
		return "SysctlForbidden";
	if (pv_apparmor_admit(pod, d->apparmor, err) < 0)
		return "AppArmor";
	return NULL;
}

/* A pod whose nodeSelector or required node affinity this node's labels
 * do not satisfy: a record only (Pending, nothing started, no directory),
 * as the scheduler leaves it, and one FailedScheduling event per spec. */
static void unfit_add(struct pv_daemon *d, const struct pv_object *o, const char *hash,
		      const struct unfit_was *was)
{
	struct pv_prt *p = pv_pod_record(d, o, true, hash, was ? was->uid : NULL,
					 was ? was->created_at : NULL, was ? was->created_wall : 0);
	struct pv_err err = { 0 };

	if (!p)
		return;
	if (pv_node_fits_pod(d, &p->spec->spec)) { /* it fits, but the node refuses it */
		p->rejected = pod_refusal(d, p->spec, &err);
		snprintf(p->rejected_msg, sizeof(p->rejected_msg), "%s", err.msg);
	}
	for (size_t i = 0; i < p->ncontainers; i++) { /* waiting, but none is being made */
		p->containers[i].reason = PV_R_NONE;
		snprintf(p->containers[i].message, sizeof(p->containers[i].message), "%s",
			 p->rejected ? "the pod was rejected by the node"
			 : "the pod is not scheduled: it does not fit this node's labels");
	}
	if (was && strcmp(was->hash, hash) == 0)
		return; /* said already: only its labels changed */
	if (p->rejected) { /* as the kubelet's rejectPod: the event, Failed */
		char obj[600];

		snprintf(obj, sizeof(obj), "pod/%s/%s", p->ns, p->name);
		pv_info("pod %s/%s: refused: %s", p->ns, p->name, p->rejected_msg);
		pv_daemon_event(d, obj, true, p->rejected, "%s", p->rejected_msg);
		return;
	}
	pv_info("pod %s/%s: does not fit this node's labels (nodeSelector, node affinity); "
		"it stays Pending", p->ns, p->name);
	pv_pod_event(p, true, PV_EV_FAILED_SCHEDULING,
		     "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
}

/* The record P of a pod that did not fit, given the wanted object O:
 * kept when nothing changed and it still does not fit; otherwise gone
 * (true), into WAS, for the caller to start it or record it again. */
static bool unfit_recheck(struct pv_prt *p, const struct pv_object *o, const char *hash,
			  bool fits, struct unfit_was *was)
{
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_daemon *d = p->d;

	if (!fits && strcmp(p->hash, hash) == 0 &&
	    strmap_equal(&p->spec->h.metadata.labels, &m->labels) &&
	    strmap_equal(&p->spec->h.metadata.annotations, &m->annotations))
		return false;
	memcpy(was->uid, p->uid, sizeof(was->uid));
	memcpy(was->hash, p->hash, sizeof(was->hash));
	memcpy(was->created_at, p->created_at, sizeof(was->created_at));
	was->created_wall = p->created_wall;
	pv_pod_free(p);
	pv_services_kick(d);
	return true;
}

/* The starts of a pass, one step apart: the pod begun last waits for
 * its init (the spawner clones it) while the one before it is finished.
 * Two slots, taken in turn. */
struct starts {
	struct pv_pod_starting slot[2];
	struct pv_pod_starting *pending;
};

static void start(struct starts *ss, struct pv_daemon *d, const struct pv_object *o,
		  struct pv_file *shared, const char *hash, const struct pv_failed_was *was)
{
	struct pv_pod_starting *st = ss->pending == &ss->slot[0] ? &ss->slot[1] : &ss->slot[0];

	if (!pv_pod_start_begin(st, d, o, shared, hash, was))
		return;
	if (ss->pending)
		pv_pod_start_end(ss->pending);
	ss->pending = st;
}

static void starts_finish(struct starts *ss)
{
	if (ss->pending)
		pv_pod_start_end(ss->pending);
	ss->pending = NULL;
}

/* Make the pod of W match it; true when a pod was started (or tried). */
static bool want_pod(struct pv_daemon *d, struct starts *ss, const struct pv_wanted_pod *w)
{
	const struct pv_object *o = w->obj;
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_err refusal = { 0 };
	struct unfit_was was;
	struct pv_prt *p;
	char hash[65];
	bool fits;

	if (w->shadowed) {
		/* Its name is an earlier wanted pod's (a Pod named as a
		 * StatefulSet's): the first keeps it, as the API server refuses
		 * a second pod of one name, and this one is not started. (Each
		 * started in turn, the two would recreate each other forever.) */
		const struct pv_wanted_pod *first = pv_wanted_find(&d->wanted, m->namespace.v,
								    m->name.v);
		char obj[600];

		snprintf(obj, sizeof(obj), "pod/%s/%s", m->namespace.v, m->name.v);
		pv_daemon_event(d, obj, true, "FailedCreate",
				"pods \"%s\" already exists, from %s: the one %s wants is not started",
				m->name.v, first ? first->source : "another source", w->source);
		return false;
	}
	p = pv_pods_find(d, m->namespace.v, m->name.v);
	fits = pv_node_fits_pod(d, &((const struct pv_pod *)o->obj)->spec) &&
	       !pod_refusal(d, (const struct pv_pod *)o->obj, &refusal);
	if (w->hash[0])
		memcpy(hash, w->hash, sizeof(hash));
	else
		pv_pod_hash(o, hash);
	if (p && p->unschedulable) {
		if (!unfit_recheck(p, o, hash, fits, &was))
			return false;
		if (fits) {
			pv_info("pod %s/%s: fits this node now; starting", m->namespace.v, m->name.v);
			start(ss, d, o, w->shared, hash, NULL);
		} else {
			unfit_add(d, o, hash, &was);
		}
		return fits;
	}
	if (p && p->start_failed) {
		struct pv_failed_was again;

		if (strcmp(p->hash, hash) == 0 && pv_now_ms() < p->start_retry_at)
			return false; /* its back-off is not over */
		memcpy(again.uid, p->uid, sizeof(again.uid));
		memcpy(again.created_at, p->created_at, sizeof(again.created_at));
		again.created_wall = p->created_wall;
		again.retry_ms = strcmp(p->hash, hash) == 0 ? p->start_retry_ms : 0;
		pv_pod_free(p);
		if (fits)
			start(ss, d, o, w->shared, hash, &again);
		else
			unfit_add(d, o, hash, NULL);
		return fits;
	}
	if (p && strcmp(p->hash, hash) != 0 && p->state != PV_P_STOPPING) {
		pv_info("pod %s/%s: spec changed; recreating", p->ns, p->name);
		pv_pod_stop(p, true);
		return false; /* started again once the old one is gone */
	}
	if (p && p->state != PV_P_STOPPING &&
	    (!strmap_equal(&p->spec->h.metadata.labels, &m->labels) ||
	     !strmap_equal(&p->spec->h.metadata.annotations, &m->annotations)))
		pod_take_metadata(p, o, w->shared);
	if (!p && !pv_pods_stopping(d, m->namespace.v, m->name.v)) {
		if (fits)
			start(ss, d, o, w->shared, hash, NULL);
		else
			unfit_add(d, o, hash, NULL);
		return fits;
	}
	return false;
}

bool pv_pods_stopping(struct pv_daemon *d, const char *ns, const char *name)
{
	for (size_t i = 0; i < d->npods; i++)
		if (strcmp(d->pods[i]->ns, ns) == 0 && strcmp(d->pods[i]->name, name) == 0)
			return true;
	return false;
}

/* Containers that could not be created (an image not imported yet, a
 * ConfigMap not there yet) try again. */
static void retry_waiting(struct pv_prt *p)
{
	pv_pod_apply(p, PV_PE_RETRY);
}

/* The running pods made to match the wanted set (node/wanted.h), whoever
 * filled it: this module does not know where pods come from. */
void pv_pods_reconcile(struct pv_daemon *d)
{
	bool leaving = false, started = false;
	int64_t t0 = pv_now_us();
	struct starts ss = { .pending = NULL };

	if (d->quitting)
		return;
	/* A pod's start waits on the kernel (namespaces, veth, cgroup, mounts):
	 * milliseconds. A pass starts pods for START_BUDGET_US and asks for
	 * another, so the API answers, and shows progress, while 500 pods
	 * start. A budget of time rather than a count of pods: each pass
	 * walks every wanted pod and every workload again, so a node that
	 * starts pods fast makes few passes, and a slow one still answers. */
	for (size_t i = 0; i < d->wanted.n; i++) {
		if (started && pv_now_us() - t0 >= START_BUDGET_US) {
			pv_daemon_kick(d);
			break;
		}
		started |= want_pod(d, &ss, &d->wanted.v[i]);
	}
	starts_finish(&ss);
	/* The endpoints among the pods to stop leave the Services first, in
	 * one sync: no request reaches a pod that has been told to stop. */
	for (size_t i = 0; !d->wanted_incomplete && i < d->npods; i++) {
		struct pv_prt *p = d->pods[i];

		if (p->state != PV_P_STOPPING && !p->unschedulable && pv_pod_ready(p) &&
		    !pv_wanted_find(&d->wanted, p->ns, p->name))
			leaving = p->leaving = true;
	}
	if (leaving)
		pv_services_sync_now(d);
	for (size_t i = d->npods; i-- > 0;) {
		struct pv_prt *p = d->pods[i];

		if (p->state == PV_P_STOPPING)
			continue;
		if (p->unschedulable || p->start_failed) {
			if (!d->wanted_incomplete && !pv_wanted_find(&d->wanted, p->ns, p->name))
				pv_pod_stop(p, true); /* nothing ran: the record goes */
			continue;
		}
		if (!d->wanted_incomplete && !pv_wanted_find(&d->wanted, p->ns, p->name)) {
			pv_info("pod %s/%s: no longer wanted (gone from the manifests); stopping",
				p->ns, p->name);
			pv_pod_stop(p, true);
			continue;
		}
		if (p->projected_gen != d->desired.generation) {
			/* ConfigMaps and Secrets may have changed under its volumes */
			pv_projection_refresh(p);
			p->projected_gen = d->desired.generation;
		}
		retry_waiting(p);
	}
	pv_pods_schedule_retry(d);
}

void pv_pods_stop_all(struct pv_daemon *d)
{
	for (size_t i = d->npods; i-- > 0;)
		pv_pod_stop(d->pods[i], true);
}

bool pv_pods_all_gone(const struct pv_daemon *d)
{
	return d->npods == 0;
}
