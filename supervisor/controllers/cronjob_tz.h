/* A CronJob's spec.timeZone: an IANA zone read from the TZ database
 * (TZif files under $TZDIR or /usr/share/zoneinfo, package tzdata) and
 * its offset from UTC at any instant: the file's transitions, then its
 * footer's POSIX TZ rule for the years after them. The process's own TZ
 * (localtime, tzset) is never touched. Owns: the zone it loads.
 * Calls: core (file reads). */
#ifndef PV_SUPERVISOR_CONTROLLERS_CRONJOB_TZ_H
#define PV_SUPERVISOR_CONTROLLERS_CRONJOB_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct pv_tz;

/* The zone NAME ("Europe/Berlin", "UTC"), or NULL with ERR set. */
struct pv_tz *pv_tz_load(const char *name, struct pv_err *err);
/* The zone from the TZif bytes BUF (for the tests), or NULL. */
struct pv_tz *pv_tz_parse(const unsigned char *buf, size_t len);
/* Seconds east of UTC at instant T (a pv_cron_offset_fn: CTX is the zone). */
int32_t pv_tz_offset(void *tz, int64_t t);
void pv_tz_free(struct pv_tz *tz);

#endif
