/* Unit tests for manifests/load.c, catalog.c and encode.c: pv_file_load_buf(),
 * pv_file_load(), pv_files_check_duplicates(), pv_manifest_name_ok(),
 * pv_encode_object(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "manifests/encode.h"
#include "manifests/manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: two files and a scratch directory, freed by the teardown
 * even when an assertion fails ---- */

struct fixture {
	struct pv_file f[2];
	char dir[64];
	char *big; /* a large input buffer */
	struct json_object *json;
};

static int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pv-test-load.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Our scratch directory holds only plain entries: unlink them, then it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(fx->f); i++)
		pv_file_free(&fx->f[i]);
	free(fx->big);
	if (fx->json)
		json_object_put(fx->json);
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static void print_diags(const struct pv_file *f)
{
	for (size_t i = 0; i < f->diags.n; i++) {
		const struct pv_diag *d = &f->diags.v[i];

		print_message("  %s:%u:%u: %s: [%s] %s\n", f->path ? f->path : "?", d->loc.line,
			      d->loc.col, d->sev == PV_SEV_ERROR ? "error" : "warning", d->path,
			      d->msg);
	}
}

/* Load YAML (a NUL-terminated string) into F as NAME, dropping what F held. */
static int load_named(struct pv_file *f, const char *name, const char *yaml)
{
	pv_file_free(f);
	return pv_file_load_buf(f, name, yaml, strlen(yaml));
}

static int load(struct pv_file *f, const char *yaml)
{
	return load_named(f, "test.yaml", yaml);
}

/* The one diagnostic of severity SEV whose message contains NEEDLE. */
static const struct pv_diag *find_diag(const struct pv_file *f, enum pv_severity sev,
				       const char *needle)
{
	for (size_t i = 0; i < f->diags.n; i++)
		if (f->diags.v[i].sev == sev && strstr(f->diags.v[i].msg, needle))
			return &f->diags.v[i];
	print_diags(f);
	fail_msg("no %s containing \"%s\"", sev == PV_SEV_ERROR ? "error" : "warning", needle);
	return NULL;
}

static void assert_diag_at(const struct pv_diag *d, unsigned line, unsigned col, const char *path)
{
	assert_int_equal(d->loc.line, line);
	if (col)
		assert_int_equal(d->loc.col, col);
	if (path)
		assert_string_equal(d->path, path);
}

/* YAML loads with exactly one diagnostic, an error at LINE:COL (COL 0:
 * any) on PATH (NULL: any) whose message contains NEEDLE. */
static const struct pv_diag *expect_one_error(struct pv_file *f, const char *yaml, unsigned line,
					      unsigned col, const char *path, const char *needle)
{
	const struct pv_diag *d;

	assert_int_equal(load(f, yaml), -1);
	assert_true(f->failed);
	if (f->diags.nerrors != 1 || f->diags.n != 1) {
		print_diags(f);
		fail_msg("want exactly one diagnostic, got %zu errors and %zu warnings",
			 f->diags.nerrors, f->diags.nwarnings);
	}
	d = find_diag(f, PV_SEV_ERROR, needle);
	assert_diag_at(d, line, col, path);
	return d;
}

/* YAML loads without error with exactly one diagnostic, a warning. */
static const struct pv_diag *expect_one_warning(struct pv_file *f, const char *yaml,
						unsigned line, unsigned col, const char *path,
						const char *needle)
{
	const struct pv_diag *d;

	if (load(f, yaml) != 0 || f->diags.n != 1) {
		print_diags(f);
		fail_msg("want a clean load with one warning");
	}
	assert_false(f->failed);
	assert_int_equal(f->diags.nerrors, 0);
	assert_int_equal(f->diags.nwarnings, 1);
	d = find_diag(f, PV_SEV_WARNING, needle);
	assert_diag_at(d, line, col, path);
	return d;
}

static void expect_clean(struct pv_file *f, const char *yaml, size_t nobjects)
{
	if (load(f, yaml) != 0 || f->diags.n != 0) {
		print_diags(f);
		fail_msg("want a clean load");
	}
	assert_false(f->failed);
	assert_int_equal(f->nobjects, nobjects);
}

