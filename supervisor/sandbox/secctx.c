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

/* What baseline lets a container add: Docker's default set. */
static bool baseline_cap(const char *name)
{
	int cap = pv_cap_from_name(name);

	return cap >= 0 && (PV_CAPS_DEFAULT & (UINT64_C(1) << cap)) &&
	       cap != pv_cap_from_name("NET_RAW");
}

static void check_pod_baseline(const struct pv_pod_spec *s, struct verdict *v)
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
	if (s->security_context.seccomp_profile.type.v &&
	    strcmp(s->security_context.seccomp_profile.type.v, "Unconfined") == 0)
		violation(v, "seccompProfile (pod must not set securityContext.seccompProfile.type to "
			  "\"Unconfined\")");
}

static void check_container_baseline(const struct pv_container *c, struct verdict *v)
{
	const struct pv_security_context *sc = &c->security_context;

	if (sc->privileged.v)
		violation(v, "privileged (container \"%s\" must not set "
			  "securityContext.privileged=true)", c->name.v);
	for (size_t i = 0; i < sc->capabilities.add.n; i++)
		if (!baseline_cap(sc->capabilities.add.items[i].v))
			violation(v, "non-default capabilities (container \"%s\" must not include "
				  "\"%s\" in securityContext.capabilities.add)", c->name.v,
				  sc->capabilities.add.items[i].v);
	for (size_t i = 0; i < c->ports.n; i++)
		if (c->ports.items[i].host_port.v)
			violation(v, "hostPort (container \"%s\" uses hostPort %lld)", c->name.v,
				  (long long)c->ports.items[i].host_port.v);
	if (sc->proc_mount.v && strcmp(sc->proc_mount.v, "Unmasked") == 0)
		violation(v, "procMount (container \"%s\" must not set securityContext.procMount to "
			  "\"Unmasked\")", c->name.v);
	if (sc->seccomp_profile.type.v && strcmp(sc->seccomp_profile.type.v, "Unconfined") == 0)
		violation(v, "seccompProfile (container \"%s\" must not set "
			  "securityContext.seccompProfile.type to \"Unconfined\")", c->name.v);
}

static bool drops_all(const struct pv_capabilities *caps)
{
	for (size_t i = 0; i < caps->drop.n; i++)
		if (caps->drop.items[i].v && strcasecmp(caps->drop.items[i].v, "ALL") == 0)
			return true;
	return false;
}

/* Restricted: what the pod writes (what it leaves out is defaulted). */
static void check_container_restricted(const struct pv_pod_spec *s, const struct pv_container *c,
				       struct verdict *v)
{
	const struct pv_security_context *sc = &c->security_context;
	const struct pv_capabilities *caps = &sc->capabilities;

	if (sc->allow_privilege_escalation.set && sc->allow_privilege_escalation.v)
		violation(v, "allowPrivilegeEscalation != false (container \"%s\" must set "
			  "securityContext.allowPrivilegeEscalation=false)", c->name.v);
	if (caps->hdr.set && !drops_all(caps))
		violation(v, "unrestricted capabilities (container \"%s\" must set "
			  "securityContext.capabilities.drop=[\"ALL\"])", c->name.v);
	for (size_t i = 0; i < caps->add.n; i++)
		if (pv_cap_from_name(caps->add.items[i].v) != pv_cap_from_name("NET_BIND_SERVICE"))
			violation(v, "unrestricted capabilities (container \"%s\" must not include "
				  "\"%s\" in securityContext.capabilities.add)", c->name.v,
				  caps->add.items[i].v);
	if ((sc->run_as_non_root.set && !sc->run_as_non_root.v) ||
	    (!sc->run_as_non_root.set && s->security_context.run_as_non_root.set &&
	     !s->security_context.run_as_non_root.v))
		violation(v, "runAsNonRoot != true (container \"%s\" must not set "
			  "securityContext.runAsNonRoot=false)", c->name.v);
	if (sc->run_as_user.set && sc->run_as_user.v == 0)
		violation(v, "runAsUser=0 (container \"%s\" must not set runAsUser=0)", c->name.v);
}

static void check_containers(const struct pv_pod_spec *s, const pv_container_list *l,
			     enum pv_podsec level, struct verdict *v)
{
	for (size_t i = 0; i < l->n; i++) {
		check_container_baseline(&l->items[i], v);
		if (level == PV_PODSEC_RESTRICTED)
			check_container_restricted(s, &l->items[i], v);
	}
}

int pv_podsec_check(const struct pv_pod *pod, enum pv_podsec level, struct pv_err *err)
{
	const struct pv_pod_spec *s = &pod->spec;
	struct verdict v = { .len = 0 };

	if (level == PV_PODSEC_PRIVILEGED)
		return 0;
	check_pod_baseline(s, &v);
	if (level == PV_PODSEC_RESTRICTED && s->security_context.run_as_user.set &&
	    s->security_context.run_as_user.v == 0)
		violation(&v, "runAsUser=0 (pod must not set runAsUser=0)");
	check_containers(s, &s->init_containers, level, &v);
	check_containers(s, &s->containers, level, &v);
	if (!v.n)
		return 0;
	return pv_err_set(err, EPERM, "violates PodSecurity \"%s:latest\": %s",
			  level == PV_PODSEC_RESTRICTED ? "restricted" : "baseline", v.buf);
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
