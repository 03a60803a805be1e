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

/* Append KEY=VALUE to M (a copy in A); false when out of memory. */
static bool strmap_add(pv_strmap *m, const char *key, const char *value, struct pv_arena *a)
{
	struct pv_kv *items = pv_arena_calloc(a, m->n + 1, sizeof(*items));

	if (!items)
		return false;
	if (m->n)
		memcpy(items, m->items, m->n * sizeof(*items));
	items[m->n].key = key;
	items[m->n].value = value;
	m->items = items;
	m->n++;
	m->set = true;
	return true;
}

/* Kubernetes pulls ":latest" and untagged images always, others if not
 * present (SetDefaults_Container). A digest does not hide the tag:
 * "nginx:latest@sha256:..." is still "latest". */
static const char *default_pull_policy(const char *image)
{
	const char *at, *slash, *colon;
	size_t len;

	if (!image)
		return "IfNotPresent";
	at = strchr(image, '@');
	len = at ? (size_t)(at - image) : strlen(image);
	slash = memrchr(image, '/', len);
	colon = memchr(slash ? slash : image, ':', len - (size_t)((slash ? slash : image) - image));
	if (colon) {
		size_t tlen = len - (size_t)(colon + 1 - image);

		return tlen == 6 && strncmp(colon + 1, "latest", 6) == 0 ? "Always" : "IfNotPresent";
	}
	return at ? "IfNotPresent" : "Always";
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
	if (p->grpc.hdr.set)
		def_str(&p->grpc.service, "");
}

static void defaults_field_sel(struct pv_object_field_sel *f)
{
	if (f->hdr.set)
		def_str(&f->api_version, "v1");
}

static void defaults_container(struct pv_container *c)
{
	def_str(&c->image_pull_policy, default_pull_policy(c->image.v));
	def_str(&c->termination_message_path, "/dev/termination-log");
	def_str(&c->termination_message_policy, "File");
	for (size_t i = 0; i < c->ports.n; i++)
		def_str(&c->ports.items[i].protocol, "TCP");
	for (size_t i = 0; i < c->env.n; i++)
		defaults_field_sel(&c->env.items[i].value_from.field_ref);
	defaults_probe(&c->liveness_probe);
	defaults_probe(&c->readiness_probe);
	defaults_probe(&c->startup_probe);
	defaults_http_get(&c->lifecycle.post_start.http_get);
	defaults_http_get(&c->lifecycle.pre_stop.http_get);
}

static bool volume_has_source(const struct pv_volume *v)
{
	return v->host_path.hdr.set || v->empty_dir.hdr.set || v->config_map.hdr.set ||
	       v->secret.hdr.set || v->persistent_volume_claim.hdr.set ||
	       v->downward_api.hdr.set || v->projected.hdr.set || v->unsupported.v;
}

static void defaults_downward_items(struct pv_downward_vol *d)
{
	for (size_t i = 0; i < d->items.n; i++)
		defaults_field_sel(&d->items.items[i].field_ref);
}

static void defaults_projected(struct pv_projected_vol *p)
{
	def_int(&p->default_mode, 0644);
	for (size_t i = 0; i < p->sources.n; i++) {
		struct pv_projection *s = &p->sources.items[i];

		defaults_downward_items(&s->downward_api);
		if (s->service_account_token.hdr.set)
			def_int(&s->service_account_token.expiration_seconds, 3600);
	}
}

static void defaults_volume(struct pv_volume *vol)
{
	if (!volume_has_source(vol))
		def_hdr(&vol->empty_dir.hdr); /* SetDefaults_Volume */
	if (vol->config_map.hdr.set)
		def_int(&vol->config_map.default_mode, 0644);
	if (vol->secret.hdr.set)
		def_int(&vol->secret.default_mode, 0644);
	if (vol->downward_api.hdr.set) {
		def_int(&vol->downward_api.default_mode, 0644);
		defaults_downward_items(&vol->downward_api);
	}
	if (vol->projected.hdr.set)
		defaults_projected(&vol->projected);
	if (vol->host_path.hdr.set)
		def_str(&vol->host_path.type, "");
}

/* SetDefaults_PodSpec: what every pod spec gets, templates included. */
static void defaults_pod_spec(struct pv_pod_spec *s)
{
	def_hdr(&s->hdr);
	def_str(&s->restart_policy, "Always");
	def_int(&s->termination_grace_period_seconds, 30);
	def_str(&s->dns_policy, "ClusterFirst");
	def_str(&s->scheduler_name, "default-scheduler");
	def_hdr(&s->security_context.hdr);
	for (size_t i = 0; i < s->init_containers.n; i++)
		defaults_container(&s->init_containers.items[i]);
	for (size_t i = 0; i < s->containers.n; i++)
		defaults_container(&s->containers.items[i]);
	for (size_t i = 0; i < s->volumes.n; i++)
		defaults_volume(&s->volumes.items[i]);
}

