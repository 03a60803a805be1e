/* What podvisor acts on (support.h): the table, and the walk of a loaded
 * object over the schema's field tables that finds what is written in
 * it and not acted on. Pure: no logging, no supervisor/. */
#include "manifests/support.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "manifests/schema.h"

#define ACTED(t, f, why) { t, f, PV_ACTED, 0, why }
#define MOOT(t, f, why) { t, f, PV_MOOT, 0, why }
#define NOT_YET(t, f, n, why) { t, f, PV_NOT_YET, n, why }

static const struct pv_support rows[] = {
	/* kinds */
	ACTED("Namespace", NULL, "namespaces the other objects"),
	ACTED("Pod", NULL, "run on this node"),
	ACTED("Deployment", NULL, "pods through a ReplicaSet; RollingUpdate and Recreate; revisions, "
	      "minReadySeconds, progressDeadlineSeconds, paused"),
	ACTED("ReplicaSet", NULL, "its replicas run as pods"),
	ACTED("StatefulSet", NULL, "pods NAME-N in order, a claim per template and ordinal; "
	      "RollingUpdate with partition and maxUnavailable, OnDelete"),
	ACTED("DaemonSet", NULL, "one pod on this node when its template fits the node's labels; RollingUpdate, OnDelete"),
	ACTED("Job", NULL, "pods run to completion; backoffLimit, deadline, ttl, Indexed"),
	ACTED("CronJob", NULL, "Jobs on its schedule, in its timeZone; concurrencyPolicy, history"),
	ACTED("Service", NULL, "cluster IPs, node ports, endpoints, DNS"),
	ACTED("ConfigMap", NULL, "volumes and environment"),
	ACTED("Secret", NULL, "volumes, environment and image pull credentials"),
	ACTED("PersistentVolume", NULL, "bound to claims"),
	ACTED("PersistentVolumeClaim", NULL, "bound, or provisioned by its StorageClass"),
	ACTED("StorageClass", NULL, "local-path provisioning"),
	/* the pod */
	ACTED("PodSpec", "nodeSelector", "a pod that does not fit the node's labels stays Pending"),
	ACTED("PodSpec", "nodeName", "a pod naming another node is not run here: Pending"),
	ACTED("NodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
	      "a pod that does not fit the node's labels stays Pending"),
	MOOT("NodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution",
	     "one node: there is no other node to prefer"),
	NOT_YET("Affinity", "podAffinity", 0, "one node: every pod runs on it"),
	NOT_YET("Affinity", "podAntiAffinity", 0, "one node: every pod runs on it"),
	NOT_YET("PodSpec", "tolerations", 0, "the node has no taints to tolerate"),
	NOT_YET("PodSpec", "topologySpreadConstraints", 0, "one node: no spreading"),
	NOT_YET("PodSpec", "priorityClassName", 0,
		"one node, no preemption or eviction: every pod has the same priority"),
	NOT_YET("PodSpec", "priority", 0,
		"one node, no preemption or eviction: every pod has the same priority"),
	NOT_YET("PodSpec", "preemptionPolicy", 0, "no pod preempts another"),
	ACTED("PodSpec", "activeDeadlineSeconds", "the pod is stopped and Failed (DeadlineExceeded)"),
	ACTED("PodSpec", "hostAliases", "lines added to the pod's /etc/hosts"),
	ACTED("PodSpec", "setHostnameAsFQDN", "the pod's hostname is its FQDN when it has a subdomain"),
	NOT_YET("PodSpec", "hostPID", 14, "the pod gets its own PID namespace"),
	NOT_YET("PodSpec", "hostIPC", 14, "the pod gets its own IPC namespace"),
	NOT_YET("PodSpec", "shareProcessNamespace", 0, "each container has its own PID namespace"),
	ACTED("PodSpec", "imagePullSecrets",
	      "its pulls use these Secrets' registry credentials, then the node's registryCredentials"),
	NOT_YET("PodSpec", "readinessGates", 0,
		"nothing here sets pod conditions: readiness is the containers' alone"),
	NOT_YET("PodSpec", "runtimeClassName", 0, "podvisor is the only runtime"),
	NOT_YET("PodSpec", "overhead", 0, "not added to the pod's cgroup limits"),
	NOT_YET("PodSpec", "os", 0, "the pod runs on this node's OS"),
	NOT_YET("PodSpec", "schedulingGates", 0, "the pod starts without waiting"),
	NOT_YET("PodSpec", "resourceClaims", 0, "no dynamic resource allocation"),
	NOT_YET("PodSpec", "ephemeralContainers", 0, "use podvisor exec"),
	NOT_YET("PodSpec", "resources", 0, "pod-level limits: only the containers' apply"),
	MOOT("PodSpec", "serviceAccountName", "no API server: only the downward API reads it"),
	MOOT("PodSpec", "automountServiceAccountToken", "no API server: no token is mounted"),
	MOOT("PodSpec", "schedulerName", "no scheduler: the pod runs on this node"),
	ACTED("PodSpec", "restartPolicy", "containers restarted, with CrashLoopBackOff"),
	ACTED("PodSpec", "terminationGracePeriodSeconds", "SIGTERM, then SIGKILL after it"),
	ACTED("PodSpec", "hostNetwork", "the node's network namespace"),
	ACTED("PodSpec", "hostname", "the pod's hostname and DNS name"),
	ACTED("PodSpec", "subdomain", "the pod's DNS name"),
	ACTED("PodSpec", "dnsPolicy", "the pod's resolv.conf"),
	ACTED("PodSpec", "dnsConfig", "the pod's resolv.conf"),
	ACTED("PodSpec", "enableServiceLinks", "Service environment variables"),
	ACTED("PodSpec", "volumes", "hostPath, emptyDir, configMap, secret, PVC, downwardAPI, projected"),
	ACTED("PodSecurityContext", "runAsUser", "the containers' user"),
	ACTED("PodSecurityContext", "runAsGroup", "the containers' group"),
	ACTED("PodSecurityContext", "fsGroup",
	      "the group of emptyDir and projected volumes (setgid), and a supplementary group of "
	      "every container; PVCs and hostPath keep theirs"),
	ACTED("PodSecurityContext", "runAsNonRoot",
	      "a container whose user is root (or a non-numeric image user) is refused: "
	      "CreateContainerConfigError"),
	ACTED("PodSecurityContext", "supplementalGroups",
	      "the containers' supplementary groups, with the user's group and fsGroup"),
	ACTED("PodSecurityContext", "supplementalGroupsPolicy",
	      "Merge (default): also the groups the image's /etc/group lists the user in; "
	      "Strict: not those"),
	ACTED("PodSecurityContext", "fsGroupChangePolicy", "Always or OnRootMismatch, for emptyDirs"),
	ACTED("PodSecurityContext", "sysctls",
	      "set in the pod's network and IPC namespaces before its first container: the kubelet's "
	      "safe set, and namespaced ones --allowed-unsafe-sysctls matches (not net.* with "
	      "hostNetwork); another refuses the pod: Failed, SysctlForbidden"),
	ACTED("PodSecurityContext", "seccompProfile", "RuntimeDefault (Docker's), Unconfined, Localhost"),
	NOT_YET("PodSecurityContext", "seLinuxOptions", 0, "no SELinux labels"),
	NOT_YET("PodSecurityContext", "seLinuxChangePolicy", 0, "no SELinux labels"),
	NOT_YET("PodSecurityContext", "windowsOptions", 0, "Linux only"),
	ACTED("PodSecurityContext", "appArmorProfile",
	      "as the kubelet on a node without AppArmor: any profile but Unconfined refuses the pod "
	      "(Failed, AppArmor); with AppArmor, Localhost is refused and RuntimeDefault runs "
	      "unconfined (no profile is loaded) with a Warning event, AppArmorNotEnforced"),
	/* containers */
	ACTED("Container", "resources", "cgroup limits"),
	ACTED("Container", "env", "the environment, with valueFrom"),
	ACTED("Container", "volumeMounts", "bind mounts, subPath"),
	ACTED("Container", "ports", "hostPort and named ports"),
	ACTED("Container", "livenessProbe", "exec, httpGet, tcpSocket; a failure restarts the container"),
	ACTED("Container", "readinessProbe", "exec, httpGet, tcpSocket; gates Service endpoints"),
	ACTED("Container", "startupProbe", "exec, httpGet, tcpSocket; holds the other two"),
	ACTED("Container", "lifecycle", "postStart and preStop: exec, httpGet, sleep"),
	ACTED("Container", "restartPolicy", "Always on an init container: a sidecar"),
	NOT_YET("Container", "terminationMessagePath", 0, "no termination message is read"),
	NOT_YET("Container", "terminationMessagePolicy", 0, "no termination message is read"),
	ACTED("Container", "imagePullPolicy",
	      "Always pulls at each start, IfNotPresent when the image is not in the store, Never never"),
	NOT_YET("Container", "stdinOnce", 0, "stdin stays open"),
	NOT_YET("Container", "volumeDevices", 0, "no block devices"),
	NOT_YET("Container", "resizePolicy", 0, "a resource change restarts the pod"),
	NOT_YET("ResourceRequirements", "claims", 0, "no dynamic resource allocation"),
	ACTED("SecurityContext", "runAsUser", "the container's user"),
	ACTED("SecurityContext", "runAsGroup", "the container's group"),
	ACTED("SecurityContext", "readOnlyRootFilesystem", "a read-only root"),
	ACTED("SecurityContext", "capabilities",
	      "add/drop over Docker's default set (CHOWN ... AUDIT_WRITE); ALL; an unknown name "
	      "is refused"),
	ACTED("SecurityContext", "privileged",
	      "every capability the node has, no masked or read-only /proc, /sys paths, and the "
	      "node's devices: each character and block device of its /dev (not pts, shm, "
	      "console), by mknod or a bind mount; what cannot be made is skipped"),
	ACTED("SecurityContext", "runAsNonRoot",
	      "a container whose user is root (or a non-numeric image user) is refused: "
	      "CreateContainerConfigError"),
	ACTED("SecurityContext", "allowPrivilegeEscalation", "false sets no_new_privs"),
	ACTED("SecurityContext", "procMount",
	      "Unmasked (with hostUsers: false): no masked or read-only /proc paths"),
	ACTED("SecurityContext", "seccompProfile", "RuntimeDefault (Docker's), Unconfined, Localhost"),
	NOT_YET("SecurityContext", "seLinuxOptions", 0, "no SELinux labels"),
	NOT_YET("SecurityContext", "windowsOptions", 0, "Linux only"),
	ACTED("SecurityContext", "appArmorProfile",
	      "over the pod's; as the kubelet on a node without AppArmor: any profile but Unconfined "
	      "refuses the pod (Failed, AppArmor); with AppArmor, Localhost is refused and "
	      "RuntimeDefault runs unconfined (no profile is loaded) with a Warning event, "
	      "AppArmorNotEnforced"),
	NOT_YET("VolumeMount", "mountPropagation", 0, "mounts are private"),
	NOT_YET("VolumeMount", "subPathExpr", 0, "the expression is not expanded"),
	NOT_YET("VolumeMount", "recursiveReadOnly", 0, "read-only applies to the top mount only"),
	NOT_YET("VolumeProjection", "clusterTrustBundle", 0, "no trust bundles without an API server"),
	/* the other kinds' fields */
	NOT_YET("StatefulSetSpec", "revisionHistoryLimit", 0,
		"no revision history is kept (only the current and the update revision): "
		"rollout history/undo are for Deployments"),
	NOT_YET("JobSpec", "managedBy", 0, "podvisor manages it"),
	NOT_YET("ServiceSpec", "loadBalancerSourceRanges", 0, "no load balancer"),
	NOT_YET("ServiceSpec", "loadBalancerClass", 0, "no load balancer"),
	NOT_YET("ServiceSpec", "allocateLoadBalancerNodePorts", 0, "no load balancer"),
	NOT_YET("ServiceSpec", "healthCheckNodePort", 0, "no load balancer"),
	NOT_YET("ServiceSpec", "ipFamilies", 0, "IPv4 only"),
	NOT_YET("ServiceSpec", "ipFamilyPolicy", 0, "IPv4 only"),
	NOT_YET("ServiceSpec", "trafficDistribution", 0, "one node: all traffic is local"),
	NOT_YET("PersistentVolumeClaimSpec", "dataSource", 0, "the volume starts empty"),
	NOT_YET("PersistentVolumeClaimSpec", "dataSourceRef", 0, "the volume starts empty"),
	NOT_YET("PersistentVolumeClaimSpec", "volumeAttributesClassName", 0, "no volume attributes"),
	NOT_YET("PersistentVolumeSpec", "volumeAttributesClassName", 0, "no volume attributes"),
	NOT_YET("StorageClass", "allowedTopologies", 0, "one node: volumes are local"),
};

