/* The pod network's setup (network/podnet.c) reaches the pod's network
 * namespace through its init's PID, checked against the init's pidfd: a
 * dead init whose PID went to another process, or an init in the
 * daemon's own namespace, gets no veth (its eth0 would be made, with the
 * pod's address and default route, in the wrong namespace: maybe the
 * node's). Root: everything happens in namespaces this test makes (R,
 * pid 1 of its own PID namespace, with its own network, mount and /proc);
 * skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netrules/ipam.h"
#include "netrules/netlink.h"
#include "supervisor/core/proc.h"
#include "supervisor/network/podnet.h"
#include "supervisor/node/node.h"
#include "supervisor/node/pod.h"

static int failures;

#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "# %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                            \
			fprintf(stderr, "\n");                                   \
			failures++;                                              \
		}                                                                \
	} while (0)

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

/* Whether the node side of the veth of the pod at IP is in R. */
static bool veth_made(uint32_t ip)
{
	char host[16];

	pv_podnet_host_name(ip, host);
	return if_nametoindex(host) != 0;
}

static void in_r(void)
{
	struct pv_daemon d;
	struct pv_prt p;
	struct pv_err err = { 0 };
	char bridge[] = "pvtest0";
	int fd, last, qfd;
	pid_t pid, q;

	memset(&d, 0, sizeof(d));
	memset(&p, 0, sizeof(p));
	pv_cidr_parse("10.77.0.0/16", &d.pod_cidr);
	pv_cidr_parse("10.78.0.0/16", &d.service_cidr);
	d.bridge = bridge;
	d.nl = pv_nl_open(&err);
	CHECK(d.nl, "netlink: %s", err.msg);
	if (!d.nl)
		return;
	CHECK(pv_podnet_bridge_make(&d, d.nl, &err) == 0, "bridge: %s", err.msg);
	p.d = &d;

	/* a pod init in a namespace of its own: connected */
	p.ip = (10u << 24) | (77u << 16) | 2;
	p.init_pid = pod_init(CLONE_NEWNET, &p.init_pidfd);
	CHECK(pv_podnet_setup(&p, &err) == 0, "setup: %s", err.msg);
	CHECK(veth_made(p.ip), "no veth for a pod in its own namespace");
	kill_init(p.init_pid, p.init_pidfd);

	/* the init died and its PID went to another process, in a network
	 * namespace of its own (so that only the pidfd can tell) */
	p.ip++;
	pid = pod_init(CLONE_NEWNET, &fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	last = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC); /* R's PID namespace */
	CHECK(last >= 0 && dprintf(last, "%d", (int)pid - 1) > 0, "ns_last_pid: %s", strerror(errno));
	if (last >= 0)
		close(last);
	q = pod_init(CLONE_NEWNET, &qfd);
	CHECK(q == pid, "the PID %d was not reused (%d)", (int)pid, (int)q);
	p.init_pid = pid;
	p.init_pidfd = fd;
	CHECK(pv_podnet_setup(&p, &err) == -1, "connected through a reused PID");
	CHECK(!veth_made(p.ip), "a veth was made through the reused PID");
	kill_init(q, qfd);
	close(fd);

	/* an init in R's own namespace (the daemon's): refused */
	p.ip++;
	p.init_pid = pod_init(0, &p.init_pidfd);
	CHECK(pv_podnet_setup(&p, &err) == -1, "an init in the daemon's namespace was connected");
	CHECK(strstr(err.msg, "not in a network namespace of its own"), "message: %s", err.msg);
	CHECK(!veth_made(p.ip), "a veth was made for it");
	kill_init(p.init_pid, p.init_pidfd);
	pv_nl_close(d.nl);
}

static void test_setup_ns(void **state)
{
	ino_t outer_net = ns_ino("/proc/self/ns/net");
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
			/* R: refuse to go on unless the namespaces are the test's own */
			if (getpid() != 1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
			    !ns_ino("/proc/self/ns/net") || ns_ino("/proc/self/ns/net") == outer_net)
				_exit(3);
			in_r();
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
		cmocka_unit_test(test_setup_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
