#include "supervisor/node/node.h"

void pv_daemon_kick(struct pv_daemon *d)
{
	if (d->reconcile && !pv_timer_armed(d->reconcile))
		pv_timer_arm(d->reconcile, 0);
}
