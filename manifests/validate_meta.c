/* Validation shared by every kind: metadata, labels, selectors, ports. */
#include "manifests/validate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "manifests/names.h"

static void vadd(struct pv_vctx *v, enum pv_severity sev, struct pv_loc loc,
		 const struct pv_vpath *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void vadd(struct pv_vctx *v, enum pv_severity sev, struct pv_loc loc,
		 const struct pv_vpath *path, const char *fmt, va_list ap)
{
	char msg[512], where[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pv_diag_add(v->diags, sev, loc, pv_vpath_format(path, where, sizeof(where)), "%s", msg);
	if (sev == PV_SEV_ERROR)
		v->errors++;
}

void pv_verr(struct pv_vctx *v, struct pv_loc loc, const struct pv_vpath *path,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(v, PV_SEV_ERROR, loc, path, fmt, ap);
	va_end(ap);
}

void pv_vwarn(struct pv_vctx *v, struct pv_loc loc, const struct pv_vpath *path,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(v, PV_SEV_WARNING, loc, path, fmt, ap);
	va_end(ap);
}

static size_t put(char *buf, size_t at, size_t size, const char *s, size_t len)
{
	if (len > size - 1 - at)
		len = size - 1 - at;
	memcpy(buf + at, s, len);
	return at + len;
}

/* PATH's text at BUF + AT; returns the new length. An argument that does
 * not fit its conversion prints "?": a mistake in a path's format shows
 * in the path, never reads past its arguments. */
static size_t vpath_put(const struct pv_vpath *path, char *buf, size_t at, size_t size)
{
	const char *fmt = path->fmt;
	size_t next = 0;

	while (*fmt) {
		const char *pct = strchrnul(fmt, '%');
		const struct pv_vpath_arg *a = next < 3 ? &path->args[next++] : NULL;
		bool idx = pct[0] && pct[1] == 'z' && pct[2] == 'u';
		char num[24], *p = num + sizeof(num);
		size_t i;

		at = put(buf, at, size, fmt, (size_t)(pct - fmt));
		if (!*pct)
			break;
		fmt = pct + (idx ? 3 : 2);
		if (!a || (pct[1] != 's' && !idx) || (a->kind == PV_VPATH_INDEX) != idx) {
			at = put(buf, at, size, "?", 1);
		} else if (a->kind == PV_VPATH_PATH) {
			at = vpath_put(a->p, buf, at, size);
		} else if (a->kind == PV_VPATH_STR) {
			const char *str = a->s ? a->s : "(null)"; /* as glibc's printf */

			at = put(buf, at, size, str, strlen(str));
		} else {
			i = a->z;
			do
				*--p = (char)('0' + i % 10);
			while (i /= 10);
			at = put(buf, at, size, p, (size_t)(num + sizeof(num) - p));
		}
		if (!pct[1])
			break;
	}
	return at;
}

const char *pv_vpath_format(const struct pv_vpath *path, char *buf, size_t size)
{
	size_t at = 0;

	if (size == 0)
		return "";
	if (path)
		at = vpath_put(path, buf, 0, size);
	buf[at] = '\0';
	return buf;
}

void pv_validate_name_field(struct pv_vctx *v, const struct pv_str *s, const struct pv_vpath *path,
			    const char *(*check)(const char *))
{
	const char *why;

	if (!s->v)
		return;
	why = check(s->v);
	if (why)
		pv_verr(v, s->loc, path, "invalid value \"%.253s\": %s", s->v, why);
}

void pv_validate_port(struct pv_vctx *v, const struct pv_int *p, const struct pv_vpath *path,
		      bool zero_ok)
{
	if (!p->set || (zero_ok && p->v == 0))
		return;
	if (p->v < 1 || p->v > 65535)
		pv_verr(v, p->loc, path, "invalid value %lld: must be between 1 and 65535, inclusive",
			(long long)p->v);
}

void pv_validate_nonneg(struct pv_vctx *v, const struct pv_int *p, const struct pv_vpath *path)
{
	if (p->set && p->v < 0)
		pv_verr(v, p->loc, path, "invalid value %lld: must be greater than or equal to 0",
			(long long)p->v);
}

void pv_validate_qtymap(struct pv_vctx *v, const pv_qtymap *m, const struct pv_vpath *path)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pv_qkv *kv = &m->items[i];

		if (kv->val.q.negative)
			pv_verr(v, kv->val.loc, PV_VPATH("%s[%s]", path, kv->key),
				"invalid value \"%s\": must be greater than or equal to 0", kv->val.s);
	}
}

