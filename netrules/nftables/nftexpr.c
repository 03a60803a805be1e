#include "netrules/nftables/nftexpr.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

/* The rule being built; an expression that cannot be allocated fails
 * the whole rule (a rule missing a match would match too much). */
struct ctx {
	struct nftnl_rule *rule;
	bool oom;
};

static struct nftnl_expr *expr(struct ctx *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r->rule, e);
	else
		r->oom = true;
	return e;
}

static void payload(struct ctx *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void meta(struct ctx *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void cmp(struct ctx *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

/* reg1 = reg1 & MASK ^ XOR, 4 bytes (MASK, XOR as the register holds them). */
static void bitwise(struct ctx *r, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e = expr(r, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, 4);
}

static void match_addr(struct ctx *r, uint32_t off, uint32_t ip, uint32_t mask, bool neg)
{
	uint32_t v = htonl(ip & mask);

	if (!mask)
		return;
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, 4, NFT_REG_1);
	if (mask != 0xFFFFFFFFu)
		bitwise(r, htonl(mask), 0);
	cmp(r, neg ? NFT_CMP_NEQ : NFT_CMP_EQ, &v, 4);
}

static void match_proto(struct ctx *r, uint8_t proto)
{
	meta(r, NFT_META_L4PROTO, NFT_REG_1);
	cmp(r, NFT_CMP_EQ, &proto, 1);
}

static void ct_orig(struct ctx *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, IP_CT_DIR_ORIGINAL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

static void lookup(struct ctx *r, const char *set, uint32_t set_id, bool verdict)
{
	struct nftnl_expr *e = expr(r, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	if (verdict)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
}

static void verdict(struct ctx *r, uint32_t v, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void immediate(struct ctx *r, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
}

static void matches(struct ctx *r, const struct pv_nft_rule *pr)
{
	struct nftnl_expr *e;

	if (pr->ct_new && (e = expr(r, "ct"))) {
		uint32_t zero = 0;

		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		bitwise(r, NF_CT_STATE_BIT(IP_CT_NEW), 0);
		cmp(r, NFT_CMP_NEQ, &zero, 4);
	}
	match_addr(r, 16, pr->daddr, pr->daddr_mask, pr->daddr_neg);
	if (pr->proto && pr->action != PV_NA_DNAT && pr->action != PV_NA_DNAT_MAP)
		match_proto(r, pr->proto);
	if (pr->dport) {
		uint16_t port = htons(pr->dport);

		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		cmp(r, NFT_CMP_EQ, &port, 2);
	}
	match_addr(r, 12, pr->saddr, pr->saddr_mask, pr->saddr_neg);
	if (pr->saddr_in) {
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
		lookup(r, pr->saddr_in, 0, false);
	}
	if (pr->svc_in) { /* a map's keys as a set: its verdicts unused */
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
		meta(r, NFT_META_L4PROTO, NFT_REG32_01);
		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02);
		lookup(r, pr->svc_in, 0, false);
	}
	if (pr->fib_local && (e = expr(r, "fib"))) {
		uint32_t local = RTN_LOCAL;

		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		cmp(r, NFT_CMP_EQ, &local, 4);
	}
	if (pr->mark_unset) {
		uint32_t zero = 0;

		meta(r, NFT_META_MARK, NFT_REG_1);
		bitwise(r, PV_NFT_MASQ_MARK, 0);
		cmp(r, NFT_CMP_EQ, &zero, 4);
	}
	if (pr->hairpin) {
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG32_00);
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG32_01);
		ct_orig(r, NFT_CT_DST_IP, NFT_REG32_02);
		meta(r, NFT_META_L4PROTO, NFT_REG32_03);
		ct_orig(r, NFT_CT_PROTO_DST, NFT_REG32_04);
		lookup(r, "hairpin", 0, false);
	}
}

/* dnat to ip daddr . meta l4proto . th dport . numgen random mod N map
 * @MAP (a NodePort's: no address): the key in registers 32.00-03, each
 * part in a register of its own as nft(8) concatenates; the map's data,
 * address . port, lands in registers 1 and 1+4 bytes. */
static void dnat_map(struct ctx *r, const struct pv_nft_rule *pr)
{
	uint32_t reg = NFT_REG32_00;
	struct nftnl_expr *e;

	match_proto(r, pr->proto);
	if (!pr->node_key)
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg++);
	meta(r, NFT_META_L4PROTO, reg++);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg++);
	if ((e = expr(r, "numgen"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, pr->modulus);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
	}
	if ((e = expr(r, "lookup"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, pr->map);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	}
	if (!(e = expr(r, "nat")))
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_01);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
}

static void dnat(struct ctx *r, const struct pv_nft_rule *pr)
{
	uint32_t ip = htonl(pr->to_ip);
	uint16_t port = htons(pr->to_port);
	struct nftnl_expr *e;

	match_proto(r, pr->proto);
	immediate(r, NFT_REG_1, &ip, 4);
	immediate(r, NFT_REG_2, &port, 2);
	if (!(e = expr(r, "nat")))
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
}

static void mark_set(struct ctx *r, uint32_t mask, uint32_t xor)
{
	struct nftnl_expr *e;

	meta(r, NFT_META_MARK, NFT_REG_1);
	bitwise(r, mask, xor);
	if ((e = expr(r, "meta"))) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	}
}

