#include "supervisor/storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/node/node.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/node/nodeaffinity.h"
#include "supervisor/node/pod.h"
#include "supervisor/storage/storage_internal.h"
#include "supervisor/storage/storage_state.h"
#include "volumes/binder.h"
#include "volumes/hostpath.h"
#include "volumes/rmtree.h"

#define INPUTS_CAP0 16 /* entries of each input array at first; doubled as needed */
#define LOCAL_PATH "podvisor.io/local-path"
#define DEFAULT_CLASS_ANN "storageclass.kubernetes.io/is-default-class"

/* Reallocate array P to CAP entries; false (P unchanged) when out of memory. */
#define GROW(p, cap)                                                           \
	({                                                                     \
		__typeof__(p) grown_ = reallocarray((p), (cap), sizeof(*(p))); \
		if (grown_)                                                    \
			(p) = grown_;                                          \
		grown_ != NULL;                                                \
	})

/* The next capacity when N entries fill CAP, or 0 when there is room. */
static size_t next_cap(size_t n, size_t cap)
{
	return n < cap ? 0 : cap ? 2 * cap : INPUTS_CAP0;
}

/* Room for one more volume (and its source, record and result). */
static bool room_for_volume(struct inputs *in)
{
	size_t cap = next_cap(in->nv, in->vcap);

	if (!cap)
		return true;
	if (!GROW(in->vols, cap) || !GROW(in->pvs, cap) || !GROW(in->vfiles, cap) ||
	    !GROW(in->recs, cap) || !GROW(in->vr, cap))
		return in->incomplete = true, false;
	in->vcap = cap;
	return true;
}

static bool room_for_claim(struct inputs *in)
{
	size_t cap = next_cap(in->nc, in->ccap);

	if (!cap)
		return true;
	if (!GROW(in->claims, cap) || !GROW(in->pvcs, cap) || !GROW(in->cfiles, cap) ||
	    !GROW(in->cr, cap))
		return in->incomplete = true, false;
	in->ccap = cap;
	return true;
}

static bool room_for_lost(struct inputs *in)
{
	size_t cap = next_cap(in->nlost, in->lostcap);

	if (cap && !GROW(in->lost, cap))
		return in->incomplete = true, false;
	in->lostcap = cap ? cap : in->lostcap;
	return true;
}

static bool room_for_gone(struct inputs *in)
{
	size_t cap = next_cap(in->ng, in->gcap);

	if (cap && !GROW(in->gone, cap))
		return in->incomplete = true, false;
	in->gcap = cap ? cap : in->gcap;
	return true;
}

/* S, owned by the inputs from now on; "" (and the view incomplete) when
 * S is NULL or there is no memory to keep it. */
static const char *keep(struct inputs *in, char *s)
{
	size_t cap = next_cap(in->nowned, in->ocap);

	if (!s || (cap && !GROW(in->owned, cap))) {
		free(s);
		in->incomplete = true;
		return "";
	}
	in->ocap = cap ? cap : in->ocap;
	return in->owned[in->nowned++] = s;
}

char *pv_storage_claim_key(const char *ns, const char *name)
{
	char *k = NULL;

	return asprintf(&k, "%s/%s", ns, name) < 0 ? NULL : k;
}

int64_t pv_storage_of(const pv_qtymap *m, const char **text)
{
	const struct pv_qtyval *q = pv_qtymap_get(m, "storage");

	if (q && text)
		*text = q->s;
	return q ? q->q.value : 0;
}

/* ---- gathering the binder's inputs ---- */

static void find_default_class(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct inputs *in = data;
	const pv_strmap *a = &o->obj->metadata.annotations;

	(void)f;
	for (size_t i = 0; i < a->n && !in->default_class; i++)
		if ((strcmp(a->items[i].key, DEFAULT_CLASS_ANN) == 0 ||
		     strcmp(a->items[i].key, "storageclass.beta.kubernetes.io/is-default-class") == 0) &&
		    strcmp(a->items[i].value, "true") == 0)
			in->default_class = o->obj->metadata.name.v;
}

