/* Containers' probes at run time: liveness, readiness and startup, each
 * with a period timer and, while one runs, a timeout timer, in the
 * daemon's loop. httpGet and tcpSocket connect without blocking to the
 * pod's address (127.0.0.1 for hostNetwork) with the loop watching the
 * socket; exec runs the command inside the container (runtime/execin.h),
 * watched by its pidfd and killed at the timeout. The results are
 * counted by probe.h; what they mean goes to the container: its ready
 * and started flags, and UNHEALTHY through the container table when a
 * liveness or startup probe fails for good. Owns struct pv_probes.
 * Calls: probe, pods (records, events, pv_crt_apply), runtime/execin,
 * services (the kick), core. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/core/log.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/pods/probe.h"
#include "supervisor/runtime/execin.h"
#include "supervisor/services/services.h"

struct pv_probes;

/* One probe of a container: its spec, its timers, the attempt running. */
struct prober {
	struct pv_probes *all;
	enum pv_probe_kind kind;
	const struct pv_probe *spec;
	struct pv_timer *tick;     /* the next attempt */
	struct pv_timer *deadline; /* timeoutSeconds of the one running */
	int64_t began_ms;
	bool busy;
	int fd;                    /* httpGet, tcpSocket: the socket */
	struct pv_execin x;        /* exec: the command */
	struct pv_watch_fd *w;
	bool sent;
	char target[64];           /* "10.0.0.5:80" */
	char buf[1024];            /* the response, or the command's output */
	size_t len;
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

static void attempt_close(struct prober *r)
{
	struct pv_loop *l = r->all->c->pod->d->loop;

	pv_loop_del(l, r->w);
	r->w = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	pv_execin_kill(&r->x);
	if (r->deadline)
		pv_timer_disarm(r->deadline);
	r->busy = false;
	r->sent = false;
	r->len = 0;
}

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

	attempt_close(r);
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
	pv_pod_event(c->pod, false, PV_EV_KILLING, "Container %s failed %s probe, will be restarted",
		     c->spec->name.v, r->kind == PV_PROBE_STARTUP ? "startup" : "liveness");
	pv_crt_apply(c, PV_CE_UNHEALTHY, NULL);
}

static void deadline_fired(void *data)
{
	struct prober *r = data;
	char msg[200];

	if (!r->busy)
		return;
	if (r->spec->exec.hdr.set)
		snprintf(msg, sizeof(msg), "command timed out");
	else if (r->spec->http_get.hdr.set)
		snprintf(msg, sizeof(msg), "Get \"http://%s%s\": context deadline exceeded "
			 "(Client.Timeout exceeded while awaiting headers)", r->target,
			 r->spec->http_get.path.v ? r->spec->http_get.path.v : "/");
	else
		snprintf(msg, sizeof(msg), "dial tcp %s: i/o timeout", r->target);
	attempt_done(r, PV_PROBE_FAILURE, msg);
}

/* ---- exec ---- */

static void exec_ended(void *data, int fd, uint32_t events)
{
	struct prober *r = data;
	ssize_t n;
	int status;
	char msg[1100];

	(void)fd;
	(void)events;
	while (r->x.out >= 0 && r->len < sizeof(r->buf) - 1 &&
	       (n = read(r->x.out, r->buf + r->len, sizeof(r->buf) - 1 - r->len)) > 0)
		r->len += (size_t)n;
	r->buf[r->len] = '\0';
	status = pv_execin_reap(&r->x);
	if (status < 0)
		return; /* not yet */
	while (r->len && (r->buf[r->len - 1] == '\n' || r->buf[r->len - 1] == ' '))
		r->buf[--r->len] = '\0'; /* the event says the output without its last newline */
	if (status == 0) {
		attempt_done(r, PV_PROBE_SUCCESS, "");
		return;
	}
	if (r->len)
		snprintf(msg, sizeof(msg), "%s", r->buf);
	else
		snprintf(msg, sizeof(msg), "command exited with %d", status);
	attempt_done(r, PV_PROBE_FAILURE, msg);
}

