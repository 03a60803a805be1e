/* The "top" op (`podvisor top pod|node`): each running container's CPU
 * time and memory working set, read from its cgroup (runtime/cgroup.h),
 * and the node's, from /proc. CPU is a counter: the client reads it twice
 * and divides by the time between, as metrics-server does over its window.
 * May call: node (the pod records), runtime (cgroups), core. */
#include "supervisor/api/top_api.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/node/node.h"
#include "supervisor/node/pod.h"
#include "supervisor/node/pod_state.h"
#include "supervisor/runtime/cgroup.h"

static struct json_object *i64(int64_t v)
{
	return json_object_new_int64(v);
}

/* The node's CPU time used (all CPUs, µs) from /proc/stat, and its
 * memory: working set (total less available) and capacity, from
 * /proc/meminfo. */
static struct json_object *node_json(const struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object();
	unsigned long long v[8] = { 0 };
	long long total = -1, avail = -1, kb;
	long hz = sysconf(_SC_CLK_TCK);
	char line[256], key[64];
	FILE *f;

	json_object_object_add(o, "name", json_object_new_string(d->node_name ? d->node_name : ""));
	json_object_object_add(o, "cpus", i64(sysconf(_SC_NPROCESSORS_ONLN)));
	if ((f = fopen("/proc/stat", "re"))) {
		/* user nice system idle iowait irq softirq steal: busy is all but idle, iowait */
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8 && hz > 0)
			json_object_object_add(o, "cpuUsec",
					       i64((int64_t)((v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
							     (1000000ULL / (unsigned long long)hz))));
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63[^:]: %lld", key, &kb) == 2) {
				if (!strcmp(key, "MemTotal"))
					total = kb * 1024;
				else if (!strcmp(key, "MemAvailable"))
					avail = kb * 1024;
			}
		fclose(f);
	}
	if (total >= 0 && avail >= 0) {
		json_object_object_add(o, "memoryWorkingSet", i64(total - avail));
		json_object_object_add(o, "memoryCapacity", i64(total));
	}
	return o;
}

static struct json_object *labels_of(const struct pv_prt *p)
{
	struct json_object *o = json_object_new_object();
	const pv_strmap *m = p->spec ? &p->spec->h.metadata.labels : NULL;

	for (size_t i = 0; m && i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].value));
	return o;
}

struct json_object *pv_api_top(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object(), *items = json_object_new_array();
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	json_object_object_add(o, "at", i64((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000));
	json_object_object_add(o, "node", node_json(d));
	for (size_t i = 0; i < d->npods; i++) {
		const struct pv_prt *p = d->pods[i];
		struct json_object *pod = NULL, *cs = NULL;

		for (size_t j = p->ninit; j < p->ncontainers; j++) {
			const struct pv_crt *c = &p->containers[j];
			struct pv_cg_usage u;
			struct json_object *cj;
			char rel[1024];

			if (c->state != PV_C_RUNNING)
				continue;
			snprintf(rel, sizeof(rel), "%s/pod-%s/%s", d->cgroup_parent, p->uid, c->spec->name.v);
			if (pv_cg_usage(rel, &u) < 0)
				continue;
			if (!pod) {
				pod = json_object_new_object();
				cs = json_object_new_array();
				json_object_object_add(pod, "namespace", json_object_new_string(p->ns));
				json_object_object_add(pod, "name", json_object_new_string(p->name));
				json_object_object_add(pod, "labels", labels_of(p));
				json_object_object_add(pod, "containers", cs);
				json_object_array_add(items, pod);
			}
			cj = json_object_new_object();
			json_object_object_add(cj, "name", json_object_new_string(c->spec->name.v));
			json_object_object_add(cj, "cpuUsec", i64(u.cpu_usec));
			json_object_object_add(cj, "memoryWorkingSet", i64(u.working_set));
			json_object_array_add(cs, cj);
		}
	}
	json_object_object_add(o, "items", items);
	return o;
}
