#include "supervisor/api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "supervisor/api/api_request.h"
#include "supervisor/node/node.h"
#include "supervisor/core/log.h"
#include "supervisor/pods/pods.h"
#include "supervisor/api/config_api.h"
#include "supervisor/api/delete_api.h"
#include "supervisor/api/images_api.h"
#include "supervisor/api/list_meta.h"
#include "supervisor/api/objects_api.h"
#include "supervisor/api/top_api.h"
#include "supervisor/api/version.h"
#include "supervisor/controllers/controllers.h"
#include "supervisor/services/services.h"
#include "supervisor/storage/storage.h"

#define REQ_MAX (64 * 1024)

struct conn;

struct pv_api {
	struct pv_daemon *d;
	int fd;
	struct pv_watch_fd *w;
	char *path;
	struct conn *conns, *conns_tail; /* oldest first */
	int nconns;
	struct pv_timer *timer;          /* the earliest client deadline */
	/* What the pod watchers were last sent: each pod's record as text,
	 * by uid (api_watch_pods); empty while nobody watches pods. */
	struct sent_pod {
		char uid[40];
		char *text;
	} *sent;
	size_t nsent;
};

static int sock_addr(const char *state, struct sockaddr_un *sa, struct pv_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", state, PV_API_SOCKET) >=
	    sizeof(sa->sun_path))
		return pv_err_set(err, ENAMETOOLONG, "state directory path too long for a socket");
	return 0;
}

static struct json_object *event_json(const struct pv_event *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "first", json_object_new_int64(e->first));
	json_object_object_add(o, "at", json_object_new_int64(e->at));
	json_object_object_add(o, "object", json_object_new_string(e->object));
	json_object_object_add(o, "type", json_object_new_string(e->type));
	json_object_object_add(o, "reason", json_object_new_string(e->reason));
	json_object_object_add(o, "message", json_object_new_string(e->message));
	json_object_object_add(o, "count", json_object_new_int(e->count));
	return o;
}

static struct json_object *events_for(struct pv_daemon *d, const char *object)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < d->nevents; i++) {
		size_t k = (d->event_next + PV_EVENTS_MAX - d->nevents + i) % PV_EVENTS_MAX;
		const struct pv_event *e = &d->events[k];

		if (object && strcmp(e->object, object) != 0)
			continue;
		json_object_array_add(a, event_json(e));
	}
	return a;
}

static struct json_object *error_json(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* The Ith item of op_pods: the Ith pod's status (pv_api_each too). */
static struct json_object *pod_item(struct pv_daemon *d, size_t i)
{
	return pv_pod_status_json(d->pods[i]);
}

static struct json_object *op_pods(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < d->npods; i++)
		json_object_array_add(a, pod_item(d, i));
	json_object_object_add(o, "items", a);
	return o;
}

static struct json_object *file_of_pod(struct pv_daemon *d, const char *ns, const char *name)
{
	const struct pv_dfile *f = NULL;
	const struct pv_object *o = pv_desired_get(&d->desired, PV_KIND_POD, ns, name, &f);

	return o && f ? json_object_new_string(f->path) : NULL;
}

/* Which version of the pod's file is in force (desired.h): the file as it
 * is, or its last valid version while it fails. */
static struct json_object *source_of_pod(struct pv_daemon *d, const char *ns, const char *name)
{
	const struct pv_dfile *f = NULL;
	char src[1024];

	if (!pv_desired_get(&d->desired, PV_KIND_POD, ns, name, &f) || !f)
		return NULL;
	pv_dfile_source(f, src, sizeof(src));
	return json_object_new_string(src);
}

/* A pod, with its events and the load errors of its file. */
static struct json_object *op_pod(struct pv_daemon *d, const char *ns, const char *name)
{
	struct pv_prt *p = name ? pv_pods_find(d, ns, name) : NULL;
	struct json_object *o, *file;
	char obj[600];

