/* A pod's projected volumes: configMap, secret, downwardAPI and projected
 * sources turned into files in <pod dir>/volumes/<name>, written with the
 * atomic "..data" swap (volumes/atomic_writer.h) and rewritten when the
 * ConfigMaps and Secrets they come from change, without a restart.
 * Secret and projected volumes live on a tmpfs: never on disk. */
#ifndef PV_SUPERVISOR_POD_PROJECTION_H
#define PV_SUPERVISOR_POD_PROJECTION_H

#include <stdbool.h>

#include "common/err.h"
#include "manifests/types.h"

struct pv_prt;

/* True for the volume kinds this module provides. */
bool pv_projection_kind(const struct pv_volume *v);
/* Make V's directory hold its files; returns the directory (malloc'd), or
 * NULL with ERR: a ConfigMap, Secret or key that is missing and not
 * optional (the container waits: CreateContainerConfigError). */
char *pv_projection_setup(struct pv_prt *p, const struct pv_volume *v, struct pv_err *err);
/* Rewrite the projected volumes already set up for P whose sources
 * changed; a source gone keeps the last files (as kubelet does). Logs and
 * records an event for what it rewrote or could not. */
void pv_projection_refresh(struct pv_prt *p);

#endif
