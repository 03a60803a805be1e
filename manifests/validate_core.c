/* Validation of Namespace, Service, ConfigMap, Secret. */
#include "manifests/validate.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "manifests/names.h"

#define NODEPORT_MIN 30000
#define NODEPORT_MAX 32767
#define CONFIG_MAX_BYTES (1024 * 1024)

void pv_validate_namespace(struct pv_vctx *v, const void *obj)
{
	pv_validate_objmeta(v, &((const struct pv_namespace *)obj)->h, pv_check_dns1123_label);
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void validate_target_port(struct pv_vctx *v, const struct pv_intstr *t,
				 const struct pv_vpath *path)
{
	const char *why;

	if (!t->set)
		return;
	if (t->is_str) {
		why = pv_check_port_name(t->s);
		if (why)
			pv_verr(v, t->loc, path, "invalid port name \"%.64s\": %s", t->s, why);
	} else if (t->i < 1 || t->i > 65535) {
		pv_verr(v, t->loc, path, "invalid value %lld: must be between 1 and 65535, inclusive",
			(long long)t->i);
	}
}

static void validate_node_port(struct pv_vctx *v, const struct pv_service_spec *s,
			       const struct pv_service_port *p, const struct pv_vpath *path)
{
	bool np = strcmp(s->type.v, "NodePort") == 0 || strcmp(s->type.v, "LoadBalancer") == 0;

	if (!p->node_port.set || p->node_port.v == 0)
		return;
	if (!np)
		pv_verr(v, p->node_port.loc, path, "may not be used when type is \"%s\" "
			"(use type: NodePort)", s->type.v);
	else if (p->node_port.v < NODEPORT_MIN || p->node_port.v > NODEPORT_MAX)
		pv_verr(v, p->node_port.loc, path, "invalid value %lld: provided port is not in the "
			"valid range. The range of valid ports is %d-%d", (long long)p->node_port.v,
			NODEPORT_MIN, NODEPORT_MAX);
}

static void validate_service_ports(struct pv_vctx *v, const struct pv_service_spec *s)
{
	for (size_t i = 0; i < s->ports.n; i++) {
		const struct pv_service_port *p = &s->ports.items[i];
		const struct pv_vpath *pp = PV_VPATH("spec.ports[%zu]", i);

		pv_validate_port(v, &p->port, PV_VPATH("%s.port", pp), false);
		validate_target_port(v, &p->target_port, PV_VPATH("%s.targetPort", pp));
		validate_node_port(v, s, p, PV_VPATH("%s.nodePort", pp));
		pv_validate_name_field(v, &p->name, PV_VPATH("%s.name", pp),
				       pv_check_dns1123_label);
		if (s->ports.n > 1 && !p->name.v)
			pv_verr(v, p->hdr.loc, PV_VPATH("%s.name", pp),
				"required when a Service has more than one port");
		for (size_t j = 0; j < i; j++) {
			const struct pv_service_port *o = &s->ports.items[j];

			if (p->name.v && o->name.v && strcmp(p->name.v, o->name.v) == 0)
				pv_verr(v, p->name.loc, PV_VPATH("%s.name", pp),
					"duplicate port name \"%s\"", p->name.v);
			if (p->node_port.set && p->node_port.v && o->node_port.v == p->node_port.v &&
			    strcmp(o->protocol.v, p->protocol.v) == 0)
				pv_verr(v, p->node_port.loc, PV_VPATH("%s.nodePort", pp),
					"duplicate nodePort %lld", (long long)p->node_port.v);
		}
	}
}

static void validate_cluster_ip(struct pv_vctx *v, const struct pv_service_spec *s)
{
	const char *ip = s->cluster_ip.v;

	if (!ip || !ip[0] || strcmp(ip, "None") == 0)
		return;
	if (!is_ip(ip))
		pv_verr(v, s->cluster_ip.loc, PV_VPATH("spec.clusterIP"),
			"invalid value \"%.64s\": must be empty, \"None\", or a valid IP address", ip);
	if (strcmp(s->type.v, "ExternalName") == 0)
		pv_verr(v, s->cluster_ip.loc, PV_VPATH("spec.clusterIP"),
			"may not be set when type is ExternalName");
}

void pv_validate_service(struct pv_vctx *v, const void *obj)
{
	const struct pv_service *svc = obj;
	const struct pv_service_spec *s = &svc->spec;
	bool headless = s->cluster_ip.v && strcmp(s->cluster_ip.v, "None") == 0;
	bool ext = strcmp(s->type.v, "ExternalName") == 0;
	const struct pv_int *to = &s->session_affinity_config.client_ip.timeout_seconds;

	pv_validate_objmeta(v, &svc->h, pv_check_dns1035_label);
	if (ext && !s->external_name.v)
		pv_verr(v, s->hdr.loc.line ? s->hdr.loc : svc->h.hdr.loc,
			PV_VPATH("spec.externalName"),
			"required when type is ExternalName");
	pv_validate_name_field(v, &s->external_name, PV_VPATH("spec.externalName"),
			       pv_check_dns1123_subdomain);
	if (!ext && !headless && s->ports.n == 0)
		pv_verr(v, s->hdr.loc.line ? s->hdr.loc : svc->h.hdr.loc, PV_VPATH("spec.ports"),
			"required");
	if (headless && strcmp(s->type.v, "ClusterIP") != 0)
		pv_verr(v, s->cluster_ip.loc, PV_VPATH("spec.clusterIP"),
			"may not be \"None\" when type is \"%s\"", s->type.v);
	validate_cluster_ip(v, s);
	validate_service_ports(v, s);
	if (to->set && to->loc.line && (to->v < 1 || to->v > 86400))
		pv_verr(v, to->loc, PV_VPATH("spec.sessionAffinityConfig.clientIP.timeoutSeconds"),
			"must be greater than 0 and less than 86400");
	for (size_t i = 0; i < s->external_ips.n; i++)
		if (!is_ip(s->external_ips.items[i].v))
			pv_verr(v, s->external_ips.items[i].loc,
				PV_VPATH("spec.externalIPs[%zu]", i), "must be a valid IP address");
	for (size_t i = 0; i < s->selector.n; i++) {
		const struct pv_kv *kv = &s->selector.items[i];
		const char *why = pv_check_qualified_name(kv->key);

		if (!why)
			why = pv_check_label_value(kv->value);
		if (why)
			pv_verr(v, kv->kloc, PV_VPATH("spec.selector[%s]", kv->key), "%s", why);
	}
}

static size_t validate_data_keys(struct pv_vctx *v, const pv_strmap *m, const char *field,
				 bool base64)
{
	size_t total = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct pv_kv *kv = &m->items[i];
		const struct pv_vpath *path = PV_VPATH("%s[%s]", field, kv->key);
		const char *why = pv_check_config_key(kv->key);

		if (why)
			pv_verr(v, kv->kloc, path, "invalid key \"%.253s\": %s", kv->key, why);
		why = base64 ? pv_check_base64(kv->value, strlen(kv->value)) : NULL;
		if (why)
			pv_verr(v, kv->vloc, path, "%s; values under %s must be base64-encoded "
				"(put plain text under stringData instead)", why, field);
		total += strlen(kv->value);
	}
	return total;
}

