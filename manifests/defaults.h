/* Kubernetes' defaulting (pkg/apis/core/v1/defaults.go and friends),
 * applied in place so that `check -o yaml` shows what will run. */
#ifndef PV_MANIFESTS_DEFAULTS_H
#define PV_MANIFESTS_DEFAULTS_H

void pv_defaults_namespace(void *obj);
void pv_defaults_pod(void *obj);
void pv_defaults_deployment(void *obj);
void pv_defaults_replicaset(void *obj);
void pv_defaults_statefulset(void *obj);
void pv_defaults_daemonset(void *obj);
void pv_defaults_job(void *obj);
void pv_defaults_cronjob(void *obj);
void pv_defaults_service(void *obj);
void pv_defaults_configmap(void *obj);
void pv_defaults_secret(void *obj);
void pv_defaults_pv(void *obj);
void pv_defaults_pvc(void *obj);
void pv_defaults_storageclass(void *obj);

#endif
