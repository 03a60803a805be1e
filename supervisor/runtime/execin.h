/* A command run inside a running container without blocking the caller:
 * a child that joins the container's cgroup, namespaces (mount, PID,
 * network, IPC, UTS) and root, takes its environment and execs, as
 * `podvisor exec` does. For exec probes and hooks. Owns nothing after the
 * call but the child, given back as a pidfd.
 *
 * And `podvisor exec`'s session: a keeper in the pod's PID namespace
 * that runs the command and makes sure nothing of it outlives the
 * client (it is the subreaper of everything the command starts, and
 * kills all of it when the command ends or the client goes).
 * Calls: runtime/cgroup, sandbox, core. */
#ifndef PV_SUPERVISOR_EXECIN_H
#define PV_SUPERVISOR_EXECIN_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

struct pv_execin {
	pid_t pid;
	int pidfd; /* readable once it ended; its end is not signalled (no SIGCHLD) */
	int out;   /* its stdout and stderr, non-blocking; -1 when closed */
};

/* Run ARGV in the container whose process is TARGET, as the container
 * was configured to run (its identity record, sandbox/caps.h, in its
 * state directory CDIR) and under its seccomp filter (read from CDIR too,
 * as `podvisor exec`): a missing or damaged record, a spec that cannot be
 * read or a filter that cannot be built refuses the command (never
 * root by default). 0, or -1 with ERR. */
int pv_execin_start_in(pid_t target, const char *cdir, char *const argv[], struct pv_execin *x,
		       struct pv_err *err);
/* The seccomp filter of the container whose state directory is CDIR:
 * the one its shim compiled (PV_SECCOMP_BPF), else compiled from its spec.
 * For `podvisor exec` too. */
struct pv_seccomp_bpf;
int pv_execin_filter(const char *cdir, struct pv_seccomp_bpf *out, struct pv_err *err);
/* `podvisor exec`'s command, run by pv_execin_session. */
struct pv_identity;
struct pv_execin_cmd {
	char *const *argv;
	char **env;                          /* the container's environment */
	int tty;                             /* the terminal's slave side, or -1: our 0, 1, 2 */
	int master;                          /* its master side (the keeper closes it), or -1 */
	const struct pv_identity *id;        /* who the command runs as */
	const struct pv_seccomp_bpf *filter; /* and under what filter */
};
struct pv_execin_session {
	pid_t keeper; /* our child: SIGCHLD says when it ended */
	int link;     /* while open, the client is there; closed, the keeper kills all */
};
/* In a process that has entered a container's namespaces (all but PID:
 * setns made its children the pod's) and root: fork a keeper, in the pod's
 * PID namespace, that runs C's command (a session leader with the
 * terminal C->tty as its controlling terminal, else in a process group of
 * its own with our stdin, stdout and stderr), as C->id under C->filter,
 * and waits. When the command ends, or S->link is closed (by us, or by
 * the kernel as we die, however), or the keeper gets SIGTERM, SIGHUP or
 * SIGINT, the keeper kills every process the command left (it is their
 * subreaper: none escapes by double fork or setsid), reaps them, and
 * exits with the command's status (128+signal if it was killed). The
 * caller blocks SIGCHLD first, to read the keeper's end from a signalfd.
 * 0, or -1 with ERR. */
int pv_execin_session(const struct pv_execin_cmd *c, struct pv_execin_session *s,
		      struct pv_err *err);
/* Whether S's keeper has ended (not reaped yet). */
bool pv_execin_session_ended(const struct pv_execin_session *s);
/* Close S's link (if KILL: the keeper kills all) and wait for its keeper:
 * its exit status, as pv_execin_session says. */
int pv_execin_session_end(struct pv_execin_session *s, bool kill);

/* Its exit status (128+signal if killed) once it ended; -1 if not yet. */
int pv_execin_reap(struct pv_execin *x);
/* SIGKILL it if still running, reap it, close the fds. */
void pv_execin_kill(struct pv_execin *x);

#endif
