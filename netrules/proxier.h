/* The proxier seam: what a Service backend is handed, and what it must do
 * with it. The input is the Service model, as kube-proxy's proxiers get
 * it: Services with their cluster IP, session affinity, and ports with
 * their protocol, node port and ready endpoints; the pods' hostPorts; and
 * the node (pod CIDR, whether pod-to-Service traffic is masqueraded). A
 * backend decides its own rules from that (netrules/iptables/: kube-proxy's
 * iptables chains through libiptc; later netrules/nftables/: verdict
 * maps), keeps whatever it needs between syncs to change only what
 * changed, and never touches rules it does not own.
 *
 * Owns: the model's types, the backend's operations table and the handle
 * that calls through it. Calls: common/ and ipam.h only; it knows no
 * backend by name (netrules/proxymode/ does). Pure. */
#ifndef PV_NETRULES_PROXIER_H
#define PV_NETRULES_PROXIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "netrules/ipam.h"

/* ---- the Service model ---- */

struct pv_svc_ep {
	uint32_t ip; /* host byte order */
	uint16_t port;
};

struct pv_svc_port {
	const char *name; /* "" when unnamed */
	uint8_t proto;    /* IPPROTO_TCP, IPPROTO_UDP */
	uint16_t port, node_port; /* node_port 0: none */
	struct pv_svc_ep *eps;    /* the ready endpoints, sorted by ip then port, no duplicates */
	size_t neps;
};

struct pv_svc {
	const char *ns, *name;
	uint32_t cluster_ip;       /* 0: headless, or not programmed (a conflict): no rules */
	uint32_t affinity_seconds; /* sessionAffinity ClientIP; 0: none */
	struct pv_svc_port *ports;
	size_t nports;
};

/* A pod's hostPort: HOST_IP (0: every local address):HOST_PORT -> pod. */
struct pv_hostport {
	const char *pod; /* "ns/name" */
	uint8_t proto;
	uint32_t host_ip, pod_ip;
	uint16_t host_port, container_port;
};

/* The node, as the rules need it. */
struct pv_svc_config {
	struct pv_cidr pod_cidr;
	/* Masquerade pod-to-service traffic too: needed when bridged replies
	 * bypass conntrack (no br_netfilter). */
	bool masquerade_pods;
};

/* Everything one sync hands a backend: the whole wanted state, each time.
 * Borrowed for the call: a backend copies what it keeps. The same state
 * must give the same rules (Services come sorted by namespace and name). */
struct pv_proxy_state {
	struct pv_svc_config node;
	const struct pv_svc *svcs;
	size_t nsvcs;
	const struct pv_hostport *hostports;
	size_t nhostports;
};

/* ---- a backend ---- */

struct pv_proxier_ops {
	const char *name; /* the proxy mode: "iptables" */
	/* The backend's own state, nothing applied yet; NULL with ERR. */
	void *(*new)(struct pv_err *err);
	void (*free)(void *be);
	/* Make the kernel hold the rules for ST, as one atomic change where
	 * the kernel allows it. On failure the next sync starts over. */
	int (*sync)(void *be, const struct pv_proxy_state *st, struct pv_err *err);
	/* Remove every rule the backend owns. */
	int (*clear)(void *be, struct pv_err *err);
	/* Optional (NULL: the backend cannot tell). Whether someone else
	 * changed our rules since the last sync (a flush, a restore); cheap,
	 * for a periodic check. The next sync then rewrites everything. */
	bool (*changed)(void *be);
	/* Optional (NULL: no watch). A new file descriptor, the caller's to
	 * close, readable when someone may have changed our rules; -1 with
	 * ERR. watch_drain empties it, false when the watch is gone (the
	 * caller closes it and opens another). */
	int (*watch_open)(void *be, struct pv_err *err);
	bool (*watch_drain)(void *be, int fd);
};

/* ---- the handle the Service model holds ---- */

struct pv_proxier;

/* A proxier on the backend OPS; NULL with ERR. */
struct pv_proxier *pv_proxier_new(const struct pv_proxier_ops *ops, struct pv_err *err);
void pv_proxier_free(struct pv_proxier *p);
const char *pv_proxier_name(const struct pv_proxier *p);
int pv_proxier_sync(struct pv_proxier *p, const struct pv_proxy_state *st, struct pv_err *err);
int pv_proxier_clear(struct pv_proxier *p, struct pv_err *err);
/* Whether pv_proxier_changed can tell (a periodic check is worth arming). */
bool pv_proxier_checks(const struct pv_proxier *p);
bool pv_proxier_changed(struct pv_proxier *p);
/* -1 with EOPNOTSUPP in ERR when the backend has no watch. */
int pv_proxier_watch_open(struct pv_proxier *p, struct pv_err *err);
bool pv_proxier_watch_drain(struct pv_proxier *p, int fd);

#endif
