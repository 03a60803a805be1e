/* podvisor top pod|node: CPU and memory as kubectl top shows them, from
 * the daemon's "top" op (api/top_api.h): CPU time is asked for twice,
 * WINDOW_MS apart, and shown as millicores used over that window; memory
 * is the working set now, in Mi, as the kubelet reports it.
 * Calls: api (the client call, through client.h), cli (opts), manifests
 * (label selectors), core. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifests/labelsel.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define WINDOW_MS 1000

static const char top_usage[] =
	"Usage: podvisor top pod [NAME] [-n NAMESPACE | -A] [-l SELECTOR] [--containers]\n"
	"                        [--no-headers] [--sort-by cpu|memory] [--state DIR]\n"
	"       podvisor top node [--no-headers] [--state DIR]\n"
	"\n"
	"Show what the pods or the node use now, as kubectl top does: CPU in\n"
	"millicores over the last second (CPU(cores): 250m is a quarter of a\n"
	"core), memory as the working set (usage less the inactive file cache,\n"
	"what the kubelet reports and the OOM killer weighs) in Mi. Pods: every\n"
	"running container's cgroup, summed per pod (--containers: a row each).\n"
	"Node: all its CPUs from /proc/stat, memory in use (total less\n"
	"available), and both as a share of the node's capacity. A pod with no\n"
	"running container is not listed. The command takes a second: it reads\n"
	"the counters twice.\n";

static const char top_more[] =
	"Exit status: 0; 1 when a NAME is not running ('Error from server\n"
	"(NotFound): podmetrics.metrics.k8s.io \"NS/NAME\" not found') or the daemon\n"
	"cannot be reached; 2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  podvisor top pod -A --sort-by memory\n"
	"  podvisor top pod web-0 --containers\n"
	"  podvisor top node\n";

static const char *const sort_keys[] = { "cpu", "memory", NULL };

struct top_opts {
	const char *ns, *selector, *sort_by, *state;
	bool all, containers, no_headers;
	struct pv_labelsel sel;
	bool has_sel;
};

struct row {
	char ns[256], pod[256], name[256];
	int64_t milli, bytes;
};

static struct json_object *ask(const struct top_opts *o)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string("top"));
	return pv_client_call("podvisor", o->state, req);
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Container NAME of pod NS/POD in the first answer A: its CPU counter, or -1. */
static int64_t cpu_before(struct json_object *a, const char *ns, const char *pod, const char *name)
{
	struct json_object *items = get(a, "items");

	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *p = json_object_array_get_idx(items, i), *cs = get(p, "containers");

		if (strcmp(pv_json_str(p, "namespace", ""), ns) || strcmp(pv_json_str(p, "name", ""), pod))
			continue;
		for (size_t j = 0; cs && j < json_object_array_length(cs); j++) {
			struct json_object *c = json_object_array_get_idx(cs, j);

			if (!strcmp(pv_json_str(c, "name", ""), name))
				return pv_json_int(c, "cpuUsec");
		}
	}
	return -1;
}

static int64_t millicores(int64_t before, int64_t after, int64_t window_usec)
{
	if (before < 0 || after < before || window_usec <= 0)
		return 0;
	return (after - before) * 1000 / window_usec;
}

static int by_cpu(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->milli < y->milli ? 1 : x->milli > y->milli ? -1 : 0;
}

static int by_memory(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static bool wanted(const struct top_opts *o, struct json_object *p, const char *name)
{
	if (!o->all && strcmp(pv_json_str(p, "namespace", ""), o->ns) != 0)
		return false;
	if (name && strcmp(pv_json_str(p, "name", ""), name) != 0)
		return false;
	return !o->has_sel || pv_labelsel_matches(&o->sel, pv_json_label, get(p, "labels"));
}

static int top_pods(const struct top_opts *o, const char *name, struct json_object *a,
		    struct json_object *b)
{
	struct json_object *items = get(b, "items");
	int64_t window = pv_json_int(b, "at") - pv_json_int(a, "at");
	struct row *rows = NULL;
	size_t n = 0;
	struct pv_table t;
	const char *head[5];
	size_t nh = 0;

	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *p = json_object_array_get_idx(items, i), *cs = get(p, "containers");
		const char *ns = pv_json_str(p, "namespace", ""), *pod = pv_json_str(p, "name", "");

		if (!wanted(o, p, name))
			continue;
		for (size_t j = 0; cs && j < json_object_array_length(cs); j++) {
			struct json_object *c = json_object_array_get_idx(cs, j);
			const char *cn = pv_json_str(c, "name", "");
			struct row *r;

			if (j == 0 || o->containers) {
				if (!(r = realloc(rows, (n + 1) * sizeof(*rows))))
					break;
				rows = r;
				r = &rows[n++];
				memset(r, 0, sizeof(*r));
				snprintf(r->ns, sizeof(r->ns), "%s", ns);
				snprintf(r->pod, sizeof(r->pod), "%s", pod);
				snprintf(r->name, sizeof(r->name), "%s", cn);
			}
			r = &rows[n - 1];
			r->milli += millicores(cpu_before(a, ns, pod, cn), pv_json_int(c, "cpuUsec"), window);
			r->bytes += pv_json_int(c, "memoryWorkingSet") > 0 ? pv_json_int(c, "memoryWorkingSet") : 0;
		}
	}
	if (name && !n) {
		fprintf(stderr, "Error from server (NotFound): podmetrics.metrics.k8s.io \"%s/%s\" not found\n",
			o->ns, name);
		free(rows);
		return PV_EXIT_FAIL;
	}
	if (!n) {
		fprintf(stderr, o->all ? "No resources found\n" : "No resources found in %s namespace.\n", o->ns);
		free(rows);
		return PV_EXIT_OK;
	}
	if (o->sort_by)
		qsort(rows, n, sizeof(*rows), !strcmp(o->sort_by, "cpu") ? by_cpu : by_memory);
	if (o->all)
		head[nh++] = "NAMESPACE";
	if (o->containers)
		head[nh++] = "POD";
	head[nh++] = "NAME";
	head[nh++] = "CPU(cores)";
	head[nh++] = "MEMORY(bytes)";
	pv_table_init(&t, nh, head);
	for (size_t i = 0; i < n; i++) {
		char cpu[32], mem[32];
		const char *cells[5];
		size_t k = 0;

		snprintf(cpu, sizeof(cpu), "%lldm", (long long)rows[i].milli);
		snprintf(mem, sizeof(mem), "%lldMi", (long long)(rows[i].bytes / (1024 * 1024)));
		if (o->all)
			cells[k++] = rows[i].ns;
		if (o->containers)
			cells[k++] = rows[i].pod;
		cells[k++] = o->containers ? rows[i].name : rows[i].pod;
		cells[k++] = cpu;
		cells[k++] = mem;
		pv_table_row(&t, cells);
	}
	pv_table_print_from(&t, stdout, o->no_headers ? 1 : 0);
	pv_table_free(&t);
	free(rows);
	return PV_EXIT_OK;
}

