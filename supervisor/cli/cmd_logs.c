/* podvisor logs: a container's output, from the log files its shim
 * writes ("<time> <stream> <F|P> <text>" lines, as CRI runtimes do). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/api/api.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"

static const char logs_usage[] =
	"Usage: podvisor logs POD|KIND/NAME [-c CONTAINER] [-f] [-p] [--tail N] [--timestamps]\n"
	"                     [-n NAMESPACE] [--state DIR]\n"
	"\n"
	"Print a container's output (stdout and stderr, in order). With one\n"
	"container in the pod, -c may be left out.\n"
	"\n"
	"KIND/NAME is a workload: deploy/NAME, rs/NAME, sts/NAME, ds/NAME or\n"
	"job/NAME (pod/NAME is the pod). One of its pods is picked as kubectl\n"
	"picks it: running before pending, ready before not, more restarts first,\n"
	"then the oldest; with several, \"Found N pods, using pod/NAME\" goes to\n"
	"stderr.\n";

/* The workload kinds logs takes, and the created-by annotation's kind. */
static const struct {
	const char *names[4];
	const char *owner;
} workload_kinds[] = {
	{ { "deploy", "deployment", "deployments", "deployment.apps" }, "deployment" },
	{ { "rs", "replicaset", "replicasets", "replicaset.apps" }, "replicaset" },
	{ { "sts", "statefulset", "statefulsets", "statefulset.apps" }, "statefulset" },
	{ { "ds", "daemonset", "daemonsets", "daemonset.apps" }, "daemonset" },
	{ { "job", "jobs", "job.batch", NULL }, "job" },
};

struct logs_opts {
	const char *ns, *container, *state;
	bool follow, previous, timestamps;
	long tail;
};

/* One CRI line to the user: the text, and its newline unless partial. */
static void emit(const char *line, bool ts)
{
	const char *p = line, *fields[3];

	for (int i = 0; i < 3; i++) {
		fields[i] = p;
		p = strchr(p, ' ');
		if (!p)
			return;
		p++;
	}
	if (ts)
		fwrite(line, 1, (size_t)(strchr(line, ' ') - line + 1), stdout);
	fputs(p, stdout);
	if (fields[2][0] == 'F')
		fputc('\n', stdout);
}

static long count_lines(FILE *f)
{
	long n = 0;
	int c;

	while ((c = getc(f)) != EOF)
		n += c == '\n';
	rewind(f);
	return n;
}

/* Print PATH from line SKIP on; returns the offset reached. */
static long print_file(const char *path, long tail, bool ts, long from)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long skip = 0, i = 0;

	if (!f)
		return from;
	if (from > 0)
		fseek(f, from, SEEK_SET);
	else if (tail >= 0)
		skip = count_lines(f) - tail;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* half a line: the next read completes it */
		line[n - 1] = '\0';
		if (i++ >= skip)
			emit(line, ts);
		from = ftell(f);
	}
	free(line);
	fflush(stdout);
	return from < 0 ? 0 : from;
}

static struct json_object *find_container(struct json_object *pod, const char *name, int *restarts)
{
	struct json_object *cs, *c = NULL, *v;
	size_t n = 0;

	json_object_object_get_ex(pod, "containers", &cs);
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *x = json_object_array_get_idx(cs, i);

		if (json_object_get_boolean(json_object_object_get(x, "init")) && !name)
			continue;
		n++;
		if (!name || strcmp(pv_json_str(x, "name", ""), name) == 0)
			c = x;
	}
	if (!name && n != 1) {
		fprintf(stderr, "podvisor logs: the pod has %zu containers; choose one with -c\n", n);
		return NULL;
	}
	if (!c) {
		fprintf(stderr, "podvisor logs: no container \"%s\" in the pod\n", name ? name : "");
		return NULL;
	}
	*restarts = json_object_object_get_ex(c, "restartCount", &v) ? json_object_get_int(v) : 0;
	return c;
}

/* Follow the current log file, moving to the next one when the container
 * restarts (a new N.log appears in the directory). */
