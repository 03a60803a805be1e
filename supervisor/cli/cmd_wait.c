/* podvisor wait: until pods meet a condition (Ready, ...) or are gone,
 * as kubectl wait; also a Deployment's conditions (Available,
 * Progressing) and a Job's (Complete, Failed, ...), as the daemon's
 * "workloads" op reports them. The API has no watch or streaming op: the
 * daemon is asked every POLL_MS (one "pods" and/or one "workloads"
 * request a round, whatever the number of objects).
 *
 * The objects are waited for in their order, as kubectl does: an object's
 * line ("pod/web condition met") is printed once it and every object
 * before it are done. A pod waited for to be deleted is known by its uid,
 * so a replacement of the same name does not hold the wait up.
 *
 * Calls: api (the client call, through client.h), cli (opts), manifests
 * (labelsel), core. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/labelsel.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/jsonx.h"

#define POLL_MS 150
#define WEEK_MS (7LL * 24 * 3600 * 1000)

static const char wait_usage[] =
	"Usage: podvisor wait --for=condition=NAME[=VALUE] | --for=delete\n"
	"         (KIND/NAME... | KIND NAME... | KIND -l SELECTOR | KIND --all)\n"
	"         [-n NAMESPACE | -A] [--timeout=DURATION] [--state DIR]\n"
	"\n"
	"Wait until each object meets a condition, or is gone, as kubectl wait does.\n"
	"Prints 'pod/NAME condition met' or 'pod/NAME deleted' for each, in the\n"
	"order given. The objects are those that exist when the command starts\n"
	"(named, or matching -l at that moment).\n"
	"\n"
	"KIND is pod (pods, po), deployment (deploy) or job; -l and --all select\n"
	"pods only. The conditions, NAME compared without regard to case, VALUE\n"
	"true (the default) or false:\n"
	"  pods          Ready, ContainersReady (every container running and\n"
	"                ready), PodScheduled, Initialized\n"
	"  deployments   Available, Progressing\n"
	"  jobs          Complete, Failed, SuccessCriteriaMet, FailureTarget\n"
	"A condition the object never has (a typo too) is waited for until the\n"
	"timeout, as kubectl does. --for=delete waits until the object is gone; one\n"
	"already gone counts as deleted at once, silently. --for=jsonpath=... is\n"
	"not supported: ask for a condition, or use 'podvisor get -o json'.\n"
	"\n"
	"DURATION is Go's, as kubectl's: 30s (the default), 2m, 1h, 1m30s, 500ms;\n"
	"0 checks once without waiting; a negative one waits a week.\n";

static const char wait_more[] =
	"Exit status: 0 when every object met the condition (or is gone), 1 on a\n"
	"timeout ('error: timed out waiting for the condition on pods/NAME'), an\n"
	"object not found ('Error from server (NotFound): pods \"NAME\" not found'),\n"
	"no pod matching -l, or a daemon that cannot be reached; 2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  podvisor wait --for=condition=Ready pod/web-0\n"
	"  podvisor wait --for=condition=Ready pods -l app=web --timeout=2m\n"
	"  podvisor wait --for=delete pod/web-0 --timeout=60s\n"
	"  podvisor wait --for=condition=Available deploy/web\n"
	"  podvisor wait --for=condition=Complete job/backup -n batch --timeout=1h\n";

enum wait_kind { W_POD, W_DEPLOY, W_JOB };

static const struct {
	const char *names[4];
	const char *shown;    /* pod/NAME condition met */
	const char *plural;   /* timed out ... on pods/NAME */
	const char *resource; /* Error from server (NotFound): pods "NAME" not found */
	const char *array;    /* in the "workloads" answer */
} wkinds[] = {
	[W_POD] = { { "pods", "pod", "po", NULL }, "pod", "pods", "pods", NULL },
	[W_DEPLOY] = { { "deployments", "deployment", "deploy", NULL }, "deployment.apps",
		       "deployments", "deployments.apps", "deployments" },
	[W_JOB] = { { "jobs", "job", NULL, NULL }, "job.batch", "jobs", "jobs.batch", "jobs" },
};

