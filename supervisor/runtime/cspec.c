#include "supervisor/runtime/cspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "manifests/manifest.h"
#include "supervisor/sandbox/caps.h"
#include "supervisor/source/desired.h"
#include "supervisor/runtime/downward.h"
#include "supervisor/image/image.h"

size_t pv_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void pv_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A growable NULL-terminated string vector. An environment built with
 * env_set also keeps an index of its names (open addressing, slot = entry
 * + 1, 0 empty): a pod beside 1,000 Services has 7,000 variables, and a
 * scan for each one made every container start take a quarter second. */
struct strv {
	char **v;
	size_t n, cap;
	bool oom;
	size_t *idx, idx_cap; /* idx_cap: a power of two, or 0 */
};

static void strv_push_owned(struct strv *s, char *str)
{
	if (!str || s->oom) {
		s->oom = true;
		free(str);
		return;
	}
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->oom = true;
			free(str);
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

static void strv_drop_index(struct strv *s)
{
	free(s->idx);
	s->idx = NULL;
	s->idx_cap = 0;
}

static char **strv_finish(struct strv *s)
{
	strv_drop_index(s);
	if (s->oom) {
		pv_strv_free(s->v);
		return NULL;
	}
	if (!s->v)
		s->v = calloc(1, sizeof(*s->v));
	return s->v;
}

static const char *env_lookup(char *const *env, const char *name, size_t len)
{
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

char *pv_expand_vars(const char *s, char *const *env)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	while (*s) {
		const char *close, *val;

		if (s[0] == '$' && s[1] == '$') {
			fputc('$', f);
			s += 2;
		} else if (s[0] == '$' && s[1] == '(' && (close = strchr(s + 2, ')')) &&
			   (val = env_lookup(env, s + 2, (size_t)(close - s - 2)))) {
			fputs(val, f);
			s = close + 1;
		} else {
			fputc(*s++, f);
		}
	}
	fclose(f);
	return out;
}

static size_t name_hash(const char *name, size_t len)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a (64-bit where size_t is 32) */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211u;
	return h;
}

/* The index slot of NAME in S: the one holding it, or the empty one where
 * it would go. S->idx must be there. */
static size_t *index_slot(const struct strv *s, const char *name, size_t len)
{
	size_t mask = s->idx_cap - 1;

	for (size_t i = name_hash(name, len) & mask;; i = (i + 1) & mask) {
		const char *e = s->idx[i] ? s->v[s->idx[i] - 1] : NULL;

		if (!e || (strncmp(e, name, len) == 0 && e[len] == '='))
			return &s->idx[i];
	}
}

/* Room in the index for one more name (at most half full); false when
 * out of memory. */
static bool index_reserve(struct strv *s)
{
	size_t cap = s->idx_cap ? s->idx_cap : 64;

	while (cap < 2 * (s->n + 1))
		cap *= 2;
	if (cap == s->idx_cap)
		return true;
	free(s->idx);
	if (!(s->idx = calloc(cap, sizeof(*s->idx)))) {
		s->idx_cap = 0;
		return false;
	}
	s->idx_cap = cap;
	for (size_t i = 0; i < s->n; i++)
		*index_slot(s, s->v[i], strcspn(s->v[i], "=")) = i + 1;
	return true;
}

/* Set NAME=VALUE in S, replacing an earlier NAME in its place. */
static void env_set(struct strv *s, const char *name, const char *value)
{
	size_t nl = strlen(name), *slot;
	char *kv = NULL;

	if (s->oom)
		return;
	if (!index_reserve(s) || asprintf(&kv, "%s=%s", name, value) < 0) {
		s->oom = true;
		return;
	}
	slot = index_slot(s, name, nl);
	if (*slot) {
		free(s->v[*slot - 1]);
		s->v[*slot - 1] = kv;
		return;
	}
	strv_push_owned(s, kv);
	if (!s->oom)
		*slot = s->n;
}

