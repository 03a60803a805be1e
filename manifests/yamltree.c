#include "manifests/yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/scalar.h"

const struct pv_yaml_limits pv_yaml_default_limits = {
	.max_depth = 64,
	.max_nodes = 250000,
	.max_docs = 10000,
	.max_anchors = 1000,
};

struct frame {
	struct pv_node *node;
	char *anchor;
	size_t first; /* its children are kids[first...] of the builder */
};

/* Mappings of at most this many keys are checked for duplicates pair by
 * pair; larger ones are sorted. */
#define SMALL_MAP 16

struct anchor {
	char *name;
	struct pv_node *node;
};

struct builder {
	const char *buf;
	size_t len;
	const struct pv_yaml_limits *lim;
	struct pv_arena *arena;
	struct pv_arena *strings;
	struct pv_diags *diags;
	struct pv_yaml_docs *out;
	size_t docs_cap;
	struct frame *stack;
	size_t depth, stack_cap;
	/* The children of every open collection, innermost last: one
	 * array for the whole file rather than one per collection. */
	struct pv_node **kids;
	size_t nkids, kids_cap;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t nodes;
	struct pv_node *root;
};

static struct pv_loc mark_loc(const yaml_mark_t *m)
{
	struct pv_loc l = { (uint32_t)m->line + 1, (uint32_t)m->column + 1 };

	return l;
}

static int fail(struct builder *b, struct pv_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct builder *b, struct pv_loc loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pv_diag_add(b->diags, PV_SEV_ERROR, loc, "", "%s", msg);
	return -1;
}

static int oom(struct builder *b, struct pv_loc loc)
{
	return fail(b, loc, "%s", "out of memory");
}

static struct pv_node *node_new(struct builder *b, enum pv_node_type t, const yaml_mark_t *m)
{
	struct pv_node *n;

	if (++b->nodes > b->lim->max_nodes) {
		pv_diag_add(b->diags, PV_SEV_ERROR, mark_loc(m), "",
			    "too many YAML nodes (more than %zu in one file)", b->lim->max_nodes);
		return NULL;
	}
	n = pv_arena_alloc_raw(b->arena, sizeof(*n));
	if (!n) {
		oom(b, mark_loc(m));
		return NULL;
	}
	*n = (struct pv_node){ .type = t, .loc = mark_loc(m) };
	return n;
}

static int anchor_add(struct builder *b, char *name, struct pv_node *node)
{
	if (!name)
		return 0;
	if (b->nanchors >= b->lim->max_anchors)
		return fail(b, node->loc, "too many YAML anchors in one document (at most %zu)",
			    b->lim->max_anchors);
	if (pv_vec_reserve(b->anchors, b->nanchors, b->anchors_cap, 1) < 0)
		return oom(b, node->loc);
	b->anchors[b->nanchors].name = strdup(name);
	if (!b->anchors[b->nanchors].name)
		return oom(b, node->loc);
	b->anchors[b->nanchors++].node = node;
	return 0;
}

static void anchors_clear(struct builder *b)
{
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	b->nanchors = 0;
}

static struct pv_node *anchor_find(struct builder *b, const char *name)
{
	/* The newest definition wins, as YAML says. */
	for (size_t i = b->nanchors; i-- > 0;)
		if (strcmp(b->anchors[i].name, name) == 0)
			return b->anchors[i].node;
	return NULL;
}

static int doc_push(struct builder *b, struct pv_node *root)
{
	struct pv_yaml_docs *o = b->out;

	if (o->n == b->docs_cap) {
		size_t cap = b->docs_cap ? b->docs_cap * 2 : 4;
		struct pv_node **v = pv_arena_calloc(b->arena, cap, sizeof(*v));

		if (!v)
			return oom(b, root->loc);
		if (o->n)
			memcpy(v, o->roots, o->n * sizeof(*v));
		o->roots = v;
		b->docs_cap = cap;
	}
	o->roots[o->n++] = root;
	return 0;
}

/* Attach a finished node to the collection being built, or make it the
 * document's root. */
static int attach(struct builder *b, struct pv_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	if (b->nkids < b->kids_cap) {
		b->kids[b->nkids++] = n;
		return 0;
	}
	return pv_vec_push(b->kids, b->nkids, b->kids_cap, n) < 0 ? oom(b, n->loc) : 0;
}

/* The node's value from its text (manifests/scalar.c). */
static int resolve(struct pv_node *n, const char *tag, bool plain)
{
	struct pv_scalar s = { .str = n->str, .len = n->len };

	if (pv_scalar_resolve(&s, tag, plain) < 0)
		return -1;
	n->stype = s.stype;
	n->b = s.b;
	n->i = s.i;
	n->f = s.f;
	return 0;
}

