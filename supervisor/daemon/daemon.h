/* podvisor daemon: the top of the daemon. It parses the node's settings
 * (flags and the node config file), makes the shared context (node.h),
 * the modules and the loop, watches the manifests directory and runs the
 * reconcile. Calls: every module; nothing calls it. */
#ifndef PV_SUPERVISOR_DAEMON_H
#define PV_SUPERVISOR_DAEMON_H

#include "supervisor/node/node.h"

/* A node setting by its long option name ("host-path-allow"), as the node
 * config file gives it: 0; -1 with a message on stderr when VALUE is not
 * acceptable; -2 when NAME is not a node setting. */
int pv_daemon_option(struct pv_daemon *d, const char *name, const char *value);
int pv_cmd_daemon(int argc, char **argv);

#endif
