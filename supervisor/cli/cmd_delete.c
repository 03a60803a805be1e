/* podvisor delete pod: a controller's pod stopped for its controller to
 * replace, as kubectl delete pod; a pod a manifest file defines is
 * refused by the daemon, which names the file. By name, or by label
 * selector (-l); waits until each deleted pod is gone unless
 * --wait=false. Calls: the API (client.h), manifests (labelsel). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/vec.h"
#include "manifests/labelsel.h"
#include "supervisor/api/api.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/jsonx.h"

static const char delete_usage[] =
	"Usage: podvisor delete pod NAME... [-n NAMESPACE] [--wait=false] [--state DIR]\n"
	"       podvisor delete pod -l SELECTOR [-n NAMESPACE | -A] [--wait=false]\n"
	"\n"
	"Delete pods as kubectl does: each pod is stopped (SIGTERM, then SIGKILL\n"
	"after its terminationGracePeriodSeconds) and shows as Terminating until it\n"
	"is gone; the Deployment, ReplicaSet, StatefulSet, DaemonSet or Job that\n"
	"made it then starts a replacement. Prints 'pod \"NAME\" deleted' for each.\n"
	"\n"
	"The manifests directory is the truth: a pod defined directly by a file is\n"
	"not deleted (the daemon would start it again); the error names the file to\n"
	"remove it from. Only pods can be deleted: edit or remove the files for\n"
	"anything else.\n"
	"\n"
	"SELECTOR is kubectl's: app=web, app!=web, 'env in (a,b)', 'env notin (a)',\n"
	"key (has the label), !key (has not), several separated by commas (all\n"
	"must hold).\n";

static const char delete_more[] =
	"Exit status: 0 when every pod was deleted, 1 when one could not be (not\n"
	"found, defined by a file) or the daemon cannot be reached, 2 on a usage\n"
	"error.\n"
	"\n"
	"Examples:\n"
	"  podvisor delete pod web-0\n"
	"  podvisor delete pod -l app=nginx --wait=false\n";

struct delete_opts {
	const char *ns, *state, *selector;
	bool all, wait;
};

/* One pod to delete; UID set once the daemon deleted it. */
struct target {
	char *ns, *name;
	char uid[33];
};

struct targets {
	struct target *v;
	size_t n, cap;
};

static int parse(int argc, char **argv, struct delete_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_STR_OPT("selector", 'l', &o->selector, "SELECTOR",
			       "the pods whose labels match SELECTOR"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the pods' namespace (default: default)"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &o->all,
				"with -l: the matching pods of every namespace"),
		PV_CLI_FLAG_OPT("wait", 0, &o->wait,
				"wait until each pod is gone (the default; --wait=false: do not)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "delete", delete_usage, delete_more, opts, 0 };
	int rc;

	o->ns = "default";
	o->wait = true;
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc != PV_CLI_GO)
		return rc;
	if (a->n < 1)
		return pv_cli_usage_error(&cmd, "expected 'pod NAME...' or 'pod -l SELECTOR'");
	if (strcmp(a->v[0], "pod") && strcmp(a->v[0], "pods") && strcmp(a->v[0], "po"))
		return pv_cli_usage_error(&cmd, "only pods can be deleted, not '%s': edit or remove "
					  "its manifest file instead", a->v[0]);
	if (o->selector && a->n > 1)
		return pv_cli_usage_error(&cmd, "name cannot be provided when a selector is specified");
	if (!o->selector && a->n < 2)
		return pv_cli_usage_error(&cmd, "expected a pod NAME or -l SELECTOR");
	if (o->all && !o->selector)
		return pv_cli_usage_error(&cmd, "a pod cannot be deleted by name across all "
					  "namespaces: give -n NAMESPACE");
	return PV_CLI_GO;
}

static int add_target(struct targets *t, const char *ns, const char *name)
{
	char *n = strdup(ns), *m = strdup(name);

	if (!n || !m || pv_vec_push(t->v, t->n, t->cap, (struct target){ .ns = n, .name = m }) < 0) {
		free(n);
		free(m);
		fprintf(stderr, "podvisor delete: out of memory\n");
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

static struct json_object *list_pods(const struct delete_opts *o)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string("pods"));
	return pv_client_call("podvisor delete", o->state, req);
}

