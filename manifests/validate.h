/* Validation of typed objects, after defaulting: the rules of
 * pkg/apis/core/validation that matter on a node, with locations. */
#ifndef PV_MANIFESTS_VALIDATE_H
#define PV_MANIFESTS_VALIDATE_H

#include "common/arena.h"
#include "manifests/diag.h"
#include "manifests/types.h"

struct pv_vctx {
	struct pv_diags *diags;
	struct pv_arena *arena;
	size_t errors;
	bool namespaced;
	/* A StatefulSet's claim templates: pods may mount them by name. */
	const struct pv_pvc *claims;
	size_t nclaims;
};

void pv_verr(struct pv_vctx *v, struct pv_loc loc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void pv_vwarn(struct pv_vctx *v, struct pv_loc loc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A path string in the arena ("spec.containers[0]"); "" when out of memory. */
const char *pv_vpath(struct pv_vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Shared pieces (validate_meta.c). */
/* metadata of a top-level object; NAME_CHECK is the kind's name rule. */
void pv_validate_objmeta(struct pv_vctx *v, const struct pv_objhead *h,
			 const char *(*name_check)(const char *));
/* labels and annotations of any metadata (templates too). */
void pv_validate_labels(struct pv_vctx *v, const struct pv_meta *m, const char *path);
/* Validate SEL; when TEMPLATE_LABELS is given, the selector must match them. */
void pv_validate_selector(struct pv_vctx *v, const struct pv_label_selector *sel,
			  const char *path, const pv_strmap *template_labels,
			  struct pv_loc template_loc, bool required);
void pv_validate_node_selector_req(struct pv_vctx *v, const struct pv_label_req *r,
				   const char *path);
bool pv_selector_matches(const struct pv_label_selector *sel, const pv_strmap *labels);
void pv_validate_name_field(struct pv_vctx *v, const struct pv_str *s, const char *path,
			    const char *(*check)(const char *));
void pv_validate_port(struct pv_vctx *v, const struct pv_int *p, const char *path, bool zero_ok);
void pv_validate_nonneg(struct pv_vctx *v, const struct pv_int *p, const char *path);
void pv_validate_qtymap(struct pv_vctx *v, const pv_qtymap *m, const char *path);

/* validate_pod.c */
void pv_validate_pod_spec(struct pv_vctx *v, const struct pv_pod_spec *s, const char *path);
void pv_validate_pod_template(struct pv_vctx *v, const struct pv_pod_template *t,
			      const char *path);
void pv_validate_pvc_spec(struct pv_vctx *v, const struct pv_pvc_spec *s, const char *path,
			  bool template);

void pv_validate_namespace(struct pv_vctx *v, const void *obj);
void pv_validate_pod(struct pv_vctx *v, const void *obj);
void pv_validate_deployment(struct pv_vctx *v, const void *obj);
void pv_validate_replicaset(struct pv_vctx *v, const void *obj);
void pv_validate_statefulset(struct pv_vctx *v, const void *obj);
void pv_validate_daemonset(struct pv_vctx *v, const void *obj);
void pv_validate_job(struct pv_vctx *v, const void *obj);
void pv_validate_cronjob(struct pv_vctx *v, const void *obj);
void pv_validate_service(struct pv_vctx *v, const void *obj);
void pv_validate_configmap(struct pv_vctx *v, const void *obj);
void pv_validate_secret(struct pv_vctx *v, const void *obj);
void pv_validate_pv(struct pv_vctx *v, const void *obj);
void pv_validate_pvc(struct pv_vctx *v, const void *obj);
void pv_validate_storageclass(struct pv_vctx *v, const void *obj);

#endif
