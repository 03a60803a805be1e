/* A DaemonSet's pods on this node, decided. See daemonset_plan.h. */
#include "supervisor/plans/daemonset_plan.h"

static int64_t scaled_up(struct pv_ds_amount a, int64_t nodes)
{
	if (a.v <= 0)
		return 0;
	return a.is_pct ? (a.v * nodes + 99) / 100 : a.v;
}

void pv_ds_resolve(struct pv_ds_amount surge, struct pv_ds_amount unavailable, int64_t nodes,
		   int64_t *out_surge, int64_t *out_unavailable)
{
	*out_surge = scaled_up(surge, nodes);
	*out_unavailable = scaled_up(unavailable, nodes);
	if (!*out_surge && !*out_unavailable)
		*out_unavailable = 1;
}

/* What the node has: the current template's pod, the old ones. */
struct census {
	bool cur_alive, cur_ready, old_stopping;
	size_t old_alive;
};

static struct census count(const struct pv_ds_plan *p)
{
	struct census c = { 0 };

	for (size_t i = 0; i < p->n; i++) {
		const struct pv_ds_pod *x = &p->pods[i];

		if (x->stopping)
			c.old_stopping |= !x->current;
		else if (x->current)
			c.cur_alive = true, c.cur_ready |= x->ready;
		else
			c.old_alive++;
	}
	return c;
}

/* RollingUpdate: which old pods stay while the new one comes. */
static bool rolling(struct pv_ds_plan *p, const struct census *c)
{
	bool surge = p->max_surge > 0, settled = true;

	if (c->cur_alive)
		p->want_new = true;
	else if (c->old_alive)
		p->want_new = surge; /* without surge: the old goes first */
	else
		p->want_new = surge || !c->old_stopping; /* ... and is gone first */
	for (size_t i = 0; i < p->n; i++) {
		struct pv_ds_pod *x = &p->pods[i];

		if (x->current || x->stopping)
			continue;
		/* an old pod bridges the gap until the new one is ready, when
		 * surging; an unready one is no bridge, unless none may be
		 * unavailable at all */
		x->keep = surge && !c->cur_ready && (x->ready || !p->max_unavailable);
		settled &= !x->keep;
	}
	return settled;
}

bool pv_ds_decide(struct pv_ds_plan *p)
{
	struct census c = count(p);

	p->want_new = false;
	for (size_t i = 0; i < p->n; i++)
		p->pods[i].keep = false;
	if (!p->fits)
		return true;
	if (p->update == PV_DS_ON_DELETE) {
		for (size_t i = 0; i < p->n; i++)
			p->pods[i].keep = !p->pods[i].current && !p->pods[i].stopping;
		p->want_new = c.cur_alive || !c.old_alive;
		return true;
	}
	return rolling(p, &c);
}
