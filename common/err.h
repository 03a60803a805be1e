/* The error type every fallible function takes: it returns < 0 and fills
 * a struct pv_err; callers add context as the error rises. */
#ifndef PV_COMMON_ERR_H
#define PV_COMMON_ERR_H

struct pv_err {
	int code; /* an errno value, or 0 */
	char msg[512];
};

/* Set ERR (if not NULL) to CODE and the formatted message; returns -1. */
int pv_err_set(struct pv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like pv_err_set, appending ": strerror(CODE)". */
int pv_err_sys(struct pv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in ERR with the formatted context. */
int pv_err_wrap(struct pv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
