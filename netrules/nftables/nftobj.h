/* The nftables proxier's vocabulary: the objects of podvisor's table
 * (`table ip podvisor`): chains with their rules, sets and verdict maps,
 * and map elements. A rule here is not an nftables expression list but
 * the few shapes the Service rules need (a fixed order of optional
 * matches, then one action), so that two rules compare field by field,
 * print as nft(8) syntax (for tests and debugging), and are turned into
 * expressions in one place (nftnl.c).
 *
 * Owns: the object and rule types, a list of objects with the arena its
 * strings and rules live in, equality, the nft(8)-syntax printer.
 * Calls: common/ only. Pure. */
#ifndef PV_NETRULES_NFTOBJ_H
#define PV_NETRULES_NFTOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/arena.h"

#define PV_NFT_TABLE "podvisor"
#define PV_NFT_MASQ_MARK 0x4000u /* kube-proxy's bit, as the iptables proxier */

enum pv_nft_action {
	PV_NA_JUMP,       /* jump .chain */
	PV_NA_GOTO,       /* goto .chain */
	PV_NA_RETURN,
	PV_NA_VMAP_SVC,   /* ip daddr . meta l4proto . th dport vmap @.map */
	PV_NA_VMAP_NODE,  /* meta l4proto . th dport vmap @.map */
	PV_NA_NUMGEN,     /* numgen random mod n vmap { i : goto .targets[i] } */
	PV_NA_DNAT,       /* meta l4proto .proto dnat to .to_ip:.to_port */
	PV_NA_DNAT_MAP,   /* meta l4proto .proto dnat to ip daddr . meta l4proto . th dport .
			   * numgen random mod .modulus map @.map (.node_key: without ip
			   * daddr) */
	PV_NA_MASQ,       /* masquerade fully-random */
	PV_NA_MARK_SET,   /* meta mark set meta mark | MASQ_MARK */
	PV_NA_MARK_CLEAR, /* meta mark set meta mark & ~MASQ_MARK */
	PV_NA_UPDATE,     /* update @.map { ip saddr } */
	PV_NA_REJECT_TCP, /* meta l4proto tcp reject with tcp reset */
	PV_NA_REJECT,     /* reject (icmp port-unreachable) */
};

/* Matches, all optional, in the order they are evaluated. Addresses in
 * host byte order; a mask of 0 matches any address. */
struct pv_nft_rule {
	bool ct_new;                 /* ct state new */
	uint32_t daddr, daddr_mask;  /* ip daddr [!=] */
	bool daddr_neg;
	uint8_t proto;               /* meta l4proto (0: any) */
	uint16_t dport;              /* th dport (needs .proto) */
	uint32_t saddr, saddr_mask;  /* ip saddr [!=] */
	bool saddr_neg;
	const char *saddr_in;        /* ip saddr @set */
	const char *svc_in;          /* ip daddr . meta l4proto . th dport @map (a key in it) */
	bool fib_local;              /* fib daddr type local */
	bool mark_unset;             /* meta mark & MASQ_MARK == 0 */
	bool hairpin;                /* the packet's 5 words (PV_NK_HAIRPIN) @hairpin */
	enum pv_nft_action action;
	const char *chain;           /* JUMP, GOTO */
	const char *map;             /* VMAP_*, UPDATE: a set's name */
	const char **targets;        /* NUMGEN: the chains, ntargets of them */
	size_t ntargets;
	uint32_t modulus;            /* DNAT_MAP */
	bool node_key;               /* DNAT_MAP: a NodePort's key (no address) */
	uint32_t to_ip;              /* DNAT */
	uint16_t to_port;
};

enum pv_nft_kind { PV_NFT_SET, PV_NFT_CHAIN, PV_NFT_ELEM };

/* The key types of the maps and sets (nft's type ids, concatenated). */
enum pv_nft_keys {
	PV_NK_ADDR,            /* ipv4_addr */
	PV_NK_ADDR_PROTO_PORT, /* ipv4_addr . inet_proto . inet_service */
	PV_NK_PROTO_PORT,      /* inet_proto . inet_service */
	/* a Service port's cluster IP . protocol . port, and numgen's index
	 * (a mark: a 32-bit integer in host order) */
	PV_NK_ADDR_PROTO_PORT_INDEX,
	/* a NodePort's protocol . port, and numgen's index */
	PV_NK_PROTO_PORT_INDEX,
	/* ip saddr . ip daddr . ct original ip daddr . meta l4proto .
	 * ct original proto-dst: a connection to a Service that came back to
	 * its own source (hairpin) */
	PV_NK_HAIRPIN,
};

#define PV_NFT_KEY_MAX 5 /* words */

struct pv_nft_obj {
	enum pv_nft_kind kind;
	/* What may refer to what: objects are made in ascending levels and
	 * deleted in descending ones (a chain before the chains and sets it
	 * refers to). */
	uint8_t level;
	const char *name; /* the set's or chain's; an element's map */
	/* PV_NFT_CHAIN; .hook NULL for a regular chain */
	const char *hook_type; /* "nat", "filter" */
	int hooknum, prio;
	struct pv_nft_rule *rules;
	size_t nrules;
	/* PV_NFT_SET */
	enum pv_nft_keys keys;
	bool map;              /* a verdict map */
	bool dnat_map;         /* a map to ipv4_addr . inet_service */
	uint32_t timeout_s;    /* dynamic, with a timeout; 0: neither */
	/* PV_NFT_ELEM: the key in .keys' order (addrs, proto, port, index),
	 * and the verdict, goto .target, or (.target NULL,
	 * in a dnat map) the data .to_ip . .to_port; in a set, neither */
	uint32_t key[PV_NFT_KEY_MAX];
	const char *target;
	uint32_t to_ip;
	uint16_t to_port;
};

/* A list of objects; their strings and rules live in .arena. */
struct pv_nft_objs {
	struct pv_nft_obj *v;
	size_t n, cap;
	struct pv_arena arena;
	bool oom; /* an allocation failed: the list is incomplete */
};

void pv_nft_objs_init(struct pv_nft_objs *l);
void pv_nft_objs_free(struct pv_nft_objs *l);
/* Empty the list, keeping its memory for reuse. */
void pv_nft_objs_reset(struct pv_nft_objs *l);
/* A new zeroed object at the end; NULL (and .oom) when out of memory.
 * The pointer dies with the next pv_nft_objs_add. */
struct pv_nft_obj *pv_nft_objs_add(struct pv_nft_objs *l, enum pv_nft_kind kind, uint8_t level);
/* A copy of the formatted string in the list's arena (NULL and .oom). */
const char *pv_nft_str(struct pv_nft_objs *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Room for N rules in the arena (NULL and .oom). */
struct pv_nft_rule *pv_nft_rules(struct pv_nft_objs *l, size_t n);

/* How many key words a key type has (and its length: 4 bytes each). */
size_t pv_nft_key_words(enum pv_nft_keys k);
/* Whether A and B are the same object (kind, name, element key). */
bool pv_nft_same(const struct pv_nft_obj *a, const struct pv_nft_obj *b);
/* Whether A and B, the same object, hold the same content. */
bool pv_nft_equal(const struct pv_nft_obj *a, const struct pv_nft_obj *b);
bool pv_nft_rule_equal(const struct pv_nft_rule *a, const struct pv_nft_rule *b);

/* nft(8) syntax: one rule (no newline), one object (a chain with its
 * rules, a set, or "element MAP { KEY : goto CHAIN }"). */
void pv_nft_format_rule(FILE *out, const struct pv_nft_rule *r);
void pv_nft_format_obj(FILE *out, const struct pv_nft_obj *o);

#endif
