/* supervisor/sandbox/seccomp.c: which profile a container gets (pod,
 * container, node default, privileged), the capability gates, the
 * Localhost path kept beneath its root, a profile file's errors, and the
 * filters themselves: each loaded in a forked child that then tries the
 * syscalls a container would (unshare, mount, keyctl, reboot, ... denied;
 * getpid, read, a thread allowed; mkdir denied by a Localhost profile),
 * and the syscalls newer than libseccomp or the profile: applied by
 * number, or ENOSYS above the profile, natively and through i386. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/runtime/cspec.h"
#include "supervisor/sandbox/caps.h"
#include "supervisor/sandbox/seccomp.h"

#define CAP(n) (UINT64_C(1) << (n))
#define SYS_ADMIN 21
#define SYS_BOOT 22

static void profile(struct pv_seccomp_profile *p, const char *type, const char *local)
{
	memset(p, 0, sizeof(*p));
	p->type.v = type;
	p->localhost_profile.v = local;
}

/* ---- the choice ---- */

static void test_choose(void **state)
{
	struct pv_pod_security_context psc = { 0 };
	struct pv_security_context sc = { 0 };
	const struct pv_str *local;

	(void)state;
	/* nothing named: the node's default */
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, true, &local), PV_SECCOMP_RUNTIME_DEFAULT);
	assert_null(local);
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, false, &local), PV_SECCOMP_UNCONFINED);
	/* the pod's applies to its containers */
	profile(&psc.seccomp_profile, "Unconfined", NULL);
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, true, &local), PV_SECCOMP_UNCONFINED);
	profile(&psc.seccomp_profile, "Localhost", "pod.json");
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, true, &local), PV_SECCOMP_LOCALHOST);
	assert_string_equal(local->v, "pod.json");
	/* the container's wins */
	profile(&sc.seccomp_profile, "RuntimeDefault", NULL);
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, false, &local), PV_SECCOMP_RUNTIME_DEFAULT);
	profile(&sc.seccomp_profile, "Localhost", "ctr.json");
	assert_int_equal(pv_seccomp_choose(&psc, &sc, false, true, &local), PV_SECCOMP_LOCALHOST);
	assert_string_equal(local->v, "ctr.json");
	/* privileged: Unconfined unless a profile is named */
	memset(&psc, 0, sizeof(psc));
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(pv_seccomp_choose(&psc, &sc, true, true, &local), PV_SECCOMP_UNCONFINED);
	profile(&psc.seccomp_profile, "RuntimeDefault", NULL);
	assert_int_equal(pv_seccomp_choose(&psc, &sc, true, true, &local), PV_SECCOMP_RUNTIME_DEFAULT);
}

/* ---- Localhost paths ---- */