static int on_scalar(struct builder *b, yaml_event_t *ev)
{
	struct pv_node *n = node_new(b, PV_NODE_SCALAR, &ev->start_mark);
	const char *tag = (const char *)ev->data.scalar.tag;

	if (!n)
		return -1;
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (memchr(ev->data.scalar.value, '\0', n->len))
		return fail(b, n->loc, "%s", "a string may not contain a NUL character (\\0)");
	n->str = pv_arena_strndup(b->strings, (const char *)ev->data.scalar.value, n->len);
	if (!n->str)
		return oom(b, n->loc);
	if (resolve(n, tag, ev->data.scalar.plain_implicit) < 0)
		return fail(b, n->loc, "cannot resolve YAML tag %s", tag ? tag : "");
	if (anchor_add(b, (char *)ev->data.scalar.anchor, n) < 0)
		return -1;
	return attach(b, n);
}

static int on_start(struct builder *b, yaml_event_t *ev, enum pv_node_type t, yaml_char_t *anchor)
{
	struct pv_node *n = node_new(b, t, &ev->start_mark);
	struct frame *f;

	if (!n)
		return -1;
	if (b->depth >= b->lim->max_depth) {
		pv_diag_add(b->diags, PV_SEV_ERROR, n->loc, "",
			    "YAML nested more than %zu levels deep", b->lim->max_depth);
		return -1;
	}
	if (pv_vec_reserve(b->stack, b->depth, b->stack_cap, 1) < 0)
		return oom(b, n->loc);
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	f->first = b->nkids;
	if (anchor && !(f->anchor = strdup((char *)anchor)))
		return oom(b, n->loc);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct pv_node *const *x = a, *const *y = b;
	int c = strcmp((*x)->str, (*y)->str);

	if (c)
		return c;
	if ((*x)->loc.line != (*y)->loc.line)
		return (*x)->loc.line < (*y)->loc.line ? -1 : 1;
	return (*x)->loc.col < (*y)->loc.col ? -1 : (*x)->loc.col > (*y)->loc.col;
}

static int map_key_ok(struct builder *b, const struct pv_node *k)
{
	if (k->type != PV_NODE_SCALAR)
		return fail(b, k->loc, "%s", "mapping keys must be scalars (strings)");
	if (k->stype == PV_SCALAR_NULL && k->len == 0)
		return fail(b, k->loc, "%s", "empty mapping key");
	if (k->plain && strcmp(k->str, "<<") == 0)
		return fail(b, k->loc, "%s",
			    "YAML merge keys ('<<') are not supported; write the keys out");
	return 0;
}

/* Whether a small mapping has two equal keys, without sorting (keys
 * hold no NUL: equal length and bytes is strcmp's equality). */
static bool small_map_has_dup(const struct pv_node *m)
{
	for (size_t i = 1; i < m->n; i++) {
		const struct pv_node *k = m->items[2 * i];

		for (size_t j = 0; j < i; j++) {
			const struct pv_node *o = m->items[2 * j];

			if (o->len == k->len && memcmp(o->str, k->str, k->len) == 0)
				return true;
		}
	}
	return false;
}

/* Duplicate keys are an error (Kubernetes' strict decoding refuses them
 * too); sorting finds them in n log n even in a huge ConfigMap. Most
 * mappings are small and have none: they are checked pair by pair. */
static int map_check_keys(struct builder *b, struct pv_node *m)
{
	cleanup_free struct pv_node **keys = NULL;
	int rc = 0;

	for (size_t i = 0; i < m->n; i++)
		if (map_key_ok(b, m->items[2 * i]) < 0)
			return -1;
	if (m->n < 2 || (m->n <= SMALL_MAP && !small_map_has_dup(m)))
		return 0;
	keys = malloc(m->n * sizeof(*keys));
	if (!keys)
		return oom(b, m->loc);
	for (size_t i = 0; i < m->n; i++)
		keys[i] = m->items[2 * i];
	qsort(keys, m->n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < m->n; i++) {
		if (strcmp(keys[i - 1]->str, keys[i]->str) != 0)
			continue;
		pv_diag_add(b->diags, PV_SEV_ERROR, keys[i]->loc, "",
			    "duplicate mapping key \"%s\" (first at line %u); remove one of them",
			    keys[i]->str, keys[i - 1]->loc.line);
		rc = -1;
	}
	return rc;
}

static int on_end(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct pv_node *n = f->node;
	size_t nkids = b->nkids - f->first;
	int rc = 0;

	if (n->type == PV_NODE_MAP && nkids % 2)
		rc = fail(b, n->loc, "%s", "mapping has a key without a value");
	if (rc == 0 && nkids) {
		n->items = pv_arena_alloc_raw(b->arena, nkids * sizeof(*n->items));
		if (!n->items)
			rc = oom(b, n->loc);
		else
			memcpy(n->items, b->kids + f->first, nkids * sizeof(*n->items));
	}
	n->n = n->type == PV_NODE_MAP ? nkids / 2 : nkids;
	if (rc == 0 && n->type == PV_NODE_MAP)
		rc = map_check_keys(b, n);
	if (rc == 0)
		rc = anchor_add(b, f->anchor, n);
	free(f->anchor);
	b->nkids = f->first;
	b->depth--;
	return rc < 0 ? rc : attach(b, n);
}

static int on_alias(struct builder *b, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct pv_node *n = anchor_find(b, name);

	if (!n)
		return fail(b, mark_loc(&ev->start_mark),
			    "alias *%s refers to no anchor defined before it", name);
	if (++b->nodes > b->lim->max_nodes)
		return fail(b, mark_loc(&ev->start_mark), "%s", "too many YAML nodes in one file");
	return attach(b, n);
}

