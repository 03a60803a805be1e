#include "supervisor/sandbox/seccomp_default.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- the runtime default: Docker's profile as data ----
 *
 * Each row is one entry of moby's profiles/seccomp/default.json (as of
 * profiles seccomp/v0.2.3; io_uring_* are no longer allowed there): the
 * syscalls, the action, at most one argument condition, and when the
 * entry applies (the native architecture by Go's name, the container's
 * capabilities). The conversion below writes the same JSON a Docker
 * profile file has, so the one reader handles both. */

struct default_row {
	const char *names;          /* space-separated */
	const char *action;         /* NULL: SCMP_ACT_ALLOW */
	int errno_ret;
	int arg_index;              /* -1: no condition */
	uint64_t value;
	const char *op;
	const char *arches;         /* includes.arches, space-separated */
	const char *caps;           /* includes.caps */
	const char *not_caps;       /* excludes.caps */
	const char *not_arches;     /* excludes.arches */
};

#define NOARG -1, 0, NULL
#define CLONE_NS_FLAGS 2114060288 /* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */

static const struct default_row default_rows[] = {
	{ "accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown "
	  "chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 "
	  "clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close "
	  "close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 "
	  "epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd "
	  "eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 "
	  "fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 "
	  "fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr "
	  "fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 "
	  "futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid "
	  "getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer "
	  "getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid "
	  "getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid "
	  "getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr "
	  "getxattrat "
	  "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl "
	  "io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set "
	  "io_setup io_submit ipc kill "
	  "landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 "
	  "lgetxattr link linkat listen listmount listxattr listxattrat llistxattr _llseek "
	  "lremovexattr lseek "
	  "lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir "
	  "mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr "
	  "mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend "
	  "mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget msgrcv msgsnd msync munlock "
	  "munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat "
	  "openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free "
	  "pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 "
	  "process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead "
	  "readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg "
	  "remap_file_pages removexattr removexattrat rename renameat renameat2 restart_syscall rmdir rseq "
	  "rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn "
	  "riscv_hwprobe rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo "
	  "sched_getaffinity sched_getattr sched_getparam sched_get_priority_max "
	  "sched_get_priority_min sched_getscheduler sched_rr_get_interval "
	  "sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam "
	  "sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop "
	  "semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid "
	  "setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer "
	  "setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 "
	  "setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area "
	  "setxattrat "
	  "set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown "
	  "sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice "
	  "stat stat64 statfs statfs64 statmount statx symlink symlinkat sync sync_file_range syncfs "
	  "sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime "
	  "timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime "
	  "timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 "
	  "ugetrlimit umask uname unlink unlinkat uretprobe utime utimensat utimensat_time64 utimes vfork "
	  "vmsplice wait4 waitid waitpid write writev", NULL, 0, NOARG, NULL, NULL, NULL, NULL },
	/* kernels since 4.8 keep ptrace from bypassing seccomp */
	{ "process_vm_readv process_vm_writev ptrace", NULL, 0, NOARG, NULL, NULL, NULL, NULL },
	/* every socket family but AF_ALG (38) and AF_VSOCK (40): < 38, == 39, > 40 */
	{ "socket", NULL, 0, 0, 38, "SCMP_CMP_LT", NULL, NULL, NULL, NULL },
	{ "socket", NULL, 0, 0, 39, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "socket", NULL, 0, 0, 40, "SCMP_CMP_GT", NULL, NULL, NULL, NULL },
	/* personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, the query */
	{ "personality", NULL, 0, 0, 0x0, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "personality", NULL, 0, 0, 0x8, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "personality", NULL, 0, 0, 0x20000, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "personality", NULL, 0, 0, 0x20008, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "personality", NULL, 0, 0, 0xffffffff, "SCMP_CMP_EQ", NULL, NULL, NULL, NULL },
	{ "sync_file_range2 swapcontext", NULL, 0, NOARG, "ppc64le", NULL, NULL, NULL },
	{ "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
	  NULL, 0, NOARG, "arm arm64", NULL, NULL, NULL },
	{ "arch_prctl", NULL, 0, NOARG, "amd64 x32", NULL, NULL, NULL },
	{ "modify_ldt", NULL, 0, NOARG, "amd64 x32 x86", NULL, NULL, NULL },
	{ "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", NULL, 0, NOARG,
	  "s390 s390x", NULL, NULL, NULL },
	{ "riscv_flush_icache", NULL, 0, NOARG, "riscv64", NULL, NULL, NULL },
	{ "open_by_handle_at", NULL, 0, NOARG, NULL, "CAP_DAC_READ_SEARCH", NULL, NULL },
	{ "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie "
	  "lsm_get_self_attr lsm_list_modules lsm_set_self_attr mount "
	  "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
	  "sethostname setns syslog umount umount2 unshare", NULL, 0, NOARG, NULL,
	  "CAP_SYS_ADMIN", NULL, NULL },
	/* clone without namespace flags (s390 has the flags second) */
	{ "clone", NULL, 0, 0, CLONE_NS_FLAGS, "SCMP_CMP_MASKED_EQ", NULL, NULL, "CAP_SYS_ADMIN",
	  "s390 s390x" },
	{ "clone", NULL, 0, 1, CLONE_NS_FLAGS, "SCMP_CMP_MASKED_EQ", "s390 s390x", NULL,
	  "CAP_SYS_ADMIN", NULL },
	/* clone3's flags are behind a pointer: ENOSYS, and libc falls back to clone */
	{ "clone3", "SCMP_ACT_ERRNO", 38, NOARG, NULL, NULL, "CAP_SYS_ADMIN", NULL },
	{ "reboot", NULL, 0, NOARG, NULL, "CAP_SYS_BOOT", NULL, NULL },
	{ "chroot", NULL, 0, NOARG, NULL, "CAP_SYS_CHROOT", NULL, NULL },
	{ "delete_module init_module finit_module", NULL, 0, NOARG, NULL, "CAP_SYS_MODULE", NULL,
	  NULL },
	{ "acct", NULL, 0, NOARG, NULL, "CAP_SYS_PACCT", NULL, NULL },
	{ "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace", NULL, 0,
	  NOARG, NULL, "CAP_SYS_PTRACE", NULL, NULL },
	{ "iopl ioperm", NULL, 0, NOARG, NULL, "CAP_SYS_RAWIO", NULL, NULL },
	{ "settimeofday stime clock_settime clock_settime64", NULL, 0, NOARG, NULL,
	  "CAP_SYS_TIME", NULL, NULL },
	{ "vhangup", NULL, 0, NOARG, NULL, "CAP_SYS_TTY_CONFIG", NULL, NULL },
	{ "get_mempolicy mbind set_mempolicy set_mempolicy_home_node", NULL, 0, NOARG, NULL,
	  "CAP_SYS_NICE", NULL, NULL },
	{ "syslog", NULL, 0, NOARG, NULL, "CAP_SYSLOG", NULL, NULL },
	{ "bpf", NULL, 0, NOARG, NULL, "CAP_BPF", NULL, NULL },
	{ "perf_event_open", NULL, 0, NOARG, NULL, "CAP_PERFMON", NULL, NULL },
};