static char root[64], outside[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dirs(void **state)
{
	char path[256];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/pv-seccomp.XXXXXX");
	snprintf(outside, sizeof(outside), "/tmp/pv-seccomp-out.XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(outside))
		return -1;
	snprintf(path, sizeof(path), "%s/profiles", root);
	mkdir(path, 0755);
	write_file(root, "profiles/ok.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	write_file(outside, "evil.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	{
		char target[256];

		snprintf(path, sizeof(path), "%s/escape.json", root);
		snprintf(target, sizeof(target), "%s/evil.json", outside);
		if (symlink(target, path) < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/inside.json", root);
	return symlink("profiles/ok.json", path);
}

static int teardown_dirs(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, outside);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_localhost_paths(void **state)
{
	struct pv_err err = { 0 };
	int fd;

	(void)state;
	fd = pv_seccomp_open_localhost(root, "profiles/ok.json", &err);
	assert_true(fd >= 0);
	close(fd);
	fd = pv_seccomp_open_localhost(root, "inside.json", &err); /* a symlink that stays */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pv_seccomp_open_localhost(root, "../x.json", &err), -1);
	assert_non_null(strstr(err.msg, "\"..\" is not allowed"));
	assert_int_equal(pv_seccomp_open_localhost(root, "profiles/../../x.json", &err), -1);
	assert_non_null(strstr(err.msg, "must stay beneath"));
	assert_int_equal(pv_seccomp_open_localhost(root, "/etc/passwd", &err), -1);
	assert_non_null(strstr(err.msg, "must be relative"));
	assert_int_equal(pv_seccomp_open_localhost(root, "escape.json", &err), -1);
	assert_non_null(strstr(err.msg, "leads out of"));
	assert_int_equal(pv_seccomp_open_localhost(root, "nope.json", &err), -1);
	assert_non_null(strstr(err.msg, "nope.json"));
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(pv_seccomp_open_localhost(root, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "needs localhostProfile"));
	/* a name with dots that is not ".." is fine */
	write_file(root, "..ok.json", "{}");
	fd = pv_seccomp_open_localhost(root, "..ok.json", &err);
	assert_true(fd >= 0);
	close(fd);
}

static void test_resolve(void **state)
{
	struct pv_pod_security_context psc = { 0 };
	struct pv_security_context sc = { 0 };
	struct pv_seccomp_node node = { root, true };
	struct json_object *p = NULL;
	struct pv_err err = { 0 };

	(void)state;
	assert_int_equal(pv_seccomp_resolve(&psc, &sc, false, PV_CAPS_DEFAULT, &node, &p, &err), 0);
	assert_non_null(p); /* RuntimeDefault */
	json_object_put(p);
	node.runtime_default = false;
	assert_int_equal(pv_seccomp_resolve(&psc, &sc, false, PV_CAPS_DEFAULT, &node, &p, &err), 0);
	assert_null(p);
	profile(&sc.seccomp_profile, "Localhost", "profiles/ok.json");
	assert_int_equal(pv_seccomp_resolve(&psc, &sc, false, PV_CAPS_DEFAULT, &node, &p, &err), 0);
	assert_non_null(p);
	json_object_put(p);
	write_file(root, "bad.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [}");
	profile(&sc.seccomp_profile, "Localhost", "bad.json");
	assert_int_equal(pv_seccomp_resolve(&psc, &sc, false, PV_CAPS_DEFAULT, &node, &p, &err), -1);
	assert_null(p);
	assert_non_null(strstr(err.msg, "/bad.json:2:"));
	assert_non_null(strstr(err.msg, "not valid JSON"));
	profile(&sc.seccomp_profile, "Localhost", "missing.json");
	assert_int_equal(pv_seccomp_resolve(&psc, &sc, false, PV_CAPS_DEFAULT, &node, &p, &err), -1);
	assert_non_null(strstr(err.msg, "missing.json"));
}

/* ---- a profile's errors ---- */

static void parse_fails(const char *json, const char *want)
{
	struct pv_err err = { 0 };
	struct json_object *p = pv_seccomp_parse(json, strlen(json), "x.json", 0, &err);

	if (p || !strstr(err.msg, want))
		fail_msg("%s: got \"%s\", wanted \"%s\"", json, p ? "(parsed)" : err.msg, want);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("", "x.json:1:1: not valid JSON");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n\n  oops}", "x.json:3:");
	parse_fails("[]", "a JSON object with defaultAction");
	parse_fails("{}", "defaultAction is missing");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_NOPE\"}", "\"SCMP_ACT_NOPE\" is not one of");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"extra\": 1}",
		    "unknown field \"extra\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		    "unknown architecture \"SCMP_ARCH_VAX\"");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		    "\"action\": \"SCMP_ACT_NOTIFY\"}]}", "syscalls[0]: action SCMP_ACT_NOTIFY");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
		    "\"SCMP_ACT_ERRNO\"}]}", "syscalls[0]: names is missing");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, "
		    "\"op\": \"SCMP_CMP_EQ\"}]}]}", "syscalls[0].args[0]: index must be an integer");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
		    "\"op\": \"SCMP_CMP_SOME\"}]}]}", "op \"SCMP_CMP_SOME\" is not one of");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -3}]}", "errnoRet must be");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
		    "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"caps\": [\"CAP_NOPE\"]}}]}",
		    "unknown capability \"CAP_NOPE\"");
	/* a name nobody knows is refused, not skipped (crun's strict mode) */
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
		    "\"raed\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "syscalls[0]: unknown syscall \"raed\" (neither libseccomp");
	/* names podvisor knows only by number: no argument conditions */
	if (seccomp_syscall_resolve_name("statmount") < 0)
		parse_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
			    "[\"statmount\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
			    "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
			    "syscall \"statmount\" is newer than libseccomp");
	parse_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"FLAG_X\"]}",
		    "\"FLAG_X\" is not one of");
}

