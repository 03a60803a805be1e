#include "netrules/iptables/svcrules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"

#define HOST_MASK 0xFFFFFFFFu

struct build {
	const struct pv_svc_config *cfg;
	struct pv_ruleset *rs;
	struct pv_chain *services, *nodeports, *mark_masq;
	struct pv_chain *f_services, *f_external;
	bool oom;
};

/* PREFIX plus 16 base32 characters of a digest of the formatted key, as
 * kube-proxy names its chains: stable, and short enough for iptables. */
static void chain_name(char out[PV_CHAIN_MAX + 1], const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void chain_name(char out[PV_CHAIN_MAX + 1], const char *prefix, const char *fmt, ...)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t md[PV_SHA256_LEN];
	char key[512];
	size_t len = strlen(prefix);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	pv_sha256(key, strlen(key), md);
	memcpy(out, prefix, len);
	for (int i = 0; i < 16; i++) { /* the digest's first 80 bits, 5 at a time */
		int bit = 5 * i;

		out[len + i] = b32[(md[bit / 8] << 8 | md[bit / 8 + 1]) >> (11 - bit % 8) & 31];
	}
	out[len + 16] = '\0';
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

static struct pv_chain *chain(struct build *b, enum pv_table t, const char *name)
{
	struct pv_chain *c = pv_rules_chain(b->rs, t, name);

	if (!c)
		b->oom = true;
	return c;
}

static void add(struct build *b, struct pv_chain *c, const struct pv_rule *r)
{
	if (!c || pv_rules_add(c, r) < 0)
		b->oom = true;
}

static const char *str(struct build *b, const char *s)
{
	const char *p = pv_rules_str(b->rs, "%s", s);

	if (!p)
		b->oom = true;
	return p;
}

static void mark_masq(struct build *b, struct pv_chain *c, const struct pv_rule *match)
{
	struct pv_rule r = *match;

	r.target = PV_T_JUMP;
	r.chain = b->mark_masq->name;
	add(b, c, &r);
}

/* PV-SEP-y: mark the endpoint's own traffic (hairpin), then DNAT. */
static void endpoint_chain(struct build *b, const struct pv_svc *s, const struct pv_svc_port *p,
			   const struct pv_svc_ep *e, const char *name)
{
	struct pv_chain *c = chain(b, PV_TABLE_NAT, name);
	struct pv_rule r = { .src = e->ip, .src_mask = HOST_MASK };

	if (!c)
		return;
	mark_masq(b, c, &r);
	r = (struct pv_rule){ .proto = p->proto, .target = PV_T_DNAT,
			      .to_ip = e->ip, .to_port = e->port };
	if (s->affinity_seconds) {
		r.recent = c->name;
		r.recent_set = true;
	}
	add(b, c, &r);
}

static void service_chain(struct build *b, const struct pv_svc *s, const struct pv_svc_port *p,
			  const char *svc_name)
{
	struct pv_chain *c = chain(b, PV_TABLE_NAT, svc_name);
	char (*seps)[PV_CHAIN_MAX + 1];
	struct pv_rule r;

	if (!c)
		return;
	/* Traffic from outside the pod network is masqueraded so that the
	 * replies come back through this node. */
	r = (struct pv_rule){ .proto = p->proto, .dst = s->cluster_ip, .dst_mask = HOST_MASK,
			      .dport = p->port, .src = b->cfg->pod_cidr.net,
			      .src_mask = HOST_MASK << (32 - b->cfg->pod_cidr.prefix),
			      .src_neg = true };
	mark_masq(b, c, &r);
	if (b->cfg->masquerade_pods)
		mark_masq(b, c, &(struct pv_rule){ 0 });
	seps = calloc(p->neps, sizeof(*seps));
	if (!seps) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < p->neps; i++) {
		struct in_addr a = { htonl(p->eps[i].ip) };

		chain_name(seps[i], "PV-SEP-", "%s/%s:%s/%s/%s:%u", s->ns, s->name, p->name,
			   proto_name(p->proto), inet_ntoa(a), p->eps[i].port);
	}
	for (size_t i = 0; s->affinity_seconds && i < p->neps; i++) {
		const char *name = str(b, seps[i]);

		add(b, c, &(struct pv_rule){ .recent = name,
					     .recent_seconds = s->affinity_seconds,
					     .target = PV_T_JUMP, .chain = name });
	}
	for (size_t i = 0; i < p->neps; i++) {
		size_t left = p->neps - i;

		r = (struct pv_rule){ .target = PV_T_JUMP,
				      .chain = str(b, seps[i]) };
		if (left > 1)
			r.probability = pv_rules_probability(1.0 / (double)left);
		add(b, c, &r);
	}
	for (size_t i = 0; i < p->neps; i++)
		endpoint_chain(b, s, p, &p->eps[i], seps[i]);
	free(seps);
}

