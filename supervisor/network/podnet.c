#include "supervisor/network/podnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netrules/ipam.h"
#include "netrules/netlink.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/node/pod.h"

static int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The bridge with the gateway's address and MAC, up, and the route to the
 * cluster IPs through it; what is there already is kept. */
int pv_podnet_bridge_make(struct pv_daemon *d, struct pv_nl *nl, struct pv_err *err)
{
	struct in_addr gw = { htonl(pv_cidr_gateway(&d->pod_cidr)) };
	struct in_addr svc = { htonl(d->service_cidr.net) };
	uint8_t mac[6];
	int idx;

	if (pv_nl_bridge_add(nl, d->bridge, err) < 0)
		return -1;
	idx = pv_nl_ifindex(nl, d->bridge);
	if (!idx)
		return pv_err_set(err, ENODEV, "bridge %s did not appear", d->bridge);
	pv_nl_mac_of_ip(ntohl(gw.s_addr), mac);
	if (pv_nl_link_set_mac(nl, idx, mac, err) < 0 ||
	    pv_nl_addr_add(nl, idx, gw, d->pod_cidr.prefix, err) < 0 ||
	    pv_nl_link_up(nl, idx, err) < 0)
		return -1;
	/* Cluster IPs are routable even on a node without a default route
	 * (NAT turns them into pod addresses before they leave). */
	return pv_nl_route_dev(nl, svc, d->service_cidr.prefix, idx, err);
}

int pv_podnet_init(struct pv_daemon *d, struct pv_err *err)
{
	struct pv_nl *nl = pv_nl_open(err);

	if (!nl)
		return -1;
	if (pv_podnet_bridge_make(d, nl, err) < 0) {
		pv_nl_close(nl);
		return -1;
	}
	write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	/* NodePorts on 127.0.0.1, as kube-proxy does. */
	write_sysctl("/proc/sys/net/ipv4/conf/all/route_localnet", "1");
	/* Replies bridged between two pods must pass conntrack to be un-NATed;
	 * without br_netfilter, masquerade pod-to-service traffic instead. */
	d->masquerade_pods = write_sysctl("/proc/sys/net/bridge/bridge-nf-call-iptables", "1") < 0;
	d->nl = nl; /* kept: one socket for every pod's setup */
	return 0;
}

/* The addresses the pods hold, sorted: one look at the pods per
 * allocation, not one per address tried (that was O(pods^2) a pod). */
struct taken {
	uint32_t *ips;
	size_t n;
};

static int ip_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool ip_taken(void *data, uint32_t ip)
{
	const struct taken *t = data;

	return bsearch(&ip, t->ips, t->n, sizeof(*t->ips), ip_cmp) != NULL;
}

static int ip_next(struct pv_daemon *d, uint32_t *out)
{
	struct taken t = { calloc(pv_pod_count(d) + 1, sizeof(uint32_t)), 0 };
	struct pv_pod_view v;
	int rc;

	if (!t.ips)
		return -1;
	for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
		if (v.ip)
			t.ips[t.n++] = v.ip;
	qsort(t.ips, t.n, sizeof(*t.ips), ip_cmp);
	rc = pv_ipam_next(&d->pod_cidr, ip_taken, &t, out);
	free(t.ips);
	return rc;
}

/* The node side of the pod's veth: named after its address, which no
 * other live pod holds (an address is reused only once its pod is gone),
 * so one pod's cleanup can never delete another pod's veth. A name from
 * part of the uid could collide. */
void pv_podnet_host_name(uint32_t ip, char out[16])
{
	snprintf(out, 16, "pv%08x", ip);
}

#define POD_ETH0_INDEX 2 /* lo is 1 in a new namespace */

/* Inside the pod: eth0 with its address, up, the default route, and the
 * gateway's MAC (the bridge's, from its address) known without asking. */
static int configure_inside(struct pv_prt *p, int nsfd, struct pv_err *err)
{
	struct pv_nl *in = pv_nl_open_in(nsfd, err);
	struct in_addr ip = { htonl(p->ip) }, gw = { htonl(pv_cidr_gateway(&p->d->pod_cidr)) };
	uint8_t gw_mac[6];
	int rc = -1;

	if (!in)
		return -1;
	pv_nl_mac_of_ip(ntohl(gw.s_addr), gw_mac);
	if (pv_nl_addr_add(in, POD_ETH0_INDEX, ip, p->d->pod_cidr.prefix, err) == 0 &&
	    pv_nl_link_no_ipv6_addr(in, POD_ETH0_INDEX, err) == 0 &&
	    pv_nl_link_up(in, POD_ETH0_INDEX, err) == 0 && pv_nl_route_default(in, gw, err) == 0 &&
	    pv_nl_neigh_set(in, POD_ETH0_INDEX, gw, gw_mac, err) == 0)
		rc = 0;
	pv_nl_close(in);
	return rc;
}

/* The pod's network namespace: opened through /proc/PID, then checked
 * against the init's pidfd. If the init is still alive after the open,
 * the PID was still its own then, so the namespace is the pod's and not
 * that of a process that was given a reused PID (the spawner reaps at
 * once). One that is the daemon's own is refused too: the pod's eth0
 * would be made on the node. */
