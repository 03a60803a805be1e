#include "netrules/iptables/iptc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#define OUR_PREFIX "PV-"
#define ENTRY_MAX 2048

struct tinfo {
	bool known;
	unsigned int entries, size;
};

struct pv_fw {
	struct pv_ruleset last;
	bool valid; /* LAST is what the kernel holds */
	struct tinfo info[PV_TABLE_COUNT];
};

struct pv_fw *pv_fw_new(void)
{
	struct pv_fw *fw = calloc(1, sizeof(*fw));

	if (fw)
		pv_rules_init(&fw->last);
	return fw;
}

void pv_fw_free(struct pv_fw *fw)
{
	if (!fw)
		return;
	pv_rules_free(&fw->last);
	free(fw);
}

const struct pv_ruleset *pv_fw_current(const struct pv_fw *fw)
{
	return &fw->last;
}

/* ---- one rule as an ipt_entry ---- */

struct entry {
	union {
		struct ipt_entry e;
		unsigned char buf[ENTRY_MAX];
	};
	size_t len;
};

static void *put_match(struct entry *en, const char *name, uint8_t rev, size_t size)
{
	struct xt_entry_match *m = (struct xt_entry_match *)(en->buf + en->len);
	size_t total = XT_ALIGN(sizeof(*m)) + XT_ALIGN(size);

	memset(m, 0, total);
	m->u.match_size = (uint16_t)total;
	strcpy(m->u.user.name, name);
	m->u.user.revision = rev;
	en->len += total;
	return m->data;
}

static void *put_target(struct entry *en, const char *name, uint8_t rev, size_t size)
{
	struct xt_entry_target *t = (struct xt_entry_target *)(en->buf + en->len);
	size_t total = XT_ALIGN(sizeof(*t)) + XT_ALIGN(size);

	en->e.target_offset = (uint16_t)en->len;
	memset(t, 0, total);
	t->u.target_size = (uint16_t)total;
	strcpy(t->u.user.name, name);
	t->u.user.revision = rev;
	en->len += total;
	en->e.next_offset = (uint16_t)en->len;
	return t->data;
}

static void put_ports(struct entry *en, const struct pv_rule *r)
{
	if (r->proto == IPPROTO_TCP) {
		struct xt_tcp *t = put_match(en, "tcp", 0, sizeof(*t));

		t->spts[1] = 0xFFFF;
		t->dpts[0] = r->dport ? r->dport : 0;
		t->dpts[1] = r->dport ? r->dport : 0xFFFF;
	} else if (r->proto == IPPROTO_UDP) {
		struct xt_udp *u = put_match(en, "udp", 0, sizeof(*u));

		u->spts[1] = 0xFFFF;
		u->dpts[0] = r->dport ? r->dport : 0;
		u->dpts[1] = r->dport ? r->dport : 0xFFFF;
	}
}

static void put_matches(struct entry *en, const struct pv_rule *r)
{
	if (r->dport)
		put_ports(en, r);
	if (r->dst_local) {
		struct xt_addrtype_info_v1 *a = put_match(en, "addrtype", 1, sizeof(*a));

		a->dest = XT_ADDRTYPE_LOCAL;
	}
	if (r->match_mark) {
		struct xt_mark_mtinfo1 *m = put_match(en, "mark", 1, sizeof(*m));

		m->mark = r->match_value;
		m->mask = r->match_mask;
		m->invert = r->mark_neg;
	}
	if (r->comment) {
		struct xt_comment_info *c = put_match(en, "comment", 0, sizeof(*c));

		snprintf(c->comment, sizeof(c->comment), "%s", r->comment);
	}
	if (r->recent) {
		struct xt_recent_mtinfo_v1 *m = put_match(en, "recent", 1, sizeof(*m));

		snprintf(m->name, sizeof(m->name), "%s", r->recent);
		m->side = XT_RECENT_SOURCE;
		m->mask.ip = 0xFFFFFFFFu;
		if (r->recent_set) {
			m->check_set = XT_RECENT_SET;
		} else {
			m->check_set = XT_RECENT_CHECK | XT_RECENT_REAP;
			m->seconds = r->recent_seconds;
		}
	}
	if (r->probability) {
		struct xt_statistic_info *s = put_match(en, "statistic", 0, sizeof(*s));

		s->mode = XT_STATISTIC_MODE_RANDOM;
		s->u.random.probability = r->probability;
	}
}

