/* A container's handler run once, in the loop: exec in the container,
 * httpGet, tcpSocket (declared in pods_internal.h). Owns struct pv_action:
 * the run's socket, command and timeout timer. Calls: runtime/execin,
 * pods (records), core. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/pods/pods_internal.h"

void pv_action_init(struct pv_action *a, struct pv_crt *c, pv_action_done_fn *done, void *data)
{
	memset(a, 0, sizeof(*a));
	a->c = c;
	a->done = done;
	a->data = data;
	a->fd = a->x.pidfd = a->x.out = -1;
}

void pv_action_cancel(struct pv_action *a)
{
	pv_loop_del(a->c->pod->d->loop, a->w);
	a->w = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	pv_execin_kill(&a->x);
	if (a->deadline)
		pv_timer_disarm(a->deadline);
	a->busy = false;
	a->sent = false;
	a->len = 0;
}

void pv_action_free(struct pv_action *a)
{
	pv_action_cancel(a);
	pv_timer_free(a->deadline);
	a->deadline = NULL;
}

const char *pv_action_url(const struct pv_action *a, char *buf, size_t len)
{
	snprintf(buf, len, "http://%s%s", a->target,
		 a->http && a->http->path.v && *a->http->path.v ? a->http->path.v : "/");
	return buf;
}

/* The run is over: closed first, then said (the callback may free A). */
static void finish(struct pv_action *a, bool ok, int code, const char *msg)
{
	pv_action_cancel(a);
	a->done(a, ok, code, msg);
}

static void deadline_fired(void *data)
{
	struct pv_action *a = data;
	char msg[300], url[200];

	if (!a->busy)
		return;
	if (a->exec)
		snprintf(msg, sizeof(msg), "command timed out");
	else if (a->http)
		snprintf(msg, sizeof(msg), "Get \"%s\": context deadline exceeded "
			 "(Client.Timeout exceeded while awaiting headers)", pv_action_url(a, url, sizeof(url)));
	else
		snprintf(msg, sizeof(msg), "dial tcp %s: i/o timeout", a->target);
	finish(a, false, -1, msg);
}

/* ---- exec ---- */

static void exec_ended(void *data, int fd, uint32_t events)
{
	struct pv_action *a = data;
	char out[sizeof(a->buf)];
	ssize_t n;
	int status;

	(void)fd;
	(void)events;
	while (a->x.out >= 0 && a->len < sizeof(a->buf) - 1 &&
	       (n = read(a->x.out, a->buf + a->len, sizeof(a->buf) - 1 - a->len)) > 0)
		a->len += (size_t)n;
	a->buf[a->len] = '\0';
	status = pv_execin_reap(&a->x);
	if (status < 0)
		return; /* not yet */
	while (a->len && (a->buf[a->len - 1] == '\n' || a->buf[a->len - 1] == ' '))
		a->buf[--a->len] = '\0'; /* the output without its last newline */
	memcpy(out, a->buf, a->len + 1);
	finish(a, status == 0, status, out);
}

