#include "netrules/nftables/nftnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/vec.h"
#include "netrules/nftables/nftexpr.h"

/* nft's type ids, for sets' key types (concatenations: 6 bits each). */
#define TYPE_INTEGER 4
#define TYPE_MARK 19 /* a 32-bit integer in host order, of a fixed size as nft(8) needs */
#define TYPE_IPADDR 7
#define TYPE_INET_PROTOCOL 12
#define TYPE_INET_SERVICE 13
#define CONCAT(a, b) ((a) << 6 | (b))

#define MSG_ROOM 8192 /* the most a rule or a chain message takes */
#define ELEMS_PER_MSG 512
/* The fewest elements a set is made for (set_size). */
#define SET_SIZE_MIN 1024u

/* The elements added to one set in the batch being built. */
struct set_count {
	const char *name;
	size_t n;
};

struct batch {
	char *p;
	size_t len, cap;
	uint32_t seq0, seq;
	const char **what; /* per message since seq0: the object, for errors */
	size_t nwhat, capwhat;
	uint32_t set_id;
	struct set_count *counts; /* of the operations being sent */
	size_t ncounts, capcounts;
	bool oom;
};

struct pv_nftnl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	struct batch b;
	int sndbuf;
};

struct pv_nftnl *pv_nftnl_open(struct pv_err *err)
{
	struct pv_nftnl *nl = calloc(1, sizeof(*nl));
	int one = 1, rcv = 4 << 20;

	if (!nl)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	nl->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pv_err_sys(err, errno, "netlink (nf_tables)");
		pv_nftnl_close(nl);
		return NULL;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Room for the answers to a large batch (errors only: no echo). */
	if (mnl_socket_setsockopt(nl->sock, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return nl;
}

void pv_nftnl_close(struct pv_nftnl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->b.p);
	free(nl->b.what);
	free(nl->b.counts);
	free(nl);
}

uint32_t pv_nftnl_portid(const struct pv_nftnl *nl)
{
	return nl->portid;
}

/* ---- the batch buffer ---- */

static char *room(struct batch *b, size_t need)
{
	if (b->oom)
		return NULL;
	if (b->cap - b->len < need) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		char *p;

		while (cap - b->len < need)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

/* A message's header at the end of the batch, with NEED bytes for it;
 * NULL when out of memory. Finish it with msg_end. */
static struct nlmsghdr *msg(struct batch *b, uint16_t type, uint16_t flags, size_t need,
			    const char *what)
{
	char *at = room(b, need);

	if (!at)
		return NULL;
	if (pv_vec_push(b->what, b->nwhat, b->capwhat, what) < 0) {
		b->oom = true;
		return NULL;
	}
	return nftnl_nlmsg_build_hdr(at, type, NFPROTO_IPV4, flags, b->seq++);
}

static void msg_end(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* ---- tables, chains, sets ---- */

static void table_msg(struct batch *b, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		b->oom = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, PV_NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	if ((nlh = msg(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, MSG_ROOM,
		       PV_NFT_TABLE))) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_end(b, nlh);
	}
	nftnl_table_free(t);
}

static void chain_msg(struct batch *b, uint16_t type, const struct pv_nft_obj *o)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->oom = true;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, PV_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, o->name);
	if (type == NFT_MSG_NEWCHAIN && o->hook_type) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, o->hook_type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)o->hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, o->prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	if ((nlh = msg(b, type, type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0, MSG_ROOM, o->name))) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		msg_end(b, nlh);
	}
	nftnl_chain_free(c);
}

static uint32_t key_type(enum pv_nft_keys k)
{
	switch (k) {
	case PV_NK_ADDR:
		return TYPE_IPADDR;
	case PV_NK_ADDR_PROTO_PORT:
		return CONCAT(CONCAT(TYPE_IPADDR, TYPE_INET_PROTOCOL), TYPE_INET_SERVICE);
	case PV_NK_PROTO_PORT:
		return CONCAT(TYPE_INET_PROTOCOL, TYPE_INET_SERVICE);
	case PV_NK_ADDR_PROTO_PORT_INDEX:
		return CONCAT(CONCAT(CONCAT(TYPE_IPADDR, TYPE_INET_PROTOCOL), TYPE_INET_SERVICE),
			      TYPE_MARK);
	case PV_NK_PROTO_PORT_INDEX:
		return CONCAT(CONCAT(TYPE_INET_PROTOCOL, TYPE_INET_SERVICE), TYPE_MARK);
	case PV_NK_HAIRPIN:
		return CONCAT(CONCAT(CONCAT(CONCAT(TYPE_IPADDR, TYPE_IPADDR), TYPE_IPADDR),
				     TYPE_INET_PROTOCOL),
			      TYPE_INET_SERVICE);
	}
	return TYPE_INTEGER;
}