static void validate_strmap_keys(struct pv_vctx *v, const pv_strmap *m, const struct pv_vpath *path,
				 bool label_values)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pv_kv *kv = &m->items[i];
		const char *why = pv_check_qualified_name(kv->key);

		if (why)
			pv_verr(v, kv->kloc, PV_VPATH("%s[%s]", path, kv->key),
				"invalid key \"%.253s\": %s", kv->key, why);
		why = label_values ? pv_check_label_value(kv->value) : NULL;
		if (why)
			pv_verr(v, kv->vloc, PV_VPATH("%s[%s]", path, kv->key),
				"invalid label value \"%.64s\": %s", kv->value, why);
	}
}

void pv_validate_labels(struct pv_vctx *v, const struct pv_meta *m, const struct pv_vpath *path)
{
	size_t total = 0;

	validate_strmap_keys(v, &m->labels, PV_VPATH("%s.labels", path), true);
	validate_strmap_keys(v, &m->annotations, PV_VPATH("%s.annotations", path), false);
	for (size_t i = 0; i < m->annotations.n; i++)
		total += strlen(m->annotations.items[i].key) + strlen(m->annotations.items[i].value);
	if (total > 256 * 1024)
		pv_verr(v, m->annotations.loc, PV_VPATH("%s.annotations", path),
			"too long: must have at most 262144 bytes");
}

void pv_validate_objmeta(struct pv_vctx *v, const struct pv_objhead *h,
			 const char *(*name_check)(const char *))
{
	const struct pv_meta *m = &h->metadata;
	struct pv_loc at = m->hdr.set ? m->hdr.loc : h->hdr.loc;

	if (!m->name.v && m->generate_name.v)
		pv_verr(v, m->generate_name.loc, PV_VPATH("metadata.name"),
			"required: podvisor needs a fixed name (generateName is not supported)");
	else if (!m->name.v)
		pv_verr(v, at, PV_VPATH("metadata.name"), "required");
	pv_validate_name_field(v, &m->name, PV_VPATH("metadata.name"), name_check);
	if (m->namespace.v && !v->namespaced)
		pv_vwarn(v, m->namespace.loc, PV_VPATH("metadata.namespace"),
			 "this kind is not namespaced; ignored");
	else
		pv_validate_name_field(v, &m->namespace, PV_VPATH("metadata.namespace"),
				       pv_check_dns1123_label);
	pv_validate_labels(v, m, PV_VPATH("metadata"));
}

static void validate_requirement(struct pv_vctx *v, const struct pv_label_req *r,
				 const struct pv_vpath *path, bool node)
{
	const char *op = r->operator.v;
	bool in = op && (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0);
	bool exists = op && (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0);
	bool cmp = node && op && (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0);

	pv_validate_name_field(v, &r->key, PV_VPATH("%s.key", path), pv_check_qualified_name);
	if (!op)
		return;
	if (!in && !exists && !cmp)
		pv_verr(v, r->operator.loc, PV_VPATH("%s.operator", path),
			"unsupported value \"%s\": supported values: \"In\", \"NotIn\", \"Exists\", "
			"\"DoesNotExist\"%s", op, node ? ", \"Gt\", \"Lt\"" : "");
	else if (in && r->values.n == 0)
		pv_verr(v, r->hdr.loc, PV_VPATH("%s.values", path),
			"must be specified when operator is In or NotIn");
	else if (exists && r->values.n)
		pv_verr(v, r->values.loc, PV_VPATH("%s.values", path),
			"may not be specified when operator is Exists or DoesNotExist");
	else if (cmp && r->values.n != 1)
		pv_verr(v, r->hdr.loc, PV_VPATH("%s.values", path),
			"must have exactly one value when operator is Gt or Lt");
}

