/* ConfigMaps and Secrets in force, for `podvisor get cm|secret` and
 * `describe`: their keys and sizes, and the data itself for -o yaml (the
 * API socket is root's only). */
#ifndef PV_SUPERVISOR_CONFIG_API_H
#define PV_SUPERVISOR_CONFIG_API_H

#include <json-c/json.h>

struct pv_daemon;

/* {"configmaps": [...], "secrets": [...]} */
struct json_object *pv_config_json(struct pv_daemon *d);

#endif
