/* Capabilities and security contexts, the pure part (sandbox/caps.c,
 * sandbox/secctx.c): names with and without CAP_, add/drop resolved as
 * containerd resolves them, the effective context with the restricted
 * profile's defaults, Pod Security admission's messages, the
 * kubelet's runAsNonRoot check, and the identity record exec reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/sandbox/caps.h"
#include "supervisor/sandbox/secctx.h"

#define BIT(n) (UINT64_C(1) << (n))

/* A list of up to 8 names (NULL-terminated) into L, with its storage S. */
static void names(pv_strlist *l, struct pv_str *s, const char *const *v)
{
	size_t n = 0;

	while (v[n]) {
		s[n].v = v[n];
		n++;
	}
	l->n = n;
	l->items = s;
	l->set = n > 0;
}

struct caps_case {
	struct pv_capabilities c;
	struct pv_str a[8], d[8];
};

static struct pv_capabilities *caps(struct caps_case *cc, const char *const *add,
				    const char *const *drop)
{
	memset(cc, 0, sizeof(*cc));
	names(&cc->c.add, cc->a, add);
	names(&cc->c.drop, cc->d, drop);
	cc->c.hdr.set = true;
	return &cc->c;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(pv_cap_from_name("CHOWN"), 0);
	assert_int_equal(pv_cap_from_name("NET_ADMIN"), 12);
	assert_int_equal(pv_cap_from_name("CAP_NET_ADMIN"), 12);
	assert_int_equal(pv_cap_from_name("cap_net_admin"), 12);
	assert_int_equal(pv_cap_from_name("net_admin"), 12);
	assert_int_equal(pv_cap_from_name("SYS_ADMIN"), 21);
	assert_int_equal(pv_cap_from_name("CHECKPOINT_RESTORE"), 40);
	assert_int_equal(pv_cap_from_name("NET_ADMINISTRATOR"), -1);
	assert_int_equal(pv_cap_from_name("CAP_"), -1);
	assert_int_equal(pv_cap_from_name(""), -1);
	assert_int_equal(pv_cap_from_name(NULL), -1);
	assert_int_equal(pv_cap_from_name("ALL"), -1);
	for (int i = 0; i <= PV_CAPS_LAST; i++)
		assert_int_equal(pv_cap_from_name(pv_cap_name(i)), i);
	assert_null(pv_cap_name(41));
	assert_null(pv_cap_name(-1));
}

static void test_default_set(void **state)
{
	static const char *const docker[] = {
		"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
		"SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
	};
	uint64_t m = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(docker) / sizeof(docker[0]); i++)
		m |= BIT(pv_cap_from_name(docker[i]));
	assert_int_equal(m, PV_CAPS_DEFAULT);
	assert_int_equal(PV_CAPS_DEFAULT, 0xa80425fb);
}

static void test_resolve(void **state)
{
	struct caps_case cc;
	struct pv_err err = { 0 };
	uint64_t out = 0;

	(void)state;
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, NONE, NONE), &out, &err), 0);
	assert_int_equal(out, PV_CAPS_DEFAULT);
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, NONE, L("ALL")), &out, &err), 0);
	assert_int_equal(out, 0);
	/* drop ALL then add: only what is added, whatever the order written */
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, L("NET_BIND_SERVICE"),
							      L("ALL")), &out, &err), 0);
	assert_int_equal(out, BIT(10));
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, L("NET_ADMIN", "cap_sys_time"),
							      L("KILL")), &out, &err), 0);
	assert_int_equal(out, (PV_CAPS_DEFAULT | BIT(12) | BIT(25)) & ~BIT(5));
	assert_int_equal(out, 0xaa0435db);
	/* add ALL, drop one: everything but it */
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, L("all"), L("SYS_ADMIN")),
					 &out, &err), 0);
	assert_int_equal(out, PV_CAPS_ALL & ~BIT(21));
	/* a name both added and dropped: the drop wins (containerd drops last) */
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, L("NET_ADMIN"), L("NET_ADMIN")),
					 &out, &err), 0);
	assert_int_equal(out, PV_CAPS_DEFAULT);
	out = 7;
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, L("NET_ADMINISTRATOR"), NONE),
					 &out, &err), -1);
	assert_int_equal(out, 7);
	assert_non_null(strstr(err.msg, "capabilities.add: unknown capability \"NET_ADMINISTRATOR\""));
	assert_int_equal(pv_caps_resolve(PV_CAPS_DEFAULT, caps(&cc, NONE, L("CAP_FOO")), &out, &err),
			 -1);
	assert_non_null(strstr(err.msg, "capabilities.drop: unknown capability \"CAP_FOO\""));
}