static void reject(struct ctx *r, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = expr(r, "reject");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

static void action(struct ctx *r, const struct pv_nft_rule *pr, uint32_t set_id)
{
	struct nftnl_expr *e;

	switch (pr->action) {
	case PV_NA_JUMP:
	case PV_NA_GOTO:
		verdict(r, pr->action == PV_NA_JUMP ? NFT_JUMP : NFT_GOTO, pr->chain);
		break;
	case PV_NA_RETURN:
		verdict(r, NFT_RETURN, NULL);
		break;
	case PV_NA_VMAP_SVC:
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
		meta(r, NFT_META_L4PROTO, NFT_REG32_01);
		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02);
		lookup(r, pr->map, 0, true);
		break;
	case PV_NA_VMAP_NODE:
		meta(r, NFT_META_L4PROTO, NFT_REG_1);
		payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
		lookup(r, pr->map, 0, true);
		break;
	case PV_NA_NUMGEN:
		if ((e = expr(r, "numgen"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, (uint32_t)pr->ntargets);
			nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
		}
		lookup(r, PV_NFTEXPR_ANON_MAP, set_id, true);
		break;
	case PV_NA_DNAT:
		dnat(r, pr);
		break;
	case PV_NA_DNAT_MAP:
		dnat_map(r, pr);
		break;
	case PV_NA_MASQ:
		if ((e = expr(r, "masq")))
			nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, NF_NAT_RANGE_PROTO_RANDOM_FULLY);
		break;
	case PV_NA_MARK_SET:
		mark_set(r, ~PV_NFT_MASQ_MARK, PV_NFT_MASQ_MARK);
		break;
	case PV_NA_MARK_CLEAR:
		mark_set(r, ~PV_NFT_MASQ_MARK, 0);
		break;
	case PV_NA_UPDATE:
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
		if ((e = expr(r, "dynset"))) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
			nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, pr->map);
		}
		break;
	case PV_NA_REJECT_TCP:
		match_proto(r, IPPROTO_TCP);
		reject(r, NFT_REJECT_TCP_RST, 0);
		break;
	case PV_NA_REJECT:
		reject(r, NFT_REJECT_ICMP_UNREACH, ICMP_PORT_UNREACH);
		break;
	}
}

int pv_nftexpr_rule(struct nftnl_rule *rule, const struct pv_nft_rule *pr, uint32_t set_id)
{
	struct ctx r = { .rule = rule };

	matches(&r, pr);
	action(&r, pr, set_id);
	return r.oom ? -1 : 0;
}
