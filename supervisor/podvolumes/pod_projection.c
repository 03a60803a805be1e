#include "supervisor/podvolumes/pod_projection.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "supervisor/node/node.h"
#include "supervisor/source/desired.h"
#include "supervisor/runtime/downward.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/node/pod.h"
#include "volumes/atomic_writer.h"

/* Where a ConfigMap's or Secret's keys are: PLAIN values as written,
 * B64 values base64-encoded. PLAIN wins for a key in both (a Secret's
 * stringData over its data, as the API server merges them). */
struct keysrc {
	const pv_strmap *plain, *b64;
};

static const struct pv_kv *kv_find(const pv_strmap *m, const char *key)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return &m->items[i];
	return NULL;
}

/* Add KEY's value as PATH; 0 when the key is absent (*FOUND false). */
static int add_key(struct pv_payload *pl, const struct keysrc *src, const char *key,
		   const char *path, mode_t mode, bool *found, struct pv_err *err)
{
	const struct pv_kv *kv = kv_find(src->plain, key);
	cleanup_free unsigned char *bin = NULL;
	size_t len;

	*found = true;
	if (kv)
		return pv_payload_add(pl, path, kv->value, strlen(kv->value), mode, err);
	if (!(kv = kv_find(src->b64, key)))
		return *found = false, 0;
	if (!(bin = pv_base64_decode(kv->value, &len)))
		return pv_err_set(err, EINVAL, "key %s: not base64", key);
	return pv_payload_add(pl, path, bin, len, mode, err);
}

/* Every key of SRC, each as a file of its own name. */
static int add_all_keys(struct pv_payload *pl, const struct keysrc *src, mode_t mode,
			struct pv_err *err)
{
	const pv_strmap *maps[2] = { src->plain, src->b64 };
	bool found;

	for (size_t m = 0; m < 2; m++)
		for (size_t i = 0; maps[m] && i < maps[m]->n; i++) {
			const char *key = maps[m]->items[i].key;

			if (m == 1 && kv_find(src->plain, key))
				continue;
			if (add_key(pl, src, key, key, mode, &found, err) < 0)
				return -1;
		}
	return 0;
}

/* A configMap or secret source: NAME in the pod's namespace, its ITEMS
 * (all keys when none), DEFMODE unless an item says otherwise. */
static int add_object(struct pv_prt *p, bool secret, const char *name,
		      const struct pv_key_to_path *items, size_t nitems, mode_t defmode,
		      bool optional, struct pv_payload *pl, struct pv_err *err)
{
	const struct pv_object *o = pv_desired_get(&p->d->desired,
						   secret ? PV_KIND_SECRET : PV_KIND_CONFIGMAP,
						   p->ns, name, NULL);
	const char *what = secret ? "secret" : "configmap";
	struct keysrc src;
	bool found;

	if (!o) {
		/* Every namespace of a cluster has this one; a pod exported from
		 * a cluster asks for it in its kube-api-access volume. */
		if (optional || (!secret && strcmp(name, "kube-root-ca.crt") == 0))
			return 0;
		return pv_err_set(err, ENOENT, "%s \"%s\" not found", what, name);
	}
	if (secret) {
		const struct pv_secret *s = (const struct pv_secret *)o->obj;

		src = (struct keysrc){ .plain = &s->string_data, .b64 = &s->data };
	} else {
		const struct pv_configmap *c = (const struct pv_configmap *)o->obj;

		src = (struct keysrc){ .plain = &c->data, .b64 = &c->binary_data };
	}
	if (!nitems)
		return add_all_keys(pl, &src, defmode, err) < 0 ? pv_err_wrap(err, "%s \"%s\"", what,
									     name) : 0;
	for (size_t i = 0; i < nitems; i++) {
		const struct pv_key_to_path *it = &items[i];
		mode_t mode = it->mode.set ? (mode_t)it->mode.v : defmode;

		if (add_key(pl, &src, it->key.v, it->path.v, mode, &found, err) < 0)
			return pv_err_wrap(err, "%s \"%s\"", what, name);
		if (!found && !optional)
			return pv_err_set(err, ENOENT, "%s \"%s\" has no key \"%s\"", what, name,
					  it->key.v);
	}
	return 0;
}

/* The Pod as it is now: labels and annotations change without a restart
 * (they are not in the spec hash), and the files follow them. */
static const struct pv_pod *current_pod(const struct pv_prt *p)
{
	const struct pv_object *o = pv_desired_get(&p->d->desired, PV_KIND_POD, p->ns, p->name, NULL);
	char hash[65];

	if (!o)
		return p->spec;
	pv_pod_hash(o, hash);
	return strcmp(hash, p->hash) == 0 ? (const struct pv_pod *)o->obj : p->spec;
}

static int add_downward(struct pv_prt *p, const struct pv_downward_vol *dv, mode_t defmode,
			struct pv_payload *pl, struct pv_err *err)
{
	struct pv_downward_ctx ctx = { .pod = current_pod(p), .pod_uid = p->uid,
				       .node_name = p->d->node_name, .pod_ip = pv_pod_ip(p),
				       .host_ip = p->d->node_ip };

