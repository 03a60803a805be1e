/* A command in a running container, as `podvisor exec` runs one, but
 * for the daemon: no waiting, no terminal, output to a pipe. The child
 * is cloned with no exit signal, so the daemon's SIGCHLD reaper leaves
 * it to the pidfd's owner. The container's seccomp filter is compiled
 * before the clone and installed in the child without allocating; its
 * identity is its record's (sandbox/caps.h), read before the clone.
 * And `podvisor exec`'s own command, under a keeper in the pod's PID
 * namespace that leaves nothing of it behind (pv_execin_session).
 * Calls: runtime/cgroup, sandbox (seccomp, caps), core/proc, libcap;
 * runtime/shim.h says where a container's spec is. */
#include "supervisor/runtime/execin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/proc.h"
#include "supervisor/sandbox/caps.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/runtime/idmap.h"
#include "supervisor/sandbox/seccomp.h"
#include "supervisor/runtime/shim.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* TARGET's environment, NUL-separated, as an argv-like vector. */
static char **environ_of(pid_t target)
{
	char path[64];
	size_t len = 0, n = 0;
	cleanup_free char *buf = NULL;
	struct pv_err err = { 0 };
	char **env;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)target);
	buf = pv_read_file_raw(path, 1 << 20, &len, &err);
	if (!buf)
		return calloc(1, sizeof(char *));
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	env = calloc(n + 1, sizeof(*env));
	for (size_t i = 0, k = 0; env && i < len && k < n; k++) {
		env[k] = strdup(buf + i);
		i += strlen(buf + i) + 1;
	}
	return env;
}

/* The paths to try for ARGV0, from PATH in ENV (built before the clone). */
static char **candidates(const char *argv0, char **env)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	size_t n = 1;
	char **v;

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	for (const char *p = path; *p; p++)
		n += *p == ':';
	v = calloc(n + 2, sizeof(*v));
	if (!v || strchr(argv0, '/')) {
		if (v)
			v[0] = strdup(argv0);
		return v;
	}
	for (size_t k = 0; path; k++) {
		const char *colon = strchr(path, ':');
		int len = colon ? (int)(colon - path) : (int)strlen(path);

		if (asprintf(&v[k], "%.*s/%s", len, path, argv0) < 0)
			v[k] = NULL;
		path = colon ? colon + 1 : NULL;
	}
	return v;
}

static int enter(pid_t target, int pidfd)
{
	char path[64];
	int root, userns = pv_idmap_userns_fd(target); /* hostUsers: false */

	if (userns < 0 && errno)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)target);
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || setns(pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
				      CLONE_NEWUTS) < 0)
		return -1;
	if (userns >= 0 && pv_idmap_join(userns) < 0)
		return -1;
	if (fchdir(root) < 0 || chroot(".") < 0)
		return -1;
	return chdir("/");
}

/* As the container's process: its seccomp filter where its process took
 * it (container.c: while CAP_SYS_ADMIN is still ours, or with
 * no_new_privs last), its user, groups, capabilities. 0, or -1 with what
 * failed in MSG. */
static int become(const struct pv_identity *id, const struct pv_seccomp_bpf *filter, char *msg,
		  size_t len)
{
	struct pv_err err = { 0 };

	if (!id->no_new_privs && pv_seccomp_install(filter) < 0)
		goto filter;
	if (pv_identity_become(id, &err) < 0) {
		if (snprintf(msg, len, "%s: %s", err.msg, strerror(err.code)) < 0)
			msg[0] = '\0';
		return -1;
	}
	if (id->no_new_privs && pv_seccomp_install(filter) < 0)
		goto filter;
	return 0;
filter:
	snprintf(msg, len, "cannot load the container's seccomp filter: %s", strerror(errno));
	return -1;
}

