/* The pod network: a node bridge with the pod CIDR's gateway address, and
 * for each pod a veth pair (the pod's end, eth0, created directly in the
 * pod's namespace) with an address from the CIDR and a default route. */
#ifndef PV_SUPERVISOR_PODNET_H
#define PV_SUPERVISOR_PODNET_H

#include <stdint.h>

#include "common/err.h"

struct pv_daemon;
struct pv_prt;
struct pv_nl;

int pv_podnet_init(struct pv_daemon *d, struct pv_err *err);
/* Give P an address (P->ip) and connect its namespace to the bridge. */
int pv_podnet_setup(struct pv_prt *p, struct pv_err *err);
/* The node's permanent neighbour entry for the pod at IP (host order) on
 * the bridge: its MAC follows from its address, so no ARP broadcast is
 * flooded to every port to find it. Made by setup, and again for adopted
 * pods and when the bridge is made again (a new MAC flushes them). */
int pv_podnet_neigh(struct pv_daemon *d, uint32_t ip, struct pv_err *err);
/* Remove what setup made in the node's namespace (the pod's side goes
 * with its namespace). */
void pv_podnet_teardown(struct pv_prt *p);
/* Remove the bridge (when the daemon leaves with its pods). */
void pv_podnet_fini(struct pv_daemon *d);
/* Make the bridge (again): its address, MAC, up, the route to the
 * cluster IPs; what is there already stays. */
int pv_podnet_bridge_make(struct pv_daemon *d, struct pv_nl *nl, struct pv_err *err);
/* The name of the node side of the veth of the pod at IP (host order). */
void pv_podnet_host_name(uint32_t ip, char out[16]);

#endif
