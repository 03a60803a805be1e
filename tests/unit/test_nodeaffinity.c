/* Whether a pod fits this node (supervisor/node/nodeaffinity.c): its
 * nodeSelector and required node affinity against the node's labels,
 * its own (node.yaml's nodeLabels, read by daemon/nodeconf.c) and the
 * well-known ones. The decision that leaves a pod Pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "manifests/manifest.h"
#include "supervisor/daemon/nodeconf.h"
#include "supervisor/node/node.h"
#include "supervisor/node/nodeaffinity.h"

static char l0[] = "disk=ssd", l1[] = "zone=lab", l2[] = "rack=7", l3[] = "kubernetes.io/hostname=over";
static char *labels[] = { l0, l1, l2, l3 };
static char node_name[] = "edge-1";

/* A node "edge-1" with the labels above (the last only when OVERRIDE). */
static void node(struct pv_daemon *d, bool override)
{
	memset(d, 0, sizeof(*d));
	d->node_name = node_name;
	d->node_labels = labels;
	d->nnode_labels = override ? 4 : 3;
}

/* Whether the pod whose spec is the YAML SPEC (indented by 2) fits D. */
static bool fits(const struct pv_daemon *d, const char *spec)
{
	char buf[2048];
	struct pv_file f = { 0 };
	bool yes;

	snprintf(buf, sizeof(buf), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n%s\n"
		 "  containers: [{name: a, image: busybox}]\n", spec);
	assert_int_equal(pv_file_load_buf(&f, "pod.yaml", buf, strlen(buf)), 0);
	assert_int_equal(f.nobjects, 1);
	yes = pv_node_fits_pod(d, &((const struct pv_pod *)f.objects[0].obj)->spec);
	pv_file_free(&f);
	return yes;
}

#define REQ(exprs) \
	"  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: " \
	"{nodeSelectorTerms: [" exprs "]}}}"

static void test_node_selector(void **state)
{
	struct pv_daemon d;

	(void)state;
	node(&d, false);
	assert_true(fits(&d, "  restartPolicy: Always"));
	assert_true(fits(&d, "  nodeSelector: {disk: ssd}"));
	assert_true(fits(&d, "  nodeSelector: {disk: ssd, zone: lab, kubernetes.io/os: linux}"));
	assert_true(fits(&d, "  nodeSelector: {kubernetes.io/hostname: edge-1}"));
	assert_false(fits(&d, "  nodeSelector: {disk: hdd}"));
	assert_false(fits(&d, "  nodeSelector: {disk: ssd, gpu: \"yes\"}"));
	assert_false(fits(&d, "  nodeSelector: {disk: \"\"}"));
	assert_false(fits(&d, "  nodeSelector: {kubernetes.io/hostname: edge-2}"));
	node(&d, true); /* the node's own labels come first */
	assert_true(fits(&d, "  nodeSelector: {kubernetes.io/hostname: over}"));
}

static void test_required_affinity(void **state)
{
	struct pv_daemon d;

	(void)state;
	node(&d, false);
	assert_true(fits(&d, REQ("{matchExpressions: [{key: zone, operator: In, values: [dc, lab]}]}")));
	assert_false(fits(&d, REQ("{matchExpressions: [{key: zone, operator: In, values: [dc]}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: disk, operator: NotIn, values: [hdd]}]}")));
	assert_false(fits(&d, REQ("{matchExpressions: [{key: disk, operator: NotIn, values: [ssd]}]}")));
	/* NotIn of a label the node lacks: matches, as in Kubernetes */
	assert_true(fits(&d, REQ("{matchExpressions: [{key: gpu, operator: NotIn, values: [a]}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: rack, operator: Exists}]}")));
	assert_false(fits(&d, REQ("{matchExpressions: [{key: gpu, operator: Exists}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: gpu, operator: DoesNotExist}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: rack, operator: Gt, values: [\"6\"]}]}")));
	assert_false(fits(&d, REQ("{matchExpressions: [{key: rack, operator: Lt, values: [\"7\"]}]}")));
	/* a term's requirements ANDed, the terms ORed */
	assert_false(fits(&d, REQ("{matchExpressions: [{key: rack, operator: Exists}, "
				  "{key: gpu, operator: Exists}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: gpu, operator: Exists}]}, "
				 "{matchExpressions: [{key: disk, operator: In, values: [ssd]}]}")));
	assert_true(fits(&d, REQ("{matchFields: [{key: metadata.name, operator: In, values: [edge-1]}]}")));
	assert_false(fits(&d, REQ("{matchFields: [{key: metadata.name, operator: NotIn, values: [edge-1]}]}")));
	/* both must hold: the nodeSelector and the affinity */
	assert_false(fits(&d, "  nodeSelector: {disk: hdd}\n"
			  REQ("{matchExpressions: [{key: rack, operator: Exists}]}")));
}

/* Gt and Lt need numbers on both sides: an empty label value is none
 * (Go's strconv.ParseInt("") fails), so it matches neither. */
static void test_gt_lt_empty_label(void **state)
{
	static char e0[] = "foo=";
	static char *empty[] = { e0 };
	struct pv_daemon d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.node_name = node_name;
	d.node_labels = empty;
	d.nnode_labels = 1;
	assert_false(fits(&d, REQ("{matchExpressions: [{key: foo, operator: Lt, values: [\"1\"]}]}")));
	assert_false(fits(&d, REQ("{matchExpressions: [{key: foo, operator: Gt, values: [\"-1\"]}]}")));
	assert_true(fits(&d, REQ("{matchExpressions: [{key: foo, operator: Exists}]}")));
}

/* spec.nodeName: this node's name runs here, another's does not. */
static void test_node_name(void **state)
{
	struct pv_daemon d;

	(void)state;
	node(&d, false);
	assert_true(fits(&d, "  nodeName: edge-1"));
	assert_false(fits(&d, "  nodeName: edge-2"));
	assert_true(fits(&d, "  nodeName: edge-1\n  nodeSelector: {disk: ssd}"));
}

static void test_preferred_is_no_requirement(void **state)
{
	struct pv_daemon d;

	(void)state;
	node(&d, false);
	assert_true(fits(&d, "  affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: "
			 "[{weight: 1, preference: {matchExpressions: [{key: gpu, operator: Exists}]}}]}}"));
}

static void test_nodeconf_labels(void **state)
{
	static const char yaml[] = "nodeName: edge-1\nnodeLabels:\n  disk: ssd\n  example.com/tier: \"\"\n";
	struct pv_nodeconf c;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_nodeconf_parse(yaml, strlen(yaml), "node.yaml", &c, &err), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.items[1].option, "node-label");
	assert_string_equal(c.items[1].value, "disk=ssd");
	assert_int_equal(c.items[1].line, 3);
	assert_string_equal(c.items[2].value, "example.com/tier=");
	pv_nodeconf_free(&c);
	assert_int_equal(pv_nodeconf_parse("nodeLabels: [a, b]\n", 19, "node.yaml", &c, &err), -1);
	assert_string_equal(err.msg, "node.yaml:1:13: nodeLabels takes a mapping of KEY: VALUE");
	assert_int_equal(pv_nodeconf_parse("nodeName: {a: b}\n", 17, "node.yaml", &c, &err), -1);
	assert_string_equal(err.msg, "node.yaml:1:11: nodeName takes no mapping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_selector),
		cmocka_unit_test(test_required_affinity),
		cmocka_unit_test(test_gt_lt_empty_label),
		cmocka_unit_test(test_preferred_is_no_requirement),
		cmocka_unit_test(test_node_name),
		cmocka_unit_test(test_nodeconf_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
