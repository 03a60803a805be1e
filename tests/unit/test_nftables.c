/* The nftables proxier: the objects built from the Service fixture
 * (tests/unit/golden/nftables.rules, in nft(8) syntax; PV_GOLDEN_WRITE=1
 * rewrites it), the operations one change makes (one endpoint replaced
 * touches that Service's map elements only, no chain; one endpoint fewer
 * moves its elements to the maps of the chains shared by Services with as
 * many endpoints, made for it and the old ones gone with their last
 * Service; the order the kernel needs),
 * and, as root in a network namespace of its own, the backend through
 * the seam: the table in the kernel as nft lists it, an endpoint change
 * as an incremental transaction, someone else's flush seen by the watch
 * (our own changes not) and repaired, a clear that leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrules/nftables/nftables.h"
#include "netrules/nftables/nftdiff.h"
#include "netrules/nftables/nftsvc.h"
#include "netrules/proxier.h"
#include "netrules/proxymode/proxymode.h"
#include "tests/unit/svc_fixture.h"

#define NFT_GOLDEN "tests/unit/golden/nftables.rules"

static bool in_netns;

static char *objs_text(const struct pv_nft_objs *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	for (size_t i = 0; i < l->n; i++)
		pv_nft_format_obj(out, &l->v[i]);
	fclose(out);
	return buf;
}

static char *state_text(const struct pv_proxy_state *st)
{
	struct pv_nft_objs l;
	struct pv_err err = { 0 };
	char *s;

	pv_nft_objs_init(&l);
	assert_int_equal(pv_nft_build(st, &l, &err), 0);
	s = objs_text(&l);
	pv_nft_objs_free(&l);
	return s;
}

/* ---- the objects ---- */

static void test_golden(void **state)
{
	struct pv_proxy_state st0 = svc_fixture_state(false), st1 = svc_fixture_state(true);
	char *t0 = state_text(&st0), *t1 = state_text(&st1), *all = NULL, *want;
	size_t len = 0;
	FILE *out = open_memstream(&all, &len);

	(void)state;
	fprintf(out, "# masquerade_pods=0\n%s# masquerade_pods=1\n%s", t0, t1);
	fclose(out);
	if (getenv("PV_GOLDEN_WRITE")) {
		FILE *g = fopen(NFT_GOLDEN, "w");

		assert_non_null(g);
		fputs(all, g);
		fclose(g);
	}
	want = svc_read_file(NFT_GOLDEN);
	if (!want)
		fail_msg("cannot read %s (run from the top of the tree)", NFT_GOLDEN);
	assert_string_equal(all, want);
	/* the same input, the same objects */
	free(t0);
	t0 = state_text(&st0);
	assert_non_null(strstr(all, t0));
	free(t0);
	free(t1);
	free(all);
	free(want);
}

/* The operations from the fixture to the fixture with one change. */
static char *ops_text(const struct pv_proxy_state *a, const struct pv_proxy_state *b)
{
	struct pv_nft_objs la, lb;
	struct pv_nft_ops ops = { 0 };
	struct pv_err err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	pv_nft_objs_init(&la);
	pv_nft_objs_init(&lb);
	assert_int_equal(pv_nft_build(a, &la, &err), 0);
	assert_int_equal(pv_nft_build(b, &lb, &err), 0);
	pv_nft_diff(la.v, la.n, lb.v, lb.n, &ops);
	pv_nft_ops_sort(&ops);
	out = open_memstream(&buf, &len);
	pv_nft_ops_format(out, &ops);
	fclose(out);
	pv_nft_ops_free(&ops);
	pv_nft_objs_free(&la);
	pv_nft_objs_free(&lb);
	return buf;
}

static void test_diff_nothing(void **state)
{
	struct pv_proxy_state st = svc_fixture_state(false);
	char *t = ops_text(&st, &st);

	(void)state;
	assert_string_equal(t, "");
	free(t);
}

