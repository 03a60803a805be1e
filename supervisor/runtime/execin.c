/* A command in a running container, as `podvisor exec` runs one, but
 * for the daemon: no waiting, no terminal, output to a pipe. The child
 * is cloned with no exit signal, so the daemon's SIGCHLD reaper leaves
 * it to the pidfd's owner. The container's seccomp filter is compiled
 * before the clone and installed in the child without allocating; its
 * identity is its record's (sandbox/caps.h), read before the clone. Calls: runtime/cgroup, runtime/seccomp, core/proc;
 * runtime/shim.h says where a container's spec is. */
#include "supervisor/runtime/execin.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

static void __attribute__((noreturn)) child(pid_t target, int tpidfd, char *const argv[],
					    char **env, char **paths, int out,
					    const struct pv_identity *id,
					    const struct pv_seccomp_bpf *filter)
{
	sigset_t none;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), status = 0;
	pid_t pid;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
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
		struct pv_err err = { 0 };

		/* the container's filter where its process took it (container.c):
		 * while CAP_SYS_ADMIN is still ours, or with no_new_privs last */
		if (!id->no_new_privs && pv_seccomp_install(filter) < 0) {
			dprintf(2, "cannot load the container's seccomp filter: %s", strerror(errno));
			_exit(126);
		}
		if (pv_identity_become(id, &err) < 0) { /* as the container's process */
			dprintf(2, "%s: %s", err.msg, strerror(err.code));
			_exit(126);
		}
		if (id->no_new_privs && pv_seccomp_install(filter) < 0) {
			dprintf(2, "cannot load the container's seccomp filter: %s", strerror(errno));
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
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (x->pid <= 0 || waitid(P_PID, (id_t)x->pid, &si, WEXITED | WNOHANG | __WALL) < 0 ||
	    si.si_pid == 0)
		return -1;
	x->pid = 0;
	return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
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