/* SetDefaults_Pod: requests default to limits. */
static void defaults_requests(struct pv_resources *r, struct pv_arena *a)
{
	for (size_t i = 0; i < r->limits.n; i++) {
		const struct pv_qkv *lim = &r->limits.items[i];
		struct pv_qkv *items;
		bool have = false;

		for (size_t j = 0; j < r->requests.n; j++)
			have |= strcmp(r->requests.items[j].key, lim->key) == 0;
		if (have)
			continue;
		items = pv_arena_calloc(a, r->requests.n + 1, sizeof(*items));
		if (!items)
			return;
		if (r->requests.n)
			memcpy(items, r->requests.items, r->requests.n * sizeof(*items));
		items[r->requests.n] = *lim;
		r->requests.items = items;
		r->requests.n++;
		r->requests.set = true;
	}
}

static void defaults_pod_containers(pv_container_list *l, bool host_network,
				    struct pv_arena *a)
{
	for (size_t i = 0; i < l->n; i++) {
		struct pv_container *c = &l->items[i];

		defaults_requests(&c->resources, a);
		for (size_t j = 0; host_network && j < c->ports.n; j++) {
			struct pv_container_port *p = &c->ports.items[j];

			if (p->container_port.set)
				def_int(&p->host_port, p->container_port.v);
		}
	}
}

static void defaults_pvc_spec(struct pv_pvc_spec *s)
{
	def_str(&s->volume_mode, "Filesystem");
}

void pv_defaults_namespace(void *obj, struct pv_arena *a)
{
	struct pv_meta *m = &((struct pv_namespace *)obj)->h.metadata;

	for (size_t i = 0; i < m->labels.n; i++)
		if (strcmp(m->labels.items[i].key, "kubernetes.io/metadata.name") == 0)
			return;
	if (m->name.v)
		strmap_add(&m->labels, "kubernetes.io/metadata.name", m->name.v, a);
}

void pv_defaults_pod(void *obj, struct pv_arena *a)
{
	struct pv_pod_spec *s = &((struct pv_pod *)obj)->spec;
	bool hn = s->host_network.set && s->host_network.v;

	defaults_pod_spec(s);
	def_bool(&s->enable_service_links, true);
	defaults_pod_containers(&s->containers, hn, a);
	defaults_pod_containers(&s->init_containers, hn, a);
}

