/* Services as nftables objects, in kube-proxy's nftables layout (table
 * `ip podvisor`):
 *
 *   nat-prerouting, nat-output (nat, dstnat) -> services:
 *       ip saddr != podCIDR ip daddr . meta l4proto . th dport @service-ips
 *           jump mark-for-masquerade (traffic from outside the pod network,
 *           one rule for every Service)
 *       ip daddr . meta l4proto . th dport vmap @service-ips
 *       fib daddr type local -> hostports
 *       fib daddr type local: meta l4proto . th dport vmap @service-nodeports
 *   service-ips:        clusterIP . proto . port : goto service-PROTO-N
 *   service-nodeports:  proto . nodePort : goto external-PROTO-N
 *   service-PROTO-N:    one chain for all the Service ports of that
 *                       protocol with N endpoints: dnat to ip daddr .
 *                       meta l4proto . th dport . numgen random mod N map
 *                       @endpoints-PROTO-N (clusterIP . proto . port .
 *                       index : ip . port, N elements a Service port)
 *   external-PROTO-N:   mark for masquerade, then the same from
 *                       @nodeport-endpoints-PROTO-N (proto . nodePort .
 *                       index : ip . port)
 *                       No chain of a Service's own: the first sync of
 *                       5,000 Services makes a few chains, not 5,500, and
 *                       binds each map to one rule (an element added is
 *                       checked against every rule bound to its map). An
 *                       endpoint change is a change of map elements; a
 *                       change of N moves the port's elements to another
 *                       map and its service-ips element to another chain.
 *   service-NS/NAME/PROTO/PORT, external-...: sessionAffinity only:
 *                       ip saddr @affinity-... goto endpoint-...; numgen
 *                       random mod N vmap { i : goto endpoint-... } (an
 *                       anonymous map)
 *   endpoint-...:       sessionAffinity only: update @affinity-..., dnat to
 *                       ip:port
 *   hairpin:            a set of endpoint . endpoint . clusterIP . proto .
 *                       port, one element per endpoint address of each
 *                       Service port: a pod that reached itself through its
 *                       Service is masqueraded in nat-postrouting
 *   nat-postrouting (srcnat) -> masquerading: pods' egress, hairpin, marked
 *       packets
 *   filter-input/forward/output (filter, priority -110): new connections to
 *       a port without endpoints (no-endpoint-services, -nodeports) are
 *       rejected at once.
 *
 * One Service port's objects depend on that port alone (and the node), so
 * that one endpoint change rebuilds and compares one port's objects, not
 * the whole set; the shared chains and their maps depend on the set of
 * (protocol, N) pairs in use (pv_nft_groups), compared apart. Pure: the
 * same input gives the same objects. */
#ifndef PV_NETRULES_NFTSVC_H
#define PV_NETRULES_NFTSVC_H

#include "common/err.h"
#include "netrules/nftables/nftobj.h"
#include "netrules/proxier.h"

/* The table's fixed objects: maps, base and helper chains (every one but
 * hostports). */
void pv_nft_base(struct pv_nft_objs *l, const struct pv_svc_config *node);
/* The hostports chain for the N hostPorts HP. */
void pv_nft_hostports(struct pv_nft_objs *l, const struct pv_hostport *hp, size_t n);
/* The (NodePort or not, protocol, number of endpoints) groups the
 * Services of ST use, sorted, each once (a number each, for comparing). */
struct pv_nft_groups {
	uint64_t *v;
	size_t n, cap;
	bool oom;
};

void pv_nft_groups(const struct pv_proxy_state *st, struct pv_nft_groups *gs);
void pv_nft_groups_free(struct pv_nft_groups *gs);
/* The shared chains and maps of the groups GS. */
void pv_nft_shared(struct pv_nft_objs *l, const struct pv_nft_groups *gs);
/* The objects of port P of Service S (none when S has no cluster IP). */
void pv_nft_svc_port(struct pv_nft_objs *l, const struct pv_svc_config *node,
		     const struct pv_svc *s, const struct pv_svc_port *p);
/* Everything for ST into OUT (initialised by the caller); -1 with ERR
 * when out of memory. */
int pv_nft_build(const struct pv_proxy_state *st, struct pv_nft_objs *out, struct pv_err *err);

#endif
