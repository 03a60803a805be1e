#include "manifests/decode.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/strjoin.h"
#include "manifests/manifest.h"
#include "manifests/quantity.h"
#include "manifests/support.h"

/* One step of the path to the value being decoded: ".name", "[3]" or
 * "[key]". The path is kept as these, and made text only for a message. */
struct path_seg {
	enum { SEG_FIELD, SEG_INDEX, SEG_KEY } kind;
	const char *s; /* SEG_FIELD, SEG_KEY */
	size_t i;      /* SEG_INDEX */
};

/* The decoder follows the schema, whose nesting is far less deep than
 * this; and steps past it would land past PATH_MAX_TEXT - 1 characters, where
 * the text is cut anyway (each step recursed into is 2 or more). */
#define PATH_SEGS 512
#define PATH_MAX_TEXT 1024

struct dctx {
	struct pv_arena *arena;
	struct pv_diags *diags;
	size_t errors;
	size_t work;
	bool over_budget;
	size_t depth; /* steps in the path; segs holds the first PATH_SEGS */
	struct path_seg segs[PATH_SEGS];
};

static const char *path_text(const struct dctx *c, char *buf, size_t size);

struct pv_list_any {
	size_t n;
	void *items;
	bool set;
	struct pv_loc loc;
};

static void derr(struct dctx *c, struct pv_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void derr(struct dctx *c, struct pv_loc loc, const char *fmt, ...)
{
	char msg[512], path[PATH_MAX_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pv_diag_add(c->diags, PV_SEV_ERROR, loc, path_text(c, path, sizeof(path)), "%s", msg);
	c->errors++;
}

static void dwarn(struct dctx *c, struct pv_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void dwarn(struct dctx *c, struct pv_loc loc, const char *fmt, ...)
{
	char msg[512], path[PATH_MAX_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pv_diag_add(c->diags, PV_SEV_WARNING, loc, path_text(c, path, sizeof(path)), "%s", msg);
}

/* Path maintenance: push returns the depth to pop back to. */
static size_t path_push(struct dctx *c, const struct path_seg seg)
{
	size_t old = c->depth;

	if (c->depth < PATH_SEGS)
		c->segs[c->depth] = seg;
	c->depth++;
	return old;
}

static size_t path_push_field(struct dctx *c, const char *name)
{
	return path_push(c, (struct path_seg){ .kind = SEG_FIELD, .s = name });
}

static size_t path_push_index(struct dctx *c, size_t i)
{
	return path_push(c, (struct path_seg){ .kind = SEG_INDEX, .i = i });
}

static size_t path_push_key(struct dctx *c, const char *key)
{
	return path_push(c, (struct path_seg){ .kind = SEG_KEY, .s = key });
}

static void path_pop(struct dctx *c, size_t old)
{
	c->depth = old;
}

/* What does not fit is cut, as snprintf would. */
static size_t path_put(char *buf, size_t at, size_t size, const char *s, size_t len)
{
	if (len > size - 1 - at)
		len = size - 1 - at;
	memcpy(buf + at, s, len);
	return at + len;
}

/* The path as text ("spec.containers[0].image"): a field after anything
 * takes a dot. */
static const char *path_text(const struct dctx *c, char *buf, size_t size)
{
	size_t at = 0, n = c->depth < PATH_SEGS ? c->depth : PATH_SEGS;

	for (size_t k = 0; k < n; k++) {
		const struct path_seg *g = &c->segs[k];
		char num[24], *p = num + sizeof(num);
		size_t i = g->i;

		switch (g->kind) {
		case SEG_FIELD:
			if (at)
				at = path_put(buf, at, size, ".", 1);
			at = path_put(buf, at, size, g->s, strlen(g->s));
			break;
		case SEG_INDEX:
			*--p = ']';
			do
				*--p = (char)('0' + i % 10);
			while (i /= 10);
			*--p = '[';
			at = path_put(buf, at, size, p, (size_t)(num + sizeof(num) - p));
			break;
		case SEG_KEY:
			at = path_put(buf, at, size, "[", 1);
			at = path_put(buf, at, size, g->s, strlen(g->s));
			at = path_put(buf, at, size, "]", 1);
			break;
		}
	}
	buf[at] = '\0';
	return buf;
}

static bool budget(struct dctx *c, const struct pv_node *n)
{
	if (c->over_budget)
		return false;
	if (++c->work <= PV_DECODE_MAX_WORK)
		return true;
	c->over_budget = true;
	derr(c, n->loc, "YAML aliases expand this document past %d nodes; refusing it",
	     PV_DECODE_MAX_WORK);
	return false;
}

static bool is_null(const struct pv_node *n)
{
	return n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_NULL;
}

static void type_error(struct dctx *c, const struct pv_node *n, const char *want)
{
	if (n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_STR && strcmp(want, "integer") == 0)
		derr(c, n->loc, "expected an integer, got the string \"%.64s\"%s", n->str,
		     n->len && strspn(n->str, "0123456789") == n->len ? " (remove the quotes)" : "");
	else if (n->type == PV_NODE_SCALAR && strcmp(want, "string") == 0)
		derr(c, n->loc, "expected a string, got %s %.64s (quote it: \"%.64s\")",
		     pv_node_type_name(n), n->str, n->str);
	else
		derr(c, n->loc, "expected %s %s, got %s", strcmp(want, "integer") == 0 ? "an" : "a",
		     want, pv_node_type_name(n));
}

static void enum_error(struct dctx *c, const struct pv_node *n, const char *const *enums)
{
	cleanup_free char *list = pv_strjoin_v(enums, "\", \"");

	derr(c, n->loc, "unsupported value \"%.64s\": supported values: \"%s\"", n->str,
	     list ? list : "...");
}

static void dec_str(struct dctx *c, const struct pv_field *f, struct pv_str *out,
		    const struct pv_node *n)
{
	if (n->type != PV_NODE_SCALAR || n->stype != PV_SCALAR_STR) {
		type_error(c, n, "string");
		return;
	}
	if (f && f->enums) {
		const char *const *e = f->enums;

		while (*e && strcmp(*e, n->str) != 0)
			e++;
		if (!*e) {
			/* Old manifests say "tcp": take it, but say how it is spelt. */
			for (e = f->enums; *e && strcasecmp(*e, n->str) != 0; e++)
				;
			if (!*e) {
				enum_error(c, n, f->enums);
				return;
			}
			dwarn(c, n->loc, "\"%s\" should be written \"%s\" (Kubernetes refuses it); "
			      "read as \"%s\"", n->str, *e, *e);
			out->v = *e;
			out->loc = n->loc;
			return;
		}
	}
	out->v = n->str;
	out->loc = n->loc;
}

static void dec_int(struct dctx *c, const struct pv_field *f, struct pv_int *out,
		    const struct pv_node *n)
{
	int64_t v;

	if (n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_INT) {
		v = n->i;
	} else if (n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_FLOAT && isfinite(n->f) &&
		   n->f == floor(n->f) && fabs(n->f) < 9e15) {
		v = (int64_t)n->f; /* 1e3: Kubernetes' YAML decoder turns it into 1000 */
	} else {
		type_error(c, n, "integer");
		return;
	}
	if (f && (f->flags & PV_FF_INT32) && (v > INT32_MAX || v < INT32_MIN)) {
		derr(c, n->loc, "%lld does not fit in a 32-bit integer", (long long)v);
		return;
	}
	out->v = v;
	out->set = true;
	out->loc = n->loc;
}

static void dec_bool(struct dctx *c, struct pv_bool *out, const struct pv_node *n)
{
	if (n->type != PV_NODE_SCALAR || n->stype != PV_SCALAR_BOOL) {
		type_error(c, n, "boolean");
		return;
	}
	out->v = n->b;
	out->set = true;
	out->loc = n->loc;
}

static void dec_intstr(struct dctx *c, struct pv_intstr *out, const struct pv_node *n)
{
	struct pv_int i = { 0 };

	if (n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_STR) {
		out->is_str = true;
		out->s = n->str;
	} else {
		size_t before = c->errors;

		dec_int(c, NULL, &i, n);
		if (c->errors != before)
			return;
		if (i.v > INT32_MAX || i.v < INT32_MIN) {
			derr(c, n->loc, "%lld does not fit in a 32-bit integer", (long long)i.v);
			return;
		}
		out->i = i.v;
	}
	out->set = true;
	out->loc = n->loc;
}

static void dec_qty(struct dctx *c, struct pv_qtyval *out, const struct pv_node *n)
{
	const char *why = NULL;

	if (n->type != PV_NODE_SCALAR || n->stype == PV_SCALAR_BOOL || n->stype == PV_SCALAR_NULL) {
		derr(c, n->loc, "expected a quantity (like 500m, 128Mi or 2), got %s",
		     pv_node_type_name(n));
		return;
	}
	if (pv_qty_parse(n->str, &out->q, &why) < 0) {
		derr(c, n->loc, "\"%.64s\" is not a valid quantity: %s (examples: 500m, 128Mi, 1Gi, 2)",
		     n->str, why);
		out->invalid = true; /* still "written": no second error saying it is missing */
	}
	out->s = n->str;
	out->loc = n->loc;
}

/* A list is paid for before it is allocated: through aliases, a small
 * file can name the same long list many times. */
static void *list_alloc(struct dctx *c, struct pv_list_any *l, const struct pv_node *n, size_t sz)
{
	l->set = true;
	l->loc = n->loc;
	if (n->n == 0 || c->over_budget)
		return NULL;
	if (c->work + n->n > PV_DECODE_MAX_WORK) {
		c->work = PV_DECODE_MAX_WORK;
		budget(c, n);
		return NULL;
	}
	l->items = pv_arena_calloc(c->arena, n->n, sz);
	if (!l->items) {
		c->over_budget = true;
		derr(c, n->loc, "the objects in this file need more than %u MiB of memory; "
		     "refusing it", (unsigned)(PV_FILE_MEMORY_LIMIT >> 20));
	}
	return l->items;
}

static bool want_type(struct dctx *c, const struct pv_node *n, enum pv_node_type t)
{
	if (n->type == t)
		return true;
	type_error(c, n, t == PV_NODE_MAP ? "mapping" : "list");
	return false;
}

static void dec_strlist(struct dctx *c, pv_strlist *out, const struct pv_node *n)
{
	struct pv_str *items;

	if (!want_type(c, n, PV_NODE_SEQ))
		return;
	items = list_alloc(c, (struct pv_list_any *)out, n, sizeof(*items));
	for (size_t i = 0; items && i < n->n && budget(c, n->items[i]); i++) {
		size_t old = path_push_index(c, i);

		dec_str(c, NULL, &items[out->n], n->items[i]);
		if (items[out->n].v)
			out->n++;
		path_pop(c, old);
	}
}

static void dec_intlist(struct dctx *c, const struct pv_field *f, void *out, const struct pv_node *n)
{
	struct pv_list_any *l = out;
	struct pv_int *items;

	if (!want_type(c, n, PV_NODE_SEQ))
		return;
	items = list_alloc(c, l, n, sizeof(*items));
	for (size_t i = 0; items && i < n->n && budget(c, n->items[i]); i++) {
		size_t old = path_push_index(c, i);

		dec_int(c, f, &items[l->n], n->items[i]);
		if (items[l->n].set)
			l->n++;
		path_pop(c, old);
	}
}

static void dec_strmap(struct dctx *c, pv_strmap *out, const struct pv_node *n)
{
	struct pv_kv *items;

	if (!want_type(c, n, PV_NODE_MAP))
		return;
	items = list_alloc(c, (struct pv_list_any *)out, n, sizeof(*items));
	for (size_t i = 0; items && i < n->n && budget(c, n->items[2 * i + 1]); i++) {
		const struct pv_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
		struct pv_kv *kv = &items[out->n];
		size_t old = path_push_key(c, k->str);

		kv->key = k->str;
		kv->kloc = k->loc;
		kv->vloc = v->loc;
		if (is_null(v)) {
			kv->value = "";
			out->n++;
		} else if (v->type == PV_NODE_SCALAR && v->stype == PV_SCALAR_STR) {
			kv->value = v->str;
			out->n++;
		} else {
			type_error(c, v, "string");
		}
		path_pop(c, old);
	}
}

static void dec_qtymap(struct dctx *c, pv_qtymap *out, const struct pv_node *n)
{
	struct pv_qkv *items;

	if (!want_type(c, n, PV_NODE_MAP))
		return;
	items = list_alloc(c, (struct pv_list_any *)out, n, sizeof(*items));
	for (size_t i = 0; items && i < n->n && budget(c, n->items[2 * i + 1]); i++) {
		const struct pv_node *k = n->items[2 * i];
		struct pv_qkv *kv = &items[out->n];
		size_t old = path_push_key(c, k->str);

		kv->key = k->str;
		kv->kloc = k->loc;
		dec_qty(c, &kv->val, n->items[2 * i + 1]);
		if (kv->val.s)
			out->n++;
		path_pop(c, old);
	}
}

static void dec_struct(struct dctx *c, const struct pv_type *t, void *obj,
		       const struct pv_node *n, struct pv_loc at);

static void dec_list(struct dctx *c, const struct pv_type *t, struct pv_list_any *l,
		     const struct pv_node *n)
{
	unsigned char *items;

	if (!want_type(c, n, PV_NODE_SEQ))
		return;
	items = list_alloc(c, l, n, t->size);
	for (size_t i = 0; items && i < n->n && budget(c, n->items[i]); i++) {
		size_t old = path_push_index(c, i);

		dec_struct(c, t, items + l->n * t->size, n->items[i], n->items[i]->loc);
		l->n++;
		path_pop(c, old);
	}
}

/* A field podvisor does not act on: the words of its row in support.c. */
static void dec_unacted(struct dctx *c, const struct pv_type *t, const struct pv_field *f,
			struct pv_loc loc)
{
	const struct pv_support *s = pv_support_find(t->name, f->name);
	size_t before = c->diags->n;
	char msg[512];

	if (!s) {
		dwarn(c, loc, "%s", "not supported by podvisor; ignored");
		return;
	}
	pv_support_say(s, msg, sizeof(msg));
	dwarn(c, loc, "%s", msg);
	if (c->diags->n > before)
		c->diags->v[before].unacted = true;
}

static void dec_field(struct dctx *c, const struct pv_type *t, const struct pv_field *f,
		      unsigned char *base, const struct pv_node *k, const struct pv_node *v)
{
	void *p = base + f->off;

	if (is_null(v) && f->kind != PV_F_OBJ)
		return; /* null is "not set", as in Kubernetes' JSON decoding */
	switch (f->kind) {
	case PV_F_STR:
		dec_str(c, f, p, v);
		break;
	case PV_F_INT:
		dec_int(c, f, p, v);
		break;
	case PV_F_BOOL:
		dec_bool(c, p, v);
		break;
	case PV_F_INTSTR:
		dec_intstr(c, p, v);
		break;
	case PV_F_QTY:
		dec_qty(c, p, v);
		break;
	case PV_F_STRMAP:
		dec_strmap(c, p, v);
		break;
	case PV_F_QTYMAP:
		dec_qtymap(c, p, v);
		break;
	case PV_F_STRLIST:
		dec_strlist(c, p, v);
		break;
	case PV_F_INTLIST:
		dec_intlist(c, f, p, v);
		break;
	case PV_F_OBJ:
		dec_struct(c, f->type, p, v, k->loc);
		break;
	case PV_F_LIST:
		dec_list(c, f->type, p, v);
		break;
	case PV_F_IGNORED:
		dec_unacted(c, t, f, k->loc);
		break;
	case PV_F_SILENT:
		break;
	case PV_F_UNSUPPORTED:
		if (!((struct pv_str *)p)->v) {
			((struct pv_str *)p)->v = k->str;
			((struct pv_str *)p)->loc = k->loc;
		}
		dwarn(c, k->loc, "volume source %s is not supported by podvisor", k->str);
		break;
	}
}

/* Edit distance, capped: only small distances matter for suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + ((a[i - 1] | 32) != (b[j - 1] | 32));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

/* The known field an unknown NAME most likely meant, or NULL. */
static const char *field_suggest(const struct pv_type *t, const char *name)
{
	const char *best = NULL;
	size_t best_d = strlen(name) > 4 ? 3 : 2;

	for (const struct pv_field *f = t->fields; f->name; f++) {
		size_t d = edit_distance(name, f->name);

		if (d < best_d) {
			best = f->name;
			best_d = d;
		}
	}
	return best;
}

static const struct pv_field *field_find(const struct pv_type *t, const char *name)
{
	/* The first characters first: most fields differ there. */
	for (const struct pv_field *f = t->fields; f->name; f++)
		if (f->name[0] == name[0] && strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static bool field_present(const struct pv_field *f, const unsigned char *base)
{
	const void *p = base + f->off;

	switch (f->kind) {
	case PV_F_STR:
		return ((const struct pv_str *)p)->v != NULL;
	case PV_F_INT:
		return ((const struct pv_int *)p)->set;
	case PV_F_BOOL:
		return ((const struct pv_bool *)p)->set;
	case PV_F_INTSTR:
		return ((const struct pv_intstr *)p)->set;
	case PV_F_QTY:
		return ((const struct pv_qtyval *)p)->s != NULL;
	case PV_F_OBJ:
		return ((const struct pv_hdr *)p)->set;
	case PV_F_STRMAP:
	case PV_F_QTYMAP:
	case PV_F_STRLIST:
	case PV_F_INTLIST:
	case PV_F_LIST:
		return ((const struct pv_list_any *)p)->n > 0;
	default:
		return true;
	}
}

/* A required field is missing when nothing decoded into it and it was
 * not written at all: a value of the wrong type was reported already. */
static void check_required(struct dctx *c, const struct pv_type *t, const unsigned char *base,
			   const struct pv_node *n, struct pv_loc at)
{
	for (const struct pv_field *f = t->fields; f->name; f++) {
		const struct pv_node *v;
		size_t old;

		if (!(f->flags & PV_FF_REQUIRED) || field_present(f, base))
			continue;
		v = pv_node_get(n, f->name);
		if (v && !is_null(v) && !(v->type != PV_NODE_SCALAR && v->n == 0))
			continue;
		old = path_push_field(c, f->name);
		derr(c, at, "required");
		path_pop(c, old);
	}
}

static void unknown_field(struct dctx *c, const struct pv_type *t, const struct pv_node *k)
{
	const char *hint = field_suggest(t, k->str);

	if (hint)
		dwarn(c, k->loc, "unknown field \"%s\" in %s, ignored (did you mean \"%s\"?)", k->str,
		      t->name, hint);
	else
		dwarn(c, k->loc, "unknown field \"%s\" in %s, ignored", k->str, t->name);
}

/* AT is where the struct is named: the key that introduces it, or the
 * list item. Errors about the struct as a whole point there. */
static void dec_struct(struct dctx *c, const struct pv_type *t, void *obj,
		       const struct pv_node *n, struct pv_loc at)
{
	unsigned char *base = obj;
	struct pv_hdr *hdr = obj;

	if (is_null(n))
		return;
	if (!want_type(c, n, PV_NODE_MAP))
		return;
	hdr->set = true;
	hdr->loc = at;
	for (size_t i = 0; i < n->n && budget(c, n->items[2 * i + 1]); i++) {
		const struct pv_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
		const struct pv_field *f = field_find(t, k->str);
		size_t old = path_push_field(c, k->str);

		if (f)
			dec_field(c, t, f, base, k, v);
		else
			unknown_field(c, t, k);
		path_pop(c, old);
	}
	check_required(c, t, base, n, at);
}

size_t pv_decode(const struct pv_type *t, void *obj, const struct pv_node *n,
		 struct pv_arena *arena, struct pv_diags *diags)
{
	struct dctx c; /* not zeroed whole: the path's steps are written before read */

	c.arena = arena;
	c.diags = diags;
	c.errors = 0;
	c.work = 0;
	c.over_budget = false;
	c.depth = 0;

	dec_struct(&c, t, obj, n, n->loc);
	return c.errors;
}
