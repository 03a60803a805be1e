/* Label selectors in kubectl's syntax: parse and match. See labelsel.h.
 * Calls: common, manifests/names. */
#include "manifests/labelsel.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "manifests/names.h"

/* A malloc'd copy of [S, S+N) without its surrounding blanks. */
static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int bad(struct pv_err *err, const char *req, const char *why)
{
	return pv_err_set(err, EINVAL, "unable to parse requirement: \"%s\": %s", req, why);
}

static int check_key(const char *req, const char *key, struct pv_err *err)
{
	const char *why = *key ? pv_check_qualified_name(key) : "no key";

	return why ? bad(err, req, why) : 0;
}

static int add_value(struct pv_labelsel_req *r, const char *req, char *v, struct pv_err *err)
{
	const char *why = v ? pv_check_label_value(v) : "out of memory";
	char **vals = why ? NULL : reallocarray(r->values, r->nvalues + 1, sizeof(*vals));

	if (!vals) {
		int rc = bad(err, req, why ? why : "out of memory");

		free(v);
		return rc;
	}
	r->values = vals;
	r->values[r->nvalues++] = v;
	return 0;
}

/* "(a, b)": the set of an in/notin requirement. */
static int parse_set(struct pv_labelsel_req *r, const char *req, const char *s,
		     struct pv_err *err)
{
	const char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (*s != '(')
		return bad(err, req, "expected a set of values in parentheses: (v1,v2)");
	end = strchr(++s, ')');
	if (!end || end[1 + strspn(end + 1, " \t")] != '\0')
		return bad(err, req, "the set of values must end with ')'");
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *stop = comma ? comma : end;

		if (add_value(r, req, trimmed(s, (size_t)(stop - s)), err) < 0)
			return -1;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (r->nvalues == 1 && !*r->values[0])
		return bad(err, req, "the set of values may not be empty");
	return 0;
}

/* "key in (..)", "key notin (..)", or a bare "key". */
static int parse_word_op(struct pv_labelsel_req *r, const char *req, struct pv_err *err)
{
	size_t k = strcspn(req, " \t(");
	const char *rest = req + k + strspn(req + k, " \t");

	r->key = strndup(req, k);
	if (!r->key)
		return bad(err, req, "out of memory");
	if (!*rest) {
		r->op = PV_LSEL_EXISTS;
		return check_key(req, r->key, err);
	}
	if (!strncmp(rest, "notin", 5) && (isspace((unsigned char)rest[5]) || rest[5] == '('))
		r->op = PV_LSEL_NOTIN, rest += 5;
	else if (!strncmp(rest, "in", 2) && (isspace((unsigned char)rest[2]) || rest[2] == '('))
		r->op = PV_LSEL_IN, rest += 2;
	else
		return bad(err, req, "expected one of =, ==, !=, in, notin after the key");
	if (check_key(req, r->key, err) < 0)
		return -1;
	return parse_set(r, req, rest, err);
}

/* One requirement, REQ already trimmed. */
static int parse_req(struct pv_labelsel_req *r, const char *req, struct pv_err *err)
{
	const char *eq = strchr(req, '=');
	size_t klen;

	if (!*req)
		return bad(err, req, "empty requirement");
	if (req[0] == '!') {
		r->op = PV_LSEL_NOTEXISTS;
		r->key = trimmed(req + 1, strlen(req + 1));
		return r->key ? check_key(req, r->key, err) : bad(err, req, "out of memory");
	}
	if (!eq)
		return parse_word_op(r, req, err);
	klen = (size_t)(eq - req);
	r->op = PV_LSEL_EQ;
	if (klen && req[klen - 1] == '!')
		r->op = PV_LSEL_NEQ, klen--;
	else if (eq[1] == '=')
		eq++;
	r->key = trimmed(req, klen);
	if (!r->key || check_key(req, r->key, err) < 0)
		return r->key ? -1 : bad(err, req, "out of memory");
	if (strchr(eq + 1, '=') || strchr(eq + 1, '!'))
		return bad(err, req, "a value may not contain '=' or '!'");
	return add_value(r, req, trimmed(eq + 1, strlen(eq + 1)), err);
}

int pv_labelsel_parse(const char *text, struct pv_labelsel *sel, struct pv_err *err)
{
	const char *s = text, *p;
	int depth = 0;

	*sel = (struct pv_labelsel){ 0 };
	if (!text[strspn(text, " \t")])
		return 0;
	for (p = text;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth <= 0) || !*p) {
			cleanup_free char *req = trimmed(s, (size_t)(p - s));
			struct pv_labelsel_req *v = reallocarray(sel->reqs, sel->n + 1, sizeof(*v));

			if (!v || !req) {
				pv_labelsel_free(sel);
				return pv_err_set(err, ENOMEM, "out of memory");
			}
			sel->reqs = v;
			v[sel->n] = (struct pv_labelsel_req){ 0 };
			if (parse_req(&v[sel->n++], req, err) < 0) {
				pv_labelsel_free(sel);
				return -1;
			}
			s = p + 1;
		}
		if (!*p)
			break;
	}
	return 0;
}

void pv_labelsel_free(struct pv_labelsel *sel)
{
	for (size_t i = 0; i < sel->n; i++) {
		for (size_t k = 0; k < sel->reqs[i].nvalues; k++)
			free(sel->reqs[i].values[k]);
		free(sel->reqs[i].values);
		free(sel->reqs[i].key);
	}
	free(sel->reqs);
	*sel = (struct pv_labelsel){ 0 };
}

static bool in_set(const struct pv_labelsel_req *r, const char *v)
{
	for (size_t i = 0; i < r->nvalues; i++)
		if (!strcmp(r->values[i], v))
			return true;
	return false;
}

static bool req_holds(const struct pv_labelsel_req *r, const char *v)
{
	switch (r->op) {
	case PV_LSEL_EQ:
	case PV_LSEL_IN:
		return v && in_set(r, v);
	case PV_LSEL_NEQ:
	case PV_LSEL_NOTIN:
		return !v || !in_set(r, v);
	case PV_LSEL_EXISTS:
		return v != NULL;
	case PV_LSEL_NOTEXISTS:
		return v == NULL;
	}
	return false;
}

bool pv_labelsel_matches(const struct pv_labelsel *sel, pv_labelsel_get_fn *get, void *ctx)
{
	for (size_t i = 0; i < sel->n; i++)
		if (!req_holds(&sel->reqs[i], get(ctx, sel->reqs[i].key)))
			return false;
	return true;
}

static const char *map_get(void *ctx, const char *key)
{
	const pv_strmap *m = ctx;

	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].key, key))
			return m->items[i].value;
	return NULL;
}

bool pv_labelsel_matches_map(const struct pv_labelsel *sel, const pv_strmap *labels)
{
	return pv_labelsel_matches(sel, map_get, (void *)labels);
}
