#include "netrules/nftables/nftobj.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

void pv_nft_objs_init(struct pv_nft_objs *l)
{
	memset(l, 0, sizeof(*l));
	pv_arena_init(&l->arena, 0);
}

void pv_nft_objs_free(struct pv_nft_objs *l)
{
	pv_vec_free(l->v, l->n, l->cap);
	pv_arena_free(&l->arena);
	l->oom = false;
}

void pv_nft_objs_reset(struct pv_nft_objs *l)
{
	l->n = 0;
	pv_arena_free(&l->arena);
	l->oom = false;
}

struct pv_nft_obj *pv_nft_objs_add(struct pv_nft_objs *l, enum pv_nft_kind kind, uint8_t level)
{
	struct pv_nft_obj *o;

	if (pv_vec_reserve(l->v, l->n, l->cap, 1) < 0) {
		l->oom = true;
		return NULL;
	}
	o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->level = level;
	return o;
}

const char *pv_nft_str(struct pv_nft_objs *l, const char *fmt, ...)
{
	char buf[512];
	const char *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s = pv_arena_strdup(&l->arena, buf);
	if (!s)
		l->oom = true;
	return s;
}

struct pv_nft_rule *pv_nft_rules(struct pv_nft_objs *l, size_t n)
{
	struct pv_nft_rule *r = pv_arena_calloc(&l->arena, n ? n : 1, sizeof(*r));

	if (!r)
		l->oom = true;
	return r;
}

