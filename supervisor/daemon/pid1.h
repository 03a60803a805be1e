/* The daemon as PID 1: the first process of its PID namespace (an
 * initramfs, `unshare --pid --fork`, a container) has to do what init
 * would have done for it. It mounts the kernel's filesystems that are
 * missing (/proc, /sys, /dev, /run, the cgroup2 hierarchy), and the daemon
 * then reaps every orphan (its SIGCHLD handler reaps any child) and, on
 * SIGTERM, SIGINT or SIGPWR, stops every pod gracefully before it exits:
 * when PID 1 exits, the kernel kills all that is left.
 *
 * PID 1 of the whole machine (the initial PID namespace: an initramfs,
 * scripts/vm-demo.sh) also sets the hostname from /etc/hostname when the
 * kernel has none, turns Ctrl-Alt-Del into SIGINT, and powers the machine
 * off once its pods are stopped, where exiting would panic the kernel.
 *
 * Owns: nothing that lasts. Calls: libc, core/log, core/fsutil. */
#ifndef PV_DAEMON_PID1_H
#define PV_DAEMON_PID1_H

#include <stdbool.h>

/* Whether this process is PID 1 of its PID namespace. */
bool pv_pid1(void);

/* Mount each of /proc, /sys, /dev, /run and /sys/fs/cgroup that is
 * missing; a failure is a warning (a read-only root, say). */
void pv_pid1_mounts(void);

/* Whether this process is PID 1 of the initial PID namespace: the
 * machine's init (/proc must be mounted). */
bool pv_pid1_machine(void);

/* The hostname from /etc/hostname, when the kernel's is unset ("(none)"). */
void pv_pid1_hostname(void);

/* As the machine's init: Ctrl-Alt-Del sends us SIGINT. */
void pv_pid1_machine_init(void);

/* As the machine's init, at the end: sync and power off. Returns only if
 * the kernel refuses. */
void pv_pid1_poweroff(void);

#endif
