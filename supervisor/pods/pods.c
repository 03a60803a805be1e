/* Pod lifecycle: start (namespaces, init containers in order, then the
 * app containers), what a container's end means for its pod, stop with a
 * grace period. The containers themselves are pods_container.c's; the
 * reconciler that compares all this with the wanted set is
 * pods_reconcile.c's. */
#include "supervisor/pods/pods.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/podinit.h"
#include "supervisor/network/podnet.h"
#include "supervisor/pods/pod_etc.h"
#include "supervisor/podrules/pod_fsm.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/podvolumes/pod_volumes.h"
#include "supervisor/services/services.h"
#include "supervisor/core/proc.h"
#include "supervisor/sandbox/apparmor.h"
#include "supervisor/sandbox/sysctl.h"


void pv_iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void pv_pod_event(struct pv_prt *p, bool warn, enum pv_evreason reason, const char *fmt, ...)
{
	char obj[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(obj, sizeof(obj), "pod/%s/%s", p->ns, p->name);
	pv_daemon_event(p->d, obj, warn, pv_evreason_str(reason), "%s", msg);
}

/* ---- pod records in the state directory ---- */

int pv_pod_save(struct pv_prt *p)
{
	struct json_object *j = json_object_new_object();
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };
	int rc;

	json_object_object_add(j, "uid", json_object_new_string(p->uid));
	json_object_object_add(j, "namespace", json_object_new_string(p->ns));
	json_object_object_add(j, "name", json_object_new_string(p->name));
	json_object_object_add(j, "hash", json_object_new_string(p->hash));
	json_object_object_add(j, "createdAt", json_object_new_string(p->created_at));
	json_object_object_add(j, "created", json_object_new_int64(p->created_wall));
	json_object_object_add(j, "initPid", json_object_new_int(p->init_pid));
	json_object_object_add(j, "initStart", json_object_new_uint64(p->init_start));
	json_object_object_add(j, "deleting", json_object_new_boolean(p->delete_when_stopped));
	json_object_object_add(j, "ip", json_object_new_string(p->ip_str));
	json_object_object_add(j, "deadlineExceeded", json_object_new_boolean(p->deadline_exceeded));
	for (size_t i = 0; i < p->ncontainers; i++) {
		char key[300];

		snprintf(key, sizeof(key), "restarts.%s", p->containers[i].spec->name.v);
		json_object_object_add(j, key, json_object_new_int(p->containers[i].restarts));
	}
	if (asprintf(&path, "%s/pod.json", p->dir) < 0)
		return json_object_put(j), -1;
	rc = pv_write_json_replace(path, j, &err);
	if (rc < 0)
		pv_error("pod %s/%s: %s", p->ns, p->name, err.msg);
	json_object_put(j);
	return rc;
}

/* ---- the pod's containers ---- */

/* Containers FROM on take EV. */
static void each(struct pv_prt *p, size_t from, enum pv_cevent ev)
{
	for (size_t i = from; i < p->ncontainers; i++)
		pv_crt_apply(&p->containers[i], ev, NULL);
}

/* The init container whose turn it is takes EV. */
static void current_init(struct pv_prt *p, enum pv_cevent ev)
{
	if (p->next_init < p->ninit)
		pv_crt_apply(&p->containers[p->next_init], ev, NULL);
}

/* START_INIT: init containers run one at a time, each to success. */
static void start_init(struct pv_prt *p)
{
	if (p->next_init < p->ninit)
		pv_crt_apply(&p->containers[p->next_init], PV_CE_START, NULL);
	else
		pv_pod_apply(p, PV_PE_INITS_DONE);
}

static bool all_terminated(const struct pv_prt *p)
{
	for (size_t i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state != PV_C_TERMINATED)
			return false;
	return true;
}

/* ---- pods ---- */

