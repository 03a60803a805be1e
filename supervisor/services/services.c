#include "supervisor/services/services.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "netrules/conntrack.h"
#include "netrules/proxymode/proxymode.h"
#include "supervisor/node/node.h"
#include "supervisor/core/log.h"
#include "supervisor/node/pod.h"
#include "supervisor/services/svc_alloc.h"

/* Someone else's change to our rules is seen at once when the proxier has
 * a watch for it; a period (--rules-check-period, d->rules_check_ms: 60 s,
 * 0 never) catches what the watch misses. */
#define RETRY_MS 10000 /* after a failed sync */
/* A kick syncs at once on a quiet node. In a burst (pods starting by the
 * hundred, each start and each readiness a kick) the next sync waits
 * SYNC_PACE times the CPU time the last one took, from its end: the rules
 * take at most 1/(SYNC_PACE + 1) of the daemon's CPU, and a ramp's
 * endpoints go in by the dozen rather than one table each. CPU time, not
 * wall time: on a busy node a 1 ms sync can take 100 ms of wall time,
 * and a new pod's hostPort would wait most of a second (seen in
 * start_bench). Never more than SYNC_PACE_MAX_MS (kube-proxy's
 * minSyncPeriod is 1 s). */
#define SYNC_PACE 8
#define SYNC_PACE_MAX_MS 1000

struct pv_services {
	struct pv_daemon *d;
	struct pv_proxier *proxier;    /* the rules: netrules/proxier.h */
	struct pv_timer *sync, *check;
	int fw_watch;                  /* readable when someone may have changed them */
	struct pv_watch_fd *fw_watch_w;
	struct pv_svc_allocs allocs;
	struct pv_svc_taken taken; /* during build_views: what allocs holds, counted */
	bool counted;              /* taken is built (else allocs is asked entry by entry) */
	char *alloc_path;
	struct pv_svc_view *views;
	size_t nviews;
	char last_error[512];
	uint64_t generation; /* of the desired state at the last sync */
	int64_t last_end_us, last_cpu_us; /* the last sync: when it ended, its CPU time */
};

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- views ---- */

static void view_free(struct pv_svc_view *v)
{
	for (size_t i = 0; i < v->svc.nports; i++) {
		free((char *)v->svc.ports[i].name);
		free(v->svc.ports[i].eps);
		free(v->target_ports[i]);
	}
	free(v->svc.ports);
	free(v->target_ports);
	free(v->ns);
	free(v->name);
	free(v->type);
	free(v->external_name);
	free(v->selector);
	free(v->problem);
	free(v->pod_ips);
}

static void sync_fired(void *data);

static void views_free(struct pv_services *s)
{
	for (size_t i = 0; i < s->nviews; i++)
		view_free(&s->views[i]);
	free(s->views);
	s->views = NULL;
	s->nviews = 0;
}

/* ---- endpoints ---- */


