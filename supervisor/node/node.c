#include "supervisor/node/node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/core/log.h"

/* When OBJECT's latest event says the same, count it there (and log it
 * at debug level only): a pod retrying a mount on every reconcile is one
 * event, not hundreds pushing the others out. */
static bool repeat_event(struct pv_daemon *d, const char *object, bool warning,
			 const char *reason, const char *msg)
{
	for (size_t i = 1; i <= d->nevents; i++) {
		struct pv_event *e = &d->events[(d->event_next + PV_EVENTS_MAX - i) % PV_EVENTS_MAX];

		if (strcmp(e->object, object) != 0)
			continue;
		if (strcmp(e->reason, reason) != 0 || strcmp(e->message, msg) != 0 ||
		    strcmp(e->type, warning ? "Warning" : "Normal") != 0)
			return false;
		e->at = time(NULL);
		e->count++;
		pv_debug("%s: %s: %s (x%d)", object, reason, msg, e->count);
		return true;
	}
	return false;
}

void pv_daemon_event(struct pv_daemon *d, const char *object, bool warning, const char *reason,
		     const char *fmt, ...)
{
	struct pv_event *e = &d->events[d->event_next];
	char msg[1024], *ob, *ty, *re, *me;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (repeat_event(d, object, warning, reason, msg))
		return;
	/* Every string first: out of memory, the slot keeps its old event
	 * rather than holding NULLs that readers would trip on. */
	ob = strdup(object);
	ty = strdup(warning ? "Warning" : "Normal");
	re = strdup(reason);
	me = strdup(msg);
	if (!ob || !ty || !re || !me) {
		free(ob), free(ty), free(re), free(me);
		return;
	}
	free(e->object);
	free(e->type);
	free(e->reason);
	free(e->message);
	e->at = time(NULL);
	e->object = ob;
	e->type = ty;
	e->reason = re;
	e->message = me;
	e->count = 1;
	d->event_next = (d->event_next + 1) % PV_EVENTS_MAX;
	if (d->nevents < PV_EVENTS_MAX)
		d->nevents++;
	pv_log(warning ? PV_LOG_WARN : PV_LOG_INFO, "%s: %s: %s", object, reason, msg);
}

void pv_daemon_kick(struct pv_daemon *d)
{
	if (d->reconcile && !pv_timer_armed(d->reconcile))
		pv_timer_arm(d->reconcile, 0);
}