	if (!p)
		for (size_t i = 0; name && i < d->npods; i++)
			if (strcmp(d->pods[i]->ns, ns) == 0 && strcmp(d->pods[i]->name, name) == 0)
				p = d->pods[i];
	if (!p) {
		char msg[600];

		snprintf(msg, sizeof(msg), "pod \"%s\" not found in namespace \"%s\"", name ?: "", ns);
		return error_json(msg);
	}
	o = pv_pod_status_json(p);
	snprintf(obj, sizeof(obj), "pod/%s/%s", ns, name);
	json_object_object_add(o, "events", events_for(d, obj));
	json_object_object_add(o, "dir", json_object_new_string(p->dir));
	file = file_of_pod(d, ns, name);
	if (file) {
		char fobj[4200];

		snprintf(fobj, sizeof(fobj), "file:%s", json_object_get_string(file));
		json_object_object_add(o, "fileEvents", events_for(d, fobj));
		json_object_object_add(o, "file", file);
		json_object_object_add(o, "fileSource", source_of_pod(d, ns, name));
	}
	return o;
}

static struct json_object *op_files(struct pv_daemon *d)
{
	struct json_object *a = json_object_new_array(), *o = json_object_new_object();

	for (size_t i = 0; i < d->desired.n; i++) {
		const struct pv_dfile *f = d->desired.files[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "path", json_object_new_string(f->path));
		json_object_object_add(e, "objects",
				       json_object_new_int64(f->good ? (int64_t)f->good->nobjects : 0));
		json_object_object_add(e, "failed", json_object_new_boolean(f->failed != NULL));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "items", a);
	return o;
}

/* OBJECT as the events name it: "file/NAME" (NAME relative to the
 * manifests directory, as the issue tracker and kubectl users say it) is
 * "file:DIR/NAME"; anything else as it is. */
static const char *event_object(const struct pv_daemon *d, const char *object, char *buf, size_t len)
{
	if (!object || strncmp(object, "file/", 5) != 0)
		return object;
	snprintf(buf, len, "file:%s/%s", d->manifests, object + 5);
	return buf;
}

static struct json_object *op_events(struct pv_daemon *d, const char *object)
{
	struct json_object *o = json_object_new_object();
	char buf[4200];

	json_object_object_add(o, "items", events_for(d, event_object(d, object, buf, sizeof(buf))));
	return o;
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *workload_json(const struct pv_daemon *d,
					 const struct pv_workload_status *s, const char *name,
					 bool rs)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(rs ? "ReplicaSet" : s->kind));
	json_object_object_add(o, "namespace", json_object_new_string(s->ns));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "owner", json_object_new_string(rs && s->hash[0] ? s->source : ""));
	if (s->hash[0])
		json_object_object_add(o, "podTemplateHash", json_object_new_string(s->hash));
	add_int(o, "replicas", s->replicas);
	add_int(o, "current", rs ? s->updated : s->current);
	add_int(o, "ready", rs ? s->updated_ready : s->ready);
	add_int(o, "updated", s->updated);
	add_int(o, "available", rs ? s->updated_ready : s->available);
	add_int(o, "created", s->created);
	if (s->info && !rs) {
		json_object_object_foreach(s->info, k, v)
			json_object_object_add(o, k, json_object_get(v));
	}
	pv_list_meta_workload(d, s->kind, s->ns, s->name, rs ? s->hash : NULL, o);
	return o;
}

/* The answer's array for workloads of KIND: "deployments", ... */
static const char *const workload_arrays[][2] = {
	{ "Deployment", "deployments" }, { "ReplicaSet", "replicasets" },
	{ "StatefulSet", "statefulsets" }, { "DaemonSet", "daemonsets" },
	{ "Job", "jobs" },               { "CronJob", "cronjobs" },
};
#define N_WORKLOAD_ARRAYS (sizeof(workload_arrays) / sizeof(workload_arrays[0]))

/* Every workload, by kind; and each Deployment's current ReplicaSet
 * (NAME-HASH) among the standalone ones. */
