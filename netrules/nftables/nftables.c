#include "netrules/nftables/nftables.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"
#include "netrules/nftables/nftdiff.h"
#include "netrules/nftables/nftnl.h"
#include "netrules/nftables/nftsvc.h"

/* One Service as last applied: a copy in one block (ports, endpoints and
 * strings after the struct), so that the caller's model may change. */
struct kept {
	struct pv_svc svc;
};

/* A Service that changed since the last sync: its objects then and now,
 * as ranges of the two scratch lists. */
struct change {
	size_t old_from, old_to, new_from, new_to;
};

struct nftp {
	struct pv_nftnl *nl;
	bool valid;   /* the kernel holds what the copies say */
	bool foreign; /* the watch saw someone else change the table */
	bool probe;   /* the watch lost notifications: probe the table */
	bool drained; /* changed() runs right after a drain */
	uint64_t handle;  /* of the table we made */
	uint32_t nrules;  /* in its services chain */
	struct pv_svc_config node;
	struct kept **svcs;
	size_t nsvcs;
	struct pv_hostport *hps;
	size_t nhps;
	struct pv_nft_groups groups, next_groups; /* the shared chains' (nftsvc.h) */
	struct pv_nft_objs old, new; /* scratch, reused */
	struct pv_nft_ops ops;
	struct change *changes;
	size_t nchanges, capchanges;
};

/* ---- the copies ---- */

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static struct kept *kept_new(const struct pv_svc *s)
{
	size_t size = sizeof(struct kept), off;
	size_t ports_off, eps_off, str_off;
	struct kept *k;
	char *base, *str;

	ports_off = size = align_up(size, alignof(struct pv_svc_port));
	size += s->nports * sizeof(struct pv_svc_port);
	eps_off = size = align_up(size, alignof(struct pv_svc_ep));
	for (size_t i = 0; i < s->nports; i++)
		size += s->ports[i].neps * sizeof(struct pv_svc_ep);
	str_off = size;
	size += strlen(s->ns) + strlen(s->name) + 2;
	for (size_t i = 0; i < s->nports; i++)
		size += strlen(s->ports[i].name) + 1;
	if (!(k = malloc(size)))
		return NULL;
	base = (char *)k;
	k->svc = *s;
	k->svc.ports = (struct pv_svc_port *)(base + ports_off);
	str = base + str_off;
	k->svc.ns = strcpy(str, s->ns);
	str += strlen(str) + 1;
	k->svc.name = strcpy(str, s->name);
	str += strlen(str) + 1;
	off = eps_off;
	for (size_t i = 0; i < s->nports; i++) {
		struct pv_svc_port *p = &k->svc.ports[i];

		*p = s->ports[i];
		p->name = strcpy(str, s->ports[i].name);
		str += strlen(str) + 1;
		p->eps = (struct pv_svc_ep *)(base + off);
		if (p->neps)
			memcpy(p->eps, s->ports[i].eps, p->neps * sizeof(*p->eps));
		off += p->neps * sizeof(*p->eps);
	}
	return k;
}

static bool port_equal(const struct pv_svc_port *a, const struct pv_svc_port *b)
{
	if (a->proto != b->proto || a->port != b->port || a->node_port != b->node_port ||
	    a->neps != b->neps || strcmp(a->name, b->name) != 0)
		return false;
	for (size_t i = 0; i < a->neps; i++)
		if (a->eps[i].ip != b->eps[i].ip || a->eps[i].port != b->eps[i].port)
			return false;
	return true;
}

static bool svc_equal(const struct pv_svc *a, const struct pv_svc *b)
{
	if (a->cluster_ip != b->cluster_ip || a->affinity_seconds != b->affinity_seconds ||
	    a->nports != b->nports)
		return false;
	for (size_t i = 0; i < a->nports; i++)
		if (!port_equal(&a->ports[i], &b->ports[i]))
			return false;
	return true;
}

static int svc_cmp(const struct pv_svc *a, const struct pv_svc *b)
{
	int c = strcmp(a->ns, b->ns);

	return c ? c : strcmp(a->name, b->name);
}

static bool node_equal(const struct pv_svc_config *a, const struct pv_svc_config *b)
{
	return a->pod_cidr.net == b->pod_cidr.net && a->pod_cidr.prefix == b->pod_cidr.prefix &&
	       a->masquerade_pods == b->masquerade_pods;
}

static bool hostports_equal(const struct nftp *p, const struct pv_proxy_state *st)
{
	if (p->nhps != st->nhostports)
		return false;
	for (size_t i = 0; i < p->nhps; i++) {
		const struct pv_hostport *a = &p->hps[i], *b = &st->hostports[i];

		if (a->proto != b->proto || a->host_ip != b->host_ip || a->pod_ip != b->pod_ip ||
		    a->host_port != b->host_port || a->container_port != b->container_port)
			return false;
	}
	return true;
}

static void forget(struct nftp *p)
{
	for (size_t i = 0; i < p->nsvcs; i++)
		free(p->svcs[i]);
	free(p->svcs);
	free(p->hps);
	p->svcs = NULL;
	p->hps = NULL;
	p->nsvcs = p->nhps = 0;
	p->valid = false;
}

