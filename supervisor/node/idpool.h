/* The node's pool of host user and group ids for pods in their own user
 * namespace (hostUsers: false): ranges of 65536 ids, one per pod, handed
 * out from a configured pool (--userns-pool START:COUNT) without overlap,
 * and recorded in a file of the state directory before they are handed
 * out, so that a daemon restart (even after kill -9) keeps every running
 * pod's range and never gives one out twice. A range goes back to the
 * pool when its pod is gone, and never while a process still lives in a
 * user namespace that maps it (/proc/PID/uid_map): a pod whose record was
 * lost (a kill -9 in its start) keeps its ids until its last process is.
 *
 * Owns: the ranges and their record (one JSON file, written atomically).
 * Calls: core (atomic writes, JSON reads), common, /proc. No logging:
 * errors are returned. */
#ifndef PV_SUPERVISOR_NODE_IDPOOL_H
#define PV_SUPERVISOR_NODE_IDPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The ids of one pod: 0..65535 inside map to BASE..BASE+65535 outside. */
#define PV_IDPOOL_RANGE 65536u

/* The default pool: 1024 ranges from 2^31. Clear of the host's own ids
 * (0..65535) and of the subordinate ids useradd hands out to users
 * (100000 up, in steps of 65536), as podman's --userns=auto pool
 * (containers:2147483647:2147483648); 1024 pods is far over kubelet's
 * maxPods (110). */
#define PV_IDPOOL_DEFAULT_START 2147483648u
#define PV_IDPOOL_DEFAULT_COUNT (1024ull * PV_IDPOOL_RANGE)

struct pv_idrange {
	uint32_t base;
	char owner[64]; /* the pod's uid */
};

struct pv_idpool {
	uint32_t start;   /* the pool's first id, a multiple of 65536 */
	uint32_t nranges; /* how many ranges of 65536 it holds */
	char *path;       /* the record; NULL: kept in memory only */
	char broken[512]; /* the record could not be read: nothing is handed out */
	struct pv_idrange *v; /* the ranges held, in no order */
	size_t n, cap;
	const char *proc; /* where the processes are looked at; NULL: /proc (tests: a fake) */
};

/* "START:COUNT" (decimal): START and COUNT multiples of 65536, START at
 * least 65536 (the host's own ids stay out), COUNT at least 65536, and the
 * last id below 4294967295 ((uid_t)-1 is no id). */
int pv_idpool_parse(const char *s, uint32_t *start, uint64_t *count, struct pv_err *err);
/* A pool of COUNT ids from START, with the ranges recorded in PATH (read
 * if it exists; NULL: none). A record that does not read leaves the pool
 * broken (every allocation fails saying why, nothing is released, the
 * record stays as it is for a person to look at) and returns -1; ranges
 * in it outside the pool stay held by their owners. */
int pv_idpool_open(struct pv_idpool *p, uint32_t start, uint64_t count, const char *path,
		   struct pv_err *err);
/* OWNER's range: the one it holds, or the lowest free one, recorded
 * before it is returned in *BASE. Fails when the pool is full. */
int pv_idpool_alloc(struct pv_idpool *p, const char *owner, uint32_t *base, struct pv_err *err);
/* Whether OWNER holds a range, and which (*BASE, may be NULL). */
bool pv_idpool_find(const struct pv_idpool *p, const char *owner, uint32_t *base);
/* OWNER's range back to the pool (none held: 0). */
int pv_idpool_release(struct pv_idpool *p, const char *owner, struct pv_err *err);
/* Release every range whose owner KEEP says no to (after a restart: the
 * pods that did not come back) and that no live process's user namespace
 * maps (pv_idpool_in_use); returns how many went. */
size_t pv_idpool_retain(struct pv_idpool *p, bool (*keep)(const char *owner, void *data),
			void *data, struct pv_err *err);
/* Whether a live process (of PROC, NULL: /proc; zombies do not count)
 * other than those of the caller's own user namespace has a uid_map or
 * gid_map line that overlaps BASE..BASE+65535. */
bool pv_idpool_in_use(const char *proc, uint32_t base);
void pv_idpool_close(struct pv_idpool *p);

#endif