const struct pv_support *pv_support_rows(size_t *n)
{
	*n = PV_ARRAY_SIZE(rows);
	return rows;
}

const struct pv_support *pv_support_find(const char *type, const char *field)
{
	for (size_t i = 0; i < PV_ARRAY_SIZE(rows); i++) {
		const struct pv_support *s = &rows[i];

		if (strcmp(s->type, type) != 0)
			continue;
		if (!field ? !s->field : s->field && strcmp(s->field, field) == 0)
			return s;
	}
	return NULL;
}

void pv_support_say(const struct pv_support *s, char *buf, size_t len)
{
	char what[96];

	snprintf(what, sizeof(what), "%s%s", s->field ? "" : s->type, s->field ? "" : " is ");
	if (s->state != PV_NOT_YET)
		snprintf(buf, len, "%sacted on by podvisor: %s", what, s->note);
	else if (s->issue)
		snprintf(buf, len, "%snot acted on by podvisor yet (issue %u): %s", what, s->issue,
			 s->note);
	else
		snprintf(buf, len, "%snot acted on by podvisor: %s", what, s->note);
}

/* ---- which types can hold an unacted field ---- */

/* The schema's types seen from the table, built once from the kinds'
 * types: per field its PV_NOT_YET row, and per type whether it or any
 * type below it has one. The walk then visits only those subtrees, and
 * never looks a row up by name. A schema too large for it (it is not)
 * leaves the index unbuilt, and the walk looks every field up instead. */