/* Keep a copy of ST's hostPorts (what the rules use of them). */
static int keep_hostports(struct nftp *p, const struct pv_proxy_state *st)
{
	struct pv_hostport *v = calloc(st->nhostports ? st->nhostports : 1, sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < st->nhostports; i++) {
		v[i] = st->hostports[i];
		v[i].pod = NULL;
	}
	free(p->hps);
	p->hps = v;
	p->nhps = st->nhostports;
	return 0;
}

/* ---- syncs ---- */

static bool sorted(const struct pv_proxy_state *st)
{
	for (size_t i = 1; i < st->nsvcs; i++)
		if (svc_cmp(&st->svcs[i - 1], &st->svcs[i]) >= 0)
			return false;
	return true;
}

static void probe(struct nftp *p)
{
	struct pv_err err = { 0 };

	if (pv_nftnl_probe(p->nl, &p->handle, &p->nrules, &err) < 0)
		p->handle = 0; /* unknown: the next check will say changed */
}

/* The whole table anew, in one transaction. */
static int full(struct nftp *p, const struct pv_proxy_state *st, struct pv_err *err)
{
	struct kept **svcs;
	int rc;

	forget(p);
	pv_nft_objs_reset(&p->new);
	p->ops.n = 0;
	if (pv_nft_build(st, &p->new, err) < 0)
		return -1;
	pv_nft_diff(NULL, 0, p->new.v, p->new.n, &p->ops);
	if (p->ops.oom)
		return pv_err_set(err, ENOMEM, "out of memory");
	pv_nft_ops_sort(&p->ops);
	if ((rc = pv_nftnl_commit(p->nl, &p->ops, true, err)) < 0)
		return rc;
	probe(p);
	svcs = calloc(st->nsvcs ? st->nsvcs : 1, sizeof(*svcs));
	p->svcs = svcs;
	for (size_t i = 0; svcs && i < st->nsvcs; i++, p->nsvcs++)
		if (!(svcs[i] = kept_new(&st->svcs[i])))
			return 0; /* applied, but not kept: the next sync is a full one */
	if (!svcs)
		return 0;
	p->node = st->node;
	pv_nft_groups(st, &p->groups);
	p->valid = !p->groups.oom && keep_hostports(p, st) == 0;
	return 0;
}

