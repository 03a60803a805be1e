/* The Services as the API shows them ({"items": [...]}: addresses, ports,
 * endpoints, problems), from the views of the last sync (services.h).
 * Calls: services' views only. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <json-c/json.h>

#include "supervisor/services/services.h"

static struct json_object *ip_json(uint32_t ip)
{
	struct in_addr a = { htonl(ip) };

	return json_object_new_string(inet_ntoa(a));
}

static struct json_object *view_json(const struct pv_svc_view *v)
{
	struct json_object *o = json_object_new_object(), *ports = json_object_new_array();

	json_object_object_add(o, "namespace", json_object_new_string(v->ns));
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "type", json_object_new_string(v->type));
	json_object_object_add(o, "clusterIP", v->headless ? json_object_new_string("None") :
			       v->svc.cluster_ip ? ip_json(v->svc.cluster_ip) : NULL);
	if (v->external_name)
		json_object_object_add(o, "externalName", json_object_new_string(v->external_name));
	json_object_object_add(o, "selector", json_object_new_string(v->selector ? v->selector : ""));
	json_object_object_add(o, "sessionAffinity",
			       json_object_new_string(v->affinity ? "ClientIP" : "None"));
	json_object_object_add(o, "created", json_object_new_int64(v->created));
	if (v->problem)
		json_object_object_add(o, "problem", json_object_new_string(v->problem));
	for (size_t i = 0; i < v->svc.nports; i++) {
		const struct pv_svc_port *p = &v->svc.ports[i];
		struct json_object *po = json_object_new_object(), *eps = json_object_new_array();

		json_object_object_add(po, "name", json_object_new_string(p->name));
		json_object_object_add(po, "protocol",
				       json_object_new_string(p->proto == IPPROTO_UDP ? "UDP" : "TCP"));
		json_object_object_add(po, "port", json_object_new_int(p->port));
		json_object_object_add(po, "targetPort", json_object_new_string(v->target_ports[i]));
		if (p->node_port)
			json_object_object_add(po, "nodePort", json_object_new_int(p->node_port));
		for (size_t j = 0; j < p->neps; j++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "ip", ip_json(p->eps[j].ip));
			json_object_object_add(e, "port", json_object_new_int(p->eps[j].port));
			json_object_array_add(eps, e);
		}
		json_object_object_add(po, "endpoints", eps);
		json_object_array_add(ports, po);
	}
	json_object_object_add(o, "ports", ports);
	return o;
}

struct json_object *pv_services_json(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t n;
	const struct pv_svc_view *v = pv_services_views(d, &n);

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, view_json(&v[i]));
	json_object_object_add(o, "items", a);
	return o;
}
