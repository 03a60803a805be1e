/* A pod's sysctls and AppArmor profiles, the pure part
 * (sandbox/sysctl.c, sandbox/apparmor.c): names with dots or slashes,
 * the namespaces, the safe set, the node's unsafe patterns, and the
 * kubelet's admission with its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/sandbox/apparmor.h"
#include "supervisor/sandbox/sysctl.h"

static void test_dotted(void **state)
{
	char b[64];

	(void)state;
	pv_sysctl_dotted("net.ipv4.ip_local_port_range", b, sizeof(b));
	assert_string_equal(b, "net.ipv4.ip_local_port_range");
	pv_sysctl_dotted("net/ipv4/ip_local_port_range", b, sizeof(b));
	assert_string_equal(b, "net.ipv4.ip_local_port_range");
	/* an interface name with a dot (a VLAN) in the slashed form */
	pv_sysctl_dotted("net/ipv4/conf/eth0.100/rp_filter", b, sizeof(b));
	assert_string_equal(b, "net.ipv4.conf.eth0/100.rp_filter");
	pv_sysctl_dotted("net.ipv4.conf.eth0/100.rp_filter", b, sizeof(b));
	assert_string_equal(b, "net.ipv4.conf.eth0/100.rp_filter");
	pv_sysctl_dotted("kernel", b, sizeof(b));
	assert_string_equal(b, "kernel");
	pv_sysctl_dotted("net/ipv4/tcp_syncookies", b, 8); /* truncated, terminated */
	assert_string_equal(b, "net.ipv");
}