/* Docker's includes/excludes: this machine's arch, the container's caps,
 * the running kernel. */
static void test_gates(void **state)
{
	static const char json[] =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
		" {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
		" {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\", \"arm64\"]}},\n"
		" {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"s390x\"]}},\n"
		" {\"names\": [\"geteuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"amd64\", \"arm64\"]}},\n"
		" {\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_SYS_BOOT\"]}},\n"
		" {\"names\": [\"getegid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
		" {\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"3.0\"}},\n"
		" {\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"99.0\"}},\n"
		" {\"names\": [\"getpgrp\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"3.0\"}}\n"
		"]}";
	struct pv_err err = { 0 };
	char kept[64];

	(void)state;
#if !defined(__x86_64__) && !defined(__aarch64__)
	skip();
#endif
	for (int admin = 0; admin < 2; admin++) {
		uint64_t caps = admin ? CAP(SYS_ADMIN) | CAP(SYS_BOOT) : CAP(SYS_ADMIN);
		struct json_object *p = pv_seccomp_parse(json, strlen(json), "gates.json", caps, &err);
		struct json_object *calls;
		size_t n = 0;

		if (!p)
			fail_msg("%s", err.msg);
		calls = json_object_object_get(p, "syscalls");
		for (size_t i = 0; i < json_object_array_length(calls); i++)
			n += (size_t)snprintf(kept + n, sizeof(kept) - n, "%s ", json_object_get_string(
				json_object_array_get_idx(json_object_object_get(
					json_object_array_get_idx(calls, i), "names"), 0)));
		assert_string_equal(kept, admin ? "getpid getppid getgid gettid " : "getpid getppid gettid ");
		json_object_put(p);
	}	/* moby's archMap names LOONGARCH64, which libseccomp 2.5.4 does not
	 * know: never this machine, so passed over, not refused */
	{
		static const char lo[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": "
			"[{\"architecture\": \"SCMP_ARCH_LOONGARCH64\", \"subArchitectures\": null}], "
			"\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
		struct json_object *p = pv_seccomp_parse(lo, strlen(lo), "loong.json", 0, &err);

		if (!p)
			fail_msg("%s", err.msg);
		json_object_put(p);
	}
}

/* ---- the filters, loaded in a child ---- */

struct probe {
	const char *what;
	long (*call)(void);
	int want; /* 0: succeeds; else this errno */
};

static void *thread_fn(void *arg)
{
	return arg;
}

static long try_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUTS); }
static long try_mount(void) { return syscall(SYS_mount, "none", "/pv-nonexistent", "tmpfs", 0, NULL); }
static long try_keyctl(void) { return syscall(SYS_keyctl, 0, -1, 0); }
static long try_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); }
static long try_kexec(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL); }
static long try_bpf(void) { return syscall(SYS_bpf, -1, NULL, 0); }
static long try_vsock(void) { return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0); }
static long try_clone3(void) { return syscall(SYS_clone3, NULL, 0); }
static long try_getpid(void) { return syscall(SYS_getpid) > 0 ? 0 : -1; }
static long try_unix(void) { return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : -1; }
static long try_personality(void) { return personality(0xffffffff) >= 0 ? 0 : -1; }
static long try_mkdir(void) { return mkdir("/tmp/pv-seccomp-never", 0700); }
static long try_alg(void) { return syscall(SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET, 0); }

