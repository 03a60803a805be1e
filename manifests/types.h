/* Typed Kubernetes objects as podvisor understands them.
 *
 * Every struct that maps a YAML mapping starts with `struct pv_hdr hdr`:
 * whether it was written (or defaulted) and where. Scalars carry their
 * own location so that validation can point at the exact line. All
 * memory belongs to the arena of the file the object came from. Field
 * names follow the Kubernetes API (camelCase there, snake_case here). */
#ifndef PV_MANIFESTS_TYPES_H
#define PV_MANIFESTS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifests/diag.h"
#include "manifests/quantity.h"

struct pv_hdr {
	struct pv_loc loc;
	bool set;
};

struct pv_str {
	const char *v; /* NULL: absent */
	struct pv_loc loc;
};

struct pv_int {
	int64_t v;
	bool set;
	struct pv_loc loc;
};

struct pv_bool {
	bool v;
	bool set;
	struct pv_loc loc;
};

struct pv_intstr {
	bool set;
	bool is_str;
	int64_t i;
	const char *s;
	struct pv_loc loc;
};

struct pv_qtyval {
	const char *s; /* as written; NULL: absent */
	bool invalid;  /* written, but not a quantity (the error is reported) */
	struct pv_qty q;
	struct pv_loc loc;
};

/* Every list has this layout, whatever its element type. */
#define PV_LIST(T)                 \
	struct {                   \
		size_t n;          \
		T *items;          \
		bool set;          \
		struct pv_loc loc; \
	}

struct pv_kv {
	const char *key;
	const char *value;
	struct pv_loc kloc, vloc;
};

struct pv_qkv {
	const char *key;
	struct pv_loc kloc;
	struct pv_qtyval val;
};

typedef PV_LIST(struct pv_str) pv_strlist;
typedef PV_LIST(struct pv_kv) pv_strmap;
typedef PV_LIST(struct pv_qkv) pv_qtymap;

/* ---- metadata and selectors ---- */

struct pv_owner_ref {
	struct pv_hdr hdr;
	struct pv_str api_version, kind, name, uid;
	struct pv_bool controller, block_owner_deletion;
};

struct pv_meta {
	struct pv_hdr hdr;
	struct pv_str name, generate_name, namespace, uid;
	pv_strmap labels, annotations;
	PV_LIST(struct pv_owner_ref) owner_references;
	pv_strlist finalizers;
};

struct pv_label_req {
	struct pv_hdr hdr;
	struct pv_str key, operator;
	pv_strlist values;
};

struct pv_label_selector {
	struct pv_hdr hdr;
	pv_strmap match_labels;
	PV_LIST(struct pv_label_req) match_expressions;
};

/* ---- containers ---- */

struct pv_object_field_sel {
	struct pv_hdr hdr;
	struct pv_str api_version, field_path;
};

struct pv_resource_field_sel {
	struct pv_hdr hdr;
	struct pv_str container_name, resource;
	struct pv_qtyval divisor;
};

struct pv_key_sel {
	struct pv_hdr hdr;
	struct pv_str name, key;
	struct pv_bool optional;
};

struct pv_env_source {
	struct pv_hdr hdr;
	struct pv_object_field_sel field_ref;
	struct pv_resource_field_sel resource_field_ref;
	struct pv_key_sel config_map_key_ref, secret_key_ref;
};

struct pv_env {
	struct pv_hdr hdr;
	struct pv_str name, value;
	struct pv_env_source value_from;
};

struct pv_ref_sel {
	struct pv_hdr hdr;
	struct pv_str name;
	struct pv_bool optional;
};

struct pv_env_from {
	struct pv_hdr hdr;
	struct pv_str prefix;
	struct pv_ref_sel config_map_ref, secret_ref;
};

struct pv_container_port {
	struct pv_hdr hdr;
	struct pv_str name, protocol, host_ip;
	struct pv_int container_port, host_port;
};

struct pv_volume_mount {
	struct pv_hdr hdr;
	struct pv_str name, mount_path, sub_path, sub_path_expr, mount_propagation;
	struct pv_bool read_only;
};