static void service_port(struct build *b, const struct pv_svc *s, const struct pv_svc_port *p)
{
	char svc[PV_CHAIN_MAX + 1], ext[PV_CHAIN_MAX + 1];
	const char *comment = pv_rules_str(b->rs, "%s/%s%s%s", s->ns, s->name, p->name[0] ? ":" : "",
					   p->name);
	struct pv_rule r = { .proto = p->proto, .comment = comment };

	if (!comment) {
		b->oom = true;
		return;
	}
	chain_name(svc, "PV-SVC-", "%s/%s:%s/%s", s->ns, s->name, p->name, proto_name(p->proto));
	chain_name(ext, "PV-EXT-", "%s/%s:%s/%s", s->ns, s->name, p->name, proto_name(p->proto));
	if (!p->neps) {
		/* Refuse at once rather than let the connection hang. */
		r.target = PV_T_REJECT;
		r.dst = s->cluster_ip;
		r.dst_mask = HOST_MASK;
		r.dport = p->port;
		add(b, b->f_services, &r);
		if (p->node_port) {
			r = (struct pv_rule){ .proto = p->proto, .dport = p->node_port,
					      .dst_local = true, .comment = comment,
					      .target = PV_T_REJECT };
			add(b, b->f_external, &r);
		}
		return;
	}
	service_chain(b, s, p, svc);
	r.dst = s->cluster_ip;
	r.dst_mask = HOST_MASK;
	r.dport = p->port;
	r.target = PV_T_JUMP;
	r.chain = str(b, svc);
	add(b, b->services, &r);
	if (p->node_port) {
		struct pv_chain *e = chain(b, PV_TABLE_NAT, ext);

		if (!e)
			return;
		mark_masq(b, e, &(struct pv_rule){ 0 });
		add(b, e, &(struct pv_rule){ .target = PV_T_JUMP,
					     .chain = str(b, svc) });
		add(b, b->nodeports, &(struct pv_rule){ .proto = p->proto, .dport = p->node_port,
							.comment = comment, .target = PV_T_JUMP,
							.chain = e->name });
	}
}

static void hostports(struct build *b, const struct pv_hostport *hp, size_t n)
{
	struct pv_chain *c = chain(b, PV_TABLE_NAT, "PV-HOSTPORTS");

	for (size_t i = 0; c && i < n; i++) {
		const char *comment = str(b, hp[i].pod);
		struct pv_rule r = { .proto = hp[i].proto, .dport = hp[i].host_port,
				     .comment = comment };

		if (hp[i].host_ip) {
			r.dst = hp[i].host_ip;
			r.dst_mask = HOST_MASK;
		}
		/* From the node itself (127.0.0.1 needs route_localnet and a
		 * routable source) and from the pod to itself: masquerade. */
		r.src = 0x7F000000u;
		r.src_mask = 0xFF000000u;
		mark_masq(b, c, &r);
		r.src = hp[i].pod_ip;
		r.src_mask = HOST_MASK;
		mark_masq(b, c, &r);
		r.src = r.src_mask = 0;
		r.target = PV_T_DNAT;
		r.to_ip = hp[i].pod_ip;
		r.to_port = hp[i].container_port;
		add(b, c, &r);
	}
}