int pv_pod_userns(struct pv_prt *p, bool take, uint32_t *base, struct pv_err *err)
{
	const struct pv_bool *host_users = &p->spec->spec.host_users;

	*base = 0;
	if (!host_users->set || host_users->v)
		return 0;
	if (take ? pv_idpool_alloc(&p->d->userns_pool, p->uid, base, err) < 0
		 : !pv_idpool_find(&p->d->userns_pool, p->uid, base))
		return take ? pv_err_wrap(err, "hostUsers: false")
			    : pv_err_set(err, ENOENT, "hostUsers: false: the pod holds no range of "
					 "ids (%s/userns.json)", p->d->state);
	return 0;
}

void pv_pod_userns_release(struct pv_prt *p)
{
	struct pv_err err = { 0 };

	if (pv_idpool_release(&p->d->userns_pool, p->uid, &err) < 0)
		pv_warn("pod %s/%s: user namespace ids: %s", p->ns, p->name, err.msg);
}

/* The pod's cgroup, "PARENT/pod-UID", its containers' parent. */
static void pod_cgroup(const struct pv_prt *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/pod-%s", p->d->cgroup_parent, p->uid);
}

/* Made before its containers, with the node's pids limit per pod. */
static void pod_cgroup_create(struct pv_prt *p)
{
	struct pv_err err = { 0 };
	char cg[512];

	pod_cgroup(p, cg, sizeof(cg));
	if (pv_cg_pod_create(cg, p->d->pod_pids_limit, &err) < 0)
		pv_warn("pod %s/%s: cgroup %s: %s", p->ns, p->name, cg, err.msg);
}

void pv_pod_cgroup_remove(const struct pv_prt *p)
{
	char cg[512];

	pod_cgroup(p, cg, sizeof(cg));
	pv_cg_pod_remove(cg);
}

static void init_exited(void *data, int fd, uint32_t events)
{
	struct pv_prt *p = data;

	(void)fd;
	(void)events;
	waitpid(p->init_pid, NULL, WNOHANG);
	pv_loop_del(p->d->loop, p->init_w);
	p->init_w = NULL;
	close(p->init_pidfd);
	p->init_pidfd = -1;
	pv_pod_apply(p, PV_PE_INIT_EXITED);
}

/* The pod's spec, written to pod-spec.json (what adoption loads), and
 * held: SHARED, the file of O alone, when its controller rendered it (one
 * parsed copy for both; no one changes it), or else a copy of its own
 * loaded from that JSON, which outlives the manifest O is in. */
int pv_pod_load_spec(struct pv_prt *p, const struct pv_object *o, struct pv_file *shared,
			     struct pv_err *err)
{
	struct json_object *j = pv_encode_object(o);
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
	cleanup_free char *path = NULL;
	int rc = 0;

	if (shared && shared->nobjects == 1 && &shared->objects[0] == o)
		p->spec_file = pv_file_get(shared);
	else if (!(p->spec_file = pv_file_new_buf("pod.json", s, strlen(s))) || p->spec_file->failed)
		rc = -1;
	if (!p->unschedulable && !p->start_failed && asprintf(&path, "%s/pod-spec.json", p->dir) >= 0)
		pv_write_replace(path, s, strlen(s), 0600, err);
	json_object_put(j);
	if (rc < 0 || !p->spec_file || p->spec_file->nobjects != 1)
		return pv_err_set(err, EINVAL, "the pod's own copy did not load");
	p->spec = (const struct pv_pod *)p->spec_file->objects[0].obj;
	return 0;
}

int pv_pod_setup_containers(struct pv_prt *p)
{
	const struct pv_pod_spec *s = &p->spec->spec;

	p->ninit = s->init_containers.n;
	p->ncontainers = s->init_containers.n + s->containers.n;
	p->containers = calloc(p->ncontainers, sizeof(*p->containers));
	if (!p->containers)
		return -1;
	for (size_t i = 0; i < p->ncontainers; i++) {
		struct pv_crt *c = &p->containers[i];

		c->pod = p;
		c->init = i < p->ninit;
		c->spec = c->init ? &s->init_containers.items[i] : &s->containers.items[i - p->ninit];
		c->pidfd = c->shim_pidfd = c->notify_fd = -1;
		c->state = PV_C_PENDING;
		c->reason = c->init ? PV_R_POD_INITIALIZING : PV_R_CONTAINER_CREATING;
	}
	return 0;
}