static void test_diff_endpoint_replaced(void **state)
{
	struct pv_proxy_state a = svc_fixture_state(false);
	struct pv_nft_objs la, lb;
	struct pv_nft_ops ops = { 0 };
	struct pv_err err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	pv_nft_objs_init(&la);
	pv_nft_objs_init(&lb);
	assert_int_equal(pv_nft_build(&a, &la, &err), 0);
	fx_web_eps[2].ip = 0x0A580009;
	assert_int_equal(pv_nft_build(&a, &lb, &err), 0);
	fx_web_eps[2].ip = 0x0A580004;
	pv_nft_diff(la.v, la.n, lb.v, lb.n, &ops);
	pv_nft_ops_sort(&ops);
	out = open_memstream(&buf, &len);
	pv_nft_ops_format(out, &ops);
	fclose(out);
	/* Elements only: no chain, no rule, no jump (a jump added makes the
	 * kernel validate the whole table). */
	assert_string_equal(buf,
		"delete element endpoints-tcp-3 { 10.96.0.10 . tcp . 80 . 2 : 10.88.0.4 . 8080 }\n"
		"delete element hairpin { 10.88.0.4 . 10.88.0.4 . 10.96.0.10 . tcp . 80 }\n"
		"delete element nodeport-endpoints-tcp-3 { tcp . 30080 . 2 : 10.88.0.4 . 8080 }\n"
		"add element endpoints-tcp-3 { 10.96.0.10 . tcp . 80 . 2 : 10.88.0.9 . 8080 }\n"
		"add element hairpin { 10.88.0.9 . 10.88.0.9 . 10.96.0.10 . tcp . 80 }\n"
		"add element nodeport-endpoints-tcp-3 { tcp . 30080 . 2 : 10.88.0.9 . 8080 }\n");
	free(buf);
	pv_nft_ops_free(&ops);
	pv_nft_objs_free(&lb);

	/* One endpoint fewer: its elements move to the maps of the chains
	 * for 2 endpoints (made: the fixture has no other such Service), its
	 * verdicts to those chains; the chains for 3 go with their last
	 * Service. Still no chain of its own. */
	pv_nft_objs_init(&lb);
	fx_web_ports[0].neps = 2;
	assert_int_equal(pv_nft_build(&a, &lb, &err), 0);
	fx_web_ports[0].neps = 3;
	pv_nft_diff(la.v, la.n, lb.v, lb.n, &ops);
	pv_nft_ops_sort(&ops);
	buf = NULL;
	out = open_memstream(&buf, &len);
	pv_nft_ops_format(out, &ops);
	fclose(out);
	assert_string_equal(buf,
		"add map endpoints-tcp-2\n"
		"add chain service-tcp-2\n"
		"add map nodeport-endpoints-tcp-2\n"
		"add chain external-tcp-2\n"
		"rules chain service-tcp-2: 1\n"
		"rules chain external-tcp-2: 2\n"
		"delete element endpoints-tcp-3 { 10.96.0.10 . tcp . 80 . 0 : 10.88.0.2 . 8080 }\n"
		"delete element endpoints-tcp-3 { 10.96.0.10 . tcp . 80 . 1 : 10.88.0.3 . 8080 }\n"
		"delete element endpoints-tcp-3 { 10.96.0.10 . tcp . 80 . 2 : 10.88.0.4 . 8080 }\n"
		"delete element hairpin { 10.88.0.4 . 10.88.0.4 . 10.96.0.10 . tcp . 80 }\n"
		"delete element nodeport-endpoints-tcp-3 { tcp . 30080 . 0 : 10.88.0.2 . 8080 }\n"
		"delete element nodeport-endpoints-tcp-3 { tcp . 30080 . 1 : 10.88.0.3 . 8080 }\n"
		"delete element nodeport-endpoints-tcp-3 { tcp . 30080 . 2 : 10.88.0.4 . 8080 }\n"
		"delete element service-ips { 10.96.0.10 . tcp . 80 : goto service-tcp-3 }\n"
		"delete element service-nodeports { tcp . 30080 : goto external-tcp-3 }\n"
		"add element endpoints-tcp-2 { 10.96.0.10 . tcp . 80 . 0 : 10.88.0.2 . 8080 }\n"
		"add element endpoints-tcp-2 { 10.96.0.10 . tcp . 80 . 1 : 10.88.0.3 . 8080 }\n"
		"add element nodeport-endpoints-tcp-2 { tcp . 30080 . 0 : 10.88.0.2 . 8080 }\n"
		"add element nodeport-endpoints-tcp-2 { tcp . 30080 . 1 : 10.88.0.3 . 8080 }\n"
		"add element service-ips { 10.96.0.10 . tcp . 80 : goto service-tcp-2 }\n"
		"add element service-nodeports { tcp . 30080 : goto external-tcp-2 }\n"
		"delete chain external-tcp-3\n"
		"delete chain service-tcp-3\n"
		"delete map endpoints-tcp-3\n"
		"delete map nodeport-endpoints-tcp-3\n");
	free(buf);
	pv_nft_ops_free(&ops);
	pv_nft_objs_free(&la);
	pv_nft_objs_free(&lb);
}

