/* podvisor rollout status|history|undo deploy/NAME: a Deployment's
 * rollout, as kubectl shows and steers it, over the daemon's "rollout"
 * op (its counts, conditions, revisions with their templates, and the
 * file it comes from with the SHA-256 of the bytes the daemon last read).
 *
 * `status` asks the daemon every 200 ms (the API has no streaming op) and
 * prints kubectl's messages as they change.
 *
 * `undo` rewrites the Deployment's spec.template in its manifest file
 * (the directory stays the source of truth; the daemon's watch sees the
 * edit and rolls out). The write is done HERE, by the CLI, not by the
 * daemon: the daemon only ever reads the manifests directory, and keeping
 * it that way keeps one writer of the user's files (the user, through
 * their editor or this command, with their own permissions, and an error
 * said to them directly on their terminal); the daemon gives what only it
 * knows (the revision's template, the path, the hash of what it loaded).
 * The file is refused when its bytes are not the ones the daemon loaded
 * (someone edited it since), and only the Deployment's document is
 * re-emitted: the bytes before and after it are copied as they were.
 * Calls: cli (client, opts, rollout_edit, describe), core, manifests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/printers/get.h"
#include "supervisor/cli/opts.h"
#include "supervisor/cli/rollout_edit.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define POLL_MS 200
#define CHANGE_CAUSE "kubernetes.io/change-cause"

static const char rollout_usage[] =
	"Usage: podvisor rollout status|history|undo deploy/NAME [-n NAMESPACE] [OPTIONS]\n"
	"\n"
	"Follow and steer a Deployment's rollout, as kubectl rollout does.\n"
	"  status   wait until the rollout finishes, saying how far it is:\n"
	"           \"Waiting for deployment \"web\" rollout to finish: 1 out of 4 new\n"
	"           replicas have been updated...\", then \"deployment \"web\" successfully\n"
	"           rolled out\". Exit status 1 when the Deployment exceeds its\n"
	"           progressDeadlineSeconds or --timeout passes.\n"
	"  history  the revisions: REVISION and CHANGE-CAUSE (the Deployment's\n"
	"           kubernetes.io/change-cause annotation when that template was\n"
	"           applied); --revision=N shows that revision's pod template.\n"
	"  undo     go back to the previous revision, or to --to-revision=N: the\n"
	"           Deployment's spec.template is rewritten IN ITS MANIFEST FILE\n"
	"           (atomically; the other documents of the file are left as they\n"
	"           were, byte for byte; comments inside the Deployment's own\n"
	"           document are not kept), the file is named, and the daemon rolls\n"
	"           the change out as it would an edit. Refused when the file was\n"
	"           changed since the daemon loaded it.\n"
	"The Deployment may be given as deploy/NAME, deployment/NAME or deploy NAME.\n"
	"\n"
	"There is no `podvisor scale` (nor rollout pause|resume|restart): the\n"
	"directory is the API, so edit spec.replicas (or spec.paused) in the file.\n";

static const char rollout_more[] =
	"Exit status: 0 on success; 1 when the rollout failed or timed out, the\n"
	"Deployment or revision does not exist, or undo is refused; 2 on a usage error.\n";

struct rollout_opts {
	const char *ns, *state, *timeout, *watch;
	long revision, to_revision;
	const char *name;
};

static struct json_object *ask(const struct rollout_opts *o)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string("rollout"));
	json_object_object_add(req, "namespace", json_object_new_string(o->ns));
	json_object_object_add(req, "name", json_object_new_string(o->name));
	return pv_client_call("podvisor", o->state, req);
}

/* "30s", "5m", "1h30m", "250ms", "0" (none): milliseconds, or -1. */
static int64_t duration_ms(const char *s)
{
	int64_t total = 0;

	if (!strcmp(s, "0"))
		return 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);

		if (end == s || v < 0)
			return -1;
		if (!strncmp(end, "ms", 2)) {
			total += (int64_t)v;
			s = end + 2;
		} else if (*end == 's' || *end == 'm' || *end == 'h') {
			total += (int64_t)(v * (*end == 's' ? 1000 : *end == 'm' ? 60000 : 3600000));
			s = end + 1;
		} else {
			return -1;
		}
	}
	return total;
}

