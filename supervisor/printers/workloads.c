/* podvisor get deploy|rs|sts|ds|job|cronjob: the workloads as the
 * controllers saw them at their last pass (the daemon's "workloads" op),
 * in kubectl's columns. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "supervisor/printers/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define MAX_CELLS 6
#define CELL 64
#define WIDE_CELL 1024

typedef void cells_fn(struct json_object *w, char cells[MAX_CELLS][CELL]);

/* The wide cells of W: CONTAINERS, IMAGES (its pod template's, joined by
 * ","), SELECTOR. */
static void wide_cells(struct json_object *w, char c[3][WIDE_CELL])
{
	struct json_object *cs = json_object_object_get(w, "containers");

	c[0][0] = c[1][0] = '\0';
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *x = json_object_array_get_idx(cs, i);
		size_t l0 = strlen(c[0]), l1 = strlen(c[1]);

		snprintf(c[0] + l0, WIDE_CELL - l0, "%s%s", i ? "," : "", pv_json_str(x, "name", ""));
		snprintf(c[1] + l1, WIDE_CELL - l1, "%s%s", i ? "," : "", pv_json_str(x, "image", ""));
	}
	pv_get_selector_cell(json_object_object_get(w, "selector"), c[2], WIDE_CELL);
}

/* The rows of ITEMS that O wants: [NAMESPACE] NAME, NCELLS cells, AGE,
 * and with -o wide NWIDE of CONTAINERS IMAGES SELECTOR; HEAD has
 * NCELLS + 3 + NWIDE names. */
static size_t print_workloads(const struct get_opts *o, struct json_object *items,
			      const char *const *head, size_t ncells, cells_fn *cells, size_t nwide)
{
	bool wide = o->output && strcmp(o->output, "wide") == 0;
	struct get_table t;

	pv_get_table_init(&t, o, ncells + 3 + (wide ? nwide : 0), head);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *w = json_object_array_get_idx(items, i);
		char c[MAX_CELLS][CELL], wc[3][WIDE_CELL], age[32];
		const char *row[MAX_CELLS + 6];

		if (!pv_get_wanted(o, w))
			continue;
		cells(w, c);
		wide_cells(w, wc);
		pv_human_duration(time(NULL) - pv_json_int(w, "created"), age, sizeof(age));
		row[0] = pv_json_str(w, "namespace", "");
		row[1] = pv_json_str(w, "name", "");
		for (size_t k = 0; k < ncells; k++)
			row[2 + k] = c[k];
		row[2 + ncells] = age;
		for (size_t k = 0; k < 3; k++)
			row[3 + ncells + k] = wc[k];
		pv_get_table_add(&t, w, row);
	}
	return pv_get_table_done(&t);
}

static void int_cell(char *c, struct json_object *w, const char *key)
{
	snprintf(c, CELL, "%lld", (long long)pv_json_int(w, key));
}

/* READY ready/replicas, UP-TO-DATE, AVAILABLE. */
static void deploy_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	snprintf(c[0], CELL, "%lld/%lld", (long long)pv_json_int(w, "ready"),
		 (long long)pv_json_int(w, "replicas"));
	int_cell(c[1], w, "updated");
	int_cell(c[2], w, "available");
}

/* DESIRED, CURRENT, READY. */
static void rs_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	int_cell(c[0], w, "replicas");
	int_cell(c[1], w, "current");
	int_cell(c[2], w, "ready");
}

/* READY ready/replicas. */
static void sts_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	snprintf(c[0], CELL, "%lld/%lld", (long long)pv_json_int(w, "ready"),
		 (long long)pv_json_int(w, "replicas"));
}

/* DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE, NODE SELECTOR. */
static void ds_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	const char *sel = pv_json_str(w, "nodeSelector", "");

	int_cell(c[0], w, "replicas");
	int_cell(c[1], w, "current");
	int_cell(c[2], w, "ready");
	int_cell(c[3], w, "updated");
	int_cell(c[4], w, "available");
	snprintf(c[5], CELL, "%s", *sel ? sel : "<none>");
}

/* A duration as kubectl shows it, or "" when START is 0. */
static void since_cell(char *c, int64_t start, int64_t end)
{
	c[0] = '\0';
	if (start > 0)
		pv_human_duration((end > 0 ? end : time(NULL)) - start, c, CELL);
}

/* STATUS, COMPLETIONS succeeded/completions, DURATION. */
static void job_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	snprintf(c[0], CELL, "%s", pv_json_str(w, "status", "Running"));
	snprintf(c[1], CELL, "%lld/%lld", (long long)pv_json_int(w, "succeeded"),
		 (long long)pv_json_int(w, "completions"));
	since_cell(c[2], pv_json_int(w, "startTime"), pv_json_int(w, "completionTime"));
}

/* SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE. */
static void cronjob_cells(struct json_object *w, char c[MAX_CELLS][CELL])
{
	struct json_object *sus = NULL;
	const char *tz = pv_json_str(w, "timeZone", "");
	int64_t last = pv_json_int(w, "lastScheduleTime");

	json_object_object_get_ex(w, "suspend", &sus);
	snprintf(c[0], CELL, "%s", pv_json_str(w, "schedule", ""));
	snprintf(c[1], CELL, "%s", *tz ? tz : "<none>");
	snprintf(c[2], CELL, "%s", json_object_get_boolean(sus) ? "True" : "False");
	int_cell(c[3], w, "active");
	if (last > 0) {
		pv_human_duration(time(NULL) - last, c[4], CELL);
		strncat(c[4], " ago", CELL - strlen(c[4]) - 1);
	} else {
		snprintf(c[4], CELL, "<none>");
	}
}

size_t pv_get_print_deployments(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "READY", "UP-TO-DATE",
					    "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR" };

	return print_workloads(o, items, head, 3, deploy_cells, 3);
}

size_t pv_get_print_replicasets(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY",
					    "AGE", "CONTAINERS", "IMAGES", "SELECTOR" };

	return print_workloads(o, items, head, 3, rs_cells, 3);
}

size_t pv_get_print_statefulsets(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "READY", "AGE", "CONTAINERS",
					    "IMAGES" };

	return print_workloads(o, items, head, 1, sts_cells, 2);
}

size_t pv_get_print_daemonsets(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY",
					    "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE", "CONTAINERS",
					    "IMAGES", "SELECTOR" };

	return print_workloads(o, items, head, 6, ds_cells, 3);
}

size_t pv_get_print_jobs(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "STATUS", "COMPLETIONS",
					    "DURATION", "AGE", "CONTAINERS", "IMAGES", "SELECTOR" };

	return print_workloads(o, items, head, 3, job_cells, 3);
}

size_t pv_get_print_cronjobs(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "SCHEDULE", "TIMEZONE",
					    "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE", "CONTAINERS",
					    "IMAGES", "SELECTOR" };

	return print_workloads(o, items, head, 5, cronjob_cells, 3);
}