struct pv_resources {
	struct pv_hdr hdr;
	pv_qtymap limits, requests;
};

struct pv_http_header {
	struct pv_hdr hdr;
	struct pv_str name, value;
};

struct pv_exec_action {
	struct pv_hdr hdr;
	pv_strlist command;
};

struct pv_http_get {
	struct pv_hdr hdr;
	struct pv_str path, host, scheme;
	struct pv_intstr port;
	PV_LIST(struct pv_http_header) http_headers;
};

struct pv_tcp_socket {
	struct pv_hdr hdr;
	struct pv_str host;
	struct pv_intstr port;
};

struct pv_grpc_action {
	struct pv_hdr hdr;
	struct pv_int port;
	struct pv_str service;
};

struct pv_sleep_action {
	struct pv_hdr hdr;
	struct pv_int seconds;
};

struct pv_probe {
	struct pv_hdr hdr;
	struct pv_exec_action exec;
	struct pv_http_get http_get;
	struct pv_tcp_socket tcp_socket;
	struct pv_grpc_action grpc;
	struct pv_int initial_delay_seconds, timeout_seconds, period_seconds;
	struct pv_int success_threshold, failure_threshold, termination_grace_period_seconds;
};

struct pv_handler {
	struct pv_hdr hdr;
	struct pv_exec_action exec;
	struct pv_http_get http_get;
	struct pv_tcp_socket tcp_socket;
	struct pv_sleep_action sleep;
};

struct pv_lifecycle {
	struct pv_hdr hdr;
	struct pv_handler post_start, pre_stop;
	struct pv_str stop_signal; /* "SIGTERM", ...: what stops the container */
};

struct pv_capabilities {
	struct pv_hdr hdr;
	pv_strlist add, drop;
};

struct pv_seccomp_profile {
	struct pv_hdr hdr;
	struct pv_str type, localhost_profile;
};

struct pv_security_context {
	struct pv_hdr hdr;
	struct pv_capabilities capabilities;
	struct pv_bool privileged, run_as_non_root, read_only_root_filesystem;
	struct pv_bool allow_privilege_escalation;
	struct pv_int run_as_user, run_as_group;
	struct pv_str proc_mount;
	struct pv_seccomp_profile seccomp_profile;
	struct pv_seccomp_profile app_armor_profile; /* the same shape: type, localhostProfile */
};

struct pv_container {
	struct pv_hdr hdr;
	struct pv_str name, image, image_pull_policy, working_dir;
	pv_strlist command, args;
	PV_LIST(struct pv_container_port) ports;
	PV_LIST(struct pv_env) env;
	PV_LIST(struct pv_env_from) env_from;
	struct pv_resources resources;
	PV_LIST(struct pv_volume_mount) volume_mounts;
	struct pv_probe liveness_probe, readiness_probe, startup_probe;
	struct pv_lifecycle lifecycle;
	struct pv_str termination_message_path, termination_message_policy;
	struct pv_security_context security_context;
	struct pv_bool stdin, stdin_once, tty;
	struct pv_str restart_policy; /* init containers only: "Always" = sidecar */
};

/* ---- volumes ---- */

struct pv_host_path {
	struct pv_hdr hdr;
	struct pv_str path, type;
};

struct pv_empty_dir {
	struct pv_hdr hdr;
	struct pv_str medium;
	struct pv_qtyval size_limit;
};

struct pv_key_to_path {
	struct pv_hdr hdr;
	struct pv_str key, path;
	struct pv_int mode;
};

struct pv_configmap_vol {
	struct pv_hdr hdr;
	struct pv_str name;
	PV_LIST(struct pv_key_to_path) items;
	struct pv_int default_mode;
	struct pv_bool optional;
};

struct pv_secret_vol {
	struct pv_hdr hdr;
	struct pv_str secret_name;
	PV_LIST(struct pv_key_to_path) items;
	struct pv_int default_mode;
	struct pv_bool optional;
};

struct pv_pvc_vol {
	struct pv_hdr hdr;
	struct pv_str claim_name;
	struct pv_bool read_only;
};

