#include "manifests/kinds.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "manifests/defaults.h"
#include "manifests/validate.h"

#define KIND(k, n, av, res, sn, ns, t, d, v) \
	[k] = { k, n, av, res, sn, ns, &t, d, v }

static const struct pv_kind_info kinds[PV_KIND_COUNT] = {
	KIND(PV_KIND_NAMESPACE, "Namespace", "v1", "namespaces", "ns", false, pv_type_namespace,
	     pv_defaults_namespace, pv_validate_namespace),
	KIND(PV_KIND_POD, "Pod", "v1", "pods", "po", true, pv_type_pod, pv_defaults_pod,
	     pv_validate_pod),
	KIND(PV_KIND_DEPLOYMENT, "Deployment", "apps/v1", "deployments", "deploy", true,
	     pv_type_deployment, pv_defaults_deployment, pv_validate_deployment),
	KIND(PV_KIND_REPLICASET, "ReplicaSet", "apps/v1", "replicasets", "rs", true,
	     pv_type_replicaset, pv_defaults_replicaset, pv_validate_replicaset),
	KIND(PV_KIND_STATEFULSET, "StatefulSet", "apps/v1", "statefulsets", "sts", true,
	     pv_type_statefulset, pv_defaults_statefulset, pv_validate_statefulset),
	KIND(PV_KIND_DAEMONSET, "DaemonSet", "apps/v1", "daemonsets", "ds", true,
	     pv_type_daemonset, pv_defaults_daemonset, pv_validate_daemonset),
	KIND(PV_KIND_JOB, "Job", "batch/v1", "jobs", "job", true, pv_type_job, pv_defaults_job,
	     pv_validate_job),
	KIND(PV_KIND_CRONJOB, "CronJob", "batch/v1", "cronjobs", "cj", true, pv_type_cronjob,
	     pv_defaults_cronjob, pv_validate_cronjob),
	KIND(PV_KIND_SERVICE, "Service", "v1", "services", "svc", true, pv_type_service,
	     pv_defaults_service, pv_validate_service),
	KIND(PV_KIND_CONFIGMAP, "ConfigMap", "v1", "configmaps", "cm", true, pv_type_configmap,
	     pv_defaults_configmap, pv_validate_configmap),
	KIND(PV_KIND_SECRET, "Secret", "v1", "secrets", "secret", true, pv_type_secret,
	     pv_defaults_secret, pv_validate_secret),
	KIND(PV_KIND_PV, "PersistentVolume", "v1", "persistentvolumes", "pv", false, pv_type_pv,
	     pv_defaults_pv, pv_validate_pv),
	KIND(PV_KIND_PVC, "PersistentVolumeClaim", "v1", "persistentvolumeclaims", "pvc", true,
	     pv_type_pvc, pv_defaults_pvc, pv_validate_pvc),
	KIND(PV_KIND_STORAGECLASS, "StorageClass", "storage.k8s.io/v1", "storageclasses", "sc",
	     false, pv_type_storageclass, pv_defaults_storageclass, pv_validate_storageclass),
};

/* API versions Kubernetes has removed, and what replaced them. */
static const struct {
	const char *api_version, *kind, *use;
} removed[] = {
	{ "extensions/v1beta1", "Deployment", "apps/v1" },
	{ "extensions/v1beta1", "DaemonSet", "apps/v1" },
	{ "extensions/v1beta1", "ReplicaSet", "apps/v1" },
	{ "apps/v1beta1", "Deployment", "apps/v1" },
	{ "apps/v1beta1", "StatefulSet", "apps/v1" },
	{ "apps/v1beta2", "Deployment", "apps/v1" },
	{ "apps/v1beta2", "StatefulSet", "apps/v1" },
	{ "apps/v1beta2", "DaemonSet", "apps/v1" },
	{ "apps/v1beta2", "ReplicaSet", "apps/v1" },
	{ "batch/v1beta1", "CronJob", "batch/v1" },
	{ "batch/v2alpha1", "CronJob", "batch/v1" },
	{ "storage.k8s.io/v1beta1", "StorageClass", "storage.k8s.io/v1" },
};

