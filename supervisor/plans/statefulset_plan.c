/* The pure decision of a StatefulSet. See statefulset_plan.h.
 * Calls: nothing. */
#include "supervisor/plans/statefulset_plan.h"

#include <stdlib.h>

enum pv_sts_want pv_sts_plan_rev_for(const struct pv_sts_plan *p, int64_t ordinal)
{
	return !p->on_delete && ordinal < p->partition ? PV_STS_CURRENT : PV_STS_UPDATE;
}

int64_t pv_sts_max_unavailable(bool is_pct, int64_t v, int64_t replicas)
{
	int64_t n = is_pct ? v * replicas / 100 : v;

	return n < 1 ? 1 : n;
}

/* A running pod is kept as it is: rendered again when at a revision the
 * controller has the template of, else its own spec. */
static enum pv_sts_want as_is(const struct pv_sts_slot *s)
{
	if (!s->exists || s->stopping)
		return PV_STS_NONE;
	return s->rev == PV_STS_REV_UPDATE ? PV_STS_UPDATE
	       : s->rev == PV_STS_REV_CURRENT ? PV_STS_CURRENT : PV_STS_KEEP;
}

static int by_ordinal(const void *a, const void *b)
{
	const struct pv_sts_slot *x = a, *y = b;

	return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

static void reset(struct pv_sts_plan *p)
{
	p->waiting = p->complete = false;
	for (int64_t i = 0; i < p->replicas; i++) {
		struct pv_sts_slot *s = &p->slots[i];

		s->ordinal = p->start + i;
		s->want = as_is(s);
		s->create = s->del = false;
	}
	for (size_t i = 0; i < p->ncondemned; i++) {
		p->condemned[i].want = as_is(&p->condemned[i]);
		p->condemned[i].create = p->condemned[i].del = false;
	}
	if (p->ncondemned > 1)
		qsort(p->condemned, p->ncondemned, sizeof(*p->condemned), by_ordinal);
}

/* Missing pods created, lowest ordinal first. False when OrderedReady
 * must wait (a pod was just created, or one is not yet healthy). */
static bool scale_up(struct pv_sts_plan *p)
{
	for (int64_t i = 0; i < p->replicas; i++) {
		struct pv_sts_slot *s = &p->slots[i];

		if (!s->exists) {
			s->want = pv_sts_plan_rev_for(p, s->ordinal);
			s->create = true;
			if (!p->parallel)
				return false;
		} else if ((s->stopping || !s->healthy) && !p->parallel) {
			return false;
		}
	}
	return true;
}

/* The lowest-ordinal pod not healthy (in range first, then condemned). */
static const struct pv_sts_slot *first_unhealthy(const struct pv_sts_plan *p)
{
	for (int64_t i = 0; i < p->replicas; i++)
		if (!p->slots[i].exists || !p->slots[i].healthy)
			return &p->slots[i];
	for (size_t i = 0; i < p->ncondemned; i++)
		if (!p->condemned[i].healthy)
			return &p->condemned[i];
	return NULL;
}

/* Condemned pods deleted, highest ordinal first. False when OrderedReady
 * must wait (one is terminating, or was just deleted). */
static bool scale_down(struct pv_sts_plan *p)
{
	const struct pv_sts_slot *unhealthy = first_unhealthy(p);

	for (size_t i = p->ncondemned; i-- > 0;) {
		struct pv_sts_slot *c = &p->condemned[i];

		if (c->stopping) {
			if (!p->parallel)
				return false;
			continue;
		}
		if (!c->healthy && !p->parallel && c != unhealthy)
			return false;
		c->want = PV_STS_NONE;
		c->del = true;
		if (!p->parallel)
			return false;
	}
	return true;
}

/* RollingUpdate: the highest ordinal >= partition not at the update
 * revision is deleted; each must be healthy before the next goes. False
 * when something waits. */
static bool roll(struct pv_sts_plan *p)
{
	for (int64_t i = p->replicas; i-- > 0;) {
		struct pv_sts_slot *s = &p->slots[i];

		if (s->ordinal < p->partition)
			break;
		if (s->exists && !s->stopping && s->rev != PV_STS_REV_UPDATE) {
			s->want = PV_STS_NONE;
			s->del = true;
			return false;
		}
		if (!s->exists || s->stopping || !s->healthy)
			return false;
	}
	return true;
}

/* RollingUpdate with maxUnavailable > 1: up to max_unavailable minus the
 * unavailable pods in range are deleted, highest ordinal >= partition
 * first, those not at the update revision and not stopping. False when
 * something waits. */
static bool roll_many(struct pv_sts_plan *p)
{
	int64_t unavailable = 0, budget;
	bool left = false;

	for (int64_t i = 0; i < p->replicas; i++) {
		const struct pv_sts_slot *s = &p->slots[i];

		unavailable += !s->exists || s->stopping || !s->healthy;
	}
	budget = p->max_unavailable - unavailable;
	for (int64_t i = p->replicas; i-- > 0;) {
		struct pv_sts_slot *s = &p->slots[i];

		if (s->ordinal < p->partition)
			break;
		if (!s->exists || s->stopping || s->rev == PV_STS_REV_UPDATE)
			continue;
		left = true;
		if (budget <= 0)
			break;
		s->want = PV_STS_NONE;
		s->del = true;
		budget--;
	}
	return !left && !unavailable;
}

static bool all_updated(const struct pv_sts_plan *p)
{
	if (p->ncondemned)
		return false;
	for (int64_t i = 0; i < p->replicas; i++) {
		const struct pv_sts_slot *s = &p->slots[i];

		if (!s->exists || s->stopping || !s->healthy || s->rev != PV_STS_REV_UPDATE)
			return false;
	}
	return true;
}

void pv_sts_plan_decide(struct pv_sts_plan *p)
{
	bool settled;

	reset(p);
	settled = scale_up(p);
	settled = settled && scale_down(p);
	if (settled && !p->on_delete)
		settled = p->max_unavailable > 1 ? roll_many(p) : roll(p);
	p->complete = all_updated(p);
	/* while a pod is not yet healthy, its readiness is awaited too */
	p->waiting = !settled || (!p->complete && first_unhealthy(p) != NULL) || p->ncondemned;
}