static void __attribute__((noreturn)) child(pid_t target, int tpidfd, char *const argv[],
					    char **env, char **paths, int out,
					    const struct pv_identity *id,
					    const struct pv_seccomp_bpf *filter)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), status = 0;
	pid_t pid;

	pv_signals_default(); /* the daemon's SIGPIPE, ignored, is not the command's */
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	pv_close_from(3, tpidfd);
	pv_cg_join_pid(target);
	if (enter(target, tpidfd) < 0) {
		dprintf(2, "cannot enter the container: %s", strerror(errno));
		_exit(126);
	}
	/* setns(CLONE_NEWPID) applies to children: fork once more so the
	 * command is in the container's PID namespace. */
	pid = fork();
	if (pid == 0) {
		char msg[1024];

		if (become(id, filter, msg, sizeof(msg)) < 0) {
			dprintf(2, "%s", msg);
			_exit(126);
		}
		/* after the setuid above, which clears it */
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* killed with its parent on a timeout */
		for (size_t i = 0; paths && paths[i]; i++)
			execve(paths[i], argv, env);
		dprintf(2, "exec: \"%s\": executable file not found in $PATH", argv[0]);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		_exit(126);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int start(pid_t target, const char *cdir, char *const argv[],
		 const struct pv_seccomp_bpf *filter, struct pv_execin *x, struct pv_err *err)
{
	struct pv_identity id = { 0 };
	char **env = NULL, **paths = NULL;
	int pipefd[2] = { -1, -1 }, tpidfd = -1, pidfd = -1;
	pid_t pid;

	x->pid = 0;
	x->pidfd = x->out = -1;
	if (!argv || !argv[0])
		return pv_err_set(err, EINVAL, "no command");
	tpidfd = pv_pidfd_open(target, 0);
	if (tpidfd < 0)
		return pv_err_sys(err, errno, "the container's process %d", (int)target);
	/* as configured (runc exec's process.user), not as the main process
	 * may have become since (gosu, su-exec) */
	if (pv_identity_read(cdir, &id, err) < 0) {
		close(tpidfd);
		return -1;
	}
	env = environ_of(target);
	paths = env ? candidates(argv[0], env) : NULL;
	if (!env || !paths || pipe2(pipefd, O_CLOEXEC) < 0) {
		pv_err_sys(err, errno ? errno : ENOMEM, "exec");
		goto out;
	}
	pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD, NULL, &pidfd, NULL, NULL);
	if (pid == 0)
		child(target, tpidfd, argv, env, paths, pipefd[1], &id, filter);
	if (pid < 0) {
		pv_err_sys(err, errno, "clone");
		goto out;
	}
	x->pid = pid;
	x->pidfd = pidfd;
	x->out = pipefd[0];
	pipefd[0] = -1;
	fcntl(x->out, F_SETFL, O_NONBLOCK);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	close(tpidfd);
	pv_strv_free(env);
	pv_strv_free(paths);
	pv_identity_free(&id);
	return x->pid > 0 ? 0 : -1;
}

int pv_execin_filter(const char *cdir, struct pv_seccomp_bpf *out, struct pv_err *err)
{
	cleanup_free char *bpf = NULL, *spec = NULL;
	int rc;

	if (asprintf(&bpf, "%s/%s", cdir, PV_SECCOMP_BPF) < 0 ||
	    asprintf(&spec, "%s/%s", cdir, PV_SHIM_SPEC) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	rc = pv_seccomp_read_bpf(bpf, out, err);
	return rc == 1 ? pv_seccomp_compile_spec(spec, out, err) : rc;
}

int pv_execin_start_in(pid_t target, const char *cdir, char *const argv[], struct pv_execin *x,
		       struct pv_err *err)
{
	struct pv_seccomp_bpf filter = { 0 };
	int rc;

	x->pid = 0;
	x->pidfd = x->out = -1;
	if (pv_execin_filter(cdir, &filter, err) < 0)
		return -1;
	rc = start(target, cdir, argv, &filter, x, err);
	pv_seccomp_bpf_free(&filter);
	return rc;
}

int pv_execin_reap(struct pv_execin *x)
{
	int status;

	if (x->pid <= 0 || pv_child_ended(x->pid, &status) <= 0)
		return -1;
	x->pid = 0;
	return status;
}

void pv_execin_kill(struct pv_execin *x)
{
	siginfo_t si;

	if (x->pid > 0) {
		if (x->pidfd >= 0)
			pv_pidfd_signal(x->pidfd, SIGKILL);
		while (waitid(P_PID, (id_t)x->pid, &si, WEXITED | __WALL) < 0 && errno == EINTR)
			;
		x->pid = 0;
	}
	if (x->pidfd >= 0)
		close(x->pidfd);
	if (x->out >= 0)
		close(x->out);
	x->pidfd = x->out = -1;
}

/* --- podvisor exec's session ------------------------------------------- */

/* SIGKILL every child of ours, as the container's /proc (mounted for the
 * pod's PID namespace: checked by /proc/self being us) lists them,
 * zombies included. How many, or -1 when /proc cannot say. */
static int kill_children(void)
{
	char buf[512], path[64];
	pid_t me = getpid();
	struct dirent *e;
	ssize_t n;
	int count = 0;
	DIR *d;

	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0 || (buf[n] = '\0', atoi(buf) != me) || !(d = opendir("/proc")))
		return -1;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char *paren;
		int fd, ppid = 0;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		paren = strrchr(buf, ')'); /* the name may hold anything */
		if (paren && sscanf(paren + 1, " %*c %d", &ppid) == 1 && ppid == me) {
			kill(pid, SIGKILL);
			count++;
		}
	}
	closedir(d);
	return count;
}

/* Kill and reap all that is left of the command CMD: our children, and
 * what becomes ours as they die (we are its subreaper), until none. */