struct pv_downward_file {
	struct pv_hdr hdr;
	struct pv_str path;
	struct pv_object_field_sel field_ref;
	struct pv_resource_field_sel resource_field_ref;
	struct pv_int mode;
};

struct pv_downward_vol {
	struct pv_hdr hdr;
	PV_LIST(struct pv_downward_file) items;
	struct pv_int default_mode;
};

struct pv_sa_token_proj {
	struct pv_hdr hdr;
	struct pv_str audience, path;
	struct pv_int expiration_seconds;
};

struct pv_projection {
	struct pv_hdr hdr;
	struct pv_configmap_vol config_map;
	struct pv_secret_vol secret;
	struct pv_downward_vol downward_api;
	struct pv_sa_token_proj service_account_token;
};

struct pv_projected_vol {
	struct pv_hdr hdr;
	PV_LIST(struct pv_projection) sources;
	struct pv_int default_mode;
};

struct pv_volume {
	struct pv_hdr hdr;
	struct pv_str name;
	struct pv_host_path host_path;
	struct pv_empty_dir empty_dir;
	struct pv_configmap_vol config_map;
	struct pv_secret_vol secret;
	struct pv_pvc_vol persistent_volume_claim;
	struct pv_downward_vol downward_api;
	struct pv_projected_vol projected;
	struct pv_str unsupported; /* first volume source podvisor cannot provide */
};

/* ---- pods ---- */

struct pv_node_selector_term {
	struct pv_hdr hdr;
	PV_LIST(struct pv_label_req) match_expressions, match_fields;
};

struct pv_node_selector {
	struct pv_hdr hdr;
	PV_LIST(struct pv_node_selector_term) node_selector_terms;
};

struct pv_node_affinity {
	struct pv_hdr hdr;
	struct pv_node_selector required; /* requiredDuringSchedulingIgnoredDuringExecution */
};

struct pv_affinity {
	struct pv_hdr hdr;
	struct pv_node_affinity node_affinity;
};

struct pv_sysctl {
	struct pv_hdr hdr;
	struct pv_str name, value;
};

struct pv_pod_security_context {
	struct pv_hdr hdr;
	struct pv_int run_as_user, run_as_group, fs_group;
	struct pv_bool run_as_non_root;
	PV_LIST(struct pv_int) supplemental_groups;
	PV_LIST(struct pv_sysctl) sysctls;
	struct pv_str fs_group_change_policy;
	struct pv_seccomp_profile seccomp_profile;
	struct pv_str supplemental_groups_policy; /* Merge (default), Strict */
	struct pv_seccomp_profile app_armor_profile; /* the same shape: type, localhostProfile */
};

struct pv_host_alias {
	struct pv_hdr hdr;
	struct pv_str ip;
	pv_strlist hostnames;
};

struct pv_dns_option {
	struct pv_hdr hdr;
	struct pv_str name, value;
};

struct pv_dns_config {
	struct pv_hdr hdr;
	pv_strlist nameservers, searches;
	PV_LIST(struct pv_dns_option) options;
};

/* LocalObjectReference: an object of the same namespace, by name. */
struct pv_local_ref {
	struct pv_hdr hdr;
	struct pv_str name;
};

typedef PV_LIST(struct pv_container) pv_container_list;

struct pv_pod_spec {
	struct pv_hdr hdr;
	pv_container_list containers, init_containers;
	PV_LIST(struct pv_volume) volumes;
	struct pv_str restart_policy, dns_policy, hostname, subdomain;
	struct pv_str service_account_name, node_name, scheduler_name, priority_class_name;
	struct pv_int termination_grace_period_seconds, active_deadline_seconds;
	pv_strmap node_selector;
	struct pv_affinity affinity;
	struct pv_bool host_network, host_pid, host_ipc, share_process_namespace;
	struct pv_bool automount_service_account_token, enable_service_links;
	struct pv_bool set_hostname_as_fqdn;
	struct pv_pod_security_context security_context;
	PV_LIST(struct pv_host_alias) host_aliases;
	struct pv_dns_config dns_config;
	struct pv_bool host_users; /* false: the pod's own user namespace */
	/* Secrets (docker config) of the pod's namespace its pulls use */
	PV_LIST(struct pv_local_ref) image_pull_secrets;
};

