/* The build this binary is: its version, the git commit it was built
 * from (when the Makefile could say: -DPV_GIT_COMMIT, -DPV_GIT_TREE),
 * the compiler and the platform. The daemon answers it on the socket (op
 * "version"); `podvisor version` prints it for the client and for the
 * daemon, with kubectl's keys. Calls: nothing. */
#ifndef PV_SUPERVISOR_API_VERSION_H
#define PV_SUPERVISOR_API_VERSION_H

#include <json-c/json.h>

#ifndef PV_VERSION
#define PV_VERSION "0.1.0-dev"
#endif

/* "v0.1.0-dev", as kubectl's gitVersion. */
#define PV_GIT_VERSION "v" PV_VERSION

/* {"gitVersion", "gitCommit", "gitTreeState", "compiler", "platform"}:
 * gitCommit is the full hash, or "" when the build did not know it;
 * gitTreeState "clean", "dirty" or "". */
struct json_object *pv_version_json(void);

#endif
