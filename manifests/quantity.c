/*
 * Kubernetes resource quantities, parsed the way resource.ParseQuantity
 * does: <sign><digits[.digits]><suffix>.
 *
 * The number is kept as a view of its significant digits D plus exponents,
 * |q| = D * 10^exp10 * 2^exp2, and ceil(q * 10^s) is computed exactly with
 * saturating 64-bit arithmetic: the integer part digit by digit, the
 * fraction by long multiplication from its last digit.  Time is linear in
 * the length of the input and no digit count is too large.
 */
#include "manifests/quantity.h"

#include <stddef.h>
#include <string.h>

#define QTY_SAT		UINT64_MAX	/* "too large for any int64" */
#define QTY_EXP_MAX	2147483647	/* e<exp> must fit an int32 */

static const char e_empty[] = "empty quantity";
static const char e_space[] = "quantity must not contain whitespace";
static const char e_number[] =
	"missing number: expected an optional sign, then digits with at most one '.' (e.g. 500m, 1Gi, 0.5)";
static const char e_dots[] = "number must contain at most one '.'";
static const char e_suffix[] =
	"unknown unit suffix (use Ki, Mi, Gi, Ti, Pi, Ei, m, k, M, G, T, P, E)";
static const char e_expdigits[] =
	"decimal exponent must be an integer after 'e' or 'E' (e.g. 1e3, 12E-3)";
static const char e_exprange[] = "decimal exponent out of range";

struct qty_unit {
	char name[3];
	int8_t exp10;
	uint8_t exp2;
};

static const struct qty_unit qty_units[] = {
	{ "", 0, 0 },	{ "n", -9, 0 },	 { "u", -6, 0 },  { "m", -3, 0 },
	{ "k", 3, 0 },	{ "M", 6, 0 },	 { "G", 9, 0 },	  { "T", 12, 0 },
	{ "P", 15, 0 }, { "E", 18, 0 },	 { "Ki", 0, 10 }, { "Mi", 0, 20 },
	{ "Gi", 0, 30 }, { "Ti", 0, 40 }, { "Pi", 0, 50 }, { "Ei", 0, 60 },
};