/* The last endpoints go: the elements move to the reject maps, and the
 * chains go in an order the kernel takes (what refers to others first). */
static void test_diff_no_endpoints(void **state)
{
	struct pv_proxy_state a = svc_fixture_state(false);
	struct pv_nft_objs la, lb;
	struct pv_nft_ops ops = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	pv_nft_objs_init(&la);
	pv_nft_objs_init(&lb);
	pv_nft_svc_port(&la, &a.node, &fx_svcs[1], &fx_sticky_ports[0]);
	fx_sticky_ports[0].neps = 0;
	pv_nft_svc_port(&lb, &a.node, &fx_svcs[1], &fx_sticky_ports[0]);
	fx_sticky_ports[0].neps = 2;
	pv_nft_diff(la.v, la.n, lb.v, lb.n, &ops);
	pv_nft_ops_sort(&ops);
	out = open_memstream(&buf, &len);
	pv_nft_ops_format(out, &ops);
	fclose(out);
	assert_string_equal(buf,
		"delete element hairpin { 10.88.0.7 . 10.88.0.7 . 10.96.0.12 . tcp . 8443 }\n"
		"delete element hairpin { 10.88.0.8 . 10.88.0.8 . 10.96.0.12 . tcp . 8443 }\n"
		"delete element service-ips { 10.96.0.12 . tcp . 8443 : goto service-default/sticky/tcp/ }\n"
		"delete element service-nodeports { tcp . 31443 : goto external-default/sticky/tcp/ }\n"
		"add element no-endpoint-nodeports { tcp . 31443 : goto reject-chain }\n"
		"add element no-endpoint-services { 10.96.0.12 . tcp . 8443 : goto reject-chain }\n"
		"delete chain external-default/sticky/tcp/\n"
		"delete chain service-default/sticky/tcp/\n"
		"delete chain endpoint-default/sticky/tcp/__10.88.0.7/80\n"
		"delete chain endpoint-default/sticky/tcp/__10.88.0.8/80\n"
		"delete set affinity-default/sticky/tcp/__10.88.0.7/80/10800s\n"
		"delete set affinity-default/sticky/tcp/__10.88.0.8/80/10800s\n");
	free(buf);
	pv_nft_ops_free(&ops);
	pv_nft_objs_free(&la);
	pv_nft_objs_free(&lb);
}

static void test_mode(void **state)
{
	(void)state;
	assert_ptr_equal(pv_proxy_mode("nftables"), &pv_nftables_proxier);
	assert_string_equal(pv_proxy_mode_name(1), "nftables");
}

/* ---- the kernel ---- */

static char *read_cmd(const char *cmd)
{
	char *buf = NULL, line[4096];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *p = popen(cmd, "r");

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		fputs(line, out);
	pclose(p);
	fclose(out);
	return buf;
}

static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("no \"%s\" in:\n%s", what, text);
}