static const struct pv_container *container(const struct pv_pod_spec *s, size_t i)
{
	assert_true(i < s->containers.n);
	return &s->containers.items[i];
}

/* ---- a valid Deployment, and its defaults ---- */

static const char deployment[] =
	"apiVersion: apps/v1\n"                              /* 1 */
	"kind: Deployment\n"                                 /* 2 */
	"metadata:\n"                                        /* 3 */
	"  name: web\n"                                      /* 4 */
	"spec:\n"                                            /* 5 */
	"  selector:\n"                                      /* 6 */
	"    matchLabels:\n"                                 /* 7 */
	"      app: web\n"                                   /* 8 */
	"  template:\n"                                      /* 9 */
	"    metadata:\n"                                    /* 10 */
	"      labels:\n"                                    /* 11 */
	"        app: web\n"                                 /* 12 */
	"    spec:\n"                                        /* 13 */
	"      containers:\n"                                /* 14 */
	"      - name: tagged\n"                             /* 15 */
	"        image: nginx:1.25\n"                        /* 16 */
	"        ports:\n"                                   /* 17 */
	"        - containerPort: 80\n"                      /* 18 */
	"      - name: untagged\n"                           /* 19 */
	"        image: busybox\n"                           /* 20 */
	"      - name: latest\n"                             /* 21 */
	"        image: registry.local:5000/tools:latest\n"  /* 22 */
	"      - name: port-not-tag\n"                       /* 23 */
	"        image: registry.local:5000/tools\n"         /* 24 */
	"      - name: explicit\n"                           /* 25 */
	"        image: busybox\n"                           /* 26 */
	"        imagePullPolicy: Never\n";                  /* 27 */

static void test_deployment_loads_with_defaults(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	const struct pv_deployment *d;
	const struct pv_deployment_spec *s;
	const struct pv_rolling_update *ru;

	expect_clean(f, deployment, 1);
	assert_string_equal(f->path, "test.yaml");
	assert_int_equal(f->objects[0].kind->kind, PV_KIND_DEPLOYMENT);
	assert_string_equal(f->objects[0].kind->name, "Deployment");
	assert_int_equal(f->objects[0].loc.line, 1);
	d = (const struct pv_deployment *)f->objects[0].obj;
	assert_string_equal(d->h.metadata.name.v, "web");
	assert_int_equal(d->h.metadata.name.loc.line, 4);
	assert_int_equal(d->h.metadata.name.loc.col, 9);
	assert_string_equal(d->h.metadata.namespace.v, "default");
	s = &d->spec;
	assert_true(s->replicas.set);
	assert_int_equal(s->replicas.v, 1);
	assert_string_equal(s->strategy.type.v, "RollingUpdate");
	ru = &s->strategy.rolling_update;
	assert_true(ru->max_surge.set);
	assert_true(ru->max_surge.is_str);
	assert_string_equal(ru->max_surge.s, "25%");
	assert_true(ru->max_unavailable.set);
	assert_true(ru->max_unavailable.is_str);
	assert_string_equal(ru->max_unavailable.s, "25%");
	assert_int_equal(s->revision_history_limit.v, 10);
	assert_int_equal(s->progress_deadline_seconds.v, 600);
	assert_string_equal(s->template.spec.restart_policy.v, "Always");
	assert_int_equal(s->template.spec.containers.n, 5);
	assert_string_equal(container(&s->template.spec, 0)->image_pull_policy.v, "IfNotPresent");
	assert_string_equal(container(&s->template.spec, 1)->image_pull_policy.v, "Always");
	assert_string_equal(container(&s->template.spec, 2)->image_pull_policy.v, "Always");
	assert_string_equal(container(&s->template.spec, 3)->image_pull_policy.v, "Always");
	assert_string_equal(container(&s->template.spec, 4)->image_pull_policy.v, "Never");
	assert_int_equal(container(&s->template.spec, 0)->ports.n, 1);
	assert_int_equal(container(&s->template.spec, 0)->ports.items[0].container_port.v, 80);
	assert_int_equal(container(&s->template.spec, 0)->ports.items[0].container_port.loc.line,
			 18);
	assert_string_equal(container(&s->template.spec, 0)->ports.items[0].protocol.v, "TCP");
}

