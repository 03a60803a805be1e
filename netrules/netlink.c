#include "netrules/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* MNL_SOCKET_BUFFER_SIZE depends on the page size: a VLA; this is enough. */
#define NL_BUF 16384

struct pv_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

struct pv_nl *pv_nl_open(struct pv_err *err)
{
	struct pv_nl *nl = calloc(1, sizeof(*nl));
	int one = 1;

	if (!nl)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pv_err_sys(err, errno, "netlink");
		pv_nl_close(nl);
		return NULL;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return nl;
}

struct pv_nl *pv_nl_open_in(int netns_fd, struct pv_err *err)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct pv_nl *nl;

	if (self < 0)
		return pv_err_sys(err, errno, "/proc/self/ns/net"), NULL;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		pv_err_sys(err, errno, "enter the pod's network namespace");
		close(self);
		return NULL;
	}
	nl = pv_nl_open(err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* We cannot be left in the pod's namespace. */
		abort();
	}
	close(self);
	return nl;
}

void pv_nl_close(struct pv_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

/* Send one request and wait for its ack. */
static int talk(struct pv_nl *nl, struct nlmsghdr *h, const char *what, struct pv_err *err)
{
	char buf[NL_BUF];
	ssize_t n;

	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return pv_err_sys(err, errno, "%s", what);
	while ((n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) > 0) {
		int rc = mnl_cb_run(buf, (size_t)n, h->nlmsg_seq, nl->portid, NULL, NULL);

		if (rc < 0)
			return pv_err_sys(err, errno, "%s", what);
		if (rc == MNL_CB_STOP)
			return 0;
	}
	return pv_err_sys(err, errno, "%s", what);
}

static struct nlmsghdr *link_msg(char *buf, int type, int flags, int index)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)flags;
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return h;
}

int pv_nl_ifindex(struct pv_nl *nl, const char *name)
{
	(void)nl;
	return (int)if_nametoindex(name);
}

int pv_nl_bridge_add(struct pv_nl *nl, const char *name, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info;

	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	if (talk(nl, h, "create bridge", err) < 0 && err->code != EEXIST)
		return -1;
	return 0;
}

int pv_nl_link_up(struct pv_nl *nl, int ifindex, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	return talk(nl, h, "set link up", err);
}

int pv_nl_link_no_ipv6_addr(struct pv_nl *nl, int ifindex, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct nlattr *spec = mnl_attr_nest_start(h, IFLA_AF_SPEC);
	struct nlattr *inet6 = mnl_attr_nest_start(h, AF_INET6);

	mnl_attr_put_u8(h, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(h, inet6);
	mnl_attr_nest_end(h, spec);
	if (talk(nl, h, "turn off IPv6 addresses", err) < 0 && err->code != EAFNOSUPPORT)
		return -1;
	return 0;
}

/* A neighbour message's header: the ARP table's (AF_INET) or a bridge's
 * forwarding table's (AF_BRIDGE). */
static struct nlmsghdr *nd_msg(char *buf, int type, int flags, int family, int ifindex,
			       uint16_t state, uint8_t ndm_flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)flags;
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	nd->ndm_flags = ndm_flags;
	return h;
}

static struct nlmsghdr *neigh_msg(char *buf, int type, int flags, int ifindex,
				  struct in_addr addr)
{
	struct nlmsghdr *h = nd_msg(buf, type, flags, AF_INET, ifindex, NUD_PERMANENT, 0);

	mnl_attr_put(h, NDA_DST, sizeof(addr), &addr);
	return h;
}

int pv_nl_neigh_set(struct pv_nl *nl, int ifindex, struct in_addr addr, const uint8_t mac[6],
		    struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = neigh_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr);

	mnl_attr_put(h, NDA_LLADDR, 6, mac);
	return talk(nl, h, "add a neighbour entry", err);
}

/* Has the kernel act now on PORT's pending carrier change (an ethtool
 * link query runs the link watch for the device, which would otherwise
 * come up to a second later): a bridge port is then forwarding. */
static void link_sync(struct pv_nl *nl, int port)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr = { .ifr_data = (char *)&v };

	if (if_indextoname((unsigned)port, ifr.ifr_name))
		ioctl(mnl_socket_get_fd(nl->sock), SIOCETHTOOL, &ifr);
}

int pv_nl_fdb_add(struct pv_nl *nl, int port, const uint8_t mac[6], struct pv_err *err)
{
	for (int try = 0;; try++) {
		char buf[NL_BUF];
		/* NUD_REACHABLE: dynamic, it ages and moves as a learned one */
		struct nlmsghdr *h = nd_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
					    AF_BRIDGE, port, NUD_REACHABLE, NTF_MASTER);

		mnl_attr_put(h, NDA_LLADDR, 6, mac);
		if (talk(nl, h, "add a bridge forwarding entry", err) == 0)
			return 0;
		/* EPERM: the port does not learn yet (its carrier, just on,
		 * not seen by the bridge): once more after seeing it */
		if (err->code != EPERM || try == 1)
			return -1;
		link_sync(nl, port);
		memset(err, 0, sizeof(*err));
	}
}

int pv_nl_neigh_del(struct pv_nl *nl, int ifindex, struct in_addr addr, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = neigh_msg(buf, RTM_DELNEIGH, 0, ifindex, addr);

	if (talk(nl, h, "remove a neighbour entry", err) < 0 && err->code != ENOENT)
		return -1;
	return 0;
}

