/* podvisor get svc / get ep / describe svc, as kubectl shows them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/strjoin.h"
#include "common/vec.h"
#include "supervisor/printers/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define EP_SHOWN 3 /* kubectl: "a,b,c + 2 more..." */

/* A cell's parts, joined once all are there. */
struct parts {
	char **v;
	size_t n, cap;
};

static void parts_free(struct parts *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	pv_vec_free(s->v, s->n, s->cap);
}

static bool parts_has(const struct parts *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

/* Add the formatted part; when ONCE, not if it is there already. 0, or
 * -1 when out of memory. */
static int parts_add(struct parts *s, bool once, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int parts_add(struct parts *s, bool once, const char *fmt, ...)
{
	char *str;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	if (once && parts_has(s, str)) {
		free(str);
		return 0;
	}
	if (pv_vec_push(s->v, s->n, s->cap, str) < 0) {
		free(str);
		return -1;
	}
	return 0;
}

/* The first LIMIT parts (0: all) joined by ",", then "+ N more..." for
 * the rest, as kubectl does; "<none>" without any. NULL when out of memory. */
static char *parts_join(const struct parts *s, size_t limit)
{
	size_t shown = limit && s->n > limit ? limit : s->n;
	char *joined, *out;

	if (!s->n)
		return strdup("<none>");
	joined = pv_strjoin((const char *const *)s->v, shown, ",");
	if (!joined || shown == s->n)
		return joined;
	if (asprintf(&out, "%s + %zu more...", joined, s->n - shown) < 0)
		out = NULL;
	free(joined);
	return out;
}

/* "80/TCP,443:30443/TCP"; NULL when out of memory. */
static char *ports_cell(struct json_object *svc)
{
	struct json_object *ports = json_object_object_get(svc, "ports");
	struct parts s = { 0 };
	char *out;

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		int64_t np = pv_json_int(p, "nodePort");
		char nps[24] = "";

		if (np)
			snprintf(nps, sizeof(nps), ":%lld", (long long)np);
		if (parts_add(&s, false, "%lld%s/%s", (long long)pv_json_int(p, "port"), nps,
			      pv_json_str(p, "protocol", "TCP")) < 0) {
			parts_free(&s);
			return NULL;
		}
	}
	out = parts_join(&s, 0);
	parts_free(&s);
	return out;
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

size_t pv_get_print_services(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP",
					    "PORT(S)", "AGE", "SELECTOR" };
	bool wide = o->output && !strcmp(o->output, "wide");
	struct get_table t;

	pv_get_table_init(&t, o, wide ? 8 : 7, head);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i);
		cleanup_free char *ports = NULL;
		char age[32];
		const char *row[8];

		if (!pv_get_wanted(o, s))
			continue;
		ports = ports_cell(s);
		pv_human_duration(time(NULL) - pv_json_int(s, "created"), age, sizeof(age));
		row[0] = pv_json_str(s, "namespace", "");
		row[1] = pv_json_str(s, "name", "");
		row[2] = pv_json_str(s, "type", "");
		row[3] = cluster_ip_cell(s);
		row[4] = external_ip_cell(s);
		row[5] = ports ? ports : "";
		row[6] = age;
		row[7] = *pv_json_str(s, "selector", "") ? pv_json_str(s, "selector", "") : "<none>";
		pv_get_table_add(&t, s, row);
	}
	return pv_get_table_done(&t);
}

/* Every distinct ip:port of the Service, in port order; LIMIT of them
 * then "+ N more...", as kubectl does (0: no limit). NULL when out of
 * memory. */
static char *endpoints_cell(struct json_object *svc, size_t limit)
{
	struct json_object *ports = json_object_object_get(svc, "ports");
	struct parts s = { 0 };
	char *out;

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *eps = json_object_object_get(json_object_array_get_idx(ports, i),
								 "endpoints");

		for (size_t j = 0; eps && j < json_object_array_length(eps); j++) {
			struct json_object *e = json_object_array_get_idx(eps, j);

			if (parts_add(&s, true, "%s:%lld", pv_json_str(e, "ip", ""),
				      (long long)pv_json_int(e, "port")) < 0) {
				parts_free(&s);
				return NULL;
			}
		}
	}
	out = parts_join(&s, limit);
	parts_free(&s);
	return out;
}

