/* Label selectors: kubectl's -l grammar, parsed and matched. See labelsel.h. */
#include "manifests/labelsel.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

#define VALUE_MAX 63

/* The parser's position in the text, and where the words go. */
struct lexer {
	const char *text, *p;
	char *out; /* the next free byte of the selector's buffer */
	struct pv_err *err;
};

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
}

static bool value_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static void skip_spaces(struct lexer *l)
{
	while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' || *l->p == '\n')
		l->p++;
}

static int fail(struct lexer *l, const char *what)
{
	return pv_err_set(l->err, EINVAL, "invalid label selector \"%s\": %s at column %zu", l->text,
			  what, (size_t)(l->p - l->text) + 1);
}

/* The word of characters OK at the position, copied into the buffer. */
static const char *word(struct lexer *l, bool (*ok)(char))
{
	const char *start = l->p, *w = l->out;

	while (ok(*l->p))
		*l->out++ = *l->p++;
	*l->out++ = '\0';
	return l->p == start && ok == key_char ? NULL : w;
}

/* A label key: [prefix/]name, each part non-empty, the name 63 at most. */
static bool key_valid(const char *k)
{
	const char *slash = strchr(k, '/'), *name = slash ? slash + 1 : k;

	if (slash && (slash == k || strchr(name, '/')))
		return false;
	return *name && strlen(name) <= VALUE_MAX && isalnum((unsigned char)name[0]) &&
	       isalnum((unsigned char)name[strlen(name) - 1]);
}

/* A label value: empty, or 63 at most beginning and ending alphanumeric. */
static bool value_valid(const char *v)
{
	size_t n = strlen(v);

	return !n || (n <= VALUE_MAX && isalnum((unsigned char)v[0]) &&
		      isalnum((unsigned char)v[n - 1]));
}

static bool integer(const char *v)
{
	char *end;

	errno = 0;
	if (!*v)
		return false;
	(void)strtoll(v, &end, 10);
	return !errno && !*end;
}

static int add_value(struct lexer *l, struct pv_labelsel_req *r, const char *v)
{
	if (!value_valid(v))
		return fail(l, "a value is at most 63 characters, beginning and ending with a "
			       "letter or digit");
	if (pv_vec_push(r->values, r->n, r->cap, v) < 0)
		return pv_err_set(l->err, ENOMEM, "out of memory");
	return 0;
}

/* "(a, b, c)" after in / notin. */
static int value_set(struct lexer *l, struct pv_labelsel_req *r)
{
	skip_spaces(l);
	if (*l->p != '(')
		return fail(l, "expected '(' before the values of in / notin");
	l->p++;
	for (;;) {
		skip_spaces(l);
		if (add_value(l, r, word(l, value_char)) < 0)
			return -1;
		skip_spaces(l);
		if (*l->p == ')')
			break;
		if (*l->p != ',')
			return fail(l, "expected ',' or ')' after a value");
		l->p++;
	}
	l->p++; /* "()" is the set {""}, as in apimachinery's parser */
	return 0;
}

/* The operator after a key, and what follows it. */
static int operator(struct lexer *l, struct pv_labelsel_req *r)
{
	static const struct { const char *tok; enum pv_labelsel_op op; } ops[] = {
		{ "==", PV_LSEL_EQ }, { "!=", PV_LSEL_NE }, { "=", PV_LSEL_EQ },
		{ ">", PV_LSEL_GT },  { "<", PV_LSEL_LT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strncmp(l->p, ops[i].tok, strlen(ops[i].tok)) != 0)
			continue;
		l->p += strlen(ops[i].tok);
		r->op = ops[i].op;
		skip_spaces(l);
		if (add_value(l, r, word(l, value_char)) < 0)
			return -1;
		if ((r->op == PV_LSEL_GT || r->op == PV_LSEL_LT) && !integer(r->values[0]))
			return fail(l, "> and < compare with an integer");
		return 0;
	}
	if (!strncmp(l->p, "in", 2) && (strchr(" \t\r\n(", l->p[2]) && l->p[2])) {
		l->p += 2;
		r->op = PV_LSEL_IN;
		return value_set(l, r);
	}
	if (!strncmp(l->p, "notin", 5) && (strchr(" \t\r\n(", l->p[5]) && l->p[5])) {
		l->p += 5;
		r->op = PV_LSEL_NOTIN;
		return value_set(l, r);
	}
	r->op = PV_LSEL_EXISTS;
	return 0;
}