static int follow(const char *dir, int restarts, bool ts, long from)
{
	int fd = inotify_init1(IN_CLOEXEC);
	char path[4200], buf[4096];

	if (fd < 0 || inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE) < 0)
		return PV_EXIT_FAIL;
	for (;;) {
		snprintf(path, sizeof(path), "%s/%d.log", dir, restarts + 1);
		if (access(path, F_OK) == 0) {
			snprintf(path, sizeof(path), "%s/%d.log", dir, restarts);
			print_file(path, -1, ts, from);
			restarts++;
			from = 0;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%d.log", dir, restarts);
		from = print_file(path, -1, ts, from);
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EINTR)
			return PV_EXIT_FAIL;
	}
}

/* The created-by kind of the workload kind KIND ("deploy"...), or NULL. */
static const char *owner_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(workload_kinds) / sizeof(workload_kinds[0]); i++)
		for (size_t k = 0; k < 4 && workload_kinds[i].names[k]; k++)
			if (!strcmp(kind, workload_kinds[i].names[k]))
				return workload_kinds[i].owner;
	return NULL;
}

static const char *map_str(struct json_object *p, const char *map, const char *key)
{
	struct json_object *m, *v;

	if (!json_object_object_get_ex(p, map, &m) || !json_object_object_get_ex(m, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Whether pod P was made by OWNER NS/NAME (its created-by annotation);
 * a Deployment's ReplicaSet NAME-HASH makes the Deployment's pods of
 * that pod-template-hash. */
static bool belongs(struct json_object *p, const char *owner, const char *ns, const char *name)
{
	const char *by = map_str(p, "annotations", "podvisor.io/created-by"), *slash, *hash;
	char want[700];
	size_t n;

	if (!by || strcmp(pv_json_str(p, "namespace", ""), ns) != 0)
		return false;
	snprintf(want, sizeof(want), "%s/%s/%s", owner, ns, name);
	if (!strcmp(by, want))
		return true;
	if (strcmp(owner, "replicaset") != 0 || strncmp(by, "deployment/", 11) != 0)
		return false;
	slash = strchr(by + 11, '/');
	hash = map_str(p, "labels", "pod-template-hash");
	n = slash ? strlen(slash + 1) : 0;
	return slash && hash && !strncmp(name, slash + 1, n) && name[n] == '-' &&
	       !strcmp(name + n + 1, hash);
}

/* kubectl's ByLogging order: Running < Unknown < Pending (any other
 * phase ranks with Running, as Go's map lookup gives 0), ready first,
 * more restarts first, older first. */
static int phase_rank(struct json_object *p)
{
	const char *ph = pv_json_str(p, "phase", "");

	return !strcmp(ph, "Pending") ? 2 : !strcmp(ph, "Unknown") ? 1 : 0;
}

static bool pod_ready(struct json_object *p)
{
	return !strcmp(pv_json_str(p, "phase", ""), "Running") &&
	       strcmp(pv_json_str(p, "status", ""), "Terminating") != 0 && pv_json_int(p, "total") > 0 &&
	       pv_json_int(p, "ready") == pv_json_int(p, "total");
}

static int by_logging(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;

	if (phase_rank(x) != phase_rank(y))
		return phase_rank(x) - phase_rank(y);
	if (pod_ready(x) != pod_ready(y))
		return pod_ready(x) ? -1 : 1;
	if (pv_json_int(x, "restarts") != pv_json_int(y, "restarts"))
		return pv_json_int(x, "restarts") > pv_json_int(y, "restarts") ? -1 : 1;
	if (pv_json_int(x, "created") != pv_json_int(y, "created"))
		return pv_json_int(x, "created") < pv_json_int(y, "created") ? -1 : 1;
	return strcmp(pv_json_str(x, "name", ""), pv_json_str(y, "name", ""));
}

/* The pod of the workload KIND/NAME to show, as kubectl picks it, into
 * OUT: 0, or -1 (said). */
static int pick_pod(const struct logs_opts *o, const char *kind, const char *name, char *out,
		    size_t len)
{
	const char *owner = owner_kind(kind);
	struct json_object *req, *resp, *items = NULL, **mine;
	size_t n = 0;

	if (!owner) {
		fprintf(stderr, "error: cannot get the logs of a %s: use a pod, or deploy/NAME, "
			"rs/NAME, sts/NAME, ds/NAME or job/NAME\n", kind);
		return -1;
	}
	req = json_object_new_object();
	json_object_object_add(req, "op", json_object_new_string("pods"));
	if (!(resp = pv_client_call("podvisor logs", o->state, req)))
		return -1;
	json_object_object_get_ex(resp, "items", &items);
	mine = calloc(items ? json_object_array_length(items) + 1 : 1, sizeof(*mine));
	for (size_t i = 0; mine && items && i < json_object_array_length(items); i++)
		if (belongs(json_object_array_get_idx(items, i), owner, o->ns, name))
			mine[n++] = json_object_array_get_idx(items, i);
	if (n) {
		qsort(mine, n, sizeof(*mine), by_logging);
		snprintf(out, len, "%s", pv_json_str(mine[0], "name", ""));
		if (n > 1)
			fprintf(stderr, "Found %zu pods, using pod/%s\n", n, out);
	} else {
		fprintf(stderr, "error: no pod found for %s/%s in namespace \"%s\"\n", kind, name,
			o->ns);
	}
	free(mine);
	json_object_put(resp);
	return n ? 0 : -1;
}

/* The pod ARG names: POD, pod/POD, or one of the workload KIND/NAME's. */
static int resolve(const struct logs_opts *o, const char *arg, char *out, size_t len)
{
	const char *slash = strchr(arg, '/');
	char kind[64];

	if (!slash) {
		snprintf(out, len, "%s", arg);
		return 0;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - arg), arg);
	if (!strcmp(kind, "pod") || !strcmp(kind, "pods") || !strcmp(kind, "po")) {
		snprintf(out, len, "%s", slash + 1);
		return 0;
	}
	return pick_pod(o, kind, slash + 1, out, len);
}

/* The options, into O: PV_CLI_GO with the pod in A, or the exit status. */
static int parse(int argc, char **argv, struct logs_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_STR_OPT("container", 'c', &o->container, "NAME", "which container"),
		PV_CLI_FLAG_OPT("follow", 'f', &o->follow,
				"keep printing as the container writes, across restarts"),
		PV_CLI_FLAG_OPT("previous", 'p', &o->previous,
				"the previous run of a restarted container"),
		PV_CLI_INT_OPT("tail", 0, &o->tail, "N", "only the last N lines (-1: all)"),
		PV_CLI_FLAG_OPT("timestamps", 0, &o->timestamps,
				"prefix each line with its RFC 3339 timestamp"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the pod's namespace (default: default)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "logs", logs_usage, NULL, opts, 0 };
	int rc;

	o->ns = "default";
	o->tail = -1;
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc == PV_CLI_GO && a->n != 1)
		rc = pv_cli_usage_error(&cmd, "expected one POD or KIND/NAME");
	return rc;
}

int pv_cmd_logs(int argc, char **argv)
{
	struct logs_opts o = { 0 };
	struct pv_cli_args a;
	struct json_object *pod, *c;
	char dir[4096], path[4200], name[600];
	int restarts = 0, rc = parse(argc, argv, &o, &a);
	long end;

	if (rc != PV_CLI_GO)
		return rc;
	if (resolve(&o, a.v[0], name, sizeof(name)) < 0)
		return PV_EXIT_FAIL;
	pod = pv_client_pod("podvisor logs", o.state, o.ns, name);
	if (!pod)
		return PV_EXIT_FAIL;
	c = find_container(pod, o.container, &restarts);
	if (!c || snprintf(dir, sizeof(dir), "%s/containers/%s/log", pv_json_str(pod, "dir", ""),
			   pv_json_str(c, "name", "")) >= (int)sizeof(dir)) {
		json_object_put(pod);
		return PV_EXIT_FAIL;
	}
	json_object_put(pod);
	if (o.previous && restarts == 0) {
		fprintf(stderr, "podvisor logs: the container has not restarted: no previous run\n");
		return PV_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/%d.log", dir, o.previous ? restarts - 1 : restarts);
	end = print_file(path, o.tail, o.timestamps, 0);
	return o.follow && !o.previous ? follow(dir, restarts, o.timestamps, end) : PV_EXIT_OK;
}