static bool req_matches(const struct pv_label_req *r, const pv_strmap *labels)
{
	const char *val = NULL;
	bool found = false;

	for (size_t i = 0; i < labels->n; i++) {
		if (strcmp(labels->items[i].key, r->key.v) == 0) {
			val = labels->items[i].value;
			found = true;
		}
	}
	if (strcmp(r->operator.v, "Exists") == 0)
		return found;
	if (strcmp(r->operator.v, "DoesNotExist") == 0)
		return !found;
	for (size_t i = 0; found && i < r->values.n; i++)
		if (strcmp(r->values.items[i].v, val) == 0)
			return strcmp(r->operator.v, "In") == 0;
	return strcmp(r->operator.v, "NotIn") == 0;
}

bool pv_selector_matches(const struct pv_label_selector *sel, const pv_strmap *labels)
{
	for (size_t i = 0; i < sel->match_labels.n; i++) {
		const struct pv_kv *want = &sel->match_labels.items[i];
		bool ok = false;

		for (size_t j = 0; j < labels->n; j++)
			if (strcmp(labels->items[j].key, want->key) == 0 &&
			    strcmp(labels->items[j].value, want->value) == 0)
				ok = true;
		if (!ok)
			return false;
	}
	for (size_t i = 0; i < sel->match_expressions.n; i++) {
		const struct pv_label_req *r = &sel->match_expressions.items[i];

		if (r->key.v && r->operator.v && !req_matches(r, labels))
			return false;
	}
	return true;
}

/* Point at the template label that conflicts, which is where the
 * mistake usually is. */
static void selector_mismatch(struct pv_vctx *v, const struct pv_label_selector *sel,
			      const struct pv_vpath *sel_path, const pv_strmap *labels,
			      struct pv_loc at)
{
	char path[1024];

	pv_vpath_format(sel_path, path, sizeof(path));
	for (size_t i = 0; i < sel->match_labels.n; i++) {
		const struct pv_kv *want = &sel->match_labels.items[i];
		const struct pv_kv *have = NULL;

		for (size_t j = 0; j < labels->n; j++)
			if (strcmp(labels->items[j].key, want->key) == 0)
				have = &labels->items[j];
		if (have && strcmp(have->value, want->value) == 0)
			continue;
		if (have)
			pv_verr(v, have->vloc, PV_VPATH("spec.template.metadata.labels[%s]",
							have->key),
				"\"%s\" does not match %s.matchLabels %s=%s; the selector must "
				"match the template's labels", have->value, path, want->key,
				want->value);
		else
			pv_verr(v, labels->set ? labels->loc : at,
				PV_VPATH("spec.template.metadata.labels"),
				"has no label %s=%s that %s.matchLabels requires", want->key,
				want->value, path);
		return;
	}
	pv_verr(v, at, PV_VPATH("spec.template.metadata.labels"),
		"do not match %s.matchExpressions; the selector must match the template's labels",
		path);
}

void pv_validate_selector(struct pv_vctx *v, const struct pv_label_selector *sel,
			  const struct pv_vpath *path, const pv_strmap *template_labels,
			  struct pv_loc template_loc, bool required)
{
	validate_strmap_keys(v, &sel->match_labels, PV_VPATH("%s.matchLabels", path), true);
	for (size_t i = 0; i < sel->match_expressions.n; i++)
		validate_requirement(v, &sel->match_expressions.items[i],
				     PV_VPATH("%s.matchExpressions[%zu]", path, i), false);
	if (required && sel->match_labels.n == 0 && sel->match_expressions.n == 0) {
		pv_verr(v, sel->hdr.set ? sel->hdr.loc : template_loc, path,
			"required: a non-empty selector (matchLabels or matchExpressions)");
		return;
	}
	if (template_labels && !pv_selector_matches(sel, template_labels))
		selector_mismatch(v, sel, path, template_labels, template_loc);
}

void pv_validate_node_selector_req(struct pv_vctx *v, const struct pv_label_req *r,
				   const struct pv_vpath *path)
{
	validate_requirement(v, r, path, true);
}
