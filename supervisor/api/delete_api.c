/* podvisor delete pod, answered. See delete_api.h. */
#include "supervisor/api/delete_api.h"

#include <stdio.h>
#include <string.h>

#include "supervisor/node/node.h"
#include "supervisor/pods/pods.h"
#include "supervisor/source/desired.h"

static struct json_object *refusal(const char *reason, const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	return o;
}

/* The manifest file that defines the Pod NS/NAME, or NULL. */
static const char *defining_file(struct pv_daemon *d, const char *ns, const char *name)
{
	const struct pv_dfile *f = NULL;

	if (pv_desired_get(&d->desired, PV_KIND_POD, ns, name, &f) && f)
		return f->path;
	if (!strcmp(ns, "default") && pv_desired_get(&d->desired, PV_KIND_POD, NULL, name, &f) && f)
		return f->path; /* written without a namespace */
	return NULL;
}

struct json_object *pv_api_delete_pod(struct pv_daemon *d, const char *ns, const char *name)
{
	const char *file = name ? defining_file(d, ns, name) : NULL;
	struct json_object *o, *del;
	char msg[4600], uid[33] = "";

	if (!name || !*name)
		return refusal("BadRequest", "no pod name in the request");
	if (file) {
		snprintf(msg, sizeof(msg), "pod \"%s\" is defined by %s: remove it from that file to "
			 "delete it", name, file);
		return refusal("Forbidden", msg);
	}
	if (pv_pods_delete(d, ns, name, uid) < 0) {
		snprintf(msg, sizeof(msg), "pods \"%s\" not found", name);
		return refusal("NotFound", msg);
	}
	o = json_object_new_object();
	del = json_object_new_object();
	json_object_object_add(del, "namespace", json_object_new_string(ns));
	json_object_object_add(del, "name", json_object_new_string(name));
	json_object_object_add(del, "uid", json_object_new_string(uid));
	json_object_object_add(o, "deleted", del);
	return o;
}