struct pv_pod_template {
	struct pv_hdr hdr;
	struct pv_meta metadata;
	struct pv_pod_spec spec;
};

/* ---- top-level objects: each starts with the same head ---- */

struct pv_objhead {
	struct pv_hdr hdr;
	struct pv_str api_version, kind;
	struct pv_meta metadata;
};

struct pv_namespace {
	struct pv_objhead h;
};

struct pv_pod {
	struct pv_objhead h;
	struct pv_pod_spec spec;
};

struct pv_rolling_update {
	struct pv_hdr hdr;
	struct pv_intstr max_surge, max_unavailable;
	struct pv_int partition;
};

struct pv_strategy {
	struct pv_hdr hdr;
	struct pv_str type;
	struct pv_rolling_update rolling_update;
};

struct pv_deployment_spec {
	struct pv_hdr hdr;
	struct pv_int replicas, min_ready_seconds, revision_history_limit;
	struct pv_int progress_deadline_seconds;
	struct pv_bool paused;
	struct pv_label_selector selector;
	struct pv_pod_template template;
	struct pv_strategy strategy;
};

struct pv_deployment {
	struct pv_objhead h;
	struct pv_deployment_spec spec;
};

struct pv_replicaset_spec {
	struct pv_hdr hdr;
	struct pv_int replicas, min_ready_seconds;
	struct pv_label_selector selector;
	struct pv_pod_template template;
};

struct pv_replicaset {
	struct pv_objhead h;
	struct pv_replicaset_spec spec;
};

struct pv_pvc_spec {
	struct pv_hdr hdr;
	pv_strlist access_modes;
	struct pv_resources resources;
	struct pv_str storage_class_name, volume_name, volume_mode;
	struct pv_label_selector selector;
};

struct pv_pvc {
	struct pv_objhead h;
	struct pv_pvc_spec spec;
};

struct pv_pvc_retention {
	struct pv_hdr hdr;
	struct pv_str when_deleted, when_scaled;
};

struct pv_sts_ordinals {
	struct pv_hdr hdr;
	struct pv_int start;
};

struct pv_statefulset_spec {
	struct pv_hdr hdr;
	struct pv_int replicas, min_ready_seconds, revision_history_limit;
	struct pv_label_selector selector;
	struct pv_pod_template template;
	struct pv_str service_name, pod_management_policy;
	struct pv_strategy update_strategy;
	PV_LIST(struct pv_pvc) volume_claim_templates;
	struct pv_pvc_retention persistent_volume_claim_retention_policy;
	struct pv_sts_ordinals ordinals;
};

struct pv_statefulset {
	struct pv_objhead h;
	struct pv_statefulset_spec spec;
};

struct pv_daemonset_spec {
	struct pv_hdr hdr;
	struct pv_int min_ready_seconds, revision_history_limit;
	struct pv_label_selector selector;
	struct pv_pod_template template;
	struct pv_strategy update_strategy;
};

struct pv_daemonset {
	struct pv_objhead h;
	struct pv_daemonset_spec spec;
};

struct pv_pfp_exit_codes {
	struct pv_hdr hdr;
	struct pv_str container_name, operator;
	PV_LIST(struct pv_int) values;
};

struct pv_pfp_condition {
	struct pv_hdr hdr;
	struct pv_str type, status;
};

struct pv_pfp_rule {
	struct pv_hdr hdr;
	struct pv_str action;
	struct pv_pfp_exit_codes on_exit_codes;
	PV_LIST(struct pv_pfp_condition) on_pod_conditions;
};

struct pv_pod_failure_policy {
	struct pv_hdr hdr;
	PV_LIST(struct pv_pfp_rule) rules;
};

struct pv_success_rule {
	struct pv_hdr hdr;
	struct pv_str succeeded_indexes;
	struct pv_int succeeded_count;
};