static void test_pull_policy_with_digest(void **state)
{
#define DIGEST "@sha256:0123456789012345678901234567890123456789012345678901234567890123"
	static const char pod[] =
		"apiVersion: v1\n"
		"kind: Pod\n"
		"metadata: {name: p, namespace: ns1}\n"
		"spec:\n"
		"  containers:\n"
		"  - {name: a, image: \"nginx" DIGEST "\"}\n"
		"  - {name: b, image: \"nginx:1.25" DIGEST "\"}\n"
		"  - {name: c, image: \"nginx:latest" DIGEST "\"}\n";
#undef DIGEST
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	const struct pv_pod *p;

	expect_clean(f, pod, 1);
	p = (const struct pv_pod *)f->objects[0].obj;
	assert_string_equal(p->h.metadata.namespace.v, "ns1"); /* not overwritten */
	assert_string_equal(container(&p->spec, 0)->image_pull_policy.v, "IfNotPresent");
	assert_string_equal(container(&p->spec, 1)->image_pull_policy.v, "IfNotPresent");
	assert_string_equal(container(&p->spec, 2)->image_pull_policy.v, "Always");
}

/* ---- one error class each ---- */

static void test_missing_kind(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"          /* 1 */
			 "kind: Namespace\n"         /* 2 */
			 "metadata: {name: a}\n"     /* 3 */
			 "---\n"                     /* 4 */
			 "# the second one\n"        /* 5 */
			 "apiVersion: v1\n"          /* 6 */
			 "metadata:\n"               /* 7 */
			 "  name: b\n",              /* 8 */
			 6, 1, "kind", "required");
	assert_int_equal(fx->f[0].nobjects, 1); /* the first document still loads */
}

static void test_kind_not_a_string(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0], "apiVersion: v1\nkind: [Pod]\n", 2, 7, "kind",
			 "expected a string");
}

static void test_wrong_api_version(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: Deployment\n"
			 "metadata:\n"
			 "  name: x\n",
			 1, 13, "apiVersion", "use apiVersion: apps/v1");
	expect_one_error(&fx->f[0],
			 "kind: Service\n"
			 "apiVersion: apps/v1\n"
			 "metadata: {name: x}\n",
			 2, 13, "apiVersion", "use apiVersion: v1");
}

static void test_removed_api_version(void **state)
{
	struct fixture *fx = *state;
	const struct pv_diag *d;

	d = expect_one_error(&fx->f[0],
			     "apiVersion: extensions/v1beta1\n"
			     "kind: DaemonSet\n"
			     "metadata:\n"
			     "  name: x\n",
			     1, 13, "apiVersion", "use apiVersion: apps/v1");
	assert_non_null(strstr(d->msg, "removed"));
	expect_one_error(&fx->f[0],
			 "apiVersion: batch/v1beta1\n"
			 "kind: CronJob\n"
			 "metadata: {name: x}\n",
			 1, 13, "apiVersion", "use apiVersion: batch/v1");
}

static void test_unknown_kind_in_known_group(void **state)
{
	struct fixture *fx = *state;

	/* kinds are case-sensitive */
	expect_one_error(&fx->f[0], "apiVersion: apps/v1\nkind: deployment\nmetadata: {name: x}\n",
			 1, 13, "apiVersion", "has no kind deployment");
}

static void test_other_kinds_are_warnings(void **state)
{
	struct fixture *fx = *state;

	expect_one_warning(&fx->f[0], "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n",
			   2, 7, "kind", "not run by podvisor");
	assert_int_equal(fx->f[0].nobjects, 0);
	expect_one_warning(&fx->f[0],
			   "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n", 2, 7,
			   "kind", "not run by podvisor");
}

static void test_container_port_quoted(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: Pod\n"
			 "metadata:\n"
			 "  name: p\n"
			 "spec:\n"
			 "  containers:\n"
			 "  - name: a\n"
			 "    image: nginx:1.25\n"
			 "    ports:\n"
			 "    - containerPort: \"80\"\n",
			 10, 22, "spec.containers[0].ports[0].containerPort",
			 "expected an integer, got the string \"80\" (remove the quotes)");
}