static int exec_begin(struct pv_action *a, char *msg, size_t len)
{
	const pv_strlist *cmd = &a->exec->command;
	struct pv_err err = { 0 };
	char **argv = calloc(cmd->n + 1, sizeof(char *));
	char *cdir = pv_container_dir(a->c); /* its seccomp filter */
	int rc;

	if (!argv || !cdir)
		return free(argv), free(cdir), snprintf(msg, len, "out of memory"), -1;
	for (size_t i = 0; i < cmd->n; i++)
		argv[i] = (char *)cmd->items[i].v;
	rc = pv_execin_start_in(a->c->pid, cdir, argv, &a->x, &err);
	free(cdir);
	if (rc < 0) {
		free(argv);
		return snprintf(msg, len, "%.250s", err.msg), -1;
	}
	free(argv);
	a->w = pv_loop_add(a->c->pod->d->loop, a->x.pidfd, EPOLLIN, exec_ended, a);
	return a->w ? 0 : (snprintf(msg, len, "cannot watch the command"), -1);
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

/* Where to connect: the handler's host, or the pod's address. */
static int address_of(struct pv_action *a, const struct pv_str *host, const struct pv_intstr *port,
		      struct sockaddr_in *sa, char *msg, size_t len)
{
	const struct pv_prt *p = a->c->pod;
	const char *ip = host->v && *host->v ? host->v
			 : p->spec->spec.host_network.v ? "127.0.0.1" : p->ip_str;
	int n = port_of(a->c->spec, port);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (n <= 0 || n > 65535)
		return snprintf(msg, len, "unable to find port \"%s\" in the container's ports",
				port->is_str ? port->s : "?"), -1;
	sa->sin_port = htons((uint16_t)n);
	if (!*ip || inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
		return snprintf(msg, len, "no address to reach (\"%s\")", ip), -1;
	snprintf(a->target, sizeof(a->target), "%s:%d", ip, n);
	return 0;
}

static void http_request(struct pv_action *a)
{
	const struct pv_http_get *h = a->http;
	char req[4096];
	int n;
	bool host = false;

	for (size_t i = 0; i < h->http_headers.n; i++)
		host |= h->http_headers.items[i].name.v &&
			strcasecmp(h->http_headers.items[i].name.v, "Host") == 0;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n", h->path.v && *h->path.v ? h->path.v : "/");
	if (!host)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "Host: %s\r\n", a->target);
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
	if (send(a->fd, req, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		finish(a, false, 0, "cannot send the request");
		return;
	}
	a->sent = true;
	pv_loop_mod(a->c->pod->d->loop, a->w, EPOLLIN);
}

/* The status line read. */
static void http_read(struct pv_action *a)
{
	ssize_t n = recv(a->fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len, MSG_DONTWAIT);
	char msg[300], url[200];
	int code = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		a->len += (size_t)n;
	a->buf[a->len] = '\0';
	if (n > 0 && !strstr(a->buf, "\r\n") && a->len < sizeof(a->buf) - 1)
		return; /* the status line is not complete yet */
	if (sscanf(a->buf, "HTTP/%*d.%*d %d", &code) != 1) {
		snprintf(msg, sizeof(msg), "Get \"%s\": malformed HTTP response",
			 pv_action_url(a, url, sizeof(url)));
		finish(a, false, 0, msg);
		return;
	}
	finish(a, true, code, "");
}

static void socket_ready(void *data, int fd, uint32_t events)
{
	struct pv_action *a = data;
	int e = 0;
	socklen_t elen = sizeof(e);
	char msg[400], url[200];

	(void)events;
	if (a->sent) {
		http_read(a);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e) {
		if (a->http)
			snprintf(msg, sizeof(msg), "Get \"%s\": dial tcp %s: connect: %s",
				 pv_action_url(a, url, sizeof(url)), a->target, strerror(e));
		else
			snprintf(msg, sizeof(msg), "dial tcp %s: connect: %s", a->target, strerror(e));
		for (char *p = msg; *p; p++) /* Go's messages are lower case */
			if (p > msg && p[-1] == ' ' && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'a')
				*p = (char)(*p - 'A' + 'a');
		finish(a, false, 0, msg);
		return;
	}
	if (!a->http) {
		finish(a, true, 0, "");
		return;
	}
	http_request(a);
}

static int socket_begin(struct pv_action *a, char *msg, size_t len)
{
	const struct pv_str *host = a->http ? &a->http->host : &a->tcp->host;
	const struct pv_intstr *port = a->http ? &a->http->port : &a->tcp->port;
	struct sockaddr_in sa;

	if (a->http && a->http->scheme.v && strcmp(a->http->scheme.v, "HTTP") != 0)
		return snprintf(msg, len, "scheme %s: this podvisor speaks plain HTTP only",
				a->http->scheme.v), -1;
	if (address_of(a, host, port, &sa, msg, len) < 0)
		return -1;
	a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return snprintf(msg, len, "socket: %s", strerror(errno)), -1;
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return snprintf(msg, len, "dial tcp %s: connect: %s", a->target, strerror(errno)), -1;
	a->w = pv_loop_add(a->c->pod->d->loop, a->fd, EPOLLOUT, socket_ready, a);
	return a->w ? 0 : (snprintf(msg, len, "cannot watch the socket"), -1);
}

int pv_action_start(struct pv_action *a, int64_t timeout_ms, char *msg, size_t len)
{
	int rc;

	pv_action_cancel(a);
	a->busy = true;
	if (a->exec)
		rc = exec_begin(a, msg, len);
	else if (a->http || a->tcp)
		rc = socket_begin(a, msg, len);
	else
		rc = (snprintf(msg, len, "no handler to run"), -1);
	if (rc < 0) {
		pv_action_cancel(a);
		return -1;
	}
	if (timeout_ms > 0 && !a->deadline)
		a->deadline = pv_timer_new(a->c->pod->d->loop, deadline_fired, a);
	if (timeout_ms > 0 && a->deadline)
		pv_timer_arm(a->deadline, timeout_ms);
	return 0;
}