/* Syscalls newer than libseccomp 2.5.4 or than the profile, by number
 * (the kernel's, shared by every architecture since 424). */
#define NR_CACHESTAT 451
#define NR_FCHMODAT2 452
#define NR_MAP_SHADOW_STACK 453
#define NR_FUTEX_WAKE 454
#define NR_STATMOUNT 457
#define NR_MSEAL 462
#define NR_FILE_GETATTR 468 /* Linux 6.17; not in moby's v0.2.3 profile */
#define NR_UNASSIGNED 1000  /* no architecture podvisor builds for has one */

static char chmod_path[64];

static long try_mseal_raw(void) { return syscall(NR_MSEAL, 0, 0, 0); }

/* The filter must never say EPERM: 0 or the kernel's own answer. */
static long not_eperm(long rc) { return rc == -1 && errno == EPERM ? -1 : 0; }

static long try_fchmodat2(void)
{
	long rc = syscall(NR_FCHMODAT2, AT_FDCWD, chmod_path, 0640, 0);

	return rc == 0 || errno == ENOSYS ? 0 : -1; /* works, or the kernel lacks it */
}

static long try_cachestat(void)
{
	struct { uint64_t off, len; } range = { 0, 0 };
	uint64_t cs[5];
	int fd = open(chmod_path, O_RDONLY);
	long rc = syscall(NR_CACHESTAT, fd, &range, cs, 0);

	close(fd);
	return not_eperm(rc);
}

static long try_futex_wake(void)
{
	static uint32_t word;

	return not_eperm(syscall(NR_FUTEX_WAKE, &word, 0xffffffffUL, 1, 2 /* FUTEX2_SIZE_U32 */));
}

static long try_map_shadow_stack(void) { return not_eperm(syscall(NR_MAP_SHADOW_STACK, 0, 4096, 0)); }
/* What the kernel itself answers, measured unfiltered in the parent:
 * the filtered child must get the same (0, or ENOSYS on an old kernel). */
static int mseal_errno;

static long same_as_kernel(long rc, int want) { return rc == 0 ? (want ? -1 : 0) : errno == want ? 0 : -1; }
static long try_mseal(void) { return same_as_kernel(syscall(NR_MSEAL, 0, 0, 0), mseal_errno); }
static long try_statmount(void) { return not_eperm(syscall(NR_STATMOUNT, NULL, NULL, 0, 0)); }
static long try_file_getattr(void) { return syscall(NR_FILE_GETATTR, AT_FDCWD, "/", NULL, 0, 0); }
static long try_unassigned(void) { return syscall(NR_UNASSIGNED, 0, 0, 0); }

#if defined(__x86_64__)
/* The i386 ABI from this x86_64 process (int $0x80: the filter sees
 * AUDIT_ARCH_I386, Docker's subarchitecture): its own numbers. The third
 * argument (edx) is 0, not whatever the register held: mseal's flags
 * must be 0, and garbage there made the child's mseal fail with EINVAL
 * where the parent's had passed. */
static long int80(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(0L) : "memory");
	if (ret < 0 && ret > -4096)
		return errno = (int)-ret, -1;
	return ret;
}

static int i386_mseal_errno; /* as mseal_errno, for int $0x80 */
static long try_i386_getpid(void) { return int80(20, 0, 0) == getpid() ? 0 : -1; }

/* Does this kernel run i386 system calls? Without IA32 emulation
 * (CONFIG_IA32_EMULATION=n, or ia32_emulation=0) int $0x80 is a general
 * protection fault: SIGSEGV, so it is tried in a child. */