static const char *label(const struct pv_pod_view *p, const char *key)
{
	const pv_strmap *l = &p->spec->h.metadata.labels;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

static bool selects(const struct pv_service *svc, const struct pv_pod_view *p)
{
	const pv_strmap *sel = &svc->spec.selector;

	if (!sel->n || strcmp(svc->h.metadata.namespace.v, p->ns) != 0)
		return false;
	for (size_t i = 0; i < sel->n; i++) {
		const char *v = label(p, sel->items[i].key);

		if (!v || strcmp(v, sel->items[i].value) != 0)
			return false;
	}
	return true;
}

/* The pod's port for a service port: targetPort by number, by the name
 * of a container port (resolved per pod), or the service port. 0: none. */
/* Container I of the pod's spec, init containers first; NULL past the end. */
static const struct pv_container *container_at(const struct pv_pod_spec *s, size_t i)
{
	if (i < s->init_containers.n)
		return &s->init_containers.items[i];
	i -= s->init_containers.n;
	return i < s->containers.n ? &s->containers.items[i] : NULL;
}

static uint16_t target_port(const struct pv_pod_view *p, const struct pv_service_port *sp)
{
	const struct pv_intstr *t = &sp->target_port;
	const struct pv_container *c;

	if (!t->set)
		return (uint16_t)sp->port.v;
	if (!t->is_str)
		return (uint16_t)t->i;
	for (size_t i = 0; (c = container_at(&p->spec->spec, i)); i++)
		for (size_t j = 0; j < c->ports.n; j++)
			if (c->ports.items[j].name.v && strcmp(c->ports.items[j].name.v, t->s) == 0 &&
			    strcmp(c->ports.items[j].protocol.v, sp->protocol.v) == 0)
				return (uint16_t)c->ports.items[j].container_port.v;
	return 0;
}

static int ep_cmp(const void *a, const void *b)
{
	const struct pv_svc_ep *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static void endpoints(struct pv_daemon *d, const struct pv_service *svc, struct pv_svc_port *port,
		      const struct pv_service_port *sp)
{
	struct pv_pod_view p;

	port->eps = calloc(pv_pod_count(d) ? pv_pod_count(d) : 1, sizeof(*port->eps));
	if (!port->eps)
		return;
	for (size_t it = 0; pv_pod_view_next(d, &it, &p);) {
		uint16_t tp;

		if (!p.ready || !selects(svc, &p) || !(tp = target_port(&p, sp)))
			continue;
		port->eps[port->neps++] = (struct pv_svc_ep){ .ip = p.address, .port = tp };
	}
	if (port->neps)
		qsort(port->eps, port->neps, sizeof(*port->eps), ep_cmp);
	/* Two hostNetwork pods share the node's address: one endpoint. */
	for (size_t i = 1; i < port->neps;) {
		if (port->eps[i].ip == port->eps[i - 1].ip && port->eps[i].port == port->eps[i - 1].port)
			memmove(&port->eps[i], &port->eps[i + 1], (--port->neps - i) * sizeof(*port->eps));
		else
			i++;
	}
}

/* ---- allocation ---- */

struct taken_ctx {
	struct pv_services *s;
	struct pv_svc_alloc *self;
	const char *np_key; /* the port asking for a node port: "name/PROTO" */
};

static bool ip_taken(void *data, uint32_t ip)
{
	struct taken_ctx *t = data;

	if (t->s->counted)
		return pv_svc_taken_ip(&t->s->taken, t->self, ip);
	return pv_svc_allocs_ip_taken(&t->s->allocs, t->self, ip);
}

static bool np_taken(void *data, uint32_t port)
{
	struct taken_ctx *t = data;

	if (t->s->counted)
		return pv_svc_taken_np(&t->s->taken, t->self, t->np_key, (uint16_t)port);
	return pv_svc_allocs_np_taken(&t->s->allocs, t->self, t->np_key, (uint16_t)port);
}

static void set_ip(struct pv_services *s, struct pv_svc_alloc *a, uint32_t ip)
{
	if (s->counted)
		pv_svc_taken_set_ip(&s->taken, a, ip);
	else
		a->ip = ip;
}

static void set_np(struct pv_services *s, struct pv_svc_alloc *a, const char *key, uint16_t port)
{
	if (s->counted)
		pv_svc_taken_set_np(&s->taken, a, key, port);
	else
		pv_svc_alloc_set_np(a, key, port);
}

static bool wants_ip(const struct pv_service *svc)
{
	const char *ip = svc->spec.cluster_ip.v;

	return strcmp(svc->spec.type.v, "ExternalName") != 0 && !(ip && strcmp(ip, "None") == 0);
}

/* An explicit spec.clusterIP: inside the service CIDR and held by no
 * other Service, or a problem (never silently moved). */
static void explicit_ip(struct pv_services *s, struct pv_svc_alloc *a, const char *want,
			struct pv_svc_view *v)
{
	struct pv_cidr *cidr = &s->d->service_cidr;
	struct in_addr ip;
	uint32_t h;

	if (inet_pton(AF_INET, want, &ip) != 1) {
		asprintf(&v->problem, "spec.clusterIP %s is not an IPv4 address", want);
		return;
	}
	h = ntohl(ip.s_addr);
	if (!pv_cidr_contains(cidr, h) || h == cidr->net) {
		asprintf(&v->problem, "spec.clusterIP %s is not in the service CIDR %s/%d", want,
			 inet_ntoa((struct in_addr){ htonl(cidr->net) }), cidr->prefix);
		return;
	}
	if (ip_taken(&(struct taken_ctx){ s, a, NULL }, h)) {
		asprintf(&v->problem, "spec.clusterIP %s is already allocated to another Service",
			 want);
		return;
	}
	if (a->ip != h)
		s->allocs.dirty = true;
	set_ip(s, a, h);
}

static void auto_ip(struct pv_services *s, struct pv_svc_alloc *a, struct pv_svc_view *v)
{
	struct pv_cidr *cidr = &s->d->service_cidr;
	struct taken_ctx t = { s, a, NULL };
	uint32_t size = 1u << (32 - cidr->prefix), ip;

	if (a->ip && pv_cidr_contains(cidr, a->ip) && !ip_taken(&t, a->ip))
		return; /* remembered */
	/* .1 is kept for a "kubernetes" Service, as Kubernetes does. */
	if (pv_alloc_hashed(a->key, cidr->net + 2, cidr->net + size - 2, ip_taken, &t, &ip) < 0) {
		asprintf(&v->problem, "the service CIDR is full");
		return;
	}
	set_ip(s, a, ip);
	s->allocs.dirty = true;
}

static void node_port(struct pv_services *s, struct pv_svc_alloc *a, const struct pv_service_port *sp,
		      struct pv_svc_port *port, struct pv_svc_view *v)
{
	struct taken_ctx t = { s, a, NULL };
	char key[96], akey[200];
	uint16_t have;
	uint32_t np;

	snprintf(key, sizeof(key), "%s/%s", sp->name.v ? sp->name.v : "", sp->protocol.v);
	t.np_key = key;
	have = pv_svc_alloc_np(a, key);
	if (sp->node_port.set && sp->node_port.v) {
		np = (uint32_t)sp->node_port.v;
		if (np < s->d->nodeport_min || np > s->d->nodeport_max) {
			asprintf(&v->problem, "nodePort %u is outside the node port range %u-%u", np,
				 s->d->nodeport_min, s->d->nodeport_max);
			return;
		}
		if (np_taken(&t, np)) {
			asprintf(&v->problem, "nodePort %u is already allocated to another Service", np);
			return;
		}
	} else if (have && have >= s->d->nodeport_min && have <= s->d->nodeport_max &&
		   !np_taken(&t, have)) {
		np = have;
	} else {
		snprintf(akey, sizeof(akey), "%s:%s", a->key, key);
		if (pv_alloc_hashed(akey, s->d->nodeport_min, s->d->nodeport_max, np_taken, &t, &np) < 0) {
			asprintf(&v->problem, "no free node port");
			return;
		}
	}
	if (np != have) {
		set_np(s, a, key, (uint16_t)np);
		s->allocs.dirty = true;
	}
	port->node_port = (uint16_t)np;
}

/* ---- one sync ---- */

struct collect {
	struct pv_services *s;
	const struct pv_service **v;
	size_t n, cap;
	bool oom; /* a Service was left out: the list is not to be acted on */
};

static void collect_one(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct collect *c = data;

	(void)f;
	if (pv_vec_push(c->v, c->n, c->cap, (const struct pv_service *)o->obj) < 0)
		c->oom = true;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct pv_service *x = *(const struct pv_service *const *)a;
	const struct pv_service *y = *(const struct pv_service *const *)b;
	int r = strcmp(x->h.metadata.namespace.v, y->h.metadata.namespace.v);

	return r ? r : strcmp(x->h.metadata.name.v, y->h.metadata.name.v);
}

static char *selector_str(const pv_strmap *sel)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < sel->n; i++)
		fprintf(f, "%s%s=%s", i ? "," : "", sel->items[i].key, sel->items[i].value);
	fclose(f);
	return buf;
}

