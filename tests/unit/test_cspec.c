/* How a container's command line and environment are resolved from the
 * Pod and the image: Kubernetes' rules for command/args vs Entrypoint/Cmd,
 * env precedence, $(VAR) expansion, fieldRef, ConfigMap and Secret refs;
 * the spec's round trip to the shim, its security fields included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifests/manifest.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/source/desired.h"
#include "supervisor/image/image.h"

struct fx {
	struct pv_file pod;
	struct pv_desired desired;
	char dir[64];
};

static const char pod_yaml[] =
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n"
	"  labels: {tier: front}\nspec:\n  serviceAccountName: robot\n  containers:\n"
	/* 0: nothing set: the image decides */
	"  - {name: plain, image: x}\n"
	/* 1: args only: entrypoint + args */
	"  - {name: args, image: x, args: [\"-v\", \"$(MODE)\"]}\n"
	/* 2: command only: Cmd is ignored */
	"  - {name: cmd, image: x, command: [sh, -c, \"echo $(GREETING) $$(HOME) $(NOPE)\"]}\n"
	/* 3: env precedence and sources */
	"  - name: env\n    image: x\n    envFrom:\n    - configMapRef: {name: cfg}\n"
	"      prefix: CFG_\n    env:\n    - {name: MODE, value: prod}\n"
	"    - {name: GREETING, value: \"hi $(MODE)\"}\n"
	"    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
	"    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"
	"    - {name: TIER, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['tier']\"}}}\n"
	"    - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}\n"
	"    - {name: COLOR, valueFrom: {configMapKeyRef: {name: cfg, key: color}}}\n"
	"    - {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}\n"
	"    - {name: PATH, value: /opt/bin}\n"
	/* 4: a missing key */
	"  - name: missing\n    image: x\n    env:\n"
	"    - {name: K, valueFrom: {configMapKeyRef: {name: cfg, key: nope}}}\n"
	/* 5: the same, optional */
	"  - name: optional\n    image: x\n    env:\n"
	"    - {name: K, valueFrom: {configMapKeyRef: {name: cfg, key: nope, optional: true}}}\n";

static const char config_yaml[] =
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\n"
	"data: {color: blue, size: L}\n---\n"
	"apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\n"
	"data: {password: czNjcjN0}\n";

