/* podvisor get: which items are wanted (names, -n/-A, -l SELECTOR,
 * --field-selector) and the table every kind's printer fills, shaped as
 * kubectl shapes it (NAMESPACE first with -A, LABELS last with
 * --show-labels, --no-headers). Owns: the parsed field selector, the
 * table while it is filled. Calls: manifests (labelsel), core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strjoin.h"
#include "manifests/labelsel.h"
#include "supervisor/printers/get.h"
#include "supervisor/core/jsonx.h"

const char *const pv_get_pod_fields[] = { "status.phase", "phase", "spec.nodeName", "node", NULL };
const char *const pv_get_secret_fields[] = { "type", "type", NULL };

/* The item key FIELD is read from, or NULL when the kind has no such field. */
static const char *field_key(const char *field, const char *const *fields)
{
	if (!strcmp(field, "metadata.name"))
		return "name";
	if (!strcmp(field, "metadata.namespace"))
		return "namespace";
	for (size_t i = 0; fields && fields[i]; i += 2)
		if (!strcmp(field, fields[i]))
			return fields[i + 1];
	return NULL;
}

/* kubectl's words: the server's BadRequest for the list it was asked. */
static void fieldsel_error(const char *resource, const char *selector, const char *text,
			   const char *why)
{
	fprintf(stderr, "Error from server (BadRequest): Unable to find \"%s\" that match label "
			"selector \"%s\", field selector \"%s\": %s\n", resource, selector ? selector : "",
		text, why);
}

/* One requirement WORD ("f=v", "f==v", "f!=v") into R: 0, or -1 when not one. */
static int fieldsel_term(char *word, struct get_field_req *r)
{
	char *op = strstr(word, "!=");
	size_t skip = 2;

	if (!op) {
		op = strchr(word, '=');
		skip = op && op[1] == '=' ? 2 : 1;
	}
	if (!op || op == word)
		return -1;
	r->ne = op[0] == '!';
	*op = '\0';
	r->key = word;
	r->value = op + skip;
	return 0;
}