static struct json_object *words(const char *s)
{
	struct json_object *a = json_object_new_array();

	while (s && *s) {
		size_t n = strcspn(s, " ");

		if (n)
			json_object_array_add(a, json_object_new_string_len(s, (int)n));
		s += n + (s[n] == ' ');
	}
	return a;
}

static void add_gate(struct json_object *call, const char *key, const char *arches,
		     const char *caps)
{
	struct json_object *g;

	if (!arches && !caps)
		return;
	g = json_object_new_object();
	if (arches)
		json_object_object_add(g, "arches", words(arches));
	if (caps)
		json_object_object_add(g, "caps", words(caps));
	json_object_object_add(call, key, g);
}

static struct json_object *default_row_json(const struct default_row *r)
{
	struct json_object *call = json_object_new_object();

	json_object_object_add(call, "names", words(r->names));
	json_object_object_add(call, "action",
			       json_object_new_string(r->action ? r->action : "SCMP_ACT_ALLOW"));
	if (r->errno_ret)
		json_object_object_add(call, "errnoRet", json_object_new_int(r->errno_ret));
	if (r->arg_index >= 0) {
		struct json_object *args = json_object_new_array(), *a = json_object_new_object();

		json_object_object_add(a, "index", json_object_new_int(r->arg_index));
		json_object_object_add(a, "value", json_object_new_uint64(r->value));
		json_object_object_add(a, "op", json_object_new_string(r->op));
		json_object_array_add(args, a);
		json_object_object_add(call, "args", args);
	}
	add_gate(call, "includes", r->arches, r->caps);
	add_gate(call, "excludes", r->not_arches, r->not_caps);
	return call;
}

/* Docker's archMap, for the architectures podvisor builds for. */
static struct json_object *default_arch_map(void)
{
	static const char *const map[][2] = {
		{ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86 SCMP_ARCH_X32" },
		{ "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" },
	};
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "architecture", json_object_new_string(map[i][0]));
		json_object_object_add(e, "subArchitectures", words(map[i][1]));
		json_object_array_add(a, e);
	}
	return a;
}

struct json_object *pv_seccomp_default_docker(void)
{
	struct json_object *p = json_object_new_object(), *calls = json_object_new_array();

	json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(p, "defaultErrnoRet", json_object_new_int(EPERM));
	json_object_object_add(p, "archMap", default_arch_map());
	for (size_t i = 0; i < sizeof(default_rows) / sizeof(default_rows[0]); i++)
		json_object_array_add(calls, default_row_json(&default_rows[i]));
	json_object_object_add(p, "syscalls", calls);
	return p;
}
