#include "supervisor/sandbox/secctx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "supervisor/sandbox/caps.h"

#define CAP_BIT(name) (UINT64_C(1) << pv_cap_from_name(name))

int pv_podsec_parse(const char *s)
{
	static const char *const levels[] = { "privileged", "baseline", "restricted" };

	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, levels[i]) == 0)
			return i;
	return -1;
}

static bool adds_literal_sys_admin(const pv_strlist *add)
{
	for (size_t i = 0; i < add->n; i++)
		if (add->items[i].v && strcmp(add->items[i].v, "CAP_SYS_ADMIN") == 0)
			return true;
	return false;
}

int pv_secctx_resolve(const struct pv_pod *pod, const struct pv_container *c,
		      enum pv_podsec level, struct pv_secctx *out, struct pv_err *err)
{
	const struct pv_security_context *sc = &c->security_context;
	const struct pv_pod_security_context *psc = &pod->spec.security_context;
	bool restricted = level == PV_PODSEC_RESTRICTED;
	const char *policy = psc->supplemental_groups_policy.v;

	memset(out, 0, sizeof(*out));
	out->privileged = sc->privileged.v;
	/* restricted's other default, seccomp RuntimeDefault, is the seccomp
	 * code's: nothing of it is decided here */
	if (!sc->capabilities.hdr.set && restricted)
		out->caps = CAP_BIT("NET_BIND_SERVICE"); /* drop ALL, add NET_BIND_SERVICE */
	else if (pv_caps_resolve(PV_CAPS_DEFAULT, &sc->capabilities, &out->caps, err) < 0)
		return -1; /* the caller names the container */
	out->caps_if_held = pv_caps_if_held(&sc->capabilities);
	/* Kubernetes' ValidateSecurityContext: privileged, or the literal
	 * "CAP_SYS_ADMIN" in add (not "SYS_ADMIN", not "ALL") */
	if (sc->allow_privilege_escalation.set && !sc->allow_privilege_escalation.v &&
	    (out->privileged || adds_literal_sys_admin(&sc->capabilities.add)))
		return pv_err_set(err, EINVAL, "cannot set allowPrivilegeEscalation to "
				  "false and %s", out->privileged ? "privileged to true"
				  : "capabilities.add CAP_SYS_ADMIN");
	if (out->privileged)
		out->caps = PV_CAPS_ALL; /* the shim gives what the node has */
	if (sc->allow_privilege_escalation.set)
		out->no_new_privs = !sc->allow_privilege_escalation.v;
	else /* the restricted profile's default; privileged or SYS_ADMIN imply escalation */
		out->no_new_privs = restricted && !out->privileged &&
				    !(out->caps & CAP_BIT("SYS_ADMIN"));
	out->run_as_non_root = sc->run_as_non_root.set ? sc->run_as_non_root.v
			       : psc->run_as_non_root.set ? psc->run_as_non_root.v : restricted;
	out->groups_strict = policy && strcmp(policy, "Strict") == 0;
	return 0;
}

