/* Service rule generation: kube-proxy's layout, probabilities, affinity,
 * NodePorts last, REJECT without endpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netrules/iptables/svcrules.h"
#include "tests/unit/svc_fixture.h"

static struct pv_svc_config cfg(void)
{
	struct pv_svc_config c = { 0 };

	pv_cidr_parse("10.88.0.0/16", &c.pod_cidr);
	return c;
}

/* The nat or filter table of SVCS as iptables-restore text. */
static char *render(const struct pv_svc *svcs, size_t n, const struct pv_hostport *hp, size_t nhp,
		    enum pv_table t)
{
	struct pv_proxy_state st = { .node = cfg(), .svcs = svcs, .nsvcs = n, .hostports = hp,
				     .nhostports = nhp };
	struct pv_ruleset rs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pv_rules_init(&rs);
	assert_int_equal(pv_svc_rules(&st, &rs, NULL), 0);
	pv_rules_format(f, &rs, t);
	fclose(f);
	pv_rules_free(&rs);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static struct pv_svc_ep eps3[] = { { 0x0A580002, 8080 }, { 0x0A580003, 8080 }, { 0x0A580004, 8080 } };

static void test_three_endpoints(void **state)
{
	struct pv_svc_port port = { .name = "http", .proto = IPPROTO_TCP, .port = 80,
				    .node_port = 30080, .eps = eps3, .neps = 3 };
	struct pv_svc s = { .ns = "default", .name = "web", .cluster_ip = 0x0A60000A,
			    .ports = &port, .nports = 1 };
	char *nat = render(&s, 1, NULL, 0, PV_TABLE_NAT);
	char *filter = render(&s, 1, NULL, 0, PV_TABLE_FILTER);
	const char *jump, *nodeports;

	(void)state;
	/* The cluster IP jumps to a per-service chain... */
	jump = strstr(nat, "-A PV-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 "
			   "-m comment --comment \"default/web:http\" -j PV-SVC-");
	assert_non_null(jump);
	/* ...which picks one of three with 1/3, then 1/2, then the rest. */
	assert_non_null(strstr(nat, "--probability 0.33333333349 -j PV-SEP-"));
	assert_non_null(strstr(nat, "--probability 0.50000000000 -j PV-SEP-"));
	assert_int_equal(count(nat, "-m statistic"), 2);
	assert_int_equal(count(nat, "-j DNAT --to-destination 10.88.0."), 3);
	assert_non_null(strstr(nat, "-p tcp -j DNAT --to-destination 10.88.0.3:8080"));
	/* Hairpin: an endpoint reaching itself is masqueraded. */
	assert_non_null(strstr(nat, "-s 10.88.0.3/32 -j PV-MARK-MASQ"));
	/* Traffic from outside the pod network is masqueraded. */
	assert_non_null(strstr(nat, "! -s 10.88.0.0/16 -d 10.96.0.10/32 -p tcp -m tcp --dport 80"));
	/* The NodePort, and NodePorts last in PV-SERVICES. */
	assert_non_null(strstr(nat, "-A PV-NODEPORTS -p tcp -m tcp --dport 30080 "));
	nodeports = strstr(nat, "-A PV-SERVICES -m addrtype --dst-type LOCAL");
	assert_non_null(nodeports);
	assert_true(jump < nodeports);
	assert_null(strstr(nodeports + 1, "-A PV-SERVICES"));
	assert_non_null(strstr(nat, "-A PREROUTING -m comment --comment \"podvisor service portals\" "
				    "-j PV-SERVICES"));
	assert_non_null(strstr(nat, "-A POSTROUTING"));
	/* With endpoints nothing is rejected. */
	assert_null(strstr(filter, "REJECT"));
	free(nat);
	free(filter);
}

static void test_no_endpoints_rejects(void **state)
{
	struct pv_svc_port ports[] = {
		{ .name = "", .proto = IPPROTO_UDP, .port = 53, .node_port = 30053 },
		{ .name = "tcp", .proto = IPPROTO_TCP, .port = 53 },
	};
	struct pv_svc s = { .ns = "kube-system", .name = "dns", .cluster_ip = 0x0A60000B,
			    .ports = ports, .nports = 2 };
	char *nat = render(&s, 1, NULL, 0, PV_TABLE_NAT);
	char *filter = render(&s, 1, NULL, 0, PV_TABLE_FILTER);

	(void)state;
	assert_null(strstr(nat, "PV-SVC-"));
	assert_null(strstr(nat, "--dport 53"));
	assert_non_null(strstr(filter, "-A PV-SERVICES -d 10.96.0.11/32 -p udp -m udp --dport 53 "
				       "-m comment --comment \"kube-system/dns\" -j REJECT"));
	/* TCP is refused with a reset: ICMP errors are rate-limited per host. */
	assert_non_null(strstr(filter, "-A PV-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 53 "
				       "-m comment --comment \"kube-system/dns:tcp\" -j REJECT --reject-with tcp-reset"));
	assert_non_null(strstr(filter, "-A PV-EXTERNAL -p udp -m udp --dport 30053 "
				       "-m addrtype --dst-type LOCAL"));
	free(nat);
	free(filter);
}

static void test_affinity(void **state)
{
	struct pv_svc_port port = { .name = "", .proto = IPPROTO_TCP, .port = 80, .eps = eps3, .neps = 2 };
	struct pv_svc s = { .ns = "default", .name = "sticky", .cluster_ip = 0x0A60000C,
			    .affinity_seconds = 10800, .ports = &port, .nports = 1 };
	char *nat = render(&s, 1, NULL, 0, PV_TABLE_NAT);

	(void)state;
	assert_int_equal(count(nat, "-m recent --rcheck --seconds 10800 --reap --name PV-SEP-"), 2);
	assert_int_equal(count(nat, "-m recent --set --name PV-SEP-"), 2);
	/* The check comes before the random choice. */
	assert_true(strstr(nat, "--rcheck") < strstr(nat, "-m statistic"));
	free(nat);
}

static void test_headless_and_hostport(void **state)
{
	struct pv_svc_port port = { .name = "", .proto = IPPROTO_TCP, .port = 80, .eps = eps3, .neps = 1 };
	struct pv_svc s = { .ns = "default", .name = "headless", .ports = &port, .nports = 1 };
	struct pv_hostport hp = { .pod = "default/web", .proto = IPPROTO_TCP, .pod_ip = 0x0A580002,
				  .host_port = 8081, .container_port = 80 };
	char *nat = render(&s, 1, &hp, 1, PV_TABLE_NAT);
	char *nat2 = render(&s, 1, &hp, 1, PV_TABLE_NAT);

	(void)state;
	assert_null(strstr(nat, "PV-SVC-"));
	assert_non_null(strstr(nat, "-A PV-HOSTPORTS -p tcp -m tcp --dport 8081 -m comment "
				    "--comment \"default/web\" -j DNAT --to-destination 10.88.0.2:80"));
	assert_true(strstr(nat, "-j PV-HOSTPORTS") < strstr(nat, "-j PV-NODEPORTS"));
	/* The same input gives the same rules, byte for byte. */
	assert_string_equal(nat, nat2);
	free(nat);
	free(nat2);
}

static void test_chain_names(void **state)
{
	struct pv_svc_port port = { .name = "http", .proto = IPPROTO_TCP, .port = 80, .eps = eps3, .neps = 1 };
	struct pv_svc s = { .ns = "a-very-long-namespace-name-indeed", .name = "and-a-long-service-name",
			    .cluster_ip = 0x0A60000D, .ports = &port, .nports = 1 };
	struct pv_proxy_state st = { .node = cfg(), .svcs = &s, .nsvcs = 1 };
	struct pv_ruleset rs;

	(void)state;
	pv_rules_init(&rs);
	assert_int_equal(pv_svc_rules(&st, &rs, NULL), 0);
	for (size_t i = 0; i < rs.n; i++) {
		assert_true(strlen(rs.chains[i]->name) <= PV_CHAIN_MAX);
		for (size_t j = i + 1; j < rs.n; j++)
			assert_false(rs.chains[i]->table == rs.chains[j]->table &&
				     strcmp(rs.chains[i]->name, rs.chains[j]->name) == 0);
	}
	assert_non_null(pv_rules_find(&rs, PV_TABLE_NAT, "PV-MARK-MASQ"));
	pv_rules_free(&rs);
}

/* The fixture's rules for both masquerade settings, as iptables-restore
 * text: byte for byte what the golden file holds. PV_GOLDEN_UPDATE=1
 * rewrites the file instead (only ever on purpose: the file is the proof
 * that the layout did not move). */
static void test_golden(void **state)
{
	char *buf = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	for (int masq = 0; masq < 2; masq++) {
		struct pv_proxy_state st = svc_fixture_state(masq);
		struct pv_ruleset rs;

		pv_rules_init(&rs);
		assert_int_equal(pv_svc_rules(&st, &rs, NULL), 0);
		fprintf(f, "# masquerade_pods=%d\n", masq);
		pv_rules_format(f, &rs, PV_TABLE_NAT);
		pv_rules_format(f, &rs, PV_TABLE_FILTER);
		pv_rules_free(&rs);
	}
	fclose(f);
	if (getenv("PV_GOLDEN_UPDATE")) {
		FILE *out = fopen(SVC_GOLDEN, "w");

		assert_non_null(out);
		fputs(buf, out);
		fclose(out);
	}
	want = svc_golden_read();
	if (!want)
		fail_msg("cannot read %s (run from the top of the tree)", SVC_GOLDEN);
	assert_string_equal(buf, want);
	free(want);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_endpoints),
		cmocka_unit_test(test_no_endpoints_rejects),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_headless_and_hostport),
		cmocka_unit_test(test_chain_names),
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
