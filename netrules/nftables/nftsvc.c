#include "netrules/nftables/nftsvc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

#define HOST_MASK 0xFFFFFFFFu

/* Deletion order (nftobj.h): what refers to others sits higher. */
enum { L_BASE, L_SET, L_ENDPOINT, L_SERVICE, L_EXTERNAL, L_ELEM, L_TOP };

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : p == IPPROTO_SCTP ? "sctp" : "tcp";
}

static struct pv_nft_obj *chain(struct pv_nft_objs *l, uint8_t level, const char *name,
				size_t nrules)
{
	struct pv_nft_rule *r = pv_nft_rules(l, nrules);
	struct pv_nft_obj *o;

	if (!r || !name || !(o = pv_nft_objs_add(l, PV_NFT_CHAIN, level)))
		return NULL;
	o->name = name;
	o->rules = r;
	return o;
}

static struct pv_nft_obj *base_chain(struct pv_nft_objs *l, const char *name, const char *type,
				     int hook, int prio, size_t nrules)
{
	struct pv_nft_obj *o = chain(l, L_TOP, name, nrules);

	if (o) {
		o->hook_type = type;
		o->hooknum = hook;
		o->prio = prio;
	}
	return o;
}

static struct pv_nft_obj *map(struct pv_nft_objs *l, const char *name, enum pv_nft_keys keys)
{
	struct pv_nft_obj *o = pv_nft_objs_add(l, PV_NFT_SET, L_BASE);

	if (o) {
		o->name = name;
		o->keys = keys;
		o->map = true;
	}
	return o;
}

static void add_rule(struct pv_nft_obj *c, const struct pv_nft_rule *r)
{
	c->rules[c->nrules++] = *r;
}

/* The fixed chains that only jump elsewhere. */
static void hooks(struct pv_nft_objs *l)
{
	static const struct {
		const char *name, *type;
		int hook, prio;
		const char *to[2];
	} b[] = {
		{ "nat-prerouting", "nat", NF_INET_PRE_ROUTING, -100, { "services" } },
		{ "nat-output", "nat", NF_INET_LOCAL_OUT, -100, { "services" } },
		{ "nat-postrouting", "nat", NF_INET_POST_ROUTING, 100, { "masquerading" } },
		{ "filter-input", "filter", NF_INET_LOCAL_IN, -110, { "nodeport-endpoints-check" } },
		{ "filter-forward", "filter", NF_INET_FORWARD, -110,
		  { "service-endpoints-check", "nodeport-endpoints-check" } },
		{ "filter-output", "filter", NF_INET_LOCAL_OUT, -110, { "service-endpoints-check" } },
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct pv_nft_obj *c = base_chain(l, b[i].name, b[i].type, b[i].hook, b[i].prio, 2);
		bool filter = b[i].type[0] == 'f';

		for (size_t j = 0; c && j < 2 && b[i].to[j]; j++)
			add_rule(c, &(struct pv_nft_rule){ .ct_new = filter, .action = PV_NA_JUMP,
							   .chain = b[i].to[j] });
	}
}