/* The value of a ConfigMap or Secret key; a Secret's is base64-decoded. */
static char *config_value(const struct pv_env_ctx *ctx, bool secret, const char *name,
			  const char *key, bool *found_obj)
{
	const struct pv_object *o = pv_desired_get(ctx->desired, secret ? PV_KIND_SECRET
									 : PV_KIND_CONFIGMAP,
						   ctx->pod->h.metadata.namespace.v, name, NULL);
	const pv_strmap *m;

	*found_obj = o != NULL;
	if (!o)
		return NULL;
	if (secret) {
		const struct pv_secret *s = (const struct pv_secret *)o->obj;

		for (size_t i = 0; i < s->string_data.n; i++)
			if (strcmp(s->string_data.items[i].key, key) == 0)
				return strdup(s->string_data.items[i].value);
		m = &s->data;
	} else {
		m = &((const struct pv_configmap *)o->obj)->data;
	}
	for (size_t i = 0; i < m->n; i++) {
		size_t len;

		if (strcmp(m->items[i].key, key) != 0)
			continue;
		if (!secret)
			return strdup(m->items[i].value);
		return (char *)pv_base64_decode(m->items[i].value, &len);
	}
	return NULL;
}

/* Every key of M as NAME (behind the prefix); a Secret's values looked
 * up again (decoded, stringData first). */
static int env_from_map(const struct pv_env_from *ef, const struct pv_env_ctx *ctx, bool secret,
			const char *obj, const pv_strmap *m, struct strv *s, struct pv_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		bool found;
		cleanup_free char *v = secret ? config_value(ctx, true, obj, m->items[i].key, &found)
					      : strdup(m->items[i].value);
		cleanup_free char *name = NULL;

		if (!v || asprintf(&name, "%s%s", ef->prefix.v ? ef->prefix.v : "",
				   m->items[i].key) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		env_set(s, name, v);
	}
	return 0;
}

static int env_from_source(const struct pv_env_from *ef, const struct pv_env_ctx *ctx,
			   struct strv *s, struct pv_err *err)
{
	bool secret = ef->secret_ref.hdr.set;
	const struct pv_ref_sel *ref = secret ? &ef->secret_ref : &ef->config_map_ref;
	const struct pv_object *o = pv_desired_get(ctx->desired, secret ? PV_KIND_SECRET
									 : PV_KIND_CONFIGMAP,
						   ctx->pod->h.metadata.namespace.v, ref->name.v, NULL);
	const pv_strmap *m;

	if (!o)
		return ref->optional.v ? 0 : pv_err_set(err, ENOENT, "%s \"%s\" not found",
						      secret ? "secret" : "configmap", ref->name.v);
	m = secret ? &((const struct pv_secret *)o->obj)->data
		   : &((const struct pv_configmap *)o->obj)->data;
	if (env_from_map(ef, ctx, secret, ref->name.v, m, s, err) < 0)
		return -1;
	/* a Secret's stringData: merged over its data by the API server */
	return secret ? env_from_map(ef, ctx, true, ref->name.v,
				     &((const struct pv_secret *)o->obj)->string_data, s, err) : 0;
}

static int env_var_value(const struct pv_env *e, const struct pv_env_ctx *ctx, const char *cname,
			 char *const *sofar, char **out, struct pv_err *err)
{
	const struct pv_env_source *src = &e->value_from;
	const struct pv_key_sel *ks = src->secret_key_ref.hdr.set ? &src->secret_key_ref
								   : &src->config_map_key_ref;
	struct pv_downward_ctx dw = { .pod = ctx->pod, .pod_uid = ctx->pod_uid,
				      .node_name = ctx->node_name, .pod_ip = ctx->pod_ip,
				      .host_ip = ctx->host_ip };
	bool found = false;

	*out = NULL;
	if (!src->hdr.set) {
		*out = pv_expand_vars(e->value.v ? e->value.v : "", sofar);
		return *out ? 0 : pv_err_set(err, ENOMEM, "out of memory");
	}
	if (src->field_ref.hdr.set)
		*out = pv_downward_field(&dw, src->field_ref.field_path.v, false, err);
	else if (src->resource_field_ref.hdr.set)
		*out = pv_downward_resource(&dw, &src->resource_field_ref, cname, err);
	if (src->field_ref.hdr.set || src->resource_field_ref.hdr.set)
		return *out ? 0 : pv_err_wrap(err, "env %s", e->name.v);
	*out = config_value(ctx, ks == &src->secret_key_ref, ks->name.v, ks->key.v, &found);
	if (*out || ks->optional.v)
		return 0;
	return pv_err_set(err, ENOENT, found ? "couldn't find key %s in %s \"%s\""
					     : "%2$s \"%3$s\" not found (for key %1$s)",
			  ks->key.v, ks == &src->secret_key_ref ? "Secret" : "ConfigMap", ks->name.v);
}

