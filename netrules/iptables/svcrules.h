/* Services as packet-filter rules, in kube-proxy's iptables layout:
 *
 *   nat  PREROUTING, OUTPUT -> PV-SERVICES
 *        PV-SERVICES: clusterIP:port -> PV-SVC-x; local hostPorts ->
 *                     PV-HOSTPORTS; last, local addresses -> PV-NODEPORTS
 *        PV-NODEPORTS: nodePort -> PV-EXT-x (mark for masquerade) -> PV-SVC-x
 *        PV-SVC-x: traffic from outside the pod network is marked, then one
 *                  endpoint chosen with statistic probabilities 1/n, 1/(n-1), ...
 *                  (sessionAffinity ClientIP: the recent match first)
 *        PV-SEP-y: the endpoint itself marked (hairpin), DNAT to ip:port
 *        POSTROUTING -> PV-POSTROUTING: masquerade marked packets, and pods'
 *                  traffic leaving the pod network
 *   filter OUTPUT, FORWARD -> PV-SERVICES: REJECT ports without endpoints
 *        INPUT, FORWARD -> PV-EXTERNAL: REJECT nodePorts without endpoints
 *        FORWARD -> PV-FORWARD: accept marked and pod traffic
 *
 * Only the rules in PV-SERVICES, PV-NODEPORTS and the filter chains carry
 * a comment naming the Service: a comment match is 256 bytes, and at a
 * thousand Services per-endpoint comments would triple the table the
 * kernel copies at each commit (kube-proxy drops them too, in large
 * clusters). Pure: the same input gives the same rule set, byte for byte. */
#ifndef PV_NETRULES_SVCRULES_H
#define PV_NETRULES_SVCRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "netrules/ipam.h"
#include "netrules/iptables/rules.h"

#define PV_MASQ_MARK 0x4000u /* kube-proxy's bit */

struct pv_svc_ep {
	uint32_t ip; /* host byte order */
	uint16_t port;
};

struct pv_svc_port {
	const char *name; /* "" when unnamed */
	uint8_t proto;    /* IPPROTO_TCP, IPPROTO_UDP */
	uint16_t port, node_port; /* node_port 0: none */
	struct pv_svc_ep *eps;
	size_t neps;
};

struct pv_svc {
	const char *ns, *name;
	uint32_t cluster_ip;       /* 0: headless, or not programmed */
	uint32_t affinity_seconds; /* sessionAffinity ClientIP; 0: none */
	struct pv_svc_port *ports;
	size_t nports;
};

/* A pod's hostPort: HOST_IP (0: every local address):HOST_PORT -> pod. */
struct pv_hostport {
	const char *pod; /* "ns/name", for the comment */
	uint8_t proto;
	uint32_t host_ip, pod_ip;
	uint16_t host_port, container_port;
};

struct pv_svc_config {
	struct pv_cidr pod_cidr;
	/* Masquerade pod-to-service traffic too: needed when bridged replies
	 * bypass conntrack (no br_netfilter). */
	bool masquerade_pods;
};

/* Build the rule set for SVCS and HOSTPORTS into OUT (initialised by the
 * caller). -1 with ERR when out of memory. */
int pv_svc_rules(const struct pv_svc_config *cfg, const struct pv_svc *svcs, size_t nsvcs,
		 const struct pv_hostport *hostports, size_t nhostports, struct pv_ruleset *out,
		 struct pv_err *err);

#endif
