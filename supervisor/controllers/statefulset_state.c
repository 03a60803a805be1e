/* The StatefulSet controller's persisted memory. See statefulset_state.h.
 * Calls: core. */
#include "supervisor/controllers/statefulset_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "supervisor/core/fsutil.h"

static struct json_object *object_at(struct json_object *root, const char *key)
{
	struct json_object *o = NULL;

	if (root && json_object_object_get_ex(root, key, &o) && json_object_is_type(o, json_type_object))
		return json_object_get(o);
	return json_object_new_object();
}

int pv_sts_state_load(struct pv_sts_state *s, const char *state_dir, struct pv_err *err)
{
	struct json_object *root = NULL;
	int rc = 0;

	*s = (struct pv_sts_state){ 0 };
	if (asprintf(&s->path, "%s/statefulsets.json", state_dir) < 0) {
		s->path = NULL;
		s->frozen = true;
		rc = pv_err_set(err, ENOMEM, "out of memory");
	} else if (access(s->path, F_OK) == 0 && !(root = pv_read_json(s->path, err))) {
		s->frozen = true;
		rc = pv_err_wrap(err, "%s", s->path);
	} else if (root && !json_object_is_type(root, json_type_object)) {
		s->frozen = true;
		rc = pv_err_set(err, EINVAL, "%s: not a JSON object", s->path);
	}
	s->claims = object_at(rc ? NULL : root, "claims");
	s->sets = object_at(rc ? NULL : root, "sets");
	json_object_put(root);
	return rc;
}

int pv_sts_state_save(struct pv_sts_state *s, struct pv_err *err)
{
	struct json_object *root;
	int rc;

	if (!s->dirty || s->frozen || !s->path)
		return 0;
	root = json_object_new_object();
	json_object_object_add(root, "claims", json_object_get(s->claims));
	json_object_object_add(root, "sets", json_object_get(s->sets));
	rc = pv_write_json_atomic(s->path, root, err);
	json_object_put(root);
	if (rc == 0)
		s->dirty = false;
	return rc;
}

void pv_sts_state_free(struct pv_sts_state *s)
{
	json_object_put(s->claims);
	json_object_put(s->sets);
	free(s->path);
	*s = (struct pv_sts_state){ 0 };
}
