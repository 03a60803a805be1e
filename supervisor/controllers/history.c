/* A Deployment's revision history (history.h): numbering and pruning as
 * Kubernetes' deployment controller does them (sync.go:
 * getNewReplicaSet, cleanupDeployment), and its JSON file in the state
 * directory. Calls: core (fsutil, jsonx), common. */
#include "supervisor/controllers/history.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"

static void revision_free(struct pv_revision *r)
{
	free(r->change_cause);
	if (r->tmpl)
		json_object_put(r->tmpl);
}

void pv_history_free(struct pv_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		revision_free(&h->v[i]);
	pv_vec_free(h->v, h->n, h->cap);
	h->dirty = false;
}

struct pv_revision *pv_history_by_hash(const struct pv_history *h, const char *hash)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].hash, hash))
			return &h->v[i];
	return NULL;
}

struct pv_revision *pv_history_by_number(const struct pv_history *h, int64_t number)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].number == number)
			return &h->v[i];
	return NULL;
}

int64_t pv_history_max(const struct pv_history *h)
{
	int64_t m = 0;

	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].number > m)
			m = h->v[i].number;
	return m;
}

static int set_cause(struct pv_history *h, struct pv_revision *r, const char *cause)
{
	char *c;

	if (!cause || (r->change_cause && !strcmp(r->change_cause, cause)))
		return 0;
	c = strdup(cause);
	if (!c)
		return -1;
	free(r->change_cause);
	r->change_cause = c;
	h->dirty = true;
	return 0;
}

struct pv_revision *pv_history_record(struct pv_history *h, const char *hash,
				      struct json_object *tmpl, const char *cause)
{
	struct pv_revision *r = pv_history_by_hash(h, hash);
	int64_t max = pv_history_max(h);

	if (r) {
		if (r->number != max) { /* back to an older template: it is the newest now */
			r->number = max + 1;
			h->dirty = true;
		}
		return set_cause(h, r, cause) < 0 ? NULL : r;
	}
	if (pv_vec_reserve(h->v, h->n, h->cap, 1) < 0)
		return NULL;
	r = &h->v[h->n];
	*r = (struct pv_revision){ .number = max + 1, .tmpl = json_object_get(tmpl) };
	snprintf(r->hash, sizeof(r->hash), "%s", hash);
	if (cause && !(r->change_cause = strdup(cause))) {
		revision_free(r);
		return NULL;
	}
	h->n++;
	h->dirty = true;
	return r;
}

struct pv_revision *pv_history_previous(const struct pv_history *h)
{
	int64_t max = pv_history_max(h);
	struct pv_revision *best = NULL;

	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].number < max && (!best || h->v[i].number > best->number))
			best = &h->v[i];
	return best;
}

static int by_number(const void *a, const void *b)
{
	const struct pv_revision *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

void pv_history_sort(struct pv_history *h)
{
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), by_number);
}

size_t pv_history_prune(struct pv_history *h, int64_t limit,
			bool (*alive)(void *data, const char *hash), void *data)
{
	size_t old, dropped = 0, k = 0;

	if (limit < 0)
		limit = 0;
	pv_history_sort(h);
	old = h->n ? h->n - 1 : 0; /* the newest is the current one */
	for (size_t i = 0; i < h->n; i++) {
		bool is_old = i + 1 < h->n;
		bool over = is_old && old - dropped > (size_t)limit;

		if (over && !(alive && alive(data, h->v[i].hash))) {
			revision_free(&h->v[i]);
			dropped++;
			continue;
		}
		h->v[k++] = h->v[i];
	}
	h->n = k;
	if (dropped)
		h->dirty = true;
	return dropped;
}

struct json_object *pv_history_json(struct pv_history *h)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		return NULL;
	}
	pv_history_sort(h);
	for (size_t i = 0; i < h->n; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "revision", json_object_new_int64(h->v[i].number));
		json_object_object_add(e, "podTemplateHash", json_object_new_string(h->v[i].hash));
		if (h->v[i].change_cause)
			json_object_object_add(e, "changeCause",
					       json_object_new_string(h->v[i].change_cause));
		json_object_object_add(e, "template", json_object_get(h->v[i].tmpl));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "revisions", a);
	return o;
}

