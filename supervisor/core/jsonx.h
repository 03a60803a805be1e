/* Reading json-c objects without ceremony. */
#ifndef PV_SUPERVISOR_JSONX_H
#define PV_SUPERVISOR_JSONX_H

#include <stdint.h>

#include <json-c/json.h>

/* The string at key K of O, or DFLT when absent or null. */
const char *pv_json_str(struct json_object *o, const char *k, const char *dflt);
/* The integer at key K of O, or 0. */
int64_t pv_json_int(struct json_object *o, const char *k);
/* The string at KEY of LABELS (a JSON object), or NULL: how a label
 * selector (manifests/labelsel.h) reads the labels in an API answer. */
const char *pv_json_label(const void *labels, const char *key);

#endif
