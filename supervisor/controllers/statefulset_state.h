/* What the StatefulSet controller remembers across daemon restarts, in
 * STATE/statefulsets.json (written atomically):
 *   "claims": {"NS/NAME": {"source": "statefulset/NS/SET", "template":
 *     "www", "ordinal": 0, "created": SECONDS, "deleteWithSet": false,
 *     "claim": {the PersistentVolumeClaim as made}}}: every claim it made
 *     and has not deleted, so that a restarted daemon still wants them
 *     (storage binds them to the same volumes), whether or not their
 *     StatefulSet is still there (persistentVolumeClaimRetentionPolicy);
 *   "sets": {"statefulset/NS/SET": {"currentRevision": HASH,
 *     "currentTemplate": {the pod template of that revision}}}: the
 *     revision the pods below a RollingUpdate's partition keep.
 * Owns: the file and its JSON. Calls: core. */
#ifndef PV_SUPERVISOR_CONTROLLERS_STATEFULSET_STATE_H
#define PV_SUPERVISOR_CONTROLLERS_STATEFULSET_STATE_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/err.h"

struct pv_sts_state {
	char *path;
	struct json_object *claims, *sets; /* objects keyed as above */
	bool dirty;  /* changed since saved */
	bool frozen; /* the file could not be read: never overwritten */
};

/* Read STATE_DIR/statefulsets.json (missing: empty). On a file that
 * cannot be read or parsed: -1 with ERR, S empty and frozen. */
int pv_sts_state_load(struct pv_sts_state *s, const char *state_dir, struct pv_err *err);
/* Write S when dirty (not when frozen). */
int pv_sts_state_save(struct pv_sts_state *s, struct pv_err *err);
void pv_sts_state_free(struct pv_sts_state *s);

#endif