void pv_nft_base(struct pv_nft_objs *l, const struct pv_svc_config *node)
{
	uint32_t pod_mask = node->pod_cidr.prefix ? HOST_MASK << (32 - node->pod_cidr.prefix) : 0;
	struct pv_nft_obj *c;

	map(l, "service-ips", PV_NK_ADDR_PROTO_PORT);
	map(l, "service-nodeports", PV_NK_PROTO_PORT);
	map(l, "no-endpoint-services", PV_NK_ADDR_PROTO_PORT);
	map(l, "no-endpoint-nodeports", PV_NK_PROTO_PORT);
	if ((c = pv_nft_objs_add(l, PV_NFT_SET, L_BASE))) {
		c->name = "hairpin";
		c->keys = PV_NK_HAIRPIN;
	}
	if ((c = chain(l, L_BASE, "mark-for-masquerade", 1)))
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_MARK_SET });
	if ((c = chain(l, L_BASE, "reject-chain", 2))) {
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_REJECT_TCP });
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_REJECT });
	}
	if ((c = chain(l, L_SET, "masquerading", 5))) {
		/* Pods' own traffic leaving the pod network. */
		add_rule(c, &(struct pv_nft_rule){ .saddr = node->pod_cidr.net, .saddr_mask = pod_mask,
						   .daddr = node->pod_cidr.net, .daddr_mask = pod_mask,
						   .daddr_neg = true, .action = PV_NA_MASQ });
		/* An endpoint that reached itself through its Service. */
		add_rule(c, &(struct pv_nft_rule){ .hairpin = true, .action = PV_NA_MASQ });
		add_rule(c, &(struct pv_nft_rule){ .mark_unset = true, .action = PV_NA_RETURN });
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_MARK_CLEAR });
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_MASQ });
	}
	if ((c = chain(l, L_SET, "service-endpoints-check", 1)))
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_VMAP_SVC,
						   .map = "no-endpoint-services" });
	if ((c = chain(l, L_SET, "nodeport-endpoints-check", 1)))
		add_rule(c, &(struct pv_nft_rule){ .fib_local = true, .action = PV_NA_VMAP_NODE,
						   .map = "no-endpoint-nodeports" });
	/* NodePorts last: they match any local address. */
	if ((c = chain(l, L_ELEM, "services", 4))) {
		/* Traffic to a cluster IP from outside the pod network (or any,
		 * where bridged pod traffic is masqueraded) is masqueraded so
		 * that the replies come back through this node: one rule here,
		 * not one in each Service's chain (5,000 rules fewer to make). */
		add_rule(c, &(struct pv_nft_rule){
			.saddr = node->masquerade_pods ? 0 : node->pod_cidr.net,
			.saddr_mask = node->masquerade_pods ? 0 : pod_mask,
			.saddr_neg = !node->masquerade_pods, .svc_in = "service-ips",
			.action = PV_NA_JUMP, .chain = "mark-for-masquerade" });
		add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_VMAP_SVC, .map = "service-ips" });
		add_rule(c, &(struct pv_nft_rule){ .fib_local = true, .action = PV_NA_JUMP,
						   .chain = "hostports" });
		add_rule(c, &(struct pv_nft_rule){ .fib_local = true, .action = PV_NA_VMAP_NODE,
						   .map = "service-nodeports" });
	}
	hooks(l);
}

void pv_nft_hostports(struct pv_nft_objs *l, const struct pv_hostport *hp, size_t n)
{
	struct pv_nft_obj *c = chain(l, L_ENDPOINT, "hostports", 3 * n);

	for (size_t i = 0; c && i < n; i++) {
		struct pv_nft_rule r = { .proto = hp[i].proto, .dport = hp[i].host_port };

		if (hp[i].host_ip) {
			r.daddr = hp[i].host_ip;
			r.daddr_mask = HOST_MASK;
		}
		/* From the node itself (127.0.0.1 needs route_localnet and a
		 * routable source) and from the pod to itself: masquerade. */
		r.action = PV_NA_JUMP;
		r.chain = "mark-for-masquerade";
		r.saddr = 0x7F000000u;
		r.saddr_mask = 0xFF000000u;
		add_rule(c, &r);
		r.saddr = hp[i].pod_ip;
		r.saddr_mask = HOST_MASK;
		add_rule(c, &r);
		r.saddr = r.saddr_mask = 0;
		r.action = PV_NA_DNAT;
		r.chain = NULL;
		r.to_ip = hp[i].pod_ip;
		r.to_port = hp[i].container_port;
		add_rule(c, &r);
	}
}

static struct pv_nft_obj *elem(struct pv_nft_objs *l, const char *mapname,
			       enum pv_nft_keys keys, const uint32_t key[PV_NFT_KEY_MAX])
{
	struct pv_nft_obj *o;

	if (!mapname || !(o = pv_nft_objs_add(l, PV_NFT_ELEM, L_ELEM)))
		return NULL;
	o->name = mapname;
	o->keys = keys;
	memcpy(o->key, key, sizeof(o->key));
	return o;
}

