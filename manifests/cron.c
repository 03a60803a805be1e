/*
 * Kubernetes CronJob schedules, accepted exactly as the API server accepts
 * them: robfig/cron v3 ParseStandard, plus the rule that the schedule must
 * not mention "TZ" (CRON_TZ=/TZ= prefixes; spec.timeZone is the way).
 *
 * robfig's quirks are kept, so that what Kubernetes takes we take:
 *   - '?' means '*' in every field, not only day-of-month and day-of-week;
 *   - day-of-week is 0-6 (7 is refused, Sunday is 0 or SUN);
 *   - empty list items are skipped ("1,,2"); a lone "," is an empty set,
 *     which parses but never fires;
 *   - after '*' or '?' anything past a '-' is ignored ("*-5" is "*");
 *   - numbers are strconv.Atoi: optional '+', leading zeros, int64 range;
 *   - "N/S" is "N-max/S"; a step over 1 turns '*' into a restriction, which
 *     matters for the day-of-month/day-of-week OR rule;
 *   - fields are split on Unicode white space (Go's strings.Fields).
 * The one departure: "@every" under one second is refused, where robfig
 * rounds it up to one second.  Messages are our own.
 */
#include "manifests/cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CRON_QUOTE_MAX	64		/* longest input quoted in a message */
#define DUR_LIMIT	(1ULL << 63)	/* Go durations are int64 nanoseconds */
#define NS_PER_SEC	1000000000ULL
#define CRON_YEARS	5		/* robfig gives up after five years */

#define MINUTE_ALL	0x0fffffffffffffffULL
#define HOUR_ALL	0x00ffffffU
#define MONTH_ALL	0x00001ffeU

struct slice {
	const char *p;
	size_t n;
};

struct why {
	char *buf;
	size_t len;
};

struct cron_field {
	const char *name;
	unsigned int min, max;
	const char *const *names; /* three-letter names of min..max, or NULL */
	const char *hint;	  /* after "is not a number" */
	const char *range_hint;	  /* after "is out of range" */
};

/* One "start-end/step" item of a field list. */
struct cron_span {
	uint64_t start, end, step;
	bool star;
	bool single; /* no '-': "N/S" runs to the field maximum */
};

/* A calendar minute in UTC. */
struct civil {
	int64_t year;
	int mon, day, hour, min;
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL,
};

static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL,
};

enum { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_COUNT };

static const struct cron_field cron_fields[F_COUNT] = {
	{ "minute", 0, 59, NULL, "", "" },
	{ "hour", 0, 23, NULL, "", "" },
	{ "day-of-month", 1, 31, NULL, "", "" },
	{ "month", 1, 12, month_names, " or month name (JAN-DEC)", "" },
	{ "day-of-week", 0, 6, dow_names, " or day name (SUN-SAT)",
	  " (Sunday is 0 or SUN)" },
};