struct wait_opts {
	const char *forc, *timeout, *ns, *selector, *state;
	bool all_ns, all;
	bool del;        /* --for=delete */
	char cond[64];   /* --for=condition=COND */
	char value[16];  /* =VALUE, "true" by default */
	int64_t timeout_ms;
};

struct target {
	enum wait_kind kind;
	char *ns, *name;
	char uid[64]; /* --for=delete, pods: the pod that must go */
	bool done;
};

struct targets {
	struct target *v;
	size_t n, cap;
};

/* A Go duration ("1m30s", "500ms", "-2h", "0") in ms; -1 when it is none. */
static int parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		      { "s", 1e3 },   { "m", 60e3 },  { "h", 3600e3 } };
	bool neg = *s == '-';
	double total = 0;

	s += *s == '-' || *s == '+';
	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t best = 0, k = PV_ARRAY_SIZE(units);

		if (end == s || strspn(s, "0123456789.") != (size_t)(end - s))
			return -1; /* strtod's 1e3, inf, 0x10: not Go's */
		for (size_t i = 0; i < PV_ARRAY_SIZE(units); i++) /* the longest unit that fits */
			if (!strncmp(end, units[i].unit, strlen(units[i].unit)) &&
			    strlen(units[i].unit) > best)
				best = strlen(units[i].unit), k = i;
		if (k == PV_ARRAY_SIZE(units))
			return -1;
		total += v * units[k].ms;
		s = end + best;
	}
	if (total > 1e15)
		return -1;
	*ms = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* --for: "delete", "condition=NAME[=VALUE]". */
static int parse_for(const struct pv_cli_cmd *cmd, struct wait_opts *o)
{
	const char *c, *eq;

	if (!o->forc)
		return pv_cli_usage_error(cmd, "--for must be given: --for=condition=NAME or "
					  "--for=delete");
	if (!strcasecmp(o->forc, "delete")) {
		o->del = true;
		return PV_CLI_GO;
	}
	if (!strncasecmp(o->forc, "jsonpath=", 9) || !strcasecmp(o->forc, "jsonpath"))
		return pv_cli_usage_error(cmd, "--for=jsonpath is not supported by podvisor: use "
					  "--for=condition=NAME[=VALUE] or --for=delete");
	if (strncasecmp(o->forc, "condition=", 10) != 0 || !o->forc[10])
		return pv_cli_usage_error(cmd, "unrecognized condition: \"%s\"", o->forc);
	c = o->forc + 10;
	eq = strchr(c, '=');
	snprintf(o->cond, sizeof(o->cond), "%.*s", eq ? (int)(eq - c) : (int)strlen(c), c);
	snprintf(o->value, sizeof(o->value), "%s", eq ? eq + 1 : "true");
	if (!o->cond[0] || (strcasecmp(o->value, "true") && strcasecmp(o->value, "false")))
		return pv_cli_usage_error(cmd, "unrecognized condition: \"%s\": VALUE is true or "
					  "false", o->forc);
	return PV_CLI_GO;
}

static int kind_of(const char *s, enum wait_kind *k)
{
	for (size_t i = 0; i < PV_ARRAY_SIZE(wkinds); i++)
		for (size_t j = 0; wkinds[i].names[j]; j++)
			if (!strcasecmp(s, wkinds[i].names[j])) {
				*k = (enum wait_kind)i;
				return 0;
			}
	return -1;
}

static int add_target(struct targets *t, enum wait_kind k, const char *ns, const char *name)
{
	char *n = strdup(ns), *m = strdup(name);

	if (!n || !m || pv_vec_push(t->v, t->n, t->cap,
				    (struct target){ .kind = k, .ns = n, .name = m }) < 0) {
		free(n);
		free(m);
		fprintf(stderr, "podvisor wait: out of memory\n");
		return -1;
	}
	return 0;
}

static void targets_free(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].ns);
		free(t->v[i].name);
	}
	free(t->v);
}