/* Kinds the Kubernetes groups podvisor knows also serve, which it does
 * not run: they are valid, so they are warned about, never refused. */
static const struct {
	const char *api_version, *kinds;
} other_served[] = {
	{ "v1", " Binding ComponentStatus Endpoints Event LimitRange Node PodTemplate "
		"ReplicationController ResourceQuota ServiceAccount " },
	{ "apps/v1", " ControllerRevision " },
	{ "storage.k8s.io/v1", " CSIDriver CSINode CSIStorageCapacity VolumeAttachment "
			       "VolumeAttributesClass " },
};

const struct pv_kind_info *pv_kind_get(enum pv_kind k)
{
	return k < PV_KIND_COUNT ? &kinds[k] : NULL;
}

const struct pv_kind_info *pv_kind_find(const char *word)
{
	for (size_t i = 0; i < PV_KIND_COUNT; i++) {
		const struct pv_kind_info *k = &kinds[i];

		if (strcasecmp(word, k->name) == 0 || strcasecmp(word, k->resource) == 0 ||
		    strcasecmp(word, k->short_name) == 0)
			return k;
	}
	return NULL;
}

static const struct pv_kind_info *kind_by_name(const char *kind)
{
	for (size_t i = 0; i < PV_KIND_COUNT; i++)
		if (strcmp(kinds[i].name, kind) == 0)
			return &kinds[i];
	return NULL;
}

static bool group_known(const char *api_version)
{
	for (size_t i = 0; i < PV_ARRAY_SIZE(other_served); i++)
		if (strcmp(other_served[i].api_version, api_version) == 0)
			return true;
	return strcmp(api_version, "batch/v1") == 0;
}

static bool served_elsewhere(const char *api_version, const char *kind)
{
	char word[128];

	if (strlen(kind) + 3 > sizeof(word) || strchr(kind, ' '))
		return false;
	snprintf(word, sizeof(word), " %s ", kind);
	for (size_t i = 0; i < PV_ARRAY_SIZE(other_served); i++)
		if (strcmp(other_served[i].api_version, api_version) == 0 &&
		    strstr(other_served[i].kinds, word))
			return true;
	return false;
}

enum pv_kind_verdict pv_kind_resolve(const char *api_version, const char *kind,
				     const struct pv_kind_info **info, char *buf, size_t len)
{
	const struct pv_kind_info *k = kind_by_name(kind);

	*info = k;
	for (size_t i = 0; i < PV_ARRAY_SIZE(removed); i++) {
		/* the kind first, its first letter first: it rarely matches */
		if (removed[i].kind[0] == kind[0] && strcmp(removed[i].kind, kind) == 0 &&
		    strcmp(removed[i].api_version, api_version) == 0) {
			snprintf(buf, len, "%s %s was removed from Kubernetes; "
				 "use apiVersion: %s", api_version, kind, removed[i].use);
			return PV_KIND_BAD;
		}
	}
	if (k && strcmp(k->api_version, api_version) == 0)
		return PV_KIND_OK;
	if (k) {
		snprintf(buf, len, "%s does not serve kind %s; use apiVersion: %s",
			 api_version, kind, k->api_version);
		return PV_KIND_BAD;
	}
	if (served_elsewhere(api_version, kind)) {
		snprintf(buf, len, "%s %s is not run by podvisor; ignored", api_version, kind);
		return PV_KIND_IGNORED;
	}
	if (group_known(api_version)) {
		snprintf(buf, len, "%s has no kind %s (kinds are case-sensitive)",
			 api_version, kind);
		return PV_KIND_BAD;
	}
	snprintf(buf, len, "%s %s is not run by podvisor; ignored", api_version, kind);
	return PV_KIND_IGNORED;
}
