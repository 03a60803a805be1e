/* The runtime default seccomp profile: moby's profiles/seccomp/default.json
 * (Docker's default) written in C as data, one row per entry, and turned
 * into the same JSON a Docker profile file holds, so that seccomp.c reads
 * it like any Localhost profile (its includes/excludes gates applied to
 * the container's capabilities and this machine's architecture there).
 * Calls: json-c. */
#ifndef PV_SUPERVISOR_SECCOMP_DEFAULT_H
#define PV_SUPERVISOR_SECCOMP_DEFAULT_H

#include <json-c/json.h>

/* A new object in Docker's format: defaultAction, archMap, syscalls. */
struct json_object *pv_seccomp_default_docker(void);

#endif