/* ---- security contexts ---- */

struct podcase {
	struct pv_pod pod;
	struct pv_container c[2];
	struct pv_str a[8], d[8];
};

static struct pv_container *one_pod(struct podcase *p, int n)
{
	memset(p, 0, sizeof(*p));
	p->pod.h.metadata.name.v = "web";
	p->c[0].name.v = "main";
	p->c[1].name.v = "side";
	p->pod.spec.containers.items = p->c;
	p->pod.spec.containers.n = (size_t)n;
	return &p->c[0];
}

static void set_bool(struct pv_bool *b, bool v)
{
	b->v = v;
	b->set = true;
}

static void test_resolve_defaults(void **state)
{
	struct podcase p;
	struct pv_container *c = one_pod(&p, 1);
	struct pv_secctx x;
	struct pv_err err = { 0 };

	(void)state;
	/* Docker's defaults */
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_int_equal(x.caps, PV_CAPS_DEFAULT);
	assert_false(x.no_new_privs);
	assert_false(x.run_as_non_root);
	assert_false(x.privileged);
	assert_false(x.groups_strict);
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_BASELINE, &x, &err), 0);
	assert_int_equal(x.caps, PV_CAPS_DEFAULT);
	/* restricted: what is not said is defaulted */
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_RESTRICTED, &x, &err), 0);
	assert_int_equal(x.caps, BIT(10));
	assert_true(x.no_new_privs);
	assert_true(x.run_as_non_root);
	/* what is said stands */
	set_bool(&c->security_context.allow_privilege_escalation, true);
	set_bool(&p.pod.spec.security_context.run_as_non_root, false);
	names(&c->security_context.capabilities.drop, p.d, L("ALL"));
	c->security_context.capabilities.hdr.set = true;
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_RESTRICTED, &x, &err), 0);
	assert_int_equal(x.caps, 0);
	assert_false(x.no_new_privs);
	assert_false(x.run_as_non_root);
	/* the container's runAsNonRoot over the pod's */
	set_bool(&c->security_context.run_as_non_root, true);
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_true(x.run_as_non_root);
	p.pod.spec.security_context.supplemental_groups_policy.v = "Strict";
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_true(x.groups_strict);
}

static void test_resolve_escalation(void **state)
{
	struct podcase p;
	struct pv_container *c = one_pod(&p, 1);
	struct pv_secctx x;
	struct pv_err err = { 0 };

	(void)state;
	set_bool(&c->security_context.allow_privilege_escalation, false);
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_true(x.no_new_privs);
	set_bool(&c->security_context.privileged, true);
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), -1);
	assert_non_null(strstr(err.msg, "cannot set allowPrivilegeEscalation to false and privileged "
				       "to true"));
	c->security_context.allow_privilege_escalation.set = false;
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_RESTRICTED, &x, &err), 0);
	assert_true(x.privileged);
	assert_false(x.no_new_privs); /* privileged implies escalation */
	assert_int_equal(x.caps, PV_CAPS_ALL);
	c->security_context.privileged.v = false;
	names(&c->security_context.capabilities.add, p.a, L("SYS_ADMIN"));
	c->security_context.capabilities.hdr.set = true;
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_RESTRICTED, &x, &err), 0);
	assert_false(x.no_new_privs); /* so does CAP_SYS_ADMIN */
	/* Kubernetes refuses only the literal "CAP_SYS_ADMIN" in add with
	 * allowPrivilegeEscalation: false; "SYS_ADMIN" and "ALL" it accepts */
	set_bool(&c->security_context.allow_privilege_escalation, false);
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_true(x.no_new_privs);
	assert_true(x.caps & BIT(21));
	names(&c->security_context.capabilities.add, p.a, L("ALL"));
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), 0);
	assert_int_equal(x.caps, PV_CAPS_ALL);
	assert_int_equal(x.caps_if_held, PV_CAPS_ALL);
	names(&c->security_context.capabilities.add, p.a, L("CAP_SYS_ADMIN"));
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), -1);
	/* the caller names the container: no "container main: " here */
	assert_string_equal(err.msg, "cannot set allowPrivilegeEscalation to false and "
			    "capabilities.add CAP_SYS_ADMIN");
	names(&c->security_context.capabilities.add, p.a, L("BOGUS"));
	assert_int_equal(pv_secctx_resolve(&p.pod, c, PV_PODSEC_PRIVILEGED, &x, &err), -1);
	assert_string_equal(err.msg, "securityContext.capabilities.add: unknown capability "
			    "\"BOGUS\" (names as NET_ADMIN or CAP_NET_ADMIN, or ALL)");
}

