#include "netrules/nftables/nftdiff.h"

#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

enum { P_CREATE, P_FLUSH, P_RULES, P_ELEM_DEL, P_ELEM_ADD, P_DELETE };

void pv_nft_ops_free(struct pv_nft_ops *ops)
{
	pv_vec_free(ops->v, ops->n, ops->cap);
	ops->oom = false;
}

static void push(struct pv_nft_ops *ops, enum pv_nft_opk op, const struct pv_nft_obj *o,
		 uint8_t phase)
{
	if (pv_vec_push(ops->v, ops->n, ops->cap,
			(struct pv_nft_op){ .op = op, .obj = o, .phase = phase, .seq = ops->n }) < 0)
		ops->oom = true;
}

static void add(struct pv_nft_ops *ops, const struct pv_nft_obj *o)
{
	if (o->kind == PV_NFT_ELEM) {
		push(ops, PV_OP_ADD, o, P_ELEM_ADD);
		return;
	}
	push(ops, PV_OP_ADD, o, P_CREATE);
	if (o->kind == PV_NFT_CHAIN && o->nrules)
		push(ops, PV_OP_RULES, o, P_RULES);
}

static void del(struct pv_nft_ops *ops, const struct pv_nft_obj *o)
{
	push(ops, PV_OP_DEL, o, o->kind == PV_NFT_ELEM ? P_ELEM_DEL : P_DELETE);
}

/* OLD and NEW are the same object with other content. */
static void change(struct pv_nft_ops *ops, const struct pv_nft_obj *old, const struct pv_nft_obj *new)
{
	if (new->kind == PV_NFT_CHAIN && !old->hook_type == !new->hook_type &&
	    (!new->hook_type || (old->hooknum == new->hooknum && old->prio == new->prio &&
				 strcmp(old->hook_type, new->hook_type) == 0))) {
		push(ops, PV_OP_FLUSH, new, P_FLUSH);
		if (new->nrules)
			push(ops, PV_OP_RULES, new, P_RULES);
		return;
	}
	/* A set's type or timeout, an element's verdict, a chain's hook:
	 * replaced. (Names carry what a set's content depends on, so a set
	 * referred to by rules is never replaced in place.) */
	del(ops, old);
	add(ops, new);
}

static const struct pv_nft_obj *find(const struct pv_nft_obj *v, size_t n,
				     const struct pv_nft_obj *o, size_t hint)
{
	if (hint < n && pv_nft_same(&v[hint], o))
		return &v[hint];
	for (size_t i = 0; i < n; i++)
		if (pv_nft_same(&v[i], o))
			return &v[i];
	return NULL;
}

void pv_nft_diff(const struct pv_nft_obj *old, size_t nold, const struct pv_nft_obj *new,
		 size_t nnew, struct pv_nft_ops *ops)
{
	/* The lists come from the same builder: the same object is most
	 * often at the same place in both. */
	for (size_t i = 0; i < nnew; i++) {
		const struct pv_nft_obj *o = find(old, nold, &new[i], i);

		if (!o)
			add(ops, &new[i]);
		else if (!pv_nft_equal(o, &new[i]))
			change(ops, o, &new[i]);
	}
	for (size_t i = 0; i < nold; i++)
		if (!find(new, nnew, &old[i], i))
			del(ops, &old[i]);
}

static int op_cmp(const void *pa, const void *pb)
{
	const struct pv_nft_op *a = pa, *b = pb;

	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->phase == P_DELETE && a->obj->level != b->obj->level)
		return a->obj->level > b->obj->level ? -1 : 1;
	/* a map's elements together: one message takes up to 512 of them
	 * (at 5,000 Services, 15,000 messages of one or two were a third of
	 * the batch) */
	if ((a->phase == P_ELEM_ADD || a->phase == P_ELEM_DEL) && a->obj->name != b->obj->name) {
		int c = strcmp(a->obj->name, b->obj->name);

		if (c)
			return c;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void pv_nft_ops_sort(struct pv_nft_ops *ops)
{
	for (size_t i = 0; i < ops->n; i++)
		ops->v[i].seq = i;
	if (ops->n > 1)
		qsort(ops->v, ops->n, sizeof(*ops->v), op_cmp);
}

static const char *kind_name(const struct pv_nft_obj *o)
{
	return o->kind == PV_NFT_CHAIN ? "chain" : o->kind == PV_NFT_ELEM ? "element" :
	       o->map || o->dnat_map ? "map" : "set";
}

void pv_nft_ops_format(FILE *out, const struct pv_nft_ops *ops)
{
	static const char *const verbs[] = { "add", "flush", "rules", "delete" };

	for (size_t i = 0; i < ops->n; i++) {
		const struct pv_nft_op *op = &ops->v[i];

		if (op->obj->kind == PV_NFT_ELEM) {
			fprintf(out, "%s ", verbs[op->op]);
			pv_nft_format_obj(out, op->obj);
		} else if (op->op == PV_OP_RULES) {
			fprintf(out, "rules chain %s: %zu\n", op->obj->name, op->obj->nrules);
		} else {
			fprintf(out, "%s %s %s\n", verbs[op->op], kind_name(op->obj), op->obj->name);
		}
	}
}
