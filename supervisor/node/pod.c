#include "supervisor/node/pod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "common/hash.h"
#include "manifests/encode.h"
#include "netrules/ipam.h"

/* The spec hash: what makes a running pod out of date. Labels and
 * annotations may change without a restart, as in Kubernetes. */
void pv_pod_hash(const struct pv_object *o, char out[65])
{
	struct json_object *j = pv_encode_object(o), *spec = NULL;
	const char *s;

	json_object_object_get_ex(j, "spec", &spec);
	s = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN);
	pv_sha256_hex(s, strlen(s), out);
	json_object_put(j);
}

const char *pv_pod_ip(const struct pv_prt *p)
{
	if (p->spec && p->spec->spec.host_network.v)
		return p->d->node_ip ? p->d->node_ip : "";
	return p->ip_str;
}

void pv_pods_index_stale(struct pv_daemon *d)
{
	d->pod_index_stale = true;
}

/* The index again; it stays stale while a pod has no name yet (just
 * allocated). False when it cannot be had (out of memory). */
static bool index_build(struct pv_daemon *d)
{
	size_t cap = 64;

	while (cap < d->npods)
		cap *= 2;
	if (cap != d->pod_index_cap) {
		struct pv_prt **v = calloc(cap, sizeof(*v));

		if (!v)
			return false;
		free(d->pod_index);
		d->pod_index = v;
		d->pod_index_cap = cap;
	} else {
		memset(d->pod_index, 0, cap * sizeof(*d->pod_index));
	}
	d->pod_index_stale = false;
	for (size_t i = d->npods; i-- > 0;) { /* chains in d->pods order */
		struct pv_prt *p = d->pods[i], **head;

		if (!p->ns || !p->name) {
			d->pod_index_stale = true;
			continue;
		}
		head = &d->pod_index[pv_nsname_hash(p->ns, p->name) & (cap - 1)];
		p->index_next = *head;
		*head = p;
	}
	return true;
}

struct pv_prt *pv_pods_find(struct pv_daemon *d, const char *ns, const char *name)
{
	if ((d->pod_index_stale || !d->pod_index) && !index_build(d)) {
		for (size_t i = 0; i < d->npods; i++)
			if (d->pods[i]->ns && d->pods[i]->name && strcmp(d->pods[i]->ns, ns) == 0 &&
			    strcmp(d->pods[i]->name, name) == 0 && !d->pods[i]->delete_when_stopped)
				return d->pods[i];
		return NULL;
	}
	for (struct pv_prt *p = d->pod_index[pv_nsname_hash(ns, name) & (d->pod_index_cap - 1)]; p;
	     p = p->index_next)
		if (strcmp(p->ns, ns) == 0 && strcmp(p->name, name) == 0 && !p->delete_when_stopped)
			return p;
	/* a pod without a name yet is in no chain: nothing to find in it */
	return NULL;
}

uint32_t pv_pod_address(const struct pv_prt *p)
{
	if (p->ip)
		return p->ip;
	/* hostNetwork: the node, at the one address every pod and the node
	 * itself reach it by */
	if (p->spec->spec.host_network.v && p->d->network)
		return pv_cidr_gateway(&p->d->pod_cidr);
	return 0;
}

bool pv_crt_sidecar(const struct pv_crt *c)
{
	return c->init && c->spec->restart_policy.v && strcmp(c->spec->restart_policy.v, "Always") == 0;
}

bool pv_pod_ready(const struct pv_prt *p)
{
	if (p->state != PV_P_RUNNING || p->delete_when_stopped || p->leaving || !pv_pod_address(p))
		return false;
	for (size_t i = 0; i < p->ncontainers; i++) {
		const struct pv_crt *c = &p->containers[i];

		if (i < p->ninit && !pv_crt_sidecar(c))
			continue;
		if (c->state != PV_C_RUNNING || !c->ready)
			return false;
	}
	return true;
}

/* When P last became ready: the latest readiness of the containers its
 * readiness takes (the app containers and sidecars). */
static int64_t ready_since(const struct pv_prt *p)
{
	int64_t t = 0;

	for (size_t i = 0; i < p->ncontainers; i++)
		if ((i >= p->ninit || pv_crt_sidecar(&p->containers[i])) &&
		    p->containers[i].ready_ms > t)
			t = p->containers[i].ready_ms;
	return t;
}

bool pv_pod_view_next(const struct pv_daemon *d, size_t *it, struct pv_pod_view *v)
{
	const struct pv_prt *p;

	if (*it >= d->npods)
		return false;
	p = d->pods[(*it)++];
	*v = (struct pv_pod_view){
		.ns = p->ns,
		.name = p->name,
		.uid = p->uid,
		.phase = p->state,
		.ready = pv_pod_ready(p),
		.ready_since_ms = pv_pod_ready(p) ? ready_since(p) : 0,
		.stopping = p->state == PV_P_STOPPING || p->delete_when_stopped,
		.ip = p->ip,
		.address = pv_pod_address(p),
		.spec = p->spec,
	};
	return true;
}

size_t pv_pod_count(const struct pv_daemon *d)
{
	return d->npods;
}
