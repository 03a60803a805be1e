/* podvisor exec: run a command in a running container, as nsenter would
 * but knowing where the container is: its namespaces (mount, PID,
 * network, IPC, UTS), root, environment and working directory, under its
 * seccomp filter, as the user and with the capabilities the container was
 * configured with (its identity record, as runc exec uses the OCI
 * config's). The container's process is held by a pidfd, checked against
 * the start time its shim recorded, before anything is read of it. The
 * exit code is the command's; -it gives it a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include "common/cleanup.h"
#include "supervisor/runtime/idmap.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/api/api.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/sandbox/caps.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/runtime/execin.h"
#include "supervisor/runtime/shim.h"
#include "supervisor/sandbox/seccomp.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/proc.h"

static const char exec_usage[] =
	"Usage: podvisor exec POD [-c CONTAINER] [-i] [-t] [-n NAMESPACE] -- COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND inside a running container: in its namespaces, on its root,\n"
	"with its environment. Exits with the command's exit code (126 when it\n"
	"cannot be run, 127 when it is not found). Options go before the \"--\";\n"
	"what follows it is the command's.\n";

struct exec_opts {
	const char *ns, *container, *state;
	bool in, tty;
};

/* The container's pid, from the daemon: the one named -c (an app
 * container, or a running sidecar), else the first app container. */
static pid_t container_pid(const struct exec_opts *o, const char *pod, char **cdir)
{
	struct json_object *resp = pv_client_pod("podvisor exec", o->state, o->ns, pod), *cs, *v;
	struct json_object *c = NULL;
	pid_t pid = -1;

	if (!resp)
		return -1;
	json_object_object_get_ex(resp, "containers", &cs);
	for (size_t i = 0; cs && i < json_object_array_length(cs) && !c; i++) {
		struct json_object *ci = json_object_array_get_idx(cs, i);

		if (o->container ? !strcmp(pv_json_str(ci, "name", ""), o->container)
				 : !json_object_get_boolean(json_object_object_get(ci, "init")))
			c = ci;
	}
	if (!c && o->container)
		fprintf(stderr, "podvisor exec: no container \"%s\" in pod %s\n", o->container, pod);
	else if (!c)
		fprintf(stderr, "podvisor exec: pod %s has no container to run in\n", pod);
	else if (!json_object_object_get_ex(c, "pid", &v) ||
		 !json_object_object_get_ex(json_object_object_get(c, "state"), "running", NULL))
		fprintf(stderr, "podvisor exec: container %s is not running\n", pv_json_str(c, "name", ""));
	else if (asprintf(cdir, "%s/pods/%s/containers/%s", pv_state_dir(o->state),
			  pv_json_str(resp, "uid", ""), pv_json_str(c, "name", "")) < 0)
		*cdir = NULL;
	else
		pid = json_object_get_int(v);
	json_object_put(resp);
	return pid;
}

/* The container's environment, from /proc (before entering it). */
static char **read_environ(pid_t pid)
{
	char path[64];
	size_t len = 0, n = 0;
	cleanup_free char *buf = NULL;
	char **env;
	struct pv_err err = { 0 };

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	buf = pv_read_file_raw(path, 1 << 20, &len, &err);
	if (!buf) { /* the command still runs, with an empty environment: say so */
		fprintf(stderr, "podvisor exec: the container's environment: %s\n", err.msg);
		return calloc(1, sizeof(char *));
	}
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	env = calloc(n + 2, sizeof(*env));
	for (size_t i = 0, k = 0; env && i < len && k < n; k++) {
		env[k] = strdup(buf + i);
		i += strlen(buf + i) + 1;
	}
	return env;
}

static void __attribute__((noreturn)) run_child(char **argv, char **env, int tty_fd,
					       const struct pv_identity *id,
					       const struct pv_seccomp_bpf *filter)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char buf[4096];
	struct pv_err err = { 0 };

	if (tty_fd >= 0 && login_tty(tty_fd) < 0)
		_exit(126);
	/* the container's seccomp filter where its process took it (container.c):
	 * while CAP_SYS_ADMIN is still ours, or with no_new_privs last */
	if (!id->no_new_privs && pv_seccomp_install(filter) < 0) {
		fprintf(stderr, "podvisor exec: the container's seccomp filter: %s\n", strerror(errno));
		_exit(126);
	}
	/* as the container's process: its user, groups, capabilities, no_new_privs */
	if (pv_identity_become(id, &err) < 0) {
		fprintf(stderr, "podvisor exec: %s: %s\n", err.msg, strerror(err.code));
		_exit(126);
	}
	if (id->no_new_privs && pv_seccomp_install(filter) < 0) {
		fprintf(stderr, "podvisor exec: the container's seccomp filter: %s\n", strerror(errno));
		_exit(126);
	}
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (const char *p = path; p && *p;) {
		const char *colon = strchr(p, ':');
		int len = colon ? (int)(colon - p) : (int)strlen(p);

		snprintf(buf, sizeof(buf), "%.*s/%s", len, p, argv[0]);
		execve(buf, argv, env);
		p = colon ? colon + 1 : NULL;
	}
	fprintf(stderr, "podvisor exec: %s: command not found\n", argv[0]);
	_exit(127);
}