static void test_kernel(void **state)
{
	struct pv_proxy_state st = svc_fixture_state(false);
	struct pv_err err = { 0 };
	struct pv_proxier *p;
	char *have, *handle;
	int fd;

	(void)state;
	if (!in_netns)
		skip();
	p = pv_proxy_mode_new("nftables", &err);
	if (!p)
		fail_msg("%s", err.msg);
	assert_true(pv_proxier_checks(p));
	if ((fd = pv_proxier_watch_open(p, &err)) < 0)
		fail_msg("%s", err.msg);
	if (pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	have = read_cmd("nft list table ip podvisor");
	assert_has(have, "10.96.0.10 . tcp . 80 : goto service-tcp-3");
	assert_has(have, "tcp . 30080 : goto external-tcp-3");
	assert_has(have, "10.96.0.11 . udp . 53 : goto reject-chain");
	/* one chain for the Services of 3 TCP endpoints, the index a mark */
	assert_has(have, "dnat ip to ip daddr . meta l4proto . tcp dport . numgen random mod 3 "
			 "map @endpoints-tcp-3");
	assert_has(have, "dnat ip to meta l4proto . tcp dport . numgen random mod 3 "
			 "map @nodeport-endpoints-tcp-3");
	assert_has(have, "10.96.0.10 . tcp . 80 . 0x00000000 : 10.88.0.2 . 8080");
	assert_has(have, "10.96.0.10 . tcp . 80 . 0x00000002 : 10.88.0.4 . 8080");
	assert_has(have, "tcp . 30080 . 0x00000002 : 10.88.0.4 . 8080");
	assert_has(have, "ip saddr != 10.88.0.0/16 ip daddr . meta l4proto . th dport "
			 "@service-ips jump mark-for-masquerade");
	assert_has(have, "10.88.0.4 . 10.88.0.4 . 10.96.0.10 . tcp . 80");
	assert_has(have, "ip saddr . ip daddr . ct original ip daddr . meta l4proto . "
			 "ct original proto-dst @hairpin masquerade");
	/* sessionAffinity keeps a chain per endpoint */
	assert_has(have, "numgen random mod 2 vmap { 0 : goto endpoint-default/sticky/tcp/__10.88.0.7/80");
	assert_has(have, "meta l4proto tcp dnat to 10.88.0.7:80");
	assert_has(have, "update @affinity-default/sticky/tcp/__10.88.0.7/80/10800s { ip saddr }");
	free(have);

	/* Our own changes are not someone else's. */
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_false(pv_proxier_changed(p));

	/* One endpoint replaced: in place (its chain, its element). */
	fx_web_eps[2].ip = 0x0A580009;
	if (pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	have = read_cmd("nft list table ip podvisor");
	assert_has(have, "10.96.0.10 . tcp . 80 . 0x00000002 : 10.88.0.9 . 8080");
	assert_null(strstr(have, "10.88.0.4"));
	free(have);
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_false(pv_proxier_changed(p));
	fx_web_eps[2].ip = 0x0A580004;

	/* One endpoint fewer, and back: the Service moves between the
	 * shared chains (those for 3 made anew, and gone again), in
	 * incremental transactions the kernel takes (the table's handle
	 * stays: not replaced by a full sync). */
	handle = read_cmd("nft -a list table ip podvisor | head -1");
	fx_web_ports[0].neps = 2;
	if (pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	have = read_cmd("nft list table ip podvisor");
	assert_has(have, "10.96.0.10 . tcp . 80 : goto service-tcp-2");
	assert_has(have, "numgen random mod 2 map @nodeport-endpoints-tcp-2");
	assert_null(strstr(have, "service-tcp-3"));
	free(have);
	fx_web_ports[0].neps = 3;
	if (pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	have = read_cmd("nft list table ip podvisor");
	assert_has(have, "10.96.0.10 . tcp . 80 : goto service-tcp-3");
	assert_null(strstr(have, "service-tcp-2"));
	free(have);
	have = read_cmd("nft -a list table ip podvisor | head -1");
	assert_string_equal(have, handle);
	free(have);
	free(handle);
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_false(pv_proxier_changed(p));

	/* Someone flushes the table: the watch tells, the sync repairs. */
	assert_int_equal(system("nft flush table ip podvisor"), 0);
	assert_int_equal(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000), 1);
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_true(pv_proxier_changed(p));
	if (pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	have = read_cmd("nft list table ip podvisor");
	assert_has(have, "80 . 0x00000002 : 10.88.0.4 . 8080");
	free(have);
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_false(pv_proxier_changed(p));

	/* Deleted without a watch: the probe sees it. */
	assert_int_equal(system("nft delete table ip podvisor"), 0);
	assert_true(pv_proxier_changed(p));
	assert_int_equal(pv_proxier_sync(p, &st, &err), 0);

	assert_int_equal(pv_proxier_clear(p, &err), 0);
	have = read_cmd("nft list tables");
	assert_null(strstr(have, "podvisor"));
	free(have);
	assert_int_equal(pv_proxier_clear(p, &err), 0); /* nothing left: fine */
	close(fd);
	pv_proxier_free(p);
}

/* The sets are made for twice the elements of the sync that made them
 * (1,024 at least): an incremental sync that adds past that fails in the
 * kernel (ENFILE), and the full sync that follows makes them anew, bigger
 * (a new table's handle), all in one call. */
#define GROW_SVCS 1100

static void test_kernel_grow(void **state)
{
	struct pv_proxy_state st = svc_fixture_state(false), big = st;
	struct pv_svc *svcs = calloc(GROW_SVCS, sizeof(*svcs));
	struct pv_svc_port *ports = calloc(GROW_SVCS, sizeof(*ports));
	struct pv_svc_ep *eps = calloc(GROW_SVCS, sizeof(*eps));
	char (*names)[16] = calloc(GROW_SVCS, sizeof(*names));
	struct pv_err err = { 0 };
	struct pv_proxier *p;
	char *before, *after;

	(void)state;
	if (!in_netns)
		skip();
	assert_true(svcs && ports && eps && names);
	for (size_t i = 0; i < GROW_SVCS; i++) {
		snprintf(names[i], sizeof(names[i]), "g%04zu", i);
		eps[i] = (struct pv_svc_ep){ 0x0A590000u + (uint32_t)i, 8080 };
		ports[i] = (struct pv_svc_port){ .name = "http", .proto = IPPROTO_TCP, .port = 80,
						 .eps = &eps[i], .neps = 1 };
		svcs[i] = (struct pv_svc){ .ns = "grow", .name = names[i],
					   .cluster_ip = 0x0A610000u + (uint32_t)i,
					   .ports = &ports[i], .nports = 1 };
	}
	big.svcs = svcs; /* "grow" sorts after the fixture's "default" */
	big.nsvcs = GROW_SVCS;
	p = pv_proxy_mode_new("nftables", &err);
	if (!p || pv_proxier_sync(p, &st, &err) < 0)
		fail_msg("%s", err.msg);
	before = read_cmd("nft -a list table ip podvisor | head -1");
	if (pv_proxier_sync(p, &big, &err) < 0)
		fail_msg("%s", err.msg);
	after = read_cmd("nft -a list table ip podvisor | head -1");
	assert_string_not_equal(before, after); /* replaced */
	free(before);
	free(after);
	after = read_cmd("nft list map ip podvisor endpoints-tcp-1");
	assert_has(after, "10.97.4.75 . tcp . 80 . 0x00000000 : 10.89.4.75 . 8080");
	free(after);
	assert_int_equal(pv_proxier_clear(p, &err), 0);
	pv_proxier_free(p);
	free(svcs);
	free(ports);
	free(eps);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_diff_nothing),
		cmocka_unit_test(test_diff_endpoint_replaced),
		cmocka_unit_test(test_diff_no_endpoints),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_kernel_grow),
	};

	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			printf("1..1\nnot ok 1 - unshare(CLONE_NEWNET) as root: %s\n", strerror(errno));
			return 1;
		}
		in_netns = true;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