static struct json_object *op_workloads(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr[N_WORKLOAD_ARRAYS];
	const struct pv_workload_status *st;
	size_t n;

	pv_controllers_observe(d);
	st = pv_controllers_status(d, &n);
	for (size_t k = 0; k < N_WORKLOAD_ARRAYS; k++) {
		arr[k] = json_object_new_array();
		json_object_object_add(o, workload_arrays[k][1], arr[k]);
	}
	for (size_t i = 0; i < n; i++) {
		char name[600];

		for (size_t k = 0; k < N_WORKLOAD_ARRAYS; k++)
			if (!strcmp(st[i].kind, workload_arrays[k][0]))
				json_object_array_add(arr[k], workload_json(d, &st[i], st[i].name, false));
		if (strcmp(st[i].kind, "Deployment") != 0)
			continue;
		snprintf(name, sizeof(name), "%s-%s", st[i].name, st[i].hash);
		json_object_array_add(arr[1], workload_json(d, &st[i], name, true));
	}
	return o;
}

/* A Deployment's rollout: what `podvisor rollout` reads. */
static struct json_object *op_rollout(struct pv_daemon *d, const char *ns, const char *name)
{
	struct json_object *o = name ? pv_controllers_rollout_json(d, ns, name) : NULL;
	char msg[600];

	if (o)
		return o;
	snprintf(msg, sizeof(msg), "deployments.apps \"%s\" not found in namespace \"%s\"",
		 name ?: "", ns);
	return error_json(msg);
}

/* ANSWER with each item of its array KEY labelled as its manifest is. */
static struct json_object *with_labels(const struct pv_daemon *d, struct json_object *answer,
				       const char *key, enum pv_kind k, bool cluster)
{
	pv_list_meta_labels(d, k, cluster, json_object_object_get(answer, key));
	return answer;
}

static struct json_object *handle(struct pv_daemon *d, const struct pv_api_request *r)
{
	switch (r->op) {
	case PV_API_PODS:
		return op_pods(d);
	case PV_API_POD:
		return op_pod(d, r->ns, r->name);
	case PV_API_FILES:
		return op_files(d);
	case PV_API_SERVICES:
		return with_labels(d, pv_services_json(d), "items", PV_KIND_SERVICE, false);
	case PV_API_STORAGE:
		return with_labels(d, pv_storage_json(d), "volumes", PV_KIND_PV, true);
	case PV_API_CONFIG:
		return pv_config_json(d);
	case PV_API_EVENTS:
		return op_events(d, r->object);
	case PV_API_WORKLOADS:
		return op_workloads(d);
	case PV_API_DELETE_POD:
		return pv_api_delete_pod(d, r->ns, r->name);
	case PV_API_ROLLOUT:
		return op_rollout(d, r->ns, r->name);
	case PV_API_VERSION:
		return pv_version_json();
	case PV_API_TOP:
		return pv_api_top(d);
	case PV_API_IMAGES:
		return pv_api_images_in_use(d);
	case PV_API_WATCH: /* the list; the connection then streams (conn_answer) */
		if (r->kind && !strcmp(r->kind, "pods"))
			return op_pods(d);
		if (r->kind && !strcmp(r->kind, "events"))
			return op_events(d, r->object);
		return error_json("watch: kind must be pods or events");
	}
	return error_json("unknown op");
}

struct json_object *pv_api_handle(struct pv_daemon *d, const char *text)
{
	struct pv_api_request req = { 0 };
	struct pv_err err = { 0 };
	struct json_object *resp;

	resp = pv_api_request_parse(text, &req, &err) == 0 ? handle(d, &req) : error_json(err.msg);
	if (req.json && req.full)
		pv_api_add_objects(d, req.op, resp);
	pv_api_request_clear(&req);
	return resp;
}

/* A new object with IT's members (shared): an answer may hold a module's
 * own items (storage's), which the objects added here must not reach. */
static struct json_object *item_copy(struct json_object *it)
{
	struct json_object *c;

	if (!json_object_is_type(it, json_type_object))
		return json_object_get(it);
	c = json_object_new_object();
	json_object_object_foreach(it, k, v)
		json_object_object_add(c, k, json_object_get(v));
	return c;
}

/* Each item of ITEMS, ARRAY of the answer, with its objects, to FN: one
 * item's objects at a time. */