/* Copy between our terminal and the command's until it ends. */
static void relay(int master, pid_t child)
{
	struct termios raw, saved;
	bool tty = tcgetattr(0, &saved) == 0;
	char buf[4096];

	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	for (;;) {
		struct pollfd p[2] = { { 0, POLLIN, 0 }, { master, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0 || write(master, buf, (size_t)n) < 0)
				p[0].fd = -1;
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0 || write(1, buf, (size_t)n) < 0)
				break;
		}
		if (waitpid(child, NULL, WNOHANG | WNOWAIT) == child && !(p[1].revents & POLLIN))
			break;
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
}

/* The process PID as its shim recorded it in CDIR (state.json: pid and
 * start time), as a pidfd: -1 with a message if it is gone or not that
 * process any more. */
static int open_container(pid_t pid, const char *cdir)
{
	cleanup_free char *path = NULL;
	struct json_object *st;
	struct pv_err err = { 0 };
	uint64_t start = 0;
	int fd;

	if (asprintf(&path, "%s/%s", cdir, PV_SHIM_STATE) < 0)
		return fprintf(stderr, "podvisor exec: out of memory\n"), -1;
	if (!(st = pv_read_json(path, &err))) {
		fprintf(stderr, "podvisor exec: %s: %s\n", err.msg, strerror(err.code));
		return -1;
	}
	if (pv_json_int(st, "pid") == pid)
		start = (uint64_t)pv_json_int(st, "start");
	json_object_put(st);
	fd = start ? pv_pidfd_open(pid, start) : (errno = ESRCH, -1);
	if (fd < 0)
		fprintf(stderr, "podvisor exec: the container's process %d: %s\n", (int)pid,
			strerror(errno));
	return fd;
}

/* Into the namespaces and root of the process PIDFD holds (PID): what is
 * opened by PID is checked to be its, since it is still alive after. */
static int enter(pid_t pid, int pidfd)
{
	char path[64];
	int root, userns = pv_idmap_userns_fd(pid); /* hostUsers: false */

	if (userns < 0 && errno)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || pv_pidfd_signal(pidfd, 0) < 0) /* not reused: still the same process */
		return -1;
	if (setns(pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return -1;
	close(pidfd);
	if (userns >= 0 && pv_idmap_join(userns) < 0)
		return -1;
	if (fchdir(root) < 0 || chroot(".") < 0)
		return -1;
	close(root);
	return chdir("/");
}

/* The options, into O: PV_CLI_GO with the pod and the command in A, or
 * the exit status. */
static int parse(int argc, char **argv, struct exec_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_STR_OPT("container", 'c', &o->container, "NAME",
			       "which container (default: the only, or the first)"),
		PV_CLI_FLAG_OPT("stdin", 'i', &o->in, "pass standard input through"),
		PV_CLI_FLAG_OPT("tty", 't', &o->tty, "give the command a terminal"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the pod's namespace (default: default)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "exec", exec_usage, NULL, opts, PV_CLI_COMMAND };
	int rc;

	o->ns = "default";
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc != PV_CLI_GO)
		return rc;
	if (a->n != 1 || !a->cmd)
		return pv_cli_usage_error(&cmd, "expected POD -- COMMAND [ARG...]");
	if (!a->cmd[0])
		return pv_cli_usage_error(&cmd, "no command given after --");
	return PV_CLI_GO;
}

int pv_cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	struct pv_cli_args a;
	int rc = parse(argc, argv, &o, &a), status, master = -1, slave = -1;
	char **env, *cdir = NULL;
	struct pv_seccomp_bpf filter = { 0 };
	pid_t pid, child;
	struct pv_identity id = { 0 };
	struct pv_err err = { 0 };
	int pidfd;

	if (rc != PV_CLI_GO)
		return rc;
	pid = container_pid(&o, a.v[0], &cdir); /* and its directory: its seccomp filter */
	if (pid < 0)
		return PV_EXIT_FAIL;
	pidfd = open_container(pid, cdir);
	if (pidfd < 0)
		return free(cdir), PV_EXIT_FAIL;
	rc = pv_execin_filter(cdir, &filter, &err);
	/* as configured (runc exec's process.user), not as the main process
	 * may have become since (gosu, su-exec); never root by default */
	if (rc == 0)
		rc = pv_identity_read(cdir, &id, &err);
	free(cdir);
	if (rc < 0) {
		fprintf(stderr, "podvisor exec: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	env = read_environ(pid);
	pv_cg_join_pid(pid); /* its limits apply to what runs beside it */
	if (enter(pid, pidfd) < 0) {
		fprintf(stderr, "podvisor exec: cannot enter the container: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	/* The terminal comes from the container's own devpts, so that the
	 * command sees it under /dev/pts. */
	if (o.tty && openpty(&master, &slave, NULL, NULL, NULL) < 0)
		return perror("podvisor exec: openpty"), PV_EXIT_FAIL;
	if (!o.in && !o.tty) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 0);
	}
	child = fork();
	if (child == 0)
		run_child(a.cmd, env, slave, &id, &filter);
	if (slave >= 0)
		close(slave);
	if (child < 0)
		return perror("podvisor exec: fork"), PV_EXIT_FAIL;
	if (master >= 0)
		relay(master, child);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	pv_strv_free(env);
	pv_seccomp_bpf_free(&filter);
	pv_identity_free(&id);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
