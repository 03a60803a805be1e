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

#endif