/* The operands into T: KIND/NAME..., KIND NAME..., or KIND alone with -l
 * or --all (*SELECT). */
static int parse_targets(const struct pv_cli_cmd *cmd, const struct wait_opts *o,
			 const struct pv_cli_args *a, struct targets *t)
{
	enum wait_kind k;
	bool slash = a->n && strchr(a->v[0], '/');

	if (!a->n)
		return pv_cli_usage_error(cmd, "you must specify the objects to wait for: "
					  "KIND/NAME, KIND NAME or KIND -l SELECTOR");
	if ((o->selector || o->all) && (slash || a->n > 1))
		return pv_cli_usage_error(cmd, "a name cannot be given with -l or --all");
	if (o->all_ns && !o->selector && !o->all)
		return pv_cli_usage_error(cmd, "-A needs -l SELECTOR or --all: a name is looked "
					  "for in one namespace (-n)");
	for (int i = slash ? 0 : 1; i < a->n; i++) {
		const char *s = a->v[i], *slash_at = strchr(s, '/');
		char kind[64];

		snprintf(kind, sizeof(kind), "%.*s", slash_at ? (int)(slash_at - s) : 0, s);
		if (slash ? !slash_at || !slash_at[1] : slash_at != NULL)
			return pv_cli_usage_error(cmd, "'%s': give every object as KIND/NAME, or "
						  "KIND once then the NAMEs", s);
		if (kind_of(slash ? kind : a->v[0], &k) < 0)
			return pv_cli_usage_error(cmd, "unknown kind '%s': pod, deployment or job",
						  slash ? kind : a->v[0]);
		if (add_target(t, k, o->ns, slash ? slash_at + 1 : s) < 0)
			return PV_EXIT_FAIL;
	}
	if (slash)
		return PV_CLI_GO;
	if (kind_of(a->v[0], &k) < 0)
		return pv_cli_usage_error(cmd, "unknown kind '%s': pod, deployment or job", a->v[0]);
	if ((o->selector || o->all) && k != W_POD)
		return pv_cli_usage_error(cmd, "-l and --all select pods only");
	if (!o->selector && !o->all && a->n < 2)
		return pv_cli_usage_error(cmd, "no name given for '%s': KIND/NAME, KIND NAME or "
					  "KIND -l SELECTOR", a->v[0]);
	return PV_CLI_GO;
}

static int parse(int argc, char **argv, struct wait_opts *o, struct targets *t)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_STR_OPT("for", 0, &o->forc, "CONDITION",
			       "condition=NAME[=true|false] or delete (required)"),
		PV_CLI_STR_OPT("timeout", 0, &o->timeout, "DURATION",
			       "how long to wait for all the objects (default 30s; 0: check "
			       "once)"),
		PV_CLI_STR_OPT("selector", 'l', &o->selector, "SELECTOR",
			       "the pods whose labels match SELECTOR, as kubectl's -l"),
		PV_CLI_FLAG_OPT("all", 0, &o->all, "every pod of the namespace"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the objects' namespace (default: default)"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &o->all_ns,
				"with -l or --all: the pods of every namespace"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "wait", wait_usage, wait_more, opts, 0 };
	struct pv_cli_args a;
	int rc;

	o->ns = "default";
	o->timeout = "30s";
	rc = pv_cli_parse(&cmd, argc, argv, &a);
	if (rc == PV_CLI_GO)
		rc = parse_for(&cmd, o);
	if (rc == PV_CLI_GO && parse_duration(o->timeout, &o->timeout_ms) < 0)
		rc = pv_cli_usage_error(&cmd, "invalid argument \"%s\" for --timeout: a duration "
					"such as 30s, 2m or 1h", o->timeout);
	if (o->timeout_ms < 0)
		o->timeout_ms = WEEK_MS;
	return rc == PV_CLI_GO ? parse_targets(&cmd, o, &a, t) : rc;
}

/* ---- what the daemon says ---- */

struct view {
	struct json_object *pods;      /* "pods" op's items, or NULL */
	struct json_object *workloads; /* "workloads" op's answer, or NULL */
};