static const struct pv_storageclass *class_get(const struct pv_daemon *d, const char *name)
{
	const struct pv_object *o = name && *name ? pv_desired_get(&d->desired, PV_KIND_STORAGECLASS,
								   NULL, name, NULL) : NULL;

	return o ? (const struct pv_storageclass *)o->obj : NULL;
}

static bool is_local_path(const struct pv_storageclass *c)
{
	return c && c->provisioner.v && (strcmp(c->provisioner.v, LOCAL_PATH) == 0 ||
					 strcmp(c->provisioner.v, "rancher.io/local-path") == 0);
}

static void spec_hash(const struct pv_object *o, char out[65])
{
	pv_pod_hash(o, out); /* the spec's: labels may change freely */
}

static void add_static(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct inputs *in = data;
	struct pv_storage *s = in->d->storage;
	const struct pv_pv *pv = (const struct pv_pv *)o->obj;
	const struct pv_claim_ref *cr = &pv->spec.claim_ref;
	struct pv_vrec *rec = pv_vrec_find(&s->recs, pv->h.metadata.name.v);
	const char *reserved = NULL;
	char hash[65];

	if (cr->hdr.set && cr->name.v)
		reserved = keep(in, pv_storage_claim_key(cr->namespace.v ? cr->namespace.v : "default", cr->name.v));
	if (!room_for_volume(in))
		return;
	if (rec && rec->provisioned)
		rec = NULL; /* never this manifest's: the binder refuses it */
	if (rec && rec->released && rec->hash) {
		spec_hash(o, hash);
		if (strcmp(hash, rec->hash) != 0) {
			/* edited or re-created: available again, as when an
			 * administrator clears a Released volume's claimRef */
			pv_vrec_remove(&s->recs, rec);
			rec = NULL;
			in->dirty = true;
		}
	}
	in->pvs[in->nv] = pv;
	in->vfiles[in->nv] = f;
	in->recs[in->nv] = rec;
	in->vols[in->nv++] = (struct pv_bvol){
		.name = pv->h.metadata.name.v,
		.capacity = pv_storage_of(&pv->spec.capacity, NULL),
		.modes = pv_access_modes(&pv->spec.access_modes),
		.class_name = pv->spec.storage_class_name.v ? pv->spec.storage_class_name.v : "",
		.block = pv->spec.volume_mode.v && strcmp(pv->spec.volume_mode.v, "Block") == 0,
		.labels = &pv->h.metadata.labels,
		.node_ok = !pv->spec.node_affinity.hdr.set ||
			   pv_node_selector_matches(in->d, &pv->spec.node_affinity.required),
		.reserved_for = reserved,
		.reclaim_delete = pv->spec.persistent_volume_reclaim_policy.v &&
				  strcmp(pv->spec.persistent_volume_reclaim_policy.v, "Delete") == 0,
	};
}

static void add_provisioned(struct inputs *in)
{
	struct pv_storage *s = in->d->storage;

	for (size_t i = 0; i < s->recs.n; i++) {
		struct pv_vrec *r = s->recs.v[i];

		if (!r->provisioned)
			continue;
		if (!room_for_volume(in))
			return;
		in->pvs[in->nv] = NULL;
		in->vfiles[in->nv] = NULL;
		in->recs[in->nv] = r;
		in->vols[in->nv++] = (struct pv_bvol){
			.name = r->name, .capacity = r->capacity_bytes, .modes = r->modes,
			.class_name = r->class_name ? r->class_name : "", .node_ok = true,
			.reclaim_delete = r->reclaim_delete, .provisioned = true,
		};
	}
}

/* Carry the persisted state onto the volumes. */
static void add_state(struct inputs *in)
{
	for (size_t i = 0; i < in->nv; i++) {
		struct pv_vrec *r = in->recs[i];

		if (!r)
			continue;
		in->vols[i].bound_to = r->claim;
		in->vols[i].released = r->released;
		in->vols[i].deleted = r->deleted;
		if (r->delete_failed)
			in->vols[i].reclaim_delete = false; /* asked once; Failed */
	}
}