static void test_names(void **state)
{
	char longname[300];

	(void)state;
	assert_true(pv_sysctl_name_valid("net.ipv4.ip_local_port_range"));
	assert_true(pv_sysctl_name_valid("net/ipv4/conf/eth0.100/rp_filter"));
	assert_true(pv_sysctl_name_valid("kernel.shm_rmid_forced"));
	assert_true(pv_sysctl_name_valid("a"));
	assert_false(pv_sysctl_name_valid(NULL));
	assert_false(pv_sysctl_name_valid(""));
	/* "net.//.kernel.core_pattern" would be /proc/sys/net/../kernel/core_pattern: the node's */
	assert_false(pv_sysctl_name_valid("net.//.kernel.core_pattern"));
	assert_false(pv_sysctl_name_valid("net/../kernel/core_pattern"));
	assert_false(pv_sysctl_name_valid("net..x"));
	assert_false(pv_sysctl_name_valid(".net.x"));
	assert_false(pv_sysctl_name_valid("net.x."));
	assert_false(pv_sysctl_name_valid("Net.x"));
	assert_false(pv_sysctl_name_valid("net.core.*"));
	assert_false(pv_sysctl_name_valid("net._x"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(pv_sysctl_name_valid(longname));
}

static void test_namespaces(void **state)
{
	(void)state;
	assert_int_equal(pv_sysctl_namespace("kernel.sem"), PV_SYSCTL_NS_IPC);
	assert_int_equal(pv_sysctl_namespace("kernel.shm_rmid_forced"), PV_SYSCTL_NS_IPC);
	assert_int_equal(pv_sysctl_namespace("kernel.shmmax"), PV_SYSCTL_NS_IPC);
	assert_int_equal(pv_sysctl_namespace("kernel.msgmax"), PV_SYSCTL_NS_IPC);
	assert_int_equal(pv_sysctl_namespace("fs.mqueue.msg_max"), PV_SYSCTL_NS_IPC);
	assert_int_equal(pv_sysctl_namespace("net.core.somaxconn"), PV_SYSCTL_NS_NET);
	assert_int_equal(pv_sysctl_namespace("kernel.semx"), PV_SYSCTL_NS_UNKNOWN);
	assert_int_equal(pv_sysctl_namespace("kernel.hostname"), PV_SYSCTL_NS_UNKNOWN);
	assert_int_equal(pv_sysctl_namespace("vm.swappiness"), PV_SYSCTL_NS_UNKNOWN);
	assert_int_equal(pv_sysctl_namespace("fs.mqueue"), PV_SYSCTL_NS_UNKNOWN);
	assert_int_equal(pv_sysctl_namespace("network.x"), PV_SYSCTL_NS_UNKNOWN);
}

static void test_safe(void **state)
{
	static const char *const safe[] = {
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		assert_true(pv_sysctl_safe(safe[i]));
	assert_false(pv_sysctl_safe("net.core.somaxconn"));
	assert_false(pv_sysctl_safe("kernel.msgmax"));
	assert_false(pv_sysctl_safe("net.ipv4.ip_local_port_range2"));
	assert_false(pv_sysctl_safe("net/ipv4/ip_local_port_range")); /* dotted names only */
}

static void test_patterns(void **state)
{
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_sysctl_pattern_check("net.core.somaxconn", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("net.core.*", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("net/core/*", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("kernel.msg*", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("kernel.shm*", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("kernel.sem", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("fs.mqueue.*", &err), 0);
	assert_int_equal(pv_sysctl_pattern_check("vm.swappiness", &err), -1);
	assert_string_equal(err.msg, "the sysctl \"vm.swappiness\" are not known to be namespaced");
	assert_int_equal(pv_sysctl_pattern_check("kernel.*", &err), -1);
	assert_string_equal(err.msg, "the sysctls \"kernel.*\" are not known to be namespaced");
	assert_int_equal(pv_sysctl_pattern_check("*", &err), -1);
	assert_int_equal(pv_sysctl_pattern_check("Net.core.x", &err), -1);
	assert_non_null(strstr(err.msg, "must have at most 253 characters and match regex"));
	assert_int_equal(pv_sysctl_pattern_check("net..core", &err), -1);
	assert_int_equal(pv_sysctl_pattern_check("net.core.*.x", &err), -1);
	assert_int_equal(pv_sysctl_pattern_check("", &err), -1);

	assert_true(pv_sysctl_pattern_match("net.core.*", "net.core.somaxconn"));
	assert_true(pv_sysctl_pattern_match("net/core/*", "net.core.somaxconn"));
	assert_false(pv_sysctl_pattern_match("net.core.*", "net.ipv4.tcp_syncookies"));
	assert_true(pv_sysctl_pattern_match("kernel.msg*", "kernel.msgmax"));
	assert_true(pv_sysctl_pattern_match("kernel.msgmax", "kernel.msgmax"));
	assert_false(pv_sysctl_pattern_match("kernel.msgmax", "kernel.msgmaxx"));
}

/* A pod with N sysctls NAMES (values "1"). */
struct pod_case {
	struct pv_pod pod;
	struct pv_sysctl s[8];
	struct pv_container c[2];
	struct pv_kv ann[2];
};

static struct pv_pod *pod_with(struct pod_case *pc, const char *const *names, bool hostnet)
{
	size_t n = 0;

	memset(pc, 0, sizeof(*pc));
	while (names[n]) {
		pc->s[n].name.v = names[n];
		pc->s[n].value.v = "1";
		n++;
	}
	pc->pod.spec.security_context.sysctls.n = n;
	pc->pod.spec.security_context.sysctls.items = pc->s;
	pc->pod.spec.host_network.v = hostnet;
	pc->c[0].name.v = "app";
	pc->pod.spec.containers.n = 1;
	pc->pod.spec.containers.items = pc->c;
	return &pc->pod;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE_NAMES ((const char *const[]){ NULL })

static void test_admit(void **state)
{
	static char p1[] = "net.core.*", p2[] = "kernel.msgmax";
	char *const unsafe[] = { p1, p2 };
	struct pod_case pc;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range"), false), NULL, 0, &err), 0);
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net/ipv4/ip_local_port_range"), false),
				      NULL, 0, &err), 0);
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net.core.somaxconn"), false), NULL, 0, &err), -1);
	assert_string_equal(err.msg, "forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net/core/somaxconn"), false), unsafe, 2, &err), 0);
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("kernel.msgmax"), false), unsafe, 2, &err), 0);
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("kernel.msgmnb"), false), unsafe, 2, &err), -1);
	assert_string_equal(err.msg, "forbidden sysctl: \"kernel.msgmnb\" not allowlisted");
	/* net.* with hostNetwork, even the safe ones */
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net.ipv4.ip_local_port_range"), true),
				      NULL, 0, &err), -1);
	assert_string_equal(err.msg, "forbidden sysctl: \"net.ipv4.ip_local_port_range\" not "
			    "allowed with host net enabled");
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net.core.somaxconn"), true), unsafe, 2, &err), -1);
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("kernel.shm_rmid_forced"), true), NULL, 0, &err), 0);
	pod_with(&pc, L("kernel.shm_rmid_forced"), false)->spec.host_ipc.v = true;
	assert_int_equal(pv_sysctl_admit(&pc.pod, NULL, 0, &err), -1);
	assert_string_equal(err.msg, "forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed "
			    "with host ipc enabled");
	/* the first forbidden one is named */
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net.ipv4.tcp_syncookies", "vm.swappiness",
		"net.core.x"), false), unsafe, 2, &err), -1);
	assert_string_equal(err.msg, "forbidden sysctl: \"vm.swappiness\" not allowlisted");
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, NONE_NAMES, false), NULL, 0, &err), 0);
	/* a name Kubernetes' validation refuses, even under an allowed pattern */
	assert_int_equal(pv_sysctl_admit(pod_with(&pc, L("net.//.kernel.core_pattern"), false),
				      unsafe, 2, &err), -1);
	assert_non_null(strstr(err.msg, "forbidden sysctl: \"net.//.kernel.core_pattern\": must have "
				"at most 253 characters"));
}

