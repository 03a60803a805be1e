/* Validation shared by every kind: metadata, labels, selectors, ports. */
#include "manifests/validate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "manifests/names.h"

static void vadd(struct pv_vctx *v, enum pv_severity sev, struct pv_loc loc, const char *path,
		 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vadd(struct pv_vctx *v, enum pv_severity sev, struct pv_loc loc, const char *path,
		 const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pv_diag_add(v->diags, sev, loc, path, "%s", msg);
	if (sev == PV_SEV_ERROR)
		v->errors++;
}

void pv_verr(struct pv_vctx *v, struct pv_loc loc, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(v, PV_SEV_ERROR, loc, path, fmt, ap);
	va_end(ap);
}

void pv_vwarn(struct pv_vctx *v, struct pv_loc loc, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(v, PV_SEV_WARNING, loc, path, fmt, ap);
	va_end(ap);
}

/* Whether FMT has no conversions but %s and %zu: the paths' formats. */
static bool vpath_simple(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
		if (p[1] == 's')
			p += 2;
		else if (p[1] == 'z' && p[2] == 'u')
			p += 3;
		else
			return false;
	}
	return true;
}

static size_t put(char *buf, size_t at, size_t size, const char *s, size_t len)
{
	if (len > size - 1 - at)
		len = size - 1 - at;
	memcpy(buf + at, s, len);
	return at + len;
}

/* vsnprintf for a simple FMT, without stdio's cost: paths are made for
 * every field validated, most never shown. Returns the length. */
static size_t vpath_format(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t at = 0;

	while (*fmt) {
		const char *pct = strchrnul(fmt, '%');
		char num[24], *p = num + sizeof(num);
		size_t i;

		at = put(buf, at, size, fmt, (size_t)(pct - fmt));
		if (!*pct)
			break;
		if (pct[1] == 's') {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)"; /* as glibc's printf */
			at = put(buf, at, size, str, strlen(str));
			fmt = pct + 2;
			continue;
		}
		i = va_arg(ap, size_t);
		do
			*--p = (char)('0' + i % 10);
		while (i /= 10);
		at = put(buf, at, size, p, (size_t)(num + sizeof(num) - p));
		fmt = pct + 3;
	}
	buf[at] = '\0';
	return at;
}

const char *pv_vpath(struct pv_vctx *v, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	const char *p;
	size_t len;

	va_start(ap, fmt);
	if (vpath_simple(fmt)) {
		len = vpath_format(buf, sizeof(buf), fmt, ap);
	} else {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		len = strlen(buf);
	}
	va_end(ap);
	p = pv_arena_strndup(v->arena, buf, len);
	return p ? p : "";
}

void pv_validate_name_field(struct pv_vctx *v, const struct pv_str *s, const char *path,
			    const char *(*check)(const char *))
{
	const char *why;

	if (!s->v)
		return;
	why = check(s->v);
	if (why)
		pv_verr(v, s->loc, path, "invalid value \"%.253s\": %s", s->v, why);
}

void pv_validate_port(struct pv_vctx *v, const struct pv_int *p, const char *path, bool zero_ok)
{
	if (!p->set || (zero_ok && p->v == 0))
		return;
	if (p->v < 1 || p->v > 65535)
		pv_verr(v, p->loc, path, "invalid value %lld: must be between 1 and 65535, inclusive",
			(long long)p->v);
}

void pv_validate_nonneg(struct pv_vctx *v, const struct pv_int *p, const char *path)
{
	if (p->set && p->v < 0)
		pv_verr(v, p->loc, path, "invalid value %lld: must be greater than or equal to 0",
			(long long)p->v);
}

void pv_validate_qtymap(struct pv_vctx *v, const pv_qtymap *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pv_qkv *kv = &m->items[i];

		if (kv->val.q.negative)
			pv_verr(v, kv->val.loc, pv_vpath(v, "%s[%s]", path, kv->key),
				"invalid value \"%s\": must be greater than or equal to 0", kv->val.s);
	}
}

static void validate_strmap_keys(struct pv_vctx *v, const pv_strmap *m, const char *path,
				 bool label_values)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pv_kv *kv = &m->items[i];
		const char *why = pv_check_qualified_name(kv->key);

		if (why)
			pv_verr(v, kv->kloc, pv_vpath(v, "%s[%s]", path, kv->key),
				"invalid key \"%.253s\": %s", kv->key, why);
		why = label_values ? pv_check_label_value(kv->value) : NULL;
		if (why)
			pv_verr(v, kv->vloc, pv_vpath(v, "%s[%s]", path, kv->key),
				"invalid label value \"%.64s\": %s", kv->value, why);
	}
}

