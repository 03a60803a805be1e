/* Service cluster IPs and node ports that have been handed out, kept in
 * the state directory (services.json) so that a restarted daemon gives
 * every Service the same addresses. */
#ifndef PV_SUPERVISOR_SVC_ALLOC_H
#define PV_SUPERVISOR_SVC_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct pv_svc_np {
	char key[96]; /* "portname/TCP" */
	uint16_t port;
};

struct pv_svc_alloc {
	char *key;       /* "namespace/name" */
	uint32_t ip;     /* host byte order; 0: none */
	int64_t created; /* first seen, wall clock seconds */
	struct pv_svc_np *np;
	size_t nnp;
	bool live;       /* the Service still exists */
};

struct pv_svc_allocs {
	struct pv_svc_alloc **v; /* each entry allocated alone: pointers stay valid */
	size_t n, cap;
	bool dirty;      /* changed since the last save */
	uint32_t *index; /* by key: open addressing, v's index + 1, 0 empty */
	size_t index_cap; /* a power of two, over twice n; 0: none */
};

/* Read PATH (missing is empty). Entries that do not parse are dropped. */
void pv_svc_allocs_load(struct pv_svc_allocs *a, const char *path);
int pv_svc_allocs_save(struct pv_svc_allocs *a, const char *path, struct pv_err *err);
void pv_svc_allocs_free(struct pv_svc_allocs *a);
struct pv_svc_alloc *pv_svc_alloc_find(struct pv_svc_allocs *a, const char *key);
/* Found, or created empty; NULL when out of memory. */
struct pv_svc_alloc *pv_svc_alloc_get(struct pv_svc_allocs *a, const char *key);
uint16_t pv_svc_alloc_np(const struct pv_svc_alloc *s, const char *key);
int pv_svc_alloc_set_np(struct pv_svc_alloc *s, const char *key, uint16_t port);
/* Forget the entries not marked live; clears the marks. Only on a
 * complete view of the manifests: a Service whose file failed to load
 * still exists, and must keep its addresses. */
void pv_svc_allocs_sweep(struct pv_svc_allocs *a);
/* Mark every entry live: held, whether its Service is seen or not. */
void pv_svc_allocs_hold(struct pv_svc_allocs *a);
/* Clear the live marks, forgetting nothing. */
void pv_svc_allocs_unmark(struct pv_svc_allocs *a);
/* Whether any live entry other than SELF holds IP. */
bool pv_svc_allocs_ip_taken(const struct pv_svc_allocs *a, const struct pv_svc_alloc *self,
			    uint32_t ip);
/* Whether node port PORT is held by another live entry, or by SELF for a
 * port other than KEY ("portname/PROTO"). */
bool pv_svc_allocs_np_taken(const struct pv_svc_allocs *a, const struct pv_svc_alloc *self,
			    const char *key, uint16_t port);

/* The two questions above in O(1), for one pass that hands out addresses
 * to every Service (the loops above made a pass O(Services^2): at 1,000
 * Services a third of a sync). Built once the live marks are set; every
 * address the pass hands out goes through pv_svc_taken_set_ip and
 * _set_np, which keep the counts; the live marks must not change. */
struct pv_svc_taken {
	uint16_t *np;       /* 65536: per node port, the live entries' ports on it */
	uint32_t *ips;      /* open addressing: a cluster IP, 0 empty */
	uint32_t *counts;   /* the live entries holding ips[i] */
	size_t cap;         /* a power of two */
};

int pv_svc_taken_build(struct pv_svc_taken *t, const struct pv_svc_allocs *a);
void pv_svc_taken_free(struct pv_svc_taken *t);
/* As pv_svc_allocs_ip_taken and pv_svc_allocs_np_taken. */
bool pv_svc_taken_ip(const struct pv_svc_taken *t, const struct pv_svc_alloc *self, uint32_t ip);
bool pv_svc_taken_np(const struct pv_svc_taken *t, const struct pv_svc_alloc *self, const char *key,
		     uint16_t port);
/* SELF's cluster IP, or its node port KEY, set and counted. -1: out of
 * memory (nothing changed). */
int pv_svc_taken_set_ip(struct pv_svc_taken *t, struct pv_svc_alloc *self, uint32_t ip);
int pv_svc_taken_set_np(struct pv_svc_taken *t, struct pv_svc_alloc *self, const char *key,
			uint16_t port);

#endif