int pv_secctx_user(const struct pv_int *uid, const struct pv_int *gid, const char *image_user,
		   char **out, struct pv_err *err)
{
	const char *img = image_user && *image_user ? image_user : NULL;
	int rc = 0;

	*out = NULL;
	if (uid->set && gid->set)
		rc = asprintf(out, "%lld:%lld", (long long)uid->v, (long long)gid->v);
	else if (uid->set)
		rc = asprintf(out, "%lld", (long long)uid->v);
	else if (img && gid->set)
		rc = asprintf(out, "%.*s:%lld", (int)strcspn(img, ":"), img, (long long)gid->v);
	else if (img)
		rc = (*out = strndup(img, strcspn(img, ":"))) ? 0 : -1;
	else if (gid->set)
		rc = asprintf(out, "0:%lld", (long long)gid->v);
	if (rc < 0) {
		*out = NULL;
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- Pod Security admission ---- */

struct verdict {
	char buf[sizeof(((struct pv_err *)0)->msg)];
	size_t len;
	int n;
};

static void __attribute__((format(printf, 2, 3))) violation(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (v->len >= sizeof(v->buf))
		return;
	if (v->n++)
		v->len += (size_t)snprintf(v->buf + v->len, sizeof(v->buf) - v->len, ", ");
	if (v->len >= sizeof(v->buf))
		return;
	va_start(ap, fmt);
	w = vsnprintf(v->buf + v->len, sizeof(v->buf) - v->len, fmt, ap);
	va_end(ap);
	v->len += w > 0 ? (size_t)w : 0;
}

/* Who a check found, as Kubernetes words it: `pod and containers "a", "b"`. */
struct who {
	bool pod;
	int n;
	size_t len;
	char names[400];
};

/* "\"NAME\"" appended to the comma-separated BUF (cut, never overrun). */
static void add_quoted(char *buf, size_t size, size_t *len, bool first, const char *name)
{
	int w;

	if (*len >= size)
		return;
	w = snprintf(buf + *len, size - *len, "%s\"%s\"", first ? "" : ", ", name ? name : "");
	*len = w < 0 ? size : *len + (size_t)w;
}

static void who_add(struct who *w, const char *name)
{
	add_quoted(w->names, sizeof(w->names), &w->len, w->n == 0, name);
	w->n++;
}

static bool who_any(const struct who *w)
{
	return w->pod || w->n;
}

static const char *who_str(const struct who *w, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", w->pod ? "pod" : "", w->pod && w->n ? " and " : "",
		 w->n == 1 ? "container " : w->n ? "containers " : "", w->n ? w->names : "");
	return buf;
}

/* Capability names a check refused, sorted and unique (as sets.String). */
struct capnames {
	const char *v[64];
	size_t n;
};

static void capnames_add(struct capnames *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], name ? name : "") == 0)
			return;
	if (c->n < sizeof(c->v) / sizeof(c->v[0]))
		c->v[c->n++] = name ? name : "";
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *capnames_str(struct capnames *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	qsort(c->v, c->n, sizeof(c->v[0]), by_name);
	for (size_t i = 0; i < c->n; i++)
		add_quoted(buf, size, &len, i == 0, c->v[i]);
	return buf;
}

/* What baseline lets a container add, written exactly so (Kubernetes
 * compares the strings: not "CAP_CHOWN", not "chown"). */
static bool baseline_cap(const char *name)
{
	static const char *const allowed[] = {
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
	};

	for (size_t i = 0; name && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(name, allowed[i]) == 0)
			return true;
	return false;
}

static bool drops_all(const struct pv_capabilities *caps)
{
	for (size_t i = 0; i < caps->drop.n; i++)
		if (caps->drop.items[i].v && strcmp(caps->drop.items[i].v, "ALL") == 0)
			return true;
	return false;
}

static bool is_unconfined(const char *type)
{
	return type && strcmp(type, "Unconfined") == 0;
}

/* Every container of S (init containers first), with what each check
 * found, grouped per check as the Pod Security admission groups them. */
struct checks {
	struct who priv, caps, ports, proc, seccomp; /* baseline */
	struct capnames bad_caps;
	char port_list[200];
	size_t port_len;
	int nports;
	struct who escalation, no_drop, add, non_root, root_uid; /* restricted */
	struct capnames bad_adds;
};

