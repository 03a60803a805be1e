/* Field tables: PersistentVolume, PersistentVolumeClaim, StorageClass. */
#include "manifests/schema.h"
#include "manifests/schema_macros.h"

ENUM(volume_modes, "Filesystem", "Block");
ENUM(pv_reclaim_policies, "Retain", "Delete", "Recycle");
ENUM(sc_reclaim_policies, "Retain", "Delete");
ENUM(binding_modes, "Immediate", "WaitForFirstConsumer");

#undef ST
#define ST struct pv_pvc_spec
static const struct pv_field pvc_spec_fields[] = {
	F("accessModes", PV_F_STRLIST, access_modes),
	F("selector", PV_F_OBJ, selector, .type = &pv_type_label_selector),
	F("resources", PV_F_OBJ, resources, .type = &pv_type_resources),
	F("volumeName", PV_F_STR, volume_name),
	F("storageClassName", PV_F_STR, storage_class_name),
	F("volumeMode", PV_F_STR, volume_mode, .enums = volume_modes),
	IGN("dataSource"),
	IGN("dataSourceRef"),
	IGN("volumeAttributesClassName"),
	PV_FIELD_END,
};
TYPE(pvc_spec, "PersistentVolumeClaimSpec");

#undef ST
#define ST struct pv_pvc
static const struct pv_field pvc_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &pvc_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_pvc = { "PersistentVolumeClaim", sizeof(ST), pvc_fields };

#undef ST
#define ST struct pv_local_vol
static const struct pv_field local_fields[] = {
	F("path", PV_F_STR, path, .flags = PV_FF_REQUIRED),
	F("fsType", PV_F_STR, fs_type),
	PV_FIELD_END,
};
TYPE(local, "LocalVolumeSource");

#undef ST
#define ST struct pv_volume_node_affinity
static const struct pv_field vna_fields[] = {
	F("required", PV_F_OBJ, required, .type = &pv_type_node_selector),
	PV_FIELD_END,
};
TYPE(vna, "VolumeNodeAffinity");

#undef ST
#define ST struct pv_claim_ref
static const struct pv_field claim_ref_fields[] = {
	F("kind", PV_F_STR, kind),
	F("namespace", PV_F_STR, namespace),
	F("name", PV_F_STR, name),
	F("uid", PV_F_STR, uid),
	F("apiVersion", PV_F_STR, api_version),
	SILENT("resourceVersion"),
	SILENT("fieldPath"),
	PV_FIELD_END,
};
TYPE(claim_ref, "ObjectReference");

#undef ST
#define ST struct pv_pv_spec
static const struct pv_field pv_spec_fields[] = {
	F("capacity", PV_F_QTYMAP, capacity),
	F("accessModes", PV_F_STRLIST, access_modes),
	F("claimRef", PV_F_OBJ, claim_ref, .type = &claim_ref_type),
	F("persistentVolumeReclaimPolicy", PV_F_STR, persistent_volume_reclaim_policy,
	  .enums = pv_reclaim_policies),
	F("storageClassName", PV_F_STR, storage_class_name),
	F("mountOptions", PV_F_STRLIST, mount_options),
	F("volumeMode", PV_F_STR, volume_mode, .enums = volume_modes),
	F("nodeAffinity", PV_F_OBJ, node_affinity, .type = &vna_type),
	F("hostPath", PV_F_OBJ, host_path, .type = &pv_type_host_path),
	F("local", PV_F_OBJ, local, .type = &local_type),
	UNSUP("awsElasticBlockStore"), UNSUP("azureDisk"), UNSUP("azureFile"),
	UNSUP("cephfs"), UNSUP("cinder"), UNSUP("csi"), UNSUP("fc"), UNSUP("flexVolume"),
	UNSUP("flocker"), UNSUP("gcePersistentDisk"), UNSUP("glusterfs"), UNSUP("iscsi"),
	UNSUP("nfs"), UNSUP("photonPersistentDisk"), UNSUP("portworxVolume"), UNSUP("quobyte"),
	UNSUP("rbd"), UNSUP("scaleIO"), UNSUP("storageos"), UNSUP("vsphereVolume"),
	IGN("volumeAttributesClassName"),
	PV_FIELD_END,
};
TYPE(pv_spec, "PersistentVolumeSpec");

#undef ST
#define ST struct pv_pv
static const struct pv_field pv_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &pv_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_pv = { "PersistentVolume", sizeof(ST), pv_fields };

#undef ST
#define ST struct pv_storageclass
static const struct pv_field sc_fields[] = {
	OBJ_HEAD,
	F("provisioner", PV_F_STR, provisioner, .flags = PV_FF_REQUIRED),
	F("parameters", PV_F_STRMAP, parameters),
	F("reclaimPolicy", PV_F_STR, reclaim_policy, .enums = sc_reclaim_policies),
	F("mountOptions", PV_F_STRLIST, mount_options),
	F("allowVolumeExpansion", PV_F_BOOL, allow_volume_expansion),
	F("volumeBindingMode", PV_F_STR, volume_binding_mode, .enums = binding_modes),
	IGN("allowedTopologies"),
	PV_FIELD_END,
};
const struct pv_type pv_type_storageclass = { "StorageClass", sizeof(ST), sc_fields };
