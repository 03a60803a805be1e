#include "netrules/conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

struct scan {
	const struct pv_ct_gone *gone;
	size_t n;
	struct nf_conntrack **hit;
	size_t nhit, cap;
};

static bool matches(const struct pv_ct_gone *g, const struct nf_conntrack *ct)
{
	uint32_t dst = ntohl(nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST));
	uint16_t dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	uint32_t replier = ntohl(nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC));

	if (replier != g->ep_ip)
		return false;
	return (dst == g->svc_ip && dport == g->port) || (g->node_port && dport == g->node_port);
}

static int on_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct scan *s = data;

	(void)type;
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_UDP)
		return NFCT_CB_CONTINUE;
	for (size_t i = 0; i < s->n; i++) {
		if (!matches(&s->gone[i], ct))
			continue;
		if (s->nhit == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct nf_conntrack **v = realloc(s->hit, cap * sizeof(*v));

			if (!v)
				return NFCT_CB_STOP;
			s->hit = v;
			s->cap = cap;
		}
		if ((s->hit[s->nhit] = nfct_clone(ct)))
			s->nhit++;
		break;
	}
	return NFCT_CB_CONTINUE;
}

int pv_ct_forget_udp(const struct pv_ct_gone *gone, size_t n, struct pv_err *err)
{
	struct scan s = { .gone = gone, .n = n };
	struct nfct_handle *h;
	uint32_t family = AF_INET;
	int deleted = 0;

	if (!n)
		return 0;
	h = nfct_open(CONNTRACK, 0);
	if (!h)
		return pv_err_sys(err, errno, "conntrack");
	nfct_callback_register(h, NFCT_T_ALL, on_entry, &s);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0) {
		pv_err_sys(err, errno, "conntrack dump");
		deleted = -1;
	}
	/* Deleted after the dump: the handle cannot do both at once. */
	for (size_t i = 0; i < s.nhit; i++) {
		if (deleted >= 0 && nfct_query(h, NFCT_Q_DESTROY, s.hit[i]) == 0)
			deleted++;
		nfct_destroy(s.hit[i]);
	}
	free(s.hit);
	nfct_close(h);
	return deleted;
}