static void put_masq(struct entry *en)
{
	struct nf_nat_ipv4_multi_range_compat *m = put_target(en, "MASQUERADE", 0, sizeof(*m));

	m->rangesize = 1;
	m->range[0].flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY;
}

/* Revision 2, the one iptables writes and iptables-save can print. */
static void put_dnat(struct entry *en, const struct pv_rule *r)
{
	struct nf_nat_range2 *m = put_target(en, "DNAT", 2, sizeof(*m));

	m->flags = NF_NAT_RANGE_MAP_IPS;
	m->min_addr.ip = m->max_addr.ip = htonl(r->to_ip);
	if (r->to_port) {
		m->flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
		m->min_proto.all = m->max_proto.all = htons(r->to_port);
	}
}

static void put_rule_target(struct entry *en, const struct pv_rule *r)
{
	switch (r->target) {
	case PV_T_JUMP:
		put_target(en, r->chain, 0, sizeof(int));
		break;
	case PV_T_RETURN:
		put_target(en, IPTC_LABEL_RETURN, 0, sizeof(int));
		break;
	case PV_T_ACCEPT:
		put_target(en, IPTC_LABEL_ACCEPT, 0, sizeof(int));
		break;
	case PV_T_DNAT:
		put_dnat(en, r);
		break;
	case PV_T_MASQ:
		put_masq(en);
		break;
	case PV_T_MARK: {
		struct xt_mark_tginfo2 *m = put_target(en, "MARK", 2, sizeof(*m));

		m->mark = r->mark;
		m->mask = r->mark_mask;
		break;
	}
	case PV_T_REJECT: {
		struct ipt_reject_info *j = put_target(en, "REJECT", 0, sizeof(*j));

		/* TCP gets a reset: the kernel rate-limits ICMP errors to one
		 * a second per host, so the first SYN of a connection would
		 * often wait a second for its refusal. */
		j->with = r->proto == IPPROTO_TCP ? IPT_TCP_RESET : IPT_ICMP_PORT_UNREACHABLE;
		break;
	}
	}
}

static void build_entry(struct entry *en, const struct pv_rule *r)
{
	memset(&en->e, 0, sizeof(en->e));
	en->len = sizeof(en->e);
	en->e.ip.proto = r->proto;
	en->e.ip.src.s_addr = htonl(r->src);
	en->e.ip.smsk.s_addr = htonl(r->src_mask);
	en->e.ip.dst.s_addr = htonl(r->dst);
	en->e.ip.dmsk.s_addr = htonl(r->dst_mask);
	if (r->src_neg)
		en->e.ip.invflags |= IPT_INV_SRCIP;
	if (r->dst_neg)
		en->e.ip.invflags |= IPT_INV_DSTIP;
	put_matches(en, r);
	put_rule_target(en, r);
}

/* ---- tables ---- */

static bool ours(const char *chain)
{
	return strncmp(chain, OUR_PREFIX, strlen(OUR_PREFIX)) == 0;
}

static int fail(struct pv_err *err, enum pv_table t, const char *what, const char *chain)
{
	int e = errno;

	return pv_err_set(err, e, "iptables %s table: %s%s%s: %s", pv_table_name(t), what,
			  chain ? " " : "", chain ? chain : "", iptc_strerror(e));
}

static int append(struct xtc_handle *h, enum pv_table t, const char *chain,
		  const struct pv_rule *r, struct pv_err *err)
{
	static struct entry en;
	xt_chainlabel label = { 0 };

	snprintf(label, sizeof(label), "%s", chain);
	build_entry(&en, r);
	if (!iptc_append_entry(label, &en.e, h))
		return fail(err, t, "cannot add a rule to", chain);
	return 0;
}

/* Drop every hook into our chains from the built-in chains of T, then
 * insert RS's hooks at the top, in order. */