/* "ALL" in add: what it brought in is wanted only if the node has it; a
 * capability named beside it is required. */
static void test_if_held(void **state)
{
	struct caps_case cc;

	(void)state;
	assert_int_equal(pv_caps_if_held(caps(&cc, L("ALL"), NONE)), PV_CAPS_ALL);
	assert_int_equal(pv_caps_if_held(caps(&cc, L("all", "NET_ADMIN", "CAP_SYS_TIME"), NONE)),
			 PV_CAPS_ALL & ~BIT(12) & ~BIT(25));
	assert_int_equal(pv_caps_if_held(caps(&cc, L("NET_ADMIN"), NONE)), 0);
	assert_int_equal(pv_caps_if_held(caps(&cc, L("ALL"), L("ALL"))), 0);
	assert_int_equal(pv_caps_if_held(caps(&cc, NONE, NONE)), 0);
}

static const char record[] = "uid 1000\ngid 2000\ngroups 2000 3000 4\ncaps 00000000a80425fb\n"
			     "nnp 1\nend\n";

static void test_identity_parse(void **state)
{
	struct pv_identity id;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_identity_parse(record, &id, &err), 0);
	assert_int_equal(id.uid, 1000);
	assert_int_equal(id.gid, 2000);
	assert_int_equal(id.ngroups, 3);
	assert_int_equal(id.groups[0], 2000);
	assert_int_equal(id.groups[2], 4);
	assert_int_equal(id.caps, PV_CAPS_DEFAULT);
	assert_true(id.no_new_privs);
	pv_identity_free(&id);
	/* no group at all is a record too */
	assert_int_equal(pv_identity_parse("uid 0\ngid 0\ngroups\ncaps 0\nnnp 0\nend\n", &id,
					   &err), 0);
	assert_int_equal(id.ngroups, 0);
	pv_identity_free(&id);
}

/* Anything short of a whole record is an error, never root. */
static void test_identity_damaged(void **state)
{
	static const char *const bad[] = {
		"",
		"uid 1000\ngid 2000\ngroups 2000\ncaps a80425fb\nnnp 1\n",     /* cut before end */
		"gid 2000\ngroups 2000\ncaps a80425fb\nnnp 1\nend\n",          /* no uid */
		"uid 1000\ngroups 2000\ncaps a80425fb\nnnp 1\nend\n",          /* no gid */
		"uid 1000\ngid 2000\ncaps a80425fb\nnnp 1\nend\n",             /* no groups */
		"uid 1000\ngid 2000\ngroups 2000\nnnp 1\nend\n",               /* no caps */
		"uid 1000\ngid 2000\ngroups 2000\ncaps a80425fb\nend\n",       /* no nnp */
		"uid 10x0\ngid 2000\ngroups 2000\ncaps a80425fb\nnnp 1\nend\n",
		"uid 1000\ngid 2000\ngroups 20 x\ncaps a80425fb\nnnp 1\nend\n",
		"uid 1000\ngid 2000\ngroups 2000\ncaps ffffffffffffffff\nnnp 1\nend\n",
		"uid 99999999999\ngid 2000\ngroups 2000\ncaps 0\nnnp 1\nend\n",
		"uid 1000\ngid 2000\ngroups 2000\ncaps 0\nnnp 2\nend\n",
		"uid 1000\ngid 2000\ngroups 2000\ncaps 0\nnnp 1\nbogus 1\nend\n",
		"uid 1000\ngid 2000\ngroups 2000\ncaps 0\nnnp 1\nen",          /* cut in end */
		"uid 1000\ngid 2000\ngroups 1\ngroups 2\ncaps 0\nnnp 1\nend\n",
	};
	struct pv_identity id;
	struct pv_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id.uid = 7;
		if (pv_identity_parse(bad[i], &id, &err) != -1)
			fail_msg("record %zu taken: %s", i, bad[i]);
		assert_int_equal(err.code, EIO);
		assert_int_equal(id.uid, 0);
		assert_null(id.groups);
	}
}