static int on_doc_end(struct builder *b)
{
	anchors_clear(b);
	if (!b->root)
		return 0;
	if (b->out->n >= b->lim->max_docs)
		return fail(b, b->root->loc, "too many YAML documents in one file (at most %zu)",
			    b->lim->max_docs);
	if (doc_push(b, b->root) < 0)
		return -1;
	b->root = NULL;
	return 0;
}

static int on_event(struct builder *b, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, PV_NODE_SEQ, ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, PV_NODE_MAP, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	case YAML_DOCUMENT_END_EVENT:
		return on_doc_end(b);
	default:
		return 0;
	}
}

/* libyaml reports reader errors (bad UTF-8, control characters) by byte
 * offset; turn that into line:col (columns count characters). */
static struct pv_loc offset_loc(const char *buf, size_t len, size_t off)
{
	struct pv_loc l = { 1, 1 };
	size_t i = 0;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3; /* a byte-order mark is not a column, as libyaml counts */
	for (; i < off && i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			l.line++;
			l.col = 1;
		} else if ((c & 0xC0) != 0x80) {
			l.col++;
		}
	}
	return l;
}

static void reader_error(struct builder *b, yaml_parser_t *p)
{
	const char *what = p->problem ? p->problem : "unreadable input";
	size_t off = p->problem_offset;
	struct pv_loc loc;
	unsigned char c;

	/* libyaml points at the bad trailing byte; the user wants the
	 * character it belongs to, e.g. a Latin-1 0xE9. */
	for (size_t k = 0; strstr(what, "trailing") && k < 3 && off > 0; k++)
		if ((unsigned char)b->buf[--off] >= 0xC0)
			break;
	loc = offset_loc(b->buf, b->len, off);
	c = off < b->len ? (unsigned char)b->buf[off] : 0;

	if (strstr(what, "UTF-8"))
		pv_diag_add(b->diags, PV_SEV_ERROR, loc, "",
			    "not valid UTF-8 (byte 0x%02X); save the file as UTF-8", c);
	else
		pv_diag_add(b->diags, PV_SEV_ERROR, loc, "", "%s", what);
}

static void parser_error(struct builder *b, yaml_parser_t *p)
{
	const char *what = p->problem ? p->problem : "unknown error";
	struct pv_loc loc = mark_loc(&p->problem_mark);
	const char *hint = "";

	if (p->error == YAML_READER_ERROR) {
		reader_error(b, p);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		pv_diag_add(b->diags, PV_SEV_ERROR, (struct pv_loc){ 0, 0 }, "", "out of memory");
		return;
	}
	if (p->problem_mark.index < b->len && b->buf[p->problem_mark.index] == '\t')
		hint = "; YAML does not allow tabs for indentation: use spaces";
	/* "could not find expected ':'" is about the key that started it. */
	if (p->context && strstr(p->context, "simple key"))
		loc = mark_loc(&p->context_mark);
	pv_diag_add(b->diags, PV_SEV_ERROR, loc, "", "YAML syntax: %s%s%s%s", what,
		    p->context ? " " : "", p->context ? p->context : "", hint);
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->depth; i++)
		free(b->stack[i].anchor);
	free(b->stack);
	free(b->kids);
	anchors_clear(b);
	free(b->anchors);
}

int pv_yaml_parse(const char *buf, size_t len, const struct pv_yaml_limits *lim,
		  struct pv_arena *arena, struct pv_arena *strings, struct pv_yaml_docs *out,
		  struct pv_diags *diags)
{
	struct builder b = { .buf = buf, .len = len, .lim = lim ? lim : &pv_yaml_default_limits,
			     .arena = arena, .strings = strings, .diags = diags, .out = out };
	yaml_parser_t p;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&p))
		return pv_diag_add(diags, PV_SEV_ERROR, (struct pv_loc){ 0, 0 }, "", "out of memory"), -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(&b, &p);
			rc = -1;
			break;
		}
		rc = on_event(&b, &ev);
		if (ev.type == YAML_STREAM_END_EVENT || rc < 0) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	builder_free(&b);
	return rc;
}

const struct pv_node *pv_node_key(const struct pv_node *map, const char *key)
{
	if (!map || map->type != PV_NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i];
	return NULL;
}

const struct pv_node *pv_node_get(const struct pv_node *map, const char *key)
{
	if (!map || map->type != PV_NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

const char *pv_scalar_type_name(enum pv_scalar_type t)
{
	switch (t) {
	case PV_SCALAR_NULL:
		return "null";
	case PV_SCALAR_BOOL:
		return "boolean";
	case PV_SCALAR_INT:
		return "integer";
	case PV_SCALAR_FLOAT:
		return "number";
	case PV_SCALAR_STR:
		return "string";
	}
	return "?";
}

const char *pv_node_type_name(const struct pv_node *n)
{
	if (n->type == PV_NODE_SEQ)
		return "list";
	if (n->type == PV_NODE_MAP)
		return "mapping";
	return pv_scalar_type_name(n->stype);
}
