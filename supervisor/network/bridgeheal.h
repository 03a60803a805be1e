/* The node bridge kept in place: a watch on rtnetlink's link and address
 * news (netrules/netlink.h) in the daemon's loop. When someone deletes
 * the bridge, takes it down or removes its address, it is made again
 * (podnet's pv_podnet_bridge_make: address, MAC, up, the route to the
 * cluster IPs) and every pod's veth is attached to it again: the node
 * side of a veth survives its bridge, detached, so pod-to-pod, node-to-pod
 * and Service traffic flow again without a pod restart. Each heal is a
 * Warning event on the node, and on every pod the deletion cut off; one
 * that fails says the pods are unreachable and is tried again with
 * back-off. Calls: podnet, node (the pod views, events), core. */
#ifndef PV_SUPERVISOR_BRIDGEHEAL_H
#define PV_SUPERVISOR_BRIDGEHEAL_H

struct pv_daemon;

/* Start watching D's bridge (after pv_podnet_init made it); stop (before
 * pv_podnet_fini removes it). */
void pv_bridge_watch_start(struct pv_daemon *d);
void pv_bridge_watch_stop(struct pv_daemon *d);

#endif