static bool i386_runs(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* not cmocka's handler, which would run on */
		_exit(try_i386_getpid() == 0 ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}
static long try_i386_mseal(void) { return same_as_kernel(int80(NR_MSEAL, 0, 0), i386_mseal_errno); }
static long try_i386_file_getattr(void) { return int80(NR_FILE_GETATTR, -100, 0); }
static long try_i386_unassigned(void) { return int80(NR_UNASSIGNED, 0, 0); }
#endif

static long try_read(void)
{
	char c;
	int fd = open("/dev/null", O_RDONLY);

	return fd >= 0 && read(fd, &c, 1) == 0 ? 0 : -1;
}

static long try_thread(void)
{
	pthread_t t;
	void *ret = NULL;

	if ((errno = pthread_create(&t, NULL, thread_fn, (void *)1)) != 0)
		return -1;
	return pthread_join(t, &ret) == 0 && ret == (void *)1 ? 0 : -1;
}

static long try_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7 ? 0 : -1;
}

/* Load PROFILE in a child, run PROBES there; fails the test with the
 * first probe that did not behave. */
static void in_child(struct json_object *p, const struct probe *probes, size_t n)
{
	int status, pipefd[2];
	char msg[256] = "";
	ssize_t len;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pv_err err = { 0 };

		close(pipefd[0]);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); /* should the tests run unprivileged */
		if (pv_seccomp_load(p, &err) < 0) {
			dprintf(pipefd[1], "load: %s", err.msg);
			_exit(1);
		}
		for (size_t i = 0; i < n; i++) {
			long rc;

			errno = 0;
			rc = probes[i].call();
			if (probes[i].want ? rc != -1 || errno != probes[i].want : rc != 0) {
				dprintf(pipefd[1], "%s: returned %ld, errno %d (%s); wanted %s", probes[i].what,
					rc, errno, strerror(errno),
					probes[i].want ? strerror(probes[i].want) : "success");
				_exit(1);
			}
		}
		_exit(0);
	}
	close(pipefd[1]);
	len = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[len > 0 ? len : 0] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child: %s (status %d)", msg, status);
}