static void test_unknown_field_is_a_warning(void **state)
{
	struct fixture *fx = *state;

	expect_one_warning(&fx->f[0],
			   "apiVersion: v1\n"
			   "kind: ConfigMap\n"
			   "metadata:\n"
			   "  name: c\n"
			   "  lables:\n"
			   "    a: b\n"
			   "data:\n"
			   "  k: v\n",
			   5, 3, "metadata.lables", "unknown field \"lables\"");
	assert_int_equal(fx->f[0].nobjects, 1);
}

static void test_unsupported_volume_is_a_warning(void **state)
{
	struct fixture *fx = *state;
	const struct pv_pod *p;

	expect_one_warning(&fx->f[0],
			   "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata:\n"
			   "  name: p\n"
			   "spec:\n"
			   "  containers:\n"
			   "  - name: a\n"
			   "    image: nginx:1.25\n"
			   "  volumes:\n"
			   "  - name: data\n"
			   "    nfs:\n"
			   "      server: 10.0.0.1\n"
			   "      path: /export\n",
			   11, 5, "spec.volumes[0].nfs", "volume source nfs is not supported");
	p = (const struct pv_pod *)fx->f[0].objects[0].obj;
	assert_int_equal(p->spec.volumes.n, 1);
	assert_string_equal(p->spec.volumes.items[0].unsupported.v, "nfs");
}

static void test_restart_policy_bogus(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: Pod\n"
			 "metadata:\n"
			 "  name: p\n"
			 "spec:\n"
			 "  restartPolicy: bogus\n"
			 "  containers:\n"
			 "  - name: a\n"
			 "    image: nginx:1.25\n",
			 6, 18, "spec.restartPolicy",
			 "unsupported value \"bogus\": supported values: \"Always\", \"OnFailure\", "
			 "\"Never\"");
}

static void test_selector_does_not_match_template(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: apps/v1\n"
			 "kind: Deployment\n"
			 "metadata:\n"
			 "  name: web\n"
			 "spec:\n"
			 "  selector:\n"
			 "    matchLabels:\n"
			 "      app: web\n"
			 "  template:\n"
			 "    metadata:\n"
			 "      labels:\n"
			 "        app: webx\n"
			 "    spec:\n"
			 "      containers:\n"
			 "      - name: a\n"
			 "        image: nginx:1.25\n",
			 12, 14, "spec.template.metadata.labels[app]",
			 "\"webx\" does not match spec.selector.matchLabels app=web");
}

static void test_secret_data_not_base64(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: Secret\n"
			 "metadata:\n"
			 "  name: s\n"
			 "data:\n"
			 "  good: aGVsbG8=\n"
			 "  bad: \"not base64!\"\n"
			 "stringData:\n"
			 "  plain: \"not base64 is fine here\"\n",
			 7, 8, "data[bad]", "must be base64-encoded");
}

static const char configmap_twice[] =
	"apiVersion: v1\n"       /* 1 */
	"kind: ConfigMap\n"      /* 2 */
	"metadata:\n"            /* 3 */
	"  name: cm\n"           /* 4 */
	"---\n"                  /* 5 */
	"apiVersion: v1\n"       /* 6 */
	"kind: ConfigMap\n"      /* 7 */
	"metadata:\n"            /* 8 */
	"  namespace: other\n"   /* 9: not the same object */
	"  name: cm\n"           /* 10 */
	"---\n"                  /* 11 */
	"apiVersion: v1\n"       /* 12 */
	"kind: Secret\n"         /* 13 */
	"metadata:\n"            /* 14 */
	"  name: cm\n"           /* 15: another kind: not the same object */
	"---\n"                  /* 16 */
	"apiVersion: v1\n"       /* 17 */
	"kind: ConfigMap\n"      /* 18 */
	"metadata:\n"            /* 19 */
	"  name: cm\n";          /* 20 */

static void test_duplicate_in_one_file(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0], configmap_twice, 20, 9, "metadata.name",
			 "ConfigMap default/cm is defined twice in this file (first at line 4)");
	assert_int_equal(fx->f[0].nobjects, 4);
}

