/* podvisor daemon: the top of the daemon. It takes the node's settings
 * (daemon_opts.h: flags and the node config file), makes the shared
 * context (node.h), the modules and the loop, watches the manifests
 * directory and runs the reconcile. Calls: every module; nothing calls it. */
#ifndef PV_SUPERVISOR_DAEMON_H
#define PV_SUPERVISOR_DAEMON_H

#include "supervisor/node/node.h"

int pv_cmd_daemon(int argc, char **argv);

#endif
