#include "supervisor/core/jsonx.h"

const char *pv_json_str(struct json_object *o, const char *k, const char *dflt)
{
	struct json_object *v;

	/* a JSON null is absent too: never NULL where DFLT is not */
	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : dflt;
}

int64_t pv_json_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

const char *pv_json_label(const void *labels, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex((struct json_object *)labels, key, &v)
		       ? json_object_get_string(v) : NULL;
}
