/* Validation of PersistentVolume, PersistentVolumeClaim, StorageClass. */
#include "manifests/validate.h"

#include <string.h>

#include "manifests/names.h"

static const char *const access_modes[] = { "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
					    "ReadWriteOncePod", NULL };

static void validate_access_modes(struct pv_vctx *v, const pv_strlist *l, struct pv_loc at,
				  const struct pv_vpath *path)
{
	if (l->n == 0) {
		pv_verr(v, l->set ? l->loc : at, path, "required: at least one access mode");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *const *m = access_modes;

		while (*m && strcmp(*m, l->items[i].v) != 0)
			m++;
		if (!*m)
			pv_verr(v, l->items[i].loc, PV_VPATH("%s[%zu]", path, i),
				"unsupported value \"%.64s\": supported values: \"ReadWriteOnce\", "
				"\"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOncePod\"",
				l->items[i].v);
	}
}

static const struct pv_qkv *storage_of(const pv_qtymap *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, "storage") == 0)
			return &m->items[i];
	return NULL;
}

void pv_validate_pvc_spec(struct pv_vctx *v, const struct pv_pvc_spec *s,
			  const struct pv_vpath *path,
			  bool template)
{
	struct pv_loc at = s->hdr.loc;

	(void)template;
	validate_access_modes(v, &s->access_modes, at, PV_VPATH("%s.accessModes", path));
	if (!storage_of(&s->resources.requests))
		pv_verr(v, s->resources.hdr.set ? s->resources.hdr.loc : at,
			PV_VPATH("%s.resources.requests[storage]", path), "required");
	pv_validate_qtymap(v, &s->resources.requests, PV_VPATH("%s.resources.requests", path));
	pv_validate_qtymap(v, &s->resources.limits, PV_VPATH("%s.resources.limits", path));
	if (s->selector.hdr.set)
		pv_validate_selector(v, &s->selector, PV_VPATH("%s.selector", path), NULL, at,
				     false);
}

void pv_validate_pvc(struct pv_vctx *v, const void *obj)
{
	const struct pv_pvc *c = obj;

	pv_validate_objmeta(v, &c->h, pv_check_dns1123_subdomain);
	pv_validate_pvc_spec(v, &c->spec, PV_VPATH("spec"), false);
}

static void validate_pv_source(struct pv_vctx *v, const struct pv_pv_spec *s)
{
	int n = (int)s->host_path.hdr.set + (int)s->local.hdr.set + (int)(s->unsupported.v != NULL);

	if (n == 0)
		pv_verr(v, s->hdr.loc, PV_VPATH("spec"),
			"must specify a volume source (podvisor provides hostPath and local)");
	else if (n > 1)
		pv_verr(v, s->hdr.loc, PV_VPATH("spec"),
			"may not specify more than one volume source");
	if (s->host_path.path.v && s->host_path.path.v[0] != '/')
		pv_verr(v, s->host_path.path.loc, PV_VPATH("spec.hostPath.path"),
			"must be an absolute path");
	if (s->local.path.v && s->local.path.v[0] != '/')
		pv_verr(v, s->local.path.loc, PV_VPATH("spec.local.path"),
			"must be an absolute path");
	if (s->local.hdr.set && !s->node_affinity.hdr.set)
		pv_verr(v, s->local.hdr.loc, PV_VPATH("spec.nodeAffinity"),
			"required: a local volume needs node affinity");
}

void pv_validate_pv(struct pv_vctx *v, const void *obj)
{
	const struct pv_pv *p = obj;
	const struct pv_pv_spec *s = &p->spec;
	const struct pv_node_selector *ns = &s->node_affinity.required;

	pv_validate_objmeta(v, &p->h, pv_check_dns1123_subdomain);
	if (!storage_of(&s->capacity))
		pv_verr(v, s->capacity.set ? s->capacity.loc : s->hdr.loc,
			PV_VPATH("spec.capacity[storage]"),
			"required");
	pv_validate_qtymap(v, &s->capacity, PV_VPATH("spec.capacity"));
	validate_access_modes(v, &s->access_modes, s->hdr.loc, PV_VPATH("spec.accessModes"));
	validate_pv_source(v, s);
	for (size_t i = 0; i < ns->node_selector_terms.n; i++)
		for (size_t j = 0; j < ns->node_selector_terms.items[i].match_expressions.n; j++)
			pv_validate_node_selector_req(v,
				&ns->node_selector_terms.items[i].match_expressions.items[j],
				PV_VPATH("spec.nodeAffinity.required.nodeSelectorTerms[%zu]"
					 ".matchExpressions[%zu]", i, j));
}

void pv_validate_storageclass(struct pv_vctx *v, const void *obj)
{
	const struct pv_storageclass *sc = obj;

	pv_validate_objmeta(v, &sc->h, pv_check_dns1123_subdomain);
	pv_validate_name_field(v, &sc->provisioner, PV_VPATH("provisioner"),
			       pv_check_qualified_name);
}
