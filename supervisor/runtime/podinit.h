/* The pod's init: PID 1 of the pod's PID namespace, holding its network,
 * IPC and UTS namespaces for the containers to join, reaping orphans
 * like tini. A mode of the podvisor binary ("__pod-init"). */
#ifndef PV_SUPERVISOR_PODINIT_H
#define PV_SUPERVISOR_PODINIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

/* Create the pod's namespaces with its init in them, hostname HOSTNAME.
 * Returns the init's PID (a child of the caller) or -1. */
pid_t pv_podinit_spawn(const char *hostname, const char *pod_uid, bool host_network,
		       struct pv_err *err);
/* The "__pod-init" mode's main. */
int pv_podinit_main(int argc, char **argv);

/* Become the pod's init in a child just forked (by the spawner or by
 * pv_podinit_spawn); EXEC_BINARY re-executes podvisor first. */
void pv_podinit_child(const char *hostname, const char *uid, bool exec_binary)
	__attribute__((noreturn));

#endif
