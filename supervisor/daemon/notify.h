/* systemd's service notifications (sd_notify(3), Type=notify): READY=1
 * once the daemon has adopted or started the pods that were running
 * before, STATUS= lines as the node changes, WATCHDOG=1 from the loop
 * when the unit has WatchdogSec=, STOPPING=1 on the way out. The protocol
 * is a datagram to the Unix socket $NOTIFY_SOCKET, as systemd documents
 * it for programs that do not link libsystemd. Without $NOTIFY_SOCKET
 * every call does nothing.
 *
 * Owns: the socket's address and the watchdog timer. Calls: core/loop,
 * core/log, libc. */
#ifndef PV_DAEMON_NOTIFY_H
#define PV_DAEMON_NOTIFY_H

#include "supervisor/core/loop.h"

struct pv_notify;

/* From the environment ($NOTIFY_SOCKET, $WATCHDOG_USEC, $WATCHDOG_PID),
 * which it then clears: first thing, before any process is forked, so that
 * no spawner, shim or pod inherits it. NULL when systemd did not ask (or
 * the address is unusable: a warning). */
struct pv_notify *pv_notify_new(void);
/* The watchdog's timer on LOOP, when WATCHDOG_USEC asked for one. */
void pv_notify_start(struct pv_notify *n, struct pv_loop *loop);
void pv_notify_free(struct pv_notify *n);

/* READY=1 (the first call only) with STATUS=... */
void pv_notify_ready(struct pv_notify *n, const char *status);
/* STATUS=..., when it differs from the last one sent. */
void pv_notify_status(struct pv_notify *n, const char *status);
void pv_notify_stopping(struct pv_notify *n);

#endif