static void verdict_elem(struct pv_nft_objs *l, const char *mapname, enum pv_nft_keys keys,
			 const uint32_t key[PV_NFT_KEY_MAX], const char *target)
{
	struct pv_nft_obj *o;

	if (target && (o = elem(l, mapname, keys, key)))
		o->target = target;
}

/* With sessionAffinity, the endpoint's chain and its affinity set:
 * CHAIN_NAME is "endpoint-NS/NAME/PROTO/PORT__IP/PORT". */
static void endpoint(struct pv_nft_objs *l, const struct pv_svc *s, const struct pv_svc_port *p,
		     const struct pv_svc_ep *e, const char *chain_name, const char *set)
{
	struct pv_nft_obj *c = chain(l, L_ENDPOINT, chain_name, 2);

	if (!c)
		return;
	add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_UPDATE, .map = set });
	add_rule(c, &(struct pv_nft_rule){ .proto = p->proto, .action = PV_NA_DNAT, .to_ip = e->ip,
					   .to_port = e->port });
	if ((c = pv_nft_objs_add(l, PV_NFT_SET, L_SET))) {
		c->name = set;
		c->keys = PV_NK_ADDR;
		c->timeout_s = s->affinity_seconds;
	}
}

/* The hairpin set's elements for port P: one per endpoint address. */
static void hairpins(struct pv_nft_objs *l, const struct pv_svc *s, const struct pv_svc_port *p)
{
	for (size_t i = 0; i < p->neps; i++) {
		uint32_t ip = p->eps[i].ip;
		size_t j = 0;

		while (j < i && p->eps[j].ip != ip)
			j++;
		if (j == i)
			elem(l, "hairpin", PV_NK_HAIRPIN,
			     (uint32_t[PV_NFT_KEY_MAX]){ ip, ip, s->cluster_ip, p->proto, p->port });
	}
}

/* With sessionAffinity: the endpoints' chains and sets; their names in
 * EPS and SETS. */
static void affinity_endpoints(struct pv_nft_objs *l, const struct pv_svc *s,
			       const struct pv_svc_port *p, const char *id, const char **eps,
			       const char **sets)
{
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < p->neps; i++) {
		struct in_addr a = { htonl(p->eps[i].ip) };

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		eps[i] = pv_nft_str(l, "endpoint-%s__%s/%u", id, ip, p->eps[i].port);
		sets[i] = pv_nft_str(l, "affinity-%s__%s/%u/%us", id, ip, p->eps[i].port,
				     s->affinity_seconds);
		if (eps[i] && sets[i])
			endpoint(l, s, p, &p->eps[i], eps[i], sets[i]);
	}
}

/* With sessionAffinity: the Service port's own chain NAME, its
 * endpoints' chains and sets. */
static void service_chain(struct pv_nft_objs *l, const struct pv_svc *s,
			  const struct pv_svc_port *p, const char *name, const char *id)
{
	size_t n = p->neps;
	const char **eps = pv_arena_calloc(&l->arena, n, sizeof(*eps));
	const char **sets = pv_arena_calloc(&l->arena, n, sizeof(*sets));
	struct pv_nft_obj *c;

	if (!eps || !sets) {
		l->oom = true;
		return;
	}
	affinity_endpoints(l, s, p, id, eps, sets);
	if (l->oom || !(c = chain(l, L_SERVICE, name, n + 1)))
		return;
	for (size_t i = 0; i < n; i++)
		add_rule(c, &(struct pv_nft_rule){ .saddr_in = sets[i], .action = PV_NA_GOTO,
						   .chain = eps[i] });
	add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_NUMGEN, .targets = eps, .ntargets = n });
}

/* ---- the shared chains: one per protocol and number of endpoints ---- */

/* A group's number: NodePort or not, protocol, number of endpoints. */
#define GROUP(node, proto, n) ((uint64_t)(node) << 40 | (uint64_t)(proto) << 32 | (uint64_t)(n))
#define GROUP_NODE(g) ((bool)((g) >> 40 & 1))
#define GROUP_PROTO(g) ((uint8_t)((g) >> 32))
#define GROUP_N(g) ((uint32_t)(g))

