#include "supervisor/api/api_request.h"

#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/core/jsonx.h"

static const struct {
	const char *name;
	enum pv_api_op op;
} ops[] = {
	{ "pods", PV_API_PODS },
	{ "pod", PV_API_POD },
	{ "files", PV_API_FILES },
	{ "services", PV_API_SERVICES },
	{ "storage", PV_API_STORAGE },
	{ "config", PV_API_CONFIG },
	{ "events", PV_API_EVENTS },
	{ "workloads", PV_API_WORKLOADS },
	{ "delete-pod", PV_API_DELETE_POD },
	{ "rollout", PV_API_ROLLOUT },
	{ "version", PV_API_VERSION },
	{ "top", PV_API_TOP },
	{ "watch", PV_API_WATCH },
	{ "images", PV_API_IMAGES },
};

int pv_api_request_parse(const char *text, struct pv_api_request *out, struct pv_err *err)
{
	struct json_object *req = json_tokener_parse(text);
	const char *op;

	memset(out, 0, sizeof(*out));
	if (!req)
		return pv_err_set(err, EINVAL, "bad request");
	op = pv_json_str(req, "op", NULL);
	for (size_t i = 0; op && i < PV_ARRAY_SIZE(ops); i++) {
		if (strcmp(op, ops[i].name) != 0)
			continue;
		*out = (struct pv_api_request){
			.json = req,
			.op = ops[i].op,
			.ns = pv_json_str(req, "namespace", NULL) ?: "default",
			.name = pv_json_str(req, "name", NULL),
			.object = pv_json_str(req, "object", NULL),
			.full = json_object_get_boolean(json_object_object_get(req, "full")),
			.kind = pv_json_str(req, "kind", NULL),
		};
		return 0;
	}
	json_object_put(req);
	return pv_err_set(err, EINVAL, op ? "unknown op" : "no op in the request");
}

void pv_api_request_clear(struct pv_api_request *r)
{
	json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}
