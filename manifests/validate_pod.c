/* Validation of pod specs: containers, probes, volumes, scheduling. */
#include "manifests/validate.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "manifests/names.h"
#include "manifests/signals.h"

static void validate_rel_path(struct pv_vctx *v, const struct pv_str *s,
			      const struct pv_vpath *path)
{
	const char *p = s->v;

	if (!p)
		return;
	if (p[0] == '/')
		pv_verr(v, s->loc, path, "must be a relative path");
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			pv_verr(v, s->loc, path, "must not contain '..'");
}

static void validate_mode(struct pv_vctx *v, const struct pv_int *m, const struct pv_vpath *path)
{
	if (m->set && (m->v < 0 || m->v > 0777))
		pv_verr(v, m->loc, path, "invalid value %lld: must be a number between 0 and 0777 "
			"(octal), both inclusive", (long long)m->v);
}

static void validate_probe_port(struct pv_vctx *v, const struct pv_intstr *p,
				const struct pv_vpath *path)
{
	const char *why;

	if (!p->set)
		return;
	if (p->is_str) {
		why = pv_check_port_name(p->s);
		if (why)
			pv_verr(v, p->loc, path, "invalid port name \"%.64s\": %s", p->s, why);
	} else if (p->i < 1 || p->i > 65535) {
		pv_verr(v, p->loc, path, "invalid value %lld: must be between 1 and 65535, inclusive",
			(long long)p->i);
	}
}

static int handler_count(const struct pv_exec_action *e, const struct pv_http_get *h,
			 const struct pv_tcp_socket *t, bool other)
{
	return (int)e->hdr.set + (int)h->hdr.set + (int)t->hdr.set + (int)other;
}

static void validate_actions(struct pv_vctx *v, const struct pv_http_get *h,
			     const struct pv_tcp_socket *t, const struct pv_vpath *path)
{
	validate_probe_port(v, &h->port, PV_VPATH("%s.httpGet.port", path));
	validate_probe_port(v, &t->port, PV_VPATH("%s.tcpSocket.port", path));
}

static void validate_probe(struct pv_vctx *v, const struct pv_probe *p, const struct pv_vpath *path,
			   bool readiness)
{
	const struct pv_int *ge1[] = { &p->timeout_seconds, &p->period_seconds,
				       &p->success_threshold, &p->failure_threshold };
	static const char *const ge1_names[] = { "timeoutSeconds", "periodSeconds",
						 "successThreshold", "failureThreshold" };

	if (!p->hdr.set)
		return;
	if (handler_count(&p->exec, &p->http_get, &p->tcp_socket, p->grpc.hdr.set) != 1)
		pv_verr(v, p->hdr.loc, path,
			"must specify exactly one handler: exec, httpGet, tcpSocket or grpc");
	validate_actions(v, &p->http_get, &p->tcp_socket, path);
	pv_validate_nonneg(v, &p->initial_delay_seconds,
			   PV_VPATH("%s.initialDelaySeconds", path));
	for (size_t i = 0; i < 4; i++)
		if (ge1[i]->set && ge1[i]->v < 1)
			pv_verr(v, ge1[i]->loc, PV_VPATH("%s.%s", path, ge1_names[i]),
				"invalid value %lld: must be greater than or equal to 1",
				(long long)ge1[i]->v);
	if (!readiness && p->success_threshold.set && p->success_threshold.v != 1)
		pv_verr(v, p->success_threshold.loc, PV_VPATH("%s.successThreshold", path),
			"must be 1 for liveness and startup probes");
}

static void validate_handler(struct pv_vctx *v, const struct pv_handler *h,
			     const struct pv_vpath *path)
{
	if (!h->hdr.set)
		return;
	if (handler_count(&h->exec, &h->http_get, &h->tcp_socket, h->sleep.hdr.set) != 1)
		pv_verr(v, h->hdr.loc, path,
			"must specify exactly one handler: exec, httpGet, tcpSocket or sleep");
	validate_actions(v, &h->http_get, &h->tcp_socket, path);
}

