#include "supervisor/runtime/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/container.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/runtime/idmap.h"
#include "supervisor/runtime/journal.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/proc.h"

#define LINE_MAX_BYTES (16 * 1024)

struct stream {
	const char *name; /* "stdout" / "stderr" */
	int fd;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

struct shim {
	struct pv_cspec spec;
	char log_path[4200];
	int log_fd;
	int64_t log_size;
	struct stream out, err;
	int journal;               /* the journal's socket (logJournald); -1: none */
	char jfields[6][300];      /* the entries' fields: the pod, the container */
	const char *jfv[8];
};

static void iso_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

static void log_rotate(struct shim *sh)
{
	char old[4300];

	if (snprintf(old, sizeof(old), "%s.1", sh->log_path) >= (int)sizeof(old))
		return;
	close(sh->log_fd);
	rename(sh->log_path, old);
	sh->log_fd = open(sh->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	sh->log_size = 0;
}

/* One CRI-format line: "<time> <stream> <F|P> <text>\n". */
static void log_line(struct shim *sh, const char *stream, const char *text, size_t len, bool full)
{
	char stamp[48], head[80];
	struct iovec iov[3];
	int hl;
	ssize_t n;

	iso_now(stamp, sizeof(stamp));
	hl = snprintf(head, sizeof(head), "%s %s %c ", stamp, stream, full ? 'F' : 'P');
	iov[0] = (struct iovec){ head, (size_t)hl };
	iov[1] = (struct iovec){ (void *)text, len };
	iov[2] = (struct iovec){ (void *)"\n", 1 };
	if (sh->journal >= 0)
		pv_journal_send(sh->journal, full ? sh->jfv + 1 : sh->jfv,
				strcmp(stream, "stderr") ? 6 : 3, text, len);
	if (sh->log_fd < 0)
		return;
	n = writev(sh->log_fd, iov, 3);
	if (n > 0)
		sh->log_size += n;
	if (sh->spec.log_max > 0 && sh->log_size >= sh->spec.log_max)
		log_rotate(sh);
}

/* Read what is there; emit complete lines, and a partial one when the
 * buffer is full. Returns false at EOF. */
static bool stream_read(struct shim *sh, struct stream *s)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	char *start, *nl;

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	s->len += (size_t)n;
	start = s->buf;
	while ((nl = memchr(start, '\n', s->len - (size_t)(start - s->buf)))) {
		log_line(sh, s->name, start, (size_t)(nl - start), true);
		start = nl + 1;
	}
	s->len -= (size_t)(start - s->buf);
	memmove(s->buf, start, s->len);
	if (s->len == sizeof(s->buf)) {
		log_line(sh, s->name, s->buf, s->len, false);
		s->len = 0;
	}
	return true;
}

static void stream_flush(struct shim *sh, struct stream *s)
{
	while (s->fd >= 0) {
		errno = 0;
		if (!stream_read(sh, s) || errno == EAGAIN || errno == EINTR)
			break;
	}
	if (s->len)
		log_line(sh, s->name, s->buf, s->len, false);
	s->len = 0;
}

static void notify(const char *msg)
{
	if (send(PV_SHIM_NOTIFY_FD, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		errno = 0; /* the daemon may be gone: the files say it all */
}

static void write_state(struct shim *sh, pid_t pid)
{
	struct json_object *j = json_object_new_object();
	char path[4200], stamp[48];
	struct pv_err err = { 0 };
	uint64_t start = pv_proc_start_time(pid);

	iso_now(stamp, sizeof(stamp));
	json_object_object_add(j, "pid", json_object_new_int(pid));
	json_object_object_add(j, "start", json_object_new_uint64(start));
	json_object_object_add(j, "startedAt", json_object_new_string(stamp));
	json_object_object_add(j, "shimPid", json_object_new_int(getpid()));
	snprintf(path, sizeof(path), "%s/%s", sh->spec.dir, PV_SHIM_STATE);
	if (pv_write_json_replace(path, j, &err) < 0) /* the notify below still tells the daemon */
		fprintf(stderr, "podvisor-shim: %s\n", err.msg);
	json_object_put(j);
	snprintf(path, sizeof(path), "running %ld %llu\n", (long)pid, (unsigned long long)start);
	notify(path);
}

/* exit.json in the container's directory DIR. */
static void record_exit(const char *dir, int code, int sig, const char *reason, const char *msg)
{
	struct json_object *j = json_object_new_object();
	char path[4200], stamp[48];
	struct pv_err err = { 0 };

	iso_now(stamp, sizeof(stamp));
	json_object_object_add(j, "exitCode", json_object_new_int(code));
	json_object_object_add(j, "signal", json_object_new_int(sig));
	json_object_object_add(j, "reason", json_object_new_string(reason));
	if (msg)
		json_object_object_add(j, "message", json_object_new_string(msg));
	json_object_object_add(j, "finishedAt", json_object_new_string(stamp));
	snprintf(path, sizeof(path), "%s/%s", dir, PV_SHIM_EXIT);
	if (pv_write_json_replace(path, j, &err) < 0)
		fprintf(stderr, "podvisor-shim: %s\n", err.msg);
	json_object_put(j);
}

static void write_exit(struct shim *sh, int code, int sig, const char *reason, const char *msg)
{
	record_exit(sh->spec.dir, code, sig, reason, msg);
	notify("exited\n");
}

void pv_shim_not_started(const char *dir, const char *msg)
{
	record_exit(dir, 128, 0, "StartError", msg);
}

static int load_spec(struct shim *sh, const char *dir)
{
	char path[4200];
	struct pv_err err = { 0 };
	struct json_object *j;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, PV_SHIM_SPEC);
	j = pv_read_json(path, &err);
	if (!j) {
		fprintf(stderr, "podvisor-shim: %s\n", err.msg);
		return -1;
	}
	rc = pv_cspec_from_json(j, &sh->spec, &err);
	json_object_put(j);
	if (rc < 0)
		fprintf(stderr, "podvisor-shim: %s: %s\n", path, err.msg);
	return rc;
}

static int join_pod(const struct pv_cspec *s, char *why, size_t len)
{
	int fd = pv_pidfd_open(s->init_pid, s->init_start);

	if (fd < 0)
		return snprintf(why, len, "the pod's init (pid %d) is gone", (int)s->init_pid), -1;
	if (setns(fd, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID) < 0) {
		snprintf(why, len, "join the pod's namespaces: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	{
		struct pv_err err = { 0 };

		if (pv_idmap_open(s, &err) < 0) /* hostUsers: false, while PIDs are the host's */
			return snprintf(why, len, "%s", err.msg), -1;
	}
	return 0;
}

/* The journal's entries for this container: the fields docker's and
 * podman's journald drivers write (CONTAINER_NAME, SYSLOG_IDENTIFIER,
 * CONTAINER_PARTIAL_MESSAGE for a line cut at 16 KiB), and the pod's.
 * jfv[0] is the partial mark, left out of whole lines (jfv + 1). No
 * journal (not running here): the log file alone, as without the option;
 * the daemon said so when it started. */
static void open_journal(struct shim *sh)
{
	const struct pv_cspec *c = &sh->spec;

	if ((sh->journal = pv_journal_open()) < 0)
		return;
	snprintf(sh->jfields[0], sizeof(sh->jfields[0]), "CONTAINER_NAME=%s", c->name);
	snprintf(sh->jfields[1], sizeof(sh->jfields[1]), "SYSLOG_IDENTIFIER=%s", c->name);
	snprintf(sh->jfields[2], sizeof(sh->jfields[2]), "POD_NAMESPACE=%s", c->pod_ns);
	snprintf(sh->jfields[3], sizeof(sh->jfields[3]), "POD_NAME=%s", c->pod_name);
	snprintf(sh->jfields[4], sizeof(sh->jfields[4]), "POD_UID=%s", c->pod_uid);
	snprintf(sh->jfields[5], sizeof(sh->jfields[5]), "CONTAINER_RESTART_COUNT=%lld",
		 (long long)c->restart);
	sh->jfv[0] = "CONTAINER_PARTIAL_MESSAGE=true";
	for (int i = 0; i < 6; i++)
		sh->jfv[i + 1] = sh->jfields[i];
	sh->jfv[7] = NULL;
}

static void open_log(struct shim *sh)
{
	char dir[4096];

	if (snprintf(dir, sizeof(dir), "%s/log", sh->spec.dir) >= (int)sizeof(dir) ||
	    snprintf(sh->log_path, sizeof(sh->log_path), "%s/%lld.log", dir,
		     (long long)sh->spec.restart) >= (int)sizeof(sh->log_path))
		return;
	mkdir(dir, 0700);
	sh->log_fd = open(sh->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	sh->log_size = sh->log_fd >= 0 ? lseek(sh->log_fd, 0, SEEK_END) : 0;
	if (sh->spec.log_journald)
		open_journal(sh);
}

/* The container's process, started by clone_container. */
struct child {
	const struct pv_cspec *spec;
	const struct pv_seccomp_bpf *bpf;
	int po[2], pe[2], ps[2];
};

static int container_main(void *arg)
{
	struct child *c = arg;

	close(c->po[0]);
	close(c->pe[0]);
	close(c->ps[0]);
	pv_container_exec(c->spec, c->bpf, c->ps[1], c->po[1], c->pe[1]);
}

/* The container's process shares the shim's memory until it execs, and
 * the shim waits meanwhile (CLONE_VM|CLONE_VFORK, as posix_spawn starts a
 * program): no copy of the shim's address space to make, fault in and
 * tear down again at the exec. It runs on a stack of its own, unmapped
 * once it has exec'd or failed. Under ASan, a plain fork: the sanitizer
 * does not know that stack. */
static pid_t clone_container(struct child *c)
{
#ifdef __SANITIZE_ADDRESS__
	pid_t pid = fork();

	if (pid == 0)
		_exit(container_main(c));
	return pid;
#else
	enum { STACK = 256 * 1024 };
	char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	sigset_t all, old;
	pid_t pid;
	int e;

	if (stack == MAP_FAILED)
		return -1;
	/* No signal runs a handler of the shim's in the child before it has
	 * set its own (pv_container_exec unblocks them). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(container_main, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	munmap(stack, STACK);
	errno = e;
	return pid;
#endif
}

/* Start the container; returns its pid, or -1 having recorded why. */
static pid_t start(struct shim *sh)
{
	struct pv_seccomp_bpf bpf = { 0 };
	struct child c = { .spec = &sh->spec, .bpf = &bpf };
	char why[1024];
	pid_t pid;
	ssize_t n;

	if (join_pod(&sh->spec, why, sizeof(why)) < 0)
		return write_exit(sh, 128, 0, "StartError", why), -1;
	if (sh->spec.cgroup) {
		struct pv_cg_limits lim = { sh->spec.memory_max, sh->spec.cpu_max_milli,
					    sh->spec.cpu_request_milli };
		struct pv_err err = { 0 };

		if (pv_cg_create(sh->spec.cgroup, &lim, &err) < 0)
			return write_exit(sh, 128, 0, "StartError", err.msg), -1;
	}
	{
		struct pv_err err = { 0 };

		if (pv_container_seccomp(&sh->spec, &bpf, &err) < 0)
			return write_exit(sh, 128, 0, "StartError", err.msg), -1;
	}
	if (pipe2(c.po, O_CLOEXEC) < 0 || pipe2(c.pe, O_CLOEXEC) < 0 || pipe2(c.ps, O_CLOEXEC) < 0)
		return pv_seccomp_bpf_free(&bpf), write_exit(sh, 128, 0, "StartError", "pipe"), -1;
	pid = clone_container(&c);
	pv_seccomp_bpf_free(&bpf);
	pv_idmap_close(); /* the container took it (hostUsers: false) */
	if (pid < 0)
		return write_exit(sh, 128, 0, "StartError", strerror(errno)), -1;
	close(c.po[1]);
	close(c.pe[1]);
	close(c.ps[1]);
	/* the buffers as they are: only what a line fills is ever touched */
	sh->out.name = "stdout", sh->out.fd = c.po[0], sh->out.len = 0;
	sh->err.name = "stderr", sh->err.fd = c.pe[0], sh->err.len = 0;
	while ((n = read(c.ps[0], why, sizeof(why) - 1)) < 0 && errno == EINTR)
		;
	close(c.ps[0]);
	if (n > 0) {
		why[n] = '\0';
		waitpid(pid, NULL, 0);
		write_exit(sh, 128, 0, "StartError", why);
		if (sh->spec.cgroup)
			pv_cg_remove(sh->spec.cgroup);
		return -1;
	}
	write_state(sh, pid);
	/* The filter, the container's set-up in this memory, the spec's JSON:
	 * freed, and given back, for the container's lifetime. */
	malloc_trim(0);
	return pid;
}

static void finish(struct shim *sh, int status)
{
	bool oom = sh->spec.cgroup && pv_cg_oom_killed(sh->spec.cgroup);

	stream_flush(sh, &sh->out);
	stream_flush(sh, &sh->err);
	if (sh->spec.cgroup)
		pv_cg_remove(sh->spec.cgroup);
	if (oom)
		write_exit(sh, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status),
			   WIFSIGNALED(status) ? WTERMSIG(status) : 0, "OOMKilled", NULL);
	else if (WIFSIGNALED(status))
		write_exit(sh, 128 + WTERMSIG(status), WTERMSIG(status), "Error", NULL);
	else
		write_exit(sh, WEXITSTATUS(status), 0,
			   WEXITSTATUS(status) == 0 ? "Completed" : "Error", NULL);
}

static int supervise(struct shim *sh, pid_t pid, int sfd)
{
	fcntl(sh->out.fd, F_SETFL, O_NONBLOCK);
	fcntl(sh->err.fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { sh->out.fd, POLLIN, 0 },
				       { sh->err.fd, POLLIN, 0 } };
		int status;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents && !stream_read(sh, &sh->out))
			sh->out.fd = -1;
		if (p[2].revents && !stream_read(sh, &sh->err))
			sh->err.fd = -1;
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
				return 1;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			finish(sh, status);
			return 0;
		}
	}
}

int pv_shim_main(int argc, char **argv)
{
	/* Static, not zeroed on the stack: the two 16 KiB line buffers are
	 * pages no one touches until the container writes (11 page faults a
	 * shim, for a memset). One shim a process. */
	static struct shim sh;
	sigset_t mask;
	pid_t pid;
	int sfd, rc;

	if (argc < 2)
		return 2; /* argv[0] is "__shim", argv[1] the container's directory */
	sh.log_fd = sh.journal = -1;
	prctl(PR_SET_NAME, "podvisor-shim");
	pv_signal(SIGTERM, SIG_IGN);
	pv_signal(SIGINT, SIG_IGN);
	pv_signal(SIGHUP, SIG_IGN);
	pv_signal(SIGPIPE, SIG_IGN);
	if (load_spec(&sh, argv[1]) < 0) {
		fprintf(stderr, "podvisor-shim: %s: cannot read the container spec\n", argv[1]);
		return 1;
	}
	open_log(&sh);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	pid = start(&sh);
	rc = pid < 0 ? 0 : supervise(&sh, pid, sfd);
	pv_cspec_free(&sh.spec);
	return rc;
}