struct pv_prt *pv_pod_alloc(struct pv_daemon *d)
{
	struct pv_prt *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (d->npods == d->podcap) {
		size_t cap = d->podcap ? d->podcap * 2 : 16;
		struct pv_prt **v = realloc(d->pods, cap * sizeof(*v));

		if (!v)
			return free(p), NULL;
		d->pods = v;
		d->podcap = cap;
	}
	d->pods[d->npods++] = p;
	pv_pods_index_stale(d);
	p->d = d;
	p->init_pidfd = -1;
	return p;
}

/* The pod's address as text; a hostNetwork pod has the node's (left
 * empty here until the node's address is known). */
void pv_pod_set_ip(struct pv_prt *p)
{
	struct in_addr a = { htonl(p->ip) };

	if (!p->ip || !inet_ntop(AF_INET, &a, p->ip_str, sizeof(p->ip_str)))
		p->ip_str[0] = '\0';
}

void pv_pod_free(struct pv_prt *p)
{
	struct pv_daemon *d = p->d;

	for (size_t i = 0; i < p->ncontainers; i++) {
		pv_probes_stop(&p->containers[i]);
		pv_crt_close(&p->containers[i]);
		pv_timer_free(p->containers[i].timer);
		pv_timer_free(p->containers[i].kill_timer);
	}
	pv_timer_free(p->kill_timer);
	pv_timer_free(p->deadline);
	pv_loop_del(d->loop, p->init_w);
	if (p->init_pidfd >= 0)
		close(p->init_pidfd);
	for (size_t i = 0; i < d->npods; i++)
		if (d->pods[i] == p)
			d->pods[i] = d->pods[--d->npods];
	pv_pods_index_stale(d);
	free(p->containers);
	pv_file_put(p->spec_file);
	free(p->ns);
	free(p->name);
	free(p->dir);
	free(p);
}

static void new_uid(char out[33])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xFF);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int pv_pod_watch_init(struct pv_prt *p)
{
	p->init_pidfd = pv_pidfd_open(p->init_pid, p->init_start);
	if (p->init_pidfd < 0)
		return -1;
	p->init_w = pv_loop_add(p->d->loop, p->init_pidfd, EPOLLIN, init_exited, p);
	return p->init_w ? 0 : -1;
}

/* A pod could not start: a record of it (Pending, FailedCreatePodSandBox
 * and why, in get pods and an event), started again by a later pass once
 * its back-off is over (1 s, doubling up to retry_cap); the other pods
 * are not held up. */

/* A pod record that stands for one not started (failed, or unfit for the
 * node) keeps the UID and creation time it had at the last pass: a new
 * one, the first time. */
static void pod_identity(struct pv_prt *p, const char *uid, const char *created_at,
			 int64_t created_wall)
{
	if (uid) {
		memcpy(p->uid, uid, sizeof(p->uid));
		memcpy(p->created_at, created_at, sizeof(p->created_at));
		p->created_wall = created_wall;
	} else {
		new_uid(p->uid);
		p->created_wall = time(NULL);
		pv_iso_now(p->created_at, sizeof(p->created_at));
	}
}
struct pv_prt *pv_pod_record(struct pv_daemon *d, const struct pv_object *o, bool unfit,
			     const char *hash, const char *uid, const char *created_at,
			     int64_t created_wall)
{
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_prt *p = pv_pod_alloc(d);
	struct pv_err err = { 0 };

	if (!p)
		return NULL;
	/* before its spec: a record writes no pod-spec.json */
	if (unfit)
		p->unschedulable = true;
	else
		p->start_failed = true;
	pod_identity(p, uid, created_at, created_wall);
	snprintf(p->hash, sizeof(p->hash), "%s", hash);
	p->ns = strdup(m->namespace.v);
	p->name = strdup(m->name.v);
	if (!p->ns || !p->name || asprintf(&p->dir, "%s/pods/%s", d->state, p->uid) < 0 ||
	    pv_pod_load_spec(p, o, NULL, &err) < 0 || pv_pod_setup_containers(p) < 0) {
		pv_error("pod %s/%s: %s", m->namespace.v, m->name.v,
			 err.msg[0] ? err.msg : strerror(errno));
		pv_pod_free(p);
		return NULL;
	}
	return p;
}