static void validate_env(struct pv_vctx *v, const struct pv_env *e, const struct pv_vpath *path)
{
	const struct pv_env_source *s = &e->value_from;
	int n = (int)s->field_ref.hdr.set + (int)s->resource_field_ref.hdr.set +
		(int)s->config_map_key_ref.hdr.set + (int)s->secret_key_ref.hdr.set;

	pv_validate_name_field(v, &e->name, PV_VPATH("%s.name", path), pv_check_env_var_name);
	if (s->hdr.set && e->value.v && e->value.v[0])
		pv_verr(v, s->hdr.loc, PV_VPATH("%s.valueFrom", path),
			"may not be specified when value is not empty");
	if (s->hdr.set && n != 1)
		pv_verr(v, s->hdr.loc, PV_VPATH("%s.valueFrom", path),
			"must specify exactly one of fieldRef, resourceFieldRef, configMapKeyRef "
			"or secretKeyRef");
	pv_validate_name_field(v, &s->config_map_key_ref.key,
			       PV_VPATH("%s.valueFrom.configMapKeyRef.key", path),
			       pv_check_config_key);
	pv_validate_name_field(v, &s->secret_key_ref.key,
			       PV_VPATH("%s.valueFrom.secretKeyRef.key", path),
			       pv_check_config_key);
}

static void validate_env_from(struct pv_vctx *v, const struct pv_env_from *e,
			      const struct pv_vpath *path)
{
	if ((int)e->config_map_ref.hdr.set + (int)e->secret_ref.hdr.set != 1)
		pv_verr(v, e->hdr.loc, path, "must specify exactly one of configMapRef or secretRef");
}

static void validate_ports(struct pv_vctx *v, const struct pv_container *c,
			   const struct pv_vpath *path,
			   bool host_network)
{
	for (size_t i = 0; i < c->ports.n; i++) {
		const struct pv_container_port *p = &c->ports.items[i];
		const struct pv_vpath *pp = PV_VPATH("%s.ports[%zu]", path, i);

		pv_validate_port(v, &p->container_port, PV_VPATH("%s.containerPort", pp), false);
		pv_validate_port(v, &p->host_port, PV_VPATH("%s.hostPort", pp), true);
		pv_validate_name_field(v, &p->name, PV_VPATH("%s.name", pp), pv_check_port_name);
		if (host_network && p->host_port.set && p->container_port.set &&
		    p->host_port.v != p->container_port.v)
			pv_verr(v, p->host_port.loc, PV_VPATH("%s.hostPort", pp),
				"must match containerPort when hostNetwork is true");
		for (size_t j = 0; p->name.v && j < i; j++)
			if (c->ports.items[j].name.v && strcmp(c->ports.items[j].name.v, p->name.v) == 0)
				pv_verr(v, p->name.loc, PV_VPATH("%s.name", pp),
					"duplicate port name \"%s\"", p->name.v);
	}
}

static bool volume_exists(const struct pv_vctx *v, const struct pv_pod_spec *s, const char *name)
{
	for (size_t i = 0; i < v->nclaims; i++)
		if (v->claims[i].h.metadata.name.v && strcmp(v->claims[i].h.metadata.name.v, name) == 0)
			return true;
	for (size_t i = 0; i < s->volumes.n; i++)
		if (s->volumes.items[i].name.v && strcmp(s->volumes.items[i].name.v, name) == 0)
			return true;
	return false;
}