static void each_of(struct pv_api_objects *x, const char *array, struct json_object *items,
		    void (*fn)(void *, const char *, size_t, struct json_object *), void *data)
{
	for (size_t i = 0; json_object_is_type(items, json_type_array) &&
			   i < json_object_array_length(items); i++) {
		struct json_object *it = item_copy(json_object_array_get_idx(items, i));

		pv_api_objects_add(x, array, i, it);
		fn(data, array, i, it);
		json_object_put(it);
	}
}

void pv_api_each(struct pv_daemon *d, enum pv_api_op op,
		 bool (*fresh)(void *data, struct json_object *it, const char *spec_hash),
		 void (*fn)(void *data, const char *array, size_t i, struct json_object *it),
		 void *data)
{
	struct pv_api_objects *x = pv_api_objects_new(d, op);
	struct json_object *resp = NULL;

	if (op == PV_API_PODS) {
		for (size_t i = 0; i < d->npods; i++) {
			struct json_object *it = pod_item(d, i);

			if (fresh && fresh(data, it, d->pods[i]->hash)) {
				json_object_put(it);
				continue;
			}
			pv_api_objects_add(x, "items", i, it);
			fn(data, "items", i, it);
			json_object_put(it);
		}
	} else {
		resp = handle(d, &(struct pv_api_request){ .op = op, .ns = "default" });
		json_object_object_foreach(resp, array, items)
			each_of(x, array, items, fn, data);
	}
	json_object_put(resp);
	pv_api_objects_free(x);
}

/* ---- connections: each a small state machine in the loop ----
 *
 * READING: bytes are gathered until a newline (the whole request); a
 * client that sends nothing whole within IDLE_MS is dropped. WRITING: the
 * answer goes out as fast as the client takes it; one that stops taking
 * it for WRITE_MS is dropped. Nothing ever blocks the loop on a client,
 * and past CONN_MAX connections the oldest goes.
 *
 * A watch ("op": "watch") is answered with the list, and then the
 * connection stays: each change is one more line ({"type": "ADDED" |
 * "MODIFIED" | "DELETED", "object": ...}), sent as the client takes it.
 * A watcher that lets WATCH_MAX bytes pile up is dropped. */

#define CONN_MAX 256
#define IDLE_MS 5000
#define WRITE_MS 10000
#define WATCH_MAX (4 << 20)

enum conn_state { CONN_READING, CONN_WRITING };
enum conn_watch { WATCH_NONE, WATCH_PODS, WATCH_EVENTS };

struct conn {
	struct pv_api *a;
	int fd;
	struct pv_watch_fd *w;
	enum conn_state state;
	char *buf;            /* READING: the request so far; WRITING: the answer */
	size_t len, off;      /* bytes in BUF; WRITING: bytes already sent */
	int64_t deadline;     /* monotonic ms */
	bool too_large;       /* the request passed REQ_MAX: answered with an error */
	enum conn_watch watch; /* set: streams changes once the list is sent */
	char *watch_object;   /* events: only this object's, or NULL */
	struct conn *prev, *next; /* oldest first */
};

static void conn_close(struct conn *c)
{
	struct pv_api *a = c->a;

	pv_loop_del(a->d->loop, c->w);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		a->conns_tail = c->prev;
	a->nconns--;
	free(c->watch_object);
	free(c->buf);
	free(c);
}

/* The timer stands at the earliest deadline while there are clients. */
static void deadlines_arm(struct pv_api *a)
{
	int64_t first = 0;

	for (struct conn *c = a->conns; c; c = c->next)
		if (c->deadline && (!first || c->deadline < first))
			first = c->deadline;
	if (first)
		pv_timer_arm(a->timer, first > pv_now_ms() ? first - pv_now_ms() : 0);
	else
		pv_timer_disarm(a->timer);
}

static void deadlines_fired(void *data)
{
	struct pv_api *a = data;
	int64_t now = pv_now_ms();

	for (struct conn *c = a->conns, *next; c; c = next) {
		next = c->next;
		if (c->deadline && c->deadline <= now) {
			pv_debug("api: a client %s; dropped", c->state == CONN_READING ?
				 "sent no whole request in time" : "stopped reading its answer");
			conn_close(c);
		}
	}
	deadlines_arm(a);
}