/* What the file holds now against what the daemon loaded. */
static bool file_as_loaded(struct json_object *r, char **buf, size_t *len)
{
	struct pv_err err = { 0 };
	char hex[65];
	size_t n = 0;
	/* through a symlink, as the daemon reads it */
	char *b = pv_read_file_raw(pv_json_str(r, "file", ""), PV_EDIT_FILE_MAX, &n, &err);

	if (!b)
		return false;
	pv_edit_sha256(b, n, hex);
	if (len)
		*len = n;
	if (buf)
		*buf = b;
	else
		free(b);
	return !strcmp(hex, pv_json_str(r, "fileSha256", ""));
}

static const char *condition_reason(struct json_object *r, const char *type)
{
	struct json_object *a = json_object_object_get(r, "conditions");

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		if (!strcmp(pv_json_str(c, "type", ""), type))
			return pv_json_str(c, "reason", "");
	}
	return "";
}

/* kubectl's status viewer (rollout_status.go): the message, and whether
 * the rollout is done; -1 when it exceeded its progress deadline. */
static int status_message(const struct rollout_opts *o, struct json_object *r, char *msg,
			  size_t len)
{
	int64_t replicas = pv_json_int(r, "replicas"), updated = pv_json_int(r, "updated");
	int64_t current = pv_json_int(r, "current"), available = pv_json_int(r, "available");

	if (!file_as_loaded(r, NULL, NULL) ||
	    !json_object_get_boolean(json_object_object_get(r, "observed"))) {
		snprintf(msg, len, "Waiting for deployment spec update to be observed...\n");
		return 0;
	}
	if (!strcmp(condition_reason(r, "Progressing"), "ProgressDeadlineExceeded")) {
		snprintf(msg, len, "deployment \"%s\" exceeded its progress deadline", o->name);
		return -1;
	}
	if (updated < replicas) {
		snprintf(msg, len, "Waiting for deployment \"%s\" rollout to finish: %lld out of %lld "
			 "new replicas have been updated...\n", o->name, (long long)updated,
			 (long long)replicas);
		return 0;
	}
	if (current > updated) {
		snprintf(msg, len, "Waiting for deployment \"%s\" rollout to finish: %lld old replicas "
			 "are pending termination...\n", o->name, (long long)(current - updated));
		return 0;
	}
	if (available < updated) {
		snprintf(msg, len, "Waiting for deployment \"%s\" rollout to finish: %lld of %lld "
			 "updated replicas are available...\n", o->name, (long long)available,
			 (long long)updated);
		return 0;
	}
	snprintf(msg, len, "deployment \"%s\" successfully rolled out\n", o->name);
	return 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int do_status(const struct rollout_opts *o)
{
	int64_t timeout = o->timeout ? duration_ms(o->timeout) : 0;
	int64_t until = timeout > 0 ? now_ms() + timeout : 0;
	bool watch = !o->watch || strcmp(o->watch, "false") != 0;
	char last[600] = "", msg[600];

	for (;;) {
		struct json_object *r = ask(o);
		int st;

		if (!r)
			return PV_EXIT_FAIL;
		st = status_message(o, r, msg, sizeof(msg));
		json_object_put(r);
		if (st < 0) {
			fprintf(stderr, "error: %s\n", msg);
			return PV_EXIT_FAIL;
		}
		if (strcmp(msg, last) != 0)
			fputs(msg, stdout);
		fflush(stdout);
		snprintf(last, sizeof(last), "%s", msg);
		if (st > 0 || !watch)
			return PV_EXIT_OK;
		if (until && now_ms() >= until) {
			fprintf(stderr, "error: timed out waiting for the condition\n");
			return PV_EXIT_FAIL;
		}
		usleep(POLL_MS * 1000);
	}
}

static struct json_object *revision_of(struct json_object *r, int64_t n)
{
	struct json_object *a = json_object_object_get(r, "revisions");

	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (pv_json_int(json_object_array_get_idx(a, i), "revision") == n)
			return json_object_array_get_idx(a, i);
	return NULL;
}

static int do_history(const struct rollout_opts *o, struct json_object *r)
{
	static const char *const head[] = { "REVISION", "CHANGE-CAUSE" };
	struct json_object *a = json_object_object_get(r, "revisions");
	struct pv_table t;

	if (o->revision > 0) {
		struct json_object *rev = revision_of(r, o->revision);

		if (!rev) {
			fprintf(stderr, "error: unable to find the specified revision\n");
			return PV_EXIT_FAIL;
		}
		printf("deployment.apps/%s with revision #%ld\n", o->name, o->revision);
		pv_describe_pod_template(json_object_object_get(rev, "template"));
		return PV_EXIT_OK;
	}
	printf("deployment.apps/%s \n", o->name);
	pv_table_init(&t, 2, head);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		char num[32];
		const char *row[2] = { num, pv_json_str(e, "changeCause", "<none>") };

		snprintf(num, sizeof(num), "%lld", (long long)pv_json_int(e, "revision"));
		pv_table_row(&t, row);
	}
	pv_table_print(&t, stdout);
	pv_table_free(&t);
	return PV_EXIT_OK;
}

