/* What `rollout undo` rewrites (cli/rollout_edit.c): one document of a
 * file found by its kind, namespace and name, with the byte range that
 * leaves every other byte of the file alone; documents with anchors
 * refused; a template stripped of what the loader defaults; keys in the
 * order of the template replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "manifests/encode.h"
#include "supervisor/cli/rollout_edit.h"

static const char file[] =
	"# a ConfigMap first\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: web}\n"
	"---\n"
	"# the Deployment\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"spec:\n"
	"  replicas: 2\n"
	"  template:\n"
	"    spec:\n"
	"      containers: [{name: a, image: x}]   # same line\n"
	"  # trailing comment\n"
	"\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"  namespace: prod\n"
	"spec:\n"
	"  replicas: 3\n";

static void test_find(void **state)
{
	struct json_object *doc = NULL;
	struct pv_err err = { 0 };
	size_t start = 0, end = 0;
	const char *from;

	(void)state;
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "default", "web", &doc,
					  &start, &end, &err), 0);
	from = strstr(file, "apiVersion: apps/v1");
	assert_int_equal(start, (size_t)(from - file));
	assert_int_equal(end, (size_t)(strstr(file, "  # trailing") - file));
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(doc, "spec"),
								    "replicas")), 2);
	json_object_put(doc);
	/* the one in prod, to the end of the file */
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "prod", "web", &doc,
					  &start, &end, &err), 0);
	assert_int_equal(end, strlen(file));
	json_object_put(doc);
	assert_int_equal(pv_edit_find_doc(file, strlen(file), "Deployment", "default", "nope", &doc,
					  &start, &end, &err), -1);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "no Deployment \"nope\""));
}

static void test_anchors_refused(void **state)
{
	static const char text[] = "kind: Deployment\nmetadata: {name: web}\n"
				   "spec: {a: &x 1, b: *x}\n";
	struct json_object *doc = NULL;
	struct pv_err err = { 0 };
	size_t start, end;

	(void)state;
	assert_int_equal(pv_edit_find_doc(text, strlen(text), "Deployment", "default", "web", &doc,
					  &start, &end, &err), -1);
	assert_non_null(strstr(err.msg, "anchors"));
}

static void test_strip_and_order(void **state)
{
	struct json_object *t = json_tokener_parse(
		"{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"a\","
		"\"image\":\"busybox:test\",\"terminationMessagePath\":\"/dev/termination-log\","
		"\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
		"\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":5}}");
	struct json_object *like = json_tokener_parse(
		"{\"spec\":{\"terminationGracePeriodSeconds\":1,\"containers\":[{\"image\":\"old\","
		"\"name\":\"a\"}]},\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
	struct json_object *s;

	(void)state;
	s = pv_edit_strip_defaults(t, like);
	assert_string_equal(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN),
			    "{\"spec\":{\"terminationGracePeriodSeconds\":5,\"containers\":[{\"image\":"
			    "\"busybox:test\",\"name\":\"a\"}]},\"metadata\":{\"labels\":{\"app\":"
			    "\"web\"}}}");
	json_object_put(s);
	json_object_put(like);
	json_object_put(t);
}

/* A Deployment whose last value is a block scalar (HEADER, then BODY),
 * followed by AFTER. */
static char *block_last(const char *header, const char *body, const char *after)
{
	char *t = NULL;
	int n = asprintf(&t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
			 "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n"
			 "        command:\n        - %s\n%s%s", header, body, after);

	assert_true(n > 0);
	return t;
}

/* The Deployment in TEXT ends where AFTER (the rest of TEXT) begins, its
 * command's last item is WANT, and writing it back (as undo does: the
 * document re-emitted, the bytes around it kept) gives it again and
 * keeps AFTER. */