static struct nftnl_set *set_new(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s) {
		nftnl_set_set_str(s, NFTNL_SET_TABLE, PV_NFT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	}
	return s;
}

static void host_order_keys(struct nftnl_set *s);

/* How many elements a new set is made for: twice those the batch adds to
 * it, SET_SIZE_MIN at least. A size lets the kernel make the set's hash
 * table that big at once (its fixed-size "hash" type); without one it
 * starts at 4 buckets and grows while the batch adds, rehashing and
 * inserting on its slow path (half of a first sync's time at 5,000
 * Services, 60,000 elements). The size is also a limit: an incremental
 * sync that would pass it fails (ENFILE), and the full sync that follows
 * makes the set anew, twice as big. */
static uint32_t set_size(const struct batch *b, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < b->ncounts; i++)
		if (strcmp(b->counts[i].name, name) == 0)
			n = b->counts[i].n;
	return n > SET_SIZE_MIN / 2 ? (uint32_t)(2 * n) : SET_SIZE_MIN;
}

static void set_msg(struct batch *b, uint16_t type, const struct pv_nft_obj *o)
{
	struct nftnl_set *s = set_new(o->name);
	struct nlmsghdr *nlh;

	if (!s) {
		b->oom = true;
		return;
	}
	if (type == NFT_MSG_NEWSET) {
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type(o->keys));
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)(4 * pv_nft_key_words(o->keys)));
		nftnl_set_set_u32(s, NFTNL_SET_ID, ++b->set_id);
		if (o->map) {
			nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		} else if (o->dnat_map) {
			nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
					  CONCAT(TYPE_IPADDR, TYPE_INET_SERVICE));
			nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 8);
		} else if (o->timeout_s) {
			nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
			nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, (uint64_t)o->timeout_s * 1000);
			nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
		}
		if (!o->timeout_s)
			nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, set_size(b, o->name));
	}
	if ((nlh = msg(b, type, type == NFT_MSG_NEWSET ? NLM_F_CREATE : 0, MSG_ROOM, o->name))) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		msg_end(b, nlh);
	}
	nftnl_set_free(s);
}

/* An element's key as the registers hold it: each part in 4 bytes,
 * addresses and ports in network order, an index in the host's. */
static size_t elem_key(const struct pv_nft_obj *o, uint8_t out[4 * PV_NFT_KEY_MAX])
{
	bool index = o->keys == PV_NK_ADDR_PROTO_PORT_INDEX || o->keys == PV_NK_PROTO_PORT_INDEX;
	size_t i = 0, n = pv_nft_key_words(o->keys) - index;
	uint16_t port;

	memset(out, 0, 4 * PV_NFT_KEY_MAX);
	for (; i + 2 < n || o->keys == PV_NK_ADDR; i++) {
		uint32_t a = htonl(o->key[i]);

		memcpy(out + 4 * i, &a, 4);
		if (n == 1)
			return 4;
	}
	out[4 * i] = (uint8_t)o->key[i];
	port = htons((uint16_t)o->key[i + 1]);
	memcpy(out + 4 * (i + 1), &port, 2);
	if (index)
		memcpy(out + 4 * (i + 2), &o->key[i + 2], 4);
	return 4 * (n + index);
}

/* A dnat map's data: address . port, 4 bytes each, network order. */
static void elem_data(uint8_t data[8], const struct pv_nft_obj *o)
{
	uint32_t a = htonl(o->to_ip);
	uint16_t port = htons(o->to_port);

	memset(data, 0, 8);
	memcpy(data, &a, 4);
	memcpy(data + 4, &port, 2);
}

/* The most one element's attributes take. */
static size_t elem_room(const struct pv_nft_obj *o)
{
	return 128 + 4 * PV_NFT_KEY_MAX + (o->target ? strlen(o->target) + 1 : 0);
}

/* One element into NLH, as libnftnl writes it: its key, and the verdict
 * or the data when ADD. */
