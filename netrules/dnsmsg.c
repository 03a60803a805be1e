#include "netrules/dnsmsg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

/* The longest name as text: ldns prints a byte as at most 4 characters
 * ("\255"), and the label lengths become dots. */
#define NAME_TEXT_MAX (4 * LDNS_MAX_DOMAINLEN + 2)

/* NAME inside ZONE (or the zone itself), label by label and in any case:
 * "a\.cluster.local", whose first label has a dot in it, is not. */
static bool in_zone(const ldns_rdf *name, const char *zone)
{
	ldns_rdf *n = ldns_rdf_clone(name), *z = ldns_dname_new_frm_str(zone);
	bool in = false;

	if (n && z) {
		ldns_dname2canonical(n);
		ldns_dname2canonical(z);
		in = ldns_dname_compare(n, z) == 0 || ldns_dname_is_subdomain(n, z);
	}
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(z);
	return in;
}

static ldns_rr *record(const ldns_rdf *owner, ldns_rr_type type, ldns_rdf *rdata)
{
	ldns_rr *rr = ldns_rr_new();

	if (!rr || !rdata) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(rdata);
		return NULL;
	}
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner)); /* the name as asked, case and all */
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, PV_DNS_TTL);
	ldns_rr_push_rdf(rr, rdata);
	return rr;
}

static void add_answers(ldns_pkt *r, const ldns_rdf *qname, ldns_rr_type qtype,
			const struct pv_dns_answer *ans)
{
	if (ans->cname[0]) {
		/* ExternalName: the alias, for every type, as CoreDNS does. */
		ldns_rr *rr = record(qname, LDNS_RR_TYPE_CNAME, ldns_dname_new_frm_str(ans->cname));

		if (rr)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
		return;
	}
	if (qtype != LDNS_RR_TYPE_A && qtype != LDNS_RR_TYPE_ANY)
		return; /* the name exists, with no record of that type */
	for (size_t i = 0; i < ans->na; i++) {
		uint32_t be = htonl(ans->a[i]);
		ldns_rr *rr = record(qname, LDNS_RR_TYPE_A,
				     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, sizeof(be), &be));

		if (rr)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
}

/* OWNER as text for the lookup, whole (never cut short), lower case, no
 * trailing dot. False when it cannot be printed. */
static bool lower_name(const ldns_rdf *owner, char *out, size_t len)
{
	char *s = ldns_rdf2str(owner);
	int n = s ? snprintf(out, len, "%s", s) : -1;

	free(s);
	if (n < 0 || (size_t)n >= len)
		return false;
	if (n && out[n - 1] == '.')
		out[n - 1] = '\0';
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return true;
}

static bool chases(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_ANY;
}

/* Over UDP, what the client can take. */
static size_t udp_limit(const ldns_pkt *q)
{
	size_t edns = ldns_pkt_edns(q) ? ldns_pkt_edns_udp_size(q) : 0;

	return edns > 512 ? edns : 512;
}

static int encode(ldns_pkt *r, const ldns_pkt *q, bool tcp, struct pv_dns_result *out)
{
	if (ldns_pkt2wire(&out->resp, r, &out->len) != LDNS_STATUS_OK)
		return -1;
	if (tcp || out->len <= udp_limit(q))
		return 0;
	free(out->resp);
	out->resp = NULL;
	ldns_rr_list_deep_free(ldns_pkt_answer(r));
	ldns_pkt_set_answer(r, ldns_rr_list_new());
	ldns_pkt_set_ancount(r, 0);
	ldns_pkt_set_tc(r, true);
	return ldns_pkt2wire(&out->resp, r, &out->len) == LDNS_STATUS_OK ? 0 : -1;
}