static char *img_entry[] = { (char *)"/bin/server", NULL };
static char *img_cmd[] = { (char *)"--default", NULL };
static char *img_env[] = { (char *)"PATH=/usr/bin:/bin", (char *)"MODE=image", NULL };
static const struct pv_image_config img = {
	.entrypoint = img_entry, .n_entrypoint = 1, .cmd = img_cmd, .n_cmd = 1,
	.env = img_env, .n_env = 2,
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pv_dfile *df;
	char path[128];
	FILE *out;

	assert_non_null(f);
	assert_int_equal(pv_file_load_buf(&f->pod, "pod.yaml", pod_yaml, strlen(pod_yaml)), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pv-cspec.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/config.yaml", f->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs(config_yaml, out);
	fclose(out);
	pv_desired_init(&f->desired);
	assert_int_equal(pv_desired_apply(&f->desired, path, &df), PV_APPLY_LOADED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/config.yaml", f->dir);
	unlink(path);
	rmdir(f->dir);
	pv_desired_free(&f->desired);
	pv_file_free(&f->pod);
	free(f);
	return 0;
}

static const struct pv_pod *pod_of(struct fx *f)
{
	return (const struct pv_pod *)f->pod.objects[0].obj;
}

static const struct pv_container *ctr(struct fx *f, size_t i)
{
	return &pod_of(f)->spec.containers.items[i];
}

static char **resolve_env2(struct fx *f, size_t i, int want_rc, struct pv_err *err, char ***own)
{
	struct pv_env_ctx ctx = { .pod = pod_of(f), .pod_uid = "u1", .node_name = "node1",
				  .desired = &f->desired };
	char **env = NULL;

	assert_int_equal(pv_cspec_env(ctr(f, i), &img, &ctx, &env, own, err), want_rc);
	return env;
}

static char **resolve_env(struct fx *f, size_t i, int want_rc, struct pv_err *err)
{
	return resolve_env2(f, i, want_rc, err, NULL);
}

static const char *getenv_in(char **env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static void assert_argv(char **argv, const char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
}

static void test_argv_rules(void **state)
{
	struct fx *f = *state;
	struct pv_err err = { 0 };
	static const char *const plain[] = { "/bin/server", "--default", NULL };
	static const char *const args[] = { "/bin/server", "-v", "$(MODE)", NULL };
	static const char *const cmd[] = { "sh", "-c", "echo $(GREETING) $(HOME) $(NOPE)", NULL };
	char **own = NULL, **env = resolve_env2(f, 0, 0, &err, &own), **argv = NULL;

	assert_string_equal(getenv_in(env, "MODE"), "image"); /* the image's ENV is there */
	pv_strv_free(env);
	env = own; /* but $(VAR) sees only what the Pod defines */

	assert_int_equal(pv_cspec_argv(ctr(f, 0), &img, env, &argv, &err), 0);
	assert_argv(argv, plain);
	pv_strv_free(argv);
	assert_int_equal(pv_cspec_argv(ctr(f, 1), &img, env, &argv, &err), 0);
	assert_argv(argv, args); /* the image's MODE is not the Pod's: kept as written */
	pv_strv_free(argv);
	assert_int_equal(pv_cspec_argv(ctr(f, 2), &img, env, &argv, &err), 0);
	assert_argv(argv, cmd); /* Cmd dropped; $$ escapes; unknown kept */
	pv_strv_free(argv);
	pv_strv_free(env);
}

static void test_no_command_at_all(void **state)
{
	struct fx *f = *state;
	struct pv_image_config empty = { 0 };
	struct pv_err err = { 0 };
	char **argv = NULL;
	char *env[] = { NULL };

	assert_int_equal(pv_cspec_argv(ctr(f, 0), &empty, env, &argv, &err), -1);
	assert_non_null(strstr(err.msg, "no command"));
}

static void test_env_sources(void **state)
{
	struct fx *f = *state;
	struct pv_err err = { 0 };
	char **env = resolve_env(f, 3, 0, &err);

	assert_string_equal(getenv_in(env, "MODE"), "prod"); /* env beats the image */
	assert_string_equal(getenv_in(env, "GREETING"), "hi prod");
	assert_string_equal(getenv_in(env, "POD"), "web");
	assert_string_equal(getenv_in(env, "NS"), "shop");
	assert_string_equal(getenv_in(env, "TIER"), "front");
	assert_string_equal(getenv_in(env, "SA"), "robot");
	assert_string_equal(getenv_in(env, "COLOR"), "blue");
	assert_string_equal(getenv_in(env, "CFG_size"), "L");
	assert_string_equal(getenv_in(env, "PASS"), "s3cr3t"); /* base64-decoded */
	assert_string_equal(getenv_in(env, "PATH"), "/opt/bin");
	assert_string_equal(getenv_in(env, "HOSTNAME"), "web");
	pv_strv_free(env);
}

/* 3,000 Services' variables (past the index's first 64 slots and the
 * vector's 16): each name once, in the order first set, the last value
 * winning; the Pod's own variables still override them. */
static void test_env_many_services(void **state)
{
	struct fx *f = *state;
	struct pv_err err = { 0 };
	enum { N = 3000 };
	char **svc = calloc(N + 4, sizeof(*svc)), **env = NULL;
	struct pv_env_ctx ctx = { .pod = pod_of(f), .pod_uid = "u1", .node_name = "node1",
				  .desired = &f->desired, .service_env = NULL };
	size_t k = 0, seen = 0;
	long last = -1;

	assert_non_null(svc);
	svc[k++] = strdup("MODE=from-service");
	for (int i = 0; i < N; i++)
		assert_true(asprintf(&svc[k++], "S%d_SERVICE_HOST=10.0.%d.%d", i, i / 256, i % 256) > 0);
	svc[k++] = strdup("S7_SERVICE_HOST=again");
	ctx.service_env = svc;
	assert_int_equal(pv_cspec_env(ctr(f, 3), &img, &ctx, &env, NULL, &err), 0);
	for (size_t i = 0; env[i]; i++) {
		long n;

		if (sscanf(env[i], "S%ld_SERVICE_HOST=", &n) != 1)
			continue;
		assert_true(n > last); /* each once, in order */
		last = n;
		seen++;
	}
	assert_int_equal(seen, N);
	assert_string_equal(getenv_in(env, "S7_SERVICE_HOST"), "again");
	assert_string_equal(getenv_in(env, "S2999_SERVICE_HOST"), "10.0.11.183");
	assert_string_equal(getenv_in(env, "MODE"), "prod");
	assert_string_equal(getenv_in(env, "GREETING"), "hi prod");
	pv_strv_free(env);
	pv_strv_free(svc);
}

static void test_missing_key(void **state)
{
	struct fx *f = *state;
	struct pv_err err = { 0 };
	char **env;

	env = resolve_env(f, 4, -1, &err);
	assert_null(env);
	assert_non_null(strstr(err.msg, "couldn't find key nope in ConfigMap \"cfg\""));
	env = resolve_env(f, 5, 0, &err);
	assert_null(getenv_in(env, "K"));
	pv_strv_free(env);
}

static void test_expand(void **state)
{
	char *env[] = { (char *)"A=1", (char *)"BB=two", NULL };
	static const char *const cases[][2] = {
		{ "$(A)", "1" },          { "x$(BB)y", "xtwoy" }, { "$$(A)", "$(A)" },
		{ "$(C)", "$(C)" },       { "$(A", "$(A" },       { "$$", "$" },
		{ "a$b", "a$b" },         { "", "" },             { "$(A)$(BB)", "1two" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = pv_expand_vars(cases[i][0], env);

		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void test_json_round_trip(void **state)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"x", NULL };
	char *env[] = { (char *)"A=1", NULL };
	char *layers[] = { (char *)"/l/1", (char *)"/l/2", NULL };
	struct pv_cspec s = { .name = (char *)"c", .init_pid = 42, .init_start = 7, .argv = argv,
			      .env = env, .layers = layers, .dir = (char *)"/d",
			      .pod_dir = (char *)"/p", .cwd = (char *)"/w", .restart = 3 };
	struct json_object *j = pv_cspec_to_json(&s);
	struct pv_cspec back;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_cspec_from_json(j, &back, &err), 0);
	assert_string_equal(back.argv[2], "x");
	assert_string_equal(back.layers[1], "/l/2");
	assert_int_equal(back.init_pid, 42);
	assert_int_equal(back.restart, 3);
	assert_string_equal(back.cwd, "/w");
	pv_cspec_free(&back);
	json_object_put(j);
}

/* What the process may do survives the trip to the shim. */
static void test_json_security_round_trip(void **state)
{
	char *argv[] = { (char *)"sh", NULL };
	char *none[] = { NULL };
	int64_t groups[300];
	struct pv_cspec s = { .name = (char *)"c", .argv = argv, .env = none, .layers = none,
			      .dir = (char *)"/d", .pod_dir = (char *)"/p", .init_pid = 1,
			      .caps_set = true, .caps = 0x20000400, .no_new_privs = true,
			      .privileged = true, .groups = groups, .ngroups = 300,
			      .groups_strict = true, .caps_if_held = 0x1000000 };
	struct json_object *j;
	struct pv_cspec back;
	struct pv_err err = { 0 };

	(void)state;
	for (int i = 0; i < 300; i++)
		groups[i] = 5000 + i;
	j = pv_cspec_to_json(&s);
	assert_int_equal(pv_cspec_from_json(j, &back, &err), 0);
	assert_true(back.caps_set);
	assert_int_equal(back.caps, 0x20000400);
	assert_int_equal(back.caps_if_held, 0x1000000);
	assert_true(back.no_new_privs);
	assert_true(back.privileged);
	assert_true(back.groups_strict);
	assert_int_equal(back.ngroups, 300);
	assert_int_equal(back.groups[299], 5299);
	pv_cspec_free(&back);
	json_object_put(j);
}

/* A spec without "capabilities" (hand-written, damaged): the default
 * set, not every capability root has. */
static void test_json_no_caps_is_default(void **state)
{
	struct json_object *j = json_tokener_parse(
		"{\"name\": \"c\", \"argv\": [\"sh\"], \"env\": [], \"layers\": [], "
		"\"dir\": \"/d\", \"podDir\": \"/p\", \"initPid\": 1}");
	struct pv_cspec back;
	struct pv_err err = { 0 };

	(void)state;
	assert_non_null(j);
	assert_int_equal(pv_cspec_from_json(j, &back, &err), 0);
	assert_false(back.caps_set);
	assert_int_equal(back.caps, 0xa80425fb);
	assert_int_equal(back.caps_if_held, 0);
	assert_false(back.privileged);
	pv_cspec_free(&back);
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_argv_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_command_at_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_many_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_security_round_trip),
		cmocka_unit_test(test_json_no_caps_is_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
