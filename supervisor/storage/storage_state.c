#include "supervisor/storage/storage_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"

struct pv_vrec *pv_vrec_find(const struct pv_vrecs *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->name, name) == 0)
			return r->v[i];
	return NULL;
}

#define VRECS_CAP0 16 /* records at first; doubled as needed */

struct pv_vrec *pv_vrec_add(struct pv_vrecs *r, const char *name)
{
	struct pv_vrec *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : VRECS_CAP0;
		struct pv_vrec **v = reallocarray(r->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		return NULL;
	}
	r->v[r->n++] = e;
	return e;
}

static void vrec_free(struct pv_vrec *e)
{
	free(e->name);
	free(e->claim);
	free(e->claim_file);
	free(e->hash);
	free(e->delete_failed);
	free(e->path);
	free(e->class_name);
	free(e->capacity);
	free(e);
}

void pv_vrec_remove(struct pv_vrecs *r, struct pv_vrec *v)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i] != v)
			continue;
		vrec_free(v);
		memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
		r->n--;
		return;
	}
}

void pv_vrecs_free(struct pv_vrecs *r)
{
	for (size_t i = 0; i < r->n; i++)
		vrec_free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

bool pv_vrec_set(char **p, const char *s)
{
	if ((!*p && !s) || (*p && s && strcmp(*p, s) == 0))
		return false;
	free(*p);
	*p = s ? strdup(s) : NULL;
	return true;
}

static char *opt_str(struct json_object *o, const char *k)
{
	const char *s = pv_json_str(o, k, NULL);

	return s ? strdup(s) : NULL;
}

static bool get_bool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

int pv_vrecs_load(struct pv_vrecs *r, const char *path, struct pv_err *err)
{
	struct json_object *j = pv_read_json(path, err), *a;

	if (!j)
		return err->code == ENOENT ? (memset(err, 0, sizeof(*err)), 0) : -1;
	if (!json_object_object_get_ex(j, "volumes", &a) || !json_object_is_type(a, json_type_array)) {
		json_object_put(j);
		return pv_err_set(err, EINVAL, "%s: no \"volumes\" list", path);
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *name = pv_json_str(o, "name", NULL);
		struct pv_vrec *e = name && !pv_vrec_find(r, name) ? pv_vrec_add(r, name) : NULL;

		if (!e)
			continue;
		e->claim = opt_str(o, "claim");
		e->claim_file = opt_str(o, "claimFile");
		e->released = get_bool(o, "released");
		e->deleted = get_bool(o, "deleted");
		e->hash = opt_str(o, "hash");
		e->delete_failed = opt_str(o, "deleteFailed");
		e->provisioned = get_bool(o, "provisioned");
		e->path = opt_str(o, "path");
		e->class_name = opt_str(o, "storageClass");
		e->capacity = opt_str(o, "capacity");
		e->capacity_bytes = pv_json_int(o, "capacityBytes");
		e->created = pv_json_int(o, "created");
		e->modes = (unsigned)pv_json_int(o, "accessModes");
		e->reclaim_delete = get_bool(o, "reclaimDelete");
	}
	json_object_put(j);
	return 0;
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void put_bool(struct json_object *o, const char *k, bool v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_boolean(v));
}

int pv_vrecs_save(const struct pv_vrecs *r, const char *path, struct pv_err *err)
{
	struct json_object *j = json_object_new_object(), *a = json_object_new_array();
	int rc;

	for (size_t i = 0; i < r->n; i++) {
		const struct pv_vrec *e = r->v[i];
		struct json_object *o = json_object_new_object();

		put_str(o, "name", e->name);
		put_str(o, "claim", e->claim);
		put_str(o, "claimFile", e->claim_file);
		put_bool(o, "released", e->released);
		put_bool(o, "deleted", e->deleted);
		put_str(o, "hash", e->hash);
		put_str(o, "deleteFailed", e->delete_failed);
		put_bool(o, "provisioned", e->provisioned);
		put_str(o, "path", e->path);
		put_str(o, "storageClass", e->class_name);
		put_str(o, "capacity", e->capacity);
		if (e->provisioned) {
			json_object_object_add(o, "capacityBytes", json_object_new_int64(e->capacity_bytes));
			json_object_object_add(o, "created", json_object_new_int64(e->created));
			json_object_object_add(o, "accessModes", json_object_new_int64(e->modes));
		}
		put_bool(o, "reclaimDelete", e->reclaim_delete);
		json_object_array_add(a, o);
	}
	json_object_object_add(j, "volumes", a);
	rc = pv_write_json_atomic(path, j, err);
	json_object_put(j);
	return rc;
}
