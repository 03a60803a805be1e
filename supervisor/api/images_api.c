/* Op "images" (see images_api.h): the images the manifests in force and
 * the pods name, normalized, each once. Owns nothing. Calls: source,
 * node, image, core. */
#include "supervisor/api/images_api.h"

#include <stdlib.h>
#include <string.h>

#include "supervisor/image/image.h"
#include "supervisor/node/pod.h"
#include "supervisor/source/desired.h"

static void add_ref(struct json_object *seen, const char *image)
{
	char *n = image ? pv_image_ref_normalize(image, NULL) : NULL;

	if (n && !json_object_object_get_ex(seen, n, NULL))
		json_object_object_add(seen, n, NULL);
	free(n);
}

static void add_spec(struct json_object *seen, const struct pv_pod_spec *s)
{
	for (size_t i = 0; i < s->containers.n; i++)
		add_ref(seen, s->containers.items[i].image.v);
	for (size_t i = 0; i < s->init_containers.n; i++)
		add_ref(seen, s->init_containers.items[i].image.v);
}

/* The pod spec an object runs, or its template's; NULL for other kinds. */
static const struct pv_pod_spec *spec_of(const struct pv_object *o)
{
	switch (o->kind->kind) {
	case PV_KIND_POD:
		return &((const struct pv_pod *)o->obj)->spec;
	case PV_KIND_DEPLOYMENT:
		return &((const struct pv_deployment *)o->obj)->spec.template.spec;
	case PV_KIND_REPLICASET:
		return &((const struct pv_replicaset *)o->obj)->spec.template.spec;
	case PV_KIND_STATEFULSET:
		return &((const struct pv_statefulset *)o->obj)->spec.template.spec;
	case PV_KIND_DAEMONSET:
		return &((const struct pv_daemonset *)o->obj)->spec.template.spec;
	case PV_KIND_JOB:
		return &((const struct pv_job *)o->obj)->spec.template.spec;
	case PV_KIND_CRONJOB:
		return &((const struct pv_cronjob *)o->obj)->spec.job_template.spec.template.spec;
	default:
		return NULL;
	}
}

struct json_object *pv_api_images_in_use(struct pv_daemon *d)
{
	struct json_object *seen = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *resp = json_object_new_object();
	struct pv_pod_view v;

	for (size_t i = 0; i < d->desired.n; i++) {
		const struct pv_file *f = d->desired.files[i]->good;

		for (size_t k = 0; f && k < f->nobjects; k++) {
			const struct pv_pod_spec *s = spec_of(&f->objects[k]);

			if (s)
				add_spec(seen, s);
		}
	}
	for (size_t it = 0; pv_pod_view_next(d, &it, &v);)
		if (v.spec)
			add_spec(seen, &v.spec->spec);
	json_object_object_foreach(seen, k, val) {
		(void)val;
		json_object_array_add(arr, json_object_new_string(k));
	}
	json_object_put(seen);
	json_object_object_add(resp, "images", arr);
	return resp;
}