/* Each descriptor is a fixed five-field schedule, as in robfig. */
static const struct {
	const char *name;
	const char *spec;
} cron_descriptors[] = {
	{ "@yearly", "0 0 1 1 *" },   { "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" },  { "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

static const struct {
	const char *name;
	uint64_t ns;
} dur_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },	/* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 },	/* U+03BC Greek mu */
	{ "ms", 1000000 },
	{ "s", NS_PER_SEC },
	{ "m", 60 * NS_PER_SEC },
	{ "h", 3600 * NS_PER_SEC },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* For "%.*s": at most CRON_QUOTE_MAX bytes of S. */
#define QUOTE(s) (int)((s).n < CRON_QUOTE_MAX ? (s).n : CRON_QUOTE_MAX), (s).p

__attribute__((format(printf, 2, 3)))
static int fail(struct why *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->buf || !w->len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(w->buf, w->len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool slice_is(struct slice s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static struct slice slice_from(struct slice s, size_t i)
{
	return (struct slice){ s.p + i, s.n - i };
}

/* Index of the first C in S, or S.n. */
static size_t slice_find(struct slice s, char c)
{
	const char *q = memchr(s.p, c, s.n);

	return q ? (size_t)(q - s.p) : s.n;
}

static size_t slice_count(struct slice s, char c)
{
	size_t i, n = 0;

	for (i = 0; i < s.n; i++)
		n += s.p[i] == c;
	return n;
}

/* Length of the white space rune at P (Go's unicode.IsSpace), or 0. */
static size_t space_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 ||
	     u[2] == 0xa9 || u[2] == 0xaf))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* ---- numbers and names ------------------------------------------------ */

enum num_rc { NUM_OK, NUM_EMPTY, NUM_BAD, NUM_BIG, NUM_NEG };

/* strconv.Atoi, then "must not be negative". */
static enum num_rc parse_uint(struct slice s, uint64_t *out)
{
	uint64_t v = 0, lim = INT64_MAX;
	size_t i = 0;

	if (s.n == 0)
		return NUM_EMPTY;
	if (s.p[0] == '+' || s.p[0] == '-') {
		lim += s.p[0] == '-';
		i = 1;
	}
	if (i == s.n)
		return NUM_BAD;
	for (; i < s.n; i++) {
		unsigned int d = (unsigned int)(s.p[i] - '0');

		if (!is_digit(s.p[i]))
			return NUM_BAD;
		if (v > (lim - d) / 10)
			return NUM_BIG;
		v = v * 10 + d;
	}
	if (s.p[0] == '-' && v != 0)
		return NUM_NEG;
	*out = v;
	return NUM_OK;
}

static bool lookup_name(const struct cron_field *f, struct slice s,
			uint64_t *out)
{
	size_t i;

	if (!f->names || s.n != 3)
		return false;
	for (i = 0; f->names[i]; i++) {
		const char *nm = f->names[i];

		if (to_lower(s.p[0]) == nm[0] && to_lower(s.p[1]) == nm[1] &&
		    to_lower(s.p[2]) == nm[2]) {
			*out = f->min + i;
			return true;
		}
	}
	return false;
}

/* A number (or, unless STEP, a name) TOK from item EXPR of field F. */
static int parse_number(const struct cron_field *f, struct slice tok,
			struct slice expr, bool step, uint64_t *out,
			struct why *w)
{
	const char *what = step ? "step " : "";

	if (!step && lookup_name(f, tok, out))
		return 0;
	switch (parse_uint(tok, out)) {
	case NUM_OK:
		return 0;
	case NUM_EMPTY:
		return fail(w, "%s: missing number in \"%.*s\"", f->name,
			    QUOTE(expr));
	case NUM_BIG:
		return fail(w, "%s: %s\"%.*s\" is too large", f->name, what,
			    QUOTE(tok));
	case NUM_NEG:
		return fail(w, "%s: %s\"%.*s\" is negative in \"%.*s\"",
			    f->name, what, QUOTE(tok), QUOTE(expr));
	case NUM_BAD:
		break;
	}
	return fail(w, "%s: %s\"%.*s\" is not a number%s", f->name, what,
		    QUOTE(tok), step ? "" : f->hint);
}

/* ---- fields ------------------------------------------------------------ */

/* RNG is EXPR up to its first '/': '*', '?', N or N-M. */
static int parse_bounds(const struct cron_field *f, struct slice rng,
			struct slice expr, struct cron_span *sp, struct why *w)
{
	size_t dash = slice_find(rng, '-');
	struct slice lo = { rng.p, dash };
	struct slice hi;

	sp->single = dash == rng.n;
	if (slice_is(lo, "*") || slice_is(lo, "?")) {
		sp->start = f->min;
		sp->end = f->max;
		sp->star = true;
		return 0;
	}
	if (parse_number(f, lo, expr, false, &sp->start, w) < 0)
		return -1;
	if (sp->single) {
		sp->end = sp->start;
		return 0;
	}
	hi = slice_from(rng, dash + 1);
	if (slice_find(hi, '-') != hi.n)
		return fail(w, "%s: too many '-' in \"%.*s\"", f->name,
			    QUOTE(expr));
	return parse_number(f, hi, expr, false, &sp->end, w);
}

/* The "/step" of EXPR, if any, which starts at SLASH. */
static int parse_step(const struct cron_field *f, struct slice expr,
		      size_t slash, struct cron_span *sp, struct why *w)
{
	sp->step = 1;
	if (slash == expr.n)
		return 0;
	if (slice_count(expr, '/') > 1)
		return fail(w, "%s: too many '/' in \"%.*s\"", f->name,
			    QUOTE(expr));
	if (parse_number(f, slice_from(expr, slash + 1), expr, true, &sp->step,
			 w) < 0)
		return -1;
	if (sp->single)
		sp->end = f->max;
	if (sp->step > 1)
		sp->star = false;
	return 0;
}

static bool in_field(const struct cron_field *f, uint64_t v)
{
	return v >= f->min && v <= f->max;
}

static int out_of_range(const struct cron_field *f, uint64_t v,
			struct why *w)
{
	return fail(w, "%s: %llu is out of range %u-%u%s", f->name,
		    (unsigned long long)v, f->min, f->max, f->range_hint);
}

/* robfig refuses the same spans; we name the bad end rather than
 * "beginning beyond end" when that end is outside the field. */
static int check_span(const struct cron_field *f, struct slice expr,
		      size_t slash, const struct cron_span *sp, struct why *w)
{
	if (!in_field(f, sp->start))
		return out_of_range(f, sp->start, w);
	if (!in_field(f, sp->end))
		return out_of_range(f, sp->end, w);
	if (sp->start > sp->end)
		return fail(w, "%s: range \"%.*s\" runs backwards", f->name,
			    QUOTE(((struct slice){ expr.p, slash })));
	if (sp->step == 0)
		return fail(w, "%s: step must be at least 1 in \"%.*s\"",
			    f->name, QUOTE(expr));
	return 0;
}

static uint64_t span_bits(const struct cron_span *sp)
{
	uint64_t bits = 0, i;

	for (i = sp->start; i <= sp->end; i += sp->step)
		bits |= 1ULL << i;
	return bits;
}

/* One comma-separated item EXPR of field F. */
static int parse_item(const struct cron_field *f, struct slice expr,
		      uint64_t *bits, bool *star, struct why *w)
{
	size_t slash = slice_find(expr, '/');
	struct cron_span sp = { 0, 0, 1, false, true };

	if (parse_bounds(f, (struct slice){ expr.p, slash }, expr, &sp, w) < 0 ||
	    parse_step(f, expr, slash, &sp, w) < 0 ||
	    check_span(f, expr, slash, &sp, w) < 0)
		return -1;
	*bits |= span_bits(&sp);
	*star |= sp.star;
	return 0;
}

/* Field F: items separated by ',', empty items skipped (strings.FieldsFunc). */
static int parse_field(const struct cron_field *f, struct slice s,
		       uint64_t *bits, bool *star, struct why *w)
{
	*bits = 0;
	*star = false;
	while (s.n) {
		size_t comma = slice_find(s, ',');

		if (comma && parse_item(f, (struct slice){ s.p, comma }, bits,
					star, w) < 0)
			return -1;
		s = slice_from(s, comma < s.n ? comma + 1 : comma);
	}
	return 0;
}

/* Split S on white space into at most F_COUNT fields; returns the count. */
static size_t split_fields(const char *s, struct slice *tok)
{
	size_t n = 0, k;

	for (;;) {
		const char *start;

		while ((k = space_len(s)))
			s += k;
		if (!*s)
			return n;
		start = s;
		while (*s && !space_len(s))
			s++;
		if (n < F_COUNT)
			tok[n] = (struct slice){ start, (size_t)(s - start) };
		n++;
	}
}

static int parse_fields(const char *s, struct pv_cron *c, struct why *w)
{
	struct slice tok[F_COUNT];
	uint64_t bits[F_COUNT];
	bool star[F_COUNT];
	size_t i, n = split_fields(s, tok);

	if (n != F_COUNT)
		return fail(w, "expected 5 fields (minute hour day-of-month month day-of-week), got %zu",
			    n);
	for (i = 0; i < F_COUNT; i++)
		if (parse_field(&cron_fields[i], tok[i], &bits[i], &star[i], w) < 0)
			return -1;
	c->minute = bits[F_MINUTE];
	c->hour = (uint32_t)bits[F_HOUR];
	c->dom = (uint32_t)bits[F_DOM];
	c->month = (uint32_t)bits[F_MONTH];
	c->dow = (uint8_t)bits[F_DOW];
	c->dom_star = star[F_DOM];
	c->dow_star = star[F_DOW];
	c->every = 0;
	return 0;
}

/* ---- "@every": Go's time.ParseDuration ---------------------------------- */

static int dur_invalid(struct slice orig, struct why *w)
{
	return fail(w, "@every: invalid duration \"%.*s\"", QUOTE(orig));
}

/* Go's leadingInt: leading digits of *S into *V; -1 past 2^63. */
static int dur_int(struct slice *s, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < s->n && is_digit(s->p[i]); i++) {
		if (*v > DUR_LIMIT / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s->p[i] - '0');
		if (*v > DUR_LIMIT)
			return -1;
	}
	*s = slice_from(*s, i);
	return 0;
}

/* Go's leadingFraction: digits after '.', precision dropped on overflow. */
static void dur_frac(struct slice *s, uint64_t *f, double *scale)
{
	bool overflow = false;
	size_t i;

	*f = 0;
	*scale = 1;
	for (i = 0; i < s->n && is_digit(s->p[i]); i++) {
		uint64_t y = *f * 10 + (uint64_t)(s->p[i] - '0');

		if (overflow || *f > (DUR_LIMIT - 1) / 10 || y > DUR_LIMIT) {
			overflow = true;
			continue;
		}
		*f = y;
		*scale *= 10;
	}
	*s = slice_from(*s, i);
}

static int dur_unit(struct slice u, struct slice orig, uint64_t *ns,
		    struct why *w)
{
	size_t i;

	if (u.n == 0)
		return fail(w, "@every: missing unit in duration \"%.*s\"",
			    QUOTE(orig));
	for (i = 0; i < ARRAY_SIZE(dur_units); i++) {
		if (slice_is(u, dur_units[i].name)) {
			*ns = dur_units[i].ns;
			return 0;
		}
	}
	return fail(w, "@every: unknown unit \"%.*s\" in duration \"%.*s\" (use ns, us, ms, s, m, h)",
		    QUOTE(u), QUOTE(orig));
}

/* One [0-9]*(.[0-9]*)?unit term at the start of *S, in nanoseconds. */
static int dur_term(struct slice *s, struct slice orig, uint64_t *v,
		    struct why *w)
{
	uint64_t f = 0, unit = 1;
	double scale = 1;
	size_t before = s->n, i = 0;
	bool digits;

	if (s->p[0] != '.' && !is_digit(s->p[0]))
		return dur_invalid(orig, w);
	if (dur_int(s, v) < 0)
		return dur_invalid(orig, w);
	digits = s->n != before;
	if (s->n && s->p[0] == '.') {
		*s = slice_from(*s, 1);
		before = s->n;
		dur_frac(s, &f, &scale);
		digits |= s->n != before;
	}
	if (!digits)
		return dur_invalid(orig, w);
	while (i < s->n && s->p[i] != '.' && !is_digit(s->p[i]))
		i++;
	if (dur_unit((struct slice){ s->p, i }, orig, &unit, w) < 0)
		return -1;
	*s = slice_from(*s, i);
	if (*v > DUR_LIMIT / unit)
		return dur_invalid(orig, w);
	*v *= unit;
	if (f > 0)
		*v += (uint64_t)((double)f * ((double)unit / scale));
	return *v > DUR_LIMIT ? dur_invalid(orig, w) : 0;
}

/* Parse ORIG as a Go duration; *NS gets its magnitude, *NEG its sign. */
static int parse_duration(struct slice orig, uint64_t *ns, bool *neg,
			  struct why *w)
{
	struct slice s = orig;
	uint64_t v = 0;

	*ns = 0;
	*neg = s.n && s.p[0] == '-';
	if (s.n && (s.p[0] == '-' || s.p[0] == '+'))
		s = slice_from(s, 1);
	if (slice_is(s, "0"))
		return 0;
	if (s.n == 0)
		return dur_invalid(orig, w);
	while (s.n) {
		if (dur_term(&s, orig, &v, w) < 0)
			return -1;
		*ns += v;
		if (*ns > DUR_LIMIT)
			return dur_invalid(orig, w);
	}
	if (!*neg && *ns == DUR_LIMIT)
		return dur_invalid(orig, w);
	return 0;
}

static int parse_every(const char *s, struct pv_cron *c, struct why *w)
{
	struct slice d = { s, strlen(s) };
	uint64_t ns;
	bool neg;

	if (parse_duration(d, &ns, &neg, w) < 0)
		return -1;
	if (neg || ns < NS_PER_SEC)
		return fail(w, "@every: duration \"%.*s\" is shorter than 1s",
			    QUOTE(d));
	memset(c, 0, sizeof(*c));
	c->every = (int64_t)(ns / NS_PER_SEC);
	return 0;
}

static int parse_descriptor(const char *s, struct pv_cron *c, struct why *w)
{
	static const char every[] = "@every ";
	struct slice d = { s, strlen(s) };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cron_descriptors); i++)
		if (strcmp(s, cron_descriptors[i].name) == 0)
			return parse_fields(cron_descriptors[i].spec, c, w);
	if (strncmp(s, every, sizeof(every) - 1) == 0)
		return parse_every(s + sizeof(every) - 1, c, w);
	return fail(w, "unknown descriptor \"%.*s\"", QUOTE(d));
}