static void elem_attrs(struct nlmsghdr *nlh, const struct pv_nft_obj *o, bool add)
{
	uint8_t key[4 * PV_NFT_KEY_MAX], data[8];
	struct nlattr *el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM), *k, *d, *v;

	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, elem_key(o, key), key);
	mnl_attr_nest_end(nlh, k);
	if (add && o->target) {
		d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_GOTO));
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, o->target);
		mnl_attr_nest_end(nlh, v);
		mnl_attr_nest_end(nlh, d);
	} else if (add && o->to_ip) {
		elem_data(data, o);
		d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, sizeof(data), data);
		mnl_attr_nest_end(nlh, d);
	}
	mnl_attr_nest_end(nlh, el);
}

/* Elements OPS[0..N) (the same operation on the same map) in messages of
 * up to ELEMS_PER_MSG, written straight into the batch (libnftnl's
 * element objects cost more than the kernel's work on them). */
static void elems_msg(struct batch *b, const struct pv_nft_op *ops, size_t n)
{
	bool add = ops[0].op == PV_OP_ADD;
	const char *map = ops[0].obj->name;

	for (size_t i = 0; i < n && !b->oom; i += ELEMS_PER_MSG) {
		size_t m = n - i < ELEMS_PER_MSG ? n - i : ELEMS_PER_MSG;
		size_t need = MSG_ROOM + strlen(map);
		struct nlmsghdr *nlh;
		struct nlattr *list;

		for (size_t j = i; j < i + m; j++)
			need += elem_room(ops[j].obj);
		nlh = msg(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0,
			  need, map);
		if (!nlh)
			return;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, PV_NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, map);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (size_t j = i; j < i + m; j++)
			elem_attrs(nlh, ops[j].obj, add);
		mnl_attr_nest_end(nlh, list);
		msg_end(b, nlh);
	}
}

/* Tell nft(8) that the keys are host-order numbers (numgen's), so that
 * `nft list` shows 0, 1, 2: its byte order 1 is the host's. */
static void host_order_keys(struct nftnl_set *s)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!u)
		return; /* only how nft(8) prints it */
	if (nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, 1))
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

/* numgen's map { i : goto T[i] }: anonymous, into the batch before its
 * rule (the kernel frees it with the rule); its id in the batch. */
static uint32_t anon_map(struct batch *b, const struct pv_nft_rule *pr)
{
	struct nftnl_set *s = set_new(PV_NFTEXPR_ANON_MAP);
	uint32_t id = ++b->set_id;
	struct nlmsghdr *nlh;

	if (!s) {
		b->oom = true;
		return 0;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, TYPE_INTEGER);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)pr->ntargets);
	host_order_keys(s);
	if ((nlh = msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, MSG_ROOM, "an endpoint map"))) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		msg_end(b, nlh);
	}
	for (uint32_t i = 0; i < pr->ntargets; i++) {
		struct nftnl_set_elem *el = nftnl_set_elem_alloc();

		if (!el) {
			b->oom = true;
			break;
		}
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &i, 4);
		nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_VERDICT, NFT_GOTO);
		nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_CHAIN, pr->targets[i]);
		nftnl_set_elem_add(s, el);
	}
	if ((nlh = msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, MSG_ROOM + pr->ntargets * 512,
		       "an endpoint map"))) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		msg_end(b, nlh);
	}
	nftnl_set_free(s);
	return id;
}

static void rule_msg(struct batch *b, const struct pv_nft_obj *c, const struct pv_nft_rule *pr)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint32_t set_id = pr->action == PV_NA_NUMGEN ? anon_map(b, pr) : 0;
	struct nlmsghdr *nlh;

	if (!r || pv_nftexpr_rule(r, pr, set_id) < 0) {
		b->oom = true;
		if (r)
			nftnl_rule_free(r);
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, PV_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	if ((nlh = msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, MSG_ROOM, c->name))) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_end(b, nlh);
	}
	nftnl_rule_free(r);
}

static void flush_msg(struct batch *b, const struct pv_nft_obj *c)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		b->oom = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, PV_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	if ((nlh = msg(b, NFT_MSG_DELRULE, 0, MSG_ROOM, c->name))) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_end(b, nlh);
	}
	nftnl_rule_free(r);
}

/* OPS[I]'s messages; how many operations they took (elements go
 * several to a message). */