static void validate_mounts(struct pv_vctx *v, const struct pv_pod_spec *s,
			    const struct pv_container *c, const struct pv_vpath *path)
{
	for (size_t i = 0; i < c->volume_mounts.n; i++) {
		const struct pv_volume_mount *m = &c->volume_mounts.items[i];
		const struct pv_vpath *mp = PV_VPATH("%s.volumeMounts[%zu]", path, i);

		if (m->name.v && !volume_exists(v, s, m->name.v))
			pv_verr(v, m->name.loc, PV_VPATH("%s.name", mp),
				"not found: no volume named \"%s\" in spec.volumes%s", m->name.v,
				v->claims ? " or spec.volumeClaimTemplates" : "");
		validate_rel_path(v, &m->sub_path, PV_VPATH("%s.subPath", mp));
		for (size_t j = 0; m->mount_path.v && j < i; j++)
			if (c->volume_mounts.items[j].mount_path.v &&
			    strcmp(c->volume_mounts.items[j].mount_path.v, m->mount_path.v) == 0)
				pv_verr(v, m->mount_path.loc, PV_VPATH("%s.mountPath", mp),
					"must be unique: \"%s\" is mounted twice", m->mount_path.v);
	}
}

static const struct pv_qkv *qty_find(const pv_qtymap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return &m->items[i];
	return NULL;
}

static void validate_resources(struct pv_vctx *v, const struct pv_resources *r,
			       const struct pv_vpath *path)
{
	pv_validate_qtymap(v, &r->limits, PV_VPATH("%s.limits", path));
	pv_validate_qtymap(v, &r->requests, PV_VPATH("%s.requests", path));
	for (size_t i = 0; i < r->requests.n; i++) {
		const struct pv_qkv *req = &r->requests.items[i];
		const struct pv_qkv *lim = qty_find(&r->limits, req->key);

		if (lim && !lim->val.invalid && !req->val.invalid &&
		    req->val.q.milli > lim->val.q.milli)
			pv_verr(v, req->val.loc, PV_VPATH("%s.requests[%s]", path, req->key),
				"invalid value \"%s\": must be less than or equal to %s limit %s",
				req->val.s, req->key, lim->val.s);
	}
}

static void validate_container(struct pv_vctx *v, const struct pv_pod_spec *s,
			       const struct pv_container *c, const struct pv_vpath *path, bool init)
{
	bool sidecar = init && c->restart_policy.v;

	pv_validate_name_field(v, &c->name, PV_VPATH("%s.name", path), pv_check_dns1123_label);
	if (c->image.v && !c->image.v[0])
		pv_verr(v, c->image.loc, PV_VPATH("%s.image", path), "required: must not be empty");
	validate_ports(v, c, path, s->host_network.v);
	for (size_t i = 0; i < c->env.n; i++)
		validate_env(v, &c->env.items[i], PV_VPATH("%s.env[%zu]", path, i));
	for (size_t i = 0; i < c->env_from.n; i++)
		validate_env_from(v, &c->env_from.items[i], PV_VPATH("%s.envFrom[%zu]", path, i));
	validate_mounts(v, s, c, path);
	validate_resources(v, &c->resources, PV_VPATH("%s.resources", path));
	validate_probe(v, &c->liveness_probe, PV_VPATH("%s.livenessProbe", path), false);
	validate_probe(v, &c->readiness_probe, PV_VPATH("%s.readinessProbe", path), true);
	validate_probe(v, &c->startup_probe, PV_VPATH("%s.startupProbe", path), false);
	validate_handler(v, &c->lifecycle.post_start, PV_VPATH("%s.lifecycle.postStart", path));
	validate_handler(v, &c->lifecycle.pre_stop, PV_VPATH("%s.lifecycle.preStop", path));
	if (c->lifecycle.stop_signal.v && pv_signal_number(c->lifecycle.stop_signal.v, false) < 0)
		pv_verr(v, c->lifecycle.stop_signal.loc, PV_VPATH("%s.lifecycle.stopSignal", path),
			"unsupported value \"%s\": a signal name as Kubernetes takes it (SIGTERM, "
			"SIGINT, SIGQUIT, SIGUSR1, SIGRTMIN+3, ...)", c->lifecycle.stop_signal.v);
	if (init && !sidecar && (c->liveness_probe.hdr.set || c->readiness_probe.hdr.set ||
				 c->startup_probe.hdr.set || c->lifecycle.hdr.set))
		pv_verr(v, c->hdr.loc, path, "init containers may not have probes or lifecycle "
			"hooks (unless restartPolicy: Always makes them sidecars)");
	pv_validate_nonneg(v, &c->security_context.run_as_user,
			   PV_VPATH("%s.securityContext.runAsUser", path));
}