int pv_cron_parse(const char *s, struct pv_cron *out, char *why, size_t whylen)
{
	struct why w = { why, whylen };
	struct pv_cron c;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!s || !*s)
		return fail(&w, "empty schedule");
	if (strstr(s, "TZ"))
		return fail(&w, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
	memset(&c, 0, sizeof(c));
	rc = s[0] == '@' ? parse_descriptor(s, &c, &w) : parse_fields(s, &c, &w);
	if (rc < 0)
		return -1;
	if (out)
		*out = c;
	return 0;
}

/* ---- next activation ---------------------------------------------------- */

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int8_t days[12] = { 31, 28, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of Y-M-D, proleptic Gregorian (what timegm does). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int weekday(const struct civil *v)
{
	int64_t wd = (days_from_civil(v->year, v->mon, v->day) + 4) % 7;

	return (int)(wd < 0 ? wd + 7 : wd);
}

static int64_t civil_seconds(const struct civil *v)
{
	return days_from_civil(v->year, v->mon, v->day) * 86400 +
	       v->hour * 3600 + v->min * 60;
}

/* Lowest set bit of MASK in FROM..MAX, or -1. */
static int next_bit(uint64_t mask, int from, int max)
{
	if (from > max)
		return -1;
	mask &= ~0ULL << from;
	mask &= max >= 63 ? ~0ULL : (2ULL << max) - 1;
	return mask ? __builtin_ctzll(mask) : -1;
}

/* Robfig's dayMatches: OR when both day fields restrict, AND otherwise. */
static bool day_matches(const struct pv_cron *c, const struct civil *v)
{
	bool dom = (c->dom >> v->day) & 1;
	bool dow = (c->dow >> weekday(v)) & 1;

	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

/* Midnight of the first day of the next month C allows. */
static void next_month(const struct pv_cron *c, struct civil *v)
{
	int m = next_bit(c->month, v->mon + 1, 12);

	if (m < 0) {
		v->year++;
		m = next_bit(c->month, 1, 12);
	}
	*v = (struct civil){ v->year, m, 1, 0, 0 };
}

static void next_day(struct civil *v)
{
	v->day++; /* past the month's end is handled by cron_step */
	v->hour = 0;
	v->min = 0;
}

static void next_hour(struct civil *v)
{
	v->min = 0;
	if (++v->hour > 23)
		next_day(v);
}

/* true if V matches C; else V moves on to the next candidate. */
static bool cron_step(const struct pv_cron *c, struct civil *v)
{
	int h, m;

	if (!((c->month >> v->mon) & 1) ||
	    v->day > days_in_month(v->year, v->mon)) {
		next_month(c, v);
		return false;
	}
	if (!day_matches(c, v)) {
		next_day(v);
		return false;
	}
	h = next_bit(c->hour, v->hour, 23);
	if (h < 0) {
		next_day(v);
		return false;
	}
	if (h != v->hour)
		*v = (struct civil){ v->year, v->mon, v->day, h, 0 };
	m = next_bit(c->minute, v->min, 59);
	if (m < 0) {
		next_hour(v);
		return false;
	}
	v->min = m;
	return true;
}

static int to_civil(int64_t t, struct civil *v)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm))
		return -1;
	*v = (struct civil){ (int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min };
	return 0;
}