/* The revision undo goes to: --to-revision, or the newest before the
 * current one. NULL (said) when there is none. */
static struct json_object *undo_target(const struct rollout_opts *o, struct json_object *r,
				       int64_t *current)
{
	struct json_object *a = json_object_object_get(r, "revisions"), *prev = NULL;
	const char *hash = pv_json_str(r, "podTemplateHash", "");

	*current = 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(pv_json_str(e, "podTemplateHash", ""), hash))
			*current = pv_json_int(e, "revision");
	}
	if (o->to_revision > 0) {
		prev = revision_of(r, o->to_revision);
		if (!prev)
			fprintf(stderr, "error: unable to find specified revision %ld in history\n",
				o->to_revision);
		return prev;
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		int64_t n = pv_json_int(e, "revision");

		if (n != *current && (!prev || n > pv_json_int(prev, "revision")))
			prev = e;
	}
	if (!prev)
		fprintf(stderr, "error: no previous revision of deployment \"%s\" to roll back to "
			"(it has %zu revision%s)\n", o->name, json_object_array_length(a),
			json_object_array_length(a) == 1 ? "" : "s");
	return prev;
}

/* DOC with TARGET's template and change-cause. */
static void apply_revision(struct json_object *doc, struct json_object *target)
{
	struct json_object *spec = json_object_object_get(doc, "spec");
	struct json_object *meta = json_object_object_get(doc, "metadata"), *ann;
	const char *cause = pv_json_str(target, "changeCause", NULL);

	/* its keys in the order of the template it replaces: a smaller diff */
	json_object_object_add(spec, "template",
			       pv_edit_strip_defaults(json_object_object_get(target, "template"),
						      json_object_object_get(spec, "template")));
	ann = json_object_object_get(meta, "annotations");
	if (cause) {
		if (!json_object_is_type(ann, json_type_object)) {
			ann = json_object_new_object();
			json_object_object_add(meta, "annotations", ann);
		}
		json_object_object_add(ann, CHANGE_CAUSE, json_object_new_string(cause));
	} else if (json_object_is_type(ann, json_type_object)) {
		json_object_object_del(ann, CHANGE_CAUSE);
		if (!json_object_object_length(ann))
			json_object_object_del(meta, "annotations");
	}
}