/* NULL when out of memory (asprintf leaves its pointer undefined then). */
static char *fmt_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_str(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&out, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : out;
}

/* 0, or -1 when out of memory: the caller drops the view. */
static int view_init(struct pv_services *s, const struct pv_service *svc, struct pv_svc_view *v,
		     struct pv_svc_alloc *a)
{
	const struct pv_service_spec *sp = &svc->spec;

	memset(v, 0, sizeof(*v));
	v->ns = strdup(svc->h.metadata.namespace.v);
	v->name = strdup(svc->h.metadata.name.v);
	v->type = strdup(sp->type.v);
	v->external_name = sp->external_name.v ? strdup(sp->external_name.v) : NULL;
	v->selector = selector_str(&sp->selector);
	v->headless = sp->cluster_ip.v && strcmp(sp->cluster_ip.v, "None") == 0;
	v->svc.ns = v->ns;
	v->svc.name = v->name;
	if (!a->created) {
		a->created = time(NULL);
		s->allocs.dirty = true;
	}
	v->created = a->created;
	if (sp->session_affinity.v && strcmp(sp->session_affinity.v, "ClientIP") == 0) {
		v->affinity = true;
		v->svc.affinity_seconds = (uint32_t)sp->session_affinity_config.client_ip.timeout_seconds.v;
		if (!v->svc.affinity_seconds)
			v->svc.affinity_seconds = 10800;
	}
	v->svc.ports = calloc(sp->ports.n ? sp->ports.n : 1, sizeof(*v->svc.ports));
	v->target_ports = calloc(sp->ports.n ? sp->ports.n : 1, sizeof(char *));
	if (!v->ns || !v->name || !v->type || !v->selector || !v->svc.ports || !v->target_ports ||
	    (sp->external_name.v && !v->external_name))
		return -1;
	return 0;
}