static void view_clear(struct view *v)
{
	json_object_put(v->pods);
	json_object_put(v->workloads);
	v->pods = v->workloads = NULL;
}

static struct json_object *ask(const struct wait_opts *o, const char *op)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string(op));
	return pv_client_call("podvisor wait", o->state, req);
}

/* A fresh view with what T's kinds need: 0, or -1 (said) without a daemon. */
static int view_load(const struct wait_opts *o, const struct targets *t, bool pods,
		     struct view *v)
{
	bool workloads = false;
	struct json_object *r, *items;

	for (size_t i = 0; i < t->n; i++) {
		pods |= t->v[i].kind == W_POD && !t->v[i].done;
		workloads |= t->v[i].kind != W_POD && !t->v[i].done;
	}
	view_clear(v);
	if (pods) {
		if (!(r = ask(o, "pods")))
			return -1;
		if (json_object_object_get_ex(r, "items", &items))
			v->pods = json_object_get(items);
		json_object_put(r);
	}
	if (workloads && !(v->workloads = ask(o, "workloads")))
		return -1;
	return 0;
}

/* The object T names in V, or NULL. */
static struct json_object *find(const struct view *v, const struct target *t)
{
	struct json_object *a = t->kind == W_POD ? v->pods
						 : json_object_object_get(v->workloads,
									  wkinds[t->kind].array);

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *x = json_object_array_get_idx(a, i);

		if (!strcmp(pv_json_str(x, "namespace", ""), t->ns) &&
		    !strcmp(pv_json_str(x, "name", ""), t->name) &&
		    (!t->uid[0] || !strcmp(pv_json_str(x, "uid", ""), t->uid)))
			return x;
	}
	return NULL;
}

/* A pod condition's status, "True" or "False", or NULL for one pods
 * do not have. */
static const char *pod_condition(struct json_object *p, const char *cond)
{
	const char *phase = pv_json_str(p, "phase", ""), *status = pv_json_str(p, "status", "");
	int64_t total = pv_json_int(p, "total");

	if (!strcasecmp(cond, "Ready") || !strcasecmp(cond, "ContainersReady"))
		return !strcmp(phase, "Running") && total > 0 && pv_json_int(p, "ready") == total
			       ? "True" : "False";
	if (!strcasecmp(cond, "PodScheduled"))
		return strcmp(pv_json_str(p, "reason", ""), "Unschedulable") ? "True" : "False";
	if (!strcasecmp(cond, "Initialized"))
		return strncmp(status, "Init:", 5) && strcmp(status, "PodInitializing") &&
			       strcmp(pv_json_str(p, "reason", ""), "Unschedulable")
			       ? "True" : "False";
	return NULL;
}

/* A workload condition's status: a Deployment's {type, status}, a Job's
 * list of the conditions that hold. */
static const char *workload_condition(struct json_object *w, enum wait_kind k, const char *cond)
{
	struct json_object *a = json_object_object_get(w, "conditions");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		if (k == W_JOB && !strcasecmp(json_object_get_string(c), cond))
			return "True";
		if (k == W_DEPLOY && !strcasecmp(pv_json_str(c, "type", ""), cond))
			return pv_json_str(c, "status", "Unknown");
	}
	if (k == W_JOB && (!strcasecmp(cond, "Complete") || !strcasecmp(cond, "Failed")))
		return "False";
	return NULL;
}

static bool met(const struct wait_opts *o, const struct view *v, const struct target *t)
{
	struct json_object *x = find(v, t);
	const char *status;

	if (o->del)
		return !x;
	if (!x)
		return false;
	status = t->kind == W_POD ? pod_condition(x, o->cond) : workload_condition(x, t->kind, o->cond);
	return status && !strcasecmp(status, o->value);
}

