#include "netrules/iptables/rules.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const table_names[PV_TABLE_COUNT] = { "nat", "filter" };

const char *pv_table_name(enum pv_table t)
{
	return table_names[t];
}

void pv_rules_init(struct pv_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void pv_rules_free(struct pv_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->chains[i]->rules);
		free(rs->chains[i]);
	}
	for (size_t i = 0; i < rs->nstrings; i++)
		free(rs->strings[i]);
	free(rs->chains);
	free(rs->index);
	free(rs->hooks);
	free(rs->strings);
	memset(rs, 0, sizeof(*rs));
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

static size_t name_hash(enum pv_table t, const char *name)
{
	size_t h = 2166136261u ^ (size_t)t;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static void index_put(struct pv_ruleset *rs, size_t i)
{
	size_t mask = rs->index_cap - 1, h = name_hash(rs->chains[i]->table, rs->chains[i]->name);

	while (rs->index[h & mask])
		h++;
	rs->index[h & mask] = i + 1;
}

/* Keep the index at most half full. */
static int index_grow(struct pv_ruleset *rs, size_t need)
{
	size_t cap = rs->index_cap ? rs->index_cap : 64;
	size_t *idx;

	if (need * 2 <= rs->index_cap)
		return 0;
	while (need * 2 > cap)
		cap *= 2;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -1;
	free(rs->index);
	rs->index = idx;
	rs->index_cap = cap;
	for (size_t i = 0; i < rs->n; i++)
		index_put(rs, i);
	return 0;
}

const struct pv_chain *pv_rules_find(const struct pv_ruleset *rs, enum pv_table t,
				     const char *name)
{
	size_t mask = rs->index_cap - 1, h = name_hash(t, name);

	if (!rs->index_cap)
		return NULL;
	for (; rs->index[h & mask]; h++) {
		const struct pv_chain *c = rs->chains[rs->index[h & mask] - 1];

		if (c->table == t && strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

struct pv_chain *pv_rules_chain(struct pv_ruleset *rs, enum pv_table t, const char *name)
{
	struct pv_chain *c = (struct pv_chain *)pv_rules_find(rs, t, name);

	if (c)
		return c;
	if (strlen(name) > PV_CHAIN_MAX || index_grow(rs, rs->n + 1) < 0 ||
	    grow((void **)&rs->chains, &rs->cap, rs->n + 1, sizeof(*rs->chains)) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	strcpy(c->name, name);
	c->table = t;
	rs->chains[rs->n++] = c;
	index_put(rs, rs->n - 1);
	return c;
}

int pv_rules_add(struct pv_chain *c, const struct pv_rule *r)
{
	if (grow((void **)&c->rules, &c->cap, c->n + 1, sizeof(*c->rules)) < 0)
		return -1;
	c->rules[c->n++] = *r;
	return 0;
}

int pv_rules_hook(struct pv_ruleset *rs, enum pv_table t, const char *builtin,
		  const struct pv_rule *r)
{
	if (grow((void **)&rs->hooks, &rs->hookcap, rs->nhooks + 1, sizeof(*rs->hooks)) < 0)
		return -1;
	rs->hooks[rs->nhooks++] = (struct pv_hook){ .table = t, .builtin = builtin, .rule = *r };
	return 0;
}

const char *pv_rules_str(struct pv_ruleset *rs, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	if (grow((void **)&rs->strings, &rs->strcap, rs->nstrings + 1, sizeof(char *)) < 0)
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	rs->strings[rs->nstrings++] = s;
	return s;
}

uint32_t pv_rules_probability(double p)
{
	/* As iptables' statistic extension stores it: the kernel compares
	 * 31 random bits with this. */
	return (uint32_t)lround(0x80000000 * p);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool rule_equal(const struct pv_rule *a, const struct pv_rule *b)
{
	return a->proto == b->proto && a->src == b->src && a->src_mask == b->src_mask &&
	       a->src_neg == b->src_neg && a->dst == b->dst && a->dst_mask == b->dst_mask &&
	       a->dst_neg == b->dst_neg && a->dport == b->dport && a->dst_local == b->dst_local &&
	       a->match_mark == b->match_mark && a->mark_neg == b->mark_neg &&
	       a->match_value == b->match_value && a->match_mask == b->match_mask &&
	       a->probability == b->probability && str_eq(a->recent, b->recent) &&
	       a->recent_set == b->recent_set && a->recent_seconds == b->recent_seconds &&
	       str_eq(a->comment, b->comment) && a->target == b->target &&
	       str_eq(a->chain, b->chain) && a->to_ip == b->to_ip && a->to_port == b->to_port &&
	       a->mark == b->mark && a->mark_mask == b->mark_mask;
}

bool pv_rules_chain_equal(const struct pv_chain *a, const struct pv_chain *b)
{
	if (a->n != b->n || a->table != b->table || strcmp(a->name, b->name) != 0)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

bool pv_rules_equal(const struct pv_ruleset *a, const struct pv_ruleset *b)
{
	if (a->n != b->n || a->nhooks != b->nhooks)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct pv_chain *o = pv_rules_find(b, a->chains[i]->table, a->chains[i]->name);

		if (!o || !pv_rules_chain_equal(a->chains[i], o))
			return false;
	}
	for (size_t i = 0; i < a->nhooks; i++)
		if (a->hooks[i].table != b->hooks[i].table ||
		    strcmp(a->hooks[i].builtin, b->hooks[i].builtin) != 0 ||
		    !rule_equal(&a->hooks[i].rule, &b->hooks[i].rule))
			return false;
	return true;
}

static void put_cidr(FILE *out, uint32_t ip, uint32_t mask)
{
	struct in_addr a = { htonl(ip) };
	int bits = __builtin_popcount(mask);

	fprintf(out, "%s/%d", inet_ntoa(a), bits);
}

static void put_target(FILE *out, const struct pv_rule *r)
{
	struct in_addr a = { htonl(r->to_ip) };

	switch (r->target) {
	case PV_T_JUMP:
		fprintf(out, " -j %s", r->chain);
		break;
	case PV_T_RETURN:
		fputs(" -j RETURN", out);
		break;
	case PV_T_ACCEPT:
		fputs(" -j ACCEPT", out);
		break;
	case PV_T_DNAT:
		fprintf(out, " -j DNAT --to-destination %s", inet_ntoa(a));
		if (r->to_port)
			fprintf(out, ":%u", r->to_port);
		break;
	case PV_T_MARK:
		fprintf(out, " -j MARK --set-xmark 0x%x/0x%x", r->mark, r->mark_mask);
		break;
	case PV_T_MASQ:
		fputs(" -j MASQUERADE --random-fully", out);
		break;
	case PV_T_REJECT:
		fputs(r->proto == IPPROTO_TCP ? " -j REJECT --reject-with tcp-reset"
					       : " -j REJECT --reject-with icmp-port-unreachable", out);
		break;
	}
}

void pv_rules_format_rule(FILE *out, const struct pv_rule *r)
{
	const char *proto = r->proto == IPPROTO_TCP ? "tcp" : r->proto == IPPROTO_UDP ? "udp" : NULL;

	if (r->src_mask) {
		fputs(r->src_neg ? " ! -s " : " -s ", out);
		put_cidr(out, r->src, r->src_mask);
	}
	if (r->dst_mask) {
		fputs(r->dst_neg ? " ! -d " : " -d ", out);
		put_cidr(out, r->dst, r->dst_mask);
	}
	if (proto) {
		fprintf(out, " -p %s", proto);
		if (r->dport)
			fprintf(out, " -m %s --dport %u", proto, r->dport);
	}
	if (r->dst_local)
		fputs(" -m addrtype --dst-type LOCAL", out);
	if (r->match_mark)
		fprintf(out, " -m mark%s --mark 0x%x/0x%x", r->mark_neg ? " !" : "", r->match_value,
			r->match_mask);
	if (r->comment)
		fprintf(out, " -m comment --comment \"%s\"", r->comment);
	if (r->recent) {
		if (r->recent_set)
			fprintf(out, " -m recent --set --name %s --mask 255.255.255.255 --rsource",
				r->recent);
		else
			fprintf(out, " -m recent --rcheck --seconds %u --reap --name %s "
				"--mask 255.255.255.255 --rsource", r->recent_seconds, r->recent);
	}
	if (r->probability)
		fprintf(out, " -m statistic --mode random --probability %.11f",
			(double)r->probability / 0x80000000);
	put_target(out, r);
}

void pv_rules_format(FILE *out, const struct pv_ruleset *rs, enum pv_table t)
{
	fprintf(out, "*%s\n", table_names[t]);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->chains[i]->table == t)
			fprintf(out, ":%s - [0:0]\n", rs->chains[i]->name);
	for (size_t i = 0; i < rs->nhooks; i++) {
		if (rs->hooks[i].table != t)
			continue;
		fprintf(out, "-A %s", rs->hooks[i].builtin);
		pv_rules_format_rule(out, &rs->hooks[i].rule);
		fputc('\n', out);
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct pv_chain *c = rs->chains[i];

		if (c->table != t)
			continue;
		for (size_t j = 0; j < c->n; j++) {
			fprintf(out, "-A %s", c->name);
			pv_rules_format_rule(out, &c->rules[j]);
			fputc('\n', out);
		}
	}
	fputs("COMMIT\n", out);
}