static void test_duplicate_across_files(void **state)
{
	static const char a[] = "apiVersion: v1\n"
				"kind: ConfigMap\n"
				"metadata:\n"
				"  name: cm\n";
	static const char b[] = "# b.yaml\n"
				"apiVersion: v1\n"
				"kind: Namespace\n"
				"metadata: {name: cm}\n"  /* cluster-scoped: not the same object */
				"---\n"
				"apiVersion: v1\n"
				"kind: ConfigMap\n"
				"metadata:\n"
				"  namespace: default\n"
				"  name: cm\n";           /* 10 */
	struct fixture *fx = *state;
	struct pv_file *files[2] = { &fx->f[0], &fx->f[1] };
	const struct pv_diag *d;

	assert_int_equal(load_named(&fx->f[0], "a.yaml", a), 0);
	assert_int_equal(load_named(&fx->f[1], "b.yaml", b), 0);
	pv_files_check_duplicates(files, 2);
	assert_false(fx->f[0].failed);
	assert_int_equal(fx->f[0].diags.n, 0);
	assert_true(fx->f[1].failed);
	assert_int_equal(fx->f[1].diags.nerrors, 1);
	d = find_diag(&fx->f[1], PV_SEV_ERROR, "ConfigMap default/cm is already defined in a.yaml:4");
	assert_diag_at(d, 10, 9, "metadata.name");
}

/* Within one file the load reports repeats; across files only the later
 * file's copy is reported, once. */
static void test_duplicate_across_files_not_repeated(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *files[2] = { &fx->f[0], &fx->f[1] };

	assert_int_equal(load_named(&fx->f[0], "a.yaml", configmap_twice), -1);
	assert_int_equal(fx->f[0].diags.nerrors, 1);
	assert_int_equal(load_named(&fx->f[1], "b.yaml", configmap_twice), -1);
	pv_files_check_duplicates(files, 2);
	assert_int_equal(fx->f[0].diags.nerrors, 1); /* nothing new in the first file */
	/* b.yaml: its own repeat, plus its objects already in a.yaml */
	assert_true(fx->f[1].diags.nerrors >= 4);
	assert_non_null(find_diag(&fx->f[1], PV_SEV_ERROR, "defined twice in this file"));
	assert_non_null(find_diag(&fx->f[1], PV_SEV_ERROR, "already defined in a.yaml:4"));
	assert_non_null(find_diag(&fx->f[1], PV_SEV_ERROR,
				  "ConfigMap other/cm is already defined in a.yaml:10"));
	assert_non_null(find_diag(&fx->f[1], PV_SEV_ERROR,
				  "Secret default/cm is already defined in a.yaml:15"));
}

/* ---- what kubectl writes is accepted ---- */

static void test_kubectl_output(void **state)
{
	static const char yaml[] =
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  creationTimestamp: null\n"
		"  labels:\n"
		"    app: web\n"
		"  name: web\n"
		"spec:\n"
		"  replicas: 2\n"
		"  selector:\n"
		"    matchLabels:\n"
		"      app: web\n"
		"  strategy: {}\n"
		"  template:\n"
		"    metadata:\n"
		"      creationTimestamp: null\n"
		"      labels:\n"
		"        app: web\n"
		"    spec:\n"
		"      containers:\n"
		"      - image: nginx\n"
		"        name: nginx\n"
		"        resources: {}\n"
		"status: {}\n";
	struct fixture *fx = *state;
	const struct pv_deployment *d;

	expect_clean(&fx->f[0], yaml, 1);
	d = (const struct pv_deployment *)fx->f[0].objects[0].obj;
	assert_int_equal(d->spec.replicas.v, 2);
	/* strategy: {} is defaulted like an absent one */
	assert_string_equal(d->spec.strategy.type.v, "RollingUpdate");
	assert_string_equal(d->spec.strategy.rolling_update.max_surge.s, "25%");
}

static void test_kubectl_list(void **state)
{
	static const char yaml[] =
		"apiVersion: v1\n"
		"items:\n"
		"- apiVersion: v1\n"
		"  kind: Service\n"
		"  metadata:\n"
		"    creationTimestamp: null\n"
		"    name: web\n"
		"  spec:\n"
		"    ports:\n"
		"    - port: 80\n"
		"      protocol: TCP\n"
		"      targetPort: 80\n"
		"    selector:\n"
		"      app: web\n"
		"  status:\n"
		"    loadBalancer: {}\n"
		"- apiVersion: v1\n"         /* 17 */
		"  kind: ConfigMap\n"
		"  metadata:\n"
		"    name: conf\n"
		"  data:\n"
		"    a: b\n"
		"kind: List\n"
		"metadata:\n"
		"  resourceVersion: \"\"\n";
	struct fixture *fx = *state;

	expect_clean(&fx->f[0], yaml, 2);
	assert_int_equal(fx->f[0].objects[0].kind->kind, PV_KIND_SERVICE);
	assert_int_equal(fx->f[0].objects[0].loc.line, 3);
	assert_int_equal(fx->f[0].objects[1].kind->kind, PV_KIND_CONFIGMAP);
	assert_int_equal(fx->f[0].objects[1].loc.line, 17);
}

