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

/* A field's path ("spec.containers[0].name"), kept unformatted: FMT and
 * up to three arguments, formatted only when a diagnostic shows it, as
 * almost none is. FMT's conversions are %s (a string, or a path: its
 * text) and %zu (an index). Made by PV_VPATH, on the stack: a path
 * lives as long as the block that made it. */
struct pv_vpath_arg {
	enum { PV_VPATH_STR, PV_VPATH_PATH, PV_VPATH_INDEX } kind;
	union {
		const char *s;
		const struct pv_vpath *p;
		size_t z;
	};
};

struct pv_vpath {
	const char *fmt;
	struct pv_vpath_arg args[3];
};

static inline struct pv_vpath_arg pv_vpath_str_(const char *s)
{
	return (struct pv_vpath_arg){ .kind = PV_VPATH_STR, .s = s };
}

static inline struct pv_vpath_arg pv_vpath_path_(const struct pv_vpath *p)
{
	return (struct pv_vpath_arg){ .kind = PV_VPATH_PATH, .p = p };
}

static inline struct pv_vpath_arg pv_vpath_index_(size_t z)
{
	return (struct pv_vpath_arg){ .kind = PV_VPATH_INDEX, .z = z };
}

#define PV_VPATH_ARG_(x)                                                              \
	_Generic((x), const struct pv_vpath *: pv_vpath_path_, struct pv_vpath *: pv_vpath_path_, \
		 const char *: pv_vpath_str_, char *: pv_vpath_str_, default: pv_vpath_index_)(x)
#define PV_VPATH0_(f) .fmt = (f)
#define PV_VPATH1_(f, a) .fmt = (f), .args = { PV_VPATH_ARG_(a) }
#define PV_VPATH2_(f, a, b) .fmt = (f), .args = { PV_VPATH_ARG_(a), PV_VPATH_ARG_(b) }
#define PV_VPATH3_(f, a, b, c) \
	.fmt = (f), .args = { PV_VPATH_ARG_(a), PV_VPATH_ARG_(b), PV_VPATH_ARG_(c) }
#define PV_VPATH_PICK_(f, a, b, c, name, ...) name
/* PV_VPATH("%s.containers[%zu]", path, i): a const struct pv_vpath *. */
#define PV_VPATH(...)                                                                   \
	(&(const struct pv_vpath){ PV_VPATH_PICK_(__VA_ARGS__, PV_VPATH3_, PV_VPATH2_,   \
						  PV_VPATH1_, PV_VPATH0_, -)(__VA_ARGS__) })

/* PATH's text in BUF (cut to SIZE - 1 bytes, as snprintf would); BUF. */
const char *pv_vpath_format(const struct pv_vpath *path, char *buf, size_t size);

void pv_verr(struct pv_vctx *v, struct pv_loc loc, const struct pv_vpath *path,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pv_vwarn(struct pv_vctx *v, struct pv_loc loc, const struct pv_vpath *path,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Shared pieces (validate_meta.c). */
/* metadata of a top-level object; NAME_CHECK is the kind's name rule. */
void pv_validate_objmeta(struct pv_vctx *v, const struct pv_objhead *h,
			 const char *(*name_check)(const char *));
/* labels and annotations of any metadata (templates too). */
void pv_validate_labels(struct pv_vctx *v, const struct pv_meta *m, const struct pv_vpath *path);
/* Validate SEL; when TEMPLATE_LABELS is given, the selector must match them. */
void pv_validate_selector(struct pv_vctx *v, const struct pv_label_selector *sel,
			  const struct pv_vpath *path, const pv_strmap *template_labels,
			  struct pv_loc template_loc, bool required);
void pv_validate_node_selector_req(struct pv_vctx *v, const struct pv_label_req *r,
				   const struct pv_vpath *path);
bool pv_selector_matches(const struct pv_label_selector *sel, const pv_strmap *labels);
void pv_validate_name_field(struct pv_vctx *v, const struct pv_str *s, const struct pv_vpath *path,
			    const char *(*check)(const char *));
void pv_validate_port(struct pv_vctx *v, const struct pv_int *p, const struct pv_vpath *path,
		      bool zero_ok);
void pv_validate_nonneg(struct pv_vctx *v, const struct pv_int *p, const struct pv_vpath *path);
void pv_validate_qtymap(struct pv_vctx *v, const pv_qtymap *m, const struct pv_vpath *path);

/* validate_pod.c */
void pv_validate_pod_spec(struct pv_vctx *v, const struct pv_pod_spec *s,
			  const struct pv_vpath *path);
void pv_validate_pod_template(struct pv_vctx *v, const struct pv_pod_template *t,
			      const struct pv_vpath *path);
void pv_validate_pvc_spec(struct pv_vctx *v, const struct pv_pvc_spec *s,
			  const struct pv_vpath *path,
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