/* 0, or -1 when out of memory. */
static int view_ports(struct pv_services *s, const struct pv_service *svc, struct pv_svc_view *v,
		      struct pv_svc_alloc *a)
{
	const struct pv_service_spec *sp = &svc->spec;
	bool nodeports = strcmp(sp->type.v, "NodePort") == 0 || strcmp(sp->type.v, "LoadBalancer") == 0;

	for (size_t i = 0; i < sp->ports.n; i++) {
		const struct pv_service_port *p = &sp->ports.items[i];
		struct pv_svc_port *port = &v->svc.ports[v->svc.nports++];
		const struct pv_intstr *t = &p->target_port;

		port->name = strdup(p->name.v ? p->name.v : "");
		port->proto = strcmp(p->protocol.v, "UDP") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
		port->port = (uint16_t)p->port.v;
		if (!t->set)
			v->target_ports[i] = fmt_str("%lld", (long long)p->port.v);
		else if (t->is_str)
			v->target_ports[i] = strdup(t->s);
		else
			v->target_ports[i] = fmt_str("%lld", (long long)t->i);
		if (!port->name || !v->target_ports[i])
			return -1;
		if (nodeports && !v->problem)
			node_port(s, a, p, port, v);
		endpoints(s->d, svc, port, p);
	}
	return 0;
}

static void selected_ips(struct pv_daemon *d, const struct pv_service *svc, struct pv_svc_view *v)
{
	struct pv_pod_view p;

	v->pod_ips = calloc(pv_pod_count(d) ? pv_pod_count(d) : 1, sizeof(*v->pod_ips));
	for (size_t it = 0; v->pod_ips && pv_pod_view_next(d, &it, &p);)
		if (p.ready && selects(svc, &p))
			v->pod_ips[v->npod_ips++] = p.address;
}

const struct pv_svc_view *pv_services_views(struct pv_daemon *d, size_t *n)
{
	*n = d->services ? d->services->nviews : 0;
	return d->services ? d->services->views : NULL;
}

/* One Service's view: its addresses (ALLOC), ports and endpoints. */
static int view_build(struct pv_services *s, const struct pv_service *svc, struct pv_svc_alloc *a,
		      struct pv_svc_view *v)
{
	const char *want = svc->spec.cluster_ip.v;

	if (view_init(s, svc, v, a) < 0)
		return -1;
	if (wants_ip(svc)) {
		if (want && want[0] && strcmp(want, "None") != 0)
			explicit_ip(s, a, want, v);
		else
			auto_ip(s, a, v);
		if (!v->problem)
			v->svc.cluster_ip = a->ip;
	}
	if (view_ports(s, svc, v, a) < 0)
		return -1;
	selected_ips(s->d, svc, v);
	if (v->problem)
		v->svc.cluster_ip = 0;
	return 0;
}

