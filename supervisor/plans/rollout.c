/* The rollout arithmetic (rollout.h): Kubernetes' RollingUpdate and
 * Recreate over pod counts, and the pod names' hashes. Pure. */
#include "supervisor/plans/rollout.h"

#include <stdio.h>
#include <string.h>

static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";

static int64_t scaled(const struct pv_rollout_amount *a, int64_t replicas, bool round_up)
{
	int64_t v;

	if (!a->is_pct)
		v = a->v;
	else if (round_up)
		v = (a->v * replicas + 99) / 100;
	else
		v = a->v * replicas / 100;
	return v < 0 ? 0 : v;
}

void pv_rollout_resolve(const struct pv_rollout_strategy *s, int64_t replicas, int64_t *surge,
			int64_t *unavailable)
{
	*surge = scaled(&s->max_surge, replicas, true);
	*unavailable = scaled(&s->max_unavailable, replicas, false);
	if (*surge == 0 && *unavailable == 0)
		*unavailable = 1;
}

static void keep_all(struct pv_rollout *r, bool keep)
{
	for (size_t i = 0; i < r->n_old; i++)
		r->old[i].keep = keep;
}

/* Recreate: every old pod goes, and only once they are all gone do the
 * new ones start. */
static void decide_recreate(struct pv_rollout *r)
{
	keep_all(r, false);
	if (r->n_old || r->old_stopping)
		r->want_new = r->new_pods < r->replicas ? r->new_pods : r->replicas;
	else
		r->want_new = r->replicas;
}

/* Old pods that may go without breaking availability: the unready first
 * (up to MAX_DOWN), then ready ones down to MIN_AVAIL ready pods. */
static void scale_down_old(struct pv_rollout *r, int64_t max_down, int64_t min_avail)
{
	int64_t old_ready = 0, down;

	for (size_t i = 0; i < r->n_old && max_down > 0; i++)
		if (!r->old[i].ready) {
			r->old[i].keep = false;
			max_down--;
		}
	for (size_t i = 0; i < r->n_old; i++)
		old_ready += r->old[i].ready;
	down = old_ready + r->new_ready - min_avail;
	for (size_t i = 0; i < r->n_old && down > 0; i++)
		if (r->old[i].ready && r->old[i].keep) {
			r->old[i].keep = false;
			down--;
		}
}

/* RollingUpdate: the new template scales up to replicas + maxSurge pods
 * in all; once it cannot, old pods scale down while replicas -
 * maxUnavailable pods stay ready. One of the two per pass, as in
 * Kubernetes (a scale-up returns before the old are looked at). */
static void decide_rolling(struct pv_rollout *r)
{
	int64_t surge, unavail, total = (int64_t)r->n_old + r->new_pods;
	int64_t max_total, new_unavail;

	keep_all(r, true);
	if (r->n_old == 0) {
		r->want_new = r->replicas;
		return;
	}
	pv_rollout_resolve(&r->strategy, r->replicas, &surge, &unavail);
	max_total = r->replicas + surge;
	if (r->new_pods >= r->replicas) {
		r->want_new = r->replicas;
	} else if (total < max_total) {
		r->want_new = r->new_pods + (max_total - total);
		if (r->want_new > r->replicas)
			r->want_new = r->replicas;
		return;
	} else {
		r->want_new = r->new_pods;
	}
	new_unavail = r->want_new - r->new_ready;
	if (new_unavail < 0)
		new_unavail = 0;
	if (total - (r->replicas - unavail) - new_unavail <= 0)
		return;
	scale_down_old(r, total - (r->replicas - unavail) - new_unavail, r->replicas - unavail);
}

bool pv_rollout_decide(struct pv_rollout *r)
{
	if (r->replicas < 0)
		r->replicas = 0;
	if (r->strategy.type == PV_ROLLOUT_RECREATE)
		decide_recreate(r);
	else
		decide_rolling(r);
	return r->n_old == 0 && !r->old_stopping && r->want_new == r->replicas &&
	       r->new_ready >= r->replicas;
}

static uint32_t fnv1a(uint32_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

void pv_rollout_template_hash(const char *text, size_t len, char out[11])
{
	char digits[16];

	snprintf(digits, sizeof(digits), "%010u", (unsigned)fnv1a(2166136261u, text, len));
	for (int i = 0; i < 10; i++)
		out[i] = alphabet[(unsigned char)digits[i] % (sizeof(alphabet) - 1)];
	out[10] = '\0';
}

void pv_rollout_slot_suffix(const char *prefix, int64_t slot, unsigned salt, char out[6])
{
	char tail[48];
	uint32_t h = fnv1a(2166136261u, prefix, strlen(prefix));
	int n = snprintf(tail, sizeof(tail), "/%lld/%u", (long long)slot, salt);

	h = fnv1a(h, tail, (size_t)n);
	for (int i = 0; i < 5; i++) {
		out[i] = alphabet[h % (sizeof(alphabet) - 1)];
		h /= sizeof(alphabet) - 1;
	}
	out[5] = '\0';
}
