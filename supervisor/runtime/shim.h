/* The per-container monitor ("__shim" mode of the binary), like conmon:
 * it joins the pod's namespaces, starts the container as its child,
 * writes the container's output to timestamped log files, and records
 * the exit status. It outlives the daemon, so a daemon restart loses
 * neither the container nor its logs nor its exit code. */
#ifndef PV_SUPERVISOR_SHIM_H
#define PV_SUPERVISOR_SHIM_H

/* Files in the container's directory. */
#define PV_SHIM_SPEC "spec.json"   /* written by the daemon */
#define PV_SHIM_STATE "state.json" /* {pid, start, startedAt}, once running */
#define PV_SHIM_EXIT "exit.json"   /* {exitCode, signal, reason, message, finishedAt} */
#define PV_SHIM_NOTIFY_FD 3        /* optional: a socket to the daemon */

int pv_shim_main(int argc, char **argv);
/* The exit record of a shim that could not even be started (its fork
 * failed): exit code 128, reason StartError, MSG the message. */
void pv_shim_not_started(const char *dir, const char *msg);

#endif
