/* Process identity and handles: pidfds (so a recycled PID is never
 * signalled), start times (so a re-adopted PID is the same process),
 * spawning this binary in one of its internal modes. */
#ifndef PV_SUPERVISOR_PROC_H
#define PV_SUPERVISOR_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/* Start time of PID in clock ticks since boot (/proc/PID/stat field 22),
 * 0 when the process does not exist. */
uint64_t pv_proc_start_time(pid_t pid);
/* A pidfd for PID, only if it is still the process that started at START
 * (0: do not check). -1 with errno otherwise (ESRCH if it is gone). */
int pv_pidfd_open(pid_t pid, uint64_t start);
int pv_pidfd_signal(int pidfd, int sig);
/* A forked (not exec'd) helper shows the daemon's command line; give it
 * its own "A B C" (and the name A), so that ps says what it is. */
void pv_set_cmdline(const char *a, const char *b, const char *c);
/* Remember where main's argv lives, for pv_set_cmdline. */
void pv_proc_save_args(int argc, char **argv);
/* Run again (execv of /proc/self/exe, main's argv) with LD_BIND_NOW set,
 * unless it is. The spawner's forks run code the daemon had not run when
 * it forked the spawner: resolved lazily, each fork looks those symbols
 * up again in every library and faults their tables in (~20 page faults
 * a pod). With LD_BIND_NOW, ld.so resolves all of them once, at the
 * start, and every fork inherits them. Returns only if it could not. */
void pv_proc_bind_now(void);
/* Close every fd >= FROM except KEEP (-1: none). */
void pv_close_from(int from, int keep);
/* This binary (/proc/self/exe) run with ARGV as a child the daemon
 * watches: stdin and stdout /dev/null, stderr into a pipe whose
 * non-blocking read end is *ERRFD, a pidfd in *PIDFD, the signal mask
 * cleared, every other descriptor closed, killed when the daemon dies
 * (PDEATHSIG). The pid, or -1 with errno (nothing left open). */
pid_t pv_spawn_self(char *const argv[], int *pidfd, int *errfd);

/* Signal dispositions a child puts back. An ignored signal stays ignored
 * across exec: what the daemon ignores (SIGPIPE), what its own parent
 * left ignored (nohup's SIGHUP, a shell's SIGINT and SIGQUIT for a job in
 * the background) and what a spawner or a shim ignores would reach the
 * containers' programs. Rather than set all 64 in every child (64 system
 * calls, three children a pod), a process records each one it changes
 * (pv_signal) and, once, those it was given (pv_signals_adopt); a child
 * sets those back (pv_signals_default). All three are async-signal-safe
 * and allocate nothing: a CLONE_VM child may call pv_signals_default. */
/* signal(SIG, HANDLER), remembered. */
void pv_signal(int sig, void (*handler)(int));
/* Remember every signal this process was given not at its default. */
void pv_signals_adopt(void);
/* Every signal remembered back to its default, and none blocked. */
void pv_signals_default(void);

/* Children started with a pidfd are waited for by their owner when the
 * pidfd says they ended; but an exec gives a child cloned without an exit
 * signal SIGCHLD again, so the daemon's reaper may take one first. It
 * keeps what it took (the last 64) for pv_child_ended. */
/* Reap every child that has ended (SIGCHLD), keeping their statuses. */
void pv_reap_children(void);
/* Has child PID ended? 1 with *STATUS (its exit code, or 128 + the
 * signal), reaped now or earlier by pv_reap_children; 0 while it runs;
 * -1 with errno (ECHILD: not a child of ours). */
int pv_child_ended(pid_t pid, int *status);

#endif