static void check_container(const struct pv_container *c, bool restricted, struct checks *k)
{
	const struct pv_security_context *sc = &c->security_context;
	const struct pv_capabilities *caps = &sc->capabilities;
	bool bad = false, ports = false;

	if (sc->privileged.v)
		who_add(&k->priv, c->name.v);
	for (size_t i = 0; i < caps->add.n; i++)
		if (!baseline_cap(caps->add.items[i].v)) {
			capnames_add(&k->bad_caps, caps->add.items[i].v);
			bad = true;
		}
	if (bad)
		who_add(&k->caps, c->name.v);
	for (size_t i = 0; i < c->ports.n; i++)
		if (c->ports.items[i].host_port.v) {
			char port[24];

			snprintf(port, sizeof(port), "%lld", (long long)c->ports.items[i].host_port.v);
			if (k->port_len < sizeof(k->port_list))
				k->port_len += (size_t)snprintf(k->port_list + k->port_len,
								sizeof(k->port_list) - k->port_len,
								"%s%s", k->nports ? ", " : "", port);
			k->nports++;
			ports = true;
		}
	if (ports)
		who_add(&k->ports, c->name.v);
	if (sc->proc_mount.v && strcmp(sc->proc_mount.v, "Unmasked") == 0)
		who_add(&k->proc, c->name.v);
	if (is_unconfined(sc->seccomp_profile.type.v))
		who_add(&k->seccomp, c->name.v);
	if (!restricted)
		return;
	/* restricted: what the pod writes (what it leaves out is defaulted) */
	if (sc->allow_privilege_escalation.set && sc->allow_privilege_escalation.v)
		who_add(&k->escalation, c->name.v);
	if (caps->hdr.set && !drops_all(caps))
		who_add(&k->no_drop, c->name.v);
	bad = false;
	for (size_t i = 0; i < caps->add.n; i++)
		if (!caps->add.items[i].v || strcmp(caps->add.items[i].v, "NET_BIND_SERVICE") != 0) {
			capnames_add(&k->bad_adds, caps->add.items[i].v);
			bad = true;
		}
	if (bad)
		who_add(&k->add, c->name.v);
	if (sc->run_as_non_root.set && !sc->run_as_non_root.v)
		who_add(&k->non_root, c->name.v);
	if (sc->run_as_user.set && sc->run_as_user.v == 0)
		who_add(&k->root_uid, c->name.v);
}

static void report_pod_baseline(const struct pv_pod_spec *s, struct verdict *v)
{
	char ns[64] = "";

	snprintf(ns, sizeof(ns), "%s%s%s", s->host_network.v ? "hostNetwork=true, " : "",
		 s->host_pid.v ? "hostPID=true, " : "", s->host_ipc.v ? "hostIPC=true, " : "");
	if (ns[0]) {
		ns[strlen(ns) - 2] = '\0';
		violation(v, "host namespaces (%s)", ns);
	}
	for (size_t i = 0; i < s->volumes.n; i++)
		if (s->volumes.items[i].host_path.hdr.set)
			violation(v, "hostPath volumes (volume \"%s\")", s->volumes.items[i].name.v);
}

static void report(struct checks *k, bool restricted, struct verdict *v)
{
	char w[480], caps[400];

	if (who_any(&k->priv))
		violation(v, "privileged (%s must not set securityContext.privileged=true)",
			  who_str(&k->priv, w, sizeof(w)));
	if (who_any(&k->caps))
		violation(v, "non-default capabilities (%s must not include %s in "
			  "securityContext.capabilities.add)", who_str(&k->caps, w, sizeof(w)),
			  capnames_str(&k->bad_caps, caps, sizeof(caps)));
	if (who_any(&k->ports))
		violation(v, "hostPort (%s %s hostPort%s %s)", who_str(&k->ports, w, sizeof(w)),
			  k->ports.n == 1 ? "uses" : "use", k->nports == 1 ? "" : "s", k->port_list);
	if (who_any(&k->proc))
		violation(v, "procMount (%s must not set securityContext.procMount to \"Unmasked\")",
			  who_str(&k->proc, w, sizeof(w)));
	if (who_any(&k->seccomp))
		violation(v, "seccompProfile (%s must not set securityContext.seccompProfile.type to "
			  "\"Unconfined\")", who_str(&k->seccomp, w, sizeof(w)));
	if (!restricted)
		return;
	if (who_any(&k->escalation))
		violation(v, "allowPrivilegeEscalation != false (%s must set "
			  "securityContext.allowPrivilegeEscalation=false)",
			  who_str(&k->escalation, w, sizeof(w)));
	if (who_any(&k->no_drop) && who_any(&k->add)) {
		char w2[480];

		violation(v, "unrestricted capabilities (%s must set securityContext.capabilities."
			  "drop=[\"ALL\"]; %s must not include %s in securityContext.capabilities.add)",
			  who_str(&k->no_drop, w, sizeof(w)), who_str(&k->add, w2, sizeof(w2)),
			  capnames_str(&k->bad_adds, caps, sizeof(caps)));
	} else if (who_any(&k->no_drop))
		violation(v, "unrestricted capabilities (%s must set securityContext.capabilities."
			  "drop=[\"ALL\"])", who_str(&k->no_drop, w, sizeof(w)));
	else if (who_any(&k->add))
		violation(v, "unrestricted capabilities (%s must not include %s in "
			  "securityContext.capabilities.add)", who_str(&k->add, w, sizeof(w)),
			  capnames_str(&k->bad_adds, caps, sizeof(caps)));
	if (who_any(&k->non_root))
		violation(v, "runAsNonRoot != true (%s must not set securityContext.runAsNonRoot=false)",
			  who_str(&k->non_root, w, sizeof(w)));
	if (who_any(&k->root_uid))
		violation(v, "runAsUser=0 (%s must not set runAsUser=0)",
			  who_str(&k->root_uid, w, sizeof(w)));
}

