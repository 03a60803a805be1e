#include "netrules/nftables/nftdiff.h"

#include <stdbool.h>
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

/* ---- the order, in linear time ---- */

/* The distinct element map names of OPS, each with its rank in strcmp
 * order: an open-addressing table on the string (a name is a fresh copy
 * in each Service's objects, so not its pointer). */
struct names {
	const char **v; /* the table, cap slots */
	uint32_t *rank;
	size_t n, cap;
};

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int names_grow(struct names *t)
{
	size_t cap = t->cap ? 2 * t->cap : 64;
	const char **v = calloc(cap, sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i]) {
			size_t k = name_hash(t->v[i]) & (cap - 1);

			while (v[k])
				k = (k + 1) & (cap - 1);
			v[k] = t->v[i];
		}
	free(t->v);
	t->v = v;
	t->cap = cap;
	return 0;
}

/* NAME's slot, or where it would go. */
static size_t names_find(const struct names *t, const char *name)
{
	size_t k = name_hash(name) & (t->cap - 1);

	while (t->v[k] && strcmp(t->v[k], name) != 0)
		k = (k + 1) & (t->cap - 1);
	return k;
}

/* Add NAME unless there; -1 when out of memory. */
static int names_add(struct names *t, const char *name)
{
	size_t k;

	if (2 * (t->n + 1) > t->cap && names_grow(t) < 0)
		return -1;
	k = names_find(t, name);
	if (!t->v[k]) {
		t->v[k] = name;
		t->n++;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Rank every name in T in strcmp order. */
static int names_rank(struct names *t)
{
	const char **sorted = malloc((t->n ? t->n : 1) * sizeof(*sorted));
	size_t j = 0;

	t->rank = calloc(t->cap, sizeof(*t->rank));
	if (!sorted || !t->rank) {
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i])
			sorted[j++] = t->v[i];
	qsort(sorted, t->n, sizeof(*sorted), str_cmp);
	for (j = 0; j < t->n; j++)
		t->rank[names_find(t, sorted[j])] = (uint32_t)j;
	free(sorted);
	return 0;
}

/* Each operation's place as one number (op_cmp's order but the sequence):
 * the phase, then deletions by descending level, elements by map name. */
static bool elem_phase(const struct pv_nft_op *op)
{
	return op->phase == P_ELEM_ADD || op->phase == P_ELEM_DEL;
}

static int sort_keys(const struct pv_nft_ops *ops, uint32_t *key)
{
	struct names t = { 0 };
	const char *last = NULL;
	uint32_t rank = 0;
	int rc = 0;

	for (size_t i = 0; i < ops->n && rc == 0; i++)
		if (elem_phase(&ops->v[i]) && ops->v[i].obj->name != last)
			rc = names_add(&t, last = ops->v[i].obj->name);
	if (rc == 0 && t.n)
		rc = names_rank(&t);
	last = NULL;
	for (size_t i = 0; i < ops->n && rc == 0; i++) {
		const struct pv_nft_op *op = &ops->v[i];
		uint32_t sub = 0;

		if (op->phase == P_DELETE) {
			sub = 255u - op->obj->level;
		} else if (elem_phase(op)) {
			if (op->obj->name != last)
				rank = t.rank[names_find(&t, last = op->obj->name)];
			sub = rank;
		}
		key[i] = (uint32_t)op->phase << 24 | sub;
	}
	free(t.v);
	free(t.rank);
	return rc;
}

/* Stable: a least-significant-byte-first radix sort on the keys. */
static int radix_sort(struct pv_nft_ops *ops, const uint32_t *key0)
{
	size_t n = ops->n;
	struct pv_nft_op *buf = malloc(n * sizeof(*buf)), *src = ops->v, *dst = buf, *sw;
	uint32_t *kbuf = malloc(2 * n * sizeof(*kbuf)), *key = kbuf, *tkey, *swk;

	if (!buf || !kbuf) {
		free(buf);
		free(kbuf);
		return -1;
	}
	tkey = kbuf + n;
	memcpy(key, key0, n * sizeof(*key));
	for (unsigned shift = 0; shift < 32; shift += 8) {
		size_t count[257] = { 0 };

		for (size_t i = 0; i < n; i++)
			count[(key[i] >> shift & 0xFF) + 1]++;
		if (count[(key[0] >> shift & 0xFF) + 1] == n)
			continue; /* one value of this byte: already in order */
		for (size_t b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (size_t i = 0; i < n; i++) {
			size_t at = count[key[i] >> shift & 0xFF]++;

			dst[at] = src[i];
			tkey[at] = key[i];
		}
		sw = src, src = dst, dst = sw;
		swk = key, key = tkey, tkey = swk;
	}
	if (src != ops->v)
		memcpy(ops->v, src, n * sizeof(*src));
	free(buf);
	free(kbuf);
	return 0;
}

void pv_nft_ops_sort(struct pv_nft_ops *ops)
{
	uint32_t *key;

	for (size_t i = 0; i < ops->n; i++)
		ops->v[i].seq = i;
	if (ops->n < 2)
		return;
	key = malloc(ops->n * sizeof(*key));
	if (!key || sort_keys(ops, key) < 0 || radix_sort(ops, key) < 0)
		qsort(ops->v, ops->n, sizeof(*ops->v), op_cmp); /* out of memory: slower */
	free(key);
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
