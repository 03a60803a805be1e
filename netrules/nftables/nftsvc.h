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
 *   service-ips:        clusterIP . proto . port : goto service-NS/NAME/PROTO/PORT
 *   service-nodeports:  proto . nodePort : goto external-... (mark, goto service-...)
 *   service-...:        dnat to KEY . numgen random mod N map @endpoints-XX
 *                       (KEY: 64 bits of the SHA-256 of NS/NAME/PROTO/PORT;
 *                       endpoints-00 to -3f: data maps, KEY . index : ip .
 *                       port, the map picked by KEY): an endpoint change is
 *                       a change of map elements, no chain and no jump (a
 *                       jump or goto added makes the kernel validate the
 *                       whole table); a change of N replaces this chain's
 *                       one rule.
 *                       With sessionAffinity (only then): ip saddr
 *                       @affinity-... goto endpoint-...; numgen random mod N
 *                       vmap { i : goto endpoint-... } (an anonymous map)
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
 * the whole set. Pure: the same input gives the same objects. */
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
/* The objects of port P of Service S (none when S has no cluster IP). */
void pv_nft_svc_port(struct pv_nft_objs *l, const struct pv_svc_config *node,
		     const struct pv_svc *s, const struct pv_svc_port *p);
/* Everything for ST into OUT (initialised by the caller); -1 with ERR
 * when out of memory. */
int pv_nft_build(const struct pv_proxy_state *st, struct pv_nft_objs *out, struct pv_err *err);

#endif