#define INDEX_TYPES 512
#define INDEX_FIELDS 4096

struct type_info {
	const struct pv_type *t;
	bool reach;     /* t or a type below it has a PV_NOT_YET field */
	uint32_t first; /* its fields' slots in unacted[] and below[] */
	/* walk[wfirst...] (nwalk of them): the fields the walk visits, in
	 * order: those with a PV_NOT_YET row or a type below that reaches one. */
	uint32_t wfirst, nwalk;
};

static struct {
	pthread_once_t once;
	bool ok;
	size_t ntypes, nfields;
	struct type_info types[INDEX_TYPES];
	const struct pv_support *unacted[INDEX_FIELDS]; /* the field's NOT_YET row, or NULL */
	int16_t below[INDEX_FIELDS]; /* PV_F_OBJ, PV_F_LIST: its type's index; else -1 */
	uint16_t walk[INDEX_FIELDS]; /* per type, the fields to visit (type_info) */
	size_t nwalk;
	const struct pv_support *kinds[PV_KIND_COUNT]; /* each kind's row */
	int16_t kind_types[PV_KIND_COUNT]; /* each kind's type's index */
} ix = { .once = PTHREAD_ONCE_INIT };

static int ix_find(const struct pv_type *t)
{
	for (size_t i = 0; i < ix.ntypes; i++)
		if (ix.types[i].t == t)
			return (int)i;
	return -1;
}

