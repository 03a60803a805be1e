/* Container log lines to the systemd journal, over its native protocol
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL: one datagram an entry, KEY=value
 * lines, a value with a newline in binary form). No libsystemd: the shim
 * of every container would load it and its compression libraries, and the
 * protocol is a documented datagram, as sd_notify's is (daemon/notify.c).
 *
 * Owns: the socket to the journal. Calls: libc. */
#ifndef PV_SUPERVISOR_RUNTIME_JOURNAL_H
#define PV_SUPERVISOR_RUNTIME_JOURNAL_H

#include <stddef.h>

#define PV_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* A non-blocking datagram socket connected to the journal; -1 (errno set)
 * when there is none to connect to. */
int pv_journal_open(void);

/* One entry on FD: FIELDS ("KEY=value", NULL-terminated, fixed for the
 * stream), PRIORITY (syslog's: 6 info, 3 err) and MESSAGE, LEN bytes (any
 * bytes). It never blocks: a journal that does not keep up loses entries
 * (-1, errno EAGAIN); the container's log file has them all. */
int pv_journal_send(int fd, const char *const *fields, int priority, const char *message,
		    size_t len);

#endif