/* More groups than any fixed array held (256): every one kept. */
static void test_identity_many_groups(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct pv_identity id;
	struct pv_err err = { 0 };

	(void)state;
	fprintf(f, "uid 1\ngid 1\ngroups");
	for (int i = 0; i < 3000; i++)
		fprintf(f, " %d", 10000 + i);
	fprintf(f, "\ncaps 0\nnnp 0\nend\n");
	fclose(f);
	assert_int_equal(pv_identity_parse(text, &id, &err), 0);
	assert_int_equal(id.ngroups, 3000);
	assert_int_equal(id.groups[2999], 12999);
	pv_identity_free(&id);
	free(text);
}

static void test_identity_read(void **state)
{
	char dir[] = "/tmp/test_caps.XXXXXX", path[64];
	struct pv_identity id;
	struct pv_err err = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pv_identity_read(dir, &id, &err), -1); /* missing: refused */
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "the container's identity record"));
	snprintf(path, sizeof(path), "%s/%s", dir, PV_IDENTITY_FILE);
	assert_non_null(f = fopen(path, "w"));
	fputs("uid 1000\ngid 2000\n", f); /* cut short */
	fclose(f);
	assert_int_equal(pv_identity_read(dir, &id, &err), -1);
	assert_int_equal(err.code, EIO);
	assert_non_null(f = fopen(path, "w"));
	fputs(record, f);
	fclose(f);
	assert_int_equal(pv_identity_read(dir, &id, &err), 0);
	assert_int_equal(id.uid, 1000);
	pv_identity_free(&id);
	unlink(path);
	rmdir(dir);
}