/* Send what the client will take now; closes C once all is sent. */
static void conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		c->off += (size_t)n;
		c->deadline = pv_now_ms() + WRITE_MS; /* it is reading: more time */
	}
	if (c->watch && c->off == c->len) { /* all sent: wait for the next change */
		c->len = c->off = 0;
		c->deadline = 0;
		if (pv_loop_mod(c->a->d->loop, c->w, EPOLLIN) == 0)
			return;
	}
	conn_close(c);
}

/* One more line for a watcher C; dropped when it lets too much pile up. */
static void conn_push(struct conn *c, const char *line, size_t n)
{
	char *b;

	if (c->len - c->off + n + 1 > WATCH_MAX) {
		pv_debug("api: a watcher stopped reading (%zu bytes waiting); dropped", c->len - c->off);
		conn_close(c);
		return;
	}
	if (!(b = realloc(c->buf, c->len + n + 1))) {
		conn_close(c);
		return;
	}
	c->buf = b;
	memcpy(b + c->len, line, n);
	b[c->len + n] = '\n';
	c->len += n + 1;
	if (c->deadline)
		return; /* already waiting for the client to take more */
	c->deadline = pv_now_ms() + WRITE_MS;
	if (pv_loop_mod(c->a->d->loop, c->w, EPOLLOUT | EPOLLIN) < 0) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

/* {"type": TYPE, "object": O} to every watcher of KIND (O is taken). */
static void broadcast(struct pv_api *a, enum conn_watch kind, const char *type,
		      struct json_object *o, const char *object_name)
{
	struct json_object *msg = json_object_new_object();
	const char *text;

	json_object_object_add(msg, "type", json_object_new_string(type));
	json_object_object_add(msg, "object", o);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	for (struct conn *c = a->conns, *next; c; c = next) {
		next = c->next;
		if (c->watch == kind && (!c->watch_object || !object_name ||
					 !strcmp(c->watch_object, object_name)))
			conn_push(c, text, strlen(text));
	}
	json_object_put(msg);
	deadlines_arm(a);
}

static bool watched(const struct pv_api *a, enum conn_watch kind)
{
	for (const struct conn *c = a->conns; c; c = c->next)
		if (c->watch == kind)
			return true;
	return false;
}

static void event_hook(struct pv_daemon *d, const struct pv_event *e)
{
	struct pv_api *a = d->event_hook_data;
	struct json_object *o;

	if (!a || !watched(a, WATCH_EVENTS))
		return;
	o = event_json(e);
	broadcast(a, WATCH_EVENTS, e->count > 1 ? "MODIFIED" : "ADDED", o, e->object);
}

static void sent_clear(struct pv_api *a)
{
	for (size_t i = 0; i < a->nsent; i++)
		free(a->sent[i].text);
	free(a->sent);
	a->sent = NULL;
	a->nsent = 0;
}

/* The pods whose record changed since the pod watchers were last sent
 * them, sent now (SEND) and remembered: after every batch of the loop's
 * events, while somebody watches pods. A pod gone is DELETED with the
 * record last sent. */
static void watch_pods(struct pv_api *a, bool send)
{
	struct pv_daemon *d = a->d;
	struct sent_pod *now = d->npods ? calloc(d->npods, sizeof(*now)) : NULL;
	size_t n = 0;

	if (d->npods && !now)
		return;
	for (size_t i = 0; i < d->npods; i++) {
		struct json_object *o = pv_pod_status_json(d->pods[i]);
		const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		const struct sent_pod *was = NULL;

		for (size_t j = 0; j < a->nsent && !was; j++)
			if (!strcmp(a->sent[j].uid, d->pods[i]->uid))
				was = &a->sent[j];
		snprintf(now[n].uid, sizeof(now[n].uid), "%s", d->pods[i]->uid);
		if (!(now[n].text = strdup(text))) {
			json_object_put(o);
			continue;
		}
		n++;
		if (send && (!was || strcmp(was->text, text) != 0))
			broadcast(a, WATCH_PODS, was ? "MODIFIED" : "ADDED", o, NULL);
		else
			json_object_put(o);
	}
	for (size_t j = 0; send && j < a->nsent; j++) {
		bool there = false;

		for (size_t i = 0; i < n && !there; i++)
			there = !strcmp(now[i].uid, a->sent[j].uid);
		if (!there)
			broadcast(a, WATCH_PODS, "DELETED", json_tokener_parse(a->sent[j].text), NULL);
	}
	sent_clear(a);
	a->sent = now;
	a->nsent = n;
}

static void after_batch(void *data)
{
	struct pv_api *a = data;

	if (watched(a, WATCH_PODS))
		watch_pods(a, true);
	else if (a->nsent)
		sent_clear(a);
}

static void conn_answer(struct conn *c, size_t reqlen)
{
	struct json_object *resp;
	const char *out;
	char *buf;
	size_t n;

	c->buf[reqlen] = '\0'; /* the buffer has room for it */
	if (!c->too_large) {
		struct pv_api_request r;
		struct pv_err err = { 0 };

		if (pv_api_request_parse(c->buf, &r, &err) == 0 && r.op == PV_API_WATCH && r.kind) {
			if (!strcmp(r.kind, "pods")) {
				watch_pods(c->a, watched(c->a, WATCH_PODS)); /* current: the list is */
				c->watch = WATCH_PODS;
			} else if (!strcmp(r.kind, "events")) {
				char ob[4200];
				const char *obj = event_object(c->a->d, r.object, ob, sizeof(ob));

				c->watch = WATCH_EVENTS;
				c->watch_object = obj ? strdup(obj) : NULL;
			}
		}
		pv_api_request_clear(&r);
	}
	resp = c->too_large ? error_json("request too large (64 KiB at most)")
			    : pv_api_handle(c->a->d, c->buf);
	out = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
	n = strlen(out);
	buf = malloc(n + 1);

	free(c->buf);
	c->buf = buf;
	if (buf) {
		memcpy(buf, out, n);
		buf[n] = '\n';
	}
	json_object_put(resp);
	if (!buf) {
		conn_close(c);
		return;
	}
	c->len = n + 1;
	c->off = 0;
	c->state = CONN_WRITING;
	c->deadline = pv_now_ms() + WRITE_MS;
	if (pv_loop_mod(c->a->d->loop, c->w, EPOLLOUT) < 0) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (c->len == REQ_MAX) { /* too large: read on to its end, keep nothing */
			c->too_large = true;
			c->len = 0;
		}
		n = recv(c->fd, c->buf + c->len, REQ_MAX - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0 && c->len) { /* a request without its newline, then EOF */
			conn_answer(c, c->len);
			return;
		}
		if (n <= 0) {
			conn_close(c);
			return;
		}
		nl = memchr(c->buf + c->len, '\n', (size_t)n);
		c->len += (size_t)n;
		if (nl) {
			conn_answer(c, (size_t)(nl - c->buf));
			return;
		}
	}
}