static void test_list_in_list_refused(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: List\n"
			 "items:\n"
			 "- apiVersion: v1\n"
			 "  kind: List\n"
			 "  items: []\n",
			 4, 3, "kind", "a List may not contain a List");
}

static void test_empty_list_and_empty_file(void **state)
{
	struct fixture *fx = *state;

	expect_clean(&fx->f[0], "apiVersion: v1\nkind: List\nitems: []\n", 0);
	expect_clean(&fx->f[0], "", 0);
	expect_clean(&fx->f[0], "# nothing yet\n---\n---\n", 0);
}

static void test_document_not_a_mapping(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0], "- apiVersion: v1\n  kind: Namespace\n", 1, 1, "",
			 "remove the leading \"- \"");
	expect_one_error(&fx->f[0], "just text\n", 1, 1, "", "must be a mapping");
}

/* ---- failing files ---- */

static void test_failed_file(void **state)
{
	struct fixture *fx = *state;

	/* an error in one object fails the whole file, good objects included */
	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n"
			      "---\n"
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: Not_Valid}\n"),
			 -1);
	assert_true(fx->f[0].failed);
	assert_true(fx->f[0].diags.nerrors >= 1);
	assert_int_equal(fx->f[0].diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(fx->f[0].diags.v[0].loc.line, 7);

	/* a YAML error: nothing is decoded at all */
	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n"
			      "---\n"
			      "a: [\n"),
			 -1);
	assert_true(fx->f[0].failed);
	assert_int_equal(fx->f[0].nobjects, 0);
	assert_int_equal(fx->f[0].diags.nerrors, 1);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR, "YAML syntax"));
}

static void test_diagnostics_sorted(void **state)
{
	struct fixture *fx = *state;
	const struct pv_diags *d = &fx->f[0].diags;

	assert_int_equal(load(&fx->f[0],
			      "apiVersion: v1\n"
			      "kind: Pod\n"
			      "metadata:\n"
			      "  name: p\n"
			      "spec:\n"
			      "  restartPolicy: bogus\n"   /* 6: error */
			      "  containers:\n"
			      "  - name: a\n"
			      "    image: nginx:1.25\n"
			      "    bogus: 1\n"             /* 10: warning */
			      "    ports:\n"
			      "    - containerPort: x\n"), /* 12: error */
			 -1);
	assert_int_equal(d->nerrors, 2);
	assert_int_equal(d->nwarnings, 1);
	assert_int_equal(d->n, 3);
	assert_int_equal(d->v[0].loc.line, 6);
	assert_int_equal(d->v[1].loc.line, 10);
	assert_int_equal(d->v[1].sev, PV_SEV_WARNING);
	assert_int_equal(d->v[2].loc.line, 12);
}

/* ---- size limit ---- */