static int requirement(struct lexer *l, struct pv_labelsel_req *r)
{
	bool negated = false;

	skip_spaces(l);
	if (*l->p == '!') {
		negated = true;
		l->p++;
		skip_spaces(l);
	}
	if (!(r->key = word(l, key_char)))
		return fail(l, "expected a label key");
	if (!key_valid(r->key))
		return fail(l, "a label key is [prefix/]name, the name at most 63 characters "
			       "beginning and ending with a letter or digit");
	skip_spaces(l);
	if (negated) {
		r->op = PV_LSEL_NOT_EXISTS;
		return 0;
	}
	return operator(l, r);
}

void pv_labelsel_free(struct pv_labelsel *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->reqs[i].values);
	free(s->reqs);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

int pv_labelsel_parse(const char *text, struct pv_labelsel *out, struct pv_err *err)
{
	struct lexer l = { .text = text, .p = text, .err = err };

	memset(out, 0, sizeof(*out));
	/* every word and its NUL: at most twice the text */
	if (!(out->buf = malloc(2 * strlen(text) + 2)))
		return pv_err_set(err, ENOMEM, "out of memory");
	l.out = out->buf;
	skip_spaces(&l);
	while (*l.p) {
		if (pv_vec_push(out->reqs, out->n, out->cap, (struct pv_labelsel_req){ 0 }) < 0) {
			pv_err_set(err, ENOMEM, "out of memory");
			goto fail;
		}
		if (requirement(&l, &out->reqs[out->n - 1]) < 0)
			goto fail;
		skip_spaces(&l);
		if (*l.p == ',') {
			l.p++;
			skip_spaces(&l);
			if (!*l.p) {
				fail(&l, "expected a requirement after ','");
				goto fail;
			}
		} else if (*l.p) {
			fail(&l, "expected ',' between requirements");
			goto fail;
		}
	}
	return 0;
fail:
	pv_labelsel_free(out);
	return -1;
}

static bool in_values(const struct pv_labelsel_req *r, const char *v)
{
	for (size_t i = 0; v && i < r->n; i++)
		if (!strcmp(r->values[i], v))
			return true;
	return false;
}

static bool compare(const struct pv_labelsel_req *r, const char *v)
{
	long long have, want = strtoll(r->values[0], NULL, 10);

	if (!v || !integer(v))
		return false;
	have = strtoll(v, NULL, 10);
	return r->op == PV_LSEL_GT ? have > want : have < want;
}

static bool holds(const struct pv_labelsel_req *r, const char *v)
{
	switch (r->op) {
	case PV_LSEL_EQ:
	case PV_LSEL_IN:
		return in_values(r, v);
	case PV_LSEL_NE:
	case PV_LSEL_NOTIN:
		return !in_values(r, v);
	case PV_LSEL_EXISTS:
		return v != NULL;
	case PV_LSEL_NOT_EXISTS:
		return v == NULL;
	case PV_LSEL_GT:
	case PV_LSEL_LT:
		return compare(r, v);
	}
	return false;
}

bool pv_labelsel_matches(const struct pv_labelsel *s, pv_labelsel_get_fn *get, const void *labels)
{
	for (size_t i = 0; i < s->n; i++)
		if (!holds(&s->reqs[i], get(labels, s->reqs[i].key)))
			return false;
	return true;
}