static size_t op_msgs(struct batch *b, const struct pv_nft_ops *ops, size_t i)
{
	const struct pv_nft_op *op = &ops->v[i];
	const struct pv_nft_obj *o = op->obj;
	bool add = op->op == PV_OP_ADD;
	size_t n = 1;

	switch (o->kind) {
	case PV_NFT_ELEM:
		while (i + n < ops->n && ops->v[i + n].op == op->op &&
		       ops->v[i + n].obj->kind == PV_NFT_ELEM &&
		       strcmp(ops->v[i + n].obj->name, o->name) == 0)
			n++;
		elems_msg(b, op, n);
		break;
	case PV_NFT_SET:
		set_msg(b, add ? NFT_MSG_NEWSET : NFT_MSG_DELSET, o);
		break;
	case PV_NFT_CHAIN:
		if (op->op == PV_OP_FLUSH)
			flush_msg(b, o);
		else if (op->op == PV_OP_RULES)
			for (size_t j = 0; j < o->nrules; j++)
				rule_msg(b, o, &o->rules[j]);
		else
			chain_msg(b, add ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN, o);
		break;
	}
	return n;
}

/* ---- talking to the kernel ---- */

/* The answers to the batch just sent: nf_tables handles a batch within
 * the send, so they are all queued already. 0, or -1 with the first
 * error (naming the object of the message it answers). */
static int read_answers(struct pv_nftnl *nl, uint32_t last, struct pv_err *err)
{
	char buf[16384];
	bool acked = false;
	int rc = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl->sock), buf, sizeof(buf), MSG_DONTWAIT);
		int len = (int)n;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return rc < 0 ? rc : pv_err_sys(err, errno, "nf_tables: reading the answer");
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (!e->error && h->nlmsg_seq == last)
				acked = true;
			if (e->error && rc == 0) {
				uint32_t k = h->nlmsg_seq - nl->b.seq0;
				const char *what = k < nl->b.nwhat ? nl->b.what[k] : "the batch";

				rc = pv_err_sys(err, -e->error, "nf_tables: %s", what);
			}
		}
	}
	if (rc == 0 && !acked)
		rc = pv_err_set(err, EIO, "nf_tables: no answer to the batch");
	return rc;
}

static int send_batch(struct pv_nftnl *nl, struct pv_err *err)
{
	struct batch *b = &nl->b;
	int need = (int)(b->len + 65536);

	if (need > nl->sndbuf) {
		if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_SNDBUFFORCE, &need,
			       sizeof(need)) < 0)
			setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_SNDBUF, &need,
				   sizeof(need));
		nl->sndbuf = need;
	}
	if (mnl_socket_sendto(nl->sock, b->p, b->len) < 0)
		return pv_err_sys(err, errno, "nf_tables: sending %zu bytes", b->len);
	return read_answers(nl, b->seq - 2, err);
}

static void batch_start(struct pv_nftnl *nl)
{
	struct batch *b = &nl->b;
	char *at;

	b->len = 0;
	b->nwhat = 0;
	b->oom = false;
	b->set_id = 0;
	b->seq0 = b->seq = nl->seq;
	if ((at = room(b, MSG_ROOM))) {
		nftnl_batch_begin(at, b->seq++);
		b->len += NLMSG_ALIGN(((struct nlmsghdr *)at)->nlmsg_len);
		pv_vec_push(b->what, b->nwhat, b->capwhat, "the batch");
	}
}

/* End the batch, the last message asking for an acknowledgement. */
static int batch_finish(struct pv_nftnl *nl, size_t last_off, struct pv_err *err)
{
	struct batch *b = &nl->b;
	char *at = room(b, MSG_ROOM);
	int rc;

	if (!at || b->oom)
		return pv_err_set(err, ENOMEM, "out of memory building the nftables batch");
	((struct nlmsghdr *)(b->p + last_off))->nlmsg_flags |= NLM_F_ACK;
	nftnl_batch_end(at, b->seq++);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)at)->nlmsg_len);
	rc = send_batch(nl, err);
	nl->seq = b->seq;
	return rc;
}

/* The elements OPS adds to each set (a set's are together: sorted). */
static void count_elems(struct batch *b, const struct pv_nft_ops *ops)
{
	b->ncounts = 0;
	for (size_t i = 0; i < ops->n; i++) {
		const struct pv_nft_obj *o = ops->v[i].obj;
		struct set_count *last = b->ncounts ? &b->counts[b->ncounts - 1] : NULL;

		if (o->kind != PV_NFT_ELEM || ops->v[i].op != PV_OP_ADD)
			continue;
		if (last && (last->name == o->name || strcmp(last->name, o->name) == 0))
			last->n++;
		else if (pv_vec_push(b->counts, b->ncounts, b->capcounts,
				     (struct set_count){ o->name, 1 }) < 0)
			b->oom = true;
	}
}