static void test_podsec(void **state)
{
	struct podcase p;
	struct pv_container *c = one_pod(&p, 2);
	struct pv_err err = { 0 };
	struct pv_volume vol = { 0 };

	(void)state;
	assert_int_equal(pv_podsec_parse("restricted"), PV_PODSEC_RESTRICTED);
	assert_int_equal(pv_podsec_parse("baseline"), PV_PODSEC_BASELINE);
	assert_int_equal(pv_podsec_parse("privileged"), PV_PODSEC_PRIVILEGED);
	assert_int_equal(pv_podsec_parse("Restricted"), -1);
	assert_int_equal(pv_podsec_parse(NULL), -1);
	/* a plain pod passes every level (restricted defaults what it omits) */
	for (int l = PV_PODSEC_PRIVILEGED; l <= PV_PODSEC_RESTRICTED; l++)
		assert_int_equal(pv_podsec_check(&p.pod, l, &err), 0);
	set_bool(&c->security_context.privileged, true);
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_PRIVILEGED, &err), 0);
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"baseline:latest\": privileged (container "
			    "\"main\" must not set securityContext.privileged=true)");
	c->security_context.privileged.v = false;
	set_bool(&p.pod.spec.host_network, true);
	set_bool(&p.pod.spec.host_pid, true);
	vol.name.v = "root";
	vol.host_path.hdr.set = true;
	p.pod.spec.volumes.items = &vol;
	p.pod.spec.volumes.n = 1;
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"baseline:latest\": host namespaces "
			    "(hostNetwork=true, hostPID=true), hostPath volumes (volume \"root\")");
	p.pod.spec.host_network.v = p.pod.spec.host_pid.v = false;
	p.pod.spec.volumes.n = 0;
	/* baseline lets a container add Docker's defaults (but NET_RAW), not more */
	names(&p.c[1].security_context.capabilities.add, p.a, L("CHOWN", "SYS_ADMIN"));
	p.c[1].security_context.capabilities.hdr.set = true;
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"baseline:latest\": non-default "
			    "capabilities (container \"side\" must not include \"SYS_ADMIN\" in "
			    "securityContext.capabilities.add)");
	/* restricted: drop ALL, add NET_BIND_SERVICE at most */
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_RESTRICTED, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"restricted:latest\": non-default "
			    "capabilities (container \"side\" must not include \"SYS_ADMIN\" in "
			    "securityContext.capabilities.add), unrestricted "
			    "capabilities (container \"side\" must set securityContext.capabilities."
			    "drop=[\"ALL\"]; container \"side\" must not include \"CHOWN\", "
			    "\"SYS_ADMIN\" in securityContext.capabilities.add)");
	/* baseline compares the strings, as Kubernetes: CAP_CHOWN and chown are not CHOWN */
	names(&p.c[1].security_context.capabilities.add, p.a, L("CAP_CHOWN", "chown", "SETUID"));
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"baseline:latest\": non-default "
			    "capabilities (container \"side\" must not include \"CAP_CHOWN\", "
			    "\"chown\" in securityContext.capabilities.add)");
	names(&p.c[1].security_context.capabilities.add, p.a, L("NET_BIND_SERVICE"));
	names(&p.c[1].security_context.capabilities.drop, p.d, L("ALL"));
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_RESTRICTED, &err), 0);
	set_bool(&c->security_context.allow_privilege_escalation, true);
	set_bool(&c->security_context.run_as_non_root, false);
	c->security_context.run_as_user = (struct pv_int){ .v = 0, .set = true };
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), 0);
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_RESTRICTED, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"restricted:latest\": "
			    "allowPrivilegeEscalation != false (container \"main\" must set "
			    "securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true "
			    "(container \"main\" must not set securityContext.runAsNonRoot=false), "
			    "runAsUser=0 (container \"main\" must not set runAsUser=0)");
	/* the pod's own runAsNonRoot: false is the pod's, not its containers' */
	c->security_context.run_as_non_root.set = false;
	c->security_context.allow_privilege_escalation.set = false;
	c->security_context.run_as_user.set = false;
	set_bool(&p.pod.spec.security_context.run_as_non_root, false);
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_RESTRICTED, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"restricted:latest\": runAsNonRoot != "
			    "true (pod must not set securityContext.runAsNonRoot=false)");
	set_bool(&p.c[1].security_context.run_as_non_root, false);
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_RESTRICTED, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"restricted:latest\": runAsNonRoot != "
			    "true (pod and container \"side\" must not set "
			    "securityContext.runAsNonRoot=false)");
}

/* One violation of a check in several containers: one phrase naming
 * them all, as the Pod Security admission words it. */
static void test_podsec_grouped(void **state)
{
	struct podcase p;
	struct pv_container *c = one_pod(&p, 2);
	struct pv_err err = { 0 };
	struct pv_str a2[8];

	(void)state;
	set_bool(&c->security_context.privileged, true);
	set_bool(&p.c[1].security_context.privileged, true);
	names(&c->security_context.capabilities.add, p.a, L("SYS_TIME", "NET_ADMIN"));
	names(&p.c[1].security_context.capabilities.add, a2, L("NET_ADMIN"));
	assert_int_equal(pv_podsec_check(&p.pod, PV_PODSEC_BASELINE, &err), -1);
	assert_string_equal(err.msg, "violates PodSecurity \"baseline:latest\": privileged "
			    "(containers \"main\", \"side\" must not set securityContext.privileged="
			    "true), non-default capabilities (containers \"main\", \"side\" must not "
			    "include \"NET_ADMIN\", \"SYS_TIME\" in securityContext.capabilities.add)");
}