/* T's index, adding T and every type below it; -1 when full. */
static int ix_add(const struct pv_type *t)
{
	int at = ix_find(t);
	size_t nf = 0, first;

	if (at >= 0)
		return at;
	while (t->fields[nf].name)
		nf++;
	if (ix.ntypes == INDEX_TYPES || nf > INDEX_FIELDS - ix.nfields)
		return -1;
	at = (int)ix.ntypes++;
	first = ix.nfields;
	ix.nfields += nf;
	ix.types[at] = (struct type_info){ .t = t, .first = (uint32_t)first };
	for (size_t i = 0; i < nf; i++) {
		const struct pv_field *f = &t->fields[i];
		const struct pv_support *s = pv_support_find(t->name, f->name);
		int sub = -1;

		ix.unacted[first + i] = s && s->state == PV_NOT_YET ? s : NULL;
		if ((f->kind == PV_F_OBJ || f->kind == PV_F_LIST) && (sub = ix_add(f->type)) < 0)
			return -1;
		ix.below[first + i] = (int16_t)sub;
	}
	return at;
}

/* reach, to a fixed point: the types may refer to each other. */
static void ix_reach(void)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < ix.ntypes; i++) {
			struct type_info *ti = &ix.types[i];

			for (size_t j = 0; !ti->reach && ti->t->fields[j].name; j++) {
				int sub = ix.below[ti->first + j];

				if (ix.unacted[ti->first + j] || (sub >= 0 && ix.types[sub].reach))
					ti->reach = changed = true;
			}
		}
	}
}

