/* The node's own address (status.hostIP, the downward API's hostIP): what
 * kubelet reports as the node's InternalIP. */
#ifndef PV_SUPERVISOR_NODEADDR_H
#define PV_SUPERVISOR_NODEADDR_H

/* The source address of the default route; else the first global IPv4
 * address of an interface other than lo and BRIDGE; else NULL. Malloc'd. */
char *pv_node_addr_detect(const char *bridge);

#endif