enum pv_dns_verdict pv_dns_handle(const uint8_t *query, size_t len, const char *zone, bool tcp,
				  pv_dns_lookup_fn lookup, void *data, struct pv_dns_result *out)
{
	enum pv_dns_verdict v = PV_DNS_DROP;
	struct pv_dns_answer ans;
	ldns_pkt *q = NULL, *r = NULL;
	ldns_rr *question;
	char name[NAME_TEXT_MAX];
	int found;

	memset(out, 0, sizeof(*out));
	if (ldns_wire2pkt(&q, query, len) != LDNS_STATUS_OK)
		return PV_DNS_DROP;
	if (ldns_pkt_qr(q) || ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(q) != 1)
		goto out;
	question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (!in_zone(ldns_rr_owner(question), zone)) {
		v = PV_DNS_FORWARD;
		goto out;
	}
	if (!lower_name(ldns_rr_owner(question), name, sizeof(name)))
		goto out;
	memset(&ans, 0, sizeof(ans));
	found = lookup(data, name, &ans);
	r = ldns_pkt_new();
	if (!r)
		goto out;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
	if (found)
		add_answers(r, ldns_rr_owner(question), ldns_rr_get_type(question), &ans);
	else
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	if (encode(r, q, tcp, out) < 0)
		goto out;
	v = PV_DNS_ANSWER;
	if (found && ans.cname[0] && chases(ldns_rr_get_type(question))) {
		snprintf(out->chase, sizeof(out->chase), "%s", ans.cname);
		out->qtype = (uint16_t)ldns_rr_get_type(question);
		v = PV_DNS_CHASE;
	}
out:
	ldns_pkt_free(r);
	ldns_pkt_free(q);
	return v;
}

int pv_dns_query(const char *name, uint16_t qtype, uint16_t id, uint8_t **out, size_t *len)
{
	ldns_pkt *q = NULL;
	int rc = -1;

	if (ldns_pkt_query_new_frm_str(&q, name, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, LDNS_RD) !=
	    LDNS_STATUS_OK)
		return -1;
	ldns_pkt_set_id(q, id);
	if (ldns_pkt2wire(out, q, len) == LDNS_STATUS_OK)
		rc = 0;
	ldns_pkt_free(q);
	return rc;
}

int pv_dns_append(const uint8_t *resp, size_t rlen, const uint8_t *upstream, size_t ulen,
		  uint8_t **out, size_t *olen)
{
	ldns_pkt *r = NULL, *u = NULL;
	int rc = -1;

	if (ldns_wire2pkt(&r, resp, rlen) != LDNS_STATUS_OK ||
	    ldns_wire2pkt(&u, upstream, ulen) != LDNS_STATUS_OK)
		goto out;
	for (size_t i = 0; i < ldns_pkt_ancount(u); i++)
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER,
				 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_answer(u), i)));
	ldns_pkt_set_aa(r, false); /* part of it is someone else's */
	if (ldns_pkt2wire(out, r, olen) == LDNS_STATUS_OK)
		rc = 0;
out:
	ldns_pkt_free(r);
	ldns_pkt_free(u);
	return rc;
}

int pv_dns_question_parse(const uint8_t *msg, size_t len, bool response, struct pv_dns_question *q)
{
	size_t i = 12, n = 0;
	uint8_t l;

	memset(q, 0, sizeof(*q));
	if (len < 12 || !(msg[2] & 0x80) != !response || (msg[2] >> 3 & 0xF) != LDNS_PACKET_QUERY ||
	    (msg[4] << 8 | msg[5]) != 1)
		return -1;
	q->id = (uint16_t)(msg[0] << 8 | msg[1]);
	do {
		/* A question has no compression pointer (nothing precedes it to
		 * point at), and no name is longer than 255 bytes. */
		if (i >= len || ((l = msg[i]) & 0xC0) || n + 1 + l > sizeof(q->name) || i + 1 + l > len)
			return -1;
		memcpy(q->name + n, msg + i, 1 + (size_t)l);
		n += 1 + (size_t)l;
		i += 1 + (size_t)l;
	} while (l);
	if (i + 4 > len)
		return -1;
	q->name_len = (uint8_t)n;
	q->qtype = (uint16_t)(msg[i] << 8 | msg[i + 1]);
	q->qclass = (uint16_t)(msg[i + 2] << 8 | msg[i + 3]);
	return 0;
}

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Label lengths are below 64, so folding every byte folds only letters. */
static bool same_name(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

bool pv_dns_reply_matches(const struct pv_dns_sent *sent, uint32_t addr, uint16_t port,
			  const struct pv_dns_question *reply)
{
	const struct pv_dns_question *q = &sent->q;

	return reply->id == q->id && addr == sent->addr && port == sent->port &&
	       reply->qtype == q->qtype && reply->qclass == q->qclass &&
	       reply->name_len == q->name_len && same_name(reply->name, q->name, q->name_len);
}