	for (size_t i = 0; i < dv->items.n; i++) {
		const struct pv_downward_file *f = &dv->items.items[i];
		mode_t mode = f->mode.set ? (mode_t)f->mode.v : defmode;
		cleanup_free char *val = f->field_ref.hdr.set
			? pv_downward_field(&ctx, f->field_ref.field_path.v, true, err)
			: pv_downward_resource(&ctx, &f->resource_field_ref, NULL, err);

		if (!val || pv_payload_add(pl, f->path.v, val, strlen(val), mode, err) < 0)
			return pv_err_wrap(err, "downwardAPI %s", f->path.v);
	}
	return 0;
}

static mode_t mode_of(const struct pv_int *m)
{
	return m->set ? (mode_t)m->v : 0644;
}

static int add_projection(struct pv_prt *p, const struct pv_projection *s, mode_t defmode,
			  struct pv_payload *pl, struct pv_err *err)
{
	if (s->config_map.hdr.set)
		return add_object(p, false, s->config_map.name.v, s->config_map.items.items,
				  s->config_map.items.n, defmode, s->config_map.optional.v, pl, err);
	if (s->secret.hdr.set)
		return add_object(p, true, s->secret.secret_name.v, s->secret.items.items,
				  s->secret.items.n, defmode, s->secret.optional.v, pl, err);
	if (s->downward_api.hdr.set)
		return add_downward(p, &s->downward_api, defmode, pl, err);
	return 0; /* serviceAccountToken: there is no API server to issue one */
}

static int build_payload(struct pv_prt *p, const struct pv_volume *v, struct pv_payload *pl,
			 struct pv_err *err)
{
	if (v->config_map.hdr.set)
		return add_object(p, false, v->config_map.name.v, v->config_map.items.items,
				  v->config_map.items.n, mode_of(&v->config_map.default_mode),
				  v->config_map.optional.v, pl, err);
	if (v->secret.hdr.set)
		return add_object(p, true, v->secret.secret_name.v, v->secret.items.items,
				  v->secret.items.n, mode_of(&v->secret.default_mode),
				  v->secret.optional.v, pl, err);
	if (v->downward_api.hdr.set)
		return add_downward(p, &v->downward_api, mode_of(&v->downward_api.default_mode), pl,
				    err);
	for (size_t i = 0; i < v->projected.sources.n; i++)
		if (add_projection(p, &v->projected.sources.items[i],
				   mode_of(&v->projected.default_mode), pl, err) < 0)
			return -1;
	return 0;
}

bool pv_projection_kind(const struct pv_volume *v)
{
	return v->config_map.hdr.set || v->secret.hdr.set || v->downward_api.hdr.set ||
	       v->projected.hdr.set;
}

static char *volume_dir(const struct pv_prt *p, const struct pv_volume *v)
{
	char *dir = NULL;

	return asprintf(&dir, "%s/volumes/%s", p->dir, v->name.v) < 0 ? NULL : dir;
}

static gid_t fs_group(const struct pv_prt *p)
{
	const struct pv_int *g = &p->spec->spec.security_context.fs_group;

	return g->set ? (gid_t)g->v : (gid_t)-1;
}

/* Write V's files into DIR: 1 written, 0 unchanged, -1 with ERR. */
static int project(struct pv_prt *p, const struct pv_volume *v, const char *dir,
		   struct pv_err *err)
{
	struct pv_payload pl = { 0 };
	int rc = build_payload(p, v, &pl, err);

	if (rc == 0)
		rc = pv_atomic_write(dir, &pl, fs_group(p), err);
	pv_payload_free(&pl);
	return rc;
}

char *pv_projection_setup(struct pv_prt *p, const struct pv_volume *v, struct pv_err *err)
{
	cleanup_free char *dir = volume_dir(p, v);

	if (!dir)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (pv_mkdir_p(dir, 0755, err) < 0)
		return NULL;
	/* Secrets never touch the disk; projected volumes may hold them. */
	if ((v->secret.hdr.set || v->projected.hdr.set) &&
	    pv_tmpfs_once(dir, "mode=0755", err) < 0)
		return NULL;
	if (project(p, v, dir, err) < 0)
		return NULL;
	return realpath(dir, NULL);
}

void pv_projection_refresh(struct pv_prt *p)
{
	for (size_t i = 0; p->dir && p->spec && i < p->spec->spec.volumes.n; i++) {
		const struct pv_volume *v = &p->spec->spec.volumes.items[i];
		cleanup_free char *dir = NULL, *data = NULL;
		struct pv_err err = { 0 };
		struct stat st;
		int rc;

		if (!pv_projection_kind(v) || !(dir = volume_dir(p, v)) ||
		    asprintf(&data, "%s/..data", dir) < 0 || lstat(data, &st) < 0)
			continue; /* not set up yet: its container's start will */
		rc = project(p, v, dir, &err);
		if (rc > 0)
			pv_info("pod %s/%s: volume %s updated", p->ns, p->name, v->name.v);
		else if (rc < 0)
			pv_warn("pod %s/%s: volume %s keeps its files: %s", p->ns, p->name,
				v->name.v, err.msg);
	}
}