static void on_conn(void *data, int fd, uint32_t events)
{
	struct conn *c = data;
	struct pv_api *a = c->a;

	(void)fd;
	if (c->state == CONN_WRITING && c->watch && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		char b[256];
		ssize_t n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c); /* the watcher went */
			deadlines_arm(a);
			return;
		}
		if (!(events & EPOLLOUT)) {
			deadlines_arm(a);
			return;
		}
	}
	if (c->state == CONN_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		conn_read(c);
	else if (c->state == CONN_WRITING && (events & (EPOLLERR | EPOLLHUP)))
		conn_close(c);
	else if (c->state == CONN_WRITING)
		conn_flush(c);
	deadlines_arm(a);
}

static void conn_new(struct pv_api *a, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (a->nconns >= CONN_MAX) { /* the oldest makes room */
		pv_debug("api: %d clients at once; dropping the oldest", CONN_MAX);
		conn_close(a->conns);
	}
	if (!c || !(c->buf = malloc(REQ_MAX + 1))) {
		free(c);
		close(fd);
		return;
	}
	c->a = a;
	c->fd = fd;
	c->state = CONN_READING;
	c->deadline = pv_now_ms() + IDLE_MS;
	c->w = pv_loop_add(a->d->loop, fd, EPOLLIN, on_conn, c);
	if (!c->w) {
		free(c->buf);
		free(c);
		close(fd);
		return;
	}
	c->prev = a->conns_tail;
	if (a->conns_tail)
		a->conns_tail->next = c;
	else
		a->conns = c;
	a->conns_tail = c;
	a->nconns++;
}