bool pv_storage_pod_uses(const struct pv_pod_spec *spec, const char *claim)
{
	for (size_t i = 0; i < spec->volumes.n; i++) {
		const struct pv_pvc_vol *v = &spec->volumes.items[i].persistent_volume_claim;

		if (v->hdr.set && v->claim_name.v && strcmp(v->claim_name.v, claim) == 0)
			return true;
	}
	return false;
}

struct consumer {
	const char *ns, *name;
	bool found;
};

/* A wanted pod (from any source) that mounts the claim. */
static void find_consumer(const struct pv_wanted *w, struct consumer *c)
{
	for (size_t i = 0; i < w->n && !c->found; i++) {
		const struct pv_pod *pod = (const struct pv_pod *)w->v[i].obj->obj;

		if (strcmp(w->v[i].ns, c->ns) == 0)
			c->found = pv_storage_pod_uses(&pod->spec, c->name);
	}
}

static bool claim_running_pod(const struct pv_daemon *d, const char *ns, const char *name)
{
	struct pv_pod_view p;

	for (size_t it = 0; pv_pod_view_next(d, &it, &p);)
		if (strcmp(p.ns, ns) == 0 && p.spec && pv_storage_pod_uses(&p.spec->spec, name))
			return true;
	return false;
}

static bool volume_present(const struct inputs *in, const char *name)
{
	for (size_t i = 0; i < in->nv; i++)
		if (strcmp(in->vols[i].name, name) == 0)
			return true;
	return false;
}

/* The volume a persisted binding gives claim KEY, or NULL. */
static const char *bound_volume(const struct pv_storage *s, const char *key)
{
	for (size_t i = 0; i < s->recs.n; i++)
		if (s->recs.v[i]->claim && !s->recs.v[i]->released &&
		    strcmp(s->recs.v[i]->claim, key) == 0)
			return s->recs.v[i]->name;
	return NULL;
}

static void add_claim(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	struct inputs *in = data;
	const struct pv_pvc *c = (const struct pv_pvc *)o->obj;
	const char *ns = c->h.metadata.namespace.v, *name = c->h.metadata.name.v;
	const char *cls = c->spec.storage_class_name.v ? c->spec.storage_class_name.v
			  : in->default_class ? in->default_class : "";
	const struct pv_storageclass *sc = class_get(in->d, cls);
	struct consumer use = { .ns = ns, .name = name };
	const char *key = keep(in, pv_storage_claim_key(ns, name)), *vol;

	vol = bound_volume(in->d->storage, key);
	if (vol && !volume_present(in, vol)) {
		/* Lost, as Kubernetes says: kept out of the binder, so that it
		 * binds again only to its own volume when that comes back */
		if (!room_for_lost(in))
			return;
		in->lost[in->nlost].pvc = c;
		in->lost[in->nlost].file = f;
		in->lost[in->nlost].key = key;
		in->lost[in->nlost++].volume = vol;
		return;
	}
	if (!room_for_claim(in))
		return;
	find_consumer(&in->d->wanted, &use);
	in->pvcs[in->nc] = c;
	in->cfiles[in->nc] = f;
	in->claims[in->nc++] = (struct pv_bclaim){
		.key = key,
		.request = pv_storage_of(&c->spec.resources.requests, NULL),
		.modes = pv_access_modes(&c->spec.access_modes),
		.class_name = cls,
		.class_exists = sc != NULL,
		.wait_for_consumer = sc && sc->volume_binding_mode.v &&
				     strcmp(sc->volume_binding_mode.v, "WaitForFirstConsumer") == 0,
		.provisioner = is_local_path(sc),
		.block = c->spec.volume_mode.v && strcmp(c->spec.volume_mode.v, "Block") == 0,
		.volume_name = c->spec.volume_name.v,
		.selector = c->spec.selector.hdr.set ? &c->spec.selector : NULL,
		.has_consumer = use.found,
	};
}

