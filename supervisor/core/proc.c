#include "supervisor/core/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

uint64_t pv_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may contain spaces and parentheses: skip past the
	 * last ')', then field 3 onwards are plain numbers. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

int pv_pidfd_open(pid_t pid, uint64_t start)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -1;
	/* Checked after opening: from here on the pidfd pins the process. */
	if (start && pv_proc_start_time(pid) != start) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

int pv_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* close_range(2) (Linux 5.9): no /proc walk, no allocation in a child
 * that has just forked (three a pod); false where the kernel has none. */
static bool close_range_from(int from, int keep)
{
	if (keep < from)
		return close_range((unsigned)from, ~0u, 0) == 0;
	return (keep == from || close_range((unsigned)from, (unsigned)keep - 1, 0) == 0) &&
	       close_range((unsigned)keep + 1, ~0u, 0) == 0;
}

void pv_close_from(int from, int keep)
{
	DIR *d;
	struct dirent *e;
	int dfd;

	if (close_range_from(from, keep))
		return;
	d = opendir("/proc/self/fd");
	if (!d) {
		for (int fd = from; fd < 1024; fd++)
			if (fd != keep)
				close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= from && fd != keep && fd != dfd)
			close(fd);
	}
	closedir(d);
}

static char *args_area;
static size_t args_len;
static char **saved_argv;

void pv_proc_save_args(int argc, char **argv)
{
	if (argc < 1)
		return;
	saved_argv = argv;
	args_area = argv[0];
	args_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

/* A process forked (not exec'd) still shows the daemon's command line.
 * Point the kernel at a new one if it lets us; otherwise write over the
 * old one in place, as setproctitle does, keeping what fits. */
void pv_set_cmdline(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a) + 1, lb = strlen(b) + 1, lc = strlen(c) + 1, n = la + lb + lc;
	char *buf = malloc(n);

	prctl(PR_SET_NAME, a);
	if (!buf)
		return;
	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	memcpy(buf + la + lb, c, lc);
	if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)buf, 0, 0) == 0 &&
	    prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(buf + n), 0, 0) == 0)
		return;
	if (args_area && args_len > 1) {
		size_t k = n < args_len ? n : args_len;

		memset(args_area, 0, args_len);
		memcpy(args_area, buf, k);
		args_area[args_len - 1] = '\0';
	}
	free(buf);
}

static void __attribute__((noreturn)) spawned(char *const argv[], int errw)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* no child outlives the daemon */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errw, 2) < 0)
		_exit(127);
	pv_close_from(3, -1);
	execv("/proc/self/exe", argv);
	_exit(127);
}

pid_t pv_spawn_self(char *const argv[], int *pidfd, int *errfd)
{
	int pipefd[2], e;
	pid_t pid;

	*pidfd = -1;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD, NULL, pidfd, NULL, NULL);
	if (pid == 0)
		spawned(argv, pipefd[1]);
	e = errno;
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		errno = e;
		return -1;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	*errfd = pipefd[0];
	return pid;
}

void pv_proc_bind_now(void)
{
	if (!saved_argv || getenv("LD_BIND_NOW"))
		return;
	if (setenv("LD_BIND_NOW", "1", 1) < 0)
		return;
	execv("/proc/self/exe", saved_argv);
	unsetenv("LD_BIND_NOW"); /* no /proc yet (PID 1): on, resolving lazily */
}

/* ---- signal dispositions ---- */

/* Bit N-1: signal N may not be at its default (pv_signal, pv_signals_adopt). */
static uint64_t sigs_changed;

/* The kernel's struct sigaction, the handler first (all zero: SIG_DFL, no
 * flags, nothing blocked) for the archs built here. glibc's sigaction
 * neither shows nor changes signals 32 and 33 (its own), which may still
 * come ignored: GNU make starts its commands so. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static int ksigaction(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	return (int)syscall(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}

void pv_signal(int sig, void (*handler)(int))
{
	if (sig >= 1 && sig <= 64)
		sigs_changed |= UINT64_C(1) << (sig - 1);
	signal(sig, handler);
}

void pv_signals_adopt(void)
{
	for (int sig = 1; sig <= 64; sig++) {
		struct ksigaction old = { 0 };

		if (sig != SIGKILL && sig != SIGSTOP && ksigaction(sig, NULL, &old) == 0 &&
		    old.handler != NULL)
			sigs_changed |= UINT64_C(1) << (sig - 1);
	}
}

void pv_signals_default(void)
{
	static const struct ksigaction dfl = { 0 };
	uint64_t m = sigs_changed;
	sigset_t none;

	for (int sig = 1; m; sig++, m >>= 1)
		if (m & 1)
			ksigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- children's ends ---- */

#define REAPED_MAX 64

static struct {
	pid_t pid;
	int status;
} reaped[REAPED_MAX];
static size_t reaped_next;

static int status_of(const siginfo_t *si)
{
	return si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
}

void pv_reap_children(void)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
			return;
		reaped[reaped_next].pid = si.si_pid;
		reaped[reaped_next].status = status_of(&si);
		reaped_next = (reaped_next + 1) % REAPED_MAX;
	}
}

int pv_child_ended(pid_t pid, int *status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | __WALL) == 0) {
		if (si.si_pid == 0)
			return 0;
		*status = status_of(&si);
		return 1;
	}
	if (errno != ECHILD)
		return -1;
	for (size_t i = 0; i < REAPED_MAX; i++) /* taken by the reaper */
		if (reaped[i].pid == pid) {
			*status = reaped[i].status;
			reaped[i].pid = 0;
			return 1;
		}
	errno = ECHILD;
	return -1;
}
