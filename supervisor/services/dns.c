/* Cluster DNS for pods: a small UDP and TCP server on the bridge address, in the
 * daemon's event loop. Names in the cluster zone are answered from the
 * Services and pods the daemon knows (netrules/dnsmsg.c does the wire
 * format through ldns); every other query is relayed, as it is but for
 * its ID, to the node's upstream resolver, and its answer relayed back.
 * A reply from upstream is taken only for the query it answers: the same
 * random ID, from where the query went, for the same question; anything
 * else is dropped. */
#include "supervisor/services/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "netrules/dnsmsg.h"
#include "supervisor/node/node.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/node/pod.h"
#include "supervisor/services/services.h"

#define PENDING 1024          /* queries relayed and not yet answered */
#define PENDING_TTL_MS 5000
#define MSG_MAX 4096
#define TCP_MAX 64            /* open TCP connections at once */

struct client;
struct tcpconn;

struct pending {
	struct client {
		struct sockaddr_in addr;
		struct tcpconn *conn;
	} client;
	uint16_t id;              /* the client's */
	struct pv_dns_sent sent;  /* what went upstream, under an ID of ours */
	int64_t at;               /* when it went; 0: free */
	uint8_t *cname;           /* an ExternalName's CNAME reply, to complete */
	size_t cname_len;
};

struct pv_dns {
	struct pv_daemon *d;
	int fd, up_fd, tcp_fd;
	struct pv_watch_fd *w, *up_w, *tcp_w;
	struct tcpconn *conns;    /* newest first */
	size_t nconns;
	struct sockaddr_in upstream;
	bool have_upstream;
	struct pending pending[PENDING];
	char address[INET_ADDRSTRLEN];
};

static bool live(const struct pending *p, int64_t now)
{
	return p->at && now - p->at <= PENDING_TTL_MS;
}

static void pending_clear(struct pending *p)
{
	free(p->cname);
	memset(p, 0, sizeof(*p));
}

/* ---- names ---- */

/* "a.b.c" minus the suffix ".SUFFIX": copies the rest into OUT. */
static bool strip(const char *name, const char *suffix, char *out, size_t len)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n <= s + 1 || name[n - s - 1] != '.' || strcmp(name + n - s, suffix) != 0 ||
	    n - s - 1 >= len)
		return false;
	memcpy(out, name, n - s - 1);
	out[n - s - 1] = '\0';
	return true;
}