static void base_chains(struct build *b)
{
	struct pv_ruleset *rs = b->rs;
	struct pv_chain *post;
	uint32_t pod_mask = HOST_MASK << (32 - b->cfg->pod_cidr.prefix);
	struct pv_rule jump = { .target = PV_T_JUMP, .comment = "podvisor service portals" };

	b->services = chain(b, PV_TABLE_NAT, "PV-SERVICES");
	b->nodeports = chain(b, PV_TABLE_NAT, "PV-NODEPORTS");
	b->mark_masq = chain(b, PV_TABLE_NAT, "PV-MARK-MASQ");
	post = chain(b, PV_TABLE_NAT, "PV-POSTROUTING");
	b->f_services = chain(b, PV_TABLE_FILTER, "PV-SERVICES");
	b->f_external = chain(b, PV_TABLE_FILTER, "PV-EXTERNAL");
	if (b->oom)
		return;
	add(b, b->mark_masq, &(struct pv_rule){ .target = PV_T_MARK, .mark = PV_MASQ_MARK,
						.mark_mask = PV_MASQ_MARK });
	/* Pods' own traffic leaving the pod network. */
	add(b, post, &(struct pv_rule){ .src = b->cfg->pod_cidr.net, .src_mask = pod_mask,
					.dst = b->cfg->pod_cidr.net, .dst_mask = pod_mask,
					.dst_neg = true, .comment = "pod egress",
					.target = PV_T_MASQ });
	add(b, post, &(struct pv_rule){ .match_mark = true, .mark_neg = true,
					.match_value = PV_MASQ_MARK, .match_mask = PV_MASQ_MARK,
					.target = PV_T_RETURN });
	add(b, post, &(struct pv_rule){ .target = PV_T_MARK, .mark = 0, .mark_mask = PV_MASQ_MARK });
	add(b, post, &(struct pv_rule){ .comment = "podvisor service traffic requiring SNAT",
					.target = PV_T_MASQ });
	jump.chain = "PV-SERVICES";
	if (pv_rules_hook(rs, PV_TABLE_NAT, "PREROUTING", &jump) < 0 ||
	    pv_rules_hook(rs, PV_TABLE_NAT, "OUTPUT", &jump) < 0 ||
	    pv_rules_hook(rs, PV_TABLE_FILTER, "OUTPUT", &jump) < 0 ||
	    pv_rules_hook(rs, PV_TABLE_FILTER, "FORWARD", &jump) < 0)
		b->oom = true;
	jump.chain = "PV-EXTERNAL";
	jump.comment = "podvisor external service portals";
	if (pv_rules_hook(rs, PV_TABLE_FILTER, "INPUT", &jump) < 0 ||
	    pv_rules_hook(rs, PV_TABLE_FILTER, "FORWARD", &jump) < 0)
		b->oom = true;
	jump.chain = "PV-POSTROUTING";
	jump.comment = "podvisor postrouting rules";
	if (pv_rules_hook(rs, PV_TABLE_NAT, "POSTROUTING", &jump) < 0)
		b->oom = true;
}

/* Forwarded pod and service traffic is accepted even where the FORWARD
 * policy is DROP (as Docker leaves it). */
static void forward_chain(struct build *b)
{
	struct pv_chain *c = chain(b, PV_TABLE_FILTER, "PV-FORWARD");
	uint32_t pod_mask = HOST_MASK << (32 - b->cfg->pod_cidr.prefix);
	struct pv_rule jump = { .target = PV_T_JUMP, .chain = "PV-FORWARD",
				.comment = "podvisor forwarding rules" };

	add(b, c, &(struct pv_rule){ .match_mark = true, .match_value = PV_MASQ_MARK,
				     .match_mask = PV_MASQ_MARK, .target = PV_T_ACCEPT });
	add(b, c, &(struct pv_rule){ .src = b->cfg->pod_cidr.net, .src_mask = pod_mask,
				     .target = PV_T_ACCEPT });
	add(b, c, &(struct pv_rule){ .dst = b->cfg->pod_cidr.net, .dst_mask = pod_mask,
				     .target = PV_T_ACCEPT });
	if (pv_rules_hook(b->rs, PV_TABLE_FILTER, "FORWARD", &jump) < 0)
		b->oom = true;
}

int pv_svc_rules(const struct pv_proxy_state *st, struct pv_ruleset *out, struct pv_err *err)
{
	const struct pv_svc *svcs = st->svcs;
	struct build b = { .cfg = &st->node, .rs = out };

	base_chains(&b);
	for (size_t i = 0; !b.oom && i < st->nsvcs; i++)
		for (size_t j = 0; svcs[i].cluster_ip && j < svcs[i].nports; j++)
			service_port(&b, &svcs[i], &svcs[i].ports[j]);
	if (!b.oom && st->nhostports) {
		hostports(&b, st->hostports, st->nhostports);
		add(&b, b.services, &(struct pv_rule){ .dst_local = true, .target = PV_T_JUMP,
						       .chain = "PV-HOSTPORTS",
						       .comment = "podvisor hostPorts" });
	}
	/* NodePorts last: they match any local address. */
	add(&b, b.services, &(struct pv_rule){ .dst_local = true, .target = PV_T_JUMP,
					       .chain = "PV-NODEPORTS",
					       .comment = "podvisor service nodeports; NOTE: this "
							  "must be the last rule in this chain" });
	forward_chain(&b);
	if (b.oom)
		return pv_err_set(err, ENOMEM, "out of memory building the service rules");
	return 0;
}
