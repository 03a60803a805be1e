/* Typed objects back to data: JSON (json-c) and YAML (libyaml), driven
 * by the same field tables the decoder uses. Pure: returns memory. */
#ifndef PV_MANIFESTS_ENCODE_H
#define PV_MANIFESTS_ENCODE_H

#include <json-c/json.h>

#include "manifests/manifest.h"

/* A new JSON object for O (NULL when out of memory); json_object_put it. */
struct json_object *pv_encode_object(const struct pv_object *o);

/* Serialise J as YAML documents: an array becomes one document per
 * element when MULTI_DOC, otherwise one document. Returns a malloc'd
 * NUL-terminated string, or NULL when out of memory. */
char *pv_json_to_yaml(struct json_object *j, bool multi_doc);

#endif