static void test_podsec_many(void **state)
{
	static struct pv_container cs[40];
	static char nm[40][16];
	struct pv_pod pod;
	struct pv_err err = { 0 };

	(void)state;
	memset(&pod, 0, sizeof(pod));
	for (int i = 0; i < 40; i++) {
		snprintf(nm[i], sizeof(nm[i]), "c%d", i);
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].name.v = nm[i];
		set_bool(&cs[i].security_context.privileged, true);
	}
	pod.spec.containers.items = cs;
	pod.spec.containers.n = 40;
	/* forty violations: the message is cut, never overrun */
	assert_int_equal(pv_podsec_check(&pod, PV_PODSEC_RESTRICTED, &err), -1);
	assert_non_null(strstr(err.msg, "privileged (containers \"c0\", \"c1\""));
	assert_true(strlen(err.msg) < sizeof(err.msg));
}

/* The user string the shim gets: runAsUser over the image's user (whose
 * group the kubelet does not pass), runAsGroup over the group. */
static void test_user(void **state)
{
	static const struct {
		bool uid_set, gid_set;
		int64_t uid, gid;
		const char *image, *want;
	} cases[] = {
		{ false, false, 0, 0, NULL, NULL },
		{ false, false, 0, 0, "", NULL },
		{ true, false, 1000, 0, "app", "1000" },
		{ true, true, 1000, 3000, "app:staff", "1000:3000" },
		{ true, false, 0, 0, NULL, "0" },
		{ false, false, 0, 0, "app", "app" },
		{ false, false, 0, 0, "app:staff", "app" },     /* kubernetes#61967 */
		{ false, false, 0, 0, "1000:2000", "1000" },
		{ false, true, 0, 5000, "app:staff", "app:5000" },
		{ false, true, 0, 5000, NULL, "0:5000" },
	};
	struct pv_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pv_int uid = { .v = cases[i].uid, .set = cases[i].uid_set };
		struct pv_int gid = { .v = cases[i].gid, .set = cases[i].gid_set };
		char *out = (char *)"junk";

		assert_int_equal(pv_secctx_user(&uid, &gid, cases[i].image, &out, &err), 0);
		if (!cases[i].want)
			assert_null(out);
		else
			assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void test_non_root(void **state)
{
	struct pv_err err = { 0 };
	struct pv_int zero = { .v = 0, .set = true }, k = { .v = 1000, .set = true };
	const char *id = "web_default(1234)";

	(void)state;
	assert_int_equal(pv_secctx_verify_non_root(false, NULL, NULL, id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(false, &zero, "root", id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(true, &k, NULL, id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(true, &k, "root", id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(true, &zero, "1000", id, "main", &err), -1);
	assert_string_equal(err.msg, "container's runAsUser breaks non-root policy (pod: "
			    "\"web_default(1234)\", container: main)");
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, NULL, id, "main", &err), -1);
	assert_string_equal(err.msg, "container has runAsNonRoot and image will run as root (pod: "
			    "\"web_default(1234)\", container: main)");
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "", id, "main", &err), -1);
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "0:0", id, "main", &err), -1);
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "1000", id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "1000:0", id, "main", &err), 0);
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "nobody", id, "main", &err), -1);
	assert_string_equal(err.msg, "container has runAsNonRoot and image has non-numeric user "
			    "(nobody), cannot verify user is non-root (pod: \"web_default(1234)\", "
			    "container: main)");
	assert_int_equal(pv_secctx_verify_non_root(true, NULL, "app:app", id, "main", &err), -1);
	assert_non_null(strstr(err.msg, "non-numeric user (app)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_default_set),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_defaults),
		cmocka_unit_test(test_resolve_escalation),
		cmocka_unit_test(test_podsec),
		cmocka_unit_test(test_podsec_grouped),
		cmocka_unit_test(test_podsec_many),
		cmocka_unit_test(test_non_root),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_if_held),
		cmocka_unit_test(test_identity_parse),
		cmocka_unit_test(test_identity_damaged),
		cmocka_unit_test(test_identity_many_groups),
		cmocka_unit_test(test_identity_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
