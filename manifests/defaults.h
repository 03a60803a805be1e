/* Kubernetes' defaulting (pkg/apis/core/v1/defaults.go and friends),
 * applied in place so that `check -o yaml` shows what will run. The arena
 * is for values defaulting adds (a label, a copied request). */
#ifndef PV_MANIFESTS_DEFAULTS_H
#define PV_MANIFESTS_DEFAULTS_H

#include "common/arena.h"

void pv_defaults_namespace(void *obj, struct pv_arena *a);
void pv_defaults_pod(void *obj, struct pv_arena *a);
void pv_defaults_deployment(void *obj, struct pv_arena *a);
void pv_defaults_replicaset(void *obj, struct pv_arena *a);
void pv_defaults_statefulset(void *obj, struct pv_arena *a);
void pv_defaults_daemonset(void *obj, struct pv_arena *a);
void pv_defaults_job(void *obj, struct pv_arena *a);
void pv_defaults_cronjob(void *obj, struct pv_arena *a);
void pv_defaults_service(void *obj, struct pv_arena *a);
void pv_defaults_configmap(void *obj, struct pv_arena *a);
void pv_defaults_secret(void *obj, struct pv_arena *a);
void pv_defaults_pv(void *obj, struct pv_arena *a);
void pv_defaults_pvc(void *obj, struct pv_arena *a);
void pv_defaults_storageclass(void *obj, struct pv_arena *a);

#endif