static bool explicit_ip_wanted(const struct pv_service *svc)
{
	const char *want = svc->spec.cluster_ip.v;

	return want && want[0] && strcmp(want, "None") != 0;
}

/* The views of SVCS (sorted). Allocations are looked up by pointer, and
 * those stay valid while entries are added (svc_alloc.h). On an
 * incomplete view of the manifests (COMPLETE false) every remembered
 * allocation is held, so that nobody takes the address of a Service whose
 * file failed to load. A view that cannot be built (out of memory) is left
 * out rather than shown half-made, and the result is -1: such a set of
 * views must not become rules. */
static int build_views(struct pv_services *s, const struct pv_service **svcs, size_t n,
		       bool complete)
{
	cleanup_free struct pv_svc_alloc **allocs = calloc(n ? n : 1, sizeof(*allocs));
	size_t kept = 0;

	views_free(s);
	s->views = calloc(n ? n : 1, sizeof(*s->views));
	if (!s->views || !allocs)
		return -1;
	if (!complete)
		pv_svc_allocs_hold(&s->allocs);
	/* Every Service that exists holds what it had, before anyone asks. */
	for (size_t i = 0; i < n; i++) {
		char key[600];

		snprintf(key, sizeof(key), "%s/%s", svcs[i]->h.metadata.namespace.v,
			 svcs[i]->h.metadata.name.v);
		allocs[i] = pv_svc_alloc_get(&s->allocs, key);
		if (allocs[i])
			allocs[i]->live = true;
	}
	/* from here to the end of the pass, no live mark changes */
	s->counted = pv_svc_taken_build(&s->taken, &s->allocs) == 0;
	/* Explicit addresses first, then the allocated ones. */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (!allocs[i] || (pass == 0) != explicit_ip_wanted(svcs[i]))
				continue;
			if (view_build(s, svcs[i], allocs[i], &s->views[i]) < 0) {
				view_free(&s->views[i]);
				memset(&s->views[i], 0, sizeof(s->views[i]));
			}
		}
	}
	if (s->counted)
		pv_svc_taken_free(&s->taken);
	s->counted = false;
	for (size_t i = 0; i < n; i++) /* keep the order, drop the unmade */
		if (s->views[i].name)
			s->views[kept++] = s->views[i];
	if (kept < n) /* no second owner left behind the kept ones */
		memset(&s->views[kept], 0, (n - kept) * sizeof(*s->views));
	s->nviews = kept;
	return kept == n ? 0 : -1;
}

/* The hostPorts of running pods, with their "ns/name" strings in NAMES
 * (owned by the caller, NOUT of each, even on failure). -1 when out of
 * memory: the caller must not apply a partial list, which would drop the
 * other pods' rules. */
static int hostports(struct pv_daemon *d, struct pv_hostport **out, size_t *nout, char ***names)
{
	struct pv_pod_view p;
	size_t cap = 0;

	*out = NULL;
	*names = NULL;
	*nout = 0;
	for (size_t it = 0; pv_pod_view_next(d, &it, &p);) {
		const struct pv_container *spec;

		if (!p.ip || p.phase == PV_P_STOPPING)
			continue;
		for (size_t c = 0; (spec = container_at(&p.spec->spec, c)); c++) {

			for (size_t j = 0; j < spec->ports.n; j++) {
				const struct pv_container_port *cp = &spec->ports.items[j];
				struct in_addr hip = { 0 };
				char *name;

				if (!cp->host_port.v)
					continue;
				if (*nout == cap) {
					struct pv_hostport *o;
					char **nm;

					cap = cap ? cap * 2 : 8;
					if (!(o = realloc(*out, cap * sizeof(*o))))
						return -1;
					*out = o;
					if (!(nm = realloc(*names, cap * sizeof(*nm))))
						return -1;
					*names = nm;
				}
				if (!(name = fmt_str("%s/%s", p.ns, p.name)))
					return -1;
				if (cp->host_ip.v)
					inet_pton(AF_INET, cp->host_ip.v, &hip);
				(*names)[*nout] = name;
				(*out)[(*nout)++] = (struct pv_hostport){
					.pod = name,
					.proto = strcmp(cp->protocol.v, "UDP") == 0 ? IPPROTO_UDP : IPPROTO_TCP,
					.host_ip = ntohl(hip.s_addr), .pod_ip = p.ip,
					.host_port = (uint16_t)cp->host_port.v,
					.container_port = (uint16_t)cp->container_port.v,
				};
			}
		}
	}
	return 0;
}