static void start_failed(struct pv_daemon *d, const struct pv_object *o, const char *hash,
			 const struct pv_failed_was *was, const char *why)
{
	int64_t delay = was && was->retry_ms ? was->retry_ms * 2 : PV_START_RETRY_MS;
	struct pv_prt *p;
	char object[600];

	if (delay > pv_pods_retry_cap(d))
		delay = pv_pods_retry_cap(d);
	p = pv_pod_record(d, o, false, hash, was ? was->uid : NULL, was ? was->created_at : NULL,
			  was ? was->created_wall : 0);
	if (!p)
		return;
	snprintf(p->start_error, sizeof(p->start_error), "%s", why);
	p->start_retry_ms = delay;
	p->start_retry_at = pv_now_ms() + delay;
	for (size_t i = 0; i < p->ncontainers; i++) { /* waiting, but none is being made */
		p->containers[i].reason = PV_R_NONE;
		snprintf(p->containers[i].message, sizeof(p->containers[i].message),
			 "the pod's sandbox could not be created: %.400s", why);
	}
	snprintf(object, sizeof(object), "pod/%s/%s", p->ns, p->name);
	pv_daemon_event(d, object, true, "FailedCreatePodSandBox", "cannot start the pod: %s; "
			"trying again in %lld s", why, (long long)(delay + 999) / 1000);
}

/* P, whose start failed and whose resources are released, becomes a
 * record of that (the same uid and creation time). */
static void keep_as_failed(struct pv_prt *p, const struct pv_object *o, const char *hash,
			   const struct pv_failed_was *was, const char *why)
{
	struct pv_daemon *d = p->d;
	struct pv_failed_was now = { .created_wall = p->created_wall };
	char msg[sizeof(p->start_error)];

	memcpy(now.uid, p->uid, sizeof(now.uid));
	memcpy(now.created_at, p->created_at, sizeof(now.created_at));
	now.retry_ms = was ? was->retry_ms : 0;
	snprintf(msg, sizeof(msg), "%s", why);
	pv_pod_free(p);
	start_failed(d, o, hash, &now, msg);
}

/* RuntimeDefault on a node with AppArmor: no profile is loaded, the
 * container runs unconfined; the field is acted on, so nothing else says. */
static void pod_apparmor_warn(struct pv_prt *p)
{
	const char *c = pv_apparmor_unenforced(p->spec, p->d->apparmor);
	char obj[600];

	if (!c)
		return;
	snprintf(obj, sizeof(obj), "pod/%s/%s", p->ns, p->name);
	pv_daemon_event(p->d, obj, true, "AppArmorNotEnforced", "container %s asks for the "
			"AppArmor profile RuntimeDefault: this podvisor loads no AppArmor profile, "
			"so it runs unconfined", c);
}

/* A start that failed: what was made goes, a record of it stays. */
static void start_fail(struct pv_pod_starting *st, struct pv_err *err)
{
	struct pv_prt *p = st->p;

	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(errno));
	pv_error("pod %s/%s: cannot start: %s", p->ns ? p->ns : "?", p->name ? p->name : "?",
		 err->msg);
	if (p->init_pid > 0)
		kill(p->init_pid, SIGKILL), waitpid(p->init_pid, NULL, WNOHANG);
	if (p->ip)
		pv_podnet_teardown(p);
	pv_pod_cgroup_remove(p);
	if (p->dir) {
		pv_pod_volumes_release(p);
		pv_rm_rf(p->dir, err);
	}
	if (p->spec)
		pv_pod_userns_release(p);
	keep_as_failed(p, st->o, st->hash, st->has_was ? &st->was : NULL, err->msg);
}

