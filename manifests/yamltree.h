/* YAML (and JSON) text -> a tree of located nodes, with hard limits, so
 * that no input can take unbounded time or memory. Aliases share nodes
 * (nothing is expanded). Pure: errors go to the diagnostics. */
#ifndef PV_MANIFESTS_YAMLTREE_H
#define PV_MANIFESTS_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "manifests/diag.h"
#include "manifests/scalar.h"

enum pv_node_type {
	PV_NODE_SCALAR,
	PV_NODE_SEQ,
	PV_NODE_MAP,
};

struct pv_node {
	enum pv_node_type type;
	struct pv_loc loc;
	/* scalars */
	enum pv_scalar_type stype;
	const char *str; /* NUL-terminated text, as written (unquoted) */
	size_t len;
	bool plain;      /* written without quotes or block style */
	bool b;
	int64_t i;
	double f;
	/* sequences: n items; mappings: n pairs, items[2k] key, items[2k+1] value */
	size_t n;
	struct pv_node **items;
};

struct pv_yaml_limits {
	size_t max_depth;   /* nesting of sequences and mappings */
	size_t max_nodes;   /* per file */
	size_t max_docs;    /* per file */
	size_t max_anchors; /* per document */
};

extern const struct pv_yaml_limits pv_yaml_default_limits;

struct pv_yaml_docs {
	size_t n;
	struct pv_node **roots; /* one per document; empty documents are NULL-scalar roots */
};

/* Parse LEN bytes of BUF. Nodes live in ARENA, scalar text in STRINGS
 * (which may be the same arena): a caller that keeps only typed objects
 * can free the nodes once it has decoded them. Errors (syntax, bad
 * UTF-8, limits, duplicate keys) are added to DIAGS; returns 0 when the
 * whole text parsed, -1 otherwise (documents before the error are kept
 * in OUT, but a caller must not act on a file that failed). */
int pv_yaml_parse(const char *buf, size_t len, const struct pv_yaml_limits *lim,
		  struct pv_arena *arena, struct pv_arena *strings, struct pv_yaml_docs *out,
		  struct pv_diags *diags);

/* Value of KEY in mapping MAP, or NULL. */
const struct pv_node *pv_node_get(const struct pv_node *map, const char *key);
/* The mapping key node for KEY, or NULL (for locating errors on keys). */
const struct pv_node *pv_node_key(const struct pv_node *map, const char *key);
const char *pv_scalar_type_name(enum pv_scalar_type t);
const char *pv_node_type_name(const struct pv_node *n);

#endif