static void test_default_profile(void **state)
{
	static const struct probe probes[] = {
		{ "unshare(CLONE_NEWUTS)", try_unshare, EPERM },
		{ "mount", try_mount, EPERM },
		{ "keyctl", try_keyctl, EPERM },
		{ "reboot", try_reboot, EPERM },
		{ "kexec_load", try_kexec, EPERM },
		{ "bpf", try_bpf, EPERM },
		{ "socket(AF_VSOCK)", try_vsock, EPERM },
		{ "socket(AF_ALG)", try_alg, EPERM },
		{ "clone3", try_clone3, ENOSYS },
		{ "fchmodat2 (works, or ENOSYS on an older kernel)", try_fchmodat2, 0 },
		{ "cachestat (not EPERM)", try_cachestat, 0 },
		{ "futex_wake (not EPERM)", try_futex_wake, 0 },
		{ "map_shadow_stack (not EPERM)", try_map_shadow_stack, 0 },
		{ "mseal (as unfiltered)", try_mseal, 0 },
		{ "statmount (not EPERM)", try_statmount, 0 },
		{ "file_getattr, newer than the profile", try_file_getattr, ENOSYS },
		{ "syscall 1000, above the table", try_unassigned, ENOSYS },
		{ "getpid", try_getpid, 0 },
		{ "read", try_read, 0 },
		{ "socket(AF_UNIX)", try_unix, 0 },
		{ "personality(query)", try_personality, 0 },
		{ "a thread (clone without namespaces)", try_thread, 0 },
		{ "fork", try_fork, 0 },
	};
	struct pv_err err = { 0 };
	struct json_object *p = pv_seccomp_runtime_default(PV_CAPS_DEFAULT, &err);
	long fd;

	(void)state;
	if (!p)
		fail_msg("%s", err.msg);
	snprintf(chmod_path, sizeof(chmod_path), "/tmp/pv-seccomp-chmod.%d", (int)getpid());
	assert_true(close(open(chmod_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) == 0);
	/* Unfiltered, the kernel says neither EPERM to AF_ALG (it has it,
	 * or EAFNOSUPPORT), so the filtered EPERM is the filter's. */
	errno = 0;
	mseal_errno = syscall(NR_MSEAL, 0, 0, 0) == 0 ? 0 : errno;
	errno = 0;
	fd = try_alg();
	assert_true(fd >= 0 || errno != EPERM);
	if (fd >= 0)
		close((int)fd);
	in_child(p, probes, sizeof(probes) / sizeof(probes[0]));
	unlink(chmod_path);
	json_object_put(p);
}

/* i386 syscalls under the default (x86_64 only, and only where the
 * kernel runs 32-bit code): the by-number rules and the ENOSYS stub hold
 * for the subarchitecture too. */
static void test_default_profile_i386(void **state)
{
#if defined(__x86_64__)
	static const struct probe probes[] = {
		{ "i386 getpid", try_i386_getpid, 0 },
		{ "i386 mseal (as unfiltered)", try_i386_mseal, 0 },
		{ "i386 file_getattr, newer than the profile", try_i386_file_getattr, ENOSYS },
		{ "i386 syscall 1000", try_i386_unassigned, ENOSYS },
	};
	struct pv_err err = { 0 };
	struct json_object *p;

	(void)state;
	if (!i386_runs())
		skip(); /* no IA32 emulation in this kernel */
	errno = 0;
	i386_mseal_errno = int80(NR_MSEAL, 0, 0) == 0 ? 0 : errno;
	if (!(p = pv_seccomp_runtime_default(PV_CAPS_DEFAULT, &err)))
		fail_msg("%s", err.msg);
	in_child(p, probes, sizeof(probes) / sizeof(probes[0]));
	json_object_put(p);
#else
	(void)state;
	skip();
#endif
}

/* With CAP_SYS_ADMIN in the container's set, Docker's gate opens unshare. */
static void test_default_profile_sys_admin(void **state)
{
	static const struct probe probes[] = {
		{ "unshare(CLONE_NEWUTS)", try_unshare, 0 },
		{ "keyctl", try_keyctl, EPERM },
		{ "reboot", try_reboot, EPERM },
	};
	struct pv_err err = { 0 };
	struct json_object *p;

	(void)state;
	p = pv_seccomp_runtime_default(~UINT64_C(0), &err); /* every gate open: still builds */
	if (!p)
		fail_msg("%s", err.msg);
	json_object_put(p);
	if (geteuid() != 0)
		skip(); /* unshare itself needs the capability */
	p = pv_seccomp_runtime_default(PV_CAPS_DEFAULT | CAP(SYS_ADMIN), &err);
	assert_non_null(p);
	in_child(p, probes, sizeof(probes) / sizeof(probes[0]));
	json_object_put(p);
}

static void test_localhost_deny_mkdir(void **state)
{
	static const char json[] =
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
		" \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_AARCH64\"],\n"
		" \"syscalls\": [\n"
		"  {\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1},\n"
		"  {\"names\": [\"mseal\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},\n"
		"  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"comment\": \"gated\",\n"
		"   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}\n"
		" ]}\n";
	static const struct probe probes[] = {
		{ "mkdir", try_mkdir, EPERM },
		{ "getpid", try_getpid, 0 },
		{ "mseal (by number when libseccomp lacks it)", try_mseal_raw, EACCES },
		{ "unshare(CLONE_NEWUTS)", try_unshare, 0 },
	};
	struct pv_err err = { 0 };
	struct json_object *p, *calls;

	(void)state;
	p = pv_seccomp_parse(json, strlen(json), "deny-mkdir.json", 0, &err);
	if (!p)
		fail_msg("%s", err.msg);
	/* the gated entry is left out for a container without SYS_ADMIN */
	calls = json_object_object_get(p, "syscalls");
	assert_int_equal(json_object_array_length(calls), 2);
	if (geteuid() == 0)
		in_child(p, probes, sizeof(probes) / sizeof(probes[0]));
	else
		in_child(p, probes, 3);
	json_object_put(p);
}

/* podvisor exec and exec probes: the filter compiled from the
 * container's spec.json, installed without allocating. */
static void test_compile_container(void **state)
{
	static const char spec[] =
		"{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
		"[{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}}";
	struct pv_seccomp_bpf b = { 0 };
	struct pv_err err = { 0 };
	char path[256];
	int status;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/spec.json", root);
	write_file(root, "spec.json", "{\"seccomp\": \"unconfined\"}");
	assert_int_equal(pv_seccomp_compile_spec(path, &b, &err), 0);
	assert_null(b.insns);
	assert_int_equal(pv_seccomp_install(&b), 0);
	write_file(root, "spec.json", spec);
	assert_int_equal(pv_seccomp_compile_spec(path, &b, &err), 0);
	assert_non_null(b.insns);
	assert_true(b.len > 4);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (pv_seccomp_install(&b) < 0)
			_exit(2);
		_exit(try_mkdir() == -1 && errno == EPERM && try_getpid() == 0 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	pv_seccomp_bpf_free(&b);
	assert_int_equal(pv_seccomp_compile_spec("/nonexistent-pv/spec.json", &b, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent-pv/spec.json"));
}

/* What the shim saves at start and exec reads back. */
static void test_saved_bpf(void **state)
{
	struct pv_seccomp_bpf b = { 0 }, c = { 0 };
	struct pv_err err = { 0 };
	struct json_object *p = pv_seccomp_runtime_default(0, &err);
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/seccomp.bpf", root);
	assert_int_equal(pv_seccomp_read_bpf(path, &b, &err), 1); /* none yet */
	assert_int_equal(pv_seccomp_save_bpf(NULL, path, &err), 0);
	assert_int_equal(pv_seccomp_read_bpf(path, &b, &err), 0);
	assert_null(b.insns); /* Unconfined */
	assert_int_equal(pv_seccomp_save_bpf(p, path, &err), 0);
	assert_int_equal(pv_seccomp_read_bpf(path, &b, &err), 0);
	snprintf(path, sizeof(path), "%s/spec.json", root);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "{\"seccomp\": %s}", json_object_to_json_string(p));
		fclose(f);
	}
	assert_int_equal(pv_seccomp_compile_spec(path, &c, &err), 0);
	assert_int_equal(b.len, c.len); /* the same program either way */
	assert_memory_equal(b.insns, c.insns, b.len * sizeof(*b.insns));
	pv_seccomp_bpf_free(&b);
	pv_seccomp_bpf_free(&c);
	json_object_put(p);
}

/* The profile travels to the shim inside the cspec. */
static void test_cspec_roundtrip(void **state)
{
	char *argv[] = { (char *)"/bin/true", NULL }, *env[] = { NULL }, *layers[] = { NULL };
	struct pv_cspec s = { .name = (char *)"c", .init_pid = 1, .argv = argv, .env = env,
			      .layers = layers, .dir = (char *)"/d", .pod_dir = (char *)"/p" };
	struct pv_cspec back;
	struct pv_err err = { 0 };
	struct json_object *j;

	(void)state;
	j = pv_cspec_to_json(&s);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "seccomp")),
			    "unconfined");
	assert_int_equal(pv_cspec_from_json(j, &back, &err), 0);
	assert_null(back.seccomp);
	pv_cspec_free(&back);
	json_object_put(j);
	s.seccomp = pv_seccomp_runtime_default(0, &err);
	assert_non_null(s.seccomp);
	j = pv_cspec_to_json(&s);
	assert_int_equal(pv_cspec_from_json(j, &back, &err), 0);
	assert_true(json_object_equal(back.seccomp, s.seccomp));
	pv_cspec_free(&back);
	json_object_put(j);
	json_object_put(s.seccomp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_localhost_paths),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_gates),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_default_profile_i386),
		cmocka_unit_test(test_default_profile_sys_admin),
		cmocka_unit_test(test_localhost_deny_mkdir),
		cmocka_unit_test(test_compile_container),
		cmocka_unit_test(test_saved_bpf),
		cmocka_unit_test(test_cspec_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
