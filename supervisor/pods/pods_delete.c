/* A pod deleted on request (podvisor delete pod): stopped for good with
 * its grace period, as when it leaves the manifests. Whoever still wants
 * it (its controller) has it started again by the next reconcile pass
 * once the old one is gone: the pods module does not know who asked.
 * Calls: pod, core (log). */
#include "supervisor/pods/pods.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/core/log.h"
#include "supervisor/pods/pods_internal.h"

/* The pod NS/NAME being stopped for good already, or NULL. */
static struct pv_prt *stopping_pod(struct pv_daemon *d, const char *ns, const char *name)
{
	for (size_t i = 0; i < d->npods; i++)
		if (!strcmp(d->pods[i]->ns, ns) && !strcmp(d->pods[i]->name, name))
			return d->pods[i];
	return NULL;
}

int pv_pods_delete(struct pv_daemon *d, const char *ns, const char *name, char uid[33])
{
	struct pv_prt *p = pv_pods_find(d, ns, name);

	if (!p) {
		p = stopping_pod(d, ns, name);
		if (!p)
			return -ENOENT;
		snprintf(uid, 33, "%s", p->uid); /* deleted already: it goes on going */
		return 0;
	}
	snprintf(uid, 33, "%s", p->uid);
	pv_info("pod %s/%s: deleted on request; stopping", ns, name);
	pv_pod_event(p, false, PV_EV_KILLING, "Stopping pod %s/%s: deleted (podvisor delete pod)",
		     ns, name);
	pv_pod_stop(p, true); /* may free P */
	pv_daemon_kick(d);
	return 0;
}
