#include "supervisor/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum pv_log_level max_level = PV_LOG_INFO;

void pv_log_set_level(enum pv_log_level level)
{
	max_level = level;
}

void pv_log(enum pv_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[4096], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level > max_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s: ", stamp, ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several processes never mix. */
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}