/* Container names are unique across containers and init containers. */
static void validate_container_names(struct pv_vctx *v, const struct pv_pod_spec *s,
				     const struct pv_vpath *path)
{
	size_t n = s->init_containers.n + s->containers.n;

	for (size_t i = 1; i < n; i++) {
		bool ii = i < s->init_containers.n;
		const struct pv_container *c = ii ? &s->init_containers.items[i]
						  : &s->containers.items[i - s->init_containers.n];

		for (size_t j = 0; c->name.v && j < i; j++) {
			const struct pv_container *o = j < s->init_containers.n
				? &s->init_containers.items[j]
				: &s->containers.items[j - s->init_containers.n];

			if (o->name.v && strcmp(o->name.v, c->name.v) == 0) {
				pv_verr(v, c->name.loc, PV_VPATH("%s.%s[%zu].name", path,
								 ii ? "initContainers" : "containers",
								 ii ? i : i - s->init_containers.n),
					"duplicate container name \"%s\" (first at line %u)", c->name.v,
					o->name.loc.line);
				break;
			}
		}
	}
}

static void validate_items(struct pv_vctx *v, const struct pv_key_to_path *items, size_t n,
			   const struct pv_vpath *path)
{
	for (size_t i = 0; i < n; i++) {
		const struct pv_vpath *ip = PV_VPATH("%s.items[%zu]", path, i);

		pv_validate_name_field(v, &items[i].key, PV_VPATH("%s.key", ip),
				       pv_check_config_key);
		validate_rel_path(v, &items[i].path, PV_VPATH("%s.path", ip));
		validate_mode(v, &items[i].mode, PV_VPATH("%s.mode", ip));
	}
}

static int volume_sources(const struct pv_volume *vol)
{
	return (int)vol->host_path.hdr.set + (int)vol->empty_dir.hdr.set +
	       (int)vol->config_map.hdr.set + (int)vol->secret.hdr.set +
	       (int)vol->persistent_volume_claim.hdr.set + (int)vol->downward_api.hdr.set +
	       (int)vol->projected.hdr.set + (int)(vol->unsupported.v != NULL);
}

static void validate_volume(struct pv_vctx *v, const struct pv_volume *vol,
			    const struct pv_vpath *path)
{
	int n = volume_sources(vol);

	pv_validate_name_field(v, &vol->name, PV_VPATH("%s.name", path), pv_check_dns1123_label);
	if (n == 0)
		pv_verr(v, vol->hdr.loc, path, "must specify a volume source (hostPath, emptyDir, "
			"configMap, secret, persistentVolumeClaim, downwardAPI or projected)");
	else if (n > 1)
		pv_verr(v, vol->hdr.loc, path, "may not specify more than one volume source");
	if (vol->empty_dir.size_limit.s && vol->empty_dir.size_limit.q.negative)
		pv_verr(v, vol->empty_dir.size_limit.loc, PV_VPATH("%s.emptyDir.sizeLimit", path),
			"must be greater than or equal to 0");
	validate_items(v, vol->config_map.items.items, vol->config_map.items.n,
		       PV_VPATH("%s.configMap", path));
	validate_items(v, vol->secret.items.items, vol->secret.items.n,
		       PV_VPATH("%s.secret", path));
	validate_mode(v, &vol->config_map.default_mode, PV_VPATH("%s.configMap.defaultMode", path));
	validate_mode(v, &vol->secret.default_mode, PV_VPATH("%s.secret.defaultMode", path));
	validate_mode(v, &vol->downward_api.default_mode,
		      PV_VPATH("%s.downwardAPI.defaultMode", path));
	validate_mode(v, &vol->projected.default_mode, PV_VPATH("%s.projected.defaultMode", path));
	for (size_t i = 0; i < vol->downward_api.items.n; i++)
		validate_rel_path(v, &vol->downward_api.items.items[i].path,
				  PV_VPATH("%s.downwardAPI.items[%zu].path", path, i));
}