static void validate_no_overlap(struct pv_vctx *v, const pv_strmap *a, const pv_strmap *b,
				const char *bname)
{
	for (size_t i = 0; i < b->n; i++)
		for (size_t j = 0; j < a->n; j++)
			if (strcmp(a->items[j].key, b->items[i].key) == 0)
				pv_verr(v, b->items[i].kloc, PV_VPATH("%s[%s]", bname,
								      b->items[i].key),
					"duplicate of key \"%s\" in data", b->items[i].key);
}

void pv_validate_configmap(struct pv_vctx *v, const void *obj)
{
	const struct pv_configmap *c = obj;
	size_t total;

	pv_validate_objmeta(v, &c->h, pv_check_dns1123_subdomain);
	total = validate_data_keys(v, &c->data, "data", false);
	total += validate_data_keys(v, &c->binary_data, "binaryData", true);
	validate_no_overlap(v, &c->data, &c->binary_data, "binaryData");
	if (total > CONFIG_MAX_BYTES)
		pv_verr(v, c->h.hdr.loc, PV_VPATH("data"),
			"too long: a ConfigMap holds at most 1 MiB");
}

/* The keys a Secret's type requires, as Kubernetes' ValidateSecret: all
 * of them, or (ANY) one at least; JSON: the value must parse. */
