/* Field tables: Namespace, Service, ConfigMap, Secret. */
#include "manifests/schema.h"
#include "manifests/schema_macros.h"

ENUM(svc_types, "ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
ENUM(affinities, "None", "ClientIP");
ENUM(traffic_policies, "Cluster", "Local");
ENUM(protocols, "TCP", "UDP", "SCTP");

#undef ST
#define ST struct pv_namespace
static const struct pv_field ns_fields[] = {
	OBJ_HEAD,
	SILENT("spec"),
	PV_FIELD_END,
};
const struct pv_type pv_type_namespace = { "Namespace", sizeof(ST), ns_fields };

#undef ST
#define ST struct pv_service_port
static const struct pv_field svc_port_fields[] = {
	F("name", PV_F_STR, name),
	F("protocol", PV_F_STR, protocol, .enums = protocols),
	F("appProtocol", PV_F_STR, app_protocol),
	F("port", PV_F_INT, port, .flags = PV_FF_REQUIRED | PV_FF_INT32),
	F("targetPort", PV_F_INTSTR, target_port),
	F("nodePort", PV_F_INT, node_port, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(svc_port, "ServicePort");

#undef ST
#define ST struct pv_client_ip_config
static const struct pv_field client_ip_fields[] = {
	F("timeoutSeconds", PV_F_INT, timeout_seconds, .flags = PV_FF_INT32),
	PV_FIELD_END,
};
TYPE(client_ip, "ClientIPConfig");

#undef ST
#define ST struct pv_session_affinity_config
static const struct pv_field sac_fields[] = {
	F("clientIP", PV_F_OBJ, client_ip, .type = &client_ip_type),
	PV_FIELD_END,
};
TYPE(sac, "SessionAffinityConfig");

#undef ST
#define ST struct pv_service_spec
static const struct pv_field svc_spec_fields[] = {
	F("type", PV_F_STR, type, .enums = svc_types),
	F("clusterIP", PV_F_STR, cluster_ip),
	F("clusterIPs", PV_F_STRLIST, cluster_ips),
	F("ports", PV_F_LIST, ports, .type = &svc_port_type),
	F("selector", PV_F_STRMAP, selector),
	F("sessionAffinity", PV_F_STR, session_affinity, .enums = affinities),
	F("sessionAffinityConfig", PV_F_OBJ, session_affinity_config, .type = &sac_type),
	F("externalName", PV_F_STR, external_name),
	F("externalIPs", PV_F_STRLIST, external_ips),
	F("externalTrafficPolicy", PV_F_STR, external_traffic_policy, .enums = traffic_policies),
	F("internalTrafficPolicy", PV_F_STR, internal_traffic_policy, .enums = traffic_policies),
	F("publishNotReadyAddresses", PV_F_BOOL, publish_not_ready_addresses),
	F("loadBalancerIP", PV_F_STR, load_balancer_ip),
	IGN("loadBalancerSourceRanges"),
	IGN("loadBalancerClass"),
	IGN("allocateLoadBalancerNodePorts"),
	IGN("healthCheckNodePort"),
	IGN("ipFamilies"),
	IGN("ipFamilyPolicy"),
	IGN("trafficDistribution"),
	PV_FIELD_END,
};
TYPE(svc_spec, "ServiceSpec");

#undef ST
#define ST struct pv_service
static const struct pv_field svc_fields[] = {
	OBJ_HEAD,
	F("spec", PV_F_OBJ, spec, .type = &svc_spec_type),
	PV_FIELD_END,
};
const struct pv_type pv_type_service = { "Service", sizeof(ST), svc_fields };

#undef ST
#define ST struct pv_configmap
static const struct pv_field cm_fields[] = {
	OBJ_HEAD,
	F("data", PV_F_STRMAP, data),
	F("binaryData", PV_F_STRMAP, binary_data),
	F("immutable", PV_F_BOOL, immutable),
	PV_FIELD_END,
};
const struct pv_type pv_type_configmap = { "ConfigMap", sizeof(ST), cm_fields };

#undef ST
#define ST struct pv_secret
static const struct pv_field secret_fields[] = {
	OBJ_HEAD,
	F("type", PV_F_STR, type),
	F("data", PV_F_STRMAP, data),
	F("stringData", PV_F_STRMAP, string_data),
	F("immutable", PV_F_BOOL, immutable),
	PV_FIELD_END,
};
const struct pv_type pv_type_secret = { "Secret", sizeof(ST), secret_fields };