/* Each type's fields that matter to the walk (type_info.walk). */
static void ix_walks(void)
{
	for (size_t i = 0; i < ix.ntypes; i++) {
		struct type_info *ti = &ix.types[i];

		ti->wfirst = (uint32_t)ix.nwalk;
		for (size_t j = 0; ti->t->fields[j].name; j++) {
			int sub = ix.below[ti->first + j];

			if (ix.unacted[ti->first + j] || (sub >= 0 && ix.types[sub].reach))
				ix.walk[ix.nwalk++] = (uint16_t)j;
		}
		ti->nwalk = (uint32_t)ix.nwalk - ti->wfirst;
	}
}

static void ix_build(void)
{
	for (int k = 0; k < PV_KIND_COUNT; k++) {
		const struct pv_kind_info *ki = pv_kind_get((enum pv_kind)k);
		int at;

		ix.kinds[k] = pv_support_find(ki->name, NULL);
		if ((at = ix_add(ki->type)) < 0)
			return;
		ix.kind_types[k] = (int16_t)at;
	}
	ix_reach();
	ix_walks();
	ix.ok = true;
}

/* The index entry of K's type, or NULL: then every field is looked up. */
static const struct type_info *ix_get(const struct pv_kind_info *k)
{
	int i;

	pthread_once(&ix.once, ix_build);
	if (!ix.ok)
		return NULL;
	if (k->kind < PV_KIND_COUNT && pv_kind_get(k->kind) == k)
		return &ix.types[ix.kind_types[k->kind]];
	if ((i = ix_find(k->type)) < 0)
		return NULL;
	return &ix.types[i];
}

/* The row of K's kind: from the index when K is one of the kinds. */
static const struct pv_support *kind_row(const struct pv_kind_info *k)
{
	pthread_once(&ix.once, ix_build);
	if (ix.ok && k->kind < PV_KIND_COUNT && pv_kind_get(k->kind) == k)
		return ix.kinds[k->kind];
	return pv_support_find(k->name, NULL);
}

/* ---- the walk ---- */

struct walk {
	pv_support_fn *fn;
	void *data;
	char path[1024];
	size_t plen;
};

struct list_any {
	size_t n;
	void *items;
	bool set;
	struct pv_loc loc;
};

static void walk_type(struct walk *w, const struct pv_type *t, const struct type_info *ti,
		      const unsigned char *base);

/* Where field F of BASE was written; line 0 when absent or defaulted. */
static struct pv_loc field_loc(const struct pv_field *f, const unsigned char *base)
{
	const void *p = base + f->off;
	const struct pv_loc none = { 0, 0 };

	switch (f->kind) {
	case PV_F_STR:
		return ((const struct pv_str *)p)->v ? ((const struct pv_str *)p)->loc : none;
	case PV_F_INT:
		return ((const struct pv_int *)p)->set ? ((const struct pv_int *)p)->loc : none;
	case PV_F_BOOL:
		return ((const struct pv_bool *)p)->set ? ((const struct pv_bool *)p)->loc : none;
	case PV_F_INTSTR:
		return ((const struct pv_intstr *)p)->set ? ((const struct pv_intstr *)p)->loc : none;
	case PV_F_QTY:
		return ((const struct pv_qtyval *)p)->s ? ((const struct pv_qtyval *)p)->loc : none;
	case PV_F_STRMAP:
	case PV_F_QTYMAP:
	case PV_F_STRLIST:
	case PV_F_INTLIST:
	case PV_F_LIST:
		return ((const struct list_any *)p)->set ? ((const struct list_any *)p)->loc : none;
	case PV_F_OBJ:
		return ((const struct pv_hdr *)p)->set ? ((const struct pv_hdr *)p)->loc : none;
	default: /* not stored: the decoder warned (pv_support_find) */
		return none;
	}
}

