#include "supervisor/daemon/nodeconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "manifests/yamltree.h"
#include "supervisor/core/fsutil.h"

static const struct {
	const char *key, *option;
	bool list;
	bool map; /* KEY: VALUE pairs, each one option "KEY=VALUE" */
} keys[] = {
	{ "nodeName", "node-name", false, false },
	{ "nodeIP", "node-ip", false, false },
	{ "hostPathAllow", "host-path-allow", true, false },
	{ "localPathRoot", "local-path-root", false, false },
	{ "clusterDomain", "cluster-domain", false, false },
	{ "podCIDR", "pod-cidr", false, false },
	{ "serviceCIDR", "service-cidr", false, false },
	{ "nodePortRange", "node-port-range", false, false },
	{ "bridge", "bridge", false, false },
	{ "cgroupParent", "cgroup-parent", false, false },
	{ "logMaxBytes", "log-max-bytes", false, false },
	{ "logJournald", "log-journald", false, false },
	{ "nodeLabels", "node-label", false, true },
	{ "podSecurity", "pod-security", false, false },
	{ "usernsPool", "userns-pool", false, false },
	{ "manifestLinkAllow", "manifest-link-allow", true, false },
	{ "manifestMaxBytes", "manifest-max-bytes", false, false },
	{ "seccompProfileRoot", "seccomp-profile-root", false, false },
	{ "seccompDefault", "seccomp-default", false, false },
	{ "allowedUnsafeSysctls", "allowed-unsafe-sysctls", true, false },
	{ "podPidsLimit", "pod-pids-limit", false, false },
	{ "statusDir", "status-dir", false, false },
	{ "proxyMode", "proxy-mode", false, false },
	{ "registryCredentials", "registry-credentials", false, false },
	{ "imagePullBackoffBase", "image-pull-backoff-base", false, false },
	{ "imagesImport", "images-import", false, false },
};

static int add(struct pv_nodeconf *c, const char *option, const struct pv_node *v, const char *path,
	       struct pv_err *err)
{
	struct pv_nodeconf_item *items;

	if (v->type != PV_NODE_SCALAR || v->stype == PV_SCALAR_NULL)
		return pv_err_set(err, EINVAL, "%s:%u:%u: a value is needed here", path,
				  v->loc.line, v->loc.col);
	if (!(items = realloc(c->items, (c->n + 1) * sizeof(*items))))
		return pv_err_set(err, ENOMEM, "out of memory");
	c->items = items;
	items[c->n] = (struct pv_nodeconf_item){ .option = option, .value = strdup(v->str),
						 .line = v->loc.line, .col = v->loc.col };
	return items[c->n++].value ? 0 : pv_err_set(err, ENOMEM, "out of memory");
}

