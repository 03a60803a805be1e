/* Field tables: Pod spec, containers, probes, volumes. */
#include "manifests/schema.h"
#include "manifests/schema_macros.h"

ENUM(pull_policies, "Always", "IfNotPresent", "Never");
ENUM(protocols, "TCP", "UDP", "SCTP");
ENUM(restart_policies, "Always", "OnFailure", "Never");
ENUM(init_restart_policies, "Always");
ENUM(dns_policies, "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
ENUM(schemes, "HTTP", "HTTPS");
ENUM(propagations, "None", "HostToContainer", "Bidirectional");
ENUM(msg_policies, "File", "FallbackToLogsOnError");
ENUM(seccomp_types, "RuntimeDefault", "Unconfined", "Localhost");
ENUM(proc_mounts, "Default", "Unmasked");
ENUM(fsgroup_policies, "OnRootMismatch", "Always");
ENUM(supplemental_groups_policies, "Merge", "Strict");
ENUM(hostpath_types, "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
     "CharDevice", "BlockDevice");

#undef ST
#define ST struct pv_object_field_sel
static const struct pv_field field_sel_fields[] = {
	F("apiVersion", PV_F_STR, api_version),
	F("fieldPath", PV_F_STR, field_path, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(field_sel, "ObjectFieldSelector");

#undef ST
#define ST struct pv_resource_field_sel
static const struct pv_field res_sel_fields[] = {
	F("containerName", PV_F_STR, container_name),
	F("resource", PV_F_STR, resource, .flags = PV_FF_REQUIRED),
	F("divisor", PV_F_QTY, divisor),
	PV_FIELD_END,
};
TYPE(res_sel, "ResourceFieldSelector");

#undef ST
#define ST struct pv_key_sel
static const struct pv_field key_sel_fields[] = {
	F("name", PV_F_STR, name),
	F("key", PV_F_STR, key, .flags = PV_FF_REQUIRED),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(key_sel, "KeySelector");

#undef ST
#define ST struct pv_env_source
static const struct pv_field env_source_fields[] = {
	F("fieldRef", PV_F_OBJ, field_ref, .type = &field_sel_type),
	F("resourceFieldRef", PV_F_OBJ, resource_field_ref, .type = &res_sel_type),
	F("configMapKeyRef", PV_F_OBJ, config_map_key_ref, .type = &key_sel_type),
	F("secretKeyRef", PV_F_OBJ, secret_key_ref, .type = &key_sel_type),
	PV_FIELD_END,
};
TYPE(env_source, "EnvVarSource");

#undef ST
#define ST struct pv_env
static const struct pv_field env_fields[] = {
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("value", PV_F_STR, value),
	F("valueFrom", PV_F_OBJ, value_from, .type = &env_source_type),
	PV_FIELD_END,
};
TYPE(env, "EnvVar");

#undef ST
#define ST struct pv_ref_sel
static const struct pv_field ref_sel_fields[] = {
	F("name", PV_F_STR, name),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(ref_sel, "EnvFromReference");

#undef ST
#define ST struct pv_env_from
static const struct pv_field env_from_fields[] = {
	F("prefix", PV_F_STR, prefix),
	F("configMapRef", PV_F_OBJ, config_map_ref, .type = &ref_sel_type),
	F("secretRef", PV_F_OBJ, secret_ref, .type = &ref_sel_type),
	PV_FIELD_END,
};
TYPE(env_from, "EnvFromSource");

#undef ST
#define ST struct pv_container_port
static const struct pv_field port_fields[] = {
	F("name", PV_F_STR, name),
	F("containerPort", PV_F_INT, container_port, .flags = PV_FF_REQUIRED | PV_FF_INT32),
	F("hostPort", PV_F_INT, host_port, .flags = PV_FF_INT32),
	F("protocol", PV_F_STR, protocol, .enums = protocols),
	F("hostIP", PV_F_STR, host_ip),
	PV_FIELD_END,
};
TYPE(port, "ContainerPort");

#undef ST
#define ST struct pv_volume_mount
static const struct pv_field mount_fields[] = {
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("mountPath", PV_F_STR, mount_path, .flags = PV_FF_REQUIRED),
	F("subPath", PV_F_STR, sub_path),
	F("subPathExpr", PV_F_STR, sub_path_expr),
	F("mountPropagation", PV_F_STR, mount_propagation, .enums = propagations),
	F("readOnly", PV_F_BOOL, read_only),
	IGN("recursiveReadOnly"),
	PV_FIELD_END,
};
TYPE(mount, "VolumeMount");

#undef ST
#define ST struct pv_resources
static const struct pv_field resources_fields[] = {
	F("limits", PV_F_QTYMAP, limits),
	F("requests", PV_F_QTYMAP, requests),
	IGN("claims"),
	PV_FIELD_END,
};
const struct pv_type pv_type_resources = { "ResourceRequirements", sizeof(ST), resources_fields };

#undef ST
#define ST struct pv_http_header
static const struct pv_field header_fields[] = {
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("value", PV_F_STR, value, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(header, "HTTPHeader");

#undef ST
#define ST struct pv_exec_action
static const struct pv_field exec_fields[] = {
	F("command", PV_F_STRLIST, command),
	PV_FIELD_END,
};
TYPE(exec, "ExecAction");

#undef ST
#define ST struct pv_http_get
static const struct pv_field http_get_fields[] = {
	F("path", PV_F_STR, path),
	F("port", PV_F_INTSTR, port, .flags = PV_FF_REQUIRED),
	F("host", PV_F_STR, host),
	F("scheme", PV_F_STR, scheme, .enums = schemes),
	F("httpHeaders", PV_F_LIST, http_headers, .type = &header_type),
	PV_FIELD_END,
};
TYPE(http_get, "HTTPGetAction");

#undef ST
#define ST struct pv_tcp_socket
static const struct pv_field tcp_fields[] = {
	F("port", PV_F_INTSTR, port, .flags = PV_FF_REQUIRED),
	F("host", PV_F_STR, host),
	PV_FIELD_END,
};
TYPE(tcp, "TCPSocketAction");

#undef ST
#define ST struct pv_grpc_action
static const struct pv_field grpc_fields[] = {
	F("port", PV_F_INT, port, .flags = PV_FF_REQUIRED | PV_FF_INT32),
	F("service", PV_F_STR, service),
	PV_FIELD_END,
};
TYPE(grpc, "GRPCAction");

#undef ST
#define ST struct pv_sleep_action
static const struct pv_field sleep_fields[] = {
	F("seconds", PV_F_INT, seconds, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(sleep, "SleepAction");

#undef ST
#define ST struct pv_probe
static const struct pv_field probe_fields[] = {
	F("exec", PV_F_OBJ, exec, .type = &exec_type),
	F("httpGet", PV_F_OBJ, http_get, .type = &http_get_type),
	F("tcpSocket", PV_F_OBJ, tcp_socket, .type = &tcp_type),
	F("grpc", PV_F_OBJ, grpc, .type = &grpc_type),
	F("initialDelaySeconds", PV_F_INT, initial_delay_seconds, .flags = PV_FF_INT32),
	F("timeoutSeconds", PV_F_INT, timeout_seconds, .flags = PV_FF_INT32),
	F("periodSeconds", PV_F_INT, period_seconds, .flags = PV_FF_INT32),
	F("successThreshold", PV_F_INT, success_threshold, .flags = PV_FF_INT32),
	F("failureThreshold", PV_F_INT, failure_threshold, .flags = PV_FF_INT32),
	F("terminationGracePeriodSeconds", PV_F_INT, termination_grace_period_seconds),
	PV_FIELD_END,
};
TYPE(probe, "Probe");

#undef ST
#define ST struct pv_handler
static const struct pv_field handler_fields[] = {
	F("exec", PV_F_OBJ, exec, .type = &exec_type),
	F("httpGet", PV_F_OBJ, http_get, .type = &http_get_type),
	F("tcpSocket", PV_F_OBJ, tcp_socket, .type = &tcp_type),
	F("sleep", PV_F_OBJ, sleep, .type = &sleep_type),
	PV_FIELD_END,
};
TYPE(handler, "LifecycleHandler");

#undef ST
#define ST struct pv_lifecycle
static const struct pv_field lifecycle_fields[] = {
	F("postStart", PV_F_OBJ, post_start, .type = &handler_type),
	F("preStop", PV_F_OBJ, pre_stop, .type = &handler_type),
	F("stopSignal", PV_F_STR, stop_signal),
	PV_FIELD_END,
};
TYPE(lifecycle, "Lifecycle");

#undef ST
#define ST struct pv_capabilities
static const struct pv_field caps_fields[] = {
	F("add", PV_F_STRLIST, add),
	F("drop", PV_F_STRLIST, drop),
	PV_FIELD_END,
};
TYPE(caps, "Capabilities");

#undef ST
#define ST struct pv_seccomp_profile
static const struct pv_field seccomp_fields[] = {
	F("type", PV_F_STR, type, .enums = seccomp_types, .flags = PV_FF_REQUIRED),
	F("localhostProfile", PV_F_STR, localhost_profile),
	PV_FIELD_END,
};
TYPE(seccomp, "SeccompProfile");
/* AppArmorProfile has SeccompProfile's fields and types */
static const struct pv_type apparmor_type = { "AppArmorProfile", sizeof(ST), seccomp_fields };

#undef ST
#define ST struct pv_security_context
static const struct pv_field sc_fields[] = {
	F("capabilities", PV_F_OBJ, capabilities, .type = &caps_type),
	F("privileged", PV_F_BOOL, privileged),
	F("runAsUser", PV_F_INT, run_as_user),
	F("runAsGroup", PV_F_INT, run_as_group),
	F("runAsNonRoot", PV_F_BOOL, run_as_non_root),
	F("readOnlyRootFilesystem", PV_F_BOOL, read_only_root_filesystem),
	F("allowPrivilegeEscalation", PV_F_BOOL, allow_privilege_escalation),
	F("procMount", PV_F_STR, proc_mount, .enums = proc_mounts),
	F("seccompProfile", PV_F_OBJ, seccomp_profile, .type = &seccomp_type),
	IGN("seLinuxOptions"),
	IGN("windowsOptions"),
	F("appArmorProfile", PV_F_OBJ, app_armor_profile, .type = &apparmor_type),
	PV_FIELD_END,
};
TYPE(sc, "SecurityContext");

#define CONTAINER_FIELDS                                                                        \
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),                                     \
	F("image", PV_F_STR, image, .flags = PV_FF_REQUIRED),                                   \
	F("command", PV_F_STRLIST, command),                                                    \
	F("args", PV_F_STRLIST, args),                                                          \
	F("workingDir", PV_F_STR, working_dir),                                                 \
	F("ports", PV_F_LIST, ports, .type = &port_type),                                       \
	F("envFrom", PV_F_LIST, env_from, .type = &env_from_type),                              \
	F("env", PV_F_LIST, env, .type = &env_type),                                            \
	F("resources", PV_F_OBJ, resources, .type = &pv_type_resources),                        \
	F("volumeMounts", PV_F_LIST, volume_mounts, .type = &mount_type),                       \
	F("livenessProbe", PV_F_OBJ, liveness_probe, .type = &probe_type),                      \
	F("readinessProbe", PV_F_OBJ, readiness_probe, .type = &probe_type),                    \
	F("startupProbe", PV_F_OBJ, startup_probe, .type = &probe_type),                        \
	F("lifecycle", PV_F_OBJ, lifecycle, .type = &lifecycle_type),                           \
	F("terminationMessagePath", PV_F_STR, termination_message_path),                        \
	F("terminationMessagePolicy", PV_F_STR, termination_message_policy, .enums = msg_policies), \
	F("imagePullPolicy", PV_F_STR, image_pull_policy, .enums = pull_policies),              \
	F("securityContext", PV_F_OBJ, security_context, .type = &sc_type),                     \
	F("stdin", PV_F_BOOL, stdin),                                                           \
	F("stdinOnce", PV_F_BOOL, stdin_once),                                                  \
	F("tty", PV_F_BOOL, tty),                                                               \
	IGN("volumeDevices"),                                                                   \
	IGN("resizePolicy")

#undef ST
#define ST struct pv_container
static const struct pv_field container_fields[] = {
	CONTAINER_FIELDS,
	PV_FIELD_END,
};
TYPE(container, "Container");

static const struct pv_field init_container_fields[] = {
	CONTAINER_FIELDS,
	F("restartPolicy", PV_F_STR, restart_policy, .enums = init_restart_policies),
	PV_FIELD_END,
};
TYPE(init_container, "Container");

#undef ST
#define ST struct pv_host_path
static const struct pv_field host_path_fields[] = {
	F("path", PV_F_STR, path, .flags = PV_FF_REQUIRED),
	F("type", PV_F_STR, type, .enums = hostpath_types),
	PV_FIELD_END,
};
const struct pv_type pv_type_host_path = { "HostPathVolumeSource", sizeof(ST), host_path_fields };

#undef ST
#define ST struct pv_empty_dir
static const struct pv_field empty_dir_fields[] = {
	F("medium", PV_F_STR, medium),
	F("sizeLimit", PV_F_QTY, size_limit),
	PV_FIELD_END,
};
TYPE(empty_dir, "EmptyDirVolumeSource");

#undef ST
#define ST struct pv_key_to_path
static const struct pv_field ktp_fields[] = {
	F("key", PV_F_STR, key, .flags = PV_FF_REQUIRED),
	F("path", PV_F_STR, path, .flags = PV_FF_REQUIRED),
	F("mode", PV_F_INT, mode, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(ktp, "KeyToPath");

#undef ST
#define ST struct pv_configmap_vol
static const struct pv_field cm_vol_fields[] = {
	F("name", PV_F_STR, name),
	F("items", PV_F_LIST, items, .type = &ktp_type),
	F("defaultMode", PV_F_INT, default_mode, .flags = PV_FF_INT32),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(cm_vol, "ConfigMapVolumeSource");

static const struct pv_field cm_proj_fields[] = {
	F("name", PV_F_STR, name),
	F("items", PV_F_LIST, items, .type = &ktp_type),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(cm_proj, "ConfigMapProjection");

#undef ST
#define ST struct pv_secret_vol
static const struct pv_field secret_vol_fields[] = {
	F("secretName", PV_F_STR, secret_name),
	F("items", PV_F_LIST, items, .type = &ktp_type),
	F("defaultMode", PV_F_INT, default_mode, .flags = PV_FF_INT32),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(secret_vol, "SecretVolumeSource");

/* A projected secret names itself with "name", not "secretName". */
static const struct pv_field secret_proj_fields[] = {
	F("name", PV_F_STR, secret_name),
	F("items", PV_F_LIST, items, .type = &ktp_type),
	F("optional", PV_F_BOOL, optional),
	PV_FIELD_END,
};
TYPE(secret_proj, "SecretProjection");

#undef ST
#define ST struct pv_pvc_vol
static const struct pv_field pvc_vol_fields[] = {
	F("claimName", PV_F_STR, claim_name, .flags = PV_FF_REQUIRED),
	F("readOnly", PV_F_BOOL, read_only),
	PV_FIELD_END,
};
TYPE(pvc_vol, "PersistentVolumeClaimVolumeSource");

#undef ST
#define ST struct pv_downward_file
static const struct pv_field dfile_fields[] = {
	F("path", PV_F_STR, path, .flags = PV_FF_REQUIRED),
	F("fieldRef", PV_F_OBJ, field_ref, .type = &field_sel_type),
	F("resourceFieldRef", PV_F_OBJ, resource_field_ref, .type = &res_sel_type),
	F("mode", PV_F_INT, mode, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(dfile, "DownwardAPIVolumeFile");

#undef ST
#define ST struct pv_downward_vol
static const struct pv_field downward_fields[] = {
	F("items", PV_F_LIST, items, .type = &dfile_type),
	F("defaultMode", PV_F_INT, default_mode, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(downward, "DownwardAPIVolumeSource");

static const struct pv_field downward_proj_fields[] = {
	F("items", PV_F_LIST, items, .type = &dfile_type),
	PV_FIELD_END,
};
TYPE(downward_proj, "DownwardAPIProjection");

#undef ST
#define ST struct pv_sa_token_proj
static const struct pv_field sat_fields[] = {
	F("audience", PV_F_STR, audience),
	F("expirationSeconds", PV_F_INT, expiration_seconds),
	F("path", PV_F_STR, path, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(sat, "ServiceAccountTokenProjection");

#undef ST
#define ST struct pv_projection
static const struct pv_field projection_fields[] = {
	F("configMap", PV_F_OBJ, config_map, .type = &cm_proj_type),
	F("secret", PV_F_OBJ, secret, .type = &secret_proj_type),
	F("downwardAPI", PV_F_OBJ, downward_api, .type = &downward_proj_type),
	F("serviceAccountToken", PV_F_OBJ, service_account_token, .type = &sat_type),
	IGN("clusterTrustBundle"),
	PV_FIELD_END,
};
TYPE(projection, "VolumeProjection");

#undef ST
#define ST struct pv_projected_vol
static const struct pv_field projected_fields[] = {
	F("sources", PV_F_LIST, sources, .type = &projection_type),
	F("defaultMode", PV_F_INT, default_mode, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(projected, "ProjectedVolumeSource");

#undef ST
#define ST struct pv_volume
static const struct pv_field volume_fields[] = {
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("hostPath", PV_F_OBJ, host_path, .type = &pv_type_host_path),
	F("emptyDir", PV_F_OBJ, empty_dir, .type = &empty_dir_type),
	F("configMap", PV_F_OBJ, config_map, .type = &cm_vol_type),
	F("secret", PV_F_OBJ, secret, .type = &secret_vol_type),
	F("persistentVolumeClaim", PV_F_OBJ, persistent_volume_claim, .type = &pvc_vol_type),
	F("downwardAPI", PV_F_OBJ, downward_api, .type = &downward_type),
	F("projected", PV_F_OBJ, projected, .type = &projected_type),
	UNSUP("awsElasticBlockStore"), UNSUP("azureDisk"), UNSUP("azureFile"),
	UNSUP("cephfs"), UNSUP("cinder"), UNSUP("csi"), UNSUP("ephemeral"), UNSUP("fc"),
	UNSUP("flexVolume"), UNSUP("flocker"), UNSUP("gcePersistentDisk"), UNSUP("gitRepo"),
	UNSUP("glusterfs"), UNSUP("image"), UNSUP("iscsi"), UNSUP("nfs"),
	UNSUP("photonPersistentDisk"), UNSUP("portworxVolume"), UNSUP("quobyte"), UNSUP("rbd"),
	UNSUP("scaleIO"), UNSUP("storageos"), UNSUP("vsphereVolume"),
	PV_FIELD_END,
};
TYPE(volume, "Volume");

#undef ST
#define ST struct pv_node_affinity
static const struct pv_field node_affinity_fields[] = {
	F("requiredDuringSchedulingIgnoredDuringExecution", PV_F_OBJ, required,
	  .type = &pv_type_node_selector),
	/* one node: there is no other to prefer (support.c) */
	SILENT("preferredDuringSchedulingIgnoredDuringExecution"),
	PV_FIELD_END,
};
TYPE(node_affinity, "NodeAffinity");

#undef ST
#define ST struct pv_affinity
static const struct pv_field affinity_fields[] = {
	F("nodeAffinity", PV_F_OBJ, node_affinity, .type = &node_affinity_type),
	IGN("podAffinity"),
	IGN("podAntiAffinity"),
	PV_FIELD_END,
};
TYPE(affinity, "Affinity");

#undef ST
#define ST struct pv_sysctl
static const struct pv_field sysctl_fields[] = {
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("value", PV_F_STR, value, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(sysctl, "Sysctl");

#undef ST
#define ST struct pv_pod_security_context
static const struct pv_field psc_fields[] = {
	F("runAsUser", PV_F_INT, run_as_user),
	F("runAsGroup", PV_F_INT, run_as_group),
	F("runAsNonRoot", PV_F_BOOL, run_as_non_root),
	F("supplementalGroups", PV_F_INTLIST, supplemental_groups),
	F("fsGroup", PV_F_INT, fs_group),
	F("fsGroupChangePolicy", PV_F_STR, fs_group_change_policy, .enums = fsgroup_policies),
	F("sysctls", PV_F_LIST, sysctls, .type = &sysctl_type),
	F("seccompProfile", PV_F_OBJ, seccomp_profile, .type = &seccomp_type),
	IGN("seLinuxOptions"),
	IGN("windowsOptions"),
	F("appArmorProfile", PV_F_OBJ, app_armor_profile, .type = &apparmor_type),
	F("supplementalGroupsPolicy", PV_F_STR, supplemental_groups_policy,
	  .enums = supplemental_groups_policies),
	IGN("seLinuxChangePolicy"),
	PV_FIELD_END,
};
TYPE(psc, "PodSecurityContext");

#undef ST
#define ST struct pv_host_alias
static const struct pv_field host_alias_fields[] = {
	F("ip", PV_F_STR, ip, .flags = PV_FF_REQUIRED),
	F("hostnames", PV_F_STRLIST, hostnames),
	PV_FIELD_END,
};
TYPE(host_alias, "HostAlias");

#undef ST
#define ST struct pv_dns_option
static const struct pv_field dns_option_fields[] = {
	F("name", PV_F_STR, name),
	F("value", PV_F_STR, value),
	PV_FIELD_END,
};
TYPE(dns_option, "PodDNSConfigOption");

#undef ST
#define ST struct pv_dns_config
static const struct pv_field dns_config_fields[] = {
	F("nameservers", PV_F_STRLIST, nameservers),
	F("searches", PV_F_STRLIST, searches),
	F("options", PV_F_LIST, options, .type = &dns_option_type),
	PV_FIELD_END,
};
TYPE(dns_config, "PodDNSConfig");

#undef ST
#define ST struct pv_local_ref
static const struct pv_field local_ref_fields[] = {
	/* not required: the API accepts an empty name, with a warning */
	F("name", PV_F_STR, name),
	PV_FIELD_END,
};
TYPE(local_ref, "LocalObjectReference");

#undef ST
#define ST struct pv_pod_spec
static const struct pv_field pod_spec_fields[] = {
	F("volumes", PV_F_LIST, volumes, .type = &volume_type),
	F("initContainers", PV_F_LIST, init_containers, .type = &init_container_type),
	F("containers", PV_F_LIST, containers, .type = &container_type, .flags = PV_FF_REQUIRED),
	F("restartPolicy", PV_F_STR, restart_policy, .enums = restart_policies),
	F("terminationGracePeriodSeconds", PV_F_INT, termination_grace_period_seconds),
	F("activeDeadlineSeconds", PV_F_INT, active_deadline_seconds),
	F("dnsPolicy", PV_F_STR, dns_policy, .enums = dns_policies),
	F("nodeSelector", PV_F_STRMAP, node_selector),
	F("serviceAccountName", PV_F_STR, service_account_name),
	SILENT("serviceAccount"),
	F("automountServiceAccountToken", PV_F_BOOL, automount_service_account_token),
	F("nodeName", PV_F_STR, node_name),
	F("hostNetwork", PV_F_BOOL, host_network),
	F("hostPID", PV_F_BOOL, host_pid),
	F("hostIPC", PV_F_BOOL, host_ipc),
	F("shareProcessNamespace", PV_F_BOOL, share_process_namespace),
	F("securityContext", PV_F_OBJ, security_context, .type = &psc_type),
	F("hostname", PV_F_STR, hostname),
	F("subdomain", PV_F_STR, subdomain),
	F("affinity", PV_F_OBJ, affinity, .type = &affinity_type),
	F("schedulerName", PV_F_STR, scheduler_name),
	F("priorityClassName", PV_F_STR, priority_class_name),
	F("hostAliases", PV_F_LIST, host_aliases, .type = &host_alias_type),
	F("dnsConfig", PV_F_OBJ, dns_config, .type = &dns_config_type),
	F("enableServiceLinks", PV_F_BOOL, enable_service_links),
	F("setHostnameAsFQDN", PV_F_BOOL, set_hostname_as_fqdn),
	F("hostUsers", PV_F_BOOL, host_users),
	F("imagePullSecrets", PV_F_LIST, image_pull_secrets, .type = &local_ref_type),
	IGN("tolerations"),
	IGN("priority"),
	IGN("readinessGates"),
	IGN("runtimeClassName"),
	IGN("preemptionPolicy"),
	IGN("overhead"),
	IGN("topologySpreadConstraints"),
	IGN("os"),
	IGN("schedulingGates"),
	IGN("resourceClaims"),
	IGN("ephemeralContainers"),
	IGN("resources"),
	PV_FIELD_END,
};
const struct pv_type pv_type_pod_spec = { "PodSpec", sizeof(ST), pod_spec_fields };

#undef ST
#define ST struct pv_pod_template
static const struct pv_field template_fields[] = {
	F("metadata", PV_F_OBJ, metadata, .type = &pv_type_meta),
	F("spec", PV_F_OBJ, spec, .type = &pv_type_pod_spec, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_pod_template = { "PodTemplateSpec", sizeof(ST), template_fields };

#undef ST
#define ST struct pv_pod
static const struct pv_field pod_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &pv_type_pod_spec, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_pod = { "Pod", sizeof(ST), pod_fields };