/* Whether port P of S goes through the shared chains: endpoints and no
 * sessionAffinity (which keeps chains of its own). */
static bool shared(const struct pv_svc *s, const struct pv_svc_port *p)
{
	return s->cluster_ip && p->neps && !s->affinity_seconds;
}

static const char *group_chain(struct pv_nft_objs *l, uint64_t g)
{
	return pv_nft_str(l, "%s-%s-%u", GROUP_NODE(g) ? "external" : "service",
			  proto_name(GROUP_PROTO(g)), GROUP_N(g));
}

static const char *group_map(struct pv_nft_objs *l, uint64_t g)
{
	return pv_nft_str(l, "%s-%s-%u", GROUP_NODE(g) ? "nodeport-endpoints" : "endpoints",
			  proto_name(GROUP_PROTO(g)), GROUP_N(g));
}

/* Add G to the sorted G[0..N) unless there. */
static void group_add(struct pv_nft_groups *gs, uint64_t g)
{
	size_t lo = 0, hi = gs->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (gs->v[mid] == g)
			return;
		if (gs->v[mid] < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pv_vec_reserve(gs->v, gs->n, gs->cap, 1) < 0) {
		gs->oom = true;
		return;
	}
	memmove(&gs->v[lo + 1], &gs->v[lo], (gs->n - lo) * sizeof(*gs->v));
	gs->v[lo] = g;
	gs->n++;
}

void pv_nft_groups(const struct pv_proxy_state *st, struct pv_nft_groups *gs)
{
	uint64_t last[2] = { 0, 0 };

	gs->n = 0;
	gs->oom = false;
	for (size_t i = 0; i < st->nsvcs; i++)
		for (size_t j = 0; j < st->svcs[i].nports; j++) {
			const struct pv_svc_port *p = &st->svcs[i].ports[j];

			if (!shared(&st->svcs[i], p))
				continue;
			for (int node = 0; node < 1 + !!p->node_port; node++) {
				uint64_t g = GROUP(node, p->proto, p->neps);

				if (g != last[node]) /* most often the one before */
					group_add(gs, last[node] = g);
			}
		}
}

void pv_nft_groups_free(struct pv_nft_groups *gs)
{
	pv_vec_free(gs->v, gs->n, gs->cap);
	gs->oom = false;
}

void pv_nft_shared(struct pv_nft_objs *l, const struct pv_nft_groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		uint64_t g = gs->v[i];
		const char *name = group_map(l, g);
		struct pv_nft_obj *o = pv_nft_objs_add(l, PV_NFT_SET, L_SET);

		if (!o)
			return;
		o->name = name;
		o->keys = GROUP_NODE(g) ? PV_NK_PROTO_PORT_INDEX : PV_NK_ADDR_PROTO_PORT_INDEX;
		o->dnat_map = true;
		if (!(o = chain(l, GROUP_NODE(g) ? L_EXTERNAL : L_SERVICE, group_chain(l, g), 2)))
			return;
		if (GROUP_NODE(g))
			add_rule(o, &(struct pv_nft_rule){ .action = PV_NA_JUMP,
							   .chain = "mark-for-masquerade" });
		add_rule(o, &(struct pv_nft_rule){ .proto = GROUP_PROTO(g), .action = PV_NA_DNAT_MAP,
						   .map = name, .modulus = GROUP_N(g),
						   .node_key = GROUP_NODE(g) });
	}
}

/* Port P's endpoints as elements (KEY . index : ip . port) of its
 * group's map, which numgen picks from in the group's chain: an endpoint
 * change is a change of elements, no rule, no chain. The chain's name. */