static int pod_netns(const struct pv_prt *p, struct pv_err *err)
{
	struct stat pod, own;
	char path[64];
	int fd;

	if (p->init_pidfd < 0)
		return pv_err_set(err, ESRCH, "the pod's init is gone");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)p->init_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "%s", path);
	if (pv_pidfd_signal(p->init_pidfd, 0) < 0) {
		close(fd);
		return pv_err_set(err, ESRCH, "the pod's init (pid %d) is gone", (int)p->init_pid);
	}
	if (fstat(fd, &pod) < 0 || stat("/proc/thread-self/ns/net", &own) < 0 ||
	    (pod.st_dev == own.st_dev && pod.st_ino == own.st_ino)) {
		close(fd);
		return pv_err_set(err, EEXIST, "the pod's init (pid %d) is not in a network "
				  "namespace of its own", (int)p->init_pid);
	}
	return fd;
}

int pv_podnet_neigh(struct pv_daemon *d, uint32_t ip, struct pv_err *err)
{
	int bridge = d->nl ? pv_nl_ifindex(d->nl, d->bridge) : 0;
	uint8_t mac[6];

	if (!bridge)
		return pv_err_set(err, ENODEV, "no bridge %s", d->bridge);
	pv_nl_mac_of_ip(ip, mac);
	return pv_nl_neigh_set(d->nl, bridge, (struct in_addr){ htonl(ip) }, mac, err);
}

int pv_podnet_setup(struct pv_prt *p, struct pv_err *err)
{
	struct pv_daemon *d = p->d;
	struct pv_nl *nl;
	char host[16];
	uint8_t mac[6];
	int nsfd, bridge, idx, rc = -1;

	if (!d->nl)
		return pv_err_set(err, ENODEV, "no pod network");

	if (!p->ip && ip_next(d, &p->ip) < 0)
		return pv_err_set(err, ENOSPC, "no free address in the pod CIDR");
	nsfd = pod_netns(p, err);
	if (nsfd < 0)
		return -1;
	nl = d->nl;
	pv_podnet_host_name(p->ip, host);
	bridge = pv_nl_ifindex(nl, d->bridge);
	if (!bridge && pv_podnet_bridge_make(d, nl, err) == 0)
		bridge = pv_nl_ifindex(nl, d->bridge); /* deleted: the watch (bridgeheal.h)
							 * attaches the other pods */
	pv_nl_mac_of_ip(p->ip, mac);
	if (pv_nl_veth_add(nl, host, bridge, "eth0", nsfd, POD_ETH0_INDEX, mac, err) < 0)
		goto out;
	idx = pv_nl_ifindex(nl, host);
	if (!idx) {
		pv_err_set(err, ENODEV, "%s did not appear", host);
		goto out;
	}
	if (pv_nl_port_hairpin(nl, idx, err) < 0 || pv_nl_link_no_ipv6_addr(nl, idx, err) < 0 ||
	    pv_nl_link_up(nl, idx, err) < 0)
		goto out;
	if (pv_podnet_neigh(d, p->ip, err) < 0) /* removed in pv_podnet_teardown */
		goto out;
	rc = configure_inside(p, nsfd, err);
	/* once the pod's eth0 is up: a port without carrier learns nothing.
	 * Only a shortcut (the bridge learns from the pod's first frame): a
	 * refusal is no reason to fail the pod. */
	if (rc == 0) {
		struct pv_err ferr = { 0 };

		if (pv_nl_fdb_add(nl, idx, mac, &ferr) < 0)
			pv_debug("pod %s/%s: %s", p->ns, p->name, ferr.msg);
	}
out:
	close(nsfd);
	return rc;
}

void pv_podnet_fini(struct pv_daemon *d)
{
	struct pv_err err = { 0 };
	int idx;

	if (!d->nl)
		return;
	idx = pv_nl_ifindex(d->nl, d->bridge);
	if (idx && pv_nl_link_del(d->nl, idx, &err) < 0)
		pv_warn("network: the bridge %s stays: %s", d->bridge, err.msg);
	pv_nl_close(d->nl);
	d->nl = NULL;
}

void pv_podnet_teardown(struct pv_prt *p)
{
	struct pv_err err = { 0 };
	struct pv_nl *nl;
	char host[16];
	int idx, bridge;

	pv_podnet_host_name(p->ip, host);
	idx = (int)if_nametoindex(host);
	nl = p->d->nl;
	bridge = nl ? pv_nl_ifindex(nl, p->d->bridge) : 0;
	if (bridge && pv_nl_neigh_del(nl, bridge, (struct in_addr){ htonl(p->ip) }, &err) < 0)
		pv_warn("pod %s/%s: the node's neighbour entry for its address stays: %s", p->ns,
			p->name, err.msg);
	err = (struct pv_err){ 0 };
	/* ENODEV: gone with the pod's namespace already, as it does */
	if (idx && nl && pv_nl_link_del(nl, idx, &err) < 0 && err.code != ENODEV)
		pv_warn("pod %s/%s: veth %s stays: %s", p->ns, p->name, host, err.msg);
}
