/* The architecture, each way podvisor names it, against the one the
 * build was made for (argv[1], Go's name: amd64, arm64, arm): the node's
 * kubernetes.io/arch label, the platform of `podvisor version`, and the
 * arch an image is chosen for. Built and run by make check-cross, under
 * qemu-user for another architecture (tests/run.sh, group cross). TAP. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/api/version.h"
#include "supervisor/image/image_internal.h"
#include "supervisor/node/node.h"
#include "supervisor/node/nodeaffinity.h"

static int n, failed;

static void is(const char *what, const char *have, const char *want)
{
	bool ok = have && strcmp(have, want) == 0;

	printf("%sok %d - %s is %s\n", ok ? "" : "not ", ++n, what, want);
	if (!ok && ++failed)
		printf("# %s: got \"%s\"\n", what, have ? have : "(null)");
}

int main(int argc, char **argv)
{
	static struct pv_daemon d; /* no labels set: the node's own */
	struct json_object *v = pv_version_json(), *platform = NULL;
	char want[64];

	if (argc != 2) {
		fprintf(stderr, "usage: test_arch GOARCH\n");
		return 2;
	}
	printf("1..3\n");
	is("the node's kubernetes.io/arch label", pv_node_label(&d, "kubernetes.io/arch"), argv[1]);
	snprintf(want, sizeof(want), "linux/%s", argv[1]);
	json_object_object_get_ex(v, "platform", &platform);
	is("podvisor version's platform", json_object_get_string(platform), want);
	is("the arch images are chosen for", pv_img_host_arch(), argv[1]);
	json_object_put(v);
	return failed ? 1 : 0;
}
