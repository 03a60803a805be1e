/* Cluster DNS messages, through ldns: a query for a name in the cluster
 * zone is answered from a lookup the caller provides (A records, or a
 * CNAME for ExternalName Services); any other name is for the upstream
 * resolvers. Pure: bytes in, bytes out. */
#ifndef PV_NETRULES_DNSMSG_H
#define PV_NETRULES_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_DNS_TTL 5      /* seconds, as CoreDNS's kubernetes plugin */
#define PV_DNS_MAX_A 256

struct pv_dns_answer {
	uint32_t a[PV_DNS_MAX_A]; /* host byte order */
	size_t na;
	char cname[256];          /* "" : none */
};

/* NAME: lower case, no trailing dot, inside the zone. 1 and ANS filled
 * when the name exists; 0 when it does not (NXDOMAIN). */
typedef int (*pv_dns_lookup_fn)(void *data, const char *name, struct pv_dns_answer *ans);

enum pv_dns_verdict {
	PV_DNS_ANSWER,  /* .resp (malloc'ed) is the reply */
	PV_DNS_CHASE,   /* .resp is a CNAME reply (an ExternalName): ask upstream
			 * for .chase/.qtype and append its answers (pv_dns_append) */
	PV_DNS_FORWARD, /* not ours: relay the query upstream as it is */
	PV_DNS_DROP,    /* not a query we can answer at all */
};

struct pv_dns_result {
	uint8_t *resp;
	size_t len;
	char chase[256];
	uint16_t qtype;
};

/* TCP: the query came over TCP (no size limit); over UDP a reply larger
 * than the client can take (512 bytes, or its EDNS size) goes out empty
 * with TC set, and the client asks again over TCP. */
enum pv_dns_verdict pv_dns_handle(const uint8_t *query, size_t len, const char *zone, bool tcp,
				  pv_dns_lookup_fn lookup, void *data, struct pv_dns_result *out);
/* A recursive query for NAME/QTYPE with ID. 0, or -1. */
int pv_dns_query(const char *name, uint16_t qtype, uint16_t id, uint8_t **out, size_t *len);
/* RESP with the answer records of UPSTREAM's reply appended (CoreDNS
 * does the same for ExternalName): the client gets the alias and the
 * addresses in one reply. 0, or -1 (then send RESP as it is). */
int pv_dns_append(const uint8_t *resp, size_t rlen, const uint8_t *upstream, size_t ulen,
		  uint8_t **out, size_t *olen);

/* The header ID and the one question of a message: what pairs a query
 * relayed upstream with its reply. */
struct pv_dns_question {
	uint16_t id;
	uint16_t qtype, qclass;
	uint8_t name_len;
	uint8_t name[255];        /* wire form (labels), uncompressed, as sent */
};

/* A query relayed upstream: its question under our ID, and where it went. */
struct pv_dns_sent {
	struct pv_dns_question q;
	uint32_t addr;            /* network byte order, as in a sockaddr_in */
	uint16_t port;            /* network byte order */
};

/* The ID and question of MSG, which must be a standard query (RESPONSE
 * false) or the response to one (true) with exactly one question: 0, or -1. */
int pv_dns_question_parse(const uint8_t *msg, size_t len, bool response, struct pv_dns_question *q);
/* Whether REPLY, a response that came from ADDR:PORT (network byte order),
 * answers SENT: the same ID, from where the query went, for the same
 * question (the name compared as DNS does, ASCII letters in either case). */
bool pv_dns_reply_matches(const struct pv_dns_sent *sent, uint32_t addr, uint16_t port,
			  const struct pv_dns_question *reply);

#endif
