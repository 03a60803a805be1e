#include "supervisor/runtime/downward.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/manifest.h"

/* Go's %q of S, well enough for label and annotation values. */
static void put_quoted(FILE *f, const char *s)
{
	static const char esc[] = "\a\b\f\n\r\t\v", letter[] = "abfnrtv";

	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		const char *e = ch ? strchr(esc, ch) : NULL;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (e)
			fprintf(f, "\\%c", letter[e - esc]);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct pv_kv *const *)a)->key, (*(const struct pv_kv *const *)b)->key);
}

/* kubelet's fieldpath.FormatMap: key="value" lines, sorted by key. */
static char *format_map(const pv_strmap *m)
{
	cleanup_free const struct pv_kv **v = calloc(m->n + 1, sizeof(*v));
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!v || !(f = open_memstream(&out, &len)))
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		v[i] = &m->items[i];
	qsort(v, m->n, sizeof(*v), kv_cmp);
	for (size_t i = 0; i < m->n; i++) {
		fprintf(f, "%s=", v[i]->key);
		put_quoted(f, v[i]->value);
		fputc('\n', f);
	}
	fclose(f);
	return out;
}

/* metadata.labels['KEY'] and the like: KEY, or NULL when PATH is not of
 * that form for PREFIX. */
static char *subscript(const char *path, const char *prefix)
{
	size_t pl = strlen(prefix), n = strlen(path);

	if (strncmp(path, prefix, pl) != 0 || n < pl + 2 || strcmp(path + n - 2, "']") != 0)
		return NULL;
	return strndup(path + pl, n - pl - 2);
}

static const char *map_get(const pv_strmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return m->items[i].value;
	return "";
}

static const char *simple_field(const struct pv_downward_ctx *ctx, const char *path)
{
	const struct pv_pod *pod = ctx->pod;
	const char *sa = pod->spec.service_account_name.v;

	if (strcmp(path, "metadata.name") == 0)
		return pod->h.metadata.name.v;
	if (strcmp(path, "metadata.namespace") == 0)
		return pod->h.metadata.namespace.v;
	if (strcmp(path, "metadata.uid") == 0)
		return ctx->pod_uid;
	if (strcmp(path, "spec.nodeName") == 0)
		return ctx->node_name;
	if (strcmp(path, "spec.serviceAccountName") == 0)
		return sa ? sa : "default";
	if (strcmp(path, "status.hostIP") == 0 || strcmp(path, "status.hostIPs") == 0)
		return ctx->host_ip ? ctx->host_ip : "";
	if (strcmp(path, "status.podIP") == 0 || strcmp(path, "status.podIPs") == 0)
		return ctx->pod_ip ? ctx->pod_ip : "";
	return NULL;
}

char *pv_downward_field(const struct pv_downward_ctx *ctx, const char *path, bool volume,
			struct pv_err *err)
{
	const struct pv_meta *m = &ctx->pod->h.metadata;
	const char *v = simple_field(ctx, path);
	cleanup_free char *key = NULL;
	char *out;

	if (v)
		out = strdup(v);
	else if ((key = subscript(path, "metadata.labels['")))
		out = strdup(map_get(&m->labels, key));
	else if ((key = subscript(path, "metadata.annotations['")))
		out = strdup(map_get(&m->annotations, key));
	else if (volume && strcmp(path, "metadata.labels") == 0)
		out = format_map(&m->labels);
	else if (volume && strcmp(path, "metadata.annotations") == 0)
		out = format_map(&m->annotations);
	else
		return pv_err_set(err, EINVAL, "unsupported fieldPath \"%s\"", path), NULL;
	if (!out)
		pv_err_set(err, ENOMEM, "out of memory");
	return out;
}

static const struct pv_container *find_container(const struct pv_pod_spec *s, const char *name)
{
	for (size_t i = 0; i < s->containers.n; i++)
		if (strcmp(s->containers.items[i].name.v, name) == 0)
			return &s->containers.items[i];
	for (size_t i = 0; i < s->init_containers.n; i++)
		if (strcmp(s->init_containers.items[i].name.v, name) == 0)
			return &s->init_containers.items[i];
	return NULL;
}

/* The node's allocatable amount of RES, as kubelet fills unset limits. */
static struct pv_qty node_allocatable(const char *res)
{
	struct pv_qty q = { 0 };
	struct statvfs sv;

	if (strcmp(res, "cpu") == 0) {
		q.value = sysconf(_SC_NPROCESSORS_ONLN);
		q.milli = q.value * 1000;
	} else if (strcmp(res, "memory") == 0) {
		q.value = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
		q.milli = q.value * 1000;
	} else if (strcmp(res, "ephemeral-storage") == 0 && statvfs("/", &sv) == 0) {
		q.value = (int64_t)(sv.f_blocks * sv.f_frsize);
		q.milli = q.value * 1000;
	}
	return q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return b <= 0 ? a : a / b + (a % b != 0);
}

char *pv_downward_resource(const struct pv_downward_ctx *ctx,
			   const struct pv_resource_field_sel *sel, const char *container,
			   struct pv_err *err)
{
	const char *name = sel->container_name.v ? sel->container_name.v : container;
	const struct pv_container *c = name ? find_container(&ctx->pod->spec, name) : NULL;
	const char *res = sel->resource.v, *dot = res ? strchr(res, '.') : NULL;
	struct pv_qty one = { .value = 1, .milli = 1000 }, val = { 0 };
	const struct pv_qty *div = sel->divisor.s && !sel->divisor.invalid ? &sel->divisor.q : &one;
	const struct pv_qtyval *q;
	bool limit = res && strncmp(res, "limits.", 7) == 0;
	char *out = NULL;

	if (!c)
		return pv_err_set(err, EINVAL, "resourceFieldRef: no container \"%s\"",
				  name ? name : ""), NULL;
	if (!dot || (!limit && strncmp(res, "requests.", 9) != 0))
		return pv_err_set(err, EINVAL, "unsupported resource \"%s\"", res ? res : ""), NULL;
	q = pv_qtymap_get(limit ? &c->resources.limits : &c->resources.requests, dot + 1);
	if (q)
		val = q->q;
	else if (limit)
		val = node_allocatable(dot + 1);
	if (div->value == 0 && div->milli == 0)
		div = &one;
	if (strcmp(dot + 1, "cpu") == 0)
		val.value = ceil_div(val.milli, div->milli);
	else
		val.value = ceil_div(val.value, div->value);
	if (asprintf(&out, "%lld", (long long)val.value) < 0)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	return out;
}
