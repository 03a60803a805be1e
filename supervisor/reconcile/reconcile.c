#include "supervisor/reconcile/reconcile.h"

#include "supervisor/controllers/controllers.h"
#include "supervisor/core/log.h"
#include "supervisor/pods/pods.h"
#include "supervisor/services/services.h"
#include "supervisor/source/desired.h"
#include "supervisor/storage/storage.h"

static void add_static_pod(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct pv_daemon *d = data;

	if (pv_wanted_add(&d->wanted, o, f->path) < 0)
		d->wanted_incomplete = true;
}

/* The manifests' Pods (static pods); the controllers add theirs next. */
static void step_wanted(struct pv_daemon *d)
{
	pv_wanted_clear(&d->wanted);
	d->wanted_incomplete = false;
	pv_desired_each(&d->desired, PV_KIND_POD, add_static_pod, d);
	if (d->wanted_incomplete)
		pv_warn("reconcile: out of memory listing the wanted pods; no pod is stopped this pass");
}

static void step_storage(struct pv_daemon *d)
{
	if (!d->quitting)
		pv_storage_sync(d);
}

static const struct pv_reconcile_step steps[] = {
	{ "wanted", step_wanted },          /* the pods to run: the manifests' own Pods */
	{ "controllers", pv_controllers_sync }, /* and the workloads' (Deployment, ReplicaSet) */
	{ "services", pv_services_sync },   /* new Services first: pods started now see them */
	{ "storage", step_storage },        /* claims bound or provisioned before pods mount them */
	{ "pods", pv_pods_reconcile },      /* the running pods made to match the wanted set */
	{ "endpoints", pv_services_kick },  /* endpoints follow the pods */
};

const struct pv_reconcile_step *pv_reconcile_steps(size_t *n_steps)
{
	*n_steps = sizeof(steps) / sizeof(steps[0]);
	return steps;
}

void pv_reconcile_run(struct pv_daemon *d)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t t0 = pv_now_ms();

		steps[i].sync(d);
		if (pv_now_ms() - t0 > 100)
			pv_debug("reconcile: %s took %lld ms", steps[i].name,
				 (long long)(pv_now_ms() - t0));
	}
}