/* Hand the proxier the model: every view's Service, the hostPorts, the
 * node. */
static int apply(struct pv_services *s, struct pv_err *err)
{
	struct pv_daemon *d = s->d;
	struct pv_svc *svcs = calloc(s->nviews ? s->nviews : 1, sizeof(*svcs));
	struct pv_proxy_state st = {
		.node = { .pod_cidr = d->pod_cidr, .masquerade_pods = d->masquerade_pods },
		.svcs = svcs, .nsvcs = s->nviews,
	};
	struct pv_hostport *hp = NULL;
	char **names = NULL;
	size_t nhp = 0;
	int rc;

	if (!svcs)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nviews; i++)
		svcs[i] = s->views[i].svc;
	if (hostports(d, &hp, &nhp, &names) < 0) {
		rc = pv_err_set(err, ENOMEM, "out of memory");
	} else {
		st.hostports = hp;
		st.nhostports = nhp;
		rc = pv_proxier_sync(s->proxier, &st, err);
	}
	for (size_t i = 0; i < nhp; i++)
		free(names[i]);
	free(names);
	free(hp);
	free(svcs);
	return rc;
}

static void report_problems(struct pv_services *s, struct pv_svc_view *old, size_t nold)
{
	for (size_t i = 0; i < s->nviews; i++) {
		const struct pv_svc_view *v = &s->views[i];
		bool known = false;
		char obj[600];

		if (!v->problem)
			continue;
		for (size_t j = 0; j < nold && !known; j++)
			known = old[j].problem && strcmp(old[j].ns, v->ns) == 0 &&
				strcmp(old[j].name, v->name) == 0 && strcmp(old[j].problem, v->problem) == 0;
		if (known)
			continue;
		snprintf(obj, sizeof(obj), "service/%s/%s", v->ns, v->name);
		pv_daemon_event(s->d, obj, true, "AllocationFailed", "%s", v->problem);
	}
}

