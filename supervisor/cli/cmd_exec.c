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
#include <pty.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

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
	"with its environment, as the user and under the seccomp filter the\n"
	"container was configured with. Options go before the \"--\"; what follows\n"
	"it is the command's.\n"
	"\n"
	"With -i the command reads our standard input; with -i and -t it gets a\n"
	"terminal of its own (from the container's /dev/pts) at our terminal's size,\n"
	"resized with it, and our terminal is put in raw mode: Ctrl-C, Ctrl-Z and\n"
	"Ctrl-D go to the command. When our standard input is not a terminal, -t\n"
	"says \"Unable to use a TTY - input is not a terminal or the right kind of\n"
	"file\" and the command runs as with -i alone, as kubectl does.\n"
	"\n"
	"Nothing of the command outlives us: when it ends, when we are killed\n"
	"(even by SIGKILL), or when our terminal hangs up, every process it\n"
	"started in the pod is killed.\n";

static const char exec_more[] =
	"Exit status:\n"
	"  the command's (128+N when it was killed by signal N); 126 when it cannot\n"
	"  be run, 127 when it is not found; 1 when the pod or container is not\n"
	"  there or not running; 2 for a usage error.\n"
	"\n"
	"Examples:\n"
	"  # a shell in the first container of pod web\n"
	"  podvisor exec -it web -- sh\n"
	"\n"
	"  # a command in the sidecar container of pod web, in namespace shop\n"
	"  podvisor exec web -c sidecar -n shop -- cat /etc/resolv.conf\n"
	"\n"
	"  # feed a script to the command's standard input\n"
	"  podvisor exec -i web -- sh < setup.sh\n"
	"\n"
	"  # against a daemon with another state directory\n"
	"  podvisor exec web --state /run/podvisor -- ps\n";

/* Signals we read instead of dying of them at once: the ones that end
 * us end the command first (then we die of them); SIGWINCH resizes its
 * terminal; SIGCHLD says the keeper ended. */
static const int exec_signals[] = { SIGCHLD, SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT };

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

/* The client's side of the session: our terminal raw, the command's
 * terminal (MASTER, -1 without one) relayed to and from it at its size,
 * and the signals that end us read from SFD. */
struct relay {
	int master, sfd;
	bool raw, in_open;
	struct termios saved;
	char in[4096]; /* read from our stdin, not yet written to the terminal */
	size_t in_len, in_off;
};

