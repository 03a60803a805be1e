#include "supervisor/runtime/spawner.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/runtime/podinit.h"
#include "supervisor/core/proc.h"
#include "supervisor/runtime/shim.h"

enum { REQ_SHIM = 1, REQ_POD_INIT = 2 };

struct request {
	int type;
	char path[4096]; /* shim: the container directory */
	char host[256];  /* pod init: hostname */
	char uid[64];    /* pod init: the pod's uid */
	int host_network; /* pod init: stay in the node's network namespace */
	uint32_t userns_base; /* pod init: its own user namespace from this host id; 0: none */
};

void pv_shim_child(const char *dir, int notify)
{
	char *argv[] = { (char *)"__shim", (char *)dir, NULL };

	pv_signals_default();
	setsid();
	if (notify != PV_SHIM_NOTIFY_FD && dup2(notify, PV_SHIM_NOTIFY_FD) < 0)
		_exit(127);
	pv_close_from(PV_SHIM_NOTIFY_FD + 1, -1);
	pv_set_cmdline("podvisor-shim", "__shim", dir);
	_exit(pv_shim_main(2, argv));
}

/* Not answered: the daemon knows a shim by NOTIFY's other end, and goes
 * on with the next pod while this one forks. A shim that cannot be
 * forked leaves an exit record instead; once the spawner closes its copy
 * of NOTIFY, the daemon sees the end of file and reads the record: the
 * container's StartError. */
static void serve_shim(const struct request *r, int notify)
{
	pid_t pid = fork();
	char msg[128];

	if (pid == 0)
		pv_shim_child(r->path, notify);
	if (pid < 0) {
		snprintf(msg, sizeof(msg), "the shim could not be forked: %s", strerror(errno));
		pv_shim_not_started(r->path, msg);
	}
}

static pid_t serve_pod_init(const struct request *r, int confirm)
{
	pid_t pid = pv_podinit_clone(r->host_network, r->userns_base);

	if (pid == 0)
		pv_podinit_child(r->host, r->uid, false, r->userns_base != 0, confirm);
	return pid;
}

static int recv_request(int fd, struct request *r, int *passed)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { r, sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	*passed = -1;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_type == SCM_RIGHTS)
			memcpy(passed, CMSG_DATA(c), sizeof(int));
	r->path[sizeof(r->path) - 1] = r->host[sizeof(r->host) - 1] = '\0';
	r->uid[sizeof(r->uid) - 1] = '\0';
	return 0;
}

static void __attribute__((noreturn)) spawner_main(int fd)
{
	struct request r;
	int passed;

	pv_close_from(3, fd);
	/* Its children are reaped by the kernel; they reset this. */
	pv_signal(SIGCHLD, SIG_IGN);
	pv_signal(SIGTERM, SIG_IGN);
	pv_signal(SIGINT, SIG_IGN);
	pv_signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pv_set_cmdline("podvisor-spawner", "__spawner", "");
	while (recv_request(fd, &r, &passed) == 0) {
		pid_t pid;

		if (r.type == REQ_SHIM) {
			if (passed >= 0)
				serve_shim(&r, passed), close(passed);
			continue;
		}
		pid = r.type == REQ_POD_INIT ? serve_pod_init(&r, passed) : -EINVAL;
		if (passed >= 0)
			close(passed);
		if (send(fd, &pid, sizeof(pid), MSG_NOSIGNAL) < 0)
			break;
	}
	_exit(0);
}

int pv_spawner_start(struct pv_spawner *s, struct pv_err *err)
{
	int sv[2];

	s->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pv_err_sys(err, errno, "socketpair");
	s->pid = fork();
	if (s->pid == 0) {
		close(sv[0]);
		spawner_main(sv[1]);
	}
	close(sv[1]);
	if (s->pid < 0) {
		close(sv[0]);
		return pv_err_sys(err, errno, "fork");
	}
	s->fd = sv[0];
	return 0;
}

/* Send R (and PASS, unless -1); 0, or -1 with the spawner stopped. */
static int ask(struct pv_spawner *s, const struct request *r, int pass)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)r, sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (s->fd < 0)
		return -1;
	if (pass >= 0) {
		struct cmsghdr *c;

		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass, sizeof(int));
	}
	if (sendmsg(s->fd, &m, MSG_NOSIGNAL) < 0) {
		pv_spawner_stop(s); /* gone: from now on the daemon execs */
		return -1;
	}
	return 0;
}

pid_t pv_spawner_shim(struct pv_spawner *s, const char *dir, int notify)
{
	struct request r = { .type = REQ_SHIM };

	if (strlen(dir) >= sizeof(r.path))
		return -1;
	strcpy(r.path, dir);
	return ask(s, &r, notify); /* not answered: see serve_shim */
}

int pv_spawner_pod_init_ask(struct pv_spawner *s, const char *hostname, const char *uid,
			    bool host_network, uint32_t userns_base, int confirm)
{
	struct request r = { .type = REQ_POD_INIT, .host_network = host_network,
			     .userns_base = userns_base };

	if (strlen(hostname) >= sizeof(r.host) || strlen(uid) >= sizeof(r.uid))
		return -1;
	strcpy(r.host, hostname);
	strcpy(r.uid, uid);
	return ask(s, &r, confirm);
}

pid_t pv_spawner_pod_init_wait(struct pv_spawner *s)
{
	pid_t pid = -1;
	ssize_t n;

	if (s->fd < 0)
		return -1;
	do
		n = recv(s->fd, &pid, sizeof(pid), 0);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(pid)) {
		pv_spawner_stop(s);
		return -1;
	}
	if (pid < 0) {
		errno = -pid;
		return -1;
	}
	return pid;
}

void pv_spawner_stop(struct pv_spawner *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