static void test_too_large_refused_unparsed(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	size_t len = (size_t)PV_MAX_FILE_SIZE + 1;

	fx->big = malloc(len);
	assert_non_null(fx->big);
	memset(fx->big, ' ', len);
	assert_int_equal(pv_file_load_buf(f, "big.yaml", fx->big, len), -1);
	assert_true(f->failed);
	assert_int_equal(f->nobjects, 0);
	assert_int_equal(f->diags.n, 1);
	assert_int_equal(f->diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(f->diags.v[0].loc.line, 0);
	assert_non_null(strstr(f->diags.v[0].msg, "larger than"));
	assert_int_equal(f->arena.used, 0); /* nothing was parsed */
}

static void test_largest_size_accepted(void **state)
{
	struct fixture *fx = *state;
	struct pv_file *f = &fx->f[0];
	size_t len = PV_MAX_FILE_SIZE;

	fx->big = malloc(len);
	assert_non_null(fx->big);
	memset(fx->big, ' ', len);
	fx->big[len - 1] = '\n';
	assert_int_equal(pv_file_load_buf(f, "big.yaml", fx->big, len), 0);
	assert_false(f->failed);
	assert_int_equal(f->diags.n, 0);
}

/* ---- pv_file_load ---- */

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_file_load(void **state)
{
	struct fixture *fx = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/ns.yaml", fx->dir);
	write_file(path, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n");
	assert_int_equal(pv_file_load(&fx->f[0], path), 0);
	assert_string_equal(fx->f[0].path, path);
	assert_int_equal(fx->f[0].nobjects, 1);
	assert_int_equal(fx->f[0].objects[0].kind->kind, PV_KIND_NAMESPACE);
	assert_null(fx->f[0].objects[0].obj->metadata.namespace.v); /* cluster-scoped */
}

static void expect_load_refused(struct pv_file *f, const char *path, const char *needle)
{
	pv_file_free(f);
	assert_int_equal(pv_file_load(f, path), -1);
	assert_true(f->failed);
	assert_string_equal(f->path, path);
	assert_int_equal(f->nobjects, 0);
	assert_int_equal(f->diags.n, 1);
	assert_int_equal(f->diags.v[0].sev, PV_SEV_ERROR);
	assert_int_equal(f->diags.v[0].loc.line, 0);
	if (!strstr(f->diags.v[0].msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", f->diags.v[0].msg, needle);
}

static void test_file_load_refusals(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	int fd;

	expect_load_refused(&fx->f[0], fx->dir, "not a regular file");

	snprintf(path, sizeof(path), "%s/missing.yaml", fx->dir);
	expect_load_refused(&fx->f[0], path, "No such file or directory");

	/* a FIFO with no writer must not hang the loader */
	snprintf(path, sizeof(path), "%s/fifo.yaml", fx->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_load_refused(&fx->f[0], path, "not a regular file");

	/* refused from its size alone (a sparse file: nothing to read) */
	snprintf(path, sizeof(path), "%s/huge.yaml", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PV_MAX_FILE_SIZE + 1), 0);
	close(fd);
	expect_load_refused(&fx->f[0], path, "larger than");
}

/* ---- alias bombs ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Billion laughs: nine levels of nine aliases (9^9 leaves if expanded),
 * used where the decoder walks. */
static void test_alias_bomb(void **state)
{
	struct fixture *fx = *state;
	char yaml[2048];
	size_t len = 0;
	double t0;

	len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
				"apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\nx-lol:\n"
				"  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'i'; c++)
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
					"  %c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
					c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
					c - 1, c - 1);
	len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
				"spec:\n  containers: *i\n  volumes: *i\n");
	assert_true(len < sizeof(yaml) - 1);
	t0 = now();
	assert_int_equal(load(&fx->f[0], yaml), -1);
	assert_true(now() - t0 < 5.0);
	assert_true(fx->f[0].failed);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR, "expected a mapping, got list"));
	assert_true(fx->f[0].arena.used < 1024 * 1024);
}

/* Aliases inside lists of structs do multiply the decoder's work: a
 * thousand containers, each with a thousand args, stop at the budget. */
static void test_alias_decode_budget(void **state)
{
	struct fixture *fx = *state;
	size_t cap = 64 * 1024, len = 0;
	double t0;

	fx->big = malloc(cap);
	assert_non_null(fx->big);
	len += (size_t)snprintf(fx->big + len, cap - len,
				"apiVersion: v1\nkind: Pod\nmetadata: {name: budget}\n"
				"x-anchors:\n  s: &s x\n"
				"  c: &c {name: a, image: \"busybox:1\", args: [*s");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(fx->big + len, cap - len, ", *s");
	len += (size_t)snprintf(fx->big + len, cap - len, "]}\nspec:\n  containers: [*c");
	for (int i = 0; i < 1099; i++)
		len += (size_t)snprintf(fx->big + len, cap - len, ", *c");
	len += (size_t)snprintf(fx->big + len, cap - len, "]\n");
	assert_true(len < cap - 1);
	t0 = now();
	assert_int_equal(load(&fx->f[0], fx->big), -1);
	assert_true(now() - t0 < 10.0);
	assert_non_null(find_diag(&fx->f[0], PV_SEV_ERROR,
				  "YAML aliases expand this document past 1000000 nodes"));
}