/* nodeLabels: {disk: ssd, zone: a}, each pair one "KEY=VALUE". */
static int add_pairs(struct pv_nodeconf *c, const char *option, const struct pv_node *v,
		     const char *path, struct pv_err *err)
{
	for (size_t j = 0; j < v->n; j++) {
		const struct pv_node *k = v->items[2 * j], *val = v->items[2 * j + 1];
		struct pv_node kv;
		cleanup_free char *s = NULL;

		if (k->type != PV_NODE_SCALAR || val->type != PV_NODE_SCALAR)
			return pv_err_set(err, EINVAL, "%s:%u:%u: a label is KEY: VALUE, two strings",
					  path, k->loc.line, k->loc.col);
		if (asprintf(&s, "%s=%s", k->str, val->stype == PV_SCALAR_NULL ? "" : val->str) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		kv = *k;
		kv.str = s;
		if (add(c, option, &kv, path, err) < 0)
			return -1;
	}
	return 0;
}

/* One "REGISTRY=MIRROR" per mirror of REGISTRY: a list, or k3s's
 * {endpoint: [...]}. */
static int add_mirrors(struct pv_nodeconf *c, const struct pv_node *reg, const struct pv_node *v,
		       const char *path, struct pv_err *err)
{
	if (v->type == PV_NODE_MAP && v->n == 1 && v->items[0]->type == PV_NODE_SCALAR &&
	    strcmp(v->items[0]->str, "endpoint") == 0)
		v = v->items[1];
	if (reg->type != PV_NODE_SCALAR || v->type != PV_NODE_SEQ)
		return pv_err_set(err, EINVAL, "%s:%u:%u: registries.mirrors: REGISTRY: [MIRROR, ...] "
				  "is expected", path, v->loc.line, v->loc.col);
	for (size_t j = 0; j < v->n; j++) {
		const struct pv_node *m = v->items[j];
		struct pv_node kv;
		cleanup_free char *s = NULL;

		if (m->type != PV_NODE_SCALAR)
			return pv_err_set(err, EINVAL, "%s:%u:%u: a mirror is a string", path,
					  m->loc.line, m->loc.col);
		if (asprintf(&s, "%s=%s", reg->str, m->str) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		kv = *m;
		kv.str = s;
		if (add(c, "registry-mirror", &kv, path, err) < 0)
			return -1;
	}
	return 0;
}

/* registries: {insecure: [HOST, ...], mirrors: {REGISTRY: [MIRROR, ...]}},
 * close to k3s's registries.yaml. */
static int add_registries(struct pv_nodeconf *c, const struct pv_node *v, const char *path,
			  struct pv_err *err)
{
	if (v->type != PV_NODE_MAP)
		return pv_err_set(err, EINVAL, "%s:%u:%u: registries takes a mapping: {insecure: "
				  "[HOST, ...], mirrors: {REGISTRY: [MIRROR, ...]}}", path,
				  v->loc.line, v->loc.col);
	for (size_t i = 0; i < v->n; i++) {
		const struct pv_node *k = v->items[2 * i], *val = v->items[2 * i + 1];
		bool insecure = k->type == PV_NODE_SCALAR && strcmp(k->str, "insecure") == 0;
		bool mirrors = k->type == PV_NODE_SCALAR && strcmp(k->str, "mirrors") == 0;

		if (insecure && val->type == PV_NODE_SEQ) {
			for (size_t j = 0; j < val->n; j++)
				if (add(c, "insecure-registry", val->items[j], path, err) < 0)
					return -1;
		} else if (mirrors && val->type == PV_NODE_MAP) {
			for (size_t j = 0; j < val->n; j++)
				if (add_mirrors(c, val->items[2 * j], val->items[2 * j + 1], path,
						err) < 0)
					return -1;
		} else {
			return pv_err_set(err, EINVAL, "%s:%u:%u: registries: %s", path, k->loc.line,
					  k->loc.col, insecure ? "insecure takes a list of HOST[:PORT]"
					  : mirrors ? "mirrors takes a mapping REGISTRY: [MIRROR, ...]"
					  : "the keys are insecure and mirrors");
		}
	}
	return 0;
}

static int pair(struct pv_nodeconf *c, const struct pv_node *k, const struct pv_node *v,
		const char *path, struct pv_err *err)
{
	if (k->type == PV_NODE_SCALAR && strcmp(k->str, "registries") == 0)
		return add_registries(c, v, path, err);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (k->type != PV_NODE_SCALAR || strcmp(k->str, keys[i].key) != 0)
			continue;
		if (keys[i].map != (v->type == PV_NODE_MAP))
			return pv_err_set(err, EINVAL, "%s:%u:%u: %s takes %s", path, v->loc.line,
					  v->loc.col, keys[i].key,
					  keys[i].map ? "a mapping of KEY: VALUE" : "no mapping");
		if (keys[i].map)
			return add_pairs(c, keys[i].option, v, path, err);
		if (v->type != PV_NODE_SEQ)
			return add(c, keys[i].option, v, path, err);
		if (!keys[i].list)
			return pv_err_set(err, EINVAL, "%s:%u:%u: %s takes one value, not a list",
					  path, v->loc.line, v->loc.col, keys[i].key);
		for (size_t j = 0; j < v->n; j++)
			if (add(c, keys[i].option, v->items[j], path, err) < 0)
				return -1;
		return 0;
	}
	return pv_err_set(err, EINVAL, "%s:%u:%u: unknown key \"%s\"; the keys are nodeName, nodeIP, "
			  "hostPathAllow, localPathRoot, clusterDomain, podCIDR, serviceCIDR, "
			  "nodePortRange, bridge, cgroupParent, logMaxBytes, logJournald, nodeLabels, podSecurity, "
			  "usernsPool, manifestLinkAllow, manifestMaxBytes, seccompProfileRoot, "
			  "seccompDefault, podPidsLimit, allowedUnsafeSysctls, statusDir, proxyMode, "
			  "registries, registryCredentials, imagePullBackoffBase, imagesImport", path, k->loc.line,
			  k->loc.col, k->type == PV_NODE_SCALAR ? k->str : "?");
}

int pv_nodeconf_parse(const char *buf, size_t len, const char *path, struct pv_nodeconf *out,
		      struct pv_err *err)
{
	struct pv_arena arena;
	struct pv_diags diags = { 0 };
	struct pv_yaml_docs docs = { 0 };
	const struct pv_node *root;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	pv_arena_init(&arena, 16 << 20);
	if (pv_yaml_parse(buf, len, &pv_yaml_default_limits, &arena, &arena, &docs, &diags) < 0) {
		const struct pv_diag *d = diags.n ? &diags.v[0] : NULL;

		rc = pv_err_set(err, EINVAL, "%s:%u:%u: %s", path, d ? d->loc.line : 0,
				d ? d->loc.col : 0, d ? d->msg : "not valid YAML");
	} else if (docs.n != 1 || (root = docs.roots[0])->type != PV_NODE_MAP) {
		rc = pv_err_set(err, EINVAL, "%s: one mapping of settings is expected "
				"(nodeName: ..., hostPathAllow: [...])", path);
	} else {
		for (size_t i = 0; rc == 0 && i < root->n; i++)
			rc = pair(out, root->items[2 * i], root->items[2 * i + 1], path, err);
	}
	pv_diags_free(&diags);
	pv_arena_free(&arena);
	if (rc < 0)
		pv_nodeconf_free(out);
	return rc;
}

int pv_nodeconf_load(const char *path, struct pv_nodeconf *out, struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (!(buf = pv_read_file(path, 1 << 20, &len, err)))
		return -1;
	return pv_nodeconf_parse(buf, len, path, out, err);
}

void pv_nodeconf_free(struct pv_nodeconf *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].value);
	free(c->items);
	memset(c, 0, sizeof(*c));
}
