#include "manifests/scalar.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if ((*list)[0] == s[0] && strcmp(s, *list) == 0)
			return true;
	return false;
}

static int digits_value(const char *p, int base, uint64_t *out)
{
	uint64_t v = 0;
	bool any = false;

	for (; *p; p++) {
		int d;

		if (*p == '_')
			continue;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
	}
	if (!any)
		return -1;
	*out = v;
	return 0;
}

int pv_parse_int64(const char *s, int64_t *out)
{
	bool neg = false;
	int base = 10;
	uint64_t v;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (*s == '_' && base == 10)
		return -1;
	if (digits_value(s, base, &v) < 0)
		return -1;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* go-yaml v2's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_text(const char *p)
{
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		digits = true;
		goto exponent;
	}
	while (*p >= '0' && *p <= '9') {
		digits = true;
		p++;
	}
	if (*p == '.' && digits)
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (!digits)
		return false;
exponent:
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static bool resolve_special_float(struct pv_scalar *n)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan_words[] = { ".nan", ".NaN", ".NAN", NULL };

	if (in_list(n->str, inf))
		n->f = INFINITY;
	else if (in_list(n->str, ninf))
		n->f = -INFINITY;
	else if (in_list(n->str, nan_words))
		n->f = NAN;
	else
		return false;
	return true;
}

static void resolve_float(struct pv_scalar *n);

/* The null words are "", "~", "null", "Null" and "NULL"; the true words
 * y Y yes Yes YES true True TRUE on On ON; the false words n N no No NO
 * false False FALSE off Off OFF. */
enum word { WORD_NONE, WORD_NULL, WORD_TRUE, WORD_FALSE };

/* A word of at most five characters as one number, its characters in
 * order (the same on any byte order). */
#define W1(a) ((uint64_t)(unsigned char)(a))
#define W2(a, b) (W1(a) << 8 | W1(b))
#define W3(a, b, c) (W2(a, b) << 8 | W1(c))
#define W4(a, b, c, d) (W3(a, b, c) << 8 | W1(d))
#define W5(a, b, c, d, e) (W4(a, b, c, d) << 8 | W1(e))

/* Which of the words above S is, if any. Each is at most five
 * characters: its characters and its length make one number, and one
 * switch finds it. */
static enum word word_of(const char *s)
{
	uint64_t k = 0;
	size_t len = 0;

	switch (s[0]) { /* what the words start with: most text is no word */
	case '\0': case '~': case 'n': case 'N': case 'y': case 'Y':
	case 't': case 'T': case 'f': case 'F': case 'o': case 'O':
		break;
	default:
		return WORD_NONE;
	}
	for (; len < 6 && s[len]; len++)
		k = k << 8 | (unsigned char)s[len];
	if (len > 5)
		return WORD_NONE;
	k |= (uint64_t)len << 40;
	switch (k) {
	case 0:
	case 1ull << 40 | W1('~'):
	case 4ull << 40 | W4('n', 'u', 'l', 'l'):
	case 4ull << 40 | W4('N', 'u', 'l', 'l'):
	case 4ull << 40 | W4('N', 'U', 'L', 'L'):
		return WORD_NULL;
	case 1ull << 40 | W1('y'):
	case 1ull << 40 | W1('Y'):
	case 3ull << 40 | W3('y', 'e', 's'):
	case 3ull << 40 | W3('Y', 'e', 's'):
	case 3ull << 40 | W3('Y', 'E', 'S'):
	case 4ull << 40 | W4('t', 'r', 'u', 'e'):
	case 4ull << 40 | W4('T', 'r', 'u', 'e'):
	case 4ull << 40 | W4('T', 'R', 'U', 'E'):
	case 2ull << 40 | W2('o', 'n'):
	case 2ull << 40 | W2('O', 'n'):
	case 2ull << 40 | W2('O', 'N'):
		return WORD_TRUE;
	case 1ull << 40 | W1('n'):
	case 1ull << 40 | W1('N'):
	case 2ull << 40 | W2('n', 'o'):
	case 2ull << 40 | W2('N', 'o'):
	case 2ull << 40 | W2('N', 'O'):
	case 5ull << 40 | W5('f', 'a', 'l', 's', 'e'):
	case 5ull << 40 | W5('F', 'a', 'l', 's', 'e'):
	case 5ull << 40 | W5('F', 'A', 'L', 'S', 'E'):
	case 3ull << 40 | W3('o', 'f', 'f'):
	case 3ull << 40 | W3('O', 'f', 'f'):
	case 3ull << 40 | W3('O', 'F', 'F'):
		return WORD_FALSE;
	default:
		return WORD_NONE;
	}
}