/* ---- file names ---- */

static void test_manifest_name_ok(void **state)
{
	static const char *const good[] = { "a.yaml", "a.yml", "a.json", "web-app.v2.yaml",
					    "a b.yaml", "4913.yaml" };
	static const char *const bad[] = {
		".a.yaml", "a.yaml~", "#a.yaml#", "a.yaml.swp", "4913", "a.txt", ".x.yaml.XXXXXX",
		"", "yaml", "a.yaml.bak", ".yaml", "a.", "a.yaml.tmp", ".#a.yaml", "a.YAML~",
		"a.jsonl",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!pv_manifest_name_ok(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (pv_manifest_name_ok(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
}

/* ---- encoding back to JSON ---- */

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static void test_encode_service(void **state)
{
	struct fixture *fx = *state;
	struct json_object *ports, *port;

	expect_clean(&fx->f[0],
		     "apiVersion: v1\n"
		     "kind: Service\n"
		     "metadata:\n"
		     "  name: web\n"
		     "spec:\n"
		     "  selector:\n"
		     "    app: web\n"
		     "  ports:\n"
		     "  - name: http\n"
		     "    port: 8080\n"
		     "  - name: named\n"
		     "    port: 9090\n"
		     "    protocol: UDP\n"
		     "    targetPort: metrics\n",
		     1);
	fx->json = pv_encode_object(&fx->f[0].objects[0]);
	assert_non_null(fx->json);
	assert_string_equal(json_object_get_string(jget(fx->json, "kind")), "Service");
	assert_string_equal(json_object_get_string(jget(fx->json, "apiVersion")), "v1");
	assert_string_equal(json_object_get_string(jget(jget(fx->json, "metadata"), "namespace")),
			    "default");
	ports = jget(jget(fx->json, "spec"), "ports");
	assert_int_equal(json_object_get_type(ports), json_type_array);
	assert_int_equal(json_object_array_length(ports), 2);
	port = json_object_array_get_idx(ports, 0);
	assert_int_equal(json_object_get_type(jget(port, "targetPort")), json_type_int);
	assert_int_equal(json_object_get_int64(jget(port, "targetPort")), 8080);
	assert_int_equal(json_object_get_int64(jget(port, "port")), 8080);
	assert_string_equal(json_object_get_string(jget(port, "protocol")), "TCP");
	port = json_object_array_get_idx(ports, 1);
	assert_int_equal(json_object_get_type(jget(port, "targetPort")), json_type_string);
	assert_string_equal(json_object_get_string(jget(port, "targetPort")), "metrics");
	assert_string_equal(json_object_get_string(jget(port, "protocol")), "UDP");
	assert_string_equal(json_object_get_string(jget(jget(fx->json, "spec"), "type")),
			    "ClusterIP");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_deployment_loads_with_defaults),
		T(test_pull_policy_with_digest),
		T(test_missing_kind),
		T(test_kind_not_a_string),
		T(test_wrong_api_version),
		T(test_removed_api_version),
		T(test_unknown_kind_in_known_group),
		T(test_other_kinds_are_warnings),
		T(test_container_port_quoted),
		T(test_unknown_field_is_a_warning),
		T(test_unsupported_volume_is_a_warning),
		T(test_restart_policy_bogus),
		T(test_selector_does_not_match_template),
		T(test_secret_data_not_base64),
		T(test_duplicate_in_one_file),
		T(test_duplicate_across_files),
		T(test_duplicate_across_files_not_repeated),
		T(test_kubectl_output),
		T(test_kubectl_list),
		T(test_list_in_list_refused),
		T(test_empty_list_and_empty_file),
		T(test_document_not_a_mapping),
		T(test_failed_file),
		T(test_diagnostics_sorted),
		T(test_too_large_refused_unparsed),
		T(test_largest_size_accepted),
		T(test_file_load),
		T(test_file_load_refusals),
		T(test_alias_bomb),
		T(test_alias_decode_budget),
		T(test_manifest_name_ok),
		T(test_encode_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