/* The view of NS/NAME in V (sorted by namespace and name, as built), or NULL. */
static const struct pv_svc_view *view_find(const struct pv_svc_view *v, size_t n, const char *ns,
					   const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = v[mid].ns ? strcmp(v[mid].ns, ns) : -1;

		r = r ? r : strcmp(v[mid].name, name);
		if (r == 0)
			return &v[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct pv_svc_port *port_find(const struct pv_svc_view *v, const struct pv_svc_port *p)
{
	for (size_t i = 0; v && i < v->svc.nports; i++)
		if (v->svc.ports[i].proto == p->proto && strcmp(v->svc.ports[i].name, p->name) == 0)
			return &v->svc.ports[i];
	return NULL;
}

static bool has_ep(const struct pv_svc_port *p, uint32_t ip)
{
	for (size_t i = 0; p && i < p->neps; i++)
		if (p->eps[i].ip == ip)
			return true;
	return false;
}

/* UDP endpoints in OLD that the new views no longer have: their conntrack
 * entries must go, or clients keep talking to a pod that is gone. */
static void forget_gone_udp(struct pv_services *s, const struct pv_svc_view *old, size_t nold)
{
	struct pv_ct_gone *gone = NULL;
	struct pv_err err = { 0 };
	size_t n = 0, cap = 0;
	int rc;

	for (size_t i = 0; i < nold; i++) {
		const struct pv_svc_view *now;

		if (!old[i].ns || !old[i].svc.cluster_ip)
			continue;
		now = view_find(s->views, s->nviews, old[i].ns, old[i].name);
		for (size_t j = 0; j < old[i].svc.nports; j++) {
			const struct pv_svc_port *p = &old[i].svc.ports[j], *np = port_find(now, p);

			for (size_t k = 0; p->proto == IPPROTO_UDP && k < p->neps; k++) {
				if (!has_ep(np, p->eps[k].ip))
					pv_vec_push(gone, n, cap,
						    (struct pv_ct_gone){ .svc_ip = old[i].svc.cluster_ip,
									 .port = p->port, .node_port = p->node_port,
									 .ep_ip = p->eps[k].ip });
			}
		}
	}
	rc = pv_ct_forget_udp(gone, n, &err);
	if (rc < 0)
		pv_warn("services: stale UDP connections not cleared: %s", err.msg);
	else if (rc)
		pv_debug("services: %d UDP conntrack entries to gone endpoints deleted", rc);
	free(gone);
}

static void sync_once(struct pv_services *s);

static void sync_fired(void *data)
{
	struct pv_services *s = data;
	int64_t cpu0 = clock_us(CLOCK_THREAD_CPUTIME_ID);

	sync_once(s);
	s->last_cpu_us = clock_us(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	s->last_end_us = pv_now_us();
}

static void sync_once(struct pv_services *s)
{
	struct pv_err err = { 0 };
	struct collect c = { .s = s };
	struct pv_svc_view *old = s->views;
	size_t nold = s->nviews;
	int64_t t0 = pv_now_ms();
	bool ok, complete;

	s->generation = s->d->desired.generation;
	pv_desired_each(&s->d->desired, PV_KIND_SERVICE, collect_one, &c);
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), svc_cmp);
	s->views = NULL;
	s->nviews = 0;
	complete = pv_desired_complete(&s->d->desired) && access(s->d->manifests, R_OK | X_OK) == 0;
	if (c.oom || build_views(s, c.v, c.n, complete) < 0) {
		/* Out of memory: a partial list would forget addresses and drop
		 * rules. Everything stays as it was, and the sync is retried. */
		free(c.v);
		views_free(s);
		s->views = old;
		s->nviews = nold;
		pv_svc_allocs_unmark(&s->allocs);
		pv_warn("services: out of memory; the rules stay as they are (retrying in %d s)",
			RETRY_MS / 1000);
		pv_timer_arm(s->sync, RETRY_MS);
		return;
	}
	free(c.v);
	report_problems(s, old, nold);
	if (complete)
		pv_svc_allocs_sweep(&s->allocs);
	else
		pv_svc_allocs_unmark(&s->allocs);
	if (s->allocs.dirty && pv_svc_allocs_save(&s->allocs, s->alloc_path, &err) < 0)
		pv_warn("services: %s", err.msg);
	ok = apply(s, &err) == 0;
	if (ok)
		forget_gone_udp(s, old, nold); /* after the rules: new datagrams go elsewhere */
	for (size_t i = 0; i < nold; i++)
		view_free(&old[i]);
	free(old);
	if (!ok) {
		if (strcmp(err.msg, s->last_error) != 0)
			pv_warn("services: rules not applied (retrying every %ds): %s", RETRY_MS / 1000,
				err.msg);
		snprintf(s->last_error, sizeof(s->last_error), "%s", err.msg);
		pv_timer_arm(s->sync, RETRY_MS);
		return;
	}
	if (s->last_error[0])
		pv_info("services: rules applied again");
	s->last_error[0] = '\0';
	pv_debug("services: %zu synced in %lld ms", s->nviews, (long long)(pv_now_ms() - t0));
}

static void check_rules(struct pv_services *s)
{
	if (pv_proxier_changed(s->proxier)) {
		pv_warn("services: the %s rules were changed by someone else; restoring ours",
			pv_proxier_name(s->proxier));
		sync_fired(s);
	}
}

static void check_fired(void *data)
{
	struct pv_services *s = data;

	check_rules(s);
	pv_timer_arm(s->check, s->d->rules_check_ms);
}

static void fw_watch_close(struct pv_services *s)
{
	if (s->fw_watch_w)
		pv_loop_del(s->d->loop, s->fw_watch_w);
	if (s->fw_watch >= 0)
		close(s->fw_watch);
	s->fw_watch_w = NULL;
	s->fw_watch = -1;
}

static void fw_watch_fired(void *data, int fd, uint32_t events);

/* Without the watch, the periodic check alone notices a flush. */
static void fw_watch_open(struct pv_services *s)
{
	struct pv_err err = { 0 };

	s->fw_watch = pv_proxier_watch_open(s->proxier, &err);
	if (s->fw_watch < 0) {
		if (err.code != EOPNOTSUPP) /* else the backend has none: the check is all */
			pv_warn("services: %s changes are checked every %lld s only: %s",
				pv_proxier_name(s->proxier), (long long)s->d->rules_check_ms / 1000,
				err.msg);
		return;
	}
	s->fw_watch_w = pv_loop_add(s->d->loop, s->fw_watch, EPOLLIN, fw_watch_fired, s);
	if (!s->fw_watch_w)
		fw_watch_close(s);
}

static void fw_watch_fired(void *data, int fd, uint32_t events)
{
	struct pv_services *s = data;

	(void)events;
	if (!pv_proxier_watch_drain(s->proxier, fd)) { /* the watch is gone: a new one */
		fw_watch_close(s);
		fw_watch_open(s);
	}
	check_rules(s);
}

void pv_services_sync(struct pv_daemon *d)
{
	/* Only when the manifests changed: a pod's change is a kick. */
	if (d->services && d->services->generation != d->desired.generation) {
		pv_timer_disarm(d->services->sync);
		sync_fired(d->services);
	}
}

void pv_services_sync_now(struct pv_daemon *d)
{
	if (d->services) {
		pv_timer_disarm(d->services->sync);
		sync_fired(d->services);
	}
}

void pv_services_kick(struct pv_daemon *d)
{
	struct pv_services *s = d->services;

	int64_t wait_us;

	if (!s || pv_timer_armed(s->sync))
		return;
	wait_us = s->last_end_us + SYNC_PACE * s->last_cpu_us - pv_now_us();
	if (wait_us > SYNC_PACE_MAX_MS * 1000)
		wait_us = SYNC_PACE_MAX_MS * 1000;
	pv_timer_arm(s->sync, wait_us > 0 ? (wait_us + 999) / 1000 : 0);
}

struct pv_services *pv_services_new(struct pv_daemon *d, struct pv_err *err)
{
	return pv_services_new_mode(d, NULL, err);
}

struct pv_services *pv_services_new_mode(struct pv_daemon *d, const char *mode,
					 struct pv_err *err)
{
	struct pv_services *s = calloc(1, sizeof(*s));
	struct pv_err cerr = { 0 };

	if (s)
		s->fw_watch = -1;
	if (!s || !(s->sync = pv_timer_new(d->loop, sync_fired, s)) ||
	    !(s->check = pv_timer_new(d->loop, check_fired, s)) ||
	    asprintf(&s->alloc_path, "%s/services.json", d->state) < 0) {
		pv_services_free(s);
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (!(s->proxier = pv_proxy_mode_new(mode, err))) {
		pv_services_free(s);
		return NULL;
	}
	/* A node switched modes: the old mode's rules would still rewrite
	 * the same packets. */
	if (pv_proxy_mode_clear_others(mode, &cerr) < 0)
		pv_warn("services: %s", cerr.msg);
	pv_info("services: proxy mode %s", pv_proxier_name(s->proxier));
	s->d = d;
	pv_svc_allocs_load(&s->allocs, s->alloc_path);
	if (pv_proxier_checks(s->proxier) && d->rules_check_ms > 0)
		pv_timer_arm(s->check, d->rules_check_ms);
	fw_watch_open(s);
	return s;
}

void pv_services_free(struct pv_services *s)
{
	if (!s)
		return;
	if (s->d)
		fw_watch_close(s);
	views_free(s);
	pv_svc_allocs_free(&s->allocs);
	pv_proxier_free(s->proxier);
	if (s->sync)
		pv_timer_free(s->sync);
	if (s->check)
		pv_timer_free(s->check);
	free(s->alloc_path);
	free(s);
}

void pv_services_clear(struct pv_daemon *d)
{
	struct pv_services *s = d->services;
	struct pv_err err = { 0 };

	if (s && pv_proxier_clear(s->proxier, &err) < 0)
		pv_warn("services: cannot remove the rules: %s", err.msg);
}
