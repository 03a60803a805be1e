/* libFuzzer target: any bytes as the node config file (node.yaml),
 * through pv_nodeconf_parse: the YAML tree and the table of keys. Must
 * never crash, leak, or take unbounded time or memory; a failure leaves
 * nothing behind and its message names the file, and every setting it
 * accepts is one of the daemon's options with a value. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/daemon/nodeconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH "node.yaml"

/* The daemon's long options a node.yaml key may set: keep in step with
 * nodeconf.c's table (each of them must be an option of the daemon). */
static const char *const options[] = {
	"node-name", "node-ip", "host-path-allow", "local-path-root", "cluster-domain",
	"pod-cidr", "service-cidr", "node-port-range", "bridge", "cgroup-parent",
	"log-max-bytes", "node-label", "pod-security", "userns-pool", "manifest-link-allow",
	"manifest-max-bytes", "seccomp-profile-root", "seccomp-default", "allowed-unsafe-sysctls",
	"pod-pids-limit", "status-dir", "proxy-mode", "log-journald", "registry-credentials",
	"image-pull-backoff-base", "images-import", "insecure-registry", "registry-mirror",
};

static bool is_option(const char *o)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(o, options[i]) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_nodeconf c;
	struct pv_err err = { 0 };

	if (pv_nodeconf_parse((const char *)data, size, PATH, &c, &err) < 0) {
		if (c.n || c.items || strncmp(err.msg, PATH ":", strlen(PATH ":")) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < c.n; i++)
		if (!is_option(c.items[i].option) || !c.items[i].value || !c.items[i].line)
			abort();
	pv_nodeconf_free(&c);
	return 0;
}
