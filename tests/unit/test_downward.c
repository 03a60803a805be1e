/* The downward API's values as kubelet renders them: whole label and
 * annotation maps as sorted key="value" lines quoted as Go's %q does,
 * single keys, the node's and pod's addresses, and resourceFieldRef with
 * divisors (CPU rounded up in the divisor's unit; an unset limit is the
 * node's capacity). */
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
#include "supervisor/runtime/downward.h"

static const char pod_yaml[] =
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n"
	"  labels: {tier: front, app: web}\n"
	"  annotations: {note: 'say \"hi\"', multi: \"a\\nb\\\\c\"}\n"
	"spec:\n  containers:\n"
	"  - name: main\n    image: x\n    resources:\n"
	"      limits: {cpu: 250m, memory: 64Mi}\n      requests: {cpu: 100m, memory: 32Mi}\n"
	"  - {name: free, image: x}\n";

static struct pv_file pod;

static int setup(void **state)
{
	(void)state;
	return pv_file_load_buf(&pod, "pod.yaml", pod_yaml, strlen(pod_yaml));
}

static int teardown(void **state)
{
	(void)state;
	pv_file_free(&pod);
	return 0;
}

static struct pv_downward_ctx ctx(void)
{
	return (struct pv_downward_ctx){ .pod = (const struct pv_pod *)pod.objects[0].obj,
					 .pod_uid = "u1", .node_name = "node-a",
					 .pod_ip = "10.88.0.5", .host_ip = "192.0.2.10" };
}

static void expect_field(const char *path, bool volume, const char *want)
{
	struct pv_downward_ctx c = ctx();
	struct pv_err err = { 0 };
	char *v = pv_downward_field(&c, path, volume, &err);

	if (!v)
		fail_msg("%s: %s", path, err.msg);
	assert_string_equal(v, want);
	free(v);
}

static void test_fields(void **state)
{
	struct pv_downward_ctx c = ctx();
	struct pv_err err = { 0 };

	(void)state;
	expect_field("metadata.name", false, "web");
	expect_field("metadata.namespace", false, "shop");
	expect_field("metadata.uid", false, "u1");
	expect_field("spec.nodeName", false, "node-a");
	expect_field("spec.serviceAccountName", false, "default");
	expect_field("status.podIP", false, "10.88.0.5");
	expect_field("status.hostIP", false, "192.0.2.10");
	expect_field("metadata.labels['tier']", false, "front");
	expect_field("metadata.labels['absent']", false, "");
	expect_field("metadata.labels", true, "app=\"web\"\ntier=\"front\"\n");
	expect_field("metadata.annotations", true, "multi=\"a\\nb\\\\c\"\nnote=\"say \\\"hi\\\"\"\n");
	/* whole maps only in volume files; unknown paths refused */
	assert_null(pv_downward_field(&c, "metadata.labels", false, &err));
	assert_null(pv_downward_field(&c, "spec.containers", true, &err));
	assert_non_null(strstr(err.msg, "unsupported fieldPath \"spec.containers\""));
}

static void expect_resource(const char *container, const char *res, const char *divisor,
			    const char *want)
{
	struct pv_downward_ctx c = ctx();
	struct pv_resource_field_sel sel = { .hdr.set = true };
	struct pv_err err = { 0 };
	const char *why;
	char *v;

	sel.resource.v = res;
	if (divisor) {
		sel.divisor.s = divisor;
		assert_int_equal(pv_qty_parse(divisor, &sel.divisor.q, &why), 0);
	}
	v = pv_downward_resource(&c, &sel, container, &err);
	if (!v)
		fail_msg("%s: %s", res, err.msg);
	assert_string_equal(v, want);
	free(v);
}

static void test_resources(void **state)
{
	struct pv_downward_ctx c = ctx();
	struct pv_resource_field_sel sel = { .hdr.set = true };
	struct pv_err err = { 0 };
	char cpus[32], *v;

	(void)state;
	expect_resource("main", "limits.cpu", NULL, "1");       /* 250m rounds up to 1 */
	expect_resource("main", "limits.cpu", "1m", "250");
	expect_resource("main", "requests.cpu", "1m", "100");
	expect_resource("main", "limits.memory", NULL, "67108864");
	expect_resource("main", "limits.memory", "1Mi", "64");
	expect_resource("main", "requests.memory", "1Mi", "32");
	expect_resource("main", "limits.memory", "1G", "1");    /* 64Mi is 0.07 G: up to 1 */
	snprintf(cpus, sizeof(cpus), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	expect_resource("free", "limits.cpu", NULL, cpus);      /* no limit: the node's */
	expect_resource("free", "requests.cpu", NULL, "0");
	sel.resource.v = "limits.cpu";
	sel.container_name.v = "nope";
	v = pv_downward_resource(&c, &sel, NULL, &err);
	assert_null(v);
	assert_non_null(strstr(err.msg, "no container \"nope\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_resources),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
