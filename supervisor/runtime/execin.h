/* A command run inside a running container without blocking the caller:
 * a child that joins the container's cgroup, namespaces (mount, PID,
 * network, IPC, UTS) and root, takes its environment and execs, as
 * `podvisor exec` does. For exec probes and hooks. Owns nothing after the
 * call but the child, given back as a pidfd. Calls: runtime/cgroup, core. */
#ifndef PV_SUPERVISOR_EXECIN_H
#define PV_SUPERVISOR_EXECIN_H

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
/* Its exit status (128+signal if killed) once it ended; -1 if not yet. */
int pv_execin_reap(struct pv_execin *x);
/* SIGKILL it if still running, reap it, close the fds. */
void pv_execin_kill(struct pv_execin *x);

#endif