/* Appends A and B to the path, or nothing when both do not fit. */
static size_t push(struct walk *w, const char *a, const char *b, size_t blen)
{
	size_t old = w->plen, alen = strlen(a);

	if (alen + blen < sizeof(w->path) - w->plen) {
		memcpy(w->path + w->plen, a, alen);
		memcpy(w->path + w->plen + alen, b, blen);
		w->plen += alen + blen;
	}
	w->path[w->plen] = '\0';
	return old;
}

static size_t push_field(struct walk *w, const char *name)
{
	return push(w, w->plen ? "." : "", name, strlen(name));
}

static size_t push_index(struct walk *w, size_t i)
{
	char num[24], *p = num + sizeof(num);

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while (i /= 10);
	return push(w, "[", p, (size_t)(num + sizeof(num) - p));
}

static void pop(struct walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = '\0';
}

/* Field I of T: its NOT_YET row, and the index entry of its type (NULL
 * when not indexed). Returns false when nothing under it can be found. */
static bool field_matters(const struct pv_type *t, const struct type_info *ti, size_t i,
			  const struct pv_support **row, const struct type_info **sub)
{
	const struct pv_field *f = &t->fields[i];
	const struct pv_support *s;

	*sub = NULL;
	if (ti) {
		int b = ix.below[ti->first + i];

		*row = ix.unacted[ti->first + i];
		*sub = b >= 0 ? &ix.types[b] : NULL;
		return *row || (*sub && (*sub)->reach);
	}
	s = pv_support_find(t->name, f->name);
	*row = s && s->state == PV_NOT_YET ? s : NULL;
	return true;
}

static void walk_field(struct walk *w, const struct pv_type *t, const struct type_info *ti,
		       size_t i, const unsigned char *base)
{
	const struct pv_field *f = &t->fields[i];
	const struct pv_support *s;
	const struct type_info *sub;
	const struct list_any *l;
	struct pv_loc loc;
	size_t old;

	if (!field_matters(t, ti, i, &s, &sub) || !(loc = field_loc(f, base)).line)
		return;
	old = push_field(w, f->name);
	if (s)
		w->fn(w->data, s, w->path, loc);
	else if (f->kind == PV_F_OBJ)
		walk_type(w, f->type, sub, base + f->off);
	else if (f->kind == PV_F_LIST) {
		l = (const struct list_any *)(base + f->off);
		for (size_t j = 0; j < l->n; j++) {
			size_t at = push_index(w, j);

			walk_type(w, f->type, sub, (const unsigned char *)l->items + j * f->type->size);
			pop(w, at);
		}
	}
	pop(w, old);
}

static void walk_type(struct walk *w, const struct pv_type *t, const struct type_info *ti,
		      const unsigned char *base)
{
	if (ti) {
		for (size_t k = 0; k < ti->nwalk; k++)
			walk_field(w, t, ti, ix.walk[ti->wfirst + k], base);
		return;
	}
	for (size_t i = 0; t->fields[i].name; i++)
		walk_field(w, t, ti, i, base);
}

void pv_support_scan(const struct pv_object *ob, pv_support_fn *fn, void *data)
{
	const struct pv_support *k = kind_row(ob->kind);
	const struct type_info *ti = ix_get(ob->kind);
	struct walk w;

	w.fn = fn;
	w.data = data;
	w.path[0] = '\0';
	w.plen = 0;

	if (k && k->state == PV_NOT_YET) {
		struct pv_loc at = ob->obj->kind.loc.line ? ob->obj->kind.loc : ob->loc;

		fn(data, k, "kind", at);
		return;
	}
	if (!ti || ti->reach)
		walk_type(&w, ob->kind->type, ti, (const unsigned char *)ob->obj);
}
