#include "supervisor/runtime/podinit.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* In the new namespaces: name the pod, bring up lo, and become its init,
 * by exec'ing the binary (forked from the daemon) or directly (forked
 * from the small spawner). A failure ends the child, which the daemon
 * sees as the pod's init dying. */
void pv_podinit_child(const char *hostname, const char *pod_uid, bool exec_binary)
{
	char *argv[] = { (char *)"podvisor-pod-init", (char *)"__pod-init", (char *)pod_uid, NULL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (sethostname(hostname, strlen(hostname)) < 0)
		_exit(126);
	loopback_up();
	pv_close_from(3, -1);
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
		       struct pv_err *err)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | (host_network ? 0 : CLONE_NEWNET) |
					       CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid == 0)
		pv_podinit_child(hostname, pod_uid, true);
	if (pid < 0)
		return pv_err_sys(err, errno, "clone pod namespaces"), -1;
	return pid;
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