static int exec_begin(struct prober *r, char *msg, size_t len)
{
	const pv_strlist *cmd = &r->spec->exec.command;
	struct pv_crt *c = r->all->c;
	struct pv_err err = { 0 };
	char **argv = calloc(cmd->n + 1, sizeof(char *));

	if (!argv)
		return snprintf(msg, len, "out of memory"), -1;
	for (size_t i = 0; i < cmd->n; i++)
		argv[i] = (char *)cmd->items[i].v;
	if (pv_execin_start(c->pid, argv, &r->x, &err) < 0) {
		free(argv);
		return snprintf(msg, len, "%.250s", err.msg), -1;
	}
	free(argv);
	r->w = pv_loop_add(c->pod->d->loop, r->x.pidfd, EPOLLIN, exec_ended, r);
	return r->w ? 0 : (snprintf(msg, len, "cannot watch the command"), -1);
}

/* ---- httpGet, tcpSocket ---- */

/* The port: a number, or the name of one of the container's ports. */
static int port_of(const struct pv_container *s, const struct pv_intstr *p)
{
	if (!p->is_str)
		return (int)p->i;
	for (size_t i = 0; i < s->ports.n; i++)
		if (s->ports.items[i].name.v && strcmp(s->ports.items[i].name.v, p->s) == 0)
			return (int)s->ports.items[i].container_port.v;
	return -1;
}

/* Where to connect: the probe's host, or the pod's address. */
static int address_of(struct prober *r, const struct pv_str *host, const struct pv_intstr *port,
		      struct sockaddr_in *sa, char *msg, size_t len)
{
	const struct pv_prt *p = r->all->c->pod;
	const char *ip = host->v && *host->v ? host->v
			 : p->spec->spec.host_network.v ? "127.0.0.1" : p->ip_str;
	int n = port_of(r->all->c->spec, port);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (n <= 0 || n > 65535)
		return snprintf(msg, len, "unable to find port \"%s\" in the container's ports",
				port->is_str ? port->s : "?"), -1;
	sa->sin_port = htons((uint16_t)n);
	if (!*ip || inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
		return snprintf(msg, len, "no address to probe (\"%s\")", ip), -1;
	snprintf(r->target, sizeof(r->target), "%s:%d", ip, n);
	return 0;
}

static void http_request(struct prober *r)
{
	const struct pv_http_get *h = &r->spec->http_get;
	char req[4096];
	int n;
	bool host = false;

	for (size_t i = 0; i < h->http_headers.n; i++)
		host |= h->http_headers.items[i].name.v &&
			strcasecmp(h->http_headers.items[i].name.v, "Host") == 0;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n", h->path.v && *h->path.v ? h->path.v : "/");
	if (!host)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "Host: %s\r\n", r->target);
	n += snprintf(req + n, sizeof(req) - (size_t)n,
		      "User-Agent: kube-probe/1.30\r\nAccept: */*\r\nConnection: close\r\n");
	for (size_t i = 0; i < h->http_headers.n && n < (int)sizeof(req); i++)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "%s: %s\r\n",
			      h->http_headers.items[i].name.v ? h->http_headers.items[i].name.v : "",
			      h->http_headers.items[i].value.v ? h->http_headers.items[i].value.v : "");
	if (n < (int)sizeof(req) - 2)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	if (n >= (int)sizeof(req))
		n = (int)sizeof(req) - 1;
	if (send(r->fd, req, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		attempt_done(r, PV_PROBE_FAILURE, "cannot send the request");
		return;
	}
	r->sent = true;
	pv_loop_mod(r->all->c->pod->d->loop, r->w, EPOLLIN);
}

/* The status line read: 200-399 succeeds. */
static void http_read(struct prober *r)
{
	ssize_t n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len, MSG_DONTWAIT);
	int code = 0;
	char msg[128];

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		r->len += (size_t)n;
	r->buf[r->len] = '\0';
	if (n > 0 && !strstr(r->buf, "\r\n") && r->len < sizeof(r->buf) - 1)
		return; /* the status line is not complete yet */
	if (sscanf(r->buf, "HTTP/%*d.%*d %d", &code) != 1) {
		attempt_done(r, PV_PROBE_FAILURE, "Get \"http://...\": malformed HTTP response");
		return;
	}
	if (code >= 200 && code < 400) {
		attempt_done(r, PV_PROBE_SUCCESS, "");
		return;
	}
	snprintf(msg, sizeof(msg), "HTTP probe failed with statuscode: %d", code);
	attempt_done(r, PV_PROBE_FAILURE, msg);
}