static const struct pv_svc_view *find_view(struct pv_daemon *d, const char *ns, const char *name)
{
	size_t n;
	const struct pv_svc_view *v = pv_services_views(d, &n);

	for (size_t i = 0; i < n; i++)
		if (v[i].ns && strcmp(v[i].ns, ns) == 0 && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static int service_answer(const struct pv_svc_view *v, struct pv_dns_answer *ans)
{
	if (v->external_name && strcmp(v->type, "ExternalName") == 0) {
		snprintf(ans->cname, sizeof(ans->cname), "%s", v->external_name);
		return 1;
	}
	if (v->headless) {
		/* Every ready pod, as Kubernetes' headless records. */
		for (size_t i = 0; i < v->npod_ips && ans->na < PV_DNS_MAX_A; i++)
			ans->a[ans->na++] = v->pod_ips[i];
		return 1;
	}
	if (!v->svc.cluster_ip)
		return 0;
	ans->a[ans->na++] = v->svc.cluster_ip;
	return 1;
}

/* HOST.SUBDOMAIN.NS: a pod with spec.hostname and spec.subdomain, when a
 * headless Service named SUBDOMAIN exists (as Kubernetes requires). */
static int pod_answer(struct pv_daemon *d, const char *host, const char *sub, const char *ns,
		      struct pv_dns_answer *ans)
{
	const struct pv_svc_view *v = find_view(d, ns, sub);
	struct pv_pod_view p;

	if (!v || !v->headless)
		return 0;
	for (size_t it = 0; pv_pod_view_next(d, &it, &p);) {
		const char *h = p.spec->spec.hostname.v, *s = p.spec->spec.subdomain.v;

		if (h && s && strcmp(h, host) == 0 && strcmp(s, sub) == 0 &&
		    strcmp(p.ns, ns) == 0 && p.ready) {
			ans->a[ans->na++] = p.address;
			return 1;
		}
	}
	return 0;
}

/* NS.svc.ZONE exists when namespace NS has a Service or a pod. */
static bool namespace_known(struct pv_daemon *d, const char *ns)
{
	size_t n;
	const struct pv_svc_view *v = pv_services_views(d, &n);

	for (size_t i = 0; i < n; i++)
		if (v[i].ns && strcmp(v[i].ns, ns) == 0)
			return true;
	struct pv_pod_view p;

	for (size_t it = 0; pv_pod_view_next(d, &it, &p);)
		if (strcmp(p.ns, ns) == 0)
			return true;
	return false;
}

/* REST of REST.svc.ZONE: NS, SVC.NS or HOST.SUB.NS. */
static int svc_lookup(struct pv_dns *s, char *rest, struct pv_dns_answer *ans)
{
	char *b, *c;
	const struct pv_svc_view *v;

	if (!(b = strchr(rest, '.')))
		return namespace_known(s->d, rest);
	*b++ = '\0';
	if (!(c = strchr(b, '.')))
		return (v = find_view(s->d, b, rest)) ? service_answer(v, ans) : 0;
	*c++ = '\0';
	return strchr(c, '.') ? 0 : pod_answer(s->d, rest, b, c, ans);
}

/* REST of REST.pod.ZONE: 10-88-0-2.NS. */
static int pod_ip_lookup(char *rest, struct pv_dns_answer *ans)
{
	char *b = strchr(rest, '.');
	struct in_addr ip;

	if (!b || strchr(b + 1, '.'))
		return 0;
	*b = '\0';
	for (char *p = rest; *p; p++)
		*p = *p == '-' ? '.' : *p;
	if (inet_pton(AF_INET, rest, &ip) != 1)
		return 0;
	ans->a[ans->na++] = ntohl(ip.s_addr);
	return 1;
}

/* The zone itself, svc.ZONE and pod.ZONE exist, with no records of their
 * own: NOERROR and no answer, as CoreDNS says. An NXDOMAIN would tell a
 * resolver that no name below them exists either (RFC 8020). */
static int lookup(void *data, const char *name, struct pv_dns_answer *ans)
{
	struct pv_dns *s = data;
	const char *zone = s->d->cluster_domain;
	char rest[300], svc[300], pod[300];

	snprintf(svc, sizeof(svc), "svc.%s", zone);
	snprintf(pod, sizeof(pod), "pod.%s", zone);
	if (strcmp(name, zone) == 0 || strcmp(name, svc) == 0 || strcmp(name, pod) == 0)
		return 1;
	if (strip(name, svc, rest, sizeof(rest)))
		return svc_lookup(s, rest, ans);
	if (strip(name, pod, rest, sizeof(rest)))
		return pod_ip_lookup(rest, ans);
	return 0;
}

/* ---- answering ---- */

struct tcpconn {
	struct pv_dns *s;
	int fd;
	struct pv_watch_fd *w;
	uint8_t buf[2 + MSG_MAX];
	size_t have;
	bool broken;              /* a reply could not go, or a query was bad: close it */
	struct tcpconn *next;
};

static void conn_close(struct tcpconn *c)
{
	struct pv_dns *s = c->s;

	for (size_t i = 0; i < PENDING; i++)
		if (s->pending[i].client.conn == c)
			pending_clear(&s->pending[i]);
	for (struct tcpconn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nconns--;
	pv_loop_del(s->d->loop, c->w);
	close(c->fd);
	free(c);
}

/* Over TCP the reply is length-prefixed, and the connection stays open
 * for more queries (RFC 7766). One that cannot take the whole reply now
 * is marked broken, and closed by whoever holds it last (never here:
 * callers still use it). */
static void reply(struct pv_dns *s, const struct client *to, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = { { hdr, 2 }, { (void *)msg, len } };

	if (!to->conn) {
		sendto(s->fd, msg, len, 0, (const struct sockaddr *)&to->addr, sizeof(to->addr));
		return;
	}
	if (len > 0xFFFF || writev(to->conn->fd, iov, 2) != (ssize_t)(2 + len)) {
		pv_debug("dns: tcp reply: %s", len > 0xFFFF ? "too long" : strerror(errno));
		to->conn->broken = true;
	}
}

/* A free slot, or one whose query is too old to be answered; NULL when
 * every slot is busy. */
static struct pending *slot(struct pv_dns *s, int64_t now)
{
	for (size_t i = 0; i < PENDING; i++) {
		struct pending *p = &s->pending[i];

		if (!live(p, now)) {
			pending_clear(p);
			return p;
		}
	}
	return NULL;
}

/* A random ID that no live query to the upstream uses: a reply can only
 * be taken for its own query, and an ID cannot be guessed from the last. */
static int fresh_id(struct pv_dns *s, int64_t now, uint16_t *id)
{
	for (int tries = 0; tries < 8; tries++) {
		bool used = false;

		if (getrandom(id, sizeof(*id), GRND_NONBLOCK) != sizeof(*id))
			return -1;
		for (size_t i = 0; i < PENDING && !used; i++)
			used = live(&s->pending[i], now) && s->pending[i].sent.q.id == *id;
		if (!used)
			return 0;
	}
	return -1;
}

/* Send MSG (a query) upstream under a fresh ID, remembered in a slot with
 * its question, for FROM; NULL when it cannot go (the client retries). */
static struct pending *send_up(struct pv_dns *s, uint8_t *msg, size_t len, const struct client *from)
{
	int64_t now = pv_now_ms();
	struct pending *p;
	uint16_t id;

	if (!s->have_upstream || !(p = slot(s, now)) || fresh_id(s, now, &id) < 0)
		return NULL;
	msg[0] = (uint8_t)(id >> 8);
	msg[1] = (uint8_t)id;
	if (pv_dns_question_parse(msg, len, false, &p->sent.q) < 0)
		return NULL;
	p->sent.addr = s->upstream.sin_addr.s_addr;
	p->sent.port = s->upstream.sin_port;
	p->client = *from;
	p->at = now;
	sendto(s->up_fd, msg, len, 0, (const struct sockaddr *)&s->upstream, sizeof(s->upstream));
	return p;
}

/* Not ours: upstream, as it is but for the ID. Over TCP the query still
 * goes upstream by UDP. */
static bool relay_up(struct pv_dns *s, uint8_t *msg, size_t len, const struct client *from)
{
	struct pending *p;
	uint16_t client_id;

	if (len < 12)
		return false;
	client_id = (uint16_t)(msg[0] << 8 | msg[1]);
	if (!(p = send_up(s, msg, len, from)))
		return false;
	p->id = client_id;
	return true;
}

/* An ExternalName: ask upstream for the target, answer with the CNAME and
 * what comes back; with no upstream, the CNAME alone. */
static void chase(struct pv_dns *s, struct pv_dns_result *res, const struct client *from)
{
	uint8_t *q = NULL;
	size_t qlen = 0;
	struct pending *p = NULL;

	if (pv_dns_query(res->chase, res->qtype, 0, &q, &qlen) < 0 ||
	    !(p = send_up(s, q, qlen, from))) {
		reply(s, from, res->resp, res->len);
		free(res->resp);
	} else {
		p->cname = res->resp;
		p->cname_len = res->len;
	}
	free(q);
}

static void answered(struct pv_dns *s, struct pending *p, uint8_t *msg, size_t n)
{
	struct client to = p->client;
	uint16_t id = p->id;
	uint8_t *cname = p->cname, *merged = NULL;
	size_t clen = p->cname_len, mlen = 0;

	/* The slot is free before the reply goes: replying to a TCP client
	 * closes its connection, which clears its slots. */
	p->cname = NULL;
	pending_clear(p);
	if (!cname) {
		msg[0] = (uint8_t)(id >> 8);
		msg[1] = (uint8_t)id;
		reply(s, &to, msg, n);
	} else if (pv_dns_append(cname, clen, msg, n, &merged, &mlen) < 0) {
		reply(s, &to, cname, clen);
	} else {
		reply(s, &to, merged, mlen);
	}
	free(merged);
	free(cname);
	if (to.conn && to.conn->broken)
		conn_close(to.conn);
}

/* The live query a reply answers, or NULL: then it is dropped. */
static struct pending *asked(struct pv_dns *s, const struct sockaddr_in *from, const uint8_t *msg,
			     size_t n)
{
	struct pv_dns_question r;
	int64_t now = pv_now_ms();

	if (pv_dns_question_parse(msg, n, true, &r) < 0)
		return NULL;
	for (size_t i = 0; i < PENDING; i++) {
		struct pending *p = &s->pending[i];

		if (live(p, now) &&
		    pv_dns_reply_matches(&p->sent, from->sin_addr.s_addr, from->sin_port, &r))
			return p;
	}
	return NULL;
}

static void on_upstream(void *data, int fd, uint32_t events)
{
	struct pv_dns *s = data;
	uint8_t msg[MSG_MAX];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	(void)events;
	while ((n = recvfrom(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from, &flen)) >= 0) {
		struct pending *p = flen == sizeof(from) ? asked(s, &from, msg, (size_t)n) : NULL;

		if (p)
			answered(s, p, msg, (size_t)n);
		flen = sizeof(from);
	}
}

/* One query, from either transport: answered now, or relayed with its
 * answer to come. False when it is dropped (it was no query we can
 * answer, or it could not be relayed): a UDP client retries, a TCP
 * client's connection is then closed. */
static bool query(struct pv_dns *s, uint8_t *msg, size_t n, const struct client *from)
{
	struct pv_dns_result res;

	switch (pv_dns_handle(msg, n, s->d->cluster_domain, from->conn != NULL, lookup, s, &res)) {
	case PV_DNS_ANSWER:
		reply(s, from, res.resp, res.len);
		free(res.resp);
		return true;
	case PV_DNS_CHASE:
		chase(s, &res, from);
		return true;
	case PV_DNS_FORWARD:
		return relay_up(s, msg, n, from);
	case PV_DNS_DROP:
		break;
	}
	return false;
}

static void on_udp(void *data, int fd, uint32_t events)
{
	struct pv_dns *s = data;
	uint8_t msg[MSG_MAX];
	struct client from = { 0 };
	socklen_t flen = sizeof(from.addr);
	ssize_t n;

	(void)events;
	while ((n = recvfrom(fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from.addr, &flen)) > 0) {
		query(s, msg, (size_t)n, &from);
		flen = sizeof(from.addr);
	}
}

/* Every whole query in C's buffer, in order. Clients pipeline: glibc
 * writes A and AAAA at once; each is answered as soon as it can be, the
 * relayed ones when upstream answers (in any order, as RFC 7766 allows). */
static void tcp_queries(struct tcpconn *c)
{
	struct client from = { .conn = c };

	while (!c->broken && c->have >= 2) {
		size_t want = (size_t)c->buf[0] << 8 | c->buf[1];

		if (want > MSG_MAX || want < 12) {
			c->broken = true;
			return;
		}
		if (c->have < 2 + want)
			return;
		if (!query(c->s, c->buf + 2, want, &from))
			c->broken = true;
		c->have -= 2 + want;
		memmove(c->buf, c->buf + 2 + want, c->have);
	}
}

static void on_tcp_data(void *data, int fd, uint32_t events)
{
	struct tcpconn *c = data;
	ssize_t n;

	(void)events;
	/* Room for at least one byte: a whole message fits the buffer, and
	 * tcp_queries() leaves only the start of one. */
	n = recv(fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(c); /* EOF or an error: its relayed queries go too */
		return;
	}
	c->have += (size_t)n;
	tcp_queries(c);
	if (c->broken)
		conn_close(c);
}

static void on_accept(void *data, int fd, uint32_t events)
{
	struct pv_dns *s = data;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct tcpconn *c;

		/* A client that connects and says nothing must not pile up:
		 * past the limit the oldest connection goes. */
		if (s->nconns >= TCP_MAX) {
			struct tcpconn *old = s->conns;

			while (old->next)
				old = old->next;
			conn_close(old);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->s = s;
		c->fd = cfd;
		c->w = pv_loop_add(s->d->loop, cfd, EPOLLIN, on_tcp_data, c);
		if (!c->w) {
			close(cfd);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

/* ---- setup ---- */

/* The first nameserver of the node's resolv.conf. */
static bool read_upstream(struct sockaddr_in *up)
{
	char *text = pv_read_file_raw("/etc/resolv.conf", 64 * 1024, NULL, NULL), *save = NULL;
	bool found = false;

	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char ip[64];

		if (sscanf(l, " nameserver %63s", ip) == 1 && inet_pton(AF_INET, ip, &up->sin_addr) == 1)
			found = true;
	}
	free(text);
	up->sin_family = AF_INET;
	up->sin_port = htons(53);
	return found;
}

static int bound_socket(int type, uint32_t ip, uint16_t port, struct pv_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return pv_err_sys(err, errno, "socket");
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		pv_err_sys(err, errno, "%s %s:%u", type == SOCK_STREAM ? "tcp" : "udp",
			   inet_ntoa(sa.sin_addr), port);
		close(fd);
		return -1;
	}
	return fd;
}

struct pv_dns *pv_dns_new(struct pv_daemon *d, struct pv_err *err)
{
	struct pv_dns *s = calloc(1, sizeof(*s));
	uint32_t ip = pv_cidr_gateway(&d->pod_cidr);

	if (!s) {
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	s->d = d;
	s->fd = s->up_fd = s->tcp_fd = -1;
	s->have_upstream = read_upstream(&s->upstream);
	if ((s->fd = bound_socket(SOCK_DGRAM, ip, 53, err)) < 0 ||
	    (s->tcp_fd = bound_socket(SOCK_STREAM, ip, 53, err)) < 0 ||
	    (s->up_fd = bound_socket(SOCK_DGRAM, 0, 0, err)) < 0 ||
	    !(s->w = pv_loop_add(d->loop, s->fd, EPOLLIN, on_udp, s)) ||
	    !(s->tcp_w = pv_loop_add(d->loop, s->tcp_fd, EPOLLIN, on_accept, s)) ||
	    !(s->up_w = pv_loop_add(d->loop, s->up_fd, EPOLLIN, on_upstream, s))) {
		if (!err->msg[0])
			pv_err_sys(err, errno, "dns");
		pv_dns_free(s);
		return NULL;
	}
	inet_ntop(AF_INET, &(struct in_addr){ htonl(ip) }, s->address, sizeof(s->address));
	return s;
}

void pv_dns_free(struct pv_dns *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	if (s->w)
		pv_loop_del(s->d->loop, s->w);
	if (s->tcp_w)
		pv_loop_del(s->d->loop, s->tcp_w);
	if (s->tcp_fd >= 0)
		close(s->tcp_fd);
	if (s->up_w)
		pv_loop_del(s->d->loop, s->up_w);
	if (s->fd >= 0)
		close(s->fd);
	if (s->up_fd >= 0)
		close(s->up_fd);
	for (size_t i = 0; i < PENDING; i++)
		free(s->pending[i].cname);
	free(s);
}

const char *pv_dns_address(const struct pv_dns *s)
{
	return s ? s->address : NULL;
}