size_t pv_nft_key_words(enum pv_nft_keys k)
{
	switch (k) {
	case PV_NK_ADDR:
		return 1;
	case PV_NK_ADDR_PROTO_PORT:
		return 3;
	case PV_NK_PROTO_PORT:
		return 2;
	case PV_NK_ADDR_PROTO_PORT_INDEX:
		return 4;
	case PV_NK_PROTO_PORT_INDEX:
		return 3;
	case PV_NK_HAIRPIN:
		return 5;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool pv_nft_same(const struct pv_nft_obj *a, const struct pv_nft_obj *b)
{
	if (a->kind != b->kind || !str_eq(a->name, b->name))
		return false;
	return a->kind != PV_NFT_ELEM || memcmp(a->key, b->key, sizeof(a->key)) == 0;
}

bool pv_nft_rule_equal(const struct pv_nft_rule *a, const struct pv_nft_rule *b)
{
	if (a->ct_new != b->ct_new || a->daddr != b->daddr || a->daddr_mask != b->daddr_mask ||
	    a->daddr_neg != b->daddr_neg || a->proto != b->proto || a->dport != b->dport ||
	    a->saddr != b->saddr || a->saddr_mask != b->saddr_mask || a->saddr_neg != b->saddr_neg ||
	    !str_eq(a->saddr_in, b->saddr_in) || !str_eq(a->svc_in, b->svc_in) ||
	    a->fib_local != b->fib_local ||
	    a->mark_unset != b->mark_unset || a->hairpin != b->hairpin ||
	    a->modulus != b->modulus || a->node_key != b->node_key || a->action != b->action || !str_eq(a->chain, b->chain) ||
	    !str_eq(a->map, b->map) || a->ntargets != b->ntargets || a->to_ip != b->to_ip ||
	    a->to_port != b->to_port)
		return false;
	for (size_t i = 0; i < a->ntargets; i++)
		if (!str_eq(a->targets[i], b->targets[i]))
			return false;
	return true;
}

bool pv_nft_equal(const struct pv_nft_obj *a, const struct pv_nft_obj *b)
{
	switch (a->kind) {
	case PV_NFT_SET:
		return a->keys == b->keys && a->map == b->map && a->dnat_map == b->dnat_map &&
		       a->timeout_s == b->timeout_s;
	case PV_NFT_ELEM:
		return a->keys == b->keys && str_eq(a->target, b->target) &&
		       a->to_ip == b->to_ip && a->to_port == b->to_port;
	case PV_NFT_CHAIN:
		break;
	}
	if (!str_eq(a->hook_type, b->hook_type) || a->hooknum != b->hooknum ||
	    a->prio != b->prio || a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!pv_nft_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

/* ---- nft(8) syntax ---- */

static const char *ip_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = { htonl(ip) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *proto_str(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_SCTP ? "sctp" : "?";
}

static void format_addr(FILE *out, const char *what, uint32_t ip, uint32_t mask, bool neg)
{
	char buf[INET_ADDRSTRLEN];
	int prefix = __builtin_popcount(mask);

	if (!mask)
		return;
	fprintf(out, "ip %s %s%s", what, neg ? "!= " : "", ip_str(ip, buf));
	if (prefix != 32)
		fprintf(out, "/%d", prefix);
	fputc(' ', out);
}

static void format_action(FILE *out, const struct pv_nft_rule *r)
{
	char buf[INET_ADDRSTRLEN];

	switch (r->action) {
	case PV_NA_JUMP:
		fprintf(out, "jump %s", r->chain);
		break;
	case PV_NA_GOTO:
		fprintf(out, "goto %s", r->chain);
		break;
	case PV_NA_RETURN:
		fputs("return", out);
		break;
	case PV_NA_VMAP_SVC:
		fprintf(out, "ip daddr . meta l4proto . th dport vmap @%s", r->map);
		break;
	case PV_NA_VMAP_NODE:
		fprintf(out, "meta l4proto . th dport vmap @%s", r->map);
		break;
	case PV_NA_NUMGEN:
		fprintf(out, "numgen random mod %zu vmap {", r->ntargets);
		for (size_t i = 0; i < r->ntargets; i++)
			fprintf(out, "%s %zu : goto %s", i ? "," : "", i, r->targets[i]);
		fputs(" }", out);
		break;
	case PV_NA_DNAT:
		fprintf(out, "meta l4proto %s dnat to %s:%u", proto_str(r->proto),
			ip_str(r->to_ip, buf), r->to_port);
		break;
	case PV_NA_DNAT_MAP:
		fprintf(out, "meta l4proto %s dnat to %smeta l4proto . th dport . numgen random mod %u "
			"map @%s", proto_str(r->proto), r->node_key ? "" : "ip daddr . ", r->modulus,
			r->map);
		break;
	case PV_NA_MASQ:
		fputs("masquerade fully-random", out);
		break;
	case PV_NA_MARK_SET:
		fprintf(out, "meta mark set meta mark | 0x%08x", PV_NFT_MASQ_MARK);
		break;
	case PV_NA_MARK_CLEAR:
		fprintf(out, "meta mark set meta mark & 0x%08x", ~PV_NFT_MASQ_MARK);
		break;
	case PV_NA_UPDATE:
		fprintf(out, "update @%s { ip saddr }", r->map);
		break;
	case PV_NA_REJECT_TCP:
		fputs("meta l4proto tcp reject with tcp reset", out);
		break;
	case PV_NA_REJECT:
		fputs("reject", out);
		break;
	}
}

void pv_nft_format_rule(FILE *out, const struct pv_nft_rule *r)
{
	if (r->ct_new)
		fputs("ct state new ", out);
	format_addr(out, "daddr", r->daddr, r->daddr_mask, r->daddr_neg);
	/* DNAT carries the protocol itself */
	if (r->proto && r->action != PV_NA_DNAT && r->action != PV_NA_DNAT_MAP)
		fprintf(out, "meta l4proto %s ", proto_str(r->proto));
	if (r->dport)
		fprintf(out, "th dport %u ", r->dport);
	format_addr(out, "saddr", r->saddr, r->saddr_mask, r->saddr_neg);
	if (r->saddr_in)
		fprintf(out, "ip saddr @%s ", r->saddr_in);
	if (r->svc_in)
		fprintf(out, "ip daddr . meta l4proto . th dport @%s ", r->svc_in);
	if (r->fib_local)
		fputs("fib daddr type local ", out);
	if (r->mark_unset)
		fprintf(out, "meta mark & 0x%08x == 0 ", PV_NFT_MASQ_MARK);
	if (r->hairpin)
		fputs("ip saddr . ip daddr . ct original ip daddr . meta l4proto . "
		      "ct original proto-dst @hairpin ", out);
	format_action(out, r);
}

static const char *hook_name(int hooknum)
{
	static const char *const names[] = { "prerouting", "input", "forward", "output",
					     "postrouting" };

	return hooknum >= 0 && hooknum < 5 ? names[hooknum] : "?";
}

static const char *keys_str(enum pv_nft_keys k)
{
	switch (k) {
	case PV_NK_ADDR:
		return "ipv4_addr";
	case PV_NK_ADDR_PROTO_PORT:
		return "ipv4_addr . inet_proto . inet_service";
	case PV_NK_PROTO_PORT:
		return "inet_proto . inet_service";
	case PV_NK_ADDR_PROTO_PORT_INDEX:
		return "ipv4_addr . inet_proto . inet_service . mark";
	case PV_NK_PROTO_PORT_INDEX:
		return "inet_proto . inet_service . mark";
	case PV_NK_HAIRPIN:
		return "ipv4_addr . ipv4_addr . ipv4_addr . inet_proto . inet_service";
	}
	return "?";
}

static bool indexed(enum pv_nft_keys k)
{
	return k == PV_NK_ADDR_PROTO_PORT_INDEX || k == PV_NK_PROTO_PORT_INDEX;
}

static void format_key(FILE *out, const struct pv_nft_obj *o)
{
	char buf[INET_ADDRSTRLEN];
	size_t i = 0, n = pv_nft_key_words(o->keys) - indexed(o->keys);

	for (; i + 2 < n || o->keys == PV_NK_ADDR;) {
		fputs(ip_str(o->key[i++], buf), out);
		if (o->keys == PV_NK_ADDR)
			return;
		fputs(" . ", out);
	}
	fprintf(out, "%s . %u", proto_str((uint8_t)o->key[i]), o->key[i + 1]);
	if (indexed(o->keys))
		fprintf(out, " . %u", o->key[i + 2]);
}

void pv_nft_format_obj(FILE *out, const struct pv_nft_obj *o)
{
	char buf[INET_ADDRSTRLEN];

	switch (o->kind) {
	case PV_NFT_SET:
		fprintf(out, "%s %s { type %s%s;", o->map || o->dnat_map ? "map" : "set", o->name,
			keys_str(o->keys),
			o->map ? " : verdict" : o->dnat_map ? " : ipv4_addr . inet_service" : "");
		if (o->timeout_s)
			fprintf(out, " flags dynamic,timeout; timeout %us;", o->timeout_s);
		fputs(" }\n", out);
		return;
	case PV_NFT_ELEM:
		fprintf(out, "element %s { ", o->name);
		format_key(out, o);
		if (o->target)
			fprintf(out, " : goto %s", o->target);
		else if (o->to_ip)
			fprintf(out, " : %s . %u", ip_str(o->to_ip, buf), o->to_port);
		fputs(" }\n", out);
		return;
	case PV_NFT_CHAIN:
		break;
	}
	fprintf(out, "chain %s {\n", o->name);
	if (o->hook_type)
		fprintf(out, "\ttype %s hook %s priority %d;\n", o->hook_type, hook_name(o->hooknum),
			o->prio);
	for (size_t i = 0; i < o->nrules; i++) {
		fputc('\t', out);
		pv_nft_format_rule(out, &o->rules[i]);
		fputc('\n', out);
	}
	fputs("}\n", out);
}
