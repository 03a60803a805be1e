/* The iptables proxier's rule set: podvisor's own chains in the nat and
 * filter tables, each an ordered list of rules. The Service rule builder
 * (svcrules.h) produces one; iptc.h (libiptc) makes the kernel match it;
 * pv_rules_format() prints it as iptables-restore input (for the
 * benchmark's comparison, the golden test and debugging). Pure. */
#ifndef PV_NETRULES_RULES_H
#define PV_NETRULES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

#define PV_CHAIN_MAX 28 /* iptables' limit on a chain name, without the NUL */

enum pv_table { PV_TABLE_NAT, PV_TABLE_FILTER, PV_TABLE_COUNT };

enum pv_target {
	PV_T_JUMP,   /* to the chain in .chain */
	PV_T_RETURN,
	PV_T_ACCEPT,
	PV_T_DNAT,   /* to .to_ip:.to_port (port 0: keep) */
	PV_T_MARK,   /* --set-xmark .mark/.mark_mask */
	PV_T_MASQ,   /* MASQUERADE --random-fully */
	PV_T_REJECT, /* tcp-reset for TCP, else icmp-port-unreachable */
};

struct pv_rule {
	uint8_t proto;          /* IPPROTO_TCP, IPPROTO_UDP; 0: any */
	uint32_t src, src_mask; /* host byte order; mask 0: any */
	bool src_neg;
	uint32_t dst, dst_mask;
	bool dst_neg;
	uint16_t dport;         /* 0: any (needs proto) */
	bool dst_local;         /* -m addrtype --dst-type LOCAL */
	bool match_mark;        /* -m mark [!] --mark .match_value/.match_mask */
	bool mark_neg;
	uint32_t match_value, match_mask;
	uint32_t probability;   /* -m statistic --mode random, in 1/2^31; 0: none */
	const char *recent;     /* -m recent --name RECENT ... */
	bool recent_set;        /* --set (else --rcheck --seconds .recent_seconds --reap) */
	uint32_t recent_seconds;
	const char *comment;    /* -m comment */
	enum pv_target target;
	const char *chain;      /* PV_T_JUMP */
	uint32_t to_ip;         /* PV_T_DNAT, host byte order */
	uint16_t to_port;
	uint32_t mark, mark_mask; /* PV_T_MARK */
};

struct pv_chain {
	char name[32]; /* the size of libiptc's chain label */
	enum pv_table table;
	struct pv_rule *rules;
	size_t n, cap;
};

/* A jump from a built-in chain (PREROUTING, OUTPUT, ...) into one of ours. */
struct pv_hook {
	enum pv_table table;
	const char *builtin;
	struct pv_rule rule;
};

struct pv_ruleset {
	struct pv_chain **chains; /* each allocated alone: pointers to them stay valid */
	size_t n, cap;
	size_t *index;            /* open hash of (table, name) -> chain number + 1 */
	size_t index_cap;
	struct pv_hook *hooks;
	size_t nhooks, hookcap;
	char **strings; /* everything rules point to, owned here */
	size_t nstrings, strcap;
};

void pv_rules_init(struct pv_ruleset *rs);
void pv_rules_free(struct pv_ruleset *rs);
/* The chain NAME in TABLE, created empty at the end if new; NULL when out
 * of memory or NAME is too long. */
struct pv_chain *pv_rules_chain(struct pv_ruleset *rs, enum pv_table t, const char *name);
const struct pv_chain *pv_rules_find(const struct pv_ruleset *rs, enum pv_table t,
				     const char *name);
/* Append a copy of R to C; the strings R points to must live in RS (see
 * pv_rules_str) or be static. -1 when out of memory. */
int pv_rules_add(struct pv_chain *c, const struct pv_rule *r);
int pv_rules_hook(struct pv_ruleset *rs, enum pv_table t, const char *builtin,
		  const struct pv_rule *r);
/* A copy of the formatted string, owned by RS; NULL when out of memory. */
const char *pv_rules_str(struct pv_ruleset *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The probability of "one in N" as the statistic match stores it. */
uint32_t pv_rules_probability(double p);
/* Whether two chains hold the same rules (a backend skips those). */
bool pv_rules_chain_equal(const struct pv_chain *a, const struct pv_chain *b);
/* Whether two sets are the same: chains, rules and hooks. */
bool pv_rules_equal(const struct pv_ruleset *a, const struct pv_ruleset *b);
/* Print one rule's match and target in iptables syntax (no "-A CHAIN"). */
void pv_rules_format_rule(FILE *out, const struct pv_rule *r);
/* The whole set as iptables-restore input for TABLE (--noflush style: our
 * chains are declared and flushed, the hooks appended). */
void pv_rules_format(FILE *out, const struct pv_ruleset *rs, enum pv_table t);
const char *pv_table_name(enum pv_table t);

#endif