static void kill_tree(pid_t cmd)
{
	for (;;) {
		int status, n = kill_children();
		pid_t pid;

		if (n < 0) { /* no /proc of the pod's: what can be named */
			kill(-cmd, SIGKILL);
			kill(cmd, SIGKILL);
			while (waitpid(-1, &status, WNOHANG) > 0)
				;
			return;
		}
		pid = waitpid(-1, &status, 0); /* one killed above, or ECHILD: none */
		if (pid < 0 && errno != EINTR)
			return;
	}
}

/* The session's command, in a child of the keeper: the terminal as its
 * controlling terminal, or a process group of its own; then the
 * container's filter and identity, and exec. */
static void __attribute__((noreturn)) session_cmd(const struct pv_execin_cmd *c, char **paths)
{
	pid_t keeper = getppid();
	char msg[1024];

	pv_signals_default();
	if (c->tty >= 0 ? login_tty(c->tty) < 0 : setpgid(0, 0) < 0)
		_exit(126);
	pv_close_from(3, -1);
	if (become(c->id, c->filter, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "podvisor exec: %s\n", msg);
		_exit(126);
	}
	/* after the setuid above, which clears it; the keeper may be gone already */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != keeper)
		_exit(126);
	for (size_t i = 0; paths && paths[i]; i++)
		execve(paths[i], c->argv, c->env);
	if (strchr(c->argv[0], '/'))
		_exit(errno == ENOENT ? 127 : 126);
	fprintf(stderr, "podvisor exec: %s: command not found\n", c->argv[0]);
	_exit(127);
}

/* The keeper keeps nothing of root's but killing: it may be seen (and
 * signalled) from the pod, so it is not dumpable and holds CAP_KILL only. */
static void keeper_shrink(void)
{
	cap_value_t kill_cap = CAP_KILL;
	cap_t caps = cap_init();

	prctl(PR_SET_DUMPABLE, 0);
	if (!caps)
		return;
	cap_set_flag(caps, CAP_PERMITTED, 1, &kill_cap, CAP_SET);
	cap_set_flag(caps, CAP_EFFECTIVE, 1, &kill_cap, CAP_SET);
	cap_set_proc(caps);
	cap_free(caps);
}

/* Until the command ends (0, its status in STATUS), or the client goes
 * or we are told to stop (-1). */
static int keeper_wait(pid_t cmd, int link, int sfd, int *status)
{
	for (;;) {
		struct pollfd p[2] = { { link, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		struct signalfd_siginfo si;
		int st;
		pid_t pid;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[0].revents) /* EOF: the client closed it, or died */
			return -1;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			*status = 128 + (int)si.ssi_signo;
			return -1;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			if (pid == cmd) {
				*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				return 0;
			}
	}
}

static void __attribute__((noreturn)) keeper(const struct pv_execin_cmd *c, int link,
					     char **paths)
{
	int status = 128 + SIGKILL, sfd;
	sigset_t set;
	pid_t cmd;

	/* terminal signals are the client's: it decides when we end */
	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (c->master >= 0)
		close(c->master);
	cmd = fork();
	if (cmd == 0) {
		close(link);
		session_cmd(c, paths);
	}
	if (c->tty >= 0)
		close(c->tty);
	if (cmd < 0) {
		fprintf(stderr, "podvisor exec: fork: %s\n", strerror(errno));
		_exit(126);
	}
	if (c->tty < 0)
		setpgid(cmd, cmd); /* as it does itself: whichever comes first */
	keeper_shrink();
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd >= 0)
		keeper_wait(cmd, link, sfd, &status);
	kill_tree(cmd);
	_exit(status);
}

int pv_execin_session(const struct pv_execin_cmd *c, struct pv_execin_session *s,
		      struct pv_err *err)
{
	int link[2] = { -1, -1 };
	char **paths = candidates(c->argv[0], c->env);
	pid_t pid;

	s->keeper = s->link = -1;
	if (!paths || pipe2(link, O_CLOEXEC) < 0) {
		pv_strv_free(paths);
		return pv_err_sys(err, paths ? errno : ENOMEM, "exec");
	}
	pid = fork();
	if (pid == 0) {
		close(link[1]);
		keeper(c, link[0], paths);
	}
	close(link[0]);
	pv_strv_free(paths);
	if (pid < 0) {
		close(link[1]);
		return pv_err_sys(err, errno, "fork");
	}
	s->keeper = pid;
	s->link = link[1];
	return 0;
}

bool pv_execin_session_ended(const struct pv_execin_session *s)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return s->keeper > 0 &&
	       waitid(P_PID, (id_t)s->keeper, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid;
}

int pv_execin_session_end(struct pv_execin_session *s, bool kill)
{
	int status = 0;

	if (kill && s->link >= 0) {
		close(s->link);
		s->link = -1;
	}
	while (s->keeper > 0 && waitpid(s->keeper, &status, 0) < 0 && errno == EINTR)
		;
	if (s->link >= 0)
		close(s->link);
	s->keeper = s->link = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
