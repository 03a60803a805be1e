#include "supervisor/network/bridgeheal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "netrules/netlink.h"
#include "supervisor/core/log.h"
#include "supervisor/network/podnet.h"
#include "supervisor/node/pod.h"

#define SETTLE_MS 100 /* news, then a look at the links once they settled */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000

struct pv_netwatch {
	struct pv_daemon *d;
	struct pv_nl *nl;          /* subscribed to link and address news */
	struct pv_watch_fd *w;
	struct pv_timer *check;    /* news came: look SETTLE_MS later; a heal that
				    * failed: again after RETRY_MS */
	struct pv_nl_news news;    /* heard since the last look */
	bool broken;               /* the last heal failed */
	int64_t retry_ms;
	int ifindex;               /* the bridge's, to know its addresses */
};

static void node_event(struct pv_daemon *d, bool warn, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void node_event(struct pv_daemon *d, bool warn, const char *reason, const char *fmt, ...)
{
	char obj[300], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(obj, sizeof(obj), "node/%s", d->node_name);
	pv_daemon_event(d, obj, warn, reason, "%s", msg);
}

static void pod_event(struct pv_daemon *d, const struct pv_pod_view *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pod_event(struct pv_daemon *d, const struct pv_pod_view *v, const char *fmt, ...)
{
	char obj[600], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(obj, sizeof(obj), "pod/%s/%s", v->ns, v->name);
	pv_daemon_event(d, obj, true, "NetworkNotReady", "%s", msg);
}

static bool on_bridge(const struct pv_pod_view *v)
{
	return v->ip && !v->stopping && !v->spec->spec.host_network.v;
}

/* Every pod's veth onto bridge BR again; how many were attached. A pod
 * whose veth is gone too is told so: it stays unreachable. */
static size_t attach_pods(struct pv_daemon *d, int br, bool cut_off)
{
	struct pv_pod_view v;
	size_t n = 0;

	for (size_t it = 0; pv_pod_view_next(d, &it, &v);) {
		struct pv_err err = { 0 };
		char host[16];
		int idx;

		if (!on_bridge(&v))
			continue;
		pv_podnet_host_name(v.ip, host);
		idx = pv_nl_ifindex(d->nl, host);
		if (!idx) {
			pod_event(d, &v, "its veth %s is gone: the pod is unreachable until it is "
				  "recreated (podvisor delete pod)", host);
			continue;
		}
		if (pv_nl_link_set_master(d->nl, idx, br, &err) < 0 ||
		    pv_nl_port_hairpin(d->nl, idx, &err) < 0 || pv_nl_link_up(d->nl, idx, &err) < 0 ||
		    pv_podnet_neigh(d, v.ip, &err) < 0) {
			pod_event(d, &v, "cannot attach its veth %s to the bridge %s again: %s; the pod "
				  "is unreachable", host, d->bridge, err.msg);
			continue;
		}
		if (cut_off)
			pod_event(d, &v, "the node bridge %s was deleted: the pod was unreachable until "
				  "its veth %s was attached to the new one", d->bridge, host);
		n++;
	}
	return n;
}

static size_t count_pods(struct pv_daemon *d)
{
	struct pv_pod_view v;
	size_t n = 0;

	for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
		n += on_bridge(&v);
	return n;
}

/* Our own changes come back as news: read them now, so that they are not
 * taken for someone else's. */
static void forget_news(struct pv_netwatch *nw)
{
	struct pv_nl_news news = { 0 };
	struct pv_err err = { 0 };

	pv_nl_watch_drain(nw->nl, nw->d->bridge, 0, &news, &err);
}

/* Every pod on the bridge told that it cannot be reached. */
static void say_unreachable(struct pv_daemon *d, const char *why)
{
	struct pv_pod_view v;

	for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
		if (on_bridge(&v))
			pod_event(d, &v, "the node bridge %s %s: the pod is unreachable from the node "
				  "and other pods", d->bridge, why);
}

static void heal(struct pv_daemon *d, const char *what, bool cut_off)
{
	struct pv_netwatch *nw = d->netwatch;
	struct pv_err err = { 0 };
	size_t want = count_pods(d), n;
	int br;

	pv_warn("network: the bridge %s %s; making it again", d->bridge, what);
	if (pv_podnet_bridge_make(d, d->nl, &err) < 0 || !(br = pv_nl_ifindex(d->nl, d->bridge))) {
		if (nw) {
			nw->broken = true;
			nw->retry_ms = nw->retry_ms ? nw->retry_ms * 2 : RETRY_FIRST_MS;
			if (nw->retry_ms > RETRY_MAX_MS)
				nw->retry_ms = RETRY_MAX_MS;
			pv_timer_arm(nw->check, nw->retry_ms);
		}
		node_event(d, true, "BridgeLost", "the pod bridge %s %s and cannot be made again: "
			   "%s; the %zu pods on it are unreachable; trying again in %lld s",
			   d->bridge, what, err.msg[0] ? err.msg : "it did not appear", want,
			   (long long)(nw ? nw->retry_ms : 0) / 1000);
		if (cut_off)
			say_unreachable(d, "is gone and cannot be made again");
		return;
	}
	n = attach_pods(d, br, cut_off);
	node_event(d, true, "BridgeLost", "the pod bridge %s %s; made again, %zu of %zu pods "
		   "attached to it", d->bridge, what, n, want);
	if (nw) {
		nw->ifindex = br;
		nw->retry_ms = 0;
		nw->broken = false;
		forget_news(nw);
	}
}

/* What the news said, checked against the links as they are now: a
 * deletion is first news of the link going down, and the bridge made
 * again by someone else has a new index. */
static void check_fired(void *data)
{
	struct pv_daemon *d = data;
	struct pv_netwatch *nw = d->netwatch;
	struct pv_nl_news news = nw->news;
	int now = pv_nl_ifindex(d->nl, d->bridge);

	memset(&nw->news, 0, sizeof(nw->news));
	if (nw->broken)
		heal(d, "is still missing", true);
	else if (!now || now != nw->ifindex)
		heal(d, "was deleted", true);
	else if (news.down && !pv_nl_link_is_up(d->nl, d->bridge))
		heal(d, "was taken down", false);
	else if (news.addr_gone)
		heal(d, "lost its address", false);
}

static void watch_fired(void *data, int fd, uint32_t events)
{
	struct pv_daemon *d = data;
	struct pv_netwatch *nw = d->netwatch;
	struct pv_err err = { 0 };

	(void)fd;
	(void)events;
	if (pv_nl_watch_drain(nw->nl, d->bridge, nw->ifindex, &nw->news, &err) < 0) {
		pv_warn("network: %s; watching the bridge again", err.msg);
		pv_bridge_watch_stop(d);
		pv_bridge_watch_start(d);
		return;
	}
	if ((nw->news.deleted || nw->news.down || nw->news.addr_gone || nw->news.lost) &&
	    !pv_timer_armed(nw->check))
		pv_timer_arm(nw->check, SETTLE_MS);
}

void pv_bridge_watch_start(struct pv_daemon *d)
{
	struct pv_netwatch *nw = calloc(1, sizeof(*nw));
	struct pv_err err = { 0 };

	if (!nw || !(nw->nl = pv_nl_watch_open(&err)) ||
	    !(nw->w = pv_loop_add(d->loop, pv_nl_fd(nw->nl), EPOLLIN, watch_fired, d)) ||
	    !(nw->check = pv_timer_new(d->loop, check_fired, d))) {
		pv_warn("network: the bridge %s is not watched (%s): if it is deleted, pods stay "
			"unreachable until a pod starts", d->bridge,
			err.msg[0] ? err.msg : strerror(errno));
		if (nw) {
			pv_loop_del(d->loop, nw->w);
			pv_nl_close(nw->nl);
			free(nw);
		}
		return;
	}
	nw->d = d;
	nw->ifindex = pv_nl_ifindex(d->nl, d->bridge);
	d->netwatch = nw;
}

void pv_bridge_watch_stop(struct pv_daemon *d)
{
	struct pv_netwatch *nw = d->netwatch;

	if (!nw)
		return;
	pv_loop_del(d->loop, nw->w);
	pv_timer_free(nw->check);
	pv_nl_close(nw->nl);
	free(nw);
	d->netwatch = NULL;
}