static void on_accept(void *data, int fd, uint32_t events)
{
	struct pv_api *a = data;
	int c;

	(void)events;
	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		conn_new(a, c);
	deadlines_arm(a);
}

struct pv_api *pv_api_new(struct pv_daemon *d, struct pv_err *err)
{
	struct pv_api *a = calloc(1, sizeof(*a));
	struct sockaddr_un sa;
	mode_t old;

	if (!a)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	a->d = d;
	a->fd = -1;
	if (!(a->timer = pv_timer_new(d->loop, deadlines_fired, a))) {
		pv_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	d->event_hook = event_hook; /* the watchers of events and pods */
	d->event_hook_data = a;
	pv_loop_after(d->loop, after_batch, a);
	if (sock_addr(d->state, &sa, err) < 0 || !(a->path = strdup(sa.sun_path)))
		goto fail;
	unlink(sa.sun_path);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	old = umask(077);
	if (a->fd < 0 || bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		pv_err_sys(err, errno, "%s", sa.sun_path);
		goto fail;
	}
	umask(old);
	chmod(sa.sun_path, 0600);
	if (listen(a->fd, 64) < 0 || !(a->w = pv_loop_add(d->loop, a->fd, EPOLLIN, on_accept, a))) {
		pv_err_sys(err, errno, "%s", sa.sun_path);
		goto fail;
	}
	return a;
fail:
	pv_api_free(a);
	return NULL;
}

void pv_api_free(struct pv_api *a)
{
	if (!a)
		return;
	while (a->conns)
		conn_close(a->conns);
	if (a->d->event_hook_data == a) {
		a->d->event_hook = NULL;
		a->d->event_hook_data = NULL;
		pv_loop_after(a->d->loop, NULL, NULL);
	}
	sent_clear(a);
	if (a->timer)
		pv_timer_free(a->timer);
	if (a->w)
		pv_loop_del(a->d->loop, a->w);
	if (a->fd >= 0)
		close(a->fd);
	if (a->path)
		unlink(a->path);
	free(a->path);
	free(a);
}

int pv_api_open(const char *state, struct json_object *req, struct pv_err *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	struct sockaddr_un sa;

	if (sock_addr(state, &sa, err) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		pv_err_sys(err, errno, "cannot reach the daemon at %s (is 'podvisor daemon "
			   "--state %s' running?)", sa.sun_path, state);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* One request line, sent without SIGPIPE: a daemon that answers and
	 * closes before reading all of it must not kill the command. */
	for (size_t len = strlen(s) + 1, off = 0; off < len;) {
		ssize_t n = off < len - 1 ? send(fd, s + off, len - 1 - off, MSG_NOSIGNAL)
				  : send(fd, "\n", 1, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* its answer, if any, is read by the caller */
		off += (size_t)n;
	}
	return fd;
}

struct json_object *pv_api_call(const char *state, struct json_object *req, struct pv_err *err)
{
	cleanup_close int fd = pv_api_open(state, req, err);
	cleanup_free char *buf = NULL;
	size_t got = 0, cap = 0;
	struct json_object *resp;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (got + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb)
				return pv_err_set(err, ENOMEM, "out of memory"), NULL;
			buf = nb;
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (!buf)
		return pv_err_set(err, EIO, "the daemon closed the connection"), NULL;
	buf[got] = '\0';
	resp = json_tokener_parse(buf);
	if (!resp)
		pv_err_set(err, EIO, "the daemon's answer is not JSON");
	return resp;
}
