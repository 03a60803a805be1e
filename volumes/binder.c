/* The PersistentVolume binder (see binder.h for the rules). One run has
 * two passes, both in input order, so that the result depends only on
 * the inputs:
 *
 *  1. volumes: one whose name another volume keeps is refused; for the
 *     others the bindings carried over from the last run are honoured
 *     first (bound_to names a claim that is still there), and volumes
 *     whose claim went away are Released (or kept Bound while a pod still
 *     uses the claim);
 *  2. claims not bound by pass 1: a claim with spec.volumeName is checked
 *     against that volume only; the others take the best candidate still
 *     Available, or ask for provisioning, or say why they wait.
 *
 * The result arrays are the working state: a volume is free while its
 * result is Available, a claim is done once its result is Bound. No
 * memory is allocated.
 *
 * PV_CLAIM_LOST is never produced here: a binding lives on its volume
 * (bound_to), so when the volume itself is gone pv_bind no longer sees
 * it. The caller, which persists the bindings, reports such a claim Lost
 * ("ClaimLost", "bound volume X is gone") and leaves it out of CLAIMS so
 * that it is not bound anew. */
#include "volumes/binder.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "manifests/validate.h"

#define LOCAL_PATH_PROVISIONER "podvisor.io/local-path"

static const struct {
	const char *name, *abbrev;
	unsigned bit;
} am_names[] = {
	{ "ReadWriteOnce", "RWO", PV_AM_RWO },
	{ "ReadOnlyMany", "ROX", PV_AM_ROX },
	{ "ReadWriteMany", "RWX", PV_AM_RWX },
	{ "ReadWriteOncePod", "RWOP", PV_AM_RWOP },
};

#define N_AM (sizeof(am_names) / sizeof(am_names[0]))

unsigned pv_access_modes(const pv_strlist *l)
{
	unsigned modes = 0;

	for (size_t i = 0; l && i < l->n; i++)
		for (size_t j = 0; l->items[i].v && j < N_AM; j++)
			if (strcmp(l->items[i].v, am_names[j].name) == 0)
				modes |= am_names[j].bit;
	return modes;
}

const char *pv_access_modes_str(unsigned modes, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t j = 0; j < N_AM; j++) {
		int n;

		if (!(modes & am_names[j].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", am_names[j].abbrev);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0'; /* whole names only: what fits stays */
			break;
		}
		off += (size_t)n;
	}
	return buf;
}

const char *pv_vol_phase_name(enum pv_vol_phase p)
{
	switch (p) {
	case PV_VOL_AVAILABLE:
		return "Available";
	case PV_VOL_BOUND:
		return "Bound";
	case PV_VOL_RELEASED:
		return "Released";
	case PV_VOL_FAILED:
		return "Failed";
	}
	return "Unknown";
}

const char *pv_claim_phase_name(enum pv_claim_phase p)
{
	switch (p) {
	case PV_CLAIM_PENDING:
		return "Pending";
	case PV_CLAIM_BOUND:
		return "Bound";
	case PV_CLAIM_LOST:
		return "Lost";
	}
	return "Unknown";
}

/* ---- reasons and messages ---- */

