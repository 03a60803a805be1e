/* Kubernetes CronJob schedules (robfig/cron v3 ParseStandard). Pure. */
#ifndef PV_MANIFESTS_CRON_H
#define PV_MANIFESTS_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pv_cron {
	uint64_t minute;	/* bit i set: minute i (0-59) */
	uint32_t hour;		/* bits 0..23 */
	uint32_t dom;		/* bits 1..31 */
	uint32_t month;		/* bits 1..12 */
	uint8_t dow;		/* bits 0..6, Sunday = 0 */
	bool dom_star, dow_star; /* field held '*' or '?' without a step > 1 */
	int64_t every;		/* seconds, for "@every"; 0 otherwise */
};

/* Parse S as spec.schedule of a batch/v1 CronJob: five fields (minute hour
 * day-of-month month day-of-week) or a descriptor (@yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly, "@every <Go duration>").
 * Accepts exactly what Kubernetes accepts, except "@every" under 1s (robfig
 * rounds it up to 1s; refused here).  Returns 0 and fills OUT (which may
 * be NULL to only validate) and sets WHY to "", or returns -1 with OUT
 * untouched and a message naming the field and the problem written to WHY
 * (truncated to WHYLEN, always NUL-terminated; WHY may be NULL). */
int pv_cron_parse(const char *s, struct pv_cron *out, char *why, size_t whylen);

/* The first time strictly after T (seconds since the epoch, fields read in
 * UTC) that C matches, always at second 0 of a minute; for "@every",
 * T + every.  -1 if nothing matches by the end of the fifth year after T's
 * year (robfig's limit), or on overflow. */
int64_t pv_cron_next(const struct pv_cron *c, int64_t t);

/* The offset from UTC (seconds east) of a time zone at the instant T. */
typedef int32_t (*pv_cron_offset_fn)(void *ctx, int64_t t);

/* pv_cron_next with the fields read as the wall clock of a time zone
 * (OFF tells its offset at any instant; NULL: UTC). Like robfig/cron in
 * a Go location: a time the clocks skip never runs, a time they show
 * twice (set back) runs twice. "@every" ignores the zone. */
int64_t pv_cron_next_zone(const struct pv_cron *c, int64_t t, pv_cron_offset_fn off, void *ctx);

#define PV_CRON_MISSED_MAX 100 /* Kubernetes warns past 100 missed start times */

/* The latest start time in (AFTER, NOW], or -1 when none; *MISSED is how
 * many there are (counted up to PV_CRON_MISSED_MAX + 1, "more than 100"). */
int64_t pv_cron_last(const struct pv_cron *c, int64_t after, int64_t now, pv_cron_offset_fn off,
		     void *ctx, int64_t *missed);

#endif
