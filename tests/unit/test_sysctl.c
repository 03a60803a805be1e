/* A pod's sysctls and AppArmor profiles, the pure part
 * (sandbox/sysctl.c, sandbox/apparmor.c): names with dots or slashes,
 * the namespaces, the safe set, the node's unsafe patterns, and the
 * kubelet's admission with its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/core/proc.h"
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

/* The name's file: "net.a/b" is /proc/sys/net/a.b, whichever form */
static void test_path(void **state)
{
	char b[sizeof(PV_SYSCTL_ROOT) + 254], name[254];
	static const char *const same[][2] = {
		{ "net.ipv4.ip_local_port_range", "/proc/sys/net/ipv4/ip_local_port_range" },
		{ "net/ipv4/ip_local_port_range", "/proc/sys/net/ipv4/ip_local_port_range" },
		{ "net.a/b", "/proc/sys/net/a.b" },
		{ "net/a.b", "/proc/sys/net/a.b" },
		{ "net.ipv4.conf.eth0/100.rp_filter", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter" },
		{ "net/ipv4/conf/eth0.100/rp_filter", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter" },
		{ "kernel/shm_rmid_forced", "/proc/sys/kernel/shm_rmid_forced" },
		{ "kernel", "/proc/sys/kernel" },
	};
	static const char *const refused[] = {
		"net/../kernel/x", "net.//.kernel.domainname", "net.../kernel.x", "net/./x", "net..x",
		"net//x", ".net", "net.", "/net", "net/", "", "..", "net.x/../y", "Net.x", "net.core.*",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char dotted[64];

		assert_int_equal(pv_sysctl_path(same[i][0], b, sizeof(b)), 0);
		assert_string_equal(b, same[i][1]);
		/* the dotted form of either is the same file */
		pv_sysctl_dotted(same[i][0], dotted, sizeof(dotted));
		assert_int_equal(pv_sysctl_path(dotted, b, sizeof(b)), 0);
		assert_string_equal(b, same[i][1]);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		errno = 0;
		strcpy(b, "untouched");
		assert_int_equal(pv_sysctl_path(refused[i], b, sizeof(b)), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(pv_sysctl_path(NULL, b, sizeof(b)), -1);
	/* the longest name (253) fits; a buffer one short does not */
	memset(name, 'a', 253);
	name[253] = '\0';
	name[3] = '.';
	assert_int_equal(pv_sysctl_path(name, b, sizeof(b)), 0);
	assert_int_equal(strlen(b), strlen("/proc/sys/") + 253);
	assert_int_equal(strncmp(b, "/proc/sys/aaa/aaaa", 18), 0);
	assert_int_equal(pv_sysctl_path("net.core.somaxconn", b, strlen("/proc/sys/net/core/somaxconn")), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(pv_sysctl_path("net.core.somaxconn", b, strlen("/proc/sys/net/core/somaxconn") + 1), 0);
	assert_string_equal(b, "/proc/sys/net/core/somaxconn");
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
		"net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		assert_true(pv_sysctl_safe(safe[i]));
	assert_false(pv_sysctl_safe("net.core.somaxconn"));
	assert_false(pv_sysctl_safe("net.ipv4.tcp_mem")); /* the node's memory, not the pod's */
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

	/* the kubelet's order: the container's field, its annotation, the pod's field */
	pc.ann[0].key = "container.apparmor.security.beta.kubernetes.io/app";
	pc.ann[0].value = "localhost/k8s-deny-write";
	set_profile(&pc.pod.spec.security_context.app_armor_profile, "Unconfined", NULL);
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_LOCALHOST);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), -1);
	assert_string_equal(err.msg, "Cannot enforce AppArmor: AppArmor is not enabled on the host");
	set_profile(&pc.c[0].security_context.app_armor_profile, "Unconfined", NULL);
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_UNCONFINED);
	assert_int_equal(pv_apparmor_admit(&pc.pod, false, &err), 0);
	pc.ann[0].value = "unconfined";
	set_profile(&pc.c[0].security_context.app_armor_profile, NULL, NULL);
	set_profile(&pc.pod.spec.security_context.app_armor_profile, "RuntimeDefault", NULL);
	assert_int_equal(pv_apparmor_profile(&pc.pod, &pc.c[0], &a, &prof, &err), 0);
	assert_int_equal(a, PV_APPARMOR_UNCONFINED);
}

/* RuntimeDefault asked for on a node with AppArmor: this podvisor loads
 * no profile, so the pod is told (a Warning event) which container runs
 * unconfined. */
static void test_apparmor_unenforced(void **state)
{
	struct pod_case pc;

	(void)state;
	pod_with(&pc, NONE_NAMES, false);
	pc.c[1].name.v = "side";
	pc.pod.spec.containers.n = 2;
	assert_null(pv_apparmor_unenforced(&pc.pod, true)); /* nothing asked */
	set_profile(&pc.pod.spec.security_context.app_armor_profile, "Unconfined", NULL);
	assert_null(pv_apparmor_unenforced(&pc.pod, true));
	set_profile(&pc.c[1].security_context.app_armor_profile, "RuntimeDefault", NULL);
	assert_string_equal(pv_apparmor_unenforced(&pc.pod, true), "side");
	assert_null(pv_apparmor_unenforced(&pc.pod, false)); /* refused there: admission */
	set_profile(&pc.c[1].security_context.app_armor_profile, NULL, NULL);
	set_profile(&pc.pod.spec.security_context.app_armor_profile, "RuntimeDefault", NULL);
	assert_string_equal(pv_apparmor_unenforced(&pc.pod, true), "app");
	/* the annotation, and init containers */
	pod_with(&pc, NONE_NAMES, false);
	pc.ann[0].key = "container.apparmor.security.beta.kubernetes.io/setup";
	pc.ann[0].value = "runtime/default";
	pc.pod.h.metadata.annotations.n = 1;
	pc.pod.h.metadata.annotations.items = pc.ann;
	assert_null(pv_apparmor_unenforced(&pc.pod, true));
	pc.c[1].name.v = "setup";
	pc.pod.spec.init_containers.n = 1;
	pc.pod.spec.init_containers.items = &pc.c[1];
	assert_string_equal(pv_apparmor_unenforced(&pc.pod, true), "setup");
	/* a bad profile is admission's to refuse */
	pc.ann[0].value = "bogus";
	assert_null(pv_apparmor_unenforced(&pc.pod, true));
}

/* ---- writing them (root: in namespaces this test makes) ---- */

/* Every write below lands in namespaces made here: a network, IPC, UTS,
 * PID and mount namespace of the test's own (R, pid 1 in its PID namespace,
 * with its own /proc), and the pod inits' beneath it. A writer that
 * joined the wrong process would change R's values, never the node's. */

#define PORTS "/proc/sys/net/ipv4/ip_local_port_range"
#define SHM "/proc/sys/kernel/shm_rmid_forced"

static int failures;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "# %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fprintf(stderr, "\n");                                 \
			failures++;                                             \
		}                                                               \
	} while (0)

static void read_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, len - 1);

	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = '\0';
	for (char *c = out; *c; c++)
		if (*c == '\t' || *c == '\n')
			*c = *c == '\t' ? ' ' : '\0';
}

