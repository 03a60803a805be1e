/* The spawner: a small helper forked when the daemon starts, while the
 * daemon is still small, that forks the pods' init processes and the
 * containers' shims on request. No exec: a pod starts without mapping the
 * binary and its libraries again, and no shim holds a copy of the grown
 * daemon's memory. When it is unavailable the daemon execs instead. */
#ifndef PV_SUPERVISOR_SPAWNER_H
#define PV_SUPERVISOR_SPAWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

struct pv_spawner {
	int fd;    /* -1: not running */
	pid_t pid;
};

int pv_spawner_start(struct pv_spawner *s, struct pv_err *err);
/* A shim for the container directory DIR with NOTIFY as its fd 3: 0 once
 * asked (no pid: the daemon does not wait for the fork; the shim is known
 * by NOTIFY's other end, whose end of file is the shim's, and a fork that
 * failed leaves the exit record pv_shim_not_started writes); -1 if the
 * spawner is not there (the caller falls back to exec). */
pid_t pv_spawner_shim(struct pv_spawner *s, const char *dir, int notify);
/* Ask for a pod init in new PID/net/IPC/UTS namespaces (and a user
 * namespace from host id USERNS_BASE unless 0, as pv_podinit_spawn),
 * waiting on CONFIRM as its PV_PODINIT_CONFIRM_FD: 0 once asked, -1 if
 * the spawner is not there. Not waited for: the daemon goes on with
 * other work while the spawner clones. */
int pv_spawner_pod_init_ask(struct pv_spawner *s, const char *hostname, const char *uid,
			    bool host_network, uint32_t userns_base, int confirm);
/* The pid of the pod init asked for first and not yet waited for (the
 * answers come in the order asked); -1 with errno if the clone failed,
 * or if the spawner is gone (the caller falls back to exec). */
pid_t pv_spawner_pod_init_wait(struct pv_spawner *s);
void pv_spawner_stop(struct pv_spawner *s);

/* Both the spawner and the exec fallback end in this (pv_podinit_child,
 * podinit.h, for pod inits). */
void pv_shim_child(const char *dir, int notify) __attribute__((noreturn));

#endif