static int set_hooks(struct xtc_handle *h, enum pv_table t, const struct pv_ruleset *rs,
		     struct pv_err *err)
{
	unsigned int pos[8] = { 0 };
	const char *builtins[8];
	size_t nb = 0;

	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		unsigned int num = 0;

		if (!iptc_builtin(c, h) || nb == 8)
			continue;
		builtins[nb++] = c;
		for (const struct ipt_entry *e = iptc_first_rule(c, h); e; num++)
			e = iptc_next_rule(e, h);
		while (num-- > 0) {
			const struct ipt_entry *e = iptc_first_rule(c, h);

			for (unsigned int i = 0; i < num; i++)
				e = iptc_next_rule(e, h);
			if (ours(iptc_get_target(e, h)) && !iptc_delete_num_entry(c, num, h))
				return fail(err, t, "cannot remove a jump from", c);
		}
	}
	for (size_t i = 0; i < rs->nhooks; i++) {
		const struct pv_hook *k = &rs->hooks[i];
		static struct entry en;
		size_t b;

		if (k->table != t)
			continue;
		for (b = 0; b < nb && strcmp(builtins[b], k->builtin) != 0; b++)
			;
		if (b == nb) {
			errno = ENOENT;
			return fail(err, t, "no built-in chain", k->builtin);
		}
		build_entry(&en, &k->rule);
		if (!iptc_insert_entry(builtins[b], &en.e, pos[b]++, h))
			return fail(err, t, "cannot add a jump to", k->builtin);
	}
	return 0;
}

static bool hooks_equal(const struct pv_ruleset *a, const struct pv_ruleset *b, enum pv_table t)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->nhooks && a->hooks[i].table != t)
			i++;
		while (j < b->nhooks && b->hooks[j].table != t)
			j++;
		if (i == a->nhooks || j == b->nhooks)
			return i == a->nhooks && j == b->nhooks;
		if (strcmp(a->hooks[i].builtin, b->hooks[j].builtin) != 0 ||
		    !pv_rules_chain_equal(&(struct pv_chain){ .rules = (struct pv_rule *)&a->hooks[i].rule,
							      .n = 1 },
					  &(struct pv_chain){ .rules = (struct pv_rule *)&b->hooks[j].rule,
							      .n = 1 }))
			return false;
		i++;
		j++;
	}
}

static void read_info(struct tinfo *ti, enum pv_table t)
{
	struct ipt_getinfo gi;
	socklen_t len = sizeof(gi);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	ti->known = false;
	if (fd < 0)
		return;
	memset(&gi, 0, sizeof(gi));
	strcpy(gi.name, pv_table_name(t));
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &gi, &len) == 0) {
		ti->known = true;
		ti->entries = gi.num_entries;
		ti->size = gi.size;
	}
	close(fd);
}

bool pv_fw_changed(struct pv_fw *fw)
{
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		struct tinfo now;

		if (!fw->info[t].known)
			continue;
		read_info(&now, (enum pv_table)t);
		if (!now.known || now.entries != fw->info[t].entries || now.size != fw->info[t].size) {
			fw->valid = false;
			return true;
		}
	}
	return false;
}

static const char *lock_path(void)
{
	const char *p = getenv("XTABLES_LOCKFILE");

	return p && p[0] ? p : "/run/xtables.lock";
}

int pv_fw_watch_open(struct pv_err *err)
{
	const char *path = lock_path();
	int fd, lock = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);

	if (lock < 0)
		return pv_err_sys(err, errno, "%s", path);
	close(lock);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "inotify");
	if (inotify_add_watch(fd, path, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_DELETE_SELF) < 0) {
		pv_err_sys(err, errno, "%s", path);
		close(fd);
		return -1;
	}
	return fd;
}

bool pv_fw_watch_drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool alive = true;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF))
				alive = false;
			p += sizeof(*ev) + ev->len;
		}
	return alive;
}

/* Is chain C, as last applied, still exactly what RS wants? */
static bool unchanged(const struct pv_fw *fw, const struct pv_chain *c)
{
	const struct pv_chain *old;

	if (!fw->valid)
		return false;
	old = pv_rules_find(&fw->last, c->table, c->name);
	return old && pv_rules_chain_equal(old, c);
}