static ino_t ns_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* A stand-in pod init: a child that unshares FLAGS (0: stays in R's
 * namespaces) and waits to be killed. Its pid; *PIDFD its pidfd. */
static pid_t pod_init(int flags, int *pidfd)
{
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		c = flags && unshare(flags) < 0 ? 'x' : 'r';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1 || c != 'r')
		pid = -1;
	close(p[0]);
	*pidfd = pid < 0 ? -1 : pv_pidfd_open(pid, 0);
	return pid;
}

static void kill_init(pid_t pid, int pidfd)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pidfd);
}

/* PATH as the process behind PIDFD sees it (its network and IPC). */
static void read_in(int pidfd, const char *path, char *out, size_t len)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		char b[128];

		if (setns(pidfd, CLONE_NEWNET | CLONE_NEWIPC) < 0)
			_exit(1);
		read_file(path, b, sizeof(b));
		_exit(write(p[1], b, strlen(b)) < 0);
	}
	close(p[1]);
	n = pid < 0 ? -1 : read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* A pod with the sysctls NAMES = VALUES (two at most). */
static struct pv_pod *pod_set(struct pod_case *pc, const char *n1, const char *v1,
			      const char *n2, const char *v2)
{
	memset(pc, 0, sizeof(*pc));
	pc->s[0].name.v = n1;
	pc->s[0].value.v = v1;
	pc->s[1].name.v = n2;
	pc->s[1].value.v = v2;
	pc->pod.spec.security_context.sysctls.n = n2 ? 2 : 1;
	pc->pod.spec.security_context.sysctls.items = pc->s;
	return &pc->pod;
}

