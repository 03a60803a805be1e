#include "manifests/defaults.h"

#include <string.h>

#include "manifests/types.h"

static void def_str(struct pv_str *s, const char *v)
{
	if (!s->v)
		s->v = v;
}

static void def_int(struct pv_int *i, int64_t v)
{
	if (!i->set) {
		i->v = v;
		i->set = true;
	}
}

static void def_bool(struct pv_bool *b, bool v)
{
	if (!b->set) {
		b->v = v;
		b->set = true;
	}
}

static void def_intstr_pct(struct pv_intstr *is, const char *pct)
{
	if (!is->set) {
		is->set = true;
		is->is_str = true;
		is->s = pct;
	}
}

static void def_intstr_int(struct pv_intstr *is, int64_t v)
{
	if (!is->set) {
		is->set = true;
		is->i = v;
	}
}

static void def_hdr(struct pv_hdr *h)
{
	h->set = true;
}

/* Kubernetes pulls ":latest" and untagged images always, others if not
 * present (SetDefaults_Container). A digest counts as a tag. */
static const char *default_pull_policy(const char *image)
{
	const char *slash, *colon;

	if (!image)
		return "IfNotPresent";
	if (strchr(image, '@'))
		return "IfNotPresent";
	slash = strrchr(image, '/');
	colon = strrchr(slash ? slash : image, ':');
	if (!colon || strcmp(colon, ":latest") == 0)
		return "Always";
	return "IfNotPresent";
}

static void defaults_http_get(struct pv_http_get *h)
{
	if (!h->hdr.set)
		return;
	def_str(&h->path, "/");
	def_str(&h->scheme, "HTTP");
}

static void defaults_probe(struct pv_probe *p)
{
	if (!p->hdr.set)
		return;
	def_int(&p->timeout_seconds, 1);
	def_int(&p->period_seconds, 10);
	def_int(&p->success_threshold, 1);
	def_int(&p->failure_threshold, 3);
	defaults_http_get(&p->http_get);
}

static void defaults_env(struct pv_env *e)
{
	if (e->value_from.field_ref.hdr.set)
		def_str(&e->value_from.field_ref.api_version, "v1");
}

static void defaults_container(struct pv_container *c, bool host_network)
{
	def_str(&c->image_pull_policy, default_pull_policy(c->image.v));
	def_str(&c->termination_message_path, "/dev/termination-log");
	def_str(&c->termination_message_policy, "File");
	for (size_t i = 0; i < c->ports.n; i++) {
		struct pv_container_port *p = &c->ports.items[i];

		def_str(&p->protocol, "TCP");
		if (host_network && !p->host_port.set && p->container_port.set)
			def_int(&p->host_port, p->container_port.v);
	}
	for (size_t i = 0; i < c->env.n; i++)
		defaults_env(&c->env.items[i]);
	defaults_probe(&c->liveness_probe);
	defaults_probe(&c->readiness_probe);
	defaults_probe(&c->startup_probe);
	defaults_http_get(&c->lifecycle.post_start.http_get);
	defaults_http_get(&c->lifecycle.pre_stop.http_get);
}

static void defaults_volume(struct pv_volume *vol)
{
	if (vol->config_map.hdr.set)
		def_int(&vol->config_map.default_mode, 0644);
	if (vol->secret.hdr.set)
		def_int(&vol->secret.default_mode, 0644);
	if (vol->downward_api.hdr.set) {
		def_int(&vol->downward_api.default_mode, 0644);
		for (size_t i = 0; i < vol->downward_api.items.n; i++) {
			struct pv_downward_file *f = &vol->downward_api.items.items[i];

			if (f->field_ref.hdr.set)
				def_str(&f->field_ref.api_version, "v1");
		}
	}
	if (vol->projected.hdr.set)
		def_int(&vol->projected.default_mode, 0644);
	if (vol->host_path.hdr.set)
		def_str(&vol->host_path.type, "");
}

static void defaults_pod_spec(struct pv_pod_spec *s)
{
	bool hn = s->host_network.set && s->host_network.v;

	def_hdr(&s->hdr);
	def_str(&s->restart_policy, "Always");
	def_int(&s->termination_grace_period_seconds, 30);
	def_str(&s->dns_policy, "ClusterFirst");
	def_str(&s->scheduler_name, "default-scheduler");
	def_bool(&s->enable_service_links, true);
	def_hdr(&s->security_context.hdr);
	for (size_t i = 0; i < s->init_containers.n; i++)
		defaults_container(&s->init_containers.items[i], hn);
	for (size_t i = 0; i < s->containers.n; i++)
		defaults_container(&s->containers.items[i], hn);
	for (size_t i = 0; i < s->volumes.n; i++)
		defaults_volume(&s->volumes.items[i]);
}

static void defaults_pvc_spec(struct pv_pvc_spec *s)
{
	def_str(&s->volume_mode, "Filesystem");
}

void pv_defaults_namespace(void *obj)
{
	(void)obj;
}

void pv_defaults_pod(void *obj)
{
	struct pv_pod *p = obj;

	defaults_pod_spec(&p->spec);
}

