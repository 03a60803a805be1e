/* Subcommands of the podvisor binary. Each returns the process exit code:
 * 0 success, 1 failure, 2 usage error. */
#ifndef PV_SUPERVISOR_CLI_H
#define PV_SUPERVISOR_CLI_H

#define PV_EXIT_OK 0
#define PV_EXIT_FAIL 1
#define PV_EXIT_USAGE 2

int pv_cmd_check(int argc, char **argv);

#endif
