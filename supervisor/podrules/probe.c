/* Probe result accounting, after the kubelet's prober worker
 * (pkg/kubelet/prober/worker.go, doProbe). Pure: owns nothing but the
 * arithmetic of probe.h; calls nothing. */
#include "supervisor/podrules/probe.h"

#include <stddef.h>

struct pv_probe_params pv_probe_params_default(void)
{
	return (struct pv_probe_params){ .period_s = 10, .timeout_s = 1, .success_threshold = 1,
					 .failure_threshold = 3 };
}

static enum pv_probe_result initial(enum pv_probe_kind k)
{
	switch (k) {
	case PV_PROBE_LIVENESS:
		return PV_PROBE_SUCCESS;
	case PV_PROBE_READINESS:
		return PV_PROBE_FAILURE;
	default:
		return PV_PROBE_UNKNOWN;
	}
}

void pv_probe_set_reset(struct pv_probe_set *s)
{
	for (int k = 0; k < PV_PROBE_NKINDS; k++) {
		struct pv_probe_acct *a = &s->acct[k];

		a->kind = (enum pv_probe_kind)k;
		a->result = initial(a->kind);
		a->last = PV_PROBE_UNKNOWN;
		a->run = 0;
		a->on_hold = false;
	}
}

bool pv_probe_started(const struct pv_probe_set *s)
{
	return !s->has[PV_PROBE_STARTUP] || s->acct[PV_PROBE_STARTUP].result == PV_PROBE_SUCCESS;
}

bool pv_probe_ready(const struct pv_probe_set *s)
{
	if (!pv_probe_started(s))
		return false;
	return !s->has[PV_PROBE_READINESS] ||
	       s->acct[PV_PROBE_READINESS].result == PV_PROBE_SUCCESS;
}

bool pv_probe_due(const struct pv_probe_set *s, enum pv_probe_kind k, int64_t ran_s)
{
	const struct pv_probe_acct *a;

	if ((unsigned)k >= PV_PROBE_NKINDS || !s->has[k])
		return false;
	a = &s->acct[k];
	if (a->on_hold || ran_s < a->prm.initial_delay_s)
		return false;
	if (k == PV_PROBE_STARTUP)
		return !pv_probe_started(s);
	return pv_probe_started(s);
}

enum pv_probe_verdict pv_probe_record(struct pv_probe_set *s, enum pv_probe_kind k,
				      enum pv_probe_result r)
{
	struct pv_probe_acct *a;
	enum pv_probe_result before;

	if ((unsigned)k >= PV_PROBE_NKINDS || !s->has[k] || r == PV_PROBE_UNKNOWN)
		return PV_PROBE_SAME;
	a = &s->acct[k];
	if (a->last == r) {
		a->run++;
	} else {
		a->last = r;
		a->run = 1;
	}
	if ((r == PV_PROBE_FAILURE && a->run < a->prm.failure_threshold) ||
	    (r == PV_PROBE_SUCCESS && a->run < a->prm.success_threshold))
		return PV_PROBE_SAME;
	before = a->result;
	a->result = r;
	if (r == PV_PROBE_FAILURE && k != PV_PROBE_READINESS) {
		/* the container is killed: no more probes of this run */
		a->on_hold = true;
		a->run = 0;
		return PV_PROBE_KILL;
	}
	return before == r ? PV_PROBE_SAME : PV_PROBE_CHANGED;
}

const char *pv_probe_kind_name(enum pv_probe_kind k)
{
	static const char *const names[PV_PROBE_NKINDS] = { "Liveness", "Readiness", "Startup" };

	return (unsigned)k < PV_PROBE_NKINDS ? names[k] : "";
}