static void set_texts(char *reason, size_t rlen, const char *why, char *msg, size_t mlen,
		      const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void set_texts(char *reason, size_t rlen, const char *why, char *msg, size_t mlen,
		      const char *fmt, va_list ap)
{
	snprintf(reason, rlen, "%s", why);
	vsnprintf(msg, mlen, fmt, ap);
}

static void __attribute__((format(printf, 3, 4)))
claim_note(struct pv_claim_result *r, const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_texts(r->reason, sizeof(r->reason), why, r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
vol_note(struct pv_vol_result *r, const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_texts(r->reason, sizeof(r->reason), why, r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/* ---- matching ---- */

static bool selector_ok(const struct pv_bclaim *c, const struct pv_bvol *v)
{
	static const pv_strmap none;

	if (!c->selector || !c->selector->hdr.set)
		return true;
	return pv_selector_matches(c->selector, v->labels ? v->labels : &none);
}

/* Why V cannot serve C, in the words of Kubernetes' checkVolumeSatisfyClaim
 * (and its order), or NULL when it can. CHECK_CLASS is false for a claim
 * without a class that names its volume. */
static const char *mismatch(const struct pv_bvol *v, const struct pv_bclaim *c, bool check_class)
{
	if (v->capacity < c->request)
		return "requested PV is too small";
	if (check_class && strcmp(v->class_name, c->class_name) != 0)
		return "storageClassName does not match";
	if (v->block != c->block)
		return "incompatible volumeMode";
	if ((v->modes & c->modes) != c->modes)
		return "incompatible accessMode";
	if (!v->node_ok)
		return "its node affinity does not admit this node";
	return NULL;
}

static bool reserved_for_other(const struct pv_bvol *v, const struct pv_bclaim *c)
{
	return v->reserved_for && strcmp(v->reserved_for, c->key) != 0;
}

static bool candidate(const struct pv_bvol *v, const struct pv_vol_result *vr,
		      const struct pv_bclaim *c)
{
	return vr->phase == PV_VOL_AVAILABLE && !reserved_for_other(v, c) &&
	       !mismatch(v, c, true) && selector_ok(c, v);
}

/* Is candidate A a better choice than candidate B? Reserved (for this
 * claim: a candidate cannot be reserved for another) first, then the
 * smallest, then by name. */
static bool better(const struct pv_bvol *a, const struct pv_bvol *b)
{
	bool ra = a->reserved_for != NULL, rb = b->reserved_for != NULL;

	if (ra != rb)
		return ra;
	if (a->capacity != b->capacity)
		return a->capacity < b->capacity;
	return strcmp(a->name, b->name) < 0;
}

/* The index of C's best candidate, or NV. */
static size_t best_match(const struct pv_bvol *vols, size_t nv, const struct pv_vol_result *vr,
			 const struct pv_bclaim *c)
{
	size_t best = nv;

	for (size_t i = 0; i < nv; i++)
		if (candidate(&vols[i], &vr[i], c) && (best == nv || better(&vols[i], &vols[best])))
			best = i;
	return best;
}

static void bind(const struct pv_bvol *v, struct pv_vol_result *vr, const struct pv_bclaim *c,
		 struct pv_claim_result *cr)
{
	vr->phase = PV_VOL_BOUND;
	vr->claim = c->key;
	cr->phase = PV_CLAIM_BOUND;
	cr->volume = v->name;
}

/* ---- names ---- */

/* The index of the volume that keeps VOLS[I]'s name, I itself when no
 * other does: the one podvisor provisioned, else the first. */
static size_t name_owner(const struct pv_bvol *vols, size_t nv, size_t i)
{
	for (size_t j = 0; j < nv; j++) {
		if (j == i || strcmp(vols[j].name, vols[i].name) != 0)
			continue;
		if (vols[j].provisioned != vols[i].provisioned ? vols[j].provisioned : j < i)
			return j;
	}
	return i;
}

/* A name is one volume's: the others of that name are refused, as the
 * API server refuses a second object of one name (AlreadyExists). */
static bool refuse_duplicate(const struct pv_bvol *vols, size_t nv, size_t i,
			     struct pv_vol_result *vr)
{
	size_t owner = name_owner(vols, nv, i);

	if (owner == i)
		return false;
	vr->phase = PV_VOL_FAILED;
	vr->refused = true;
	if (vols[owner].provisioned)
		vol_note(vr, "AlreadyExists", "podvisor provisioned a volume named \"%s\": a "
			 "PersistentVolume of that name is refused (rename it)", vols[i].name);
	else
		vol_note(vr, "AlreadyExists", "another PersistentVolume is named \"%s\": this one "
			 "is refused (rename it)", vols[i].name);
	return true;
}

/* ---- pass 1: volumes ---- */

static void release(const struct pv_bvol *v, struct pv_vol_result *r)
{
	const char *who = v->bound_to ? v->bound_to : "(unknown)";

	r->phase = PV_VOL_RELEASED;
	r->claim = v->bound_to;
	if (v->deleted)
		vol_note(r, "Deleted", "claim %s was deleted; the data was deleted too "
			 "(reclaimPolicy Delete)", who);
	else if (v->reclaim_delete) {
		r->action = PV_BIND_DELETE;
		vol_note(r, "", "claim %s was deleted; the data is to be deleted "
			 "(reclaimPolicy Delete)", who);
	} else
		vol_note(r, "", "claim %s was deleted; the data is kept (reclaimPolicy Retain)", who);
}

static const struct pv_bgone *find_gone(const struct pv_bgone *gone, size_t ng, const char *key)
{
	for (size_t i = 0; i < ng; i++)
		if (strcmp(gone[i].key, key) == 0)
			return &gone[i];
	return NULL;
}

static size_t find_claim(const struct pv_bclaim *claims, size_t nc, const char *key)
{
	for (size_t i = 0; i < nc; i++)
		if (strcmp(claims[i].key, key) == 0)
			return i;
	return nc;
}

static void sync_volume(const struct pv_bvol *v, struct pv_vol_result *vr,
			const struct pv_bclaim *claims, size_t nc, struct pv_claim_result *cr,
			const struct pv_bgone *gone, size_t ng)
{
	const struct pv_bgone *g;
	size_t j;

	if (!v->bound_to && !v->released)
		return; /* Available */
	j = v->released ? nc : find_claim(claims, nc, v->bound_to);
	if (j < nc && cr[j].phase == PV_CLAIM_BOUND) {
		/* Two volumes bound to one claim: only a damaged state does
		 * that. The first keeps it; this one is left alone, data
		 * and all, for an administrator to look at. */
		vr->phase = PV_VOL_FAILED;
		vr->claim = v->bound_to;
		vol_note(vr, "ClaimMisbound", "claim %s is bound to volume %s; this volume is "
			 "left as it is", v->bound_to, cr[j].volume);
	} else if (j < nc) {
		bind(v, vr, &claims[j], &cr[j]);
	} else if (!v->released && (g = find_gone(gone, ng, v->bound_to)) && g->in_use) {
		vr->phase = PV_VOL_BOUND;
		vr->claim = v->bound_to;
		vol_note(vr, "", "claim is being deleted; in use by a pod");
	} else {
		release(v, vr);
	}
}

/* ---- pass 2: claims ---- */

static size_t find_vol(const struct pv_bvol *vols, size_t nv, const struct pv_vol_result *vr,
		       const char *name)
{
	for (size_t i = 0; i < nv; i++)
		if (!vr[i].refused && strcmp(vols[i].name, name) == 0)
			return i;
	return nv;
}

/* spec.volumeName: that volume or none, whatever the class's binding
 * mode, and without the selector (as Kubernetes does). */
static void sync_prebound(const struct pv_bvol *vols, size_t nv, struct pv_vol_result *vr,
			  const struct pv_bclaim *c, struct pv_claim_result *cr)
{
	const char *name = c->volume_name, *why = NULL;
	size_t i = find_vol(vols, nv, vr, name);

	if (i < nv && vr[i].phase == PV_VOL_AVAILABLE && !reserved_for_other(&vols[i], c))
		why = mismatch(&vols[i], c, c->class_name[0] != '\0');
	if (i == nv)
		claim_note(cr, "FailedBinding", "volume \"%s\" not found", name);
	else if (vr[i].phase == PV_VOL_RELEASED)
		claim_note(cr, "FailedBinding", "volume \"%s\" is Released and is not bound again",
			   name);
	else if (vr[i].phase != PV_VOL_AVAILABLE || reserved_for_other(&vols[i], c))
		claim_note(cr, "FailedBinding", "volume \"%s\" already bound to a different claim",
			   name);
	else if (why)
		claim_note(cr, "VolumeMismatch", "Cannot bind to requested volume \"%s\": %s", name,
			   why);
	else
		bind(&vols[i], &vr[i], c, cr);
}

/* No candidate: provision, or say why the claim waits. */
static void unavailable(const struct pv_bclaim *c, struct pv_claim_result *cr)
{
	const char *class = c->class_name;

	if (!class[0])
		claim_note(cr, "FailedBinding", "no persistent volumes available for this claim and "
			   "no storage class is set");
	else if (!c->class_exists)
		claim_note(cr, "ProvisioningFailed", "storageclass.storage.k8s.io \"%s\" not found",
			   class);
	else if (c->provisioner && c->selector && c->selector->hdr.set)
		claim_note(cr, "ProvisioningFailed", "failed to provision volume with StorageClass "
			   "\"%s\": claim.Spec.Selector is not supported", class);
	else if (c->provisioner) {
		cr->action = PV_BIND_PROVISION;
		claim_note(cr, "Provisioning", "waiting for a volume to be created by "
			   LOCAL_PATH_PROVISIONER);
	} else
		claim_note(cr, "FailedBinding", "no persistent volumes available for this claim and "
			   "storageclass \"%s\" has no provisioner that podvisor runs", class);
}

static void sync_unbound(const struct pv_bvol *vols, size_t nv, struct pv_vol_result *vr,
			 const struct pv_bclaim *c, struct pv_claim_result *cr)
{
	size_t i;

	if (c->volume_name) {
		sync_prebound(vols, nv, vr, c, cr);
	} else if (c->wait_for_consumer && !c->has_consumer) {
		claim_note(cr, "WaitForFirstConsumer", "waiting for first consumer to be created "
			   "before binding");
	} else if ((i = best_match(vols, nv, vr, c)) < nv) {
		bind(&vols[i], &vr[i], c, cr);
	} else {
		unavailable(c, cr);
	}
}

void pv_bind(const struct pv_bvol *vols, size_t nv, const struct pv_bclaim *claims, size_t nc,
	     const struct pv_bgone *gone, size_t ng, struct pv_claim_result *cr,
	     struct pv_vol_result *vr)
{
	if (nc)
		memset(cr, 0, nc * sizeof(*cr));
	if (nv)
		memset(vr, 0, nv * sizeof(*vr));
	for (size_t i = 0; i < nv; i++)
		if (!refuse_duplicate(vols, nv, i, &vr[i]))
			sync_volume(&vols[i], &vr[i], claims, nc, cr, gone, ng);
	for (size_t j = 0; j < nc; j++)
		if (cr[j].phase != PV_CLAIM_BOUND)
			sync_unbound(vols, nv, vr, &claims[j], &cr[j]);
}
