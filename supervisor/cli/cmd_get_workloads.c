/* podvisor get deploy / get rs: the workloads as the controllers saw them
 * at their last pass (the daemon's "workloads" op), in kubectl's columns. */
#include <stdio.h>
#include <time.h>

#include "supervisor/cli/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

typedef void cells_fn(struct json_object *w, char cells[3][32]);

/* The rows of ITEMS that O wants: [NAMESPACE] NAME, three counts, AGE. */
static void print_workloads(const struct get_opts *o, struct json_object *items,
			    const char *const head[6], cells_fn *cells, const char *kind)
{
	size_t first = o->all ? 0 : 1, shown = 0;
	struct pv_table t;

	pv_table_init(&t, 6 - first, head + first);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *w = json_object_array_get_idx(items, i);
		char c[3][32], age[32];
		const char *row[6];

		if (!pv_get_wanted(o, w))
			continue;
		cells(w, c);
		pv_human_duration(time(NULL) - pv_json_int(w, "created"), age, sizeof(age));
		row[0] = pv_json_str(w, "namespace", "");
		row[1] = pv_json_str(w, "name", "");
		row[2] = c[0];
		row[3] = c[1];
		row[4] = c[2];
		row[5] = age;
		pv_table_row(&t, row + first);
		shown++;
	}
	if (shown)
		pv_table_print(&t, stdout);
	else
		pv_get_not_found(o, kind);
	pv_table_free(&t);
}

/* READY ready/replicas, UP-TO-DATE, AVAILABLE. */
static void deploy_cells(struct json_object *w, char c[3][32])
{
	snprintf(c[0], 32, "%lld/%lld", (long long)pv_json_int(w, "ready"),
		 (long long)pv_json_int(w, "replicas"));
	snprintf(c[1], 32, "%lld", (long long)pv_json_int(w, "updated"));
	snprintf(c[2], 32, "%lld", (long long)pv_json_int(w, "available"));
}

/* DESIRED, CURRENT, READY. */
static void rs_cells(struct json_object *w, char c[3][32])
{
	snprintf(c[0], 32, "%lld", (long long)pv_json_int(w, "replicas"));
	snprintf(c[1], 32, "%lld", (long long)pv_json_int(w, "current"));
	snprintf(c[2], 32, "%lld", (long long)pv_json_int(w, "ready"));
}

void pv_get_print_deployments(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "READY", "UP-TO-DATE",
					    "AVAILABLE", "AGE" };

	print_workloads(o, items, head, deploy_cells, "deployments.apps");
}

void pv_get_print_replicasets(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY",
					    "AGE" };

	print_workloads(o, items, head, rs_cells, "replicasets.apps");
}
