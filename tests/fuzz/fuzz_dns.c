/* libFuzzer target: any bytes as a query from a pod, through the cluster
 * DNS's parse and answer path (pv_dns_handle, over UDP and over TCP),
 * with a lookup that gives a name nothing, no records, one address, the
 * most an answer holds, or a CNAME to itself (then the chase query is
 * built, and its question must parse back and match a reply to it); and
 * the same bytes as an upstream reply: its question parsed and matched,
 * its answers appended to the reply. Must never crash, leak, or take
 * unbounded time or memory; a reply of ours must carry the query's ID
 * and one question we can parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netrules/dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int lookup(void *unused, const char *name, struct pv_dns_answer *ans)
{
	uint32_t h = hash(name);

	(void)unused;
	switch (h % 5) {
	case 0:
		return 0;
	case 1:
		return 1; /* a name with no records */
	case 2:
		ans->a[ans->na++] = h;
		return 1;
	case 3:
		while (ans->na < PV_DNS_MAX_A)
			ans->a[ans->na++] = h + (uint32_t)ans->na;
		return 1;
	default:
		snprintf(ans->cname, sizeof(ans->cname), "%s", name);
		return 1;
	}
}

/* The chase query for RES must be one we can pair with its reply. */
static void check_chase(const struct pv_dns_result *res)
{
	struct pv_dns_sent sent = { .addr = 0x0100007F, .port = 0x3500 };
	struct pv_dns_question got;
	uint8_t *q = NULL;
	size_t qlen = 0;

	if (pv_dns_query(res->chase, res->qtype, 0xD00D, &q, &qlen) < 0)
		return; /* a name ldns cannot read back: the CNAME alone goes out */
	if (pv_dns_question_parse(q, qlen, false, &sent.q) < 0 || sent.q.id != 0xD00D)
		abort();
	q[2] |= 0x80; /* as upstream would answer it */
	if (pv_dns_question_parse(q, qlen, true, &got) < 0 ||
	    !pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &got))
		abort();
	free(q);
}

static void handle(const uint8_t *data, size_t size, bool tcp)
{
	struct pv_dns_result res;
	struct pv_dns_question q;
	uint8_t *merged = NULL;
	size_t mlen = 0;

	enum pv_dns_verdict v = pv_dns_handle(data, size, "cluster.local", tcp, lookup, NULL, &res);

	if (v != PV_DNS_ANSWER && v != PV_DNS_CHASE)
		return;
	if (v == PV_DNS_CHASE)
		check_chase(&res);
	if (pv_dns_question_parse(res.resp, res.len, true, &q) < 0 ||
	    q.id != (uint16_t)(data[0] << 8 | data[1]))
		abort();
	if (pv_dns_append(res.resp, res.len, data, size, &merged, &mlen) == 0)
		free(merged);
	free(res.resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_dns_sent sent = { .addr = 0x0100007F, .port = 0x3500 };
	struct pv_dns_question q;

	handle(data, size, false);
	handle(data, size, true);
	/* as a reply from upstream */
	if (pv_dns_question_parse(data, size, true, &q) == 0) {
		sent.q = q;
		if (!pv_dns_reply_matches(&sent, sent.addr, sent.port, &q))
			abort();
		sent.port ^= 1;
		if (pv_dns_reply_matches(&sent, 0x0100007F, 0x3500, &q))
			abort();
	}
	pv_dns_question_parse(data, size, false, &q);
	return 0;
}