static int64_t spec_next(const struct pv_cron *c, int64_t t)
{
	struct civil v, first;
	int64_t minute = t / 60 - (t % 60 < 0) + 1;

	if (!(c->minute & MINUTE_ALL) || !(c->hour & HOUR_ALL) ||
	    !(c->month & MONTH_ALL) || t > INT64_MAX - 120 ||
	    to_civil(t + 1, &first) < 0 || to_civil(minute * 60, &v) < 0)
		return -1;
	while (v.year <= first.year + CRON_YEARS)
		if (cron_step(c, &v))
			return civil_seconds(&v);
	return -1;
}

int64_t pv_cron_next(const struct pv_cron *c, int64_t t)
{
	if (c->every > 0)
		return t > INT64_MAX - c->every ? -1 : t + c->every;
	return spec_next(c, t);
}

/* ---- in a time zone ----------------------------------------------------- */

/* The instants whose wall clock in the zone reads L (local seconds, a
 * minute's start), later than T: the earliest, or -1 (L falls in a gap
 * the clocks jump over, or its instants are all at or before T). Around
 * L at most one change of offset is assumed within a day. */
static int64_t local_to_utc_after(int64_t l, int64_t t, pv_cron_offset_fn off, void *ctx)
{
	int32_t cand[2] = { off(ctx, l - 86400), off(ctx, l + 86400) };
	int64_t best = -1;

	for (int i = 0; i < 2; i++) {
		int64_t u = l - cand[i];

		if (u > t && off(ctx, u) == cand[i] && (best < 0 || u < best))
			best = u;
	}
	return best;
}

