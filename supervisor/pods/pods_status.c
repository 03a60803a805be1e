/* Pod status as the API reports it, with the STATUS column computed the
 * way kubectl computes it: the edge where states and reasons become
 * Kubernetes' strings (pod_fsm.h renders them). */
#include <stdio.h>

#include "supervisor/pods/pods.h"
#include "supervisor/pods/pods_internal.h"

static enum pv_ckind kind(const struct pv_crt *c)
{
	return pv_fsm_kind(c->state);
}

static enum pv_phase phase(const struct pv_prt *p)
{
	bool running = false, failed = false;

	if (p->deadline_exceeded || p->rejected)
		return PV_PHASE_FAILED; /* whatever its containers' ends */
	for (size_t i = p->ninit; i < p->ncontainers; i++) {
		const struct pv_crt *c = &p->containers[i];

		running |= kind(c) == PV_K_RUNNING;
		failed |= kind(c) == PV_K_TERMINATED && c->term.exit_code != 0;
	}
	if (p->state == PV_P_DONE) {
		for (size_t i = 0; i < p->ninit; i++)
			failed |= p->containers[i].term.set && p->containers[i].term.exit_code != 0 &&
				  !pv_crt_sidecar(&p->containers[i]); /* sidecars are stopped at the end */
		return failed ? PV_PHASE_FAILED : PV_PHASE_SUCCEEDED;
	}
	return running ? PV_PHASE_RUNNING : PV_PHASE_PENDING;
}

static void term_reason(const struct pv_cterm *t, char *buf, size_t len)
{
	if (t->reason != PV_R_NONE)
		snprintf(buf, len, "%s", pv_reason_str(t->reason));
	else if (t->signal)
		snprintf(buf, len, "Signal:%d", t->signal);
	else
		snprintf(buf, len, "ExitCode:%d", t->exit_code);
}

static bool init_status(const struct pv_prt *p, char *buf, size_t len)
{
	for (size_t i = 0; i < p->ninit; i++) {
		const struct pv_crt *c = &p->containers[i];
		char r[48];

		if (kind(c) == PV_K_TERMINATED && c->term.exit_code == 0)
			continue;
		if (c->init && c->spec->restart_policy.v && kind(c) == PV_K_RUNNING)
			continue; /* a running sidecar */
		if (pv_crt_sidecar(c) && i < p->next_init)
			continue; /* a sidecar that started once, stopped since */
		if (kind(c) == PV_K_TERMINATED) {
			term_reason(&c->term, r, sizeof(r));
			snprintf(buf, len, "Init:%s", r);
		} else if (kind(c) == PV_K_WAITING && c->reason != PV_R_NONE &&
			   c->reason != PV_R_POD_INITIALIZING && c->reason != PV_R_CONTAINER_CREATING) {
			snprintf(buf, len, "Init:%s", pv_reason_str(c->reason));
		} else {
			snprintf(buf, len, "Init:%zu/%zu", i, p->ninit);
		}
		return true;
	}
	return false;
}

static void status_column(const struct pv_prt *p, char *buf, size_t len)
{
	bool running = false;
	enum pv_phase ph = phase(p);
	bool completed = ph == PV_PHASE_SUCCEEDED; /* what BUF says */

	snprintf(buf, len, "%s", completed ? pv_reason_str(PV_R_COMPLETED)
				 : ph == PV_PHASE_FAILED ? pv_reason_str(PV_R_ERROR) : pv_phase_str(ph));
	if (p->state == PV_P_STOPPING) {
		snprintf(buf, len, "Terminating");
		return;
	}
	if (p->deadline_exceeded) { /* status.reason, which kubectl shows first */
		snprintf(buf, len, "DeadlineExceeded");
		return;
	}
	if (p->rejected) { /* status.reason, as for DeadlineExceeded */
		snprintf(buf, len, "%s", p->rejected);
		return;
	}
	if (p->unschedulable) {
		snprintf(buf, len, "%s", pv_phase_str(PV_PHASE_PENDING));
		return;
	}
	if (p->start_failed) { /* status.reason, which kubectl shows first */
		snprintf(buf, len, "FailedCreatePodSandBox");
		return;
	}
	if (init_status(p, buf, len))
		return;
	for (size_t i = p->ncontainers; i-- > p->ninit;) {
		const struct pv_crt *c = &p->containers[i];

		if (kind(c) == PV_K_WAITING && c->reason != PV_R_NONE) {
			snprintf(buf, len, "%s", pv_reason_str(c->reason));
			completed = false;
		} else if (kind(c) == PV_K_TERMINATED) {
			term_reason(&c->term, buf, len);
			completed = c->term.reason == PV_R_COMPLETED;
		} else if (kind(c) == PV_K_RUNNING) {
			running = true;
		}
	}
	if (completed && running)
		snprintf(buf, len, "Running");
}