static int do_undo(const struct rollout_opts *o, struct json_object *r)
{
	const char *path = pv_json_str(r, "file", "");
	cleanup_free char *buf = NULL, *yaml = NULL, *out = NULL;
	struct json_object *target, *doc = NULL;
	const char *ybody;
	struct pv_err err = { 0 };
	size_t len = 0, start, end, ylen, olen;
	int64_t current;

	if (!strcmp(condition_reason(r, "Progressing"), "DeploymentPaused")) {
		fprintf(stderr, "error: you cannot roll back a paused deployment; resume it first "
			"(spec.paused: false in %s) and try again\n", path);
		return PV_EXIT_FAIL;
	}
	target = undo_target(o, r, &current);
	if (!target)
		return PV_EXIT_FAIL;
	if (pv_json_int(target, "revision") == current) {
		printf("deployment.apps/%s skipped rollback (current template already matches "
		       "revision %lld)\n", o->name, (long long)current);
		return PV_EXIT_OK;
	}
	if (json_object_get_boolean(json_object_object_get(r, "fileFailed"))) {
		fprintf(stderr, "error: %s does not load (see podvisor check %s); fix it before "
			"rolling back\n", path, path);
		return PV_EXIT_FAIL;
	}
	if (!file_as_loaded(r, &buf, &len)) {
		fprintf(stderr, "error: %s changed since the daemon loaded it; nothing was "
			"rewritten (wait until the daemon has read it, then try again)\n", path);
		return PV_EXIT_FAIL;
	}
	if (pv_edit_find_doc(buf, len, "Deployment", o->ns, o->name, &doc, &start, &end, &err) < 0) {
		fprintf(stderr, "error: %s: cannot rewrite deployment \"%s\": %s\n", path, o->name,
			err.msg);
		return PV_EXIT_FAIL;
	}
	apply_revision(doc, target);
	yaml = pv_json_to_yaml(doc, false);
	json_object_put(doc);
	if (!yaml) {
		fprintf(stderr, "error: out of memory\n");
		return PV_EXIT_FAIL;
	}
	ybody = yaml;
	if (!strncmp(ybody, "---\n", 4)) /* the document starts where the old one did */
		ybody += 4;
	ylen = strlen(ybody);
	olen = start + ylen + (len - end);
	out = malloc(olen + 1);
	if (!out) {
		fprintf(stderr, "error: out of memory\n");
		return PV_EXIT_FAIL;
	}
	memcpy(out, buf, start);
	memcpy(out + start, ybody, ylen);
	memcpy(out + start + ylen, buf + end, len - end);
	if (pv_edit_write_atomic(path, out, olen, pv_json_str(r, "fileSha256", ""), &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	printf("deployment.apps/%s rolled back (file: %s)\n", o->name, path);
	return PV_EXIT_OK;
}

/* deploy/NAME, deployment/NAME, or deploy NAME: the name, or NULL. */
static const char *deployment_name(struct pv_cli_args *a, int *used)
{
	static const char *const kinds[] = { "deploy", "deployment", "deployments",
					     "deployment.apps", "deployments.apps", NULL };
	const char *w = a->v[1], *slash = strchr(w, '/');
	size_t klen = slash ? (size_t)(slash - w) : strlen(w);

	for (int i = 0; kinds[i]; i++) {
		if (strlen(kinds[i]) != klen || strncmp(kinds[i], w, klen) != 0)
			continue;
		if (slash && slash[1]) {
			*used = 2;
			return slash + 1;
		}
		if (!slash && a->n > 2) {
			*used = 3;
			return a->v[2];
		}
	}
	return NULL;
}

int pv_cmd_rollout(int argc, char **argv)
{
	static const char *const bools[] = { "true", "false", NULL };
	struct rollout_opts o = { .ns = "default" };
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&o.ns, "the Deployment's namespace (default: default)"),
		PV_CLI_STR_OPT("timeout", 0, &o.timeout, "D",
			       "status: give up after D (30s, 5m, 1h; 0: never, the default)"),
		PV_CLI_CHOICE_OPT("watch", 'w', &o.watch, "BOOL", bools,
				  "status: wait for the rollout to finish (true, the default); "
				  "false: say where it stands and exit"),
		PV_CLI_INT_OPT("revision", 0, &o.revision, "N",
			       "history: show revision N's pod template"),
		PV_CLI_INT_OPT("to-revision", 0, &o.to_revision, "N",
			       "undo: go back to revision N (default: the previous one)"),
		PV_CLI_OPT_STATE(&o.state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "rollout", rollout_usage, rollout_more, opts, 0 };
	struct pv_cli_args a;
	struct json_object *r;
	int rc, used = 0;

	static char watch_false[] = "--watch=false", watch_true[] = "--watch=true";

	for (int i = 1; i < argc; i++) { /* kubectl's -w=false */
		if (!strcmp(argv[i], "-w=false") || !strcmp(argv[i], "-w=true"))
			argv[i] = argv[i][3] == 'f' ? watch_false : watch_true;
	}
	rc = pv_cli_parse(&cmd, argc, argv, &a);
	if (rc != PV_CLI_GO)
		return rc;
	if (a.n < 1)
		return pv_cli_usage_error(&cmd, "expected status, history or undo");
	if (strcmp(a.v[0], "status") && strcmp(a.v[0], "history") && strcmp(a.v[0], "undo"))
		return pv_cli_usage_error(&cmd, "unknown rollout command '%s' (status, history or "
					  "undo; no scale: edit spec.replicas in the file)", a.v[0]);
	if (a.n < 2 || !(o.name = deployment_name(&a, &used)) || used != a.n)
		return pv_cli_usage_error(&cmd, "expected deploy/NAME (only Deployments roll out "
					  "here)");
	if (o.timeout && duration_ms(o.timeout) < 0)
		return pv_cli_usage_error(&cmd, "invalid --timeout '%s' (e.g. 30s, 5m, 1h)",
					  o.timeout);
	if (!strcmp(a.v[0], "status"))
		return do_status(&o);
	r = ask(&o);
	if (!r)
		return PV_EXIT_FAIL;
	rc = !strcmp(a.v[0], "history") ? do_history(&o, r) : do_undo(&o, r);
	json_object_put(r);
	return rc;
}