static void in_own_namespaces(void)
{
	struct pod_case pc;
	struct pv_err err = { 0 };
	char r_ports[64], r_shm[16], b[128];
	int fd;
	pid_t pid;

	read_file(PORTS, r_ports, sizeof(r_ports));
	read_file(SHM, r_shm, sizeof(r_shm));

	/* the pod's own network and IPC: written there, R keeps its values */
	pid = pod_init(CLONE_NEWNET | CLONE_NEWIPC, &fd);
	CHECK(pid > 0 && fd >= 0, "pod init: %s", strerror(errno));
	pod_set(&pc, "net.ipv4.ip_local_port_range", "20000 40000", "kernel/shm_rmid_forced",
		strcmp(r_shm, "1") == 0 ? "0" : "1");
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == 0, "%s", err.msg);
	read_in(fd, PORTS, b, sizeof(b));
	CHECK(strcmp(b, "20000 40000") == 0, "the pod's range is \"%s\"", b);
	read_in(fd, SHM, b, sizeof(b));
	CHECK(strcmp(b, pc.s[1].value.v) == 0, "the pod's shm_rmid_forced is \"%s\"", b);
	kill_init(pid, fd);

	/* an init that shares R's namespaces (as a reused PID would): refused, nothing written */
	pid = pod_init(0, &fd);
	pod_set(&pc, "net.ipv4.ip_local_port_range", "21000 41000", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "an init in R's network namespace was accepted");
	CHECK(strstr(err.msg, "network namespace"), "message: %s", err.msg);
	pod_set(&pc, "kernel.shm_rmid_forced", strcmp(r_shm, "1") == 0 ? "0" : "1", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "an init in R's IPC namespace was accepted");
	CHECK(strstr(err.msg, "IPC namespace"), "message: %s", err.msg);
	kill_init(pid, fd);

	/* hostNetwork with its own IPC: the IPC ones are written, a net.* one refused */
	pid = pod_init(CLONE_NEWIPC, &fd);
	pod_set(&pc, "kernel.shm_rmid_forced", strcmp(r_shm, "1") == 0 ? "0" : "1", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == 0, "%s", err.msg);
	read_in(fd, SHM, b, sizeof(b));
	CHECK(strcmp(b, pc.s[0].value.v) == 0, "the pod's shm_rmid_forced is \"%s\"", b);
	pod_set(&pc, "kernel.shm_rmid_forced", "1", "net.ipv4.ip_local_port_range", "22000 42000");
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "net.* written in R's network namespace");
	kill_init(pid, fd);

	/* a name that is not namespaced is never written, wherever the init is */
	pid = pod_init(CLONE_NEWNET | CLONE_NEWIPC, &fd);
	pod_set(&pc, "kernel.domainname", "pvtest", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "kernel.domainname was written");
	pod_set(&pc, "net.//.kernel.domainname", "pvtest", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "net.//.kernel.domainname was written");
	read_file("/proc/sys/kernel/domainname", b, sizeof(b));
	CHECK(strcmp(b, "pvtest") != 0, "R's domainname is %s", b);
	kill_init(pid, fd);

	read_file(PORTS, b, sizeof(b));
	CHECK(strcmp(b, r_ports) == 0, "R's range changed: %s (was %s)", b, r_ports);
	read_file(SHM, b, sizeof(b));
	CHECK(strcmp(b, r_shm) == 0, "R's shm_rmid_forced changed: %s (was %s)", b, r_shm);
}

/* The pod init died and its PID went to another process, in namespaces
 * of its own (so that only the pidfd can tell): the writer must not join
 * them. */
static void pid_reused(void)
{
	struct pod_case pc;
	struct pv_err err = { 0 };
	char r_ports[64], b[64];
	int fd, qfd, last;
	pid_t pid, q;

	read_file(PORTS, r_ports, sizeof(r_ports));
	pid = pod_init(CLONE_NEWNET | CLONE_NEWIPC, &fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	last = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC); /* R's PID namespace */
	CHECK(last >= 0 && dprintf(last, "%d", (int)pid - 1) > 0, "ns_last_pid: %s", strerror(errno));
	if (last >= 0)
		close(last);
	q = pod_init(CLONE_NEWNET | CLONE_NEWIPC, &qfd);
	CHECK(q == pid, "the PID %d was not reused (%d)", (int)pid, (int)q);
	pod_set(&pc, "net.ipv4.ip_local_port_range", "23000 43000", NULL, NULL);
	CHECK(pv_sysctl_apply(fd, &pc.pod, &err) == -1, "written through a reused PID");
	CHECK(strstr(err.msg, "the pod's init is gone"), "message: %s", err.msg);
	read_in(qfd, PORTS, b, sizeof(b));
	CHECK(strcmp(b, "23000 43000") != 0, "written in the new process's namespace");
	read_file(PORTS, b, sizeof(b));
	CHECK(strcmp(b, r_ports) == 0, "R's range changed: %s (was %s)", b, r_ports);
	kill_init(q, qfd);
	close(fd);
}

static void test_apply(void **state)
{
	ino_t outer_net = ns_ino("/proc/self/ns/net"), outer_ipc = ns_ino("/proc/self/ns/ipc");
	ino_t outer_uts = ns_ino("/proc/self/ns/uts");
	int status = -1;
	pid_t c1;

	(void)state;
	if (geteuid() != 0)
		skip();
	c1 = fork();
	if (c1 == 0) {
		pid_t r;

		if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
			    CLONE_NEWPID) < 0)
			_exit(2);
		r = fork();
		if (r == 0) {
			/* R: refuse to go on unless every namespace is the test's own */
			if (getpid() != 1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
			    !ns_ino("/proc/self/ns/net") || ns_ino("/proc/self/ns/net") == outer_net ||
			    !ns_ino("/proc/self/ns/ipc") || ns_ino("/proc/self/ns/ipc") == outer_ipc ||
			    !ns_ino("/proc/self/ns/uts") || ns_ino("/proc/self/ns/uts") == outer_uts)
				_exit(3);
			in_own_namespaces();
			pid_reused();
			_exit(failures ? 1 : 0);
		}
		while (r > 0 && waitpid(r, &status, 0) < 0 && errno == EINTR)
			;
		_exit(r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 4);
	}
	while (c1 > 0 && waitpid(c1, &status, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotted),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_apparmor),
		cmocka_unit_test(test_apparmor_unenforced),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