static void set_profile(struct pv_seccomp_profile *p, const char *type, const char *lp)
{
	p->type.v = type;
	p->localhost_profile.v = lp;
}

static void test_apparmor(void **state)
{
	struct pod_case pc;
	struct pv_err err = { 0 };
	enum pv_apparmor a;
	const char *prof;

	(void)state;
	pod_with(&pc, NONE_NAMES, false);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), 0);
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_NONE);
	set_profile(&pc.pod.spec.security_context.app_armor_profile, "Unconfined", NULL);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), 0);
	/* the container's over the pod's; any profile but Unconfined needs AppArmor */
	set_profile(&pc.c[0].security_context.app_armor_profile, "RuntimeDefault", NULL);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_string_equal(err.msg, "Cannot enforce AppArmor: AppArmor is not enabled on the host");
	assert_int_equal(pv_apparmor_admit(&pc.pod, true, &err), 0);
	set_profile(&pc.c[0].security_context.app_armor_profile, "Localhost", "k8s-deny-write");
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_LOCALHOST);
	assert_string_equal(prof, "k8s-deny-write");
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_string_equal(err.msg, "Cannot enforce AppArmor: AppArmor is not enabled on the host");
	assert_int_equal(pv_apparmor_admit(&pc.pod, true, &err), -1);
	assert_non_null(strstr(err.msg, "loads no AppArmor profile"));
	set_profile(&pc.c[0].security_context.app_armor_profile, "Localhost", NULL);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_non_null(strstr(err.msg, "Required value: must be set when AppArmor type is Localhost"));
	set_profile(&pc.c[0].security_context.app_armor_profile, "Unconfined", "x");
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_non_null(strstr(err.msg, "can only be set when AppArmor type is Localhost"));

	/* the deprecated annotation, when no field says */
	pod_with(&pc, NONE_NAMES, false);
	pc.ann[0].key = "container.apparmor.security.beta.kubernetes.io/app";
	pc.ann[0].value = "localhost/k8s-deny-write";
	pc.pod.h.metadata.annotations.n = 1;
	pc.pod.h.metadata.annotations.items = pc.ann;
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_LOCALHOST);
	assert_string_equal(prof, "k8s-deny-write");
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	pc.ann[0].value = "unconfined";
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), 0);
	pc.ann[0].value = "runtime/default";
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	pc.ann[0].value = "bogus";
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_non_null(strstr(err.msg, "invalid AppArmor profile name"));
	pc.ann[0].key = "container.apparmor.security.beta.kubernetes.io/other";
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotted),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_apparmor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