static bool claim_present(const struct inputs *in, const char *key)
{
	for (size_t i = 0; i < in->nc; i++)
		if (strcmp(in->claims[i].key, key) == 0)
			return true;
	for (size_t i = 0; i < in->nlost; i++)
		if (strcmp(in->lost[i].key, key) == 0)
			return true;
	return false;
}

/* A claim missing because its manifest failed to load (a bad edit, or a
 * bad file at start-up) is not gone: its volume must not be released, let
 * alone deleted. Its file may have changed since it was bound, so any
 * file that has never loaded counts. */
static bool files_failed(const struct pv_daemon *d)
{
	for (size_t i = 0; i < d->desired.n; i++)
		if (d->desired.files[i]->failed && !d->desired.files[i]->good)
			return true;
	return false;
}

/* Whether R's missing claim must be taken as still there: a pod uses it,
 * the desired state may be incomplete (a manifest that failed to load,
 * the directory unreadable, no memory for the inputs), or it has been
 * missing for less than --claim-grace (a directory being re-synced; the
 * first moments after a restart). */
static bool claim_held(struct inputs *in, struct pv_vrec *r)
{
	cleanup_free char *ns = strdup(r->claim);
	char *slash = ns ? strchr(ns, '/') : NULL;
	int64_t now = pv_now_ms();

	if (!slash)
		return true;
	*slash = '\0';
	if (claim_running_pod(in->d, ns, slash + 1) || files_failed(in->d) || in->incomplete ||
	    access(in->d->manifests, R_OK | X_OK) < 0)
		return true;
	if (!r->gone_since)
		r->gone_since = now;
	if (now - r->gone_since >= in->d->claim_grace_ms)
		return false;
	pv_timer_arm(in->d->storage->timer, in->d->claim_grace_ms - (now - r->gone_since) + 10);
	return true;
}

/* Bindings whose claim is gone; records of static volumes gone with them. */
static void add_gone(struct inputs *in)
{
	struct pv_storage *s = in->d->storage;

	for (size_t i = s->recs.n; i-- > 0;) {
		struct pv_vrec *r = s->recs.v[i];
		bool bound = r->claim && !r->released;

		if (bound && claim_present(in, r->claim)) {
			r->gone_since = 0;
			continue;
		}
		if (!in->incomplete && !r->provisioned && !volume_present(in, r->name) &&
		    (!bound || !claim_held(in, r))) {
			pv_vrec_remove(&s->recs, r); /* nothing to remember */
			in->dirty = true;
			continue;
		}
		if (!bound || !room_for_gone(in))
			continue;
		in->gone[in->ng++] = (struct pv_bgone){ .key = r->claim, .in_use = claim_held(in, r) };
	}
}

/* The controllers' claims (node/wanted_claims.h: a StatefulSet's
 * volumeClaimTemplates), after the files': a file's claim of the same
 * name wins, and so takes the claim (and its volume) over. */
static void add_wanted_claims(struct inputs *in)
{
	const struct pv_wanted_claims *w = &in->d->wanted_claims;

	if (w->incomplete)
		in->incomplete = true;
	for (size_t i = 0; i < w->n; i++)
		if (!pv_desired_get(&in->d->desired, PV_KIND_PVC, w->v[i].ns, w->v[i].name, NULL))
			add_claim(in, NULL, w->v[i].obj);
}

static void gather(struct pv_daemon *d, struct inputs *in)
{
	in->d = d;
	pv_desired_each(&d->desired, PV_KIND_STORAGECLASS, find_default_class, in);
	pv_desired_each(&d->desired, PV_KIND_PV, add_static, in);
	add_provisioned(in);
	pv_desired_each(&d->desired, PV_KIND_PVC, add_claim, in);
	add_wanted_claims(in);
	add_gone(in);
	add_state(in);
}

/* Empty again for the next round, the arrays kept. */
static void inputs_reset(struct inputs *in)
{
	for (size_t i = 0; i < in->nowned; i++)
		free(in->owned[i]);
	in->nowned = in->nv = in->nc = in->nlost = in->ng = 0;
	in->default_class = NULL;
	in->dirty = in->incomplete = false;
}