static const char *endpoint_elems(struct pv_nft_objs *l, const struct pv_svc_port *p, bool node,
				  const uint32_t key[PV_NFT_KEY_MAX])
{
	uint64_t g = GROUP(node, p->proto, p->neps);
	const char *map = group_map(l, g);
	size_t words = node ? 2 : 3;
	struct pv_nft_obj *o;

	for (uint32_t i = 0; map && i < p->neps; i++) {
		uint32_t k[PV_NFT_KEY_MAX] = { 0 };

		memcpy(k, key, words * sizeof(*k));
		k[words] = i;
		if ((o = elem(l, map, node ? PV_NK_PROTO_PORT_INDEX : PV_NK_ADDR_PROTO_PORT_INDEX, k))) {
			o->to_ip = p->eps[i].ip;
			o->to_port = p->eps[i].port;
		}
	}
	return group_chain(l, g);
}

/* With sessionAffinity: the Service port's chains, and its NodePort's. */
static void affinity_port(struct pv_nft_objs *l, const struct pv_svc *s,
			  const struct pv_svc_port *p, const uint32_t key[PV_NFT_KEY_MAX],
			  const uint32_t nkey[PV_NFT_KEY_MAX])
{
	const char *id, *svc, *ext;
	struct pv_nft_obj *c;

	id = pv_nft_str(l, "%s/%s/%s/%s", s->ns, s->name, proto_name(p->proto), p->name);
	if (!id)
		return;
	svc = pv_nft_str(l, "service-%s", id);
	service_chain(l, s, p, svc, id);
	verdict_elem(l, "service-ips", PV_NK_ADDR_PROTO_PORT, key, svc);
	if (!p->node_port)
		return;
	ext = pv_nft_str(l, "external-%s", id);
	if (!(c = chain(l, L_EXTERNAL, ext, 2)))
		return;
	add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_JUMP, .chain = "mark-for-masquerade" });
	add_rule(c, &(struct pv_nft_rule){ .action = PV_NA_GOTO, .chain = svc });
	verdict_elem(l, "service-nodeports", PV_NK_PROTO_PORT, nkey, ext);
}

void pv_nft_svc_port(struct pv_nft_objs *l, const struct pv_svc_config *node,
		     const struct pv_svc *s, const struct pv_svc_port *p)
{
	uint32_t key[PV_NFT_KEY_MAX] = { s->cluster_ip, p->proto, p->port };
	uint32_t nkey[PV_NFT_KEY_MAX] = { p->proto, p->node_port };

	(void)node;
	if (!s->cluster_ip)
		return;
	if (!p->neps) {
		/* Refuse at once rather than let the connection hang. */
		verdict_elem(l, "no-endpoint-services", PV_NK_ADDR_PROTO_PORT, key, "reject-chain");
		if (p->node_port)
			verdict_elem(l, "no-endpoint-nodeports", PV_NK_PROTO_PORT, nkey,
				     "reject-chain");
		return;
	}
	hairpins(l, s, p);
	if (s->affinity_seconds) {
		affinity_port(l, s, p, key, nkey);
		return;
	}
	/* (masquerading: in the services chain, pv_nft_base) */
	verdict_elem(l, "service-ips", PV_NK_ADDR_PROTO_PORT, key, endpoint_elems(l, p, false, key));
	if (p->node_port)
		verdict_elem(l, "service-nodeports", PV_NK_PROTO_PORT, nkey,
			     endpoint_elems(l, p, true, nkey));
}

int pv_nft_build(const struct pv_proxy_state *st, struct pv_nft_objs *out, struct pv_err *err)
{
	struct pv_nft_groups gs = { 0 };

	pv_nft_base(out, &st->node);
	pv_nft_hostports(out, st->hostports, st->nhostports);
	pv_nft_groups(st, &gs);
	pv_nft_shared(out, &gs);
	if (gs.oom)
		out->oom = true;
	pv_nft_groups_free(&gs);
	for (size_t i = 0; !out->oom && i < st->nsvcs; i++)
		for (size_t j = 0; j < st->svcs[i].nports; j++)
			pv_nft_svc_port(out, &st->node, &st->svcs[i], &st->svcs[i].ports[j]);
	if (out->oom)
		return pv_err_set(err, ENOMEM, "out of memory building the nftables rules");
	return 0;
}