static int spec_env(const struct pv_container *c, const struct pv_env_ctx *ctx, struct strv *s,
		    struct pv_err *err)
{
	/* Services first (unless enableServiceLinks is false): the Pod's own
	 * variables override them, and $(VAR) may refer to them. */
	for (size_t i = 0; ctx->service_env && ctx->pod->spec.enable_service_links.v &&
			   ctx->service_env[i]; i++) {
		const char *kv = ctx->service_env[i], *eq = strchr(kv, '=');
		cleanup_free char *name = eq ? strndup(kv, (size_t)(eq - kv)) : NULL;

		if (name)
			env_set(s, name, eq + 1);
	}
	for (size_t i = 0; i < c->env_from.n; i++)
		if (env_from_source(&c->env_from.items[i], ctx, s, err) < 0)
			return -1;
	for (size_t i = 0; i < c->env.n; i++) {
		cleanup_free char *v = NULL;

		if (env_var_value(&c->env.items[i], ctx, c->name.v, s->v, &v, err) < 0)
			return -1;
		if (v)
			env_set(s, c->env.items[i].name.v, v);
	}
	return 0;
}

int pv_cspec_env(const struct pv_container *c, const struct pv_image_config *img,
		 const struct pv_env_ctx *ctx, char ***out, char ***spec_only,
		 struct pv_err *err)
{
	struct strv s = { 0 }, all = { 0 };