int pv_podsec_check(const struct pv_pod *pod, enum pv_podsec level, struct pv_err *err)
{
	const struct pv_pod_spec *s = &pod->spec;
	bool restricted = level == PV_PODSEC_RESTRICTED;
	struct verdict v = { .len = 0 };
	struct checks *k;

	if (level == PV_PODSEC_PRIVILEGED)
		return 0;
	if (!(k = calloc(1, sizeof(*k))))
		return pv_err_set(err, ENOMEM, "out of memory");
	k->seccomp.pod = is_unconfined(s->security_context.seccomp_profile.type.v);
	k->non_root.pod = s->security_context.run_as_non_root.set &&
			  !s->security_context.run_as_non_root.v;
	k->root_uid.pod = s->security_context.run_as_user.set && s->security_context.run_as_user.v == 0;
	for (size_t i = 0; i < s->init_containers.n; i++)
		check_container(&s->init_containers.items[i], restricted, k);
	for (size_t i = 0; i < s->containers.n; i++)
		check_container(&s->containers.items[i], restricted, k);
	report_pod_baseline(s, &v);
	report(k, restricted, &v);
	free(k);
	if (!v.n)
		return 0;
	return pv_err_set(err, EPERM, "violates PodSecurity \"%s:latest\": %s",
			  restricted ? "restricted" : "baseline", v.buf);
}

/* ---- the kubelet's verifyRunAsNonRoot ---- */

int pv_secctx_verify_non_root(bool non_root, const struct pv_int *run_as_user,
			      const char *image_user, const char *pod_id, const char *container,
			      struct pv_err *err)
{
	char user[256];
	char *end;
	long long uid;

	if (!non_root)
		return 0;
	if (run_as_user && run_as_user->set)
		return run_as_user->v != 0 ? 0 : pv_err_set(err, EPERM, "container's runAsUser breaks "
							     "non-root policy (pod: \"%s\", container: %s)",
							     pod_id, container);
	snprintf(user, sizeof(user), "%s", image_user ? image_user : "");
	if (strchr(user, ':'))
		*strchr(user, ':') = '\0';
	if (!user[0])
		uid = 0; /* no USER in the image: root */
	else if ((uid = strtoll(user, &end, 10)), *end)
		return pv_err_set(err, EPERM, "container has runAsNonRoot and image has non-numeric "
				  "user (%s), cannot verify user is non-root (pod: \"%s\", container: "
				  "%s)", user, pod_id, container);
	return uid != 0 ? 0 : pv_err_set(err, EPERM, "container has runAsNonRoot and image will run "
					 "as root (pod: \"%s\", container: %s)", pod_id, container);
}
