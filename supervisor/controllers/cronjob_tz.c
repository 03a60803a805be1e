/* Time zones for CronJobs from TZif files (RFC 8536). See cronjob_tz.h.
 * Calls: core (file reads). */
#include "supervisor/controllers/cronjob_tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"

#define TZ_FILE_MAX (1 << 20)

/* A POSIX TZ rule's date: Jn (1-365, no leap day), n (0-365) or Mm.w.d. */
struct tz_date {
	char kind; /* 'J', 'N' or 'M' */
	int n, m, w, d;
	int32_t secs; /* local time of day of the change */
};

struct tz_rule {
	bool set, dst;
	int32_t std_off, dst_off; /* seconds east */
	struct tz_date start, end;
};

struct pv_tz {
	int64_t *trans;
	uint8_t *idx;
	size_t ntrans;
	int32_t *offs;
	size_t ntypes;
	struct tz_rule rule;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- the footer's POSIX TZ string ---- */

static const char *parse_name(const char *s)
{
	if (*s == '<') {
		const char *e = strchr(s, '>');

		return e ? e + 1 : NULL;
	}
	while (isalpha((unsigned char)*s))
		s++;
	return s;
}

/* [+-]hh[:mm[:ss]] into *V (seconds); NULL when not a time. */
static const char *parse_hms(const char *s, int32_t *v)
{
	int sign = 1, part = 0;
	long f[3] = { 0, 0, 0 };
	char *end;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*s))
		return NULL;
	for (part = 0; part < 3; part++) {
		f[part] = strtol(s, &end, 10);
		/* POSIX TZ: hours 0..167 (24 in offsets, 167 in rule times),
		 * minutes and seconds 0..59; beyond, the footer is refused
		 * rather than multiplied into an overflow. */
		if (end == s || f[part] < 0 || f[part] > (part ? 59 : 167))
			return NULL;
		s = end;
		if (*s != ':' || part == 2)
			break;
		s++;
	}
	*v = (int32_t)(sign * (f[0] * 3600 + f[1] * 60 + f[2]));
	return s;
}

static const char *parse_date(const char *s, struct tz_date *d)
{
	char *end;

	if (*s == 'M') {
		d->kind = 'M';
		d->m = (int)strtol(s + 1, &end, 10);
		if (*end != '.')
			return NULL;
		d->w = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		d->d = (int)strtol(end + 1, &end, 10);
		if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d < 0 || d->d > 6)
			return NULL;
	} else {
		d->kind = *s == 'J' ? 'J' : 'N';
		s += *s == 'J';
		if (!isdigit((unsigned char)*s))
			return NULL;
		d->n = (int)strtol(s, &end, 10);
	}
	s = end;
	d->secs = 7200;
	if (*s == '/' && !(s = parse_hms(s + 1, &d->secs)))
		return NULL;
	return s;
}

static int parse_rule(const char *s, struct tz_rule *r)
{
	int32_t v;

	if (!(s = parse_name(s)) || !(s = parse_hms(s, &v)))
		return -1;
	r->std_off = -v;
	r->dst_off = r->std_off + 3600;
	r->set = true;
	if (!*s)
		return 0;
	if (!(s = parse_name(s)))
		return -1;
	r->dst = true;
	if (*s && *s != ',') {
		if (!(s = parse_hms(s, &v)))
			return -1;
		r->dst_off = -v;
	}
	if (*s != ',') { /* no rule: POSIX's default is implementation-defined */
		r->start = (struct tz_date){ 'M', 0, 3, 2, 0, 7200 };
		r->end = (struct tz_date){ 'M', 0, 11, 1, 0, 7200 };
		return *s ? -1 : 0;
	}
	if (!(s = parse_date(s + 1, &r->start)) || *s != ',' || !(s = parse_date(s + 1, &r->end)))
		return -1;
	return *s ? -1 : 0;
}