	*out = NULL;
	if (spec_env(c, ctx, &s, err) < 0)
		return strv_drop_index(&s), pv_strv_free(s.v), -1;
	for (size_t i = 0; img && i < img->n_env; i++) {
		const char *eq = strchr(img->env[i], '=');
		cleanup_free char *name = eq ? strndup(img->env[i], (size_t)(eq - img->env[i])) : NULL;

		if (name)
			env_set(&all, name, eq + 1);
	}
	for (size_t i = 0; i < s.n; i++) {
		const char *eq = strchr(s.v[i], '=');
		cleanup_free char *name = strndup(s.v[i], (size_t)(eq - s.v[i]));

		if (name)
			env_set(&all, name, eq + 1);
	}
	if (!env_lookup(all.v, "PATH", 4))
		env_set(&all, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!env_lookup(all.v, "HOSTNAME", 8))
		env_set(&all, "HOSTNAME", ctx->pod->spec.hostname.v ? ctx->pod->spec.hostname.v
								    : ctx->pod->h.metadata.name.v);
	*out = strv_finish(&all);
	if (spec_only)
		*spec_only = strv_finish(&s);
	else
		pv_strv_free(strv_finish(&s));
	if (!*out || (spec_only && !*spec_only)) {
		pv_strv_free(*out);
		*out = NULL;
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void push_expanded(struct strv *s, const pv_strlist *l, char *const *env)
{
	for (size_t i = 0; i < l->n; i++)
		strv_push_owned(s, pv_expand_vars(l->items[i].v, env));
}

static void push_copies(struct strv *s, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strv_push_owned(s, strdup(v[i]));
}

int pv_cspec_argv(const struct pv_container *c, const struct pv_image_config *img,
		  char *const *env, char ***out, struct pv_err *err)
{
	struct strv s = { 0 };

	if (c->command.n) {
		push_expanded(&s, &c->command, env);
		push_expanded(&s, &c->args, env);
	} else {
		if (img)
			push_copies(&s, img->entrypoint, img->n_entrypoint);
		if (c->args.n)
			push_expanded(&s, &c->args, env);
		else if (img)
			push_copies(&s, img->cmd, img->n_cmd);
	}
	*out = strv_finish(&s);
	if (!*out)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!(*out)[0]) {
		free(*out);
		*out = NULL;
		return pv_err_set(err, EINVAL, "no command specified: the image has no Entrypoint "
				  "or Cmd, and the container no command");
	}
	return 0;
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_security(struct json_object *o, const struct pv_cspec *s)
{
	struct json_object *g = json_object_new_array();

	json_object_object_add(o, "capabilities", json_object_new_uint64(s->caps));
	json_object_object_add(o, "noNewPrivs", json_object_new_boolean(s->no_new_privs));
	json_object_object_add(o, "privileged", json_object_new_boolean(s->privileged));
	json_object_object_add(o, "procUnmasked", json_object_new_boolean(s->proc_unmasked));
	for (size_t i = 0; g && i < s->ngroups; i++)
		json_object_array_add(g, json_object_new_int64(s->groups[i]));
	json_object_object_add(o, "supplementalGroups", g);
	json_object_object_add(o, "groupsStrict", json_object_new_boolean(s->groups_strict));
	json_object_object_add(o, "capsIfHeld", json_object_new_uint64(s->caps_if_held));
}

struct json_object *pv_cspec_to_json(const struct pv_cspec *s)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add_str(o, "podUID", s->pod_uid);
	add_str(o, "podNamespace", s->pod_ns);
	add_str(o, "podName", s->pod_name);
	add_str(o, "name", s->name);
	json_object_object_add(o, "initPid", json_object_new_int64(s->init_pid));
	json_object_object_add(o, "initStart", json_object_new_uint64(s->init_start));
	json_object_object_add(o, "argv", strv_json(s->argv));
	json_object_object_add(o, "env", strv_json(s->env));
	add_str(o, "cwd", s->cwd);
	add_str(o, "user", s->user);
	json_object_object_add(o, "layers", strv_json(s->layers));
	add_str(o, "dir", s->dir);
	add_str(o, "podDir", s->pod_dir);
	json_object_object_add(o, "logMax", json_object_new_int64(s->log_max));
	if (s->log_journald)
		json_object_object_add(o, "logJournald", json_object_new_boolean(true));
	json_object_object_add(o, "restart", json_object_new_int64(s->restart));
	json_object_object_add(o, "readOnlyRoot", json_object_new_boolean(s->read_only_root));
	add_str(o, "cgroup", s->cgroup);
	json_object_object_add(o, "memoryMax", json_object_new_int64(s->memory_max));
	json_object_object_add(o, "cpuMaxMilli", json_object_new_int64(s->cpu_max_milli));
	json_object_object_add(o, "cpuRequestMilli", json_object_new_int64(s->cpu_request_milli));
	if (s->nmounts) {
		struct json_object *a = json_object_new_array();

		for (size_t i = 0; i < s->nmounts; i++) {
			struct json_object *m = json_object_new_object();

			add_str(m, "source", s->mounts[i].source);
			add_str(m, "target", s->mounts[i].target);
			add_str(m, "subPath", s->mounts[i].sub_path);
			json_object_object_add(m, "readOnly", json_object_new_boolean(s->mounts[i].read_only));
			json_object_array_add(a, m);
		}
		json_object_object_add(o, "mounts", a);
	}
	add_security(o, s);
	if (s->userns_base)
		json_object_object_add(o, "usernsBase", json_object_new_int64(s->userns_base));
	json_object_object_add(o, "seccomp", s->seccomp ? json_object_get(s->seccomp)
			       : json_object_new_string("unconfined"));
	return o;
}


static char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

static char **get_strv(struct json_object *o, const char *k)
{
	struct json_object *a;
	struct strv s = { 0 };

	if (!json_object_object_get_ex(o, k, &a) || !json_object_is_type(a, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		strv_push_owned(&s, strdup(json_object_get_string(json_object_array_get_idx(a, i))));
	return strv_finish(&s);
}

static int64_t get_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static int get_mounts(struct json_object *j, struct pv_cspec *s)
{
	struct json_object *a, *v;
	size_t n;

	if (!json_object_object_get_ex(j, "mounts", &a) || !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	s->mounts = calloc(n ? n : 1, sizeof(*s->mounts));
	if (!s->mounts)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(a, i);
		struct pv_mount *mt = &s->mounts[s->nmounts++];

		mt->source = get_str(m, "source");
		mt->target = get_str(m, "target");
		mt->sub_path = get_str(m, "subPath");
		mt->read_only = json_object_object_get_ex(m, "readOnly", &v) && json_object_get_boolean(v);
		if (!mt->source || !mt->target)
			return -1;
	}
	return 0;
}

static bool get_bool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static int get_security(struct json_object *j, struct pv_cspec *s)
{
	struct json_object *v, *a;
	size_t n;

	s->caps_set = json_object_object_get_ex(j, "capabilities", &v);
	/* none (damaged or hand-written): the default set, never every root capability */
	s->caps = s->caps_set ? json_object_get_uint64(v) : PV_CAPS_DEFAULT;
	s->caps_if_held = json_object_object_get_ex(j, "capsIfHeld", &v) ?
			  json_object_get_uint64(v) : 0;
	s->no_new_privs = get_bool(j, "noNewPrivs");
	s->privileged = get_bool(j, "privileged");
	s->proc_unmasked = get_bool(j, "procUnmasked");
	s->groups_strict = get_bool(j, "groupsStrict");
	if (!json_object_object_get_ex(j, "supplementalGroups", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	if (!(s->groups = calloc(n ? n : 1, sizeof(*s->groups))))
		return -1;
	for (size_t i = 0; i < n; i++)
		s->groups[s->ngroups++] = json_object_get_int64(json_object_array_get_idx(a, i));
	return 0;
}

int pv_cspec_from_json(struct json_object *j, struct pv_cspec *s, struct pv_err *err)
{
	struct json_object *v;

	memset(s, 0, sizeof(*s));
	s->pod_uid = get_str(j, "podUID");
	s->pod_ns = get_str(j, "podNamespace");
	s->pod_name = get_str(j, "podName");
	s->name = get_str(j, "name");
	s->init_pid = (pid_t)get_int(j, "initPid");
	s->init_start = json_object_object_get_ex(j, "initStart", &v) ? json_object_get_uint64(v) : 0;
	s->argv = get_strv(j, "argv");
	s->env = get_strv(j, "env");
	s->cwd = get_str(j, "cwd");
	s->user = get_str(j, "user");
	s->layers = get_strv(j, "layers");
	s->dir = get_str(j, "dir");
	s->pod_dir = get_str(j, "podDir");
	s->log_max = get_int(j, "logMax");
	s->log_journald = json_object_object_get_ex(j, "logJournald", &v) &&
			  json_object_get_boolean(v);
	s->restart = get_int(j, "restart");
	s->read_only_root = json_object_object_get_ex(j, "readOnlyRoot", &v) &&
			    json_object_get_boolean(v);
	s->cgroup = get_str(j, "cgroup");
	s->memory_max = get_int(j, "memoryMax");
	s->cpu_max_milli = get_int(j, "cpuMaxMilli");
	s->cpu_request_milli = get_int(j, "cpuRequestMilli");
	s->userns_base = get_int(j, "usernsBase");
	if (json_object_object_get_ex(j, "seccomp", &v) && json_object_is_type(v, json_type_object))
		s->seccomp = json_object_get(v);
	if (!s->name || !s->argv || !s->argv[0] || !s->env || !s->layers || !s->dir || !s->pod_dir ||
	    s->init_pid <= 0 || get_mounts(j, s) < 0 || get_security(j, s) < 0)
		return pv_err_set(err, EINVAL, "container spec is incomplete");
	return 0;
}

void pv_cspec_free(struct pv_cspec *s)
{
	free(s->pod_uid);
	free(s->pod_ns);
	free(s->pod_name);
	free(s->name);
	pv_strv_free(s->argv);
	pv_strv_free(s->env);
	free(s->cwd);
	free(s->user);
	pv_strv_free(s->layers);
	free(s->dir);
	free(s->pod_dir);
	free(s->cgroup);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
		free(s->mounts[i].sub_path);
	}
	free(s->mounts);
	free(s->groups);
	json_object_put(s->seccomp);
	memset(s, 0, sizeof(*s));
}
