/* What supervisor/storage/storage.c remembers of each volume across restarts,
 * kept in state/volumes.json: bindings, released volumes, and the volumes
 * it provisioned itself. Between storage.c and storage_state.c only. */
#ifndef PV_SUPERVISOR_STORAGE_STATE_H
#define PV_SUPERVISOR_STORAGE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/err.h"

struct pv_vrec {
	char *name;           /* the volume */
	char *claim;          /* "ns/name" it is bound to (or was, when released) */
	char *claim_file;     /* the manifest the claim came from */
	int64_t gone_since;   /* not kept: when its claim was first missed (ms) */
	bool released;        /* its claim went away */
	bool deleted;         /* and reclaim Delete removed its data */
	char *hash;           /* a static volume's spec hash when it was released */
	char *delete_failed;  /* why reclaim Delete was refused */
	/* a volume podvisor provisioned (no manifest): */
	bool provisioned;
	char *path, *class_name, *capacity; /* capacity as the claim asked: "1Gi" */
	int64_t capacity_bytes, created;
	unsigned modes;
	bool reclaim_delete;
};

struct pv_vrecs {
	struct pv_vrec **v; /* each record its own allocation: a pointer to one
			       stays good while others come and go */
	size_t n, cap;
};

struct pv_vrec *pv_vrec_find(const struct pv_vrecs *r, const char *name);
/* A new record NAME (not yet there), or NULL. */
struct pv_vrec *pv_vrec_add(struct pv_vrecs *r, const char *name);
void pv_vrec_remove(struct pv_vrecs *r, struct pv_vrec *v);
void pv_vrecs_free(struct pv_vrecs *r);
/* Set *P to a copy of S (NULL allowed); true when the value changed. */
bool pv_vrec_set(char **p, const char *s);

int pv_vrecs_load(struct pv_vrecs *r, const char *path, struct pv_err *err);
int pv_vrecs_save(const struct pv_vrecs *r, const char *path, struct pv_err *err);

#endif
