/* This node's labels and Kubernetes' node selectors matched against them
 * (nodeaffinity.h). Pure over the node's settings. Calls: node. */
#include "supervisor/node/nodeaffinity.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/goarch.h"
#include "supervisor/node/node.h"

/* The node's kubernetes.io/arch: the build's (common/goarch.h); uname's
 * machine only for a target Go has no name for here. */
static const char *arch(void)
{
	static struct utsname u;

	if (strcmp(PV_GOARCH, "unknown") != 0)
		return PV_GOARCH;
	return u.machine[0] || uname(&u) == 0 ? u.machine : "";
}

const char *pv_node_label(const struct pv_daemon *d, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < d->nnode_labels; i++)
		if (strncmp(d->node_labels[i], key, klen) == 0 && d->node_labels[i][klen] == '=')
			return d->node_labels[i] + klen + 1;
	if (strcmp(key, "kubernetes.io/hostname") == 0)
		return d->node_name;
	if (strcmp(key, "kubernetes.io/os") == 0)
		return "linux";
	if (strcmp(key, "kubernetes.io/arch") == 0)
		return arch();
	return NULL;
}

static bool in_values(const pv_strlist *l, const char *v)
{
	for (size_t i = 0; v && i < l->n; i++)
		if (strcmp(l->items[i].v, v) == 0)
			return true;
	return false;
}

static bool requirement(const struct pv_label_req *r, const char *v)
{
	const char *op = r->operator.v ? r->operator.v : "";
	char *end;
	long long have, want;

	if (strcmp(op, "In") == 0)
		return in_values(&r->values, v);
	if (strcmp(op, "NotIn") == 0)
		return !in_values(&r->values, v);
	if (strcmp(op, "Exists") == 0)
		return v != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return v == NULL;
	if ((strcmp(op, "Gt") != 0 && strcmp(op, "Lt") != 0) || !v || r->values.n != 1)
		return false;
	have = strtoll(v, &end, 10);
	if (*end || end == v) /* an empty label is no number, as Go's ParseInt */
		return false;
	want = strtoll(r->values.items[0].v, &end, 10);
	if (*end || end == r->values.items[0].v)
		return false;
	return op[0] == 'G' ? have > want : have < want;
}

static bool term_matches(const struct pv_daemon *d, const struct pv_node_selector_term *t)
{
	if (!t->match_expressions.n && !t->match_fields.n)
		return false; /* an empty term selects nothing */
	for (size_t i = 0; i < t->match_expressions.n; i++) {
		const struct pv_label_req *r = &t->match_expressions.items[i];

		if (!requirement(r, pv_node_label(d, r->key.v)))
			return false;
	}
	for (size_t i = 0; i < t->match_fields.n; i++) {
		const struct pv_label_req *r = &t->match_fields.items[i];
		const char *v = strcmp(r->key.v, "metadata.name") == 0 ? d->node_name : NULL;

		if (!requirement(r, v))
			return false;
	}
	return true;
}

bool pv_node_selector_matches(const struct pv_daemon *d, const struct pv_node_selector *sel)
{
	for (size_t i = 0; i < sel->node_selector_terms.n; i++)
		if (term_matches(d, &sel->node_selector_terms.items[i]))
			return true;
	return false;
}

bool pv_node_fits_pod(const struct pv_daemon *d, const struct pv_pod_spec *s)
{
	/* spec.nodeName names the node that runs it: any other leaves it be */
	if (s->node_name.v && *s->node_name.v && d->node_name && strcmp(s->node_name.v, d->node_name))
		return false;
	for (size_t i = 0; i < s->node_selector.n; i++) {
		const char *v = pv_node_label(d, s->node_selector.items[i].key);

		if (!v || strcmp(v, s->node_selector.items[i].value) != 0)
			return false;
	}
	if (s->affinity.node_affinity.required.hdr.set &&
	    !pv_node_selector_matches(d, &s->affinity.node_affinity.required))
		return false;
	return true;
}
