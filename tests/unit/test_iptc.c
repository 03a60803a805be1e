/* The libiptc backend against the real kernel, in a network namespace of
 * its own (needs root): what iptables-legacy-save reads back must be the
 * rule set we applied; changes, a flush by someone else, and clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrules/iptables/iptc.h"
#include "netrules/iptables/svcrules.h"
#include "rules_fixture.h"

/* Every rule of RS is in the kernel, and no PV- chain RS lacks. */
static void assert_kernel_has(const struct pv_ruleset *rs)
{
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		char cmd[64], *want = format(rs, (enum pv_table)t), *have, *line, *save = NULL;
		int nwant = 0, nhave = 0;

		snprintf(cmd, sizeof(cmd), "iptables-legacy-save -t %s", pv_table_name((enum pv_table)t));
		have = read_cmd(cmd);
		for (line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "-A ", 3) != 0)
				continue;
			if (!strstr(have, line))
				fail_msg("missing from the kernel: %s\nkernel has:\n%s", line, have);
		}
		for (size_t i = 0; i < rs->n; i++)
			nwant += rs->chains[i]->table == (enum pv_table)t;
		for (const char *p = have; (p = strstr(p, "\n:PV-")); p++)
			nhave++;
		assert_int_equal(nhave, nwant);
		free(want);
		free(have);
	}
}

static struct pv_svc_ep eps[] = { { 0x0A580002, 8080 }, { 0x0A580003, 8080 }, { 0x0A580004, 8080 } };

static void build(struct pv_ruleset *rs, size_t neps, uint32_t affinity)
{
	struct pv_proxy_state st = { 0 };
	struct pv_svc_port ports[] = {
		{ .name = "http", .proto = IPPROTO_TCP, .port = 80, .node_port = 30080, .eps = eps,
		  .neps = neps },
		{ .name = "dns", .proto = IPPROTO_UDP, .port = 53, .eps = eps, .neps = neps },
	};
	struct pv_svc s = { .ns = "default", .name = "web", .cluster_ip = 0x0A60000A,
			    .affinity_seconds = affinity, .ports = ports, .nports = 2 };
	struct pv_hostport hp = { .pod = "default/web-0", .proto = IPPROTO_TCP, .pod_ip = 0x0A580002,
				  .host_port = 8081, .container_port = 80 };

	pv_cidr_parse("10.88.0.0/16", &st.node.pod_cidr);
	st.svcs = &s;
	st.nsvcs = 1;
	st.hostports = &hp;
	st.nhostports = 1;
	pv_rules_init(rs);
	assert_int_equal(pv_svc_rules(&st, rs, NULL), 0);
}

static void test_apply_change_flush_clear(void **state)
{
	struct pv_fw *fw = pv_fw_new();
	struct pv_ruleset rs;
	struct pv_err err = { 0 };
	char *have;

	(void)state;
	/* Someone else's rule must survive everything we do. */
	assert_int_equal(system("iptables-legacy -t nat -A PREROUTING -p tcp --dport 9 -j RETURN"), 0);

	build(&rs, 3, 0);
	if (pv_fw_apply(fw, &rs, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rs.n, 0); /* the backend keeps it */
	assert_kernel_has(pv_fw_current(fw));
	assert_false(pv_fw_changed(fw));

	/* One endpoint gone, affinity on. */
	build(&rs, 2, 60);
	assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
	assert_kernel_has(pv_fw_current(fw));
	/* Applying the same set again is a no-op, and hooks are not doubled. */
	build(&rs, 2, 60);
	assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
	pv_rules_free(&rs);
	have = read_cmd("iptables-legacy-save -t nat");
	assert_non_null(strstr(have, "-A PREROUTING -m comment --comment podvisor service portals "
				     "-j PV-SERVICES\n-A PREROUTING -p tcp -m tcp --dport 9 -j RETURN"));
	assert_null(strstr(strstr(have, "-j PV-SERVICES") + 1, "-A PREROUTING -m comment"));
	free(have);

	/* Someone flushes the nat table: noticed, and restored. */
	assert_int_equal(system("iptables-legacy -t nat -F && iptables-legacy -t nat -X"), 0);
	assert_true(pv_fw_changed(fw));
	build(&rs, 2, 60);
	assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
	assert_kernel_has(pv_fw_current(fw));
	assert_false(pv_fw_changed(fw));

	/* Clearing leaves nothing of ours, and the foreign rule. */
	assert_int_equal(system("iptables-legacy -t nat -A PREROUTING -p tcp --dport 9 -j RETURN"), 0);
	assert_true(pv_fw_changed(fw));
	assert_int_equal(pv_fw_clear(fw, &err), 0);
	have = read_cmd("iptables-legacy-save");
	assert_null(strstr(have, "PV-"));
	assert_non_null(strstr(have, "--dport 9 -j RETURN"));
	free(have);
	pv_fw_free(fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_change_flush_clear),
	};

	/* Counted as skipped when not root; as root (CI) a namespace that
	 * cannot be made is a failure, not a quiet skip. */
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for a network namespace of its own\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		printf("1..1\nnot ok 1 - unshare(CLONE_NEWNET) as root: %s\n", strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
