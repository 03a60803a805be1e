/* The pod's init: PID 1 of the pod's PID namespace, holding its network,
 * IPC and UTS namespaces for the containers to join, reaping orphans
 * like tini, and for hostUsers: false its user namespace (which owns the
 * others), where it runs as that namespace's root. A mode of the
 * podvisor binary ("__pod-init"). */
#ifndef PV_SUPERVISOR_PODINIT_H
#define PV_SUPERVISOR_PODINIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/* How many ids a pod's user namespace maps: 0..65535. */
#define PV_PODINIT_USERNS_IDS 65536u

/* The init's fd where it waits for the daemon's word: one byte, 'k',
 * once the daemon has recorded it (pods/pods_init.c). End of file first
 * (the daemon died before it recorded the init, so no daemon will ever
 * know of it): the init leaves, and its namespaces with it. */
#define PV_PODINIT_CONFIRM_FD 3

/* Create the pod's namespaces with its init in them, hostname HOSTNAME;
 * USERNS_BASE not 0 (hostUsers: false): in its own user namespace too,
 * ids 0..65535 mapped to USERNS_BASE.. on the host, the init its root.
 * CONFIRM (or -1 for none): the read end of the pipe the init waits on
 * (PV_PODINIT_CONFIRM_FD). Returns the init's PID (a child of the caller)
 * or -1. */
pid_t pv_podinit_spawn(const char *hostname, const char *pod_uid, bool host_network,
		       uint32_t userns_base, int confirm, struct pv_err *err);
/* The clone behind it (and the spawner's): returns twice as fork does, 0
 * in the child (once the parent wrote its uid and gid maps), the pid or
 * -errno in the parent. */
pid_t pv_podinit_clone(bool host_network, uint32_t userns_base);
/* The "__pod-init" mode's main. */
int pv_podinit_main(int argc, char **argv);

/* Become the pod's init in a child just forked (by the spawner or by
 * pv_podinit_spawn); EXEC_BINARY re-executes podvisor first; CONFIRM as
 * for pv_podinit_spawn. */
void pv_podinit_child(const char *hostname, const char *uid, bool exec_binary, bool userns,
		      int confirm) __attribute__((noreturn));

#endif
