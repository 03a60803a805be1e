#include "supervisor/cli/client.h"

#include <stdio.h>
#include <unistd.h>

#include "supervisor/api/api.h"
#include "supervisor/cli/cli.h"
#include "supervisor/core/jsonx.h"

struct json_object *pv_client_call(const char *prog, const char *state, struct json_object *req)
{
	struct pv_err err = { 0 };
	struct json_object *resp = pv_api_call(pv_state_dir(state), req, &err);

	json_object_put(req);
	if (!resp) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return NULL;
	}
	if (json_object_object_get_ex(resp, "error", NULL)) {
		fprintf(stderr, "Error from the daemon: %s\n", pv_json_str(resp, "error", ""));
		json_object_put(resp);
		return NULL;
	}
	return resp;
}

FILE *pv_client_stream(const char *prog, const char *state, struct json_object *req)
{
	struct pv_err err = { 0 };
	int fd = pv_api_open(pv_state_dir(state), req, &err);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	json_object_put(req);
	if (fd < 0)
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	else if (!f)
		close(fd);
	return f;
}

struct json_object *pv_client_pod(const char *prog, const char *state, const char *ns,
				  const char *name)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string("pod"));
	json_object_object_add(req, "namespace", json_object_new_string(ns));
	json_object_object_add(req, "name", json_object_new_string(name));
	return pv_client_call(prog, state, req);
}