static void starting_done(struct pv_pod_starting *st)
{
	for (int i = 0; i < 2; i++)
		if (st->confirm[i] >= 0)
			close(st->confirm[i]);
	free(st->host);
	st->host = NULL;
}

bool pv_pod_start_begin(struct pv_pod_starting *st, struct pv_daemon *d, const struct pv_object *o,
			struct pv_file *shared, const char *hash, const struct pv_failed_was *was)
{
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_prt *p = pv_pod_alloc(d);
	struct pv_err err = { 0 };

	*st = (struct pv_pod_starting){ .p = p, .o = o, .has_was = was != NULL,
					.confirm = { -1, -1 } };
	snprintf(st->hash, sizeof(st->hash), "%s", hash);
	if (was)
		st->was = *was;
	if (!p)
		return false;
	if (was) { /* the same pod, tried again */
		memcpy(p->uid, was->uid, sizeof(p->uid));
		memcpy(p->created_at, was->created_at, sizeof(p->created_at));
		p->created_wall = was->created_wall;
	} else {
		new_uid(p->uid);
		p->created_wall = time(NULL);
		pv_iso_now(p->created_at, sizeof(p->created_at));
	}
	p->ns = strdup(m->namespace.v);
	p->name = strdup(m->name.v);
	snprintf(p->hash, sizeof(p->hash), "%s", hash);
	if (!p->ns || !p->name || asprintf(&p->dir, "%s/pods/%s", d->state, p->uid) < 0 ||
	    pv_mkdir_p(p->dir, 0700, &err) < 0 || pv_pod_load_spec(p, o, shared, &err) < 0 ||
	    pv_pod_setup_containers(p) < 0 || !(st->host = pv_pod_uts_hostname(p)))
		goto fail;
	st->hostnet = p->spec->spec.host_network.v;
	if (pv_pod_userns(p, true, &st->userns, &err) < 0)
		goto fail;
	pod_cgroup_create(p);
	if (pv_pod_init_ask(st, &err) < 0)
		goto fail;
	return true;
fail:
	start_fail(st, &err);
	starting_done(st);
	return false;
}

void pv_pod_start_end(struct pv_pod_starting *st)
{
	struct pv_prt *p = st->p;
	struct pv_daemon *d = p->d;
	struct pv_err err = { 0 };

	if (pv_pod_init_wait(st, &err) < 0 || pv_pod_watch_init(p) < 0)
		goto fail;
	if (d->network && !st->hostnet && pv_podnet_setup(p, &err) < 0)
		goto fail;
	if (pv_sysctl_apply(p->init_pidfd, p->spec, &err) < 0) /* before any container */
		goto fail;
	pv_pod_set_ip(p);
	if (pv_pod_write_etc(p, st->host) < 0 || pv_pod_save(p) < 0)
		goto fail;
	pv_info("pod %s/%s: starting (uid %s, init pid %d)", p->ns, p->name, p->uid, (int)p->init_pid);
	if (st->userns)
		pv_info("pod %s/%s: in its own user namespace, ids 0-65535 = host ids %u-%u", p->ns,
			p->name, st->userns, st->userns + 65535);
	pv_pod_event(p, false, PV_EV_SCHEDULED, "pod %s/%s created on %s", p->ns, p->name, d->node_name);
	pod_apparmor_warn(p);
	if (pv_pod_volumes_unmounted(p))
		pv_pod_event(p, true, PV_EV_VOLUMES_NOT_MOUNTED, "this podvisor mounts hostPath, emptyDir, "
			  "configMap, secret, downwardAPI, projected and persistentVolumeClaim "
			  "volumes; the containers start without the other %zu",
			  pv_pod_volumes_unmounted(p));
	pv_pod_arm_deadline(p);
	starting_done(st);
	pv_pod_apply(p, PV_PE_START);
	return;
fail:
	start_fail(st, &err);
	starting_done(st);
}