int pv_nl_link_set_mac(struct pv_nl *nl, int ifindex, const uint8_t mac[6], struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	return talk(nl, h, "set the hardware address", err);
}

int pv_nl_link_del(struct pv_nl *nl, int ifindex, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_DELLINK, 0, ifindex);

	if (talk(nl, h, "delete link", err) < 0 && err->code != ENODEV)
		return -1;
	return 0;
}

/* IFLA_LINKINFO -> IFLA_INFO_DATA -> VETH_INFO_PEER, the peer created in
 * the pod's namespace directly (as systemd-nspawn does). */
void pv_nl_mac_of_ip(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x0a;
	mac[1] = 0x58;
	for (int i = 0; i < 4; i++)
		mac[2 + i] = (uint8_t)(ip >> (24 - 8 * i));
}

int pv_nl_veth_add(struct pv_nl *nl, const char *host, int master, const char *peer,
		   int peer_netns_fd, int peer_index, const uint8_t peer_mac[6],
		   struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info, *data, *pnest;
	struct ifinfomsg *pi;

	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	/* One queue each way, on both ends. Unasked, veth makes one per CPU,
	 * registers them in sysfs, then cuts them back to one (RCU grace
	 * period included): ~30% of creating the pair. */
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	pnest = mnl_attr_nest_start(h, VETH_INFO_PEER);
	pi = mnl_nlmsg_put_extra_header(h, sizeof(*pi));
	pi->ifi_family = AF_UNSPEC;
	pi->ifi_index = peer_index;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	if (peer_mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(h, pnest);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return talk(nl, h, "create veth", err);
}

int pv_nl_addr_add(struct pv_nl *nl, int ifindex, struct in_addr addr, int prefix,
		   struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	h->nlmsg_type = RTM_NEWADDR;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put(h, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(h, IFA_ADDRESS, sizeof(addr), &addr);
	if (talk(nl, h, "add address", err) < 0 && err->code != EEXIST)
		return -1;
	return 0;
}

/* An IPv4 unicast route in the main table: DST_LEN 0 is the default. */
static struct nlmsghdr *route_msg(char *buf, int dst_len, unsigned char scope)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct rtmsg *rt;

	h->nlmsg_type = RTM_NEWROUTE;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = (unsigned char)dst_len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = scope;
	rt->rtm_type = RTN_UNICAST;
	return h;
}

int pv_nl_route_default(struct pv_nl *nl, struct in_addr gw, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = route_msg(buf, 0, RT_SCOPE_UNIVERSE);

	mnl_attr_put(h, RTA_GATEWAY, sizeof(gw), &gw);
	return talk(nl, h, "add default route", err);
}

int pv_nl_route_dev(struct pv_nl *nl, struct in_addr dst, int prefix, int oif, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = route_msg(buf, prefix, RT_SCOPE_LINK);

	mnl_attr_put(h, RTA_DST, sizeof(dst), &dst);
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)oif);
	return talk(nl, h, "add route", err);
}

int pv_nl_port_hairpin(struct pv_nl *nl, int ifindex, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_SETLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct nlattr *nest;

	ifi->ifi_family = AF_BRIDGE;
	nest = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
	mnl_attr_nest_end(h, nest);
	return talk(nl, h, "set hairpin mode", err);
}

bool pv_nl_link_is_up(struct pv_nl *nl, const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up;

	(void)nl;
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	close(fd);
	return up;
}

int pv_nl_link_set_master(struct pv_nl *nl, int ifindex, int master, struct pv_err *err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	return talk(nl, h, "attach to the bridge", err);
}

/* ---- the watch ---- */

struct pv_nl *pv_nl_watch_open(struct pv_err *err)
{
	struct pv_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->sock ||
	    mnl_socket_bind(nl->sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR, MNL_SOCKET_AUTOPID) < 0) {
		pv_err_sys(err, errno, "netlink watch");
		pv_nl_close(nl);
		return NULL;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return nl;
}

int pv_nl_fd(const struct pv_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

struct watch_ctx {
	const char *name;
	int ifindex;
	struct pv_nl_news *news;
};

static int watch_attr(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*name = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int watch_msg(const struct nlmsghdr *h, void *data)
{
	struct watch_ctx *w = data;

	if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
		const char *name = NULL;

		mnl_attr_parse(h, sizeof(*ifi), watch_attr, &name);
		if (!name || strcmp(name, w->name) != 0)
			return MNL_CB_OK;
		if (h->nlmsg_type == RTM_DELLINK)
			w->news->deleted = true;
		else if (!(ifi->ifi_flags & IFF_UP))
			w->news->down = true;
	} else if (h->nlmsg_type == RTM_DELADDR) {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);

		if (w->ifindex && ifa->ifa_family == AF_INET && (int)ifa->ifa_index == w->ifindex)
			w->news->addr_gone = true;
	}
	return MNL_CB_OK;
}

int pv_nl_watch_drain(struct pv_nl *nl, const char *name, int ifindex, struct pv_nl_news *news,
		      struct pv_err *err)
{
	struct watch_ctx w = { name, ifindex, news };
	char buf[NL_BUF];
	ssize_t n;

	while ((n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, watch_msg, &w);
	if (n < 0 && errno == ENOBUFS) {
		news->lost = true;
		return 0;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return pv_err_sys(err, errno, "netlink watch");
	return 0;
}