struct pv_success_policy {
	struct pv_hdr hdr;
	PV_LIST(struct pv_success_rule) rules;
};

struct pv_job_spec {
	struct pv_hdr hdr;
	struct pv_int parallelism, completions, active_deadline_seconds, backoff_limit;
	struct pv_int ttl_seconds_after_finished;
	struct pv_int backoff_limit_per_index, max_failed_indexes;
	struct pv_bool manual_selector, suspend;
	struct pv_str completion_mode, pod_replacement_policy;
	struct pv_pod_failure_policy pod_failure_policy;
	struct pv_success_policy success_policy;
	struct pv_label_selector selector;
	struct pv_pod_template template;
};

struct pv_job {
	struct pv_objhead h;
	struct pv_job_spec spec;
};

struct pv_job_template {
	struct pv_hdr hdr;
	struct pv_meta metadata;
	struct pv_job_spec spec;
};

struct pv_cronjob_spec {
	struct pv_hdr hdr;
	struct pv_str schedule, time_zone, concurrency_policy;
	struct pv_int starting_deadline_seconds;
	struct pv_int successful_jobs_history_limit, failed_jobs_history_limit;
	struct pv_bool suspend;
	struct pv_job_template job_template;
};

struct pv_cronjob {
	struct pv_objhead h;
	struct pv_cronjob_spec spec;
};

struct pv_service_port {
	struct pv_hdr hdr;
	struct pv_str name, protocol, app_protocol;
	struct pv_int port, node_port;
	struct pv_intstr target_port;
};

struct pv_client_ip_config {
	struct pv_hdr hdr;
	struct pv_int timeout_seconds;
};

struct pv_session_affinity_config {
	struct pv_hdr hdr;
	struct pv_client_ip_config client_ip;
};

struct pv_service_spec {
	struct pv_hdr hdr;
	struct pv_str type, cluster_ip, external_name, session_affinity;
	struct pv_str external_traffic_policy, internal_traffic_policy, load_balancer_ip;
	pv_strlist cluster_ips, external_ips;
	PV_LIST(struct pv_service_port) ports;
	pv_strmap selector;
	struct pv_session_affinity_config session_affinity_config;
	struct pv_bool publish_not_ready_addresses;
};

struct pv_service {
	struct pv_objhead h;
	struct pv_service_spec spec;
};

struct pv_configmap {
	struct pv_objhead h;
	pv_strmap data, binary_data;
	struct pv_bool immutable;
};

struct pv_secret {
	struct pv_objhead h;
	struct pv_str type;
	pv_strmap data, string_data;
	struct pv_bool immutable;
};

struct pv_local_vol {
	struct pv_hdr hdr;
	struct pv_str path, fs_type;
};

struct pv_volume_node_affinity {
	struct pv_hdr hdr;
	struct pv_node_selector required;
};

struct pv_claim_ref {
	struct pv_hdr hdr;
	struct pv_str kind, namespace, name, uid, api_version;
};

struct pv_pv_spec {
	struct pv_hdr hdr;
	pv_qtymap capacity;
	pv_strlist access_modes, mount_options;
	struct pv_str persistent_volume_reclaim_policy, storage_class_name, volume_mode;
	struct pv_host_path host_path;
	struct pv_local_vol local;
	struct pv_volume_node_affinity node_affinity;
	struct pv_claim_ref claim_ref;
	struct pv_str unsupported; /* first volume source podvisor cannot provide */
};

struct pv_pv {
	struct pv_objhead h;
	struct pv_pv_spec spec;
};

struct pv_storageclass {
	struct pv_objhead h;
	struct pv_str provisioner, reclaim_policy, volume_binding_mode;
	pv_strmap parameters;
	pv_strlist mount_options;
	struct pv_bool allow_volume_expansion;
};

/* The quantity at KEY of M ("memory", "storage"), if it is written and
 * valid; NULL otherwise. */
const struct pv_qtyval *pv_qtymap_get(const pv_qtymap *m, const char *key);

#endif