/* ---- stopping ---- */

static void kill_fired(void *data)
{
	pv_pod_apply(data, PV_PE_GRACE_EXPIRED);
}

/* FINISH, once every container ended. */
static void finish_stop(struct pv_prt *p)
{
	struct pv_daemon *d = p->d;
	struct pv_err err = { 0 };

	if (p->init_pidfd >= 0) {
		/* PID 1 leaving ends every process still in the pod. */
		pv_pidfd_signal(p->init_pidfd, SIGKILL);
		return; /* its end comes back as INIT_EXITED */
	}
	if (p->ip)
		pv_podnet_teardown(p);
	pv_info("pod %s/%s: stopped", p->ns, p->name);
	pv_pod_event(p, false, PV_EV_STOPPED, "pod %s/%s stopped", p->ns, p->name);
	pv_pod_volumes_release(p);
	/* the cgroup before the directory: the directory is what a daemon
	 * killed in between finds the pod's remains by */
	pv_pod_cgroup_remove(p);
	if (pv_rm_rf(p->dir, &err) < 0)
		pv_warn("pod %s/%s: %s", p->ns, p->name, err.msg);
	pv_pod_userns_release(p); /* its init is gone: nothing runs with these ids */
	pv_pod_free(p);
	pv_daemon_kick(d);
	pv_services_kick(d);
}

/* STOP: SIGTERM to what runs, nothing starts any more. */
static void stopping(struct pv_prt *p)
{
	int64_t grace = p->spec->spec.termination_grace_period_seconds.v;

	pv_pod_save(p);
	pv_services_kick(p->d); /* a stopping pod is no endpoint */
	pv_info("pod %s/%s: stopping (grace %llds)", p->ns, p->name, (long long)grace);
	each(p, 0, PV_CE_STOP);
	if (all_terminated(p)) {
		finish_stop(p);
		return;
	}
	if (!p->kill_timer) /* FAILING may have made it */
		p->kill_timer = pv_timer_new(p->d->loop, kill_fired, p);
	if (p->kill_timer)
		pv_timer_arm(p->kill_timer, grace * 1000);
}

void pv_pod_stop(struct pv_prt *p, bool for_good)
{
	if (p->unschedulable || p->start_failed) { /* nothing runs: the record goes */
		struct pv_daemon *d = p->d;

		pv_pod_free(p);
		pv_daemon_kick(d);
		pv_services_kick(d);
		return;
	}
	if (!p->leaving && !p->d->quitting && pv_pod_ready(p)) {
		/* an endpoint: out of the Services' rules before it is signalled */
		p->leaving = true;
		pv_services_sync_now(p->d);
	}
	if (for_good)
		p->delete_when_stopped = true;
	pv_pod_apply(p, PV_PE_STOP);
}

/* ---- activeDeadlineSeconds ---- */

static void deadline_fired(void *data)
{
	pv_pod_apply(data, PV_PE_DEADLINE);
}

/* Counted from the pod's start (its creation here, kept across daemon
 * restarts): a timerfd in the loop, never a poll. */
void pv_pod_arm_deadline(struct pv_prt *p)
{
	const struct pv_int *ads = &p->spec->spec.active_deadline_seconds;
	int64_t left_ms;

	if (!ads->set || p->deadline_exceeded)
		return;
	if (!p->deadline && !(p->deadline = pv_timer_new(p->d->loop, deadline_fired, p))) {
		pv_warn("pod %s/%s: no timer for activeDeadlineSeconds", p->ns, p->name);
		return;
	}
	/* At most 2^32 - 1 s (validated), from a wall clock start: no overflow. */
	left_ms = (p->created_wall + ads->v - (int64_t)time(NULL)) * 1000;
	pv_timer_arm(p->deadline, left_ms > 0 ? left_ms : 1);
}