static void validate_volumes(struct pv_vctx *v, const struct pv_pod_spec *s,
			     const struct pv_vpath *path)
{
	for (size_t i = 0; i < s->volumes.n; i++) {
		const struct pv_volume *vol = &s->volumes.items[i];
		const struct pv_vpath *vp = PV_VPATH("%s.volumes[%zu]", path, i);

		validate_volume(v, vol, vp);
		for (size_t j = 0; vol->name.v && j < i; j++)
			if (s->volumes.items[j].name.v && strcmp(s->volumes.items[j].name.v, vol->name.v) == 0)
				pv_verr(v, vol->name.loc, PV_VPATH("%s.name", vp),
					"duplicate volume name \"%s\"", vol->name.v);
	}
}

static void validate_affinity(struct pv_vctx *v, const struct pv_pod_spec *s,
			      const struct pv_vpath *path)
{
	const struct pv_node_selector *ns = &s->affinity.node_affinity.required;

	for (size_t i = 0; i < ns->node_selector_terms.n; i++) {
		const struct pv_node_selector_term *t = &ns->node_selector_terms.items[i];

		for (size_t j = 0; j < t->match_expressions.n; j++)
			pv_validate_node_selector_req(v, &t->match_expressions.items[j],
				PV_VPATH("%s.affinity.nodeAffinity.requiredDuringScheduling"
					 "IgnoredDuringExecution.nodeSelectorTerms[%zu]"
					 ".matchExpressions[%zu]", path, i, j));
	}
}

static void validate_host_aliases(struct pv_vctx *v, const struct pv_pod_spec *s,
				  const struct pv_vpath *path)
{
	for (size_t i = 0; i < s->host_aliases.n; i++) {
		const struct pv_str *ip = &s->host_aliases.items[i].ip;
		unsigned char buf[16];

		const pv_strlist *names = &s->host_aliases.items[i].hostnames;

		if (ip->v && inet_pton(AF_INET, ip->v, buf) != 1 && inet_pton(AF_INET6, ip->v, buf) != 1)
			pv_verr(v, ip->loc, PV_VPATH("%s.hostAliases[%zu].ip", path, i),
				"must be a valid IP address");
		/* Each becomes a word of /etc/hosts: a DNS subdomain, as Kubernetes'
		 * ValidateHostAliases, so no space or newline gets in. */
		for (size_t k = 0; k < names->n; k++)
			pv_validate_name_field(v, &names->items[k],
					       PV_VPATH("%s.hostAliases[%zu].hostnames[%zu]", path,
							i, k),
					       pv_check_dns1123_subdomain);
	}
}

/* As the API server: an empty or repeated name is accepted with a
 * warning (pkg/api/pod/warnings.go); the pulls skip an empty one, as the
 * kubelet does. */
static void validate_pull_secrets(struct pv_vctx *v, const struct pv_pod_spec *s,
				  const struct pv_vpath *path)
{
	for (size_t i = 0; i < s->image_pull_secrets.n; i++) {
		const struct pv_local_ref *r = &s->image_pull_secrets.items[i];
		const struct pv_vpath *np = PV_VPATH("%s.imagePullSecrets[%zu].name", path, i);

		if (!r->name.v || !*r->name.v) {
			pv_vwarn(v, r->name.v ? r->name.loc : r->hdr.loc, np, "invalid empty name \"\"");
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const char *o = s->image_pull_secrets.items[j].name.v;

			if (o && strcmp(o, r->name.v) == 0) {
				pv_vwarn(v, r->name.loc, np, "duplicate name \"%s\"", r->name.v);
				break;
			}
		}
	}
}