static void socket_ready(void *data, int fd, uint32_t events)
{
	struct prober *r = data;
	int e = 0;
	socklen_t elen = sizeof(e);
	char msg[256];

	(void)events;
	if (r->sent) {
		http_read(r);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e) {
		if (r->spec->http_get.hdr.set)
			snprintf(msg, sizeof(msg), "Get \"http://%s%s\": dial tcp %s: connect: %s",
				 r->target, r->spec->http_get.path.v ? r->spec->http_get.path.v : "/",
				 r->target, strerror(e));
		else
			snprintf(msg, sizeof(msg), "dial tcp %s: connect: %s", r->target, strerror(e));
		for (char *p = msg; *p; p++) /* Go's messages are lower case */
			if (p > msg && p[-1] == ' ' && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'a')
				*p = (char)(*p - 'A' + 'a');
		attempt_done(r, PV_PROBE_FAILURE, msg);
		return;
	}
	if (!r->spec->http_get.hdr.set) {
		attempt_done(r, PV_PROBE_SUCCESS, "");
		return;
	}
	http_request(r);
}

static int socket_begin(struct prober *r, char *msg, size_t len)
{
	bool http = r->spec->http_get.hdr.set;
	const struct pv_str *host = http ? &r->spec->http_get.host : &r->spec->tcp_socket.host;
	const struct pv_intstr *port = http ? &r->spec->http_get.port : &r->spec->tcp_socket.port;
	struct sockaddr_in sa;

	if (http && r->spec->http_get.scheme.v && strcmp(r->spec->http_get.scheme.v, "HTTP") != 0)
		return snprintf(msg, len, "scheme %s: this podvisor probes plain HTTP only",
				r->spec->http_get.scheme.v), -1;
	if (address_of(r, host, port, &sa, msg, len) < 0)
		return -1;
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return snprintf(msg, len, "socket: %s", strerror(errno)), -1;
	if (connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return snprintf(msg, len, "dial tcp %s: connect: %s", r->target, strerror(errno)), -1;
	r->w = pv_loop_add(r->all->c->pod->d->loop, r->fd, EPOLLOUT, socket_ready, r);
	return r->w ? 0 : (snprintf(msg, len, "cannot watch the socket"), -1);
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

	if (r->busy)
		return;
	if (!pv_probe_due(&all->set, r->kind, ran_s)) {
		/* in its initial delay, held by the startup probe, or on hold */
		pv_timer_arm(r->tick, a->prm.period_s * 1000);
		return;
	}
	r->busy = true;
	r->began_ms = pv_now_ms();
	rc = r->spec->exec.hdr.set ? exec_begin(r, msg, sizeof(msg)) : socket_begin(r, msg, sizeof(msg));
	if (rc < 0) {
		attempt_done(r, PV_PROBE_FAILURE, msg);
		return;
	}
	pv_timer_arm(r->deadline, a->prm.timeout_s * 1000);
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
		attempt_close(r);
		pv_timer_free(r->tick);
		pv_timer_free(r->deadline);
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
	all = calloc(1, sizeof(*all));
	if (!all)
		return;
	all->c = c;
	for (int k = 0; k < PV_PROBE_NKINDS; k++) {
		struct prober *r = &all->pr[k];

		r->all = all;
		r->kind = (enum pv_probe_kind)k;
		r->fd = r->x.pidfd = r->x.out = -1;
		r->spec = spec_of(c, r->kind);
		all->set.has[k] = r->spec != NULL;
		if (r->spec)
			all->set.acct[k].prm = params_of(r->spec);
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
		r->deadline = pv_timer_new(c->pod->d->loop, deadline_fired, r);
		if (r->tick) /* the first at the initial delay, then every period */
			pv_timer_arm(r->tick, all->set.acct[k].prm.initial_delay_s * 1000);
	}
}