static const struct secret_type {
	const char *type, *keys[2];
	bool any, json;
} secret_types[] = {
	{ "kubernetes.io/dockercfg", { ".dockercfg", NULL }, false, true },
	{ "kubernetes.io/dockerconfigjson", { ".dockerconfigjson", NULL }, false, true },
	{ "kubernetes.io/basic-auth", { "username", "password" }, true, false },
	{ "kubernetes.io/ssh-auth", { "ssh-privatekey", NULL }, false, false },
	{ "kubernetes.io/tls", { "tls.crt", "tls.key" }, false, false },
};

/* KEY in the Secret's stringData (plain) or data (base64), or NULL. */
static const struct pv_kv *secret_key(const struct pv_secret *s, const char *key, bool *plain)
{
	for (size_t i = 0; i < s->string_data.n; i++)
		if (strcmp(s->string_data.items[i].key, key) == 0)
			return *plain = true, &s->string_data.items[i];
	for (size_t i = 0; i < s->data.n; i++)
		if (strcmp(s->data.items[i].key, key) == 0)
			return *plain = false, &s->data.items[i];
	return NULL;
}

/* A registry Secret's value that is not JSON: json-c's reason, never the
 * value (Kubernetes says "<secret contents redacted>"). */
static void secret_json(struct pv_vctx *v, const struct pv_kv *kv, bool plain, const char *field)
{
	size_t len = 0;
	unsigned char *raw = plain ? NULL : pv_base64_decode(kv->value, &len);
	const char *text = plain ? kv->value : (const char *)raw;
	enum json_tokener_error jerr = json_tokener_success;
	struct json_object *j;

	if (!text) /* not base64: said already */
		return;
	j = json_tokener_parse_verbose(text, &jerr);
	if (!j || (!plain && strlen(text) != len))
		pv_verr(v, kv->vloc, PV_VPATH("%s[%s]", field, kv->key),
			"<secret contents redacted>: not valid JSON (%s)",
			j ? "a NUL byte inside" : json_tokener_error_desc(jerr));
	json_object_put(j);
	free(raw);
}

static void validate_secret_type(struct pv_vctx *v, const struct pv_secret *s)
{
	const struct secret_type *t = NULL;
	size_t found = 0, nkeys = 0;

	for (size_t i = 0; s->type.v && i < sizeof(secret_types) / sizeof(secret_types[0]); i++)
		if (strcmp(s->type.v, secret_types[i].type) == 0)
			t = &secret_types[i];
	if (!t)
		return;
	for (size_t k = 0; k < 2 && t->keys[k]; k++, nkeys++) {
		bool plain = false;
		const struct pv_kv *kv = secret_key(s, t->keys[k], &plain);

		if (kv) {
			found++;
			if (t->json)
				secret_json(v, kv, plain, plain ? "stringData" : "data");
		}
	}
	for (size_t k = 0; k < nkeys && (t->any ? !found : true); k++) {
		bool plain;

		if (!secret_key(s, t->keys[k], &plain))
			pv_verr(v, s->type.loc, PV_VPATH("data[%s]", t->keys[k]),
				"required%s for a Secret of type %s", t->any ? " (or the other key)" : "",
				t->type);
	}
}

void pv_validate_secret(struct pv_vctx *v, const void *obj)
{
	const struct pv_secret *s = obj;
	size_t total;

	pv_validate_objmeta(v, &s->h, pv_check_dns1123_subdomain);
	total = validate_data_keys(v, &s->data, "data", true);
	total += validate_data_keys(v, &s->string_data, "stringData", false);
	if (total > CONFIG_MAX_BYTES)
		pv_verr(v, s->h.hdr.loc, PV_VPATH("data"),
			"too long: a Secret holds at most 1 MiB");
	validate_secret_type(v, s);
}