/* Integers and floats (special ones too) start with one of these. */
static bool may_be_number(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static void resolve_plain(struct pv_scalar *n)
{
	const char *s = n->str;
	enum word w = word_of(s);

	n->stype = w == WORD_NULL   ? PV_SCALAR_NULL
		   : w != WORD_NONE ? PV_SCALAR_BOOL
				    : PV_SCALAR_STR;
	n->b = w == WORD_TRUE;
	if (w != WORD_NONE)
		return;
	if (!may_be_number(s[0]))
		return;
	if (strlen(s) == n->len && pv_parse_int64(s, &n->i) == 0)
		n->stype = PV_SCALAR_INT;
	else if (resolve_special_float(n))
		n->stype = PV_SCALAR_FLOAT;
	else if (strlen(s) == n->len)
		resolve_float(n); /* go-yaml only tries numbers that start like one */
}

/* go-yaml v2 drops '_' before matching its float pattern, and keeps as
 * a string a number too large for a double. */
static void resolve_float(struct pv_scalar *n)
{
	char buf[128], *end;
	size_t k = 0;
	double f;

	for (const char *p = n->str; *p; p++) {
		if (*p == '_')
			continue;
		if (k + 1 >= sizeof(buf))
			return;
		buf[k++] = *p;
	}
	buf[k] = '\0';
	if (!is_float_text(buf))
		return;
	errno = 0;
	f = strtod(buf, &end);
	if (*end != '\0' || (errno == ERANGE && isinf(f)))
		return;
	n->f = f;
	n->stype = PV_SCALAR_FLOAT;
}

static const char *short_tag(const char *tag)
{
	static const char prefix[] = "tag:yaml.org,2002:";

	if (strncmp(tag, prefix, sizeof(prefix) - 1) == 0)
		return tag + sizeof(prefix) - 1;
	return NULL;
}

int pv_scalar_resolve(struct pv_scalar *n, const char *tag, bool plain)
{
	const char *t;

	if (!tag) {
		if (plain)
			resolve_plain(n);
		else
			n->stype = PV_SCALAR_STR;
		return 0;
	}
	if (strcmp(tag, "!") == 0) {
		n->stype = PV_SCALAR_STR;
		return 0;
	}
	t = short_tag(tag);
	if (!t)
		return -1;
	if (strcmp(t, "str") == 0 || strcmp(t, "binary") == 0 || strcmp(t, "timestamp") == 0) {
		n->stype = PV_SCALAR_STR;
		return 0;
	}
	resolve_plain(n);
	if (strcmp(t, "null") == 0)
		return n->stype == PV_SCALAR_NULL ? 0 : -1;
	if (strcmp(t, "bool") == 0)
		return n->stype == PV_SCALAR_BOOL ? 0 : -1;
	if (strcmp(t, "int") == 0)
		return n->stype == PV_SCALAR_INT ? 0 : -1;
	if (strcmp(t, "float") == 0) {
		if (n->stype == PV_SCALAR_INT) {
			n->f = (double)n->i;
			n->stype = PV_SCALAR_FLOAT;
		}
		return n->stype == PV_SCALAR_FLOAT ? 0 : -1;
	}
	return -1;
}