static void inputs_free(struct inputs *in)
{
	inputs_reset(in);
	free(in->vols);
	free(in->pvs);
	free(in->vfiles);
	free(in->recs);
	free(in->vr);
	free(in->claims);
	free(in->pvcs);
	free(in->cfiles);
	free(in->cr);
	free(in->lost);
	free(in->gone);
	free(in->owned);
	free(in);
}

/* ---- carrying out the binder's decisions ---- */

static void new_volume_name(char out[48])
{
	unsigned char b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xFF);
	snprintf(out, 48, "pvc-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* A name no volume, provisioned or in the manifests, has yet. */
static bool volume_name_taken(struct pv_daemon *d, const char *name)
{
	return pv_vrec_find(&d->storage->recs, name) ||
	       pv_desired_get(&d->desired, PV_KIND_PV, NULL, name, NULL);
}

static void volume_event(struct pv_daemon *d, const char *name, bool warn, const char *reason,
			 const char *msg)
{
	char object[600];

	snprintf(object, sizeof(object), "persistentvolume/%s", name);
	pv_daemon_event(d, object, warn, reason, "%s", msg);
}

/* A directory per claim under --local-path-root, named as k3s'
 * local-path-provisioner names them: <volume>_<namespace>_<claim>. */
static int provision(struct inputs *in, size_t ci, struct pv_err *err)
{
	struct pv_daemon *d = in->d;
	const struct pv_bclaim *c = &in->claims[ci];
	const struct pv_pvc *pvc = in->pvcs[ci];
	const struct pv_storageclass *sc = class_get(d, c->class_name);
	const char *text = "0";
	cleanup_free char *path = NULL;
	struct pv_vrec *r;
	char name[48], object[600];

	do
		new_volume_name(name);
	while (volume_name_taken(d, name));
	pv_storage_of(&pvc->spec.resources.requests, &text);
	if (asprintf(&path, "%s/%s_%s_%s", d->local_path_root, name, pvc->h.metadata.namespace.v,
		     pvc->h.metadata.name.v) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	/* any container user may write, as with k3s; the message names no
	 * (random) volume, so that a retry that fails alike is no new event */
	if (pv_mkdir_p(path, 0755, err) < 0 || chmod(path, 0777) < 0) {
		int e = err->code ? err->code : errno;

		rmdir(path);
		return pv_err_set(err, e, "cannot make a volume's directory under --local-path-root "
				  "%s: %s", d->local_path_root, strerror(e));
	}
	if (!(r = pv_vrec_add(&d->storage->recs, name)))
		return pv_err_set(err, ENOMEM, "out of memory");
	r->provisioned = true;
	r->claim = strdup(c->key);
	r->claim_file = in->cfiles[ci] ? strdup(in->cfiles[ci]->path) : NULL;
	r->path = steal_pointer(&path);
	r->class_name = strdup(c->class_name);
	r->capacity = strdup(text);
	r->capacity_bytes = c->request;
	r->modes = c->modes;
	r->created = time(NULL);
	r->reclaim_delete = !sc || !sc->reclaim_policy.v || strcmp(sc->reclaim_policy.v, "Retain") != 0;
	snprintf(object, sizeof(object), "persistentvolumeclaim/%s", c->key);
	pv_daemon_event(d, object, false, "ProvisioningSucceeded",
			"successfully provisioned volume %s at %s", name, r->path);
	return 0;
}

static bool beneath(const char *root, const char *path)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return strncmp(root, path, n) == 0 && path[n] == '/' && path[n + 1];
}

/* rm -rf REAL, strictly beneath ROOT (beneath() said so), through fds
 * resolved inside ROOT (volumes/rmtree.c): a symlink swapped in since the
 * checks cannot lead out of ROOT. EXPECT: what REAL was when checked. */
static int remove_beneath(const char *root, const char *real, const struct stat *expect,
			  struct pv_err *err)
{
	cleanup_close int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (fd < 0)
		return errno == ENOENT && !expect ? 0 : pv_err_sys(err, errno, "%s", root);
	if (pv_rmtree_beneath(fd, real + n + 1, expect, err) < 0)
		return pv_err_wrap(err, "under %.*s", (int)n, root);
	return 0;
}

const char *pv_storage_static_path(const struct pv_pv *pv)
{
	return pv->spec.host_path.hdr.set ? pv->spec.host_path.path.v
	       : pv->spec.local.hdr.set ? pv->spec.local.path.v : NULL;
}

static bool overlaps(const char *a, const char *b)
{
	return !strcmp(a, b) || beneath(a, b) || beneath(b, a);
}

/* Another volume, or the local-path root, at, above or below REAL. */
static const char *shared_with(struct inputs *in, size_t vi, const char *real)
{
	struct pv_daemon *d = in->d;
	cleanup_free char *root = realpath(d->local_path_root, NULL);

	if (root && overlaps(root, real))
		return "--local-path-root";
	for (size_t i = 0; i < in->nv; i++) {
		const char *p = in->pvs[i] ? pv_storage_static_path(in->pvs[i]) : in->recs[i] ? in->recs[i]->path
											  : NULL;
		cleanup_free char *other = i != vi && p ? realpath(p, NULL) : NULL;

		if (other && overlaps(other, real))
			return in->vols[i].name;
	}
	return NULL;
}

/* reclaimPolicy Delete of a static volume: only strictly beneath one of
 * the node's --host-path-allow prefixes (never under the deny list
 * alone), and never a directory another volume shares. */
static int delete_static(struct inputs *in, size_t vi, struct pv_err *err)
{
	struct pv_daemon *d = in->d;
	struct pv_hostpath_policy pol = { .allow = d->host_path_allow, .nallow = d->nhost_path_allow,
					  .state_dir = d->state };
	const char *path = pv_storage_static_path(in->pvs[vi]), *other;
	cleanup_free char *real = path ? realpath(path, NULL) : NULL;
	cleanup_free char *below = NULL; /* the allowed prefix it is under */
	struct stat st;

	if (!path)
		return pv_err_set(err, EINVAL, "no hostPath or local path to delete");
	if (!real || lstat(real, &st) < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", path);
	for (size_t i = 0; i < d->nhost_path_allow && !below; i++) {
		cleanup_free char *prefix = realpath(d->host_path_allow[i], NULL);

		if (prefix && beneath(prefix, real))
			below = steal_pointer(&prefix);
	}
	if (!below)
		return pv_err_set(err, EPERM, "%s: podvisor deletes a volume's data only strictly "
				  "under a --host-path-allow prefix%s", real,
				  d->nhost_path_allow ? "" : ", and none is given");
	if (pv_hostpath_allowed(&pol, real, err) < 0)
		return -1;
	if ((other = shared_with(in, vi, real)))
		return pv_err_set(err, EBUSY, "%s: not deleted: %s uses the same directory tree",
				  real, other);
	return remove_beneath(below, real, &st, err);
}

static void reclaim(struct inputs *in, size_t vi)
{
	struct pv_daemon *d = in->d;
	struct pv_vrec *r = in->recs[vi];
	struct pv_err err = { 0 };
	int rc;

	if (r->provisioned)
		rc = beneath(d->local_path_root, r->path)
			? remove_beneath(d->local_path_root, r->path, NULL, &err)
			: pv_err_set(&err, EPERM, "%s is not under --local-path-root %s", r->path,
				     d->local_path_root);
	else
		rc = delete_static(in, vi, &err);
	if (rc < 0) {
		pv_vrec_set(&r->delete_failed, err.msg);
		volume_event(d, r->name, true, "VolumeFailedDelete", err.msg);
		return;
	}
	volume_event(d, r->name, false, "VolumeDeleted", r->provisioned
		     ? "its claim was deleted: the directory and the volume are removed"
		     : "its claim was deleted: the data is removed (reclaimPolicy Delete)");
	in->recs[vi] = NULL;
	if (r->provisioned)
		pv_vrec_remove(&d->storage->recs, r); /* the volume goes with its data */
	else
		r->deleted = true;
}

static const char *claim_file(const struct inputs *in, const char *key)
{
	for (size_t i = 0; i < in->nc; i++)
		if (strcmp(in->claims[i].key, key) == 0)
			return in->cfiles[i] ? in->cfiles[i]->path : NULL;
	return NULL;
}

static void apply_volume(struct inputs *in, size_t i, bool *again)
{
	const struct pv_vol_result *vr = &in->vr[i];
	struct pv_vrec *r = in->recs[i];
	char hash[65];

	if (vr->refused)
		return; /* a manifest named like a provisioned volume: nothing of it is kept */
	if (vr->phase == PV_VOL_BOUND && vr->claim && r && r->claim && !strcmp(r->claim, vr->claim) &&
	    claim_file(in, vr->claim) && pv_vrec_set(&r->claim_file, claim_file(in, vr->claim)))
		in->dirty = true; /* the claim moved to another file */
	if (vr->phase == PV_VOL_BOUND && vr->claim && (!r || !r->claim || strcmp(r->claim, vr->claim))) {
		if (!r && !(r = in->recs[i] = pv_vrec_add(&in->d->storage->recs, in->vols[i].name)))
			return;
		pv_vrec_set(&r->claim, vr->claim);
		pv_vrec_set(&r->claim_file, claim_file(in, vr->claim));
		in->dirty = true;
	}
	if (vr->phase == PV_VOL_RELEASED && r && !r->released) {
		r->released = true;
		if (in->pvs[i]) {
			const struct pv_object *o = pv_desired_get(&in->d->desired, PV_KIND_PV, NULL,
								   r->name, NULL);

			if (o)
				spec_hash(o, hash), pv_vrec_set(&r->hash, hash);
		}
		in->dirty = true;
	}
	if (vr->action == PV_BIND_DELETE && r) {
		reclaim(in, i);
		in->dirty = *again = true;
	}
}

static bool apply(struct inputs *in)
{
	struct pv_storage *s = in->d->storage;
	bool again = false;

	for (size_t i = 0; i < in->nv; i++)
		apply_volume(in, i, &again);
	for (size_t i = 0; i < in->nc; i++) {
		struct pv_err err = { 0 };

		if (in->cr[i].action != PV_BIND_PROVISION)
			continue;
		if (provision(in, i, &err) == 0) {
			json_object_object_del(s->failed, in->claims[i].key);
			in->dirty = again = true;
		} else {
			json_object_object_add(s->failed, in->claims[i].key,
					       json_object_new_string(err.msg));
		}
	}
	return again;
}

void pv_storage_sync(struct pv_daemon *d)
{
	struct pv_storage *s = d->storage;
	struct inputs *in = s ? calloc(1, sizeof(*in)) : NULL;
	struct pv_err err = { 0 };
	bool dirty = false;

	if (!in)
		return;
	for (int round = 0; round < 6; round++) {
		inputs_reset(in);
		gather(d, in);
		if (in->incomplete)
			break;
		pv_bind(in->vols, in->nv, in->claims, in->nc, in->gone, in->ng, in->cr, in->vr);
		/* the last round only looks: what it would do waits for the next sync */
		if (round == 5 || !apply(in))
			break;
		dirty |= in->dirty;
	}
	dirty |= in->dirty;
	if (in->incomplete) /* nothing bound, released or deleted on a partial view */
		pv_warn("storage: the volumes and claims are not all known (out of memory, or "
			"a controller's claims unknown: see the warnings above); nothing is done "
			"until the next pass");
	else
		pv_storage_publish(in);
	if (dirty && pv_vrecs_save(&s->recs, s->path, &err) < 0)
		pv_warn("storage: %s", err.msg);
	inputs_free(in);
}

/* ---- for pods ---- */

static char *static_volume_dir(struct pv_daemon *d, const char *volume, struct pv_err *err)
{
	const struct pv_object *o = pv_desired_get(&d->desired, PV_KIND_PV, NULL, volume, NULL);
	const struct pv_pv *pv = o ? (const struct pv_pv *)o->obj : NULL;
	struct pv_hostpath_policy pol = { .allow = d->host_path_allow, .nallow = d->nhost_path_allow,
					  .state_dir = d->state };
	char *real;

	if (!pv)
		return pv_err_set(err, ENOENT, "persistentvolume \"%s\" not found", volume), NULL;
	if (pv->spec.host_path.hdr.set)
		real = pv_hostpath_prepare(&pol, pv->spec.host_path.path.v, pv->spec.host_path.type.v, err);
	else if (pv->spec.local.hdr.set)
		real = pv_hostpath_prepare(&pol, pv->spec.local.path.v, "Directory", err);
	else
		return pv_err_set(err, ENOTSUP, "podvisor cannot mount %s volumes",
				  pv->spec.unsupported.v ? pv->spec.unsupported.v : "these"), NULL;
	if (!real)
		pv_err_wrap(err, "persistentvolume \"%s\"", volume);
	return real;
}

char *pv_storage_claim_path(struct pv_daemon *d, const char *ns, const char *claim,
			    struct pv_err *err)
{
	struct pv_storage *s = d->storage;
	struct json_object *c = s ? pv_storage_find_item(s->claims, ns, claim) : NULL;
	const char *vol = c ? pv_json_str(c, "volume", "") : "";
	struct pv_vrec *r;
	char *real;

	if (!c) {
		/* deleted while this pod uses it: its volume stays until the pod goes */
		cleanup_free char *key = pv_storage_claim_key(ns, claim);

		for (size_t i = 0; key && s && i < s->recs.n; i++)
			if (s->recs.v[i]->claim && !s->recs.v[i]->released &&
			    !strcmp(s->recs.v[i]->claim, key))
				return s->recs.v[i]->provisioned ? realpath(s->recs.v[i]->path, NULL)
								 : static_volume_dir(d, s->recs.v[i]->name, err);
		return pv_err_set(err, ENOENT, "persistentvolumeclaim \"%s\" not found", claim), NULL;
	}
	if (strcmp(pv_json_str(c, "status", ""), "Bound") != 0)
		return pv_err_set(err, EAGAIN, "persistentvolumeclaim \"%s\" is %s: %s", claim,
				  pv_json_str(c, "status", ""), pv_json_str(c, "message", "")), NULL;
	r = pv_vrec_find(&s->recs, vol);
	if (!r || !r->provisioned)
		return static_volume_dir(d, vol, err);
	if (!(real = realpath(r->path, NULL)))
		pv_err_sys(err, errno, "persistentvolume \"%s\": %s", vol, r->path);
	return real;
}

struct json_object *pv_storage_json(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct pv_storage *s = d->storage;

	json_object_object_add(o, "volumes", s && s->vols ? json_object_get(s->vols)
							  : json_object_new_array());
	json_object_object_add(o, "claims", s && s->claims ? json_object_get(s->claims)
							   : json_object_new_array());
	return o;
}

static void storage_timer_fired(void *data)
{
	pv_daemon_kick(data);
}

struct pv_storage *pv_storage_new(struct pv_daemon *d, struct pv_err *err)
{
	struct pv_storage *s = calloc(1, sizeof(*s));

	if (!s || asprintf(&s->path, "%s/volumes.json", d->state) < 0 ||
	    !(s->failed = json_object_new_object()) || !(s->refused = json_object_new_object())) {
		free(s);
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	}
	s->timer = pv_timer_new(d->loop, storage_timer_fired, d);
	if (pv_vrecs_load(&s->recs, s->path, err) < 0) {
		pv_storage_free(s);
		return NULL;
	}
	return s;
}

void pv_storage_free(struct pv_storage *s)
{
	if (!s)
		return;
	pv_vrecs_free(&s->recs);
	if (s->timer)
		pv_timer_free(s->timer);
	json_object_put(s->vols);
	json_object_put(s->claims);
	json_object_put(s->failed);
	json_object_put(s->refused);
	free(s->path);
	free(s);
}