int pv_history_from_json(struct pv_history *h, struct json_object *j)
{
	struct json_object *a = json_object_object_get(j, "revisions");

	if (!json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const char *hash = pv_json_str(e, "podTemplateHash", NULL);
		const char *cause = pv_json_str(e, "changeCause", NULL);
		struct json_object *tmpl = json_object_object_get(e, "template");
		int64_t n = pv_json_int(e, "revision");
		struct pv_revision r = { .number = n };

		if (!hash || strlen(hash) != 10 || n <= 0 || !tmpl || pv_history_by_number(h, n) ||
		    pv_history_by_hash(h, hash))
			return -1;
		memcpy(r.hash, hash, 11);
		r.tmpl = json_object_get(tmpl);
		if ((cause && !(r.change_cause = strdup(cause))) ||
		    pv_vec_push(h->v, h->n, h->cap, r) < 0) {
			revision_free(&r);
			return -1;
		}
	}
	h->dirty = false;
	return 0;
}

static char *history_path(const char *state, const char *ns, const char *name)
{
	char *p = NULL;

	/* a namespace has no dot (a DNS label): NS.NAME is unambiguous */
	return asprintf(&p, "%s/rollouts/%s.%s.json", state, ns, name) < 0 ? NULL : p;
}

int pv_history_load(struct pv_history *h, const char *state, const char *ns, const char *name,
		    struct pv_err *err)
{
	cleanup_free char *path = history_path(state, ns, name);
	struct json_object *j;
	struct pv_err e = { 0 };
	int rc;

	if (!path)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (access(path, F_OK) < 0)
		return 0;
	j = pv_read_json(path, &e);
	if (!j)
		return pv_err_set(err, e.code ? e.code : EINVAL, "%s: %s", path, e.msg);
	rc = pv_history_from_json(h, j);
	json_object_put(j);
	if (rc < 0) {
		pv_history_free(h);
		return pv_err_set(err, EINVAL, "%s: not a revision history", path);
	}
	return 0;
}

int pv_history_save(struct pv_history *h, const char *state, const char *ns, const char *name,
		    struct pv_err *err)
{
	cleanup_free char *path = history_path(state, ns, name);
	cleanup_free char *dir = NULL;
	struct json_object *j;
	int rc;

	if (!h->dirty)
		return 0;
	if (!path || asprintf(&dir, "%s/rollouts", state) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (pv_mkdir_p(dir, 0700, err) < 0)
		return -1;
	j = pv_history_json(h);
	if (!j)
		return pv_err_set(err, ENOMEM, "out of memory");
	rc = pv_write_json_atomic(path, j, err);
	json_object_put(j);
	if (rc == 0)
		h->dirty = false;
	return rc;
}

void pv_history_forget(const char *state, const char *ns, const char *name)
{
	cleanup_free char *path = history_path(state, ns, name);

	if (path)
		unlink(path);
}

size_t pv_history_gc(const char *state, bool (*keep)(void *data, const char *ns, const char *name),
		     void *data)
{
	cleanup_free char *dir = NULL;
	struct dirent *e;
	size_t gone = 0;
	DIR *dp;

	if (asprintf(&dir, "%s/rollouts", state) < 0 || !(dp = opendir(dir)))
		return 0;
	while ((e = readdir(dp))) {
		char ns[256], name[256];
		const char *dot = strchr(e->d_name, '.');
		size_t len = strlen(e->d_name);

		/* NS.NAME.json: a namespace has no dot, a name may */
		if (!dot || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    (size_t)(dot - e->d_name) >= sizeof(ns) || len - 5 - (size_t)(dot - e->d_name) > sizeof(name))
			continue;
		snprintf(ns, sizeof(ns), "%.*s", (int)(dot - e->d_name), e->d_name);
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5 - (size_t)(dot - e->d_name) - 1), dot + 1);
		if (!ns[0] || !name[0] || keep(data, ns, name))
			continue;
		if (unlinkat(dirfd(dp), e->d_name, 0) == 0)
			gone++;
	}
	closedir(dp);
	return gone;
}
