/* Shorthand for the field tables (schema_*.c only). Define ST as the
 * struct a table describes before each table. */
#ifndef PV_MANIFESTS_SCHEMA_MACROS_H
#define PV_MANIFESTS_SCHEMA_MACROS_H

#define F(n, k, m, ...) PV_FIELD(n, k, ST, m, __VA_ARGS__)
#define IGN(n) { .name = (n), .kind = PV_F_IGNORED }
#define SILENT(n) { .name = (n), .kind = PV_F_SILENT }
#define UNSUP(n) { .name = (n), .kind = PV_F_UNSUPPORTED, .off = offsetof(ST, unsupported) }
#define TYPE(id, label) static const struct pv_type id##_type = { label, sizeof(ST), id##_fields }
#define ENUM(id, ...) static const char *const id[] = { __VA_ARGS__, NULL }

/* apiVersion, kind, metadata and status, as every top-level kind has. */
#define OBJ_HEAD                                                   \
	F("apiVersion", PV_F_STR, h.api_version),                  \
	F("kind", PV_F_STR, h.kind),                               \
	F("metadata", PV_F_OBJ, h.metadata, .type = &pv_type_meta), \
	SILENT("status")

#endif
