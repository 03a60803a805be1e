/* Field tables: how each YAML mapping maps onto a typed struct. One
 * generic decoder (decode.c) and one encoder (encode.c) walk them, so a
 * field is described once and is parsed, located, reported when unknown
 * and printed back the same way. */
#ifndef PV_MANIFESTS_SCHEMA_H
#define PV_MANIFESTS_SCHEMA_H

#include <stddef.h>

#include "manifests/types.h"

enum pv_fkind {
	PV_F_STR,        /* struct pv_str */
	PV_F_INT,        /* struct pv_int */
	PV_F_BOOL,       /* struct pv_bool */
	PV_F_INTSTR,     /* struct pv_intstr */
	PV_F_QTY,        /* struct pv_qtyval */
	PV_F_STRMAP,     /* pv_strmap */
	PV_F_QTYMAP,     /* pv_qtymap */
	PV_F_STRLIST,    /* pv_strlist */
	PV_F_INTLIST,    /* PV_LIST(struct pv_int) */
	PV_F_OBJ,        /* an embedded struct described by .type */
	PV_F_LIST,       /* PV_LIST of structs described by .type */
	PV_F_IGNORED,    /* valid Kubernetes, not acted on: a warning */
	PV_F_SILENT,     /* valid Kubernetes, meaningless here (status, managedFields) */
	PV_F_UNSUPPORTED, /* a volume source podvisor cannot provide: warn, record in .off (pv_str) */
};

enum {
	PV_FF_REQUIRED = 1u << 0, /* an error when absent */
	PV_FF_INT32 = 1u << 1,    /* integer must fit in 32 bits */
};

struct pv_type;

struct pv_field {
	const char *name; /* the Kubernetes (JSON) field name */
	enum pv_fkind kind;
	size_t off;
	const struct pv_type *type;  /* PV_F_OBJ, PV_F_LIST */
	const char *const *enums;    /* PV_F_STR: allowed values, NULL-terminated */
	unsigned flags;
};

struct pv_type {
	const char *name; /* for messages: "Container" */
	size_t size;
	const struct pv_field *fields; /* terminated by a field with name NULL */
};

#define PV_FIELD(n, k, st, m, ...) { .name = (n), .kind = (k), .off = offsetof(st, m), __VA_ARGS__ }
#define PV_FIELD_END { .name = NULL }

/* The types the objects module builds on. */
extern const struct pv_type pv_type_meta;
extern const struct pv_type pv_type_label_selector;
extern const struct pv_type pv_type_pod_spec;
extern const struct pv_type pv_type_pod_template;
extern const struct pv_type pv_type_resources;
extern const struct pv_type pv_type_node_selector;
extern const struct pv_type pv_type_pvc;
extern const struct pv_type pv_type_label_req;
extern const struct pv_type pv_type_host_path;

/* Top-level kinds. */
extern const struct pv_type pv_type_namespace, pv_type_pod, pv_type_deployment;
extern const struct pv_type pv_type_replicaset, pv_type_statefulset, pv_type_daemonset;
extern const struct pv_type pv_type_job, pv_type_cronjob, pv_type_service;
extern const struct pv_type pv_type_configmap, pv_type_secret, pv_type_pv;
extern const struct pv_type pv_type_storageclass;

#endif
