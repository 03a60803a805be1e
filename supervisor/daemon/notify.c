#include "supervisor/daemon/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/core/log.h"

struct pv_notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	bool ready;
	char status[256];
	struct pv_timer *watchdog;
	int64_t watchdog_ms; /* WATCHDOG=1 this often: half of WatchdogSec */
};

static void send_msg(struct pv_notify *n, const char *msg)
{
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&n->addr,
		   n->addr_len) < 0)
		pv_debug("notify: %s: %s", msg, strerror(errno));
}

static void watchdog_fired(void *data)
{
	struct pv_notify *n = data;

	send_msg(n, "WATCHDOG=1"); /* from the loop: proof that it turns */
	pv_timer_arm(n->watchdog, n->watchdog_ms);
}

/* WATCHDOG_USEC, if it is meant for this process. */
static int64_t watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long long us;
	char *end;

	if (!usec || (pid && strtol(pid, NULL, 10) != getpid()))
		return 0;
	us = strtoll(usec, &end, 10);
	if (*end || us <= 0)
		return 0;
	return us / 2000 > 0 ? us / 2000 : 1;
}

struct pv_notify *pv_notify_new(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct pv_notify *n = NULL;
	size_t len = path ? strlen(path) : 0;

	if (!len) {
		/* nothing asked */
	} else if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		pv_warn("NOTIFY_SOCKET=%s: not a Unix socket's path; systemd is not told", path);
	} else if ((n = calloc(1, sizeof(*n)))) {
		n->addr.sun_family = AF_UNIX;
		memcpy(n->addr.sun_path, path, len);
		if (path[0] == '@') /* an abstract socket */
			n->addr.sun_path[0] = '\0';
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		n->watchdog_ms = watchdog_ms();
		if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
			pv_warn("NOTIFY_SOCKET: %s; systemd is not told", strerror(errno));
			free(n);
			n = NULL;
		}
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return n;
}

void pv_notify_start(struct pv_notify *n, struct pv_loop *loop)
{
	if (!n || !n->watchdog_ms)
		return;
	if (!(n->watchdog = pv_timer_new(loop, watchdog_fired, n)))
		pv_warn("notify: no watchdog timer: %s", strerror(errno));
	else
		pv_timer_arm(n->watchdog, n->watchdog_ms);
}

void pv_notify_free(struct pv_notify *n)
{
	if (!n)
		return;
	if (n->watchdog)
		pv_timer_free(n->watchdog);
	close(n->fd);
	free(n);
}

void pv_notify_ready(struct pv_notify *n, const char *status)
{
	char msg[300];

	if (!n || n->ready)
		return;
	n->ready = true;
	snprintf(n->status, sizeof(n->status), "%s", status);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	send_msg(n, msg);
}

void pv_notify_status(struct pv_notify *n, const char *status)
{
	char msg[300];

	if (!n || !n->ready || strcmp(n->status, status) == 0)
		return;
	snprintf(n->status, sizeof(n->status), "%s", status);
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	send_msg(n, msg);
}

void pv_notify_stopping(struct pv_notify *n)
{
	if (n)
		send_msg(n, "STOPPING=1\nSTATUS=stopping");
}