/* |q| = digits[lo, hi) of (ip ++ fp) * 10^exp10 * 2^exp2 */
struct qty_num {
	const char *ip;
	size_t ilen;
	const char *fp;
	size_t flen;
	size_t lo, hi;
	int64_t exp10;
	unsigned int exp2;
	bool neg;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t span_digits(const char *p)
{
	size_t n = 0;

	while (is_digit(p[n]))
		n++;
	return n;
}

static unsigned int digit_at(const struct qty_num *q, size_t i)
{
	char c = i < q->ilen ? q->ip[i] : q->fp[i - q->ilen];

	return (unsigned int)(c - '0');
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (strchr(" \t\n\v\f\r", *s))
			return true;
	return false;
}

/* Sign, integer digits, optional '.' and fraction digits; *PP ends after. */
static const char *scan_number(const char **pp, struct qty_num *q)
{
	const char *p = *pp;

	q->neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	q->ip = p;
	q->ilen = span_digits(p);
	p += q->ilen;
	q->fp = p;
	q->flen = 0;
	if (*p == '.') {
		q->fp = ++p;
		q->flen = span_digits(p);
		p += q->flen;
	}
	if (q->ilen + q->flen == 0)
		return e_number;
	if (*p == '.')
		return e_dots;
	*pp = p;
	return NULL;
}

/* [+-]?[0-9]+ fitting an int32, as after 'e' in "1e3". */
static const char *scan_exponent(const char *p, int64_t *exp)
{
	bool neg = *p == '-';
	int64_t v = 0;

	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return e_expdigits;
	for (; *p; p++) {
		if (!is_digit(*p))
			return e_suffix;
		if (v <= QTY_EXP_MAX + 1LL)
			v = v * 10 + (*p - '0');
	}
	if (v > QTY_EXP_MAX + (neg ? 1LL : 0LL))
		return e_exprange;
	*exp = neg ? -v : v;
	return NULL;
}

static const char *scan_suffix(const char *p, struct qty_num *q)
{
	size_t i;

	for (i = 0; i < sizeof(qty_units) / sizeof(qty_units[0]); i++) {
		if (!strcmp(p, qty_units[i].name)) {
			q->exp10 = qty_units[i].exp10;
			q->exp2 = qty_units[i].exp2;
			return NULL;
		}
	}
	if (*p != 'e' && *p != 'E')
		return e_suffix;
	q->exp2 = 0;
	return scan_exponent(p + 1, &q->exp10);
}

/* Drop leading and trailing zero digits, folding the latter into exp10. */
static void normalize(struct qty_num *q)
{
	size_t n = q->ilen + q->flen;

	q->lo = 0;
	while (q->lo < n && digit_at(q, q->lo) == 0)
		q->lo++;
	q->hi = n;
	while (q->hi > q->lo && digit_at(q, q->hi - 1) == 0)
		q->hi--;
	q->exp10 += (int64_t)(n - q->hi) - (int64_t)q->flen;
}

static uint64_t sat_mul_add(uint64_t a, uint64_t m, uint64_t d)
{
	uint64_t r;

	if (__builtin_mul_overflow(a, m, &r) || __builtin_add_overflow(r, d, &r))
		return QTY_SAT;
	return r;
}

/* (digits[lo, end) followed by ZEROS zeros) * 2^exp2, saturating. */
static uint64_t int_part(const struct qty_num *q, size_t end, int64_t zeros)
{
	uint64_t v = 0;
	size_t i;

	for (i = q->lo; i < end && v != QTY_SAT; i++)
		v = sat_mul_add(v, 10, digit_at(q, i));
	for (; zeros > 0 && v != 0 && v != QTY_SAT; zeros--)
		v = sat_mul_add(v, 10, 0);
	return sat_mul_add(v, (uint64_t)1 << q->exp2, 0);
}

/*
 * floor(f * 2^exp2) for the fraction f = 0.<LEAD zeros><digits[from, hi)>,
 * setting *INEXACT when a remainder is left.  Long multiplication from the
 * last digit: with m <= 2^60 and carry < m, 9 * m + carry fits 64 bits.
 */
static uint64_t frac_part(const struct qty_num *q, size_t from, int64_t lead,
			  bool *inexact)
{
	uint64_t m = (uint64_t)1 << q->exp2, c = 0, t;
	size_t i;

	*inexact = false;
	for (i = q->hi; i > from; i--) {
		t = digit_at(q, i - 1) * m + c;
		*inexact |= t % 10 != 0;
		c = t / 10;
	}
	for (; lead > 0 && c != 0; lead--) {
		*inexact |= c % 10 != 0;
		c /= 10;
	}
	return c;
}

static int64_t ceil_signed(uint64_t mag, bool inexact, bool neg)
{
	if (neg) /* ceil(-x) == -floor(x) */
		return mag > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mag;
	if (inexact && mag != QTY_SAT)
		mag++;
	return mag > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)mag;
}

/* ceil(q * 10^S), saturated to int64. */
static int64_t ceil_scaled(const struct qty_num *q, int s)
{
	int64_t k = q->exp10 + s;
	int64_t cut = (int64_t)q->hi + k; /* digits before cut are integral */
	uint64_t whole, part;
	bool inexact = false;

	if (k >= 0) {
		whole = int_part(q, q->hi, k);
	} else if (cut <= (int64_t)q->lo) {
		whole = frac_part(q, q->lo, (int64_t)q->lo - cut, &inexact);
	} else {
		whole = int_part(q, (size_t)cut, 0);
		part = frac_part(q, (size_t)cut, 0, &inexact);
		if (__builtin_add_overflow(whole, part, &whole))
			whole = QTY_SAT;
	}
	return ceil_signed(whole, inexact, q->neg);
}

int pv_qty_parse(const char *s, struct pv_qty *out, const char **why)
{
	struct qty_num q;
	const char *p = s, *err;

	if (!s || !*s)
		err = e_empty;
	else if (has_space(s))
		err = e_space;
	else if (!(err = scan_number(&p, &q)))
		err = scan_suffix(p, &q);
	if (err) {
		if (why)
			*why = err;
		return -1;
	}
	normalize(&q);
	if (q.lo == q.hi)
		q.neg = false; /* "-0" is zero */
	out->value = ceil_scaled(&q, 0);
	out->milli = ceil_scaled(&q, 3);
	out->negative = q.neg;
	return 0;
}
