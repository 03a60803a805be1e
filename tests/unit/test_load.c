/* Unit tests for manifests/load.c: objects, defaults, one error class
 * each, kubectl's output, duplicates, encoding back to JSON. */
#include "tests/unit/load_fixture.h"

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

/* Kubernetes' ValidateSecret: a registry Secret needs its key, holding
 * JSON; the error names the key, never the value. */
static void test_secret_type_needs_its_key(void **state)
{
	struct fixture *fx = *state;

	expect_one_error(&fx->f[0],
			 "apiVersion: v1\n"
			 "kind: Secret\n"
			 "metadata:\n"
			 "  name: reg\n"
			 "type: kubernetes.io/dockerconfigjson\n"
			 "data:\n"
			 "  config.json: e30=\n",
			 5, 7, "data[.dockerconfigjson]",
			 "required for a Secret of type kubernetes.io/dockerconfigjson");
	expect_one_error(&fx->f[1],
			 "apiVersion: v1\n"
			 "kind: Secret\n"
			 "metadata:\n"
			 "  name: tls\n"
			 "type: kubernetes.io/tls\n"
			 "stringData:\n"
			 "  tls.crt: x\n",
			 5, 7, "data[tls.key]", "required for a Secret of type kubernetes.io/tls");
}

static void test_secret_registry_value_not_json(void **state)
{
	struct fixture *fx = *state;
	const struct pv_diag *d;

	d = expect_one_error(&fx->f[0],
			     "apiVersion: v1\n"
			     "kind: Secret\n"
			     "metadata:\n"
			     "  name: reg\n"
			     "type: kubernetes.io/dockerconfigjson\n"
			     "data:\n"
			     "  .dockerconfigjson: eyJhdXRocyI6\n", /* {"auths": */
			     7, 22, "data[.dockerconfigjson]",
			     "<secret contents redacted>: not valid JSON");
	assert_null(strstr(d->msg, "auths"));
	assert_int_equal(load(&fx->f[1],
			      "apiVersion: v1\n"
			      "kind: Secret\n"
			      "metadata:\n"
			      "  name: ok\n"
			      "type: kubernetes.io/dockercfg\n"
			      "stringData:\n"
			      "  .dockercfg: '{\"r.local\": {\"auth\": \"YTpi\"}}'\n"), 0);
	assert_int_equal(fx->f[1].diags.nerrors, 0);
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
		T(test_secret_type_needs_its_key),
		T(test_secret_registry_value_not_json),
		T(test_duplicate_in_one_file),
		T(test_duplicate_across_files),
		T(test_duplicate_across_files_not_repeated),
		T(test_kubectl_output),
		T(test_kubectl_list),
		T(test_list_in_list_refused),
		T(test_empty_list_and_empty_file),
		T(test_document_not_a_mapping),
		T(test_encode_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
