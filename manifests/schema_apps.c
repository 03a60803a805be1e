/* Field tables: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob. */
#include "manifests/schema.h"
#include "manifests/schema_macros.h"

ENUM(deploy_strategies, "RollingUpdate", "Recreate");
ENUM(set_strategies, "RollingUpdate", "OnDelete");
ENUM(pod_mgmt_policies, "OrderedReady", "Parallel");
ENUM(retention_policies, "Retain", "Delete");
ENUM(completion_modes, "NonIndexed", "Indexed");
ENUM(concurrency_policies, "Allow", "Forbid", "Replace");

#undef ST
#define ST struct pv_rolling_update
static const struct pv_field deploy_ru_fields[] = {
	F("maxUnavailable", PV_F_INTSTR, max_unavailable),
	F("maxSurge", PV_F_INTSTR, max_surge),
	PV_FIELD_END,
};
TYPE(deploy_ru, "RollingUpdateDeployment");

static const struct pv_field sts_ru_fields[] = {
	F("partition", PV_F_INT, partition, .flags = PV_FF_INT32),
	F("maxUnavailable", PV_F_INTSTR, max_unavailable),
	PV_FIELD_END,
};
TYPE(sts_ru, "RollingUpdateStatefulSetStrategy");

#undef ST
#define ST struct pv_strategy
static const struct pv_field deploy_strategy_fields[] = {
	F("type", PV_F_STR, type, .enums = deploy_strategies),
	F("rollingUpdate", PV_F_OBJ, rolling_update, .type = &deploy_ru_type),
	PV_FIELD_END,
};
TYPE(deploy_strategy, "DeploymentStrategy");

static const struct pv_field sts_strategy_fields[] = {
	F("type", PV_F_STR, type, .enums = set_strategies),
	F("rollingUpdate", PV_F_OBJ, rolling_update, .type = &sts_ru_type),
	PV_FIELD_END,
};
TYPE(sts_strategy, "StatefulSetUpdateStrategy");

/* A DaemonSet's rolling update has maxUnavailable and maxSurge. */
static const struct pv_field ds_strategy_fields[] = {
	F("type", PV_F_STR, type, .enums = set_strategies),
	F("rollingUpdate", PV_F_OBJ, rolling_update, .type = &deploy_ru_type),
	PV_FIELD_END,
};
TYPE(ds_strategy, "DaemonSetUpdateStrategy");

#define WORKLOAD_FIELDS                                                              \
	F("selector", PV_F_OBJ, selector, .type = &pv_type_label_selector),          \
	F("template", PV_F_OBJ, template, .type = &pv_type_pod_template,             \
	  .flags = PV_FF_REQUIRED),                                                  \
	F("minReadySeconds", PV_F_INT, min_ready_seconds, .flags = PV_FF_INT32)

#undef ST
#define ST struct pv_deployment_spec
static const struct pv_field deploy_spec_fields[] = {
	F("replicas", PV_F_INT, replicas, .flags = PV_FF_INT32),
	WORKLOAD_FIELDS,
	F("strategy", PV_F_OBJ, strategy, .type = &deploy_strategy_type),
	F("revisionHistoryLimit", PV_F_INT, revision_history_limit, .flags = PV_FF_INT32),
	F("progressDeadlineSeconds", PV_F_INT, progress_deadline_seconds, .flags = PV_FF_INT32),
	F("paused", PV_F_BOOL, paused),
	PV_FIELD_END,
};
TYPE(deploy_spec, "DeploymentSpec");

#undef ST
#define ST struct pv_deployment
static const struct pv_field deploy_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &deploy_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_deployment = { "Deployment", sizeof(ST), deploy_fields };

#undef ST
#define ST struct pv_replicaset_spec
static const struct pv_field rs_spec_fields[] = {
	F("replicas", PV_F_INT, replicas, .flags = PV_FF_INT32),
	WORKLOAD_FIELDS,
	PV_FIELD_END,
};
TYPE(rs_spec, "ReplicaSetSpec");