/* ---- the wait ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -l or --all: the matching pods into T (at the start, as kubectl). */
static int select_pods(const struct wait_opts *o, const struct view *v, struct targets *t)
{
	struct pv_labelsel sel = { 0 };
	struct pv_err err = { 0 };
	int rc = 0;

	if (o->selector && pv_labelsel_parse(o->selector, &sel, &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return -1;
	}
	for (size_t i = 0; v->pods && i < json_object_array_length(v->pods) && !rc; i++) {
		struct json_object *p = json_object_array_get_idx(v->pods, i);
		const char *ns = pv_json_str(p, "namespace", "");

		if ((o->all_ns || !strcmp(ns, o->ns)) &&
		    (!o->selector ||
		     pv_labelsel_matches(&sel, pv_json_label, json_object_object_get(p, "labels"))))
			rc = add_target(t, W_POD, ns, pv_json_str(p, "name", ""));
	}
	if (o->selector)
		pv_labelsel_free(&sel);
	return rc;
}

/* Before waiting: each object must exist (for a condition), and a pod
 * waited for to go is known by its uid. Returns how many failed. */
static int check_start(const struct wait_opts *o, const struct view *v, struct targets *t)
{
	int failed = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct target *x = &t->v[i];
		struct json_object *obj = find(v, x);

		if (obj && x->kind == W_POD && o->del)
			snprintf(x->uid, sizeof(x->uid), "%s", pv_json_str(obj, "uid", ""));
		if (obj || o->del)
			continue;
		fprintf(stderr, "Error from server (NotFound): %s \"%s\" not found\n",
			wkinds[x->kind].resource, x->name);
		x->done = true;
		failed++;
	}
	return failed;
}

/* One round: print each object done, in order, up to the first that is
 * not. Returns the index of that one (T->n when all are done). */
static size_t advance(const struct wait_opts *o, const struct view *v, struct targets *t,
		      size_t next, bool *present)
{
	for (; next < t->n; next++) {
		struct target *x = &t->v[next];

		if (!x->done && !met(o, v, x))
			break;
		if (!x->done && (!o->del || present[next]))
			printf("%s/%s %s\n", wkinds[x->kind].shown, x->name,
			       o->del ? "deleted" : "condition met");
		x->done = true;
	}
	fflush(stdout);
	return next;
}

static int wait_all(const struct wait_opts *o, struct targets *t, struct view *v)
{
	const struct timespec tick = { 0, POLL_MS * 1000 * 1000 };
	int64_t deadline = now_ms() + o->timeout_ms;
	cleanup_free bool *present = calloc(t->n + 1, sizeof(bool));
	size_t next = 0;

	if (!present)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		present[i] = find(v, &t->v[i]) != NULL;
	for (;;) {
		next = advance(o, v, t, next, present);
		if (next == t->n)
			return 0;
		if (now_ms() >= deadline)
			break;
		nanosleep(&tick, NULL);
		if (view_load(o, t, false, v) < 0)
			return -1;
	}
	for (; next < t->n; next++)
		if (!t->v[next].done)
			fprintf(stderr, "error: timed out waiting for the condition on %s/%s\n",
				wkinds[t->v[next].kind].plural, t->v[next].name);
	return -1;
}

int pv_cmd_wait(int argc, char **argv)
{
	struct wait_opts o = { 0 };
	struct targets t = { 0 };
	struct view v = { 0 };
	bool select;
	int rc = parse(argc, argv, &o, &t), failed = 0;

	if (rc != PV_CLI_GO) {
		targets_free(&t);
		return rc;
	}
	select = o.selector || o.all;
	if (view_load(&o, &t, select, &v) < 0 || (select && select_pods(&o, &v, &t) < 0)) {
		view_clear(&v);
		targets_free(&t);
		return PV_EXIT_FAIL;
	}
	if (select && !t.n && !o.del) {
		fprintf(stderr, "error: no matching resources found\n");
		failed = 1;
	}
	failed |= check_start(&o, &v, &t) > 0;
	if (wait_all(&o, &t, &v) < 0)
		failed = 1;
	view_clear(&v);
	targets_free(&t);
	return failed ? PV_EXIT_FAIL : PV_EXIT_OK;
}