/* DEADLINE: the pod is Failed for good; its containers stop with their
 * grace period and are not restarted. Also when adopted so (the event
 * then said already). */
static void deadline_passed(struct pv_prt *p)
{
	int64_t grace = p->spec->spec.termination_grace_period_seconds.v;

	if (!p->deadline_exceeded) {
		p->deadline_exceeded = true;
		pv_info("pod %s/%s: activeDeadlineSeconds (%llds) exceeded; stopping it", p->ns,
			p->name, (long long)p->spec->spec.active_deadline_seconds.v);
		pv_pod_event(p, true, PV_EV_DEADLINE_EXCEEDED,
			     "Pod was active on the node longer than the specified deadline");
	}
	pv_pod_save(p);
	pv_services_kick(p->d); /* no endpoint any more */
	each(p, 0, PV_CE_STOP);
	if (all_terminated(p)) {
		pv_pod_apply(p, PV_PE_APPS_DONE);
		return;
	}
	if (!p->kill_timer)
		p->kill_timer = pv_timer_new(p->d->loop, kill_fired, p);
	if (p->kill_timer)
		pv_timer_arm(p->kill_timer, grace * 1000);
}

/* SETTLE: a container ended while the pod fails; the last one makes it DONE. */
static void settle_failed(struct pv_prt *p)
{
	if (!all_terminated(p))
		return;
	if (p->kill_timer)
		pv_timer_disarm(p->kill_timer);
	pv_pod_save(p);
	pv_pod_apply(p, PV_PE_APPS_DONE);
}

/* ---- the pod table applied ---- */

static void act(struct pv_prt *p, enum pv_paction a)
{
	switch (a) {
	case PV_PA_START_INIT:
		start_init(p);
		break;
	case PV_PA_NEXT_INIT:
		p->next_init++;
		start_init(p);
		break;
	case PV_PA_START_APPS:
		each(p, p->ninit, PV_CE_START);
		break;
	case PV_PA_RESUME_INIT:
		current_init(p, PV_CE_RESUME);
		break;
	case PV_PA_RESUME_APPS:
		each(p, p->ninit, PV_CE_RESUME);
		break;
	case PV_PA_RETRY_INIT:
		current_init(p, PV_CE_RETRY);
		break;
	case PV_PA_RETRY_APPS:
		each(p, p->ninit, PV_CE_RETRY);
		break;
	case PV_PA_STOP:
		stopping(p);
		break;
	case PV_PA_INIT_DIED:
		pv_pod_event(p, true, PV_EV_POD_INIT_DIED, "the pod's init process died; recreating the pod");
		p->init_pid = 0;
		stopping(p);
		break;
	case PV_PA_KILL:
		each(p, 0, PV_CE_GRACE_EXPIRED);
		pv_pod_event(p, true, PV_EV_KILLING, "grace period over: SIGKILL");
		break;
	case PV_PA_FINISH:
		if (all_terminated(p))
			finish_stop(p);
		break;
	case PV_PA_DEADLINE:
		deadline_passed(p);
		break;
	case PV_PA_SETTLE:
		settle_failed(p);
		break;
	case PV_PA_INVALID:
	case PV_PA_IGNORE:
	case PV_PA_NONE:
	case PV_PA_NACTIONS:
		break;
	}
}

void pv_pod_apply(struct pv_prt *p, enum pv_pevent ev)
{
	struct pv_pstep st = pv_fsm_pod_step(p->state, ev);

	if (st.action == PV_PA_IGNORE)
		return;
	if (st.action == PV_PA_INVALID) {
		pv_warn("pod %s/%s: %s while %s: ignored (a bug)", p->ns, p->name,
			pv_fsm_pevent_name(ev), pv_fsm_pstate_name(p->state));
		return;
	}
	p->state = st.next;
	act(p, st.action); /* may free the pod (a stop finished): the last word here */
}