/* The day (days since the epoch) a rule's date falls on in year Y. */
static int64_t rule_day(const struct tz_date *d, int64_t y)
{
	int64_t first;
	int dim, day;
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (d->kind == 'J')
		return days_from_civil(y, 1, 1) + d->n - 1 + (leap(y) && d->n >= 60);
	if (d->kind == 'N')
		return days_from_civil(y, 1, 1) + d->n;
	first = days_from_civil(y, d->m, 1);
	dim = d->m == 2 && leap(y) ? 29 : mdays[d->m - 1];
	day = 1 + (int)(((d->d - (first + 4) % 7) % 7 + 7) % 7) + (d->w - 1) * 7;
	while (day > dim)
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t)
{
	int64_t days = (t + r->std_off) / 86400 - ((t + r->std_off) % 86400 < 0);
	int64_t y = 1970 + days / 366, start, end;

	if (!r->dst)
		return r->std_off;
	/* The year of T's local standard time. */
	while (days_from_civil(y + 1, 1, 1) <= days)
		y++;
	while (days_from_civil(y, 1, 1) > days)
		y--;
	start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
	end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- the file ---- */

struct hdr {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool read_hdr(const unsigned char *p, size_t len, struct hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return false;
	*h = (struct hdr){ be32(p + 20), be32(p + 24), be32(p + 28),
			   be32(p + 32), be32(p + 36), be32(p + 40) };
	return h->type > 0 && h->type < 256 && h->time < 100000 && h->chars < 100000 &&
	       h->leap < 100000 && h->isut <= h->type && h->isstd <= h->type;
}

static size_t block_len(const struct hdr *h, size_t tsize)
{
	return h->time * tsize + h->time + h->type * 6 + h->chars + h->leap * (tsize + 4) +
	       h->isstd + h->isut;
}

struct pv_tz *pv_tz_parse(const unsigned char *buf, size_t len)
{
	struct hdr h;
	const unsigned char *p = buf, *end = buf + len;
	size_t tsize = 4;
	struct pv_tz *tz;

	if (!read_hdr(p, len, &h))
		return NULL;
	if (buf[4] >= '2') { /* skip the 32-bit block: the 64-bit one follows */
		p += 44 + block_len(&h, 4);
		if (p > end || !read_hdr(p, (size_t)(end - p), &h))
			return NULL;
		tsize = 8;
	}
	p += 44;
	if ((size_t)(end - p) < block_len(&h, tsize) || !(tz = calloc(1, sizeof(*tz))))
		return NULL;
	tz->ntrans = h.time;
	tz->ntypes = h.type;
	tz->trans = calloc(h.time + 1, sizeof(*tz->trans));
	tz->idx = calloc(h.time + 1, 1);
	tz->offs = calloc(h.type, sizeof(*tz->offs));
	if (!tz->trans || !tz->idx || !tz->offs) {
		pv_tz_free(tz);
		return NULL;
	}
	for (size_t i = 0; i < h.time; i++, p += tsize)
		tz->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
	for (size_t i = 0; i < h.time; i++, p++)
		tz->idx[i] = *p < h.type ? *p : 0;
	for (size_t i = 0; i < h.type; i++, p += 6)
		tz->offs[i] = (int32_t)be32(p);
	p += h.chars + h.leap * (tsize + 4) + h.isstd + h.isut;
	if (tsize == 8 && p < end && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
		char footer[128];

		if (nl && (size_t)(nl - p - 1) < sizeof(footer) && nl > p + 1) {
			memcpy(footer, p + 1, (size_t)(nl - p - 1));
			footer[nl - p - 1] = '\0';
			if (parse_rule(footer, &tz->rule) < 0)
				tz->rule.set = false;
		}
	}
	return tz;
}

int32_t pv_tz_offset(void *ctx, int64_t t)
{
	const struct pv_tz *tz = ctx;
	size_t lo = 0, hi;

	if (!tz)
		return 0;
	if (!tz->ntrans || t < tz->trans[0])
		return tz->rule.set && !tz->ntrans ? rule_offset(&tz->rule, t) : tz->offs[0];
	if (t >= tz->trans[tz->ntrans - 1] && tz->rule.set)
		return rule_offset(&tz->rule, t);
	hi = tz->ntrans; /* the last transition at or before T */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->offs[tz->idx[lo]];
}

struct pv_tz *pv_tz_load(const char *name, struct pv_err *err)
{
	const char *dir = getenv("TZDIR");
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	struct pv_tz *tz;
	size_t len = 0;

	if (!name || !*name || name[0] == '/' || strstr(name, "..")) {
		pv_err_set(err, EINVAL, "invalid time zone \"%s\"", name ? name : "");
		return NULL;
	}
	if (asprintf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name) < 0) {
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	buf = pv_read_file_raw(path, TZ_FILE_MAX, &len, err); /* zoneinfo links zones */
	if (!buf)
		return NULL;
	tz = pv_tz_parse((const unsigned char *)buf, len);
	if (!tz)
		pv_err_set(err, EINVAL, "%s: not a TZif time zone file", path);
	return tz;
}

void pv_tz_free(struct pv_tz *tz)
{
	if (!tz)
		return;
	free(tz->trans);
	free(tz->idx);
	free(tz->offs);
	free(tz);
}
