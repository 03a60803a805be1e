/* Cluster DNS messages: answers from the lookup for names in the zone,
 * NXDOMAIN for unknown ones, CNAME for ExternalName, everything else
 * forwarded; malformed input dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "netrules/dnsmsg.h"

static int lookup(void *data, const char *name, struct pv_dns_answer *ans)
{
	(void)data;
	if (strcmp(name, "web.default.svc.cluster.local") == 0) {
		ans->a[ans->na++] = 0x0A60000A;
		return 1;
	}
	if (strcmp(name, "h.default.svc.cluster.local") == 0) {
		ans->a[ans->na++] = 0x0A580002;
		ans->a[ans->na++] = 0x0A580003;
		return 1;
	}
	if (strcmp(name, "big.default.svc.cluster.local") == 0) {
		for (uint32_t i = 0; i < 40; i++) /* 40 A records: more than 512 bytes */
			ans->a[ans->na++] = 0x0A580100 + i;
		return 1;
	}
	if (strcmp(name, "ext.default.svc.cluster.local") == 0) {
		strcpy(ans->cname, "db.example.org");
		return 1;
	}
	return 0;
}

/* Ask NAME/TYPE; returns the parsed reply (NULL when none) and the verdict. */
static ldns_pkt *ask(const char *name, ldns_rr_type type, enum pv_dns_verdict *v)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	struct pv_dns_result res;

	assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 4242);
	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	*v = pv_dns_handle(wire, len, "cluster.local", false, lookup, NULL, &res);
	if (*v == PV_DNS_ANSWER || *v == PV_DNS_CHASE)
		assert_int_equal(ldns_wire2pkt(&r, res.resp, res.len), LDNS_STATUS_OK);
	if (*v == PV_DNS_CHASE)
		assert_string_equal(res.chase, "db.example.org");
	free(wire);
	free(res.resp);
	ldns_pkt_free(q);
	return r;
}

static void test_a_record(void **state)
{
	enum pv_dns_verdict v;
	ldns_pkt *r = ask("Web.Default.svc.cluster.local.", LDNS_RR_TYPE_A, &v);
	char *s;

	(void)state;
	assert_int_equal(v, PV_DNS_ANSWER);
	assert_int_equal(ldns_pkt_id(r), 4242);
	assert_true(ldns_pkt_qr(r) && ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 0));
	assert_string_equal(s, "10.96.0.10");
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), PV_DNS_TTL);
	free(s);
	ldns_pkt_free(r);
	/* AAAA for a name that exists: no data, not NXDOMAIN. */
	r = ask("web.default.svc.cluster.local.", LDNS_RR_TYPE_AAAA, &v);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = ask("h.default.svc.cluster.local.", LDNS_RR_TYPE_A, &v);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	ldns_pkt_free(r);
}

static void test_nxdomain_cname_forward(void **state)
{
	enum pv_dns_verdict v;
	ldns_pkt *r = ask("nothere.default.svc.cluster.local.", LDNS_RR_TYPE_A, &v);
	char *s;

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	r = ask("ext.default.svc.cluster.local.", LDNS_RR_TYPE_A, &v);
	assert_int_equal(v, PV_DNS_CHASE); /* the target's addresses come from upstream */
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), LDNS_RR_TYPE_CNAME);
	s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 0));
	assert_string_equal(s, "db.example.org.");
	free(s);
	ldns_pkt_free(r);
	/* Outside the zone: for upstream; a look-alike suffix is outside too. */
	assert_null(ask("www.example.com.", LDNS_RR_TYPE_A, &v));
	assert_int_equal(v, PV_DNS_FORWARD);
	assert_null(ask("evilcluster.local.", LDNS_RR_TYPE_A, &v));
	assert_int_equal(v, PV_DNS_FORWARD);
}

/* The CNAME reply completed with the upstream's answer for the target. */
static void test_append(void **state)
{
	struct pv_dns_result res;
	uint8_t *q = NULL, *up = NULL, *merged = NULL, *wire = NULL;
	size_t qlen = 0, uplen = 0, mlen = 0, len = 0;
	ldns_pkt *ask_pkt = NULL, *u = NULL, *m = NULL;
	ldns_rr *rr = NULL;

	(void)state;
	assert_int_equal(ldns_pkt_query_new_frm_str(&ask_pkt, "ext.default.svc.cluster.local.", LDNS_RR_TYPE_A,
						    LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, ask_pkt, &len), LDNS_STATUS_OK);
	assert_int_equal(pv_dns_handle(wire, len, "cluster.local", false, lookup, NULL, &res), PV_DNS_CHASE);
	assert_int_equal(pv_dns_query(res.chase, res.qtype, 7, &q, &qlen), 0);
	/* what an upstream would say */
	assert_int_equal(ldns_wire2pkt(&u, q, qlen), LDNS_STATUS_OK);
	ldns_pkt_set_qr(u, true);
	assert_int_equal(ldns_rr_new_frm_str(&rr, "db.example.org. 60 IN A 203.0.113.7", 0, NULL, NULL),
			 LDNS_STATUS_OK);
	ldns_pkt_push_rr(u, LDNS_SECTION_ANSWER, rr);
	assert_int_equal(ldns_pkt2wire(&up, u, &uplen), LDNS_STATUS_OK);
	assert_int_equal(pv_dns_append(res.resp, res.len, up, uplen, &merged, &mlen), 0);
	assert_int_equal(ldns_wire2pkt(&m, merged, mlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(m), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(m), 0)), LDNS_RR_TYPE_CNAME);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(m), 1)), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_id(m), ldns_pkt_id(ask_pkt)); /* the client's own ID */
	ldns_pkt_free(m);
	ldns_pkt_free(u);
	ldns_pkt_free(ask_pkt);
	free(wire);
	free(q);
	free(up);
	free(merged);
	free(res.resp);
}

/* Over UDP without EDNS, 40 records do not fit: TC, and all of them over TCP. */
static void test_truncation(void **state)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	struct pv_dns_result res;

	(void)state;
	assert_int_equal(ldns_pkt_query_new_frm_str(&q, "big.default.svc.cluster.local.", LDNS_RR_TYPE_A,
						    LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	assert_int_equal(pv_dns_handle(wire, len, "cluster.local", false, lookup, NULL, &res), PV_DNS_ANSWER);
	assert_true(res.len <= 512);
	assert_int_equal(ldns_wire2pkt(&r, res.resp, res.len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	free(res.resp);
	assert_int_equal(pv_dns_handle(wire, len, "cluster.local", true, lookup, NULL, &res), PV_DNS_ANSWER);
	assert_int_equal(ldns_wire2pkt(&r, res.resp, res.len), LDNS_STATUS_OK);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 40);
	ldns_pkt_free(r);
	free(res.resp);
	ldns_pkt_free(q);
	free(wire);
}

static void test_garbage(void **state)
{
	static const uint8_t junk[] = { 1, 2, 3 };
	uint8_t reply[12] = { 0, 1, 0x80, 0, 0, 1 }; /* a response, not a query */
	struct pv_dns_result res;

	(void)state;
	assert_int_equal(pv_dns_handle(junk, sizeof(junk), "cluster.local", false, lookup, NULL, &res),
			 PV_DNS_DROP);
	assert_int_equal(pv_dns_handle(reply, sizeof(reply), "cluster.local", false, lookup, NULL, &res),
			 PV_DNS_DROP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_record),
		cmocka_unit_test(test_nxdomain_cname_forward),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
