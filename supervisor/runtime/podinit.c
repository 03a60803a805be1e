#include "supervisor/runtime/podinit.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/core/proc.h"

static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

static int write_map(pid_t pid, const char *which, uint32_t base)
{
	char path[64], map[64];
	int fd, n, rc;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	n = snprintf(map, sizeof(map), "0 %" PRIu32 " %u\n", base, PV_PODINIT_USERNS_IDS);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write(fd, map, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

/* The child: wait until the parent has mapped its ids (or gave up). */
static void wait_for_maps(int rfd)
{
	char ok = 0;
	ssize_t n;

	while ((n = read(rfd, &ok, 1)) < 0 && errno == EINTR)
		;
	close(rfd);
	if (n != 1 || ok != 'm')
		_exit(125);
}

pid_t pv_podinit_clone(bool host_network, uint32_t userns_base)
{
	unsigned long flags = CLONE_NEWPID | (host_network ? 0 : CLONE_NEWNET) | CLONE_NEWIPC |
			      CLONE_NEWUTS | SIGCHLD;
	int sync[2] = { -1, -1 }, rc;
	pid_t pid;

	if (userns_base && pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	pid = (pid_t)syscall(SYS_clone, flags | (userns_base ? CLONE_NEWUSER : 0), NULL, NULL, NULL,
			     NULL);
	if (pid == 0) {
		if (userns_base) {
			close(sync[1]);
			wait_for_maps(sync[0]);
		}
		return 0;
	}
	rc = pid < 0 ? -errno : 0;
	if (!userns_base)
		return pid < 0 ? rc : pid;
	close(sync[0]);
	if (rc == 0 && ((rc = write_map(pid, "uid_map", userns_base)) < 0 ||
			(rc = write_map(pid, "gid_map", userns_base)) < 0 ||
			(write(sync[1], "m", 1) != 1 && (rc = -errno) < 0)))
		kill(pid, SIGKILL);
	close(sync[1]);
	return rc < 0 ? rc : pid;
}

/* Root of the pod's user namespace (host id BASE), not the host's root:
 * nothing in the pod may act on a process of the node's root. */
static void become_userns_root(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(124);
}

/* In the new namespaces: name the pod, bring up lo, and become its init,
 * by exec'ing the binary (forked from the daemon) or directly (forked
 * from the small spawner). A failure ends the child, which the daemon
 * sees as the pod's init dying. */
void pv_podinit_child(const char *hostname, const char *pod_uid, bool exec_binary, bool userns,
		      int confirm)
{
	char *argv[] = { (char *)"podvisor-pod-init", (char *)"__pod-init", (char *)pod_uid, NULL };

	pv_signals_default();
	setsid();
	if (userns)
		become_userns_root();
	if (sethostname(hostname, strlen(hostname)) < 0)
		_exit(126);
	loopback_up();
	/* The pipe, kept across the exec as fd 3; every other fd goes. */
	if (confirm >= 0 && (confirm == PV_PODINIT_CONFIRM_FD
				     ? fcntl(confirm, F_SETFD, 0)
				     : dup2(confirm, PV_PODINIT_CONFIRM_FD)) < 0)
		_exit(127);
	pv_close_from(confirm >= 0 ? PV_PODINIT_CONFIRM_FD + 1 : PV_PODINIT_CONFIRM_FD, -1);
	if (!exec_binary) {
		pv_set_cmdline("podvisor-pod-init", "__pod-init", pod_uid);
		_exit(pv_podinit_main(2, argv + 1));
	}
	execv("/proc/self/exe", argv);
	_exit(127);
}

/* The daemon does not wait for the exec: the namespaces exist as soon as
 * clone returns, so the containers' shims can join them at once. */
pid_t pv_podinit_spawn(const char *hostname, const char *pod_uid, bool host_network,
		       uint32_t userns_base, int confirm, struct pv_err *err)
{
	pid_t pid = pv_podinit_clone(host_network, userns_base);

	if (pid == 0)
		pv_podinit_child(hostname, pod_uid, true, userns_base != 0, confirm);
	if (pid < 0)
		return pv_err_sys(err, -pid, userns_base ? "clone pod namespaces (user namespace at "
				  "host id %" PRIu32 ")" : "clone pod namespaces", userns_base), -1;
	return pid;
}

/* Wait for the daemon's word (PV_PODINIT_CONFIRM_FD): true once it
 * recorded this init, or when it gave no pipe (an init started by a
 * podvisor from before the pipe). */
static bool confirmed(void)
{
	ssize_t n;
	char b;

	do
		n = read(PV_PODINIT_CONFIRM_FD, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EBADF)
		return true;
	close(PV_PODINIT_CONFIRM_FD);
	return n == 1 && b == 'k';
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int pv_podinit_main(int argc, char **argv)
{
	sigset_t all;
	int fd;

	(void)argc;
	(void)argv;
	prctl(PR_SET_NAME, "pod-init");
	if (!confirmed())
		return 0; /* nobody knows of this pod: PID 1 leaving ends it all */
	signal(SIGCHLD, SIG_DFL);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/") < 0)
		return 1;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);

		if (sig == SIGCHLD)
			reap();
		else if (sig == SIGTERM || sig == SIGINT)
			return 0; /* PID 1 leaving takes the whole namespace with it */
	}
}