static struct json_object *term_json(const struct pv_cterm *t)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "exitCode", json_object_new_int(t->exit_code));
	if (t->signal)
		json_object_object_add(o, "signal", json_object_new_int(t->signal));
	json_object_object_add(o, "reason", json_object_new_string(pv_reason_str(t->reason)));
	if (t->message[0])
		json_object_object_add(o, "message", json_object_new_string(t->message));
	if (t->started_at[0])
		json_object_object_add(o, "startedAt", json_object_new_string(t->started_at));
	json_object_object_add(o, "finishedAt", json_object_new_string(t->finished_at));
	return o;
}

static struct json_object *container_json(const struct pv_crt *c)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(c->spec->name.v));
	json_object_object_add(o, "image", json_object_new_string(c->spec->image.v));
	json_object_object_add(o, "init", json_object_new_boolean(c->init));
	json_object_object_add(o, "restartCount", json_object_new_int(c->restarts));
	json_object_object_add(o, "ready", json_object_new_boolean(kind(c) == PV_K_RUNNING && c->ready));
	json_object_object_add(o, "started", json_object_new_boolean(kind(c) == PV_K_RUNNING &&
								       c->started));
	if (c->pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(c->pid));
	if (kind(c) == PV_K_RUNNING) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "startedAt", json_object_new_string(c->started_at));
		json_object_object_add(st, "running", r);
	} else if (kind(c) == PV_K_TERMINATED) {
		json_object_object_add(st, "terminated", term_json(&c->term));
	} else {
		struct json_object *w = json_object_new_object();

		json_object_object_add(w, "reason", json_object_new_string(pv_reason_str(c->reason)));
		if (c->message[0])
			json_object_object_add(w, "message", json_object_new_string(c->message));
		json_object_object_add(st, "waiting", w);
	}
	json_object_object_add(o, "state", st);
	if (c->last.set) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "terminated", term_json(&c->last));
		json_object_object_add(o, "lastState", l);
	}
	return o;
}

static struct json_object *strmap_json(const pv_strmap *m)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].value));
	return o;
}

struct json_object *pv_pod_status_json(const struct pv_prt *p)
{
	struct json_object *o = json_object_new_object(), *cs = json_object_new_array();
	char status[64];
	int ready = 0, total = 0, restarts = 0;

	status_column(p, status, sizeof(status));
	for (size_t i = 0; i < p->ncontainers; i++) {
		const struct pv_crt *c = &p->containers[i];

		json_object_array_add(cs, container_json(c));
		restarts += c->restarts;
		if (c->init && !pv_crt_sidecar(c))
			continue; /* sidecars count, as in kubectl */
		total++;
		ready += kind(c) == PV_K_RUNNING && c->ready;
	}
	json_object_object_add(o, "namespace", json_object_new_string(p->ns));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "uid", json_object_new_string(p->uid));
	json_object_object_add(o, "labels", p->spec ? strmap_json(&p->spec->h.metadata.labels) : NULL);
	json_object_object_add(o, "annotations", p->spec ? strmap_json(&p->spec->h.metadata.annotations) : NULL);
	json_object_object_add(o, "created", json_object_new_int64(p->created_wall));
	json_object_object_add(o, "createdAt", json_object_new_string(p->created_at));
	json_object_object_add(o, "phase", json_object_new_string(pv_phase_str(phase(p))));
	json_object_object_add(o, "status", json_object_new_string(status));
	if (p->deadline_exceeded) {
		json_object_object_add(o, "reason", json_object_new_string("DeadlineExceeded"));
		json_object_object_add(o, "message", json_object_new_string(
			"Pod was active on the node longer than the specified deadline"));
	} else if (p->rejected) {
		char msg[sizeof(p->rejected_msg) + 32];

		snprintf(msg, sizeof(msg), "Pod was rejected: %s", p->rejected_msg);
		json_object_object_add(o, "reason", json_object_new_string(p->rejected));
		json_object_object_add(o, "message", json_object_new_string(msg));
	} else if (p->unschedulable) {
		json_object_object_add(o, "reason", json_object_new_string("Unschedulable"));
		json_object_object_add(o, "message", json_object_new_string(
			"0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."));
	} else if (p->start_failed) {
		json_object_object_add(o, "reason", json_object_new_string("FailedCreatePodSandBox"));
		json_object_object_add(o, "message", json_object_new_string(p->start_error));
	}
	json_object_object_add(o, "ready", json_object_new_int(ready));
	json_object_object_add(o, "total", json_object_new_int(total));
	json_object_object_add(o, "restarts", json_object_new_int(restarts));
	json_object_object_add(o, "node", json_object_new_string(p->d->node_name));
	json_object_object_add(o, "podIP", json_object_new_string(pv_pod_ip(p)));
	json_object_object_add(o, "hostIP", json_object_new_string(p->d->node_ip ? p->d->node_ip : ""));
	json_object_object_add(o, "initPid", json_object_new_int(p->init_pid));
	json_object_object_add(o, "containers", cs);
	return o;
}
