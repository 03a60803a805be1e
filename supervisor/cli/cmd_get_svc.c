/* podvisor get svc / get ep / describe svc, as kubectl shows them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/cli/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define EP_SHOWN 3 /* kubectl: "a,b,c + 2 more..." */

void pv_get_not_found(const struct get_opts *o, const char *kind)
{
	if (o->name)
		fprintf(stderr, "Error from the daemon: %s \"%s\" not found\n", kind, o->name);
	else
		fprintf(stderr, "No resources found%s%s%s.\n", o->all ? "" : " in ",
			o->all ? "" : o->ns, o->all ? "" : " namespace");
}

/* "80/TCP,443:30443/TCP" */
static void ports_cell(struct json_object *svc, char *buf, size_t len)
{
	struct json_object *ports = json_object_object_get(svc, "ports");
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; ports && i < json_object_array_length(ports) && off < len; i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		int64_t np = pv_json_int(p, "nodePort");
		char nps[16] = "";

		if (np)
			snprintf(nps, sizeof(nps), ":%lld", (long long)np);
		off += (size_t)snprintf(buf + off, len - off, "%s%lld%s/%s", i ? "," : "",
					(long long)pv_json_int(p, "port"), nps,
					pv_json_str(p, "protocol", "TCP"));
	}
	if (!buf[0])
		snprintf(buf, len, "<none>");
}

static const char *cluster_ip_cell(struct json_object *svc)
{
	return pv_json_str(svc, "clusterIP", "<none>");
}

static const char *external_ip_cell(struct json_object *svc)
{
	const char *type = pv_json_str(svc, "type", "");

	if (strcmp(type, "ExternalName") == 0)
		return pv_json_str(svc, "externalName", "<none>");
	return strcmp(type, "LoadBalancer") == 0 ? "<pending>" : "<none>";
}

void pv_get_print_services(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP",
					    "PORT(S)", "AGE", "SELECTOR" };
	bool wide = o->output && !strcmp(o->output, "wide");
	size_t first = o->all ? 0 : 1, ncols = wide ? 8 : 7, shown = 0;
	struct pv_table t;

	pv_table_init(&t, ncols - first, head + first);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i);
		char ports[512], age[32];
		const char *row[8];

		if (!pv_get_wanted(o, s))
			continue;
		ports_cell(s, ports, sizeof(ports));
		pv_human_duration(time(NULL) - pv_json_int(s, "created"), age, sizeof(age));
		row[0] = pv_json_str(s, "namespace", "");
		row[1] = pv_json_str(s, "name", "");
		row[2] = pv_json_str(s, "type", "");
		row[3] = cluster_ip_cell(s);
		row[4] = external_ip_cell(s);
		row[5] = ports;
		row[6] = age;
		row[7] = *pv_json_str(s, "selector", "") ? pv_json_str(s, "selector", "") : "<none>";
		pv_table_row(&t, row + first);
		shown++;
	}
	if (shown)
		pv_table_print(&t, stdout);
	else
		pv_get_not_found(o, "services");
	pv_table_free(&t);
}

/* Every distinct ip:port of the Service, in port order; LIMIT of them
 * then "+ N more...", as kubectl does (0: no limit). */
static void endpoints_cell(struct json_object *svc, size_t limit, char *buf, size_t len)
{
	struct json_object *ports = json_object_object_get(svc, "ports");
	size_t off = 0, n = 0;

	buf[0] = '\0';
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *eps = json_object_object_get(json_object_array_get_idx(ports, i),
								 "endpoints");

		for (size_t j = 0; eps && j < json_object_array_length(eps); j++) {
			struct json_object *e = json_object_array_get_idx(eps, j);
			char one[64];

			snprintf(one, sizeof(one), "%s:%lld", pv_json_str(e, "ip", ""),
				 (long long)pv_json_int(e, "port"));
			if (strstr(buf, one))
				continue;
			if (!limit || n < limit)
				off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
							n ? "," : "", one);
			n++;
		}
	}
	if (limit && n > limit && off < len)
		snprintf(buf + off, len - off, " + %zu more...", n - limit);
	if (!n)
		snprintf(buf, len, "<none>");
}

void pv_get_print_endpoints(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "ENDPOINTS", "AGE" };
	size_t first = o->all ? 0 : 1, shown = 0;
	struct pv_table t;

	pv_table_init(&t, 4 - first, head + first);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i);
		char eps[4096], age[32];
		const char *row[4];

		/* Without a selector there are no Endpoints to manage. */
		if (!pv_get_wanted(o, s) || !*pv_json_str(s, "selector", ""))
			continue;
		endpoints_cell(s, EP_SHOWN, eps, sizeof(eps));
		pv_human_duration(time(NULL) - pv_json_int(s, "created"), age, sizeof(age));
		row[0] = pv_json_str(s, "namespace", "");
		row[1] = pv_json_str(s, "name", "");
		row[2] = eps;
		row[3] = age;
		pv_table_row(&t, row + first);
		shown++;
	}
	if (shown)
		pv_table_print(&t, stdout);
	else
		pv_get_not_found(o, "endpoints");
	pv_table_free(&t);
}

static void describe_ports(struct json_object *s)
{
	struct json_object *ports = json_object_object_get(s, "ports");

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		const char *name = *pv_json_str(p, "name", "") ? pv_json_str(p, "name", "") : "<unset>";
		const char *proto = pv_json_str(p, "protocol", "TCP");
		struct json_object *one = json_object_new_object(), *arr = json_object_new_array();
		char eps[4096];

		printf("Port:              %s  %lld/%s\n", name, (long long)pv_json_int(p, "port"), proto);
		printf("TargetPort:        %s/%s\n", pv_json_str(p, "targetPort", ""), proto);
		if (pv_json_int(p, "nodePort"))
			printf("NodePort:          %s  %lld/%s\n", name,
			       (long long)pv_json_int(p, "nodePort"), proto);
		json_object_array_add(arr, json_object_get(p));
		json_object_object_add(one, "ports", arr);
		endpoints_cell(one, 0, eps, sizeof(eps));
		printf("Endpoints:         %s\n", eps);
		json_object_put(one);
	}
}

int pv_describe_service(const struct get_opts *o, struct json_object *items,
			struct json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i);
		const char *sel = pv_json_str(s, "selector", "");

		if (!pv_get_wanted(o, s))
			continue;
		printf("Name:              %s\nNamespace:         %s\nSelector:          %s\n"
		       "Type:              %s\nIP:                %s\n", pv_json_str(s, "name", ""),
		       pv_json_str(s, "namespace", ""), *sel ? sel : "<none>", pv_json_str(s, "type", ""),
		       cluster_ip_cell(s));
		if (json_object_object_get(s, "externalName"))
			printf("External Name:     %s\n", pv_json_str(s, "externalName", ""));
		if (json_object_object_get(s, "problem"))
			printf("Problem:           %s\n", pv_json_str(s, "problem", ""));
		describe_ports(s);
		printf("Session Affinity:  %s\n", pv_json_str(s, "sessionAffinity", "None"));
		pv_get_print_events(events, "Events");
		return 0;
	}
	fprintf(stderr, "Error from the daemon: services \"%s\" not found\n", o->name);
	return 1;
}
