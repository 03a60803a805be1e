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

/* The zone is compared label by label, on the whole name: a dot inside a
 * label is no boundary, and a name too long to print is not cut short
 * into one that ends in the zone. */
static void test_zone_boundary(void **state)
{
	enum pv_dns_verdict v;
	char name[600] = "";
	ldns_pkt *r;

	(void)state;
	/* 63 bytes of \001 print as 252 characters: the printed name's first
	 * 299 characters end in "cluster.local", the name in "evil.com". */
	for (int i = 0; i < 63; i++)
		strcat(name, "\\001");
	strcat(name, ".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cluster.local.evil.com.");
	assert_null(ask(name, LDNS_RR_TYPE_A, &v));
	assert_int_equal(v, PV_DNS_FORWARD);
	assert_null(ask("a\\.cluster.local.", LDNS_RR_TYPE_A, &v)); /* labels "a.cluster", "local" */
	assert_int_equal(v, PV_DNS_FORWARD);
	/* and the same under the zone is the zone's: NXDOMAIN, not upstream */
	strcpy(strstr(name, "evil.com."), "svc.cluster.local.");
	r = ask(name, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v, PV_DNS_ANSWER);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(r);
	/* the zone in any case */
	r = ask("web.default.svc.Cluster.LOCAL.", LDNS_RR_TYPE_A, &v);
	assert_int_equal(v, PV_DNS_ANSWER);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	ldns_pkt_free(r);
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

/* A relayed query's reply is known by ID, source and question, nothing less. */
static void test_reply_matching(void **state)
{
	uint8_t *q = NULL, *r = NULL;
	size_t qlen = 0, rlen = 0;
	struct pv_dns_sent sent = { .addr = 0x0100007F, .port = 0x3500 };
	struct pv_dns_question got;

	(void)state;
	assert_int_equal(pv_dns_query("Slow.Example.com", LDNS_RR_TYPE_A, 0xBEEF, &q, &qlen), 0);
	assert_int_equal(pv_dns_question_parse(q, qlen, false, &sent.q), 0);
	assert_int_equal(sent.q.id, 0xBEEF);
	assert_int_equal(sent.q.qtype, LDNS_RR_TYPE_A);
	assert_int_equal(sent.q.qclass, LDNS_RR_CLASS_IN);
	assert_int_equal(sent.q.name_len, 18);
	assert_memory_equal(sent.q.name, "\4Slow\7Example\3com", 18);
	assert_int_equal(pv_dns_question_parse(q, qlen, true, &got), -1); /* a query is no reply */

	/* the reply: QR set; the upstream may write the name in other case */
	r = malloc(qlen);
	memcpy(r, q, qlen);
	rlen = qlen;
	r[2] |= 0x80;
	r[13] = 's';
	assert_int_equal(pv_dns_question_parse(r, rlen, false, &got), -1);
	assert_int_equal(pv_dns_question_parse(r, rlen, true, &got), 0);
	assert_true(pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got));
	assert_false(pv_dns_reply_matches(&sent, 0x0200007F, 0x3500, &got)); /* another host */
	assert_false(pv_dns_reply_matches(&sent, 0x0100007F, 0xE914, &got)); /* another port */
	got.id ^= 1;
	assert_false(pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got)); /* another ID */
	got.id ^= 1;
	got.qtype = LDNS_RR_TYPE_AAAA;
	assert_false(pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got)); /* another type */
	got.qtype = LDNS_RR_TYPE_A;
	got.qclass = LDNS_RR_CLASS_CH;
	assert_false(pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got)); /* another class */
	/* the same ID for another name: a late reply to an earlier query */
	r[14] = 'n';
	assert_int_equal(pv_dns_question_parse(r, rlen, true, &got), 0);
	assert_false(pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got));
	r[14] = 'l';
	r[12] = 5; /* "\5Slow\7" then 'E' (0x45), which is no label length */
	assert_int_equal(pv_dns_question_parse(r, rlen, true, &got), -1);
	free(r);
	free(q);
}

/* A response whose question is a name of LEN bytes (labels of up to 63). */
static int question_of_name_len(size_t len, struct pv_dns_question *q)
{
	uint8_t msg[12 + 300 + 4] = { 0, 1, 0x81, 0x80, 0, 1 };
	size_t i = 12, left = len - 1; /* the root's zero comes last */

	while (left) {
		size_t l = left - 1 > 63 ? 63 : left - 1;

		assert_true(l > 0); /* LEN must leave room for each label's length */
		msg[i++] = (uint8_t)l;
		memset(msg + i, 'x', l);
		i += l;
		left -= l + 1;
	}
	msg[i++] = 0;
	memcpy(msg + i, "\0\1\0\1", 4);
	return pv_dns_question_parse(msg, i + 4, true, q);
}

/* What cannot be a question is refused, whatever the bytes. */
static void test_question_malformed(void **state)
{
	/* header: ID 1, response, one question; then the name */
	static const uint8_t pointer[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 };
	static const uint8_t two[] = { 0, 1, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
	static const uint8_t none[] = { 0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t cut_label[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'a', 'b' };
	static const uint8_t cut_type[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0 };
	static const uint8_t notify[] = { 0, 1, 0xA1, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
	static const uint8_t ok[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
	struct pv_dns_question q;

	(void)state;
	assert_int_equal(pv_dns_question_parse(ok, sizeof(ok), true, &q), 0);
	assert_int_equal(q.name_len, 3);
	assert_int_equal(pv_dns_question_parse(ok, 11, true, &q), -1);
	assert_int_equal(pv_dns_question_parse(pointer, sizeof(pointer), true, &q), -1);
	assert_int_equal(pv_dns_question_parse(two, sizeof(two), true, &q), -1);
	assert_int_equal(pv_dns_question_parse(none, sizeof(none), true, &q), -1);
	assert_int_equal(pv_dns_question_parse(cut_label, sizeof(cut_label), true, &q), -1);
	assert_int_equal(pv_dns_question_parse(cut_type, sizeof(cut_type), true, &q), -1);
	assert_int_equal(pv_dns_question_parse(notify, sizeof(notify), true, &q), -1);
	/* A name is at most 255 bytes, the root's zero included. */
	assert_int_equal(question_of_name_len(255, &q), 0);
	assert_int_equal(q.name_len, 255);
	assert_int_equal(question_of_name_len(256, &q), -1);
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
		cmocka_unit_test(test_zone_boundary),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_reply_matching),
		cmocka_unit_test(test_question_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
