/* A node's worth of Services for the rule tests: every shape the iptables
 * layout has a branch for (endpoints, several ports, a node port, session
 * affinity, no endpoints, headless, a Service not programmed, hostPorts
 * with and without a host IP). tests/unit/golden/iptables.rules holds what
 * the iptables backend made of it before the proxier seam existed; it must
 * not change. Included by test_svcrules.c and test_proxier.c. */
#ifndef PV_TESTS_SVC_FIXTURE_H
#define PV_TESTS_SVC_FIXTURE_H

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netrules/proxier.h"

#define SVC_GOLDEN "tests/unit/golden/iptables.rules"

static struct pv_svc_ep fx_web_eps[] = { { 0x0A580002, 8080 }, { 0x0A580003, 8080 },
					 { 0x0A580004, 8080 } };
static struct pv_svc_ep fx_dns_eps[] = { { 0x0A580005, 53 }, { 0x0A580006, 5353 } };
static struct pv_svc_ep fx_sticky_eps[] = { { 0x0A580007, 80 }, { 0x0A580008, 80 } };

static struct pv_svc_port fx_web_ports[] = {
	{ .name = "http", .proto = IPPROTO_TCP, .port = 80, .node_port = 30080, .eps = fx_web_eps,
	  .neps = 3 },
	{ .name = "dns", .proto = IPPROTO_UDP, .port = 53, .eps = fx_dns_eps, .neps = 2 },
};
static struct pv_svc_port fx_sticky_ports[] = {
	{ .name = "", .proto = IPPROTO_TCP, .port = 8443, .node_port = 31443, .eps = fx_sticky_eps,
	  .neps = 2 },
};
static struct pv_svc_port fx_empty_ports[] = {
	{ .name = "", .proto = IPPROTO_UDP, .port = 53, .node_port = 30053 },
	{ .name = "tcp", .proto = IPPROTO_TCP, .port = 53 },
};
static struct pv_svc_port fx_headless_ports[] = {
	{ .name = "", .proto = IPPROTO_TCP, .port = 80, .eps = fx_web_eps, .neps = 1 },
};

/* Sorted by namespace and name, as the Service model hands them over. */
static struct pv_svc fx_svcs[] = {
	{ .ns = "default", .name = "headless", .ports = fx_headless_ports, .nports = 1 },
	{ .ns = "default", .name = "sticky", .cluster_ip = 0x0A60000C, .affinity_seconds = 10800,
	  .ports = fx_sticky_ports, .nports = 1 },
	{ .ns = "default", .name = "web", .cluster_ip = 0x0A60000A, .ports = fx_web_ports,
	  .nports = 2 },
	{ .ns = "kube-system", .name = "dns", .cluster_ip = 0x0A60000B, .ports = fx_empty_ports,
	  .nports = 2 },
	{ .ns = "kube-system", .name = "unprogrammed", .ports = fx_empty_ports, .nports = 1 },
};

static struct pv_hostport fx_hostports[] = {
	{ .pod = "default/web-0", .proto = IPPROTO_TCP, .pod_ip = 0x0A580002, .host_port = 8081,
	  .container_port = 80 },
	{ .pod = "default/dns-0", .proto = IPPROTO_UDP, .host_ip = 0xC0A80102, .pod_ip = 0x0A580005,
	  .host_port = 5353, .container_port = 53 },
};

#define FX_NSVCS (sizeof(fx_svcs) / sizeof(fx_svcs[0]))
#define FX_NHOSTPORTS (sizeof(fx_hostports) / sizeof(fx_hostports[0]))

/* The fixture as one sync hands it to a proxier, on the pod CIDR
 * 10.88.0.0/16. */
static inline struct pv_proxy_state svc_fixture_state(bool masquerade_pods)
{
	struct pv_proxy_state st = { .svcs = fx_svcs, .nsvcs = FX_NSVCS, .hostports = fx_hostports,
				     .nhostports = FX_NHOSTPORTS };

	pv_cidr_parse("10.88.0.0/16", &st.node.pod_cidr);
	st.node.masquerade_pods = masquerade_pods;
	return st;
}

/* PATH's text (malloc'ed), or NULL when it cannot be read. */
static inline char *svc_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int c;

	if (!f)
		return NULL;
	out = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(out);
	fclose(f);
	return buf;
}

/* The golden file's text (malloc'ed), or NULL when it cannot be read. */
static inline char *svc_golden_read(void)
{
	return svc_read_file(SVC_GOLDEN);
}

#endif