#undef ST
#define ST struct pv_replicaset
static const struct pv_field rs_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &rs_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_replicaset = { "ReplicaSet", sizeof(ST), rs_fields };

#undef ST
#define ST struct pv_pvc_retention
static const struct pv_field retention_fields[] = {
	F("whenDeleted", PV_F_STR, when_deleted, .enums = retention_policies),
	F("whenScaled", PV_F_STR, when_scaled, .enums = retention_policies),
	PV_FIELD_END,
};
TYPE(retention, "StatefulSetPersistentVolumeClaimRetentionPolicy");

#undef ST
#define ST struct pv_sts_ordinals
static const struct pv_field sts_ordinals_fields[] = {
	F("start", PV_F_INT, start, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(sts_ordinals, "StatefulSetOrdinals");

#undef ST
#define ST struct pv_statefulset_spec
static const struct pv_field sts_spec_fields[] = {
	F("replicas", PV_F_INT, replicas, .flags = PV_FF_INT32),
	WORKLOAD_FIELDS,
	F("serviceName", PV_F_STR, service_name),
	F("podManagementPolicy", PV_F_STR, pod_management_policy, .enums = pod_mgmt_policies),
	F("updateStrategy", PV_F_OBJ, update_strategy, .type = &sts_strategy_type),
	F("volumeClaimTemplates", PV_F_LIST, volume_claim_templates, .type = &pv_type_pvc),
	F("revisionHistoryLimit", PV_F_INT, revision_history_limit, .flags = PV_FF_INT32),
	F("persistentVolumeClaimRetentionPolicy", PV_F_OBJ,
	  persistent_volume_claim_retention_policy, .type = &retention_type),
	F("ordinals", PV_F_OBJ, ordinals, .type = &sts_ordinals_type),
	PV_FIELD_END,
};
TYPE(sts_spec, "StatefulSetSpec");

#undef ST
#define ST struct pv_statefulset
static const struct pv_field sts_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &sts_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_statefulset = { "StatefulSet", sizeof(ST), sts_fields };

#undef ST
#define ST struct pv_daemonset_spec
static const struct pv_field ds_spec_fields[] = {
	WORKLOAD_FIELDS,
	F("updateStrategy", PV_F_OBJ, update_strategy, .type = &ds_strategy_type),
	F("revisionHistoryLimit", PV_F_INT, revision_history_limit, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(ds_spec, "DaemonSetSpec");

#undef ST
#define ST struct pv_daemonset
static const struct pv_field ds_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &ds_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_daemonset = { "DaemonSet", sizeof(ST), ds_fields };

ENUM(pfp_actions, "FailJob", "FailIndex", "Ignore", "Count");
ENUM(pfp_operators, "In", "NotIn");
ENUM(pod_replacement_policies, "TerminatingOrFailed", "Failed");

#undef ST
#define ST struct pv_pfp_exit_codes
static const struct pv_field pfp_exit_codes_fields[] = {
	F("containerName", PV_F_STR, container_name),
	F("operator", PV_F_STR, operator, .enums = pfp_operators, .flags = PV_FF_REQUIRED),
	F("values", PV_F_INTLIST, values, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(pfp_exit_codes, "PodFailurePolicyOnExitCodesRequirement");

#undef ST
#define ST struct pv_pfp_condition
static const struct pv_field pfp_condition_fields[] = {
	F("type", PV_F_STR, type, .flags = PV_FF_REQUIRED),
	F("status", PV_F_STR, status),
	PV_FIELD_END,
};
TYPE(pfp_condition, "PodFailurePolicyOnPodConditionsPattern");

#undef ST
#define ST struct pv_pfp_rule
static const struct pv_field pfp_rule_fields[] = {
	F("action", PV_F_STR, action, .enums = pfp_actions, .flags = PV_FF_REQUIRED),
	F("onExitCodes", PV_F_OBJ, on_exit_codes, .type = &pfp_exit_codes_type),
	F("onPodConditions", PV_F_LIST, on_pod_conditions, .type = &pfp_condition_type),
	PV_FIELD_END,
};
TYPE(pfp_rule, "PodFailurePolicyRule");

#undef ST
#define ST struct pv_pod_failure_policy
static const struct pv_field pfp_fields[] = {
	F("rules", PV_F_LIST, rules, .type = &pfp_rule_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(pfp, "PodFailurePolicy");

#undef ST
#define ST struct pv_success_rule
static const struct pv_field success_rule_fields[] = {
	F("succeededIndexes", PV_F_STR, succeeded_indexes),
	F("succeededCount", PV_F_INT, succeeded_count, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(success_rule, "SuccessPolicyRule");

#undef ST
#define ST struct pv_success_policy
static const struct pv_field success_policy_fields[] = {
	F("rules", PV_F_LIST, rules, .type = &success_rule_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(success_policy, "SuccessPolicy");

#undef ST
#define ST struct pv_job_spec
static const struct pv_field job_spec_fields[] = {
	F("parallelism", PV_F_INT, parallelism, .flags = PV_FF_INT32),
	F("completions", PV_F_INT, completions, .flags = PV_FF_INT32),
	F("activeDeadlineSeconds", PV_F_INT, active_deadline_seconds),
	F("backoffLimit", PV_F_INT, backoff_limit, .flags = PV_FF_INT32),
	F("selector", PV_F_OBJ, selector, .type = &pv_type_label_selector),
	F("manualSelector", PV_F_BOOL, manual_selector),
	F("template", PV_F_OBJ, template, .type = &pv_type_pod_template, .flags = PV_FF_REQUIRED),
	F("ttlSecondsAfterFinished", PV_F_INT, ttl_seconds_after_finished, .flags = PV_FF_INT32),
	F("completionMode", PV_F_STR, completion_mode, .enums = completion_modes),
	F("suspend", PV_F_BOOL, suspend),
	F("podFailurePolicy", PV_F_OBJ, pod_failure_policy, .type = &pfp_type),
	F("backoffLimitPerIndex", PV_F_INT, backoff_limit_per_index, .flags = PV_FF_INT32),
	F("maxFailedIndexes", PV_F_INT, max_failed_indexes, .flags = PV_FF_INT32),
	F("podReplacementPolicy", PV_F_STR, pod_replacement_policy,
	  .enums = pod_replacement_policies),
	F("successPolicy", PV_F_OBJ, success_policy, .type = &success_policy_type),
	IGN("managedBy"),
	PV_FIELD_END,
};
TYPE(job_spec, "JobSpec");

#undef ST
#define ST struct pv_job
static const struct pv_field job_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &job_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_job = { "Job", sizeof(ST), job_fields };

#undef ST
#define ST struct pv_job_template
static const struct pv_field job_template_fields[] = {
	F("metadata", PV_F_OBJ, metadata, .type = &pv_type_meta),
	F("spec", PV_F_OBJ, spec, .type = &job_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
TYPE(job_template, "JobTemplateSpec");

#undef ST
#define ST struct pv_cronjob_spec
static const struct pv_field cronjob_spec_fields[] = {
	F("schedule", PV_F_STR, schedule, .flags = PV_FF_REQUIRED),
	F("timeZone", PV_F_STR, time_zone),
	F("startingDeadlineSeconds", PV_F_INT, starting_deadline_seconds),
	F("concurrencyPolicy", PV_F_STR, concurrency_policy, .enums = concurrency_policies),
	F("suspend", PV_F_BOOL, suspend),
	F("jobTemplate", PV_F_OBJ, job_template, .type = &job_template_type,
	  .flags = PV_FF_REQUIRED),
	F("successfulJobsHistoryLimit", PV_F_INT, successful_jobs_history_limit,
	  .flags = PV_FF_INT32),
	F("failedJobsHistoryLimit", PV_F_INT, failed_jobs_history_limit, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(cronjob_spec, "CronJobSpec");

#undef ST
#define ST struct pv_cronjob
static const struct pv_field cronjob_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &cronjob_spec_type, .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_cronjob = { "CronJob", sizeof(ST), cronjob_fields };
