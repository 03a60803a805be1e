#include "supervisor/services/svc_alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hash.h"
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
	free(a->index);
	memset(a, 0, sizeof(*a));
}

/* ---- the index by key ---- */

static size_t key_slot(const struct pv_svc_allocs *a, const char *key)
{
	size_t mask = a->index_cap - 1, s = (size_t)pv_fnv1a(PV_FNV_BASIS, key) & mask;

	while (a->index[s] && strcmp(a->v[a->index[s] - 1]->key, key) != 0)
		s = (s + 1) & mask;
	return s;
}

/* The index made anew, with room for N entries, of the entries there are
 * now. Out of memory, it returns -1 and the old index stays as it was. */
static int index_build(struct pv_svc_allocs *a, size_t n)
{
	size_t cap = 64;
	uint32_t *ix;

	while (cap < 2 * n + 2)
		cap *= 2;
	if (!(ix = calloc(cap, sizeof(*ix))))
		return -1;
	free(a->index);
	a->index = ix;
	a->index_cap = cap;
	for (size_t i = 0; i < a->n; i++)
		a->index[key_slot(a, a->v[i]->key)] = (uint32_t)(i + 1);
	return 0;
}

struct pv_svc_alloc *pv_svc_alloc_find(struct pv_svc_allocs *a, const char *key)
{
	size_t s;

	if (!a->index_cap) {
		for (size_t i = 0; i < a->n; i++)
			if (strcmp(a->v[i]->key, key) == 0)
				return a->v[i];
		return NULL;
	}
	s = key_slot(a, key);
	return a->index[s] ? a->v[a->index[s] - 1] : NULL;
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
	/* The index grows before the entry goes in: out of memory, the book
	 * is as it was. */
	if (2 * (a->n + 1) + 2 > a->index_cap && index_build(a, a->n + 1) < 0) {
		alloc_free(s);
		return NULL;
	}
	a->v[a->n++] = s;
	a->dirty = true;
	a->index[key_slot(a, key)] = (uint32_t)a->n;
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
	size_t was = a->n;

	for (size_t i = 0; i < a->n;) {
		if (a->v[i]->live) {
			a->v[i++]->live = false;
			continue;
		}
		alloc_free(a->v[i]);
		a->v[i] = a->v[--a->n];
		a->dirty = true;
	}
	if (a->n != was && index_build(a, a->n) < 0) { /* entries moved */
		free(a->index); /* stale: finding goes through the entries one by one */
		a->index = NULL;
		a->index_cap = 0;
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

/* ---- one pass's counts ---- */

static size_t ip_slot(const struct pv_svc_taken *t, uint32_t ip)
{
	size_t mask = t->cap - 1, s = (size_t)(ip * 2654435761u) & mask;

	while (t->ips[s] && t->ips[s] != ip)
		s = (s + 1) & mask;
	return s;
}

static int ip_count(struct pv_svc_taken *t, uint32_t ip, int by)
{
	size_t s;

	if (!ip)
		return 0;
	s = ip_slot(t, ip);
	if (!t->ips[s]) {
		if (by < 0)
			return 0;
		t->ips[s] = ip;
	}
	t->counts[s] = (uint32_t)((int64_t)t->counts[s] + by);
	return 0;
}

int pv_svc_taken_build(struct pv_svc_taken *t, const struct pv_svc_allocs *a)
{
	size_t cap = 64;

	/* room for every entry's address, and as many handed out anew */
	while (cap < 4 * a->n + 4)
		cap *= 2;
	memset(t, 0, sizeof(*t));
	t->np = calloc(65536, sizeof(*t->np));
	t->ips = calloc(cap, sizeof(*t->ips));
	t->counts = calloc(cap, sizeof(*t->counts));
	if (!t->np || !t->ips || !t->counts) {
		pv_svc_taken_free(t);
		return -1;
	}
	t->cap = cap;
	for (size_t i = 0; i < a->n; i++) {
		const struct pv_svc_alloc *o = a->v[i];

		if (!o->live)
			continue;
		ip_count(t, o->ip, 1);
		for (size_t k = 0; k < o->nnp; k++)
			t->np[o->np[k].port]++;
	}
	return 0;
}

void pv_svc_taken_free(struct pv_svc_taken *t)
{
	free(t->np);
	free(t->ips);
	free(t->counts);
	memset(t, 0, sizeof(*t));
}

bool pv_svc_taken_ip(const struct pv_svc_taken *t, const struct pv_svc_alloc *self, uint32_t ip)
{
	size_t s = ip_slot(t, ip);
	uint32_t n = t->ips[s] ? t->counts[s] : 0;

	if (self && self->live && self->ip == ip && n)
		n--;
	return ip && n > 0;
}

bool pv_svc_taken_np(const struct pv_svc_taken *t, const struct pv_svc_alloc *self, const char *key,
		     uint16_t port)
{
	size_t n = t->np[port];

	if (self && self->live) {
		if (pv_svc_alloc_np(self, key) == port && n)
			n--; /* its own, under this key */
	} else if (self) {
		for (size_t k = 0; k < self->nnp; k++) /* not counted: its other ports */
			n += self->np[k].port == port && strcmp(self->np[k].key, key) != 0;
	}
	return n > 0;
}

int pv_svc_taken_set_ip(struct pv_svc_taken *t, struct pv_svc_alloc *self, uint32_t ip)
{
	if (self->live && ip != self->ip) {
		ip_count(t, self->ip, -1);
		ip_count(t, ip, 1);
	}
	self->ip = ip;
	return 0;
}

int pv_svc_taken_set_np(struct pv_svc_taken *t, struct pv_svc_alloc *self, const char *key,
			uint16_t port)
{
	uint16_t old = pv_svc_alloc_np(self, key); /* 0: none yet */

	if (pv_svc_alloc_set_np(self, key, port) < 0)
		return -1;
	if (self->live) {
		if (old && t->np[old])
			t->np[old]--;
		t->np[port]++;
	}
	return 0;
}