void pv_validate_labels(struct pv_vctx *v, const struct pv_meta *m, const char *path)
{
	size_t total = 0;

	validate_strmap_keys(v, &m->labels, pv_vpath(v, "%s.labels", path), true);
	validate_strmap_keys(v, &m->annotations, pv_vpath(v, "%s.annotations", path), false);
	for (size_t i = 0; i < m->annotations.n; i++)
		total += strlen(m->annotations.items[i].key) + strlen(m->annotations.items[i].value);
	if (total > 256 * 1024)
		pv_verr(v, m->annotations.loc, pv_vpath(v, "%s.annotations", path),
			"too long: must have at most 262144 bytes");
}

void pv_validate_objmeta(struct pv_vctx *v, const struct pv_objhead *h,
			 const char *(*name_check)(const char *))
{
	const struct pv_meta *m = &h->metadata;
	struct pv_loc at = m->hdr.set ? m->hdr.loc : h->hdr.loc;

	if (!m->name.v && m->generate_name.v)
		pv_verr(v, m->generate_name.loc, "metadata.name",
			"required: podvisor needs a fixed name (generateName is not supported)");
	else if (!m->name.v)
		pv_verr(v, at, "metadata.name", "required");
	pv_validate_name_field(v, &m->name, "metadata.name", name_check);
	if (m->namespace.v && !v->namespaced)
		pv_vwarn(v, m->namespace.loc, "metadata.namespace",
			 "this kind is not namespaced; ignored");
	else
		pv_validate_name_field(v, &m->namespace, "metadata.namespace",
				       pv_check_dns1123_label);
	pv_validate_labels(v, m, "metadata");
}

static void validate_requirement(struct pv_vctx *v, const struct pv_label_req *r,
				 const char *path, bool node)
{
	const char *op = r->operator.v;
	bool in = op && (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0);
	bool exists = op && (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0);
	bool cmp = node && op && (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0);

	pv_validate_name_field(v, &r->key, pv_vpath(v, "%s.key", path), pv_check_qualified_name);
	if (!op)
		return;
	if (!in && !exists && !cmp)
		pv_verr(v, r->operator.loc, pv_vpath(v, "%s.operator", path),
			"unsupported value \"%s\": supported values: \"In\", \"NotIn\", \"Exists\", "
			"\"DoesNotExist\"%s", op, node ? ", \"Gt\", \"Lt\"" : "");
	else if (in && r->values.n == 0)
		pv_verr(v, r->hdr.loc, pv_vpath(v, "%s.values", path),
			"must be specified when operator is In or NotIn");
	else if (exists && r->values.n)
		pv_verr(v, r->values.loc, pv_vpath(v, "%s.values", path),
			"may not be specified when operator is Exists or DoesNotExist");
	else if (cmp && r->values.n != 1)
		pv_verr(v, r->hdr.loc, pv_vpath(v, "%s.values", path),
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
			      const char *path, const pv_strmap *labels, struct pv_loc at)
{
	for (size_t i = 0; i < sel->match_labels.n; i++) {
		const struct pv_kv *want = &sel->match_labels.items[i];
		const struct pv_kv *have = NULL;

		for (size_t j = 0; j < labels->n; j++)
			if (strcmp(labels->items[j].key, want->key) == 0)
				have = &labels->items[j];
		if (have && strcmp(have->value, want->value) == 0)
			continue;
		if (have)
			pv_verr(v, have->vloc, pv_vpath(v, "spec.template.metadata.labels[%s]", have->key),
				"\"%s\" does not match %s.matchLabels %s=%s; the selector must "
				"match the template's labels", have->value, path, want->key,
				want->value);
		else
			pv_verr(v, labels->set ? labels->loc : at, "spec.template.metadata.labels",
				"has no label %s=%s that %s.matchLabels requires", want->key,
				want->value, path);
		return;
	}
	pv_verr(v, at, "spec.template.metadata.labels",
		"do not match %s.matchExpressions; the selector must match the template's labels",
		path);
}

void pv_validate_selector(struct pv_vctx *v, const struct pv_label_selector *sel,
			  const char *path, const pv_strmap *template_labels,
			  struct pv_loc template_loc, bool required)
{
	validate_strmap_keys(v, &sel->match_labels, pv_vpath(v, "%s.matchLabels", path), true);
	for (size_t i = 0; i < sel->match_expressions.n; i++)
		validate_requirement(v, &sel->match_expressions.items[i],
				     pv_vpath(v, "%s.matchExpressions[%zu]", path, i), false);
	if (required && sel->match_labels.n == 0 && sel->match_expressions.n == 0) {
		pv_verr(v, sel->hdr.set ? sel->hdr.loc : template_loc, path,
			"required: a non-empty selector (matchLabels or matchExpressions)");
		return;
	}
	if (template_labels && !pv_selector_matches(sel, template_labels))
		selector_mismatch(v, sel, path, template_labels, template_loc);
}

void pv_validate_node_selector_req(struct pv_vctx *v, const struct pv_label_req *r,
				   const char *path)
{
	validate_requirement(v, r, path, true);
}