/* The pods matching -l into T; -1 when the selector or the daemon fails. */
static int select_pods(const struct delete_opts *o, struct targets *t)
{
	struct pv_labelsel sel;
	struct pv_err err = { 0 };
	struct json_object *resp, *items = NULL;
	int rc = 0;

	if (pv_labelsel_parse(o->selector, &sel, &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return -1;
	}
	if (!(resp = list_pods(o))) {
		pv_labelsel_free(&sel);
		return -1;
	}
	json_object_object_get_ex(resp, "items", &items);
	for (size_t i = 0; items && i < json_object_array_length(items) && !rc; i++) {
		struct json_object *p = json_object_array_get_idx(items, i), *labels = NULL;
		const char *ns = pv_json_str(p, "namespace", "");

		json_object_object_get_ex(p, "labels", &labels);
		if ((o->all || !strcmp(ns, o->ns)) &&
		    pv_labelsel_matches(&sel, pv_json_label, labels))
			rc = add_target(t, ns, pv_json_str(p, "name", ""));
	}
	json_object_put(resp);
	pv_labelsel_free(&sel);
	return rc;
}

/* Ask the daemon to delete T: 0, or -1 (said as kubectl says it). */
static int delete_one(const struct delete_opts *o, struct target *t)
{
	struct json_object *req = json_object_new_object(), *resp, *del;
	struct pv_err err = { 0 };
	int rc = 0;

	json_object_object_add(req, "op", json_object_new_string("delete-pod"));
	json_object_object_add(req, "namespace", json_object_new_string(t->ns));
	json_object_object_add(req, "name", json_object_new_string(t->name));
	resp = pv_api_call(pv_state_dir(o->state), req, &err);
	json_object_put(req);
	if (!resp) {
		fprintf(stderr, "podvisor delete: %s\n", err.msg);
		return -1;
	}
	if (json_object_object_get_ex(resp, "deleted", &del)) {
		snprintf(t->uid, sizeof(t->uid), "%s", pv_json_str(del, "uid", ""));
		printf("pod \"%s\" deleted\n", t->name);
		fflush(stdout);
	} else if (!strcmp(pv_json_str(resp, "reason", ""), "NotFound")) {
		fprintf(stderr, "Error from server (NotFound): %s\n", pv_json_str(resp, "error", ""));
		rc = -1;
	} else {
		fprintf(stderr, "Error: %s\n", pv_json_str(resp, "error", "the daemon said no"));
		rc = -1;
	}
	json_object_put(resp);
	return rc;
}

/* True while a pod with UID exists; -1 when the daemon cannot be asked. */
static int still_there(const struct delete_opts *o, const char *uid)
{
	struct json_object *resp = list_pods(o), *items = NULL;
	int there = 0;

	if (!resp)
		return -1;
	json_object_object_get_ex(resp, "items", &items);
	for (size_t i = 0; items && i < json_object_array_length(items) && !there; i++)
		there = !strcmp(pv_json_str(json_object_array_get_idx(items, i), "uid", ""), uid);
	json_object_put(resp);
	return there;
}

/* --wait: until every deleted pod is gone (its replacement may already
 * run under the same name: the uid tells them apart). */
static int wait_gone(const struct delete_opts *o, const struct targets *t)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	for (size_t i = 0; i < t->n; i++) {
		int there;

		while (t->v[i].uid[0] && (there = still_there(o, t->v[i].uid)) != 0) {
			if (there < 0)
				return -1;
			nanosleep(&tick, NULL);
		}
	}
	return 0;
}

int pv_cmd_delete(int argc, char **argv)
{
	struct delete_opts o = { 0 };
	struct targets t = { 0 };
	struct pv_cli_args a;
	int rc = parse(argc, argv, &o, &a), failed = 0;

	if (rc != PV_CLI_GO)
		return rc;
	if (o.selector ? select_pods(&o, &t) < 0 : 0) {
		targets_free(&t);
		return PV_EXIT_FAIL;
	}
	for (int i = 1; !o.selector && i < a.n; i++)
		if (add_target(&t, o.ns, a.v[i]) < 0)
			failed = 1;
	if (o.selector && !t.n)
		fprintf(stderr, "No resources found%s%s%s.\n", o.all ? "" : " in ",
			o.all ? "" : o.ns, o.all ? "" : " namespace");
	for (size_t i = 0; i < t.n; i++)
		failed |= delete_one(&o, &t.v[i]) < 0;
	if (o.wait && wait_gone(&o, &t) < 0)
		failed = 1;
	targets_free(&t);
	return failed ? PV_EXIT_FAIL : PV_EXIT_OK;
}