static void relay_size(const struct relay *r)
{
	struct winsize ws;

	if (r->master >= 0 && (ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0))
		ioctl(r->master, TIOCSWINSZ, &ws);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* What the terminal's output (MASTER readable) brings; false once it
 * says no more (the command's side closed) or ours cannot take it. */
static bool relay_out(struct relay *r)
{
	char buf[4096];
	ssize_t n = read(r->master, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	return n > 0 && write_all(1, buf, (size_t)n);
}

/* Our stdin to the terminal's input. False when our terminal is gone: a
 * raw terminal reads no EOF, only a hangup (0 or EIO). */
static bool relay_in(struct relay *r, short revents)
{
	if (r->in_len == 0 && (revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(0, r->in, sizeof(r->in));

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return true;
		if (n <= 0)
			return false;
		r->in_len = (size_t)n;
		r->in_off = 0;
	}
	if (r->in_len > 0) {
		ssize_t n = write(r->master, r->in + r->in_off, r->in_len - r->in_off);

		if (n < 0 && errno != EINTR && errno != EAGAIN)
			r->in_len = 0; /* the command's side is gone: its end comes next */
		else if (n > 0 && (r->in_off += (size_t)n) == r->in_len)
			r->in_len = 0;
	}
	return true;
}

/* The signal read from SFD: 0 for one we only act on (SIGWINCH,
 * SIGCHLD), else the one that ends us. */
static int relay_signal(struct relay *r)
{
	struct signalfd_siginfo si;

	if (read(r->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (si.ssi_signo == SIGWINCH)
		relay_size(r);
	return si.ssi_signo == SIGWINCH || si.ssi_signo == SIGCHLD ? 0 : (int)si.ssi_signo;
}

/* Until the keeper of S ends (0), or we must go (the signal, or SIGHUP
 * when our terminal hung up): no busy loop, whatever is closed. */
static int relay_run(struct relay *r, const struct pv_execin_session *s)
{
	bool out_open = r->master >= 0;

	while (!pv_execin_session_ended(s)) {
		struct pollfd p[3] = {
			{ r->in_open && r->in_len == 0 ? 0 : -1, POLLIN, 0 },
			{ out_open ? r->master : -1, (short)(POLLIN | (r->in_len ? POLLOUT : 0)), 0 },
			{ r->sfd, POLLIN, 0 },
		};
		int sig;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return SIGHUP;
		if (p[2].revents && (sig = relay_signal(r)))
			return sig;
		if ((p[1].revents & POLLIN) && !relay_out(r))
			out_open = false;
		else if ((p[1].revents & (POLLHUP | POLLERR)) && !(p[1].revents & POLLIN))
			out_open = false; /* nothing holds the command's side: its end comes */
		if ((p[0].revents || (p[1].revents & POLLOUT)) && !relay_in(r, p[0].revents))
			return SIGHUP;
	}
	for (char buf[4096]; out_open;) { /* what it wrote last (non-blocking) */
		ssize_t n = read(r->master, buf, sizeof(buf));

		out_open = n > 0 && write_all(1, buf, (size_t)n);
	}
	return 0;
}

/* Run the session S to its end, relaying MASTER (-1: none): the
 * command's exit status, or we die of the signal that ended us, once
 * nothing of the command is left. SET is blocked (SIGCHLD among it). */
static int session_wait(struct pv_execin_session *s, int master, const sigset_t *set)
{
	struct relay r = { .master = master, .sfd = signalfd(-1, set, SFD_CLOEXEC) };
	int sig, status;

	if (r.sfd < 0)
		return perror("podvisor exec: signalfd"), pv_execin_session_end(s, false);
	if (master >= 0) {
		struct termios raw;

		fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
		r.in_open = true;
		r.raw = tcgetattr(0, &r.saved) == 0;
		raw = r.saved;
		cfmakeraw(&raw);
		if (r.raw)
			tcsetattr(0, TCSANOW, &raw);
	}
	sig = relay_run(&r, s);
	if (r.raw)
		tcsetattr(0, TCSANOW, &r.saved);
	status = pv_execin_session_end(s, sig != 0);
	close(r.sfd);
	if (sig) { /* as we would have died of it, now that nothing is left */
		signal(sig, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, set, NULL);
		raise(sig);
		return 128 + sig;
	}
	return status;
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
		PV_CLI_FLAG_OPT("tty", 't', &o->tty, "with -i: give the command a terminal (when ours is one)"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the pod's namespace (default: default)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "exec", exec_usage, exec_more, opts, PV_CLI_COMMAND };
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

/* kubectl's: a terminal only for -i with a terminal to read from. */
static void choose_tty(struct exec_opts *o)
{
	if (o->tty && o->in && !isatty(0))
		fprintf(stderr, "Unable to use a TTY - input is not a terminal or the right kind of file\n");
	o->tty = o->tty && o->in && isatty(0);
}

/* Enter the container of PID (held by PIDFD) and run the command there
 * under a keeper, with a terminal for -t. */
static int run(const struct exec_opts *o, char **argv, pid_t pid, int pidfd,
	       const struct pv_identity *id, const struct pv_seccomp_bpf *filter, char **env)
{
	struct pv_execin_cmd c = { argv, env, -1, -1, id, filter };
	struct pv_execin_session s;
	struct pv_err err = { 0 };
	sigset_t set;
	int rc;

	pv_cg_join_pid(pid); /* its limits apply to what runs beside it */
	if (enter(pid, pidfd) < 0) {
		fprintf(stderr, "podvisor exec: cannot enter the container: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	/* The terminal comes from the container's own devpts, so that the
	 * command sees it under /dev/pts; at our terminal's size from the start. */
	if (o->tty && openpty(&c.master, &c.tty, NULL, NULL, NULL) < 0)
		return perror("podvisor exec: openpty"), PV_EXIT_FAIL;
	if (o->tty) {
		struct relay r = { .master = c.master };

		relay_size(&r);
	}
	if (!o->in && !o->tty) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, 0);
	}
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(exec_signals) / sizeof(exec_signals[0]); i++)
		sigaddset(&set, exec_signals[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pv_signals_adopt(); /* what the shell left ignored (nohup) is not the command's */
	rc = pv_execin_session(&c, &s, &err);
	if (c.tty >= 0)
		close(c.tty);
	if (rc < 0) {
		fprintf(stderr, "podvisor exec: %s: %s\n", err.msg, strerror(err.code));
		return PV_EXIT_FAIL;
	}
	return session_wait(&s, c.master, &set);
}

int pv_cmd_exec(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	struct pv_cli_args a;
	int rc = parse(argc, argv, &o, &a);
	char **env, *cdir = NULL;
	struct pv_seccomp_bpf filter = { 0 };
	struct pv_identity id = { 0 };
	struct pv_err err = { 0 };
	int pidfd;
	pid_t pid;

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
	choose_tty(&o); /* as kubectl, once the container is known */
	env = read_environ(pid);
	rc = run(&o, a.cmd, pid, pidfd, &id, &filter, env);
	pv_strv_free(env);
	pv_seccomp_bpf_free(&filter);
	pv_identity_free(&id);
	return rc;
}
