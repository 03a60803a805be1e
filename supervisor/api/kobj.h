/* Kubernetes objects from the daemon's records (the API's list answers,
 * with "full": true): what `get -o json|yaml` prints and what the status
 * directory holds. See kobj.c. */
#ifndef PV_API_KOBJ_H
#define PV_API_KOBJ_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "supervisor/image/image.h"

enum pv_kobj {
	PV_K_POD, PV_K_SVC, PV_K_EP, PV_K_PV, PV_K_PVC, PV_K_CM, PV_K_SECRET, PV_K_EVENT,
	PV_K_DEPLOY, PV_K_RS, PV_K_STS, PV_K_DS, PV_K_JOB, PV_K_CRONJOB, PV_K_NONE
};

/* The local images, for pods' status.imageID. */
struct pv_kobj_images {
	struct pv_image *v;
	size_t n;
};
void pv_kobj_images_load(struct pv_kobj_images *im, const char *state);
void pv_kobj_images_free(struct pv_kobj_images *im);

/* A kind by any of kubectl's words for it ("pods", "po", "deploy"...). */
enum pv_kobj pv_kobj_of(const char *word);
const char *pv_kobj_kind(enum pv_kobj k);     /* "Pod" */
const char *pv_kobj_resource(enum pv_kobj k); /* "pods", "deployments.apps" */

/* The object of kind K for RECORD, the Ith of its list (events are named
 * by it); NODE names the reporting node of events (may be NULL). New. */
struct json_object *pv_kobj_make(enum pv_kobj k, struct json_object *record, size_t i,
				 const struct pv_kobj_images *im, const char *node);
/* One pod's object from its record, images read from STATE's store. */
struct json_object *pv_kobj_pod(const char *state, struct json_object *rec);
/* A copy of J with every object's keys sorted, as kubectl prints. */
struct json_object *pv_kobj_sorted(struct json_object *j);

#endif