void pv_defaults_deployment(void *obj, struct pv_arena *a)
{
	struct pv_deployment_spec *s = &((struct pv_deployment *)obj)->spec;

	(void)a;
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

void pv_defaults_replicaset(void *obj, struct pv_arena *a)
{
	struct pv_replicaset_spec *s = &((struct pv_replicaset *)obj)->spec;

	(void)a;
	def_int(&s->replicas, 1);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_pvc(void *obj, struct pv_arena *a)
{
	(void)a;
	defaults_pvc_spec(&((struct pv_pvc *)obj)->spec);
}

/* SetDefaults_StatefulSet: rollingUpdate is added only when the type
 * itself was defaulted. */
void pv_defaults_statefulset(void *obj, struct pv_arena *a)
{
	struct pv_statefulset_spec *s = &((struct pv_statefulset *)obj)->spec;
	struct pv_strategy *u = &s->update_strategy;

	def_int(&s->replicas, 1);
	def_str(&s->pod_management_policy, "OrderedReady");
	def_hdr(&u->hdr);
	if (!u->type.v) {
		u->type.v = "RollingUpdate";
		def_hdr(&u->rolling_update.hdr);
	}
	if (u->rolling_update.hdr.set)
		def_int(&u->rolling_update.partition, 0);
	def_int(&s->revision_history_limit, 10);
	def_hdr(&s->persistent_volume_claim_retention_policy.hdr);
	def_str(&s->persistent_volume_claim_retention_policy.when_deleted, "Retain");
	def_str(&s->persistent_volume_claim_retention_policy.when_scaled, "Retain");
	for (size_t i = 0; i < s->volume_claim_templates.n; i++)
		pv_defaults_pvc(&s->volume_claim_templates.items[i], a);
	defaults_pod_spec(&s->template.spec);
}

void pv_defaults_daemonset(void *obj, struct pv_arena *a)
{
	struct pv_daemonset_spec *s = &((struct pv_daemonset *)obj)->spec;

	(void)a;
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

/* SetDefaults_Job. */
void pv_defaults_job(void *obj, struct pv_arena *a)
{
	struct pv_job *j = obj;
	struct pv_job_spec *s = &j->spec;

	if (!s->completions.set && !s->parallelism.set) {
		def_int(&s->completions, 1);
		def_int(&s->parallelism, 1);
	}
	def_int(&s->parallelism, 1);
	/* With backoffLimitPerIndex, backoffLimit defaults to unlimited. */
	def_int(&s->backoff_limit, s->backoff_limit_per_index.set ? INT32_MAX : 6);
	def_str(&s->completion_mode, "NonIndexed");
	def_bool(&s->suspend, false);
	def_bool(&s->manual_selector, false);
	if (j->h.metadata.labels.n == 0 && s->template.metadata.labels.n) {
		for (size_t i = 0; i < s->template.metadata.labels.n; i++)
			strmap_add(&j->h.metadata.labels, s->template.metadata.labels.items[i].key,
				   s->template.metadata.labels.items[i].value, a);
	}
	defaults_pod_spec(&s->template.spec);
}

/* SetDefaults_CronJob; the job template gets pod spec defaults only (the
 * Job's own defaults apply when a Job is made from it). */
void pv_defaults_cronjob(void *obj, struct pv_arena *a)
{
	struct pv_cronjob_spec *s = &((struct pv_cronjob *)obj)->spec;

	(void)a;
	def_str(&s->concurrency_policy, "Allow");
	def_bool(&s->suspend, false);
	def_int(&s->successful_jobs_history_limit, 3);
	def_int(&s->failed_jobs_history_limit, 1);
	defaults_pod_spec(&s->job_template.spec.template.spec);
}

static bool service_external(const struct pv_service_spec *s)
{
	return strcmp(s->type.v, "NodePort") == 0 || strcmp(s->type.v, "LoadBalancer") == 0 ||
	       (strcmp(s->type.v, "ClusterIP") == 0 && s->external_ips.n > 0);
}

/* SetDefaults_Service. */
void pv_defaults_service(void *obj, struct pv_arena *a)
{
	struct pv_service_spec *s = &((struct pv_service *)obj)->spec;

	(void)a;
	def_hdr(&s->hdr);
	def_str(&s->type, "ClusterIP");
	def_str(&s->session_affinity, "None");
	if (strcmp(s->session_affinity.v, "None") == 0) {
		memset(&s->session_affinity_config, 0, sizeof(s->session_affinity_config));
	} else {
		def_hdr(&s->session_affinity_config.hdr);
		def_hdr(&s->session_affinity_config.client_ip.hdr);
		def_int(&s->session_affinity_config.client_ip.timeout_seconds, 10800);
	}
	if (service_external(s))
		def_str(&s->external_traffic_policy, "Cluster");
	if (strcmp(s->type.v, "ExternalName") != 0)
		def_str(&s->internal_traffic_policy, "Cluster");
	for (size_t i = 0; i < s->ports.n; i++) {
		struct pv_service_port *p = &s->ports.items[i];
		struct pv_intstr *t = &p->target_port;

		def_str(&p->protocol, "TCP");
		if (t->set && ((!t->is_str && t->i == 0) || (t->is_str && !t->s[0])))
			t->set = false; /* 0 and "" mean "the same as port" */
		if (p->port.set)
			def_intstr_int(t, p->port.v);
	}
}

void pv_defaults_configmap(void *obj, struct pv_arena *a)
{
	(void)obj;
	(void)a;
}

void pv_defaults_secret(void *obj, struct pv_arena *a)
{
	(void)a;
	def_str(&((struct pv_secret *)obj)->type, "Opaque");
}

void pv_defaults_pv(void *obj, struct pv_arena *a)
{
	struct pv_pv_spec *s = &((struct pv_pv *)obj)->spec;

	(void)a;
	def_str(&s->persistent_volume_reclaim_policy, "Retain");
	def_str(&s->volume_mode, "Filesystem");
	if (s->host_path.hdr.set)
		def_str(&s->host_path.type, "");
}

void pv_defaults_storageclass(void *obj, struct pv_arena *a)
{
	struct pv_storageclass *sc = obj;

	(void)a;
	def_str(&sc->reclaim_policy, "Delete");
	def_str(&sc->volume_binding_mode, "Immediate");
}