size_t pv_get_print_endpoints(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "ENDPOINTS", "AGE" };
	struct get_table t;

	pv_get_table_init(&t, o, 4, head);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i);
		cleanup_free char *eps = NULL;
		char age[32];
		const char *row[4];

		/* Without a selector there are no Endpoints to manage. */
		if (!pv_get_wanted(o, s) || !*pv_json_str(s, "selector", ""))
			continue;
		eps = endpoints_cell(s, EP_SHOWN);
		pv_human_duration(time(NULL) - pv_json_int(s, "created"), age, sizeof(age));
		row[0] = pv_json_str(s, "namespace", "");
		row[1] = pv_json_str(s, "name", "");
		row[2] = eps ? eps : "";
		row[3] = age;
		pv_get_table_add(&t, s, row);
	}
	return pv_get_table_done(&t);
}

static void describe_ports(struct json_object *s)
{
	struct json_object *ports = json_object_object_get(s, "ports");

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		const char *name = *pv_json_str(p, "name", "") ? pv_json_str(p, "name", "") : "<unset>";
		const char *proto = pv_json_str(p, "protocol", "TCP");
		struct json_object *one = json_object_new_object(), *arr = json_object_new_array();
		cleanup_free char *eps = NULL;

		printf("Port:              %s  %lld/%s\n", name, (long long)pv_json_int(p, "port"), proto);
		printf("TargetPort:        %s/%s\n", pv_json_str(p, "targetPort", ""), proto);
		if (pv_json_int(p, "nodePort"))
			printf("NodePort:          %s  %lld/%s\n", name,
			       (long long)pv_json_int(p, "nodePort"), proto);
		json_object_array_add(arr, json_object_get(p));
		json_object_object_add(one, "ports", arr);
		eps = endpoints_cell(one, 0);
		printf("Endpoints:         %s\n", eps ? eps : "");
		json_object_put(one);
	}
}

/* kubectl's describe endpoints: the ready addresses and the ports, one
 * subset (every port of a Service here has the same ready pods). */
int pv_describe_endpoints(const struct get_opts *o, struct json_object *items,
			  struct json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *s = json_object_array_get_idx(items, i), *ports;
		struct json_object *eps = NULL;
		struct pv_table t;
		static const char *const head[] = { "Name", "Port", "Protocol" };
		size_t w[2] = { 0, 0 };

		if (!pv_get_wanted(o, s) || !*pv_json_str(s, "selector", ""))
			continue;
		ports = json_object_object_get(s, "ports");
		if (ports && json_object_array_length(ports))
			eps = json_object_object_get(json_object_array_get_idx(ports, 0), "endpoints");
		printf("Name:         %s\nNamespace:    %s\nSubsets:\n", pv_json_str(s, "name", ""),
		       pv_json_str(s, "namespace", ""));
		printf("  Addresses:          ");
		for (size_t j = 0; eps && j < json_object_array_length(eps); j++)
			printf("%s%s", j ? "," : "", pv_json_str(json_object_array_get_idx(eps, j), "ip", ""));
		printf("%s\n  NotReadyAddresses:  <none>\n  Ports:\n",
		       eps && json_object_array_length(eps) ? "" : "<none>");
		pv_table_init(&t, 3, head);
		pv_table_row(&t, (const char *const[]){ "----", "----", "--------" });
		for (size_t j = 0; ports && j < json_object_array_length(ports); j++) {
			struct json_object *p = json_object_array_get_idx(ports, j), *e;
			char num[16];

			e = json_object_object_get(p, "endpoints");
			snprintf(num, sizeof(num), "%lld", e && json_object_array_length(e)
				 ? (long long)pv_json_int(json_object_array_get_idx(e, 0), "port")
				 : (long long)pv_json_int(p, "port"));
			pv_table_row(&t, (const char *const[]){ *pv_json_str(p, "name", "") ?
				pv_json_str(p, "name", "") : "<unset>", num, pv_json_str(p, "protocol", "TCP") });
		}
		/* describe's tabwriter: each column its widest cell plus 2 */
		for (size_t c = 0; c < 2; c++)
			for (size_t r = 0; r < t.nrows; r++)
				w[c] = strlen(t.cells[r * 3 + c]) + 2 > w[c] ? strlen(t.cells[r * 3 + c]) + 2 : w[c];
		for (size_t r = 0; r < t.nrows; r++)
			printf("    %-*s%-*s%s\n", (int)w[0], t.cells[r * 3], (int)w[1], t.cells[r * 3 + 1],
			       t.cells[r * 3 + 2]);
		pv_table_free(&t);
		printf("\n");
		pv_get_print_events(events, "Events");
		return 0;
	}
	fprintf(stderr, "Error from server (NotFound): endpoints \"%s\" not found\n", o->name);
	return 1;
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