static int top_node(const struct top_opts *o, struct json_object *a, struct json_object *b)
{
	static const char *const head[] = { "NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%" };
	struct json_object *na = get(a, "node"), *nb = get(b, "node");
	int64_t milli = millicores(pv_json_int(na, "cpuUsec"), pv_json_int(nb, "cpuUsec"),
				   pv_json_int(b, "at") - pv_json_int(a, "at"));
	int64_t cpus = pv_json_int(nb, "cpus"), ws = pv_json_int(nb, "memoryWorkingSet");
	int64_t cap = pv_json_int(nb, "memoryCapacity");
	char cpu[32], cpup[32], mem[32], memp[32];
	const char *cells[5] = { pv_json_str(nb, "name", ""), cpu, cpup, mem, memp };
	struct pv_table t;

	snprintf(cpu, sizeof(cpu), "%lldm", (long long)milli);
	snprintf(cpup, sizeof(cpup), "%lld%%", (long long)(cpus > 0 ? milli / (cpus * 10) : 0));
	snprintf(mem, sizeof(mem), "%lldMi", (long long)(ws / (1024 * 1024)));
	snprintf(memp, sizeof(memp), "%lld%%", (long long)(cap > 0 ? ws * 100 / cap : 0));
	pv_table_init(&t, 5, head);
	pv_table_row(&t, cells);
	pv_table_print_from(&t, stdout, o->no_headers ? 1 : 0);
	pv_table_free(&t);
	return PV_EXIT_OK;
}

int pv_cmd_top(int argc, char **argv)
{
	struct top_opts o = { .ns = "default" };
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&o.ns, "only this namespace (default: default)"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &o.all, "every namespace, with a NAMESPACE column"),
		PV_CLI_STR_OPT("selector", 'l', &o.selector, "SELECTOR",
			       "only the pods whose labels match, as get -l"),
		PV_CLI_FLAG_OPT("containers", 0, &o.containers, "a row for each container (POD, NAME)"),
		PV_CLI_FLAG_OPT("no-headers", 0, &o.no_headers, "no header line"),
		PV_CLI_CHOICE_OPT("sort-by", 0, &o.sort_by, "KEY", sort_keys,
				  "the most first: cpu or memory"),
		PV_CLI_OPT_STATE(&o.state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "top", top_usage, top_more, opts, 0 };
	struct pv_cli_args a;
	struct json_object *first, *second;
	struct pv_err err = { 0 };
	bool node;
	int rc = pv_cli_parse(&cmd, argc, argv, &a);

	if (rc != PV_CLI_GO)
		return rc;
	if (a.n < 1)
		return pv_cli_usage_error(&cmd, "top what? pod or node");
	node = !strcmp(a.v[0], "node") || !strcmp(a.v[0], "nodes") || !strcmp(a.v[0], "no");
	if (!node && strcmp(a.v[0], "pod") && strcmp(a.v[0], "pods") && strcmp(a.v[0], "po"))
		return pv_cli_usage_error(&cmd, "unknown resource '%s': top shows pod or node", a.v[0]);
	if (a.n > 2)
		return pv_cli_usage_error(&cmd, "one NAME at most");
	if (node && (o.selector || o.containers || o.sort_by))
		return pv_cli_usage_error(&cmd, "-l, --containers and --sort-by are for pods");
	if (o.selector) {
		if (pv_labelsel_parse(o.selector, &o.sel, &err) < 0) {
			fprintf(stderr, "error: %s\n", err.msg);
			return PV_EXIT_FAIL;
		}
		o.has_sel = true;
	}
	first = ask(&o);
	if (first)
		nanosleep(&(struct timespec){ WINDOW_MS / 1000, (WINDOW_MS % 1000) * 1000000L }, NULL);
	second = first ? ask(&o) : NULL;
	if (!second)
		rc = PV_EXIT_FAIL;
	else if (node)
		rc = top_node(&o, first, second);
	else
		rc = top_pods(&o, a.n == 2 ? a.v[1] : NULL, first, second);
	json_object_put(first);
	json_object_put(second);
	if (o.has_sel)
		pv_labelsel_free(&o.sel);
	return rc;
}
