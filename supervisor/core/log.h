/* The daemon's log: one line per event, to stderr (journald, a file, or
 * a terminal), "2026-11-23T06:20:01.123Z info: message". Only supervisor/
 * logs; the other modules return errors. */
#ifndef PV_SUPERVISOR_LOG_H
#define PV_SUPERVISOR_LOG_H

enum pv_log_level {
	PV_LOG_ERROR,
	PV_LOG_WARN,
	PV_LOG_INFO,
	PV_LOG_DEBUG,
};

void pv_log_set_level(enum pv_log_level level);
void pv_log(enum pv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pv_error(...) pv_log(PV_LOG_ERROR, __VA_ARGS__)
#define pv_warn(...) pv_log(PV_LOG_WARN, __VA_ARGS__)
#define pv_info(...) pv_log(PV_LOG_INFO, __VA_ARGS__)
#define pv_debug(...) pv_log(PV_LOG_DEBUG, __VA_ARGS__)

#endif
