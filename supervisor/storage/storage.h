/* PersistentVolumes and claims on this node: the binder (volumes/binder.c)
 * fed from the manifests and from what this module persisted in
 * state/volumes.json (bindings, released volumes, the volumes it
 * provisioned), carrying out its decisions: a directory per claim for
 * StorageClass provisioner podvisor.io/local-path, the data deleted for
 * reclaimPolicy Delete (only under --local-path-root, or under a
 * --host-path-allow prefix for static volumes). Pods ask it for the host
 * directory behind a claim. */
#ifndef PV_SUPERVISOR_STORAGE_H
#define PV_SUPERVISOR_STORAGE_H

#include <json-c/json.h>

#include "common/err.h"

struct pv_daemon;
struct pv_storage;

/* Load the persisted state (a missing file is an empty state). */
struct pv_storage *pv_storage_new(struct pv_daemon *d, struct pv_err *err);
void pv_storage_free(struct pv_storage *s);
/* Bind, provision and reclaim until nothing changes; persist; record
 * events for what changed. Cheap when nothing did. */
void pv_storage_sync(struct pv_daemon *d);
/* The host directory behind claim NS/CLAIM for a pod (malloc'd, checked
 * against the node's hostPath policy); NULL with ERR saying why the pod
 * must wait: no such claim, not bound yet, the volume's path refused. */
char *pv_storage_claim_path(struct pv_daemon *d, const char *ns, const char *claim,
			    struct pv_err *err);
/* For the API: {"volumes": [...], "claims": [...]} as `get pv/pvc` show them. */
struct json_object *pv_storage_json(struct pv_daemon *d);

#endif