int pv_nftnl_commit(struct pv_nftnl *nl, const struct pv_nft_ops *ops, bool replace,
		    struct pv_err *err)
{
	struct batch *b = &nl->b;
	size_t start, last = 0;

	batch_start(nl);
	count_elems(b, ops);
	start = b->len;
	if (replace) {
		/* made first so that the delete cannot fail */
		table_msg(b, NFT_MSG_NEWTABLE);
		table_msg(b, NFT_MSG_DELTABLE);
		table_msg(b, NFT_MSG_NEWTABLE);
	}
	for (size_t i = 0; i < ops->n && !b->oom;)
		i += op_msgs(b, ops, i);
	if (b->oom)
		return pv_err_set(err, ENOMEM, "out of memory building the nftables batch");
	if (b->len == start)
		return 0; /* nothing to do */
	for (size_t off = start; off < b->len;) { /* the last message, to be acknowledged */
		last = off;
		off += NLMSG_ALIGN(((struct nlmsghdr *)(b->p + off))->nlmsg_len);
	}
	return batch_finish(nl, last, err);
}

/* ---- probing ---- */

struct probe {
	uint64_t handle;
	uint32_t nrules;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0)
		p->handle = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct probe *)data)->nrules++;
	return MNL_CB_OK;
}

/* Send the request in BUF, run CB over the answers; -1 with errno. */
static int query(struct pv_nftnl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[16384];
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc = MNL_CB_OK;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (rc > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) > 0)
		rc = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
	return rc < 0 ? -1 : 0;
}

int pv_nftnl_probe(struct pv_nftnl *nl, uint64_t *handle, uint32_t *nrules, struct pv_err *err)
{
	char buf[MSG_ROOM];
	struct probe p = { 0 };
	struct nlmsghdr *nlh;
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = 0;

	if (!t || !r) {
		rc = pv_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, PV_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_IPV4, NLM_F_ACK, nl->seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	if (query(nl, nlh, table_cb, &p) < 0) {
		if (errno != ENOENT)
			rc = pv_err_sys(err, errno, "nf_tables: reading table %s", PV_NFT_TABLE);
		goto out;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, PV_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "services");
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, nl->seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	if (query(nl, nlh, rule_cb, &p) < 0 && errno != ENOENT)
		rc = pv_err_sys(err, errno, "nf_tables: reading chain services");
out:
	*handle = p.handle;
	*nrules = p.nrules;
	nftnl_table_free(t);
	nftnl_rule_free(r);
	return rc;
}

int pv_nftnl_delete_table(struct pv_nftnl *nl, struct pv_err *err)
{
	uint64_t handle;
	uint32_t nrules;
	size_t last;

	if (pv_nftnl_probe(nl, &handle, &nrules, err) < 0)
		return -1;
	if (!handle)
		return 0;
	batch_start(nl);
	last = nl->b.len;
	table_msg(&nl->b, NFT_MSG_DELTABLE);
	if (nl->b.oom)
		return pv_err_set(err, ENOMEM, "out of memory");
	return batch_finish(nl, last, err);
}

/* ---- the watch ---- */

int pv_nftnl_watch_open(struct pv_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	int group = NFNLGRP_NFTABLES, size = 1 << 20;

	if (fd < 0)
		return pv_err_sys(err, errno, "netlink (nf_tables notifications)");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		pv_err_sys(err, errno, "netlink (nf_tables notifications)");
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* Whether the notification NLH is about our table, from another socket. */
static bool foreign(const struct nlmsghdr *nlh, uint32_t portid)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN || nlh->nlmsg_pid == portid ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)) || g->nfgen_family != NFPROTO_IPV4)
		return false;
	/* attribute 1 is the table's name in every nf_tables message */
	mnl_attr_for_each(a, nlh, sizeof(*g))
		if (mnl_attr_get_type(a) == 1)
			return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			       strcmp(mnl_attr_get_str(a), PV_NFT_TABLE) == 0;
	return false;
}

int pv_nftnl_watch_read(int fd, uint32_t portid)
{
	char buf[65536];
	bool seen = false, lost = false;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		int len = (int)n;

		if (n < 0 && errno == ENOBUFS) {
			lost = true;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return seen ? 1 : lost ? 2 : 0;
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; !seen && mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len))
			seen = foreign(h, portid);
	}
}
