/* What every podvisor command shares, the daemon's included: exit codes
 * and where the state directory is. Calls: nothing. */
#ifndef PV_SUPERVISOR_COMMAND_H
#define PV_SUPERVISOR_COMMAND_H

#define PV_EXIT_OK 0
#define PV_EXIT_FAIL 1
#define PV_EXIT_USAGE 2

#define PV_STATE_DEFAULT "/var/lib/podvisor"
/* OPT when given, else $PODVISOR_STATE, else PV_STATE_DEFAULT. */
const char *pv_state_dir(const char *opt);

#endif
