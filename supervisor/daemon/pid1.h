/* The daemon as PID 1: the first process of its PID namespace (an
 * initramfs, `unshare --pid --fork`, a container) has to do what init
 * would have done for it. It mounts the kernel's filesystems that are
 * missing (/proc, /sys, /dev, /run, the cgroup2 hierarchy), and the daemon
 * then reaps every orphan (its SIGCHLD handler reaps any child) and, on
 * SIGTERM, SIGINT or SIGPWR, stops every pod gracefully before it exits:
 * when PID 1 exits, the kernel kills all that is left.
 *
 * Owns: nothing that lasts. Calls: libc, core/log. */
#ifndef PV_DAEMON_PID1_H
#define PV_DAEMON_PID1_H

#include <stdbool.h>

/* Whether this process is PID 1 of its PID namespace. */
bool pv_pid1(void);

/* Mount each of /proc, /sys, /dev, /run and /sys/fs/cgroup that is
 * missing; a failure is a warning (a read-only root, say). */
void pv_pid1_mounts(void);

#endif
