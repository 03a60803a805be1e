/* podvisor daemon's settings: the command line and the node config file
 * (--config FILE, /etc/podvisor/node.yaml) into struct pv_daemon, with
 * the defaults; and the settings that other modules take at start (the
 * manifests' admission limits, the proxy mode, the pulls, the
 * images-import directory), kept here until then.
 * Owns: those settings. Calls: daemon/nodeconf, daemon/daemon_usage, and
 * the parsers of the modules it configures (sandbox, netrules/proxymode,
 * pods_pull, node labels). */
#ifndef PV_SUPERVISOR_DAEMON_OPTS_H
#define PV_SUPERVISOR_DAEMON_OPTS_H

#include "supervisor/node/node.h"

/* Defaults, then the node config file, then the command line, into D:
 * 0; 1 when --help was printed; -1 with a message on stderr. */
int pv_daemon_parse(int argc, char **argv, struct pv_daemon *d);

/* A node setting by its long option name ("host-path-allow"), as the node
 * config file gives it: 0; -1 with a message on stderr when VALUE is not
 * acceptable; -2 when NAME is not a node setting. */
int pv_daemon_option(struct pv_daemon *d, const char *name, const char *value);

/* --manifest-link-allow, --manifest-max-bytes into D's admission. */
void pv_daemon_admit_setup(struct pv_daemon *d);
/* --proxy-mode's name (NULL: the default). */
const char *pv_daemon_proxy_mode(void);
/* --images-import DIR: NULL for STATE/images-import, "none" for none. */
const char *pv_daemon_images_import_dir(void);
/* The registries' settings to the pods' pulls (pods_pull.h). */
void pv_daemon_pull_setup(void);

#endif
