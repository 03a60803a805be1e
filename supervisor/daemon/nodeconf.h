/* The node config file (default /etc/podvisor/node.yaml, or --config):
 * the daemon's settings as YAML, for nodes set up by rsync or an image
 * build rather than a command line:
 *
 *   nodeName: edge-1
 *   nodeIP: 192.168.1.10
 *   hostPathAllow: [/srv, /mnt/usb]
 *   localPathRoot: /srv/volumes
 *   nodeLabels: {disk: ssd, zone: lab}
 *   registries:
 *     insecure: ["192.168.1.10:5000"]
 *     mirrors: {docker.io: ["mirror.local:5000"]}
 *   registryCredentials: /etc/podvisor/auth.json
 *
 * Each key is a daemon option (the table in nodeconf.c; registries gives
 * one --insecure-registry per host and one --registry-mirror per mirror); options given on
 * the command line win, except hostPathAllow, whose prefixes add up, and
 * nodeLabels, whose labels add up (a key given again takes the new value). */
#ifndef PV_SUPERVISOR_NODECONF_H
#define PV_SUPERVISOR_NODECONF_H

#include <stddef.h>

#include "common/err.h"

#define PV_NODECONF_DEFAULT "/etc/podvisor/node.yaml"

struct pv_nodeconf_item {
	const char *option; /* the long option: "node-ip" */
	char *value;
	unsigned line, col;
};

struct pv_nodeconf {
	struct pv_nodeconf_item *items;
	size_t n;
};

/* Read PATH; -1 with ERR ("FILE:LINE:COL: ...") for anything that is not
 * a mapping of known keys to scalars (or, for lists, sequences of them). */
int pv_nodeconf_load(const char *path, struct pv_nodeconf *out, struct pv_err *err);
/* The same for the LEN bytes of BUF, the content of PATH (for messages). */
int pv_nodeconf_parse(const char *buf, size_t len, const char *path, struct pv_nodeconf *out,
		      struct pv_err *err);
void pv_nodeconf_free(struct pv_nodeconf *c);

#endif