static bool wanted(const struct pv_ruleset *rs, enum pv_table t, const char *chain)
{
	return pv_rules_find(rs, t, chain) != NULL;
}

/* Our chains in the kernel that RS no longer wants: flushed now, deleted
 * once nothing refers to them. Returns how many, in STALE. */
static int flush_stale(struct xtc_handle *h, enum pv_table t, const struct pv_ruleset *rs,
		       char ***stale, size_t *nstale, struct pv_err *err)
{
	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		char **v;

		if (!ours(c) || wanted(rs, t, c))
			continue;
		/* *STALE stays a valid array of *NSTALE names whatever fails:
		 * the caller frees them. */
		v = realloc(*stale, (*nstale + 1) * sizeof(*v));
		if (!v)
			return pv_err_set(err, ENOMEM, "out of memory");
		*stale = v;
		if (!(v[*nstale] = strdup(c)))
			return pv_err_set(err, ENOMEM, "out of memory");
		(*nstale)++;
	}
	for (size_t i = 0; i < *nstale; i++)
		if (!iptc_flush_entries((*stale)[i], h))
			return fail(err, t, "cannot flush", (*stale)[i]);
	return 0;
}

static int fill_chains(struct pv_fw *fw, struct xtc_handle *h, enum pv_table t,
		       const struct pv_ruleset *rs, bool *dirty, struct pv_err *err)
{
	/* Create every chain first: a rule may jump to one that comes later. */
	for (size_t i = 0; i < rs->n; i++) {
		const struct pv_chain *c = rs->chains[i];

		if (c->table != t || iptc_is_chain(c->name, h))
			continue;
		if (!iptc_create_chain(c->name, h))
			return fail(err, t, "cannot create chain", c->name);
		*dirty = true;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct pv_chain *c = rs->chains[i];

		if (c->table != t || unchanged(fw, c))
			continue;
		*dirty = true;
		if (!iptc_flush_entries(c->name, h))
			return fail(err, t, "cannot flush", c->name);
		for (size_t j = 0; j < c->n; j++)
			if (append(h, t, c->name, &c->rules[j], err) < 0)
				return -1;
	}
	return 0;
}

static int apply_table(struct pv_fw *fw, enum pv_table t, const struct pv_ruleset *rs,
		       struct pv_err *err)
{
	struct xtc_handle *h = iptc_init(pv_table_name(t));
	char **stale = NULL;
	size_t nstale = 0;
	bool dirty = false;
	int rc = -1;

	if (!h)
		return fail(err, t, "cannot read the table", NULL);
	if (flush_stale(h, t, rs, &stale, &nstale, err) < 0 ||
	    fill_chains(fw, h, t, rs, &dirty, err) < 0)
		goto out;
	if (!fw->valid || !hooks_equal(&fw->last, rs, t)) {
		dirty = true;
		if (set_hooks(h, t, rs, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < nstale; i++) {
		dirty = true;
		if (!iptc_delete_chain(stale[i], h)) {
			fail(err, t, "cannot delete chain", stale[i]);
			goto out;
		}
	}
	if (dirty && !iptc_commit(h)) {
		fail(err, t, "cannot commit", NULL);
		goto out;
	}
	read_info(&fw->info[t], t);
	rc = 0;
out:
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	iptc_free(h);
	return rc;
}

int pv_fw_apply(struct pv_fw *fw, struct pv_ruleset *rs, struct pv_err *err)
{
	if (fw->valid && pv_rules_equal(&fw->last, rs)) {
		pv_rules_free(rs); /* nothing to do: the kernel is not even asked */
		return 0;
	}
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		if (apply_table(fw, (enum pv_table)t, rs, err) < 0) {
			fw->valid = false;
			return -1;
		}
	}
	pv_rules_free(&fw->last);
	fw->last = *rs;
	pv_rules_init(rs);
	fw->valid = true;
	return 0;
}

int pv_fw_clear(struct pv_fw *fw, struct pv_err *err)
{
	struct pv_ruleset empty;
	int rc;

	pv_rules_init(&empty);
	fw->valid = false;
	rc = pv_fw_apply(fw, &empty, err);
	pv_rules_free(&empty);
	return rc;
}