int64_t pv_cron_next_zone(const struct pv_cron *c, int64_t t, pv_cron_offset_fn off, void *ctx)
{
	int32_t now_off, later_off;
	int64_t l;

	if (c->every > 0 || !off)
		return pv_cron_next(c, t);
	if (t > INT64_MAX - 2 * 86400 || t < INT64_MIN + 2 * 86400)
		return -1;
	/* Start from the earlier of the wall clocks T may read (a clock set
	 * back shows a range of local times twice). */
	now_off = off(ctx, t);
	later_off = off(ctx, t + 86400);
	l = t + (later_off < now_off ? later_off : now_off);
	for (int guard = 0; guard < 100000; guard++) {
		int64_t u;

		l = pv_cron_next(c, l);
		if (l < 0)
			return -1;
		u = local_to_utc_after(l, t, off, ctx);
		if (u >= 0)
			return u;
	}
	return -1;
}

int64_t pv_cron_last(const struct pv_cron *c, int64_t after, int64_t now, pv_cron_offset_fn off,
		     void *ctx, int64_t *missed)
{
	static const int64_t windows[] = { 3600, 86400, 32 * 86400, 367 * 86400, 6 * 367 * 86400 };
	int64_t last = -1, t = after, n = 0;

	*missed = 0;
	if (now <= after)
		return -1;
	/* Count them one by one, up to a bound. */
	while (n <= PV_CRON_MISSED_MAX) {
		int64_t next = pv_cron_next_zone(c, t, off, ctx);

		if (next < 0 || next > now) {
			*missed = n;
			return last;
		}
		last = t = next;
		n++;
	}
	/* More than that: the latest is in the nearest window before NOW
	 * that holds one. */
	*missed = n;
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		int64_t from = now - windows[w] > last ? now - windows[w] : last, found = -1;

		for (t = from;;) {
			int64_t next = pv_cron_next_zone(c, t, off, ctx);

			if (next < 0 || next > now)
				break;
			found = t = next;
		}
		if (found >= 0)
			return found;
	}
	return last;
}