static bool groups_equal(const struct pv_nft_groups *a, const struct pv_nft_groups *b)
{
	return a->n == b->n && (!a->n || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

/* A change of the shared chains: their objects then and now. */
static void compare_groups(struct nftp *p, const struct pv_proxy_state *st)
{
	struct change c = { .old_from = p->old.n, .new_from = p->new.n };

	pv_nft_groups(st, &p->next_groups);
	if (p->next_groups.oom) {
		p->old.oom = true;
		return;
	}
	if (groups_equal(&p->groups, &p->next_groups))
		return;
	pv_nft_shared(&p->old, &p->groups);
	pv_nft_shared(&p->new, &p->next_groups);
	c.old_to = p->old.n;
	c.new_to = p->new.n;
	if (pv_vec_push(p->changes, p->nchanges, p->capchanges, c) < 0)
		p->old.oom = true;
}

static void add_change(struct nftp *p, const struct pv_svc *old, const struct pv_svc *new,
		       const struct pv_svc_config *node)
{
	struct change c = { .old_from = p->old.n, .new_from = p->new.n };

	for (size_t i = 0; old && i < old->nports; i++)
		pv_nft_svc_port(&p->old, node, old, &old->ports[i]);
	for (size_t i = 0; new && i < new->nports; i++)
		pv_nft_svc_port(&p->new, node, new, &new->ports[i]);
	c.old_to = p->old.n;
	c.new_to = p->new.n;
	if (pv_vec_push(p->changes, p->nchanges, p->capchanges, c) < 0)
		p->old.oom = true;
}

/* Walk the copies and ST (both sorted) together: NEXT[j] is the copy
 * kept for ST's Service j when unchanged, NULL when it changed; the
 * changed ones' objects go into the scratch lists. */
static void compare(struct nftp *p, const struct pv_proxy_state *st, struct kept **next)
{
	size_t i = 0, j = 0;

	while (i < p->nsvcs || j < st->nsvcs) {
		int c = i == p->nsvcs ? 1 : j == st->nsvcs ? -1 :
			svc_cmp(&p->svcs[i]->svc, &st->svcs[j]);

		if (c == 0 && svc_equal(&p->svcs[i]->svc, &st->svcs[j])) {
			next[j++] = p->svcs[i++];
			continue;
		}
		add_change(p, c <= 0 ? &p->svcs[i]->svc : NULL, c >= 0 ? &st->svcs[j] : NULL,
			   &st->node);
		if (c >= 0)
			next[j++] = NULL;
		if (c <= 0)
			i++;
	}
	compare_groups(p, st);
	if (!hostports_equal(p, st)) {
		struct change c = { .old_from = p->old.n, .new_from = p->new.n };

		pv_nft_hostports(&p->old, p->hps, p->nhps);
		pv_nft_hostports(&p->new, st->hostports, st->nhostports);
		c.old_to = p->old.n;
		c.new_to = p->new.n;
		if (pv_vec_push(p->changes, p->nchanges, p->capchanges, c) < 0)
			p->old.oom = true;
	}
}

/* After a commit: NEXT becomes the copies; the changed Services copied
 * anew, the copies of those gone or changed freed. */
static void keep(struct nftp *p, const struct pv_proxy_state *st, struct kept **next)
{
	size_t j = 0;

	for (size_t i = 0; i < p->nsvcs; i++) { /* NEXT holds the unchanged ones, in order */
		while (j < st->nsvcs && !next[j])
			j++;
		if (j < st->nsvcs && next[j] == p->svcs[i])
			j++;
		else
			free(p->svcs[i]);
	}
	free(p->svcs);
	p->svcs = next;
	p->nsvcs = st->nsvcs;
	{
		struct pv_nft_groups g = p->groups;

		p->groups = p->next_groups;
		p->next_groups = g;
	}
	for (j = 0; j < st->nsvcs; j++)
		if (!next[j] && !(next[j] = kept_new(&st->svcs[j])))
			p->valid = false;
	if (keep_hostports(p, st) < 0)
		p->valid = false;
}

/* Only what changed, in one transaction; 1 when a full sync is needed. */
static int incremental(struct nftp *p, const struct pv_proxy_state *st, struct pv_err *err)
{
	struct kept **next;

	if (!sorted(st) || !node_equal(&p->node, &st->node))
		return 1;
	if (!(next = calloc(st->nsvcs ? st->nsvcs : 1, sizeof(*next))))
		return pv_err_set(err, ENOMEM, "out of memory");
	pv_nft_objs_reset(&p->old);
	pv_nft_objs_reset(&p->new);
	p->ops.n = p->nchanges = 0;
	compare(p, st, next);
	for (size_t k = 0; k < p->nchanges; k++) {
		const struct change *c = &p->changes[k];

		pv_nft_diff(p->old.v + c->old_from, c->old_to - c->old_from, p->new.v + c->new_from,
			    c->new_to - c->new_from, &p->ops);
	}
	if (p->old.oom || p->new.oom || p->ops.oom) {
		free(next);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	pv_nft_ops_sort(&p->ops);
	if (pv_nftnl_commit(p->nl, &p->ops, false, err) < 0) {
		free(next);
		return 1; /* someone else's change, most likely: start over */
	}
	keep(p, st, next);
	return 0;
}

static int nft_sync(void *be, const struct pv_proxy_state *st, struct pv_err *err)
{
	struct nftp *p = be;
	int rc = p->valid ? incremental(p, st, err) : 1;

	return rc == 1 ? full(p, st, err) : rc;
}

/* ---- the backend ---- */

static void *nft_new(struct pv_err *err)
{
	struct nftp *p = calloc(1, sizeof(*p));

	if (!p) {
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	pv_nft_objs_init(&p->old);
	pv_nft_objs_init(&p->new);
	if (!(p->nl = pv_nftnl_open(err))) {
		free(p);
		return NULL;
	}
	return p;
}

static void nft_free(void *be)
{
	struct nftp *p = be;

	if (!p)
		return;
	forget(p);
	pv_nftnl_close(p->nl);
	pv_nft_objs_free(&p->old);
	pv_nft_objs_free(&p->new);
	pv_nft_ops_free(&p->ops);
	pv_nft_groups_free(&p->groups);
	pv_nft_groups_free(&p->next_groups);
	free(p->changes);
	free(p);
}

static int nft_clear(void *be, struct pv_err *err)
{
	struct nftp *p = be;

	forget(p);
	return pv_nftnl_delete_table(p->nl, err);
}

static bool nft_changed(void *be)
{
	struct nftp *p = be;
	bool drained = p->drained, lost = p->probe;

	p->drained = p->probe = false;
	if (!p->valid) /* the next sync starts over anyway */
		return false;
	if (p->foreign) {
		p->foreign = false;
		p->valid = false;
		return true;
	}
	if (drained && !lost) /* the watch saw only our own changes */
		return false;
	{
		uint64_t handle = p->handle;
		uint32_t nrules = p->nrules;

		probe(p);
		if (p->handle && p->handle == handle && p->nrules == nrules)
			return false;
	}
	p->valid = false;
	return true;
}

static int nft_watch_open(void *be, struct pv_err *err)
{
	(void)be;
	return pv_nftnl_watch_open(err);
}

static bool nft_watch_drain(void *be, int fd)
{
	struct nftp *p = be;
	int rc = pv_nftnl_watch_read(fd, pv_nftnl_portid(p->nl));

	if (rc < 0)
		return false;
	p->drained = true;
	if (rc == 1)
		p->foreign = true;
	else if (rc == 2)
		p->probe = true;
	return true;
}

const struct pv_proxier_ops pv_nftables_proxier = {
	.name = "nftables",
	.new = nft_new,
	.free = nft_free,
	.sync = nft_sync,
	.clear = nft_clear,
	.changed = nft_changed,
	.watch_open = nft_watch_open,
	.watch_drain = nft_watch_drain,
};