/* A pod in its own user namespace shares none of the node's others
 * (Kubernetes' validateHostUsers); an Unmasked /proc needs one. */
static void validate_host_users(struct pv_vctx *v, const struct pv_pod_spec *s,
				const struct pv_vpath *path)
{
	const struct pv_bool *shared[] = { &s->host_network, &s->host_pid, &s->host_ipc };
	static const char *const names[] = { "hostNetwork", "hostPID", "hostIPC" };

	/* Unmasked /proc only inside the pod's own user namespace */
	for (size_t k = 0; k < 2; k++) {
		const struct pv_container *c = k ? s->containers.items : s->init_containers.items;
		size_t n = k ? s->containers.n : s->init_containers.n;

		for (size_t i = 0; i < n; i++) {
			const struct pv_str *pm = &c[i].security_context.proc_mount;

			if (pm->v && strcmp(pm->v, "Unmasked") == 0 &&
			    (!s->host_users.set || s->host_users.v))
				pv_verr(v, pm->loc, PV_VPATH("%s.%s[%zu].securityContext.procMount",
							     path, k ? "containers" : "initContainers", i),
					"`hostUsers` must be false to use `Unmasked`");
		}
	}
	if (!s->host_users.set || s->host_users.v)
		return;
	for (size_t i = 0; i < 3; i++)
		if (shared[i]->v)
			pv_verr(v, shared[i]->loc, PV_VPATH("%s.%s", path, names[i]),
				"may not be true when hostUsers is false");
}

void pv_validate_pod_spec(struct pv_vctx *v, const struct pv_pod_spec *s,
			  const struct pv_vpath *path)
{
	for (size_t i = 0; i < s->init_containers.n; i++)
		validate_container(v, s, &s->init_containers.items[i],
				   PV_VPATH("%s.initContainers[%zu]", path, i), true);
	for (size_t i = 0; i < s->containers.n; i++)
		validate_container(v, s, &s->containers.items[i],
				   PV_VPATH("%s.containers[%zu]", path, i), false);
	validate_container_names(v, s, path);
	validate_volumes(v, s, path);
	pv_validate_nonneg(v, &s->termination_grace_period_seconds,
			   PV_VPATH("%s.terminationGracePeriodSeconds", path));
	if (s->active_deadline_seconds.set &&
	    (s->active_deadline_seconds.v < 1 || s->active_deadline_seconds.v > UINT32_MAX))
		pv_verr(v, s->active_deadline_seconds.loc,
			PV_VPATH("%s.activeDeadlineSeconds", path),
			"must be between 1 and 4294967295, inclusive");
	pv_validate_name_field(v, &s->hostname, PV_VPATH("%s.hostname", path),
			       pv_check_dns1123_label);
	pv_validate_name_field(v, &s->subdomain, PV_VPATH("%s.subdomain", path),
			       pv_check_dns1123_label);
	if (s->share_process_namespace.v && s->host_pid.v)
		pv_verr(v, s->share_process_namespace.loc,
			PV_VPATH("%s.shareProcessNamespace", path),
			"may not be true when hostPID is true");
	validate_affinity(v, s, path);
	validate_host_aliases(v, s, path);
	validate_pull_secrets(v, s, path);
	validate_host_users(v, s, path);
	pv_validate_nonneg(v, &s->security_context.run_as_user,
			   PV_VPATH("%s.securityContext.runAsUser", path));
}

void pv_validate_pod_template(struct pv_vctx *v, const struct pv_pod_template *t,
			      const struct pv_vpath *path)
{
	pv_validate_labels(v, &t->metadata, PV_VPATH("%s.metadata", path));
	pv_validate_pod_spec(v, &t->spec, PV_VPATH("%s.spec", path));
}

void pv_validate_pod(struct pv_vctx *v, const void *obj)
{
	const struct pv_pod *p = obj;

	pv_validate_objmeta(v, &p->h, pv_check_dns1123_subdomain);
	pv_validate_pod_spec(v, &p->spec, PV_VPATH("spec"));
}