static void check_block_last(const char *text, const char *after, const char *want)
{
	struct json_object *doc = NULL, *doc2 = NULL;
	struct pv_err err = { 0 };
	size_t start = 0, end = 0, len = strlen(text);
	char *yaml, *out = NULL;
	const char *body;

	assert_int_equal(pv_edit_find_doc(text, len, "Deployment", "default", "web", &doc,
					  &start, &end, &err), 0);
	assert_int_equal(start, 0);
	assert_string_equal(text + end, after);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(json_object_object_get(
			json_object_object_get(json_object_object_get(doc, "spec"), "template"),
			"spec"), "containers"), 0), "command"), 0)), want);
	yaml = pv_json_to_yaml(doc, false);
	assert_non_null(yaml);
	body = strncmp(yaml, "---\n", 4) ? yaml : yaml + 4;
	assert_true(asprintf(&out, "%s%s", body, text + end) > 0);
	assert_int_equal(pv_edit_find_doc(out, strlen(out), "Deployment", "default", "web", &doc2,
					  &start, &end, &err), 0);
	assert_true(json_object_equal(doc, doc2));
	assert_true(end <= strlen(body)); /* (a |+ scalar last: libyaml ends it with ...) */
	json_object_put(doc2);
	json_object_put(doc);
	free(out);
	free(yaml);
}

static const char service[] = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n";

static void test_block_scalar_last(void **state)
{
	char *t, *after = NULL;

	(void)state;
	/* then a blank line and the next document */
	assert_true(asprintf(&after, "\n%s", service) > 0);
	t = block_last("|", "          echo hi\n", after);
	check_block_last(t, after, "echo hi\n");
	free(t);
	free(after);
	/* then a comment, then the next document */
	assert_true(asprintf(&after, "# the Service\n%s", service) > 0);
	t = block_last("|", "          echo hi\n          echo there\n", after);
	check_block_last(t, after, "echo hi\necho there\n");
	free(t);
	free(after);
	/* folded, trailing blank lines (some with spaces), then the next document */
	assert_true(asprintf(&after, "\n  \n\n%s", service) > 0);
	t = block_last(">-", "          echo\n          hi\n", after);
	check_block_last(t, after, "echo hi");
	free(t);
	free(after);
	/* keep: the trailing blank lines are the scalar's */
	t = block_last("|+", "          echo hi\n\n\n", service);
	check_block_last(t, service, "echo hi\n\n\n");
	free(t);
	/* the last document, without a final newline; with trailing blank lines */
	t = block_last("|", "          echo hi", "");
	check_block_last(t, "", "echo hi");
	free(t);
	t = block_last(">", "          echo hi\n", "\n\n");
	check_block_last(t, "\n\n", "echo hi\n");
	free(t);
}

static char *slurp(const char *path)
{
	static char b[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

/* Through a symlink: the link stays, its target (in another directory)
 * changes, its mode kept. With a hash the file no longer has: refused,
 * nothing changed. No temporary file left either way. */
static void test_write_through_symlink(void **state)
{
	char top[] = "/tmp/test_rollout_edit-XXXXXX", sub[64], real[96], link[96], sha[65];
	struct pv_err err = { 0 };
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(sub, sizeof(sub), "%s/elsewhere", top);
	snprintf(real, sizeof(real), "%s/web.yaml", sub);
	snprintf(link, sizeof(link), "%s/web.yaml", top);
	assert_int_equal(mkdir(sub, 0755), 0);
	f = fopen(real, "w");
	assert_non_null(f);
	fputs("old\n", f);
	fclose(f);
	assert_int_equal(chmod(real, 0640), 0);
	assert_int_equal(symlink("elsewhere/web.yaml", link), 0);
	pv_edit_sha256("old\n", 4, sha);
	assert_int_equal(pv_edit_write_atomic(link, "new\n", 4, sha, &err), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(slurp(real), "new\n");
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* the file changed after the caller read it (it still has "old"'s hash) */
	assert_int_equal(pv_edit_write_atomic(link, "newer\n", 6, sha, &err), -1);
	assert_non_null(strstr(err.msg, "changed while it was being rewritten"));
	assert_string_equal(slurp(real), "new\n");
	assert_int_equal(entries(sub), 1);
	assert_int_equal(entries(top), 2);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(real), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(top), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_anchors_refused),
		cmocka_unit_test(test_strip_and_order),
		cmocka_unit_test(test_block_scalar_last),
		cmocka_unit_test(test_write_through_symlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