void pv_defaults_deployment(void *obj)
{
	struct pv_deployment_spec *s = &((struct pv_deployment *)obj)->spec;

	def_int(&s->replicas, 1);
	def_str(&s->strategy.type, "RollingUpdate");
	def_hdr(&s->strategy.hdr);
	if (strcmp(s->strategy.type.v, "RollingUpdate") == 0) {
		def_hdr(&s->strategy.rolling_update.hdr);
		def_intstr_pct(&s->strategy.rolling_update.max_unavailable, "25%");
		def_intstr_pct(&s->strategy.rolling_update.max_surge, "25%");
	}
	def_int(&s->revision_history_limit, 10);
	def_int(&s->progress_deadline_seconds, 600);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_replicaset(void *obj)
{
	struct pv_replicaset_spec *s = &((struct pv_replicaset *)obj)->spec;

	def_int(&s->replicas, 1);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_pvc(void *obj)
{
	defaults_pvc_spec(&((struct pv_pvc *)obj)->spec);
}

void pv_defaults_statefulset(void *obj)
{
	struct pv_statefulset_spec *s = &((struct pv_statefulset *)obj)->spec;

	def_int(&s->replicas, 1);
	def_str(&s->pod_management_policy, "OrderedReady");
	def_hdr(&s->update_strategy.hdr);
	def_str(&s->update_strategy.type, "RollingUpdate");
	if (strcmp(s->update_strategy.type.v, "RollingUpdate") == 0) {
		def_hdr(&s->update_strategy.rolling_update.hdr);
		def_int(&s->update_strategy.rolling_update.partition, 0);
	}
	def_int(&s->revision_history_limit, 10);
	def_hdr(&s->persistent_volume_claim_retention_policy.hdr);
	def_str(&s->persistent_volume_claim_retention_policy.when_deleted, "Retain");
	def_str(&s->persistent_volume_claim_retention_policy.when_scaled, "Retain");
	for (size_t i = 0; i < s->volume_claim_templates.n; i++)
		pv_defaults_pvc(&s->volume_claim_templates.items[i]);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_daemonset(void *obj)
{
	struct pv_daemonset_spec *s = &((struct pv_daemonset *)obj)->spec;

	def_hdr(&s->update_strategy.hdr);
	def_str(&s->update_strategy.type, "RollingUpdate");
	if (strcmp(s->update_strategy.type.v, "RollingUpdate") == 0) {
		def_hdr(&s->update_strategy.rolling_update.hdr);
		def_intstr_int(&s->update_strategy.rolling_update.max_unavailable, 1);
		def_intstr_int(&s->update_strategy.rolling_update.max_surge, 0);
	}
	def_int(&s->revision_history_limit, 10);
	defaults_pod_spec(&s->template.spec);
}

static void defaults_job_spec(struct pv_job_spec *s)
{
	if (!s->completions.set && !s->parallelism.set) {
		def_int(&s->completions, 1);
		def_int(&s->parallelism, 1);
	}
	def_int(&s->parallelism, 1);
	def_int(&s->backoff_limit, 6);
	def_str(&s->completion_mode, "NonIndexed");
	def_bool(&s->suspend, false);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_job(void *obj)
{
	defaults_job_spec(&((struct pv_job *)obj)->spec);
}

void pv_defaults_cronjob(void *obj)
{
	struct pv_cronjob_spec *s = &((struct pv_cronjob *)obj)->spec;

	def_str(&s->concurrency_policy, "Allow");
	def_bool(&s->suspend, false);
	def_int(&s->successful_jobs_history_limit, 3);
	def_int(&s->failed_jobs_history_limit, 1);
	defaults_job_spec(&s->job_template.spec);
}

void pv_defaults_service(void *obj)
{
	struct pv_service_spec *s = &((struct pv_service *)obj)->spec;

	def_hdr(&s->hdr);
	def_str(&s->type, "ClusterIP");
	def_str(&s->session_affinity, "None");
	if (strcmp(s->session_affinity.v, "ClientIP") == 0) {
		def_hdr(&s->session_affinity_config.hdr);
		def_hdr(&s->session_affinity_config.client_ip.hdr);
		def_int(&s->session_affinity_config.client_ip.timeout_seconds, 10800);
	}
	if (strcmp(s->type.v, "NodePort") == 0 || strcmp(s->type.v, "LoadBalancer") == 0)
		def_str(&s->external_traffic_policy, "Cluster");
	if (strcmp(s->type.v, "ExternalName") != 0)
		def_str(&s->internal_traffic_policy, "Cluster");
	for (size_t i = 0; i < s->ports.n; i++) {
		struct pv_service_port *p = &s->ports.items[i];

		def_str(&p->protocol, "TCP");
		if (p->port.set)
			def_intstr_int(&p->target_port, p->port.v);
	}
}

void pv_defaults_configmap(void *obj)
{
	(void)obj;
}

void pv_defaults_secret(void *obj)
{
	def_str(&((struct pv_secret *)obj)->type, "Opaque");
}

void pv_defaults_pv(void *obj)
{
	struct pv_pv_spec *s = &((struct pv_pv *)obj)->spec;

	def_str(&s->persistent_volume_reclaim_policy, "Retain");
	def_str(&s->volume_mode, "Filesystem");
	if (s->host_path.hdr.set)
		def_str(&s->host_path.type, "");
}

void pv_defaults_storageclass(void *obj)
{
	struct pv_storageclass *sc = obj;

	def_str(&sc->reclaim_policy, "Delete");
	def_str(&sc->volume_binding_mode, "Immediate");
}
