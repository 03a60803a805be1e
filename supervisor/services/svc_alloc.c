#include "supervisor/services/svc_alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"

static void alloc_free(struct pv_svc_alloc *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->np);
	free(s);
}

void pv_svc_allocs_free(struct pv_svc_allocs *a)
{
	for (size_t i = 0; i < a->n; i++)
		alloc_free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

struct pv_svc_alloc *pv_svc_alloc_find(struct pv_svc_allocs *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i]->key, key) == 0)
			return a->v[i];
	return NULL;
}

/* Each entry is an allocation of its own and only the array of pointers
 * grows: a pointer handed out stays valid until the entry is swept, however
 * many entries are added after it. */
struct pv_svc_alloc *pv_svc_alloc_get(struct pv_svc_allocs *a, const char *key)
{
	struct pv_svc_alloc *s = pv_svc_alloc_find(a, key);

	if (s)
		return s;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct pv_svc_alloc **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->key = strdup(key))) {
		free(s);
		return NULL;
	}
	a->v[a->n++] = s;
	a->dirty = true;
	return s;
}

uint16_t pv_svc_alloc_np(const struct pv_svc_alloc *s, const char *key)
{
	for (size_t i = 0; i < s->nnp; i++)
		if (strcmp(s->np[i].key, key) == 0)
			return s->np[i].port;
	return 0;
}

int pv_svc_alloc_set_np(struct pv_svc_alloc *s, const char *key, uint16_t port)
{
	struct pv_svc_np *v;

	for (size_t i = 0; i < s->nnp; i++) {
		if (strcmp(s->np[i].key, key) == 0) {
			s->np[i].port = port;
			return 0;
		}
	}
	v = realloc(s->np, (s->nnp + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->np = v;
	snprintf(v[s->nnp].key, sizeof(v[s->nnp].key), "%s", key);
	v[s->nnp++].port = port;
	return 0;
}

void pv_svc_allocs_sweep(struct pv_svc_allocs *a)
{
	for (size_t i = 0; i < a->n;) {
		if (a->v[i]->live) {
			a->v[i++]->live = false;
			continue;
		}
		alloc_free(a->v[i]);
		a->v[i] = a->v[--a->n];
		a->dirty = true;
	}
}

static void mark_all(struct pv_svc_allocs *a, bool live)
{
	for (size_t i = 0; i < a->n; i++)
		a->v[i]->live = live;
}

void pv_svc_allocs_hold(struct pv_svc_allocs *a)
{
	mark_all(a, true);
}

void pv_svc_allocs_unmark(struct pv_svc_allocs *a)
{
	mark_all(a, false);
}

bool pv_svc_allocs_ip_taken(const struct pv_svc_allocs *a, const struct pv_svc_alloc *self,
			    uint32_t ip)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i] != self && a->v[i]->live && a->v[i]->ip == ip)
			return true;
	return false;
}

bool pv_svc_allocs_np_taken(const struct pv_svc_allocs *a, const struct pv_svc_alloc *self,
			    const char *key, uint16_t port)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct pv_svc_alloc *o = a->v[i];

		if (o != self && !o->live)
			continue;
		/* SELF's other ports count too: two ports, two node ports. */
		for (size_t j = 0; j < o->nnp; j++)
			if (o->np[j].port == port && (o != self || strcmp(o->np[j].key, key) != 0))
				return true;
	}
	return false;
}

static void load_one(struct pv_svc_allocs *a, const char *key, struct json_object *o)
{
	struct pv_svc_alloc *s = pv_svc_alloc_get(a, key);
	struct json_object *nps;
	struct in_addr ip;

	if (!s)
		return;
	if (inet_pton(AF_INET, pv_json_str(o, "clusterIP", ""), &ip) == 1)
		s->ip = ntohl(ip.s_addr);
	s->created = pv_json_int(o, "created");
	if (json_object_object_get_ex(o, "nodePorts", &nps) && json_object_is_type(nps, json_type_object)) {
		json_object_object_foreach(nps, k, v) {
			int64_t port = json_object_get_int64(v);

			if (port > 0 && port < 65536)
				pv_svc_alloc_set_np(s, k, (uint16_t)port);
		}
	}
}

void pv_svc_allocs_load(struct pv_svc_allocs *a, const char *path)
{
	struct json_object *j = json_object_from_file(path);

	if (!j)
		return;
	if (json_object_is_type(j, json_type_object)) {
		json_object_object_foreach(j, key, o)
			if (json_object_is_type(o, json_type_object))
				load_one(a, key, o);
	}
	json_object_put(j);
	a->dirty = false;
}

int pv_svc_allocs_save(struct pv_svc_allocs *a, const char *path, struct pv_err *err)
{
	struct json_object *j = json_object_new_object();
	int rc;

	for (size_t i = 0; i < a->n; i++) {
		const struct pv_svc_alloc *s = a->v[i];
		struct json_object *o = json_object_new_object(), *nps = json_object_new_object();
		struct in_addr ip = { htonl(s->ip) };

		if (s->ip)
			json_object_object_add(o, "clusterIP", json_object_new_string(inet_ntoa(ip)));
		json_object_object_add(o, "created", json_object_new_int64(s->created));
		for (size_t k = 0; k < s->nnp; k++)
			json_object_object_add(nps, s->np[k].key, json_object_new_int(s->np[k].port));
		json_object_object_add(o, "nodePorts", nps);
		json_object_object_add(j, s->key, o);
	}
	rc = pv_write_json_atomic(path, j, err);
	json_object_put(j);
	if (rc == 0)
		a->dirty = false;
	return rc;
}
