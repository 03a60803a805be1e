/* rtnetlink through libmnl: the few link, address and route operations
 * the pod network needs. A pv_nl is bound to the network namespace it was
 * opened in. Returns < 0 with ERR set; never logs. */
#ifndef PV_NETRULES_NETLINK_H
#define PV_NETRULES_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct pv_nl;

struct pv_nl *pv_nl_open(struct pv_err *err);
/* Open a socket inside the network namespace NETNS_FD (the caller's own
 * namespace is restored before returning). */
struct pv_nl *pv_nl_open_in(int netns_fd, struct pv_err *err);
void pv_nl_close(struct pv_nl *nl);

/* 0 when NAME does not exist. */
int pv_nl_ifindex(struct pv_nl *nl, const char *name);
int pv_nl_bridge_add(struct pv_nl *nl, const char *name, struct pv_err *err);
int pv_nl_link_up(struct pv_nl *nl, int ifindex, struct pv_err *err);
int pv_nl_link_del(struct pv_nl *nl, int ifindex, struct pv_err *err);
/* No IPv6 address of its own for the link (addrgenmode none), before it is
 * up: no link-local address, so no duplicate address detection, router
 * solicitation or MLD report. On a bridge of hundreds of ports each of
 * those is flooded to every port, and their cost grows with the square of
 * the pods. A kernel without IPv6 has nothing to turn off: 0. */
int pv_nl_link_no_ipv6_addr(struct pv_nl *nl, int ifindex, struct pv_err *err);
/* A permanent IPv4 neighbour entry on IFINDEX: ADDR is at MAC, never
 * asked by ARP. Pods' MACs follow from their addresses, so the node and
 * each pod know them beforehand; an ARP request is a broadcast that the
 * bridge floods to every port, a cost that grows with the square of the
 * pods. Replaces an entry there is. */
int pv_nl_neigh_set(struct pv_nl *nl, int ifindex, struct in_addr addr, const uint8_t mac[6],
		    struct pv_err *err);
/* Teach the bridge that MAC is behind its port PORT (a bridge forwarding
 * entry, as it would learn from the first frame MAC sends): until then a
 * frame to MAC is flooded to every port, and a pod that has sent nothing
 * yet, whose address the node knows without asking (above), is sent its
 * first packet (the readiness probe's SYN) as a flood, a cost that grows
 * with the pods. The entry goes with the port. A port whose carrier came
 * on an instant ago may not learn yet (EPERM): the bridge is made to see
 * the carrier, and the entry is tried once more. */
int pv_nl_fdb_add(struct pv_nl *nl, int port, const uint8_t mac[6], struct pv_err *err);
/* Remove the entry for ADDR on IFINDEX; none there is not an error. */
int pv_nl_neigh_del(struct pv_nl *nl, int ifindex, struct in_addr addr, struct pv_err *err);
/* Set the link's hardware address. A bridge given one keeps it; left to
 * itself it takes its smallest port's, and changes (flushing its
 * neighbours, leaving every pod's entry for the gateway wrong) whenever
 * that port goes. */
int pv_nl_link_set_mac(struct pv_nl *nl, int ifindex, const uint8_t mac[6], struct pv_err *err);
/* HOST in this namespace, attached to MASTER (ifindex, 0: none); PEER
 * created directly in the namespace PEER_NETNS_FD, with interface index
 * PEER_INDEX there (0: the kernel chooses; in a new namespace lo is 1, so
 * 2 is free and saves looking the peer up) and the hardware address
 * PEER_MAC (NULL: a random one). */
int pv_nl_veth_add(struct pv_nl *nl, const char *host, int master, const char *peer,
		   int peer_netns_fd, int peer_index, const uint8_t peer_mac[6],
		   struct pv_err *err);
/* The hardware address of the address IP (host order), as the CNI
 * plugins make it: 0a:58 and the four bytes of IP. One address, one MAC:
 * a pod given an address another pod had a moment ago is reached at once,
 * not after the neighbour caches that still hold the old MAC expire. */
void pv_nl_mac_of_ip(uint32_t ip, uint8_t mac[6]);
/* Add ADDR/PREFIX; an address already there is success. */
int pv_nl_addr_add(struct pv_nl *nl, int ifindex, struct in_addr addr, int prefix,
		   struct pv_err *err);
int pv_nl_route_default(struct pv_nl *nl, struct in_addr gw, struct pv_err *err);
/* Let the bridge send a frame back out of the port it came in by
 * (IFLA_BRPORT_MODE): a pod reaching its own Service. */
int pv_nl_port_hairpin(struct pv_nl *nl, int ifindex, struct pv_err *err);
/* DST/PREFIX straight out of interface OIF (replacing a route to it). */
int pv_nl_route_dev(struct pv_nl *nl, struct in_addr dst, int prefix, int oif, struct pv_err *err);
/* Is the link NAME there and up (IFF_UP)? */
bool pv_nl_link_is_up(struct pv_nl *nl, const char *name);
/* Attach the link IFINDEX to the bridge MASTER (0: detach it). */
int pv_nl_link_set_master(struct pv_nl *nl, int ifindex, int master, struct pv_err *err);

/* A watch on the links and IPv4 addresses of this namespace: a socket
 * subscribed to rtnetlink's link and address groups, non-blocking, its
 * fd for the caller's event loop. */
struct pv_nl *pv_nl_watch_open(struct pv_err *err);
int pv_nl_fd(const struct pv_nl *nl);
/* What the watch heard of the link NAME since the last drain. */
struct pv_nl_news {
	bool deleted;   /* RTM_DELLINK of NAME */
	bool down;      /* NAME reported without IFF_UP */
	bool addr_gone; /* an IPv4 address removed from NAME's interface */
	bool lost;      /* the socket overflowed: anything may have happened */
};
/* Read everything waiting on the watch NL, noting in NEWS what concerns
 * the link NAME (its index IFINDEX, 0: not known). 0, or -1 with ERR
 * when the socket failed (the caller opens a new one). */
int pv_nl_watch_drain(struct pv_nl *nl, const char *name, int ifindex, struct pv_nl_news *news,
		      struct pv_err *err);

#endif
