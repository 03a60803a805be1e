/* Field tables: object metadata and label selectors. */
#include "manifests/schema.h"
#include "manifests/schema_macros.h"

#undef ST
#define ST struct pv_owner_ref
static const struct pv_field owner_ref_fields[] = {
	F("apiVersion", PV_F_STR, api_version, .flags = PV_FF_REQUIRED),
	F("kind", PV_F_STR, kind, .flags = PV_FF_REQUIRED),
	F("name", PV_F_STR, name, .flags = PV_FF_REQUIRED),
	F("uid", PV_F_STR, uid),
	F("controller", PV_F_BOOL, controller),
	F("blockOwnerDeletion", PV_F_BOOL, block_owner_deletion),
	PV_FIELD_END,
};
TYPE(owner_ref, "OwnerReference");

#undef ST
#define ST struct pv_meta
static const struct pv_field meta_fields[] = {
	F("name", PV_F_STR, name),
	F("generateName", PV_F_STR, generate_name),
	F("namespace", PV_F_STR, namespace),
	F("labels", PV_F_STRMAP, labels),
	F("annotations", PV_F_STRMAP, annotations),
	F("ownerReferences", PV_F_LIST, owner_references, .type = &owner_ref_type),
	F("finalizers", PV_F_STRLIST, finalizers),
	F("uid", PV_F_STR, uid),
	SILENT("creationTimestamp"),
	SILENT("deletionTimestamp"),
	SILENT("deletionGracePeriodSeconds"),
	SILENT("resourceVersion"),
	SILENT("generation"),
	SILENT("selfLink"),
	SILENT("managedFields"),
	PV_FIELD_END,
};
const struct pv_type pv_type_meta = { "ObjectMeta", sizeof(ST), meta_fields };

#undef ST
#define ST struct pv_label_req
static const struct pv_field label_req_fields[] = {
	F("key", PV_F_STR, key, .flags = PV_FF_REQUIRED),
	F("operator", PV_F_STR, operator, .flags = PV_FF_REQUIRED),
	F("values", PV_F_STRLIST, values),
	PV_FIELD_END,
};
const struct pv_type pv_type_label_req = { "LabelSelectorRequirement", sizeof(ST), label_req_fields };

#undef ST
#define ST struct pv_label_selector
static const struct pv_field label_selector_fields[] = {
	F("matchLabels", PV_F_STRMAP, match_labels),
	F("matchExpressions", PV_F_LIST, match_expressions, .type = &pv_type_label_req),
	PV_FIELD_END,
};
const struct pv_type pv_type_label_selector = { "LabelSelector", sizeof(ST), label_selector_fields };

#undef ST
#define ST struct pv_node_selector_term
static const struct pv_field nst_fields[] = {
	F("matchExpressions", PV_F_LIST, match_expressions, .type = &pv_type_label_req),
	F("matchFields", PV_F_LIST, match_fields, .type = &pv_type_label_req),
	PV_FIELD_END,
};
TYPE(nst, "NodeSelectorTerm");

#undef ST
#define ST struct pv_node_selector
static const struct pv_field node_selector_fields[] = {
	F("nodeSelectorTerms", PV_F_LIST, node_selector_terms, .type = &nst_type,
	  .flags = PV_FF_REQUIRED),
	PV_FIELD_END,
};
const struct pv_type pv_type_node_selector = { "NodeSelector", sizeof(ST), node_selector_fields };