int pv_get_fieldsel_parse(const char *text, const char *const *fields, const char *resource,
			  const char *selector, struct get_fieldsel *out)
{
	char *save = NULL, *word, why[600];

	memset(out, 0, sizeof(*out));
	if (!(out->buf = strdup(text)) || !(out->v = calloc(strlen(text) / 2 + 1, sizeof(*out->v)))) {
		fprintf(stderr, "error: out of memory\n");
		pv_get_fieldsel_free(out);
		return -1;
	}
	for (word = strtok_r(out->buf, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		struct get_field_req *r = &out->v[out->n];

		if (fieldsel_term(word, r) < 0) {
			snprintf(why, sizeof(why), "invalid selector: '%s'; can't understand '%s'", text,
				 word);
			fieldsel_error(resource, selector, text, why);
			pv_get_fieldsel_free(out);
			return -1;
		}
		if (!(r->key = field_key(word, fields))) {
			snprintf(why, sizeof(why), "field label not supported: %s", word);
			fieldsel_error(resource, selector, text, why);
			pv_get_fieldsel_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void pv_get_fieldsel_free(struct get_fieldsel *f)
{
	free(f->buf);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static bool fields_match(const struct get_fieldsel *f, struct json_object *item)
{
	for (size_t i = 0; f && i < f->n; i++) {
		bool eq = strcmp(pv_json_str(item, f->v[i].key, ""), f->v[i].value) == 0;

		if (eq == f->v[i].ne)
			return false;
	}
	return true;
}

static bool name_wanted(const struct get_opts *o, struct json_object *item)
{
	const char *name = pv_json_str(item, "name", "");

	if (!o->nnames)
		return !o->name || strcmp(name, o->name) == 0;
	for (size_t i = 0; i < o->nnames; i++)
		if (strcmp(name, o->names[i]) == 0)
			return true;
	return false;
}

bool pv_get_wanted(const struct get_opts *o, struct json_object *p)
{
	if (!o->all && strcmp(pv_json_str(p, "namespace", ""), o->ns) != 0)
		return false;
	if (o->sel && !pv_labelsel_matches(o->sel, pv_json_label, json_object_object_get(p, "labels")))
		return false;
	return fields_match(o->fsel, p) && name_wanted(o, p);
}

/* ---- the table ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Requirements ("k=v", "k in (a)", "k", "!k") by their key, as
 * apimachinery sorts a selector's. */
static int cmp_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx, ly;
	int c;

	x += *x == '!';
	y += *y == '!';
	lx = strcspn(x, "= ");
	ly = strcspn(y, "= ");
	c = strncmp(x, y, lx < ly ? lx : ly);
	return c ? c : lx < ly ? -1 : lx > ly ? 1 : strcmp(x, y);
}

/* The N strings of V sorted by key, joined by ",", into BUF; "<none>"
 * when N is 0. */
static void join_sorted(char **v, size_t n, char *buf, size_t len)
{
	char *joined;

	qsort(v, n, sizeof(*v), cmp_key);
	joined = n ? pv_strjoin((const char *const *)v, n, ",") : NULL;
	snprintf(buf, len, "%s", joined ? joined : "<none>");
	free(joined);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void pv_get_labels_cell(struct json_object *labels, char *buf, size_t len)
{
	size_t n = 0, cap = json_object_is_type(labels, json_type_object)
				    ? (size_t)json_object_object_length(labels) : 0;
	char **v = calloc(cap + 1, sizeof(*v));

	if (v && cap) {
		json_object_object_foreach(labels, k, val)
			if (asprintf(&v[n], "%s=%s", k, json_object_get_string(val)) >= 0)
				n++;
	}
	join_sorted(v, v ? n : 0, buf, len);
}

/* "key in (a,b)", "key notin (a)", "key", "!key" of one matchExpression. */
static char *expression(struct json_object *e)
{
	const char *key = pv_json_str(e, "key", ""), *op = pv_json_str(e, "operator", "");
	struct json_object *vals = json_object_object_get(e, "values");
	size_t n = json_object_is_type(vals, json_type_array) ? json_object_array_length(vals) : 0;
	const char **v = calloc(n + 1, sizeof(*v));
	char *joined, *out = NULL;

	for (size_t i = 0; v && i < n; i++)
		v[i] = json_object_get_string(json_object_array_get_idx(vals, i));
	if (v)
		qsort(v, n, sizeof(*v), cmp_str);
	joined = v && n ? pv_strjoin(v, n, ",") : NULL;
	if (!strcmp(op, "Exists"))
		out = strdup(key);
	else if (!strcmp(op, "DoesNotExist") && asprintf(&out, "!%s", key) < 0)
		out = NULL;
	else if (strcmp(op, "DoesNotExist") != 0 &&
		 asprintf(&out, "%s %s (%s)", key, !strcmp(op, "NotIn") ? "notin" : "in",
			  joined ? joined : "") < 0)
		out = NULL;
	free(joined);
	free(v);
	return out;
}

void pv_get_selector_cell(struct json_object *sel, char *buf, size_t len)
{
	struct json_object *ml = json_object_object_get(sel, "matchLabels");
	struct json_object *me = json_object_object_get(sel, "matchExpressions");
	size_t nl = json_object_is_type(ml, json_type_object) ? (size_t)json_object_object_length(ml) : 0;
	size_t ne = json_object_is_type(me, json_type_array) ? json_object_array_length(me) : 0;
	char **v = calloc(nl + ne + 1, sizeof(*v));
	size_t n = 0;

	if (v && nl) {
		json_object_object_foreach(ml, k, val)
			if (asprintf(&v[n], "%s=%s", k, json_object_get_string(val)) >= 0)
				n++;
	}
	for (size_t i = 0; v && i < ne; i++)
		if ((v[n] = expression(json_object_array_get_idx(me, i))))
			n++;
	join_sorted(v, v ? n : 0, buf, len);
}

void pv_get_table_init(struct get_table *g, const struct get_opts *o, size_t ncols,
		       const char *const *head)
{
	const char *h[GET_MAX_COLS + 1];
	size_t n = 0;

	g->o = o;
	g->ncols = ncols;
	g->first = o->all && !o->cluster ? 0 : 1;
	for (size_t i = g->first; i < ncols && n < GET_MAX_COLS; i++)
		h[n++] = head[i];
	if (o->show_labels)
		h[n++] = "LABELS";
	pv_table_init(&g->t, n, h);
}

void pv_get_table_add(struct get_table *g, struct json_object *item, const char *const *row)
{
	const char *r[GET_MAX_COLS + 1];
	char labels[4096];
	size_t n = 0;

	for (size_t i = g->first; i < g->ncols && n < GET_MAX_COLS; i++)
		r[n++] = row[i];
	if (g->o->show_labels) {
		pv_get_labels_cell(json_object_object_get(item, "labels"), labels, sizeof(labels));
		r[n++] = labels;
	}
	pv_table_row(&g->t, r);
}

/* The table from row FROM (0: with its header), columns padded by three
 * spaces as kubectl's tabwriter does. */
size_t pv_get_table_done(struct get_table *g)
{
	size_t rows = g->t.nrows ? g->t.nrows - 1 : 0;

	if (rows)
		pv_table_print_from(&g->t, stdout, g->o->no_headers ? 1 : 0);
	pv_table_free(&g->t);
	return rows;
}

/* "3s", or "3s (x4)" for an event seen four times (kubectl's count). */
void pv_get_event_age(struct json_object *e, char *buf, size_t len)
{
	pv_human_duration(time(NULL) - pv_json_int(e, "at"), buf, len);
	if (pv_json_int(e, "count") > 1)
		snprintf(buf + strlen(buf), len - strlen(buf), " (x%lld)",
			 (long long)pv_json_int(e, "count"));
}

/* kubectl's describe events: Type, Reason, Age, From, Message, each
 * column as wide as its widest cell plus two, a line of dashes under
 * the header. Every event here is the daemon's: From is podvisor. */
void pv_get_print_events(struct json_object *ev, const char *title)
{
	size_t n = ev ? json_object_array_length(ev) : 0;
	int wt = 4, wr = 6, wa = 4;
	char (*ages)[48];

	if (!n) {
		printf("%s:  <none>\n", title);
		return;
	}
	if (!(ages = calloc(n, sizeof(*ages))))
		return;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(ev, i);
		int lt = (int)strlen(pv_json_str(e, "type", "")), lr = (int)strlen(pv_json_str(e, "reason", ""));

		pv_get_event_age(e, ages[i], sizeof(ages[i]));
		wt = lt > wt ? lt : wt;
		wr = lr > wr ? lr : wr;
		wa = (int)strlen(ages[i]) > wa ? (int)strlen(ages[i]) : wa;
	}
	printf("%s:\n", title);
	printf("  %-*s  %-*s  %-*s  %-8s  %s\n", wt, "Type", wr, "Reason", wa, "Age", "From", "Message");
	printf("  %-*s  %-*s  %-*s  %-8s  %s\n", wt, "----", wr, "------", wa, "----", "----", "-------");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(ev, i);

		printf("  %-*s  %-*s  %-*s  %-8s  %s\n", wt, pv_json_str(e, "type", ""), wr,
		       pv_json_str(e, "reason", ""), wa, ages[i], "podvisor", pv_json_str(e, "message", ""));
	}
	free(ages);
}
