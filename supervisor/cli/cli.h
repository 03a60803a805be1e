/* Subcommands of the podvisor binary. Each returns the process exit code:
 * 0 success, 1 failure, 2 usage error. */
#ifndef PV_SUPERVISOR_CLI_H
#define PV_SUPERVISOR_CLI_H

#include "supervisor/core/command.h"

int pv_cmd_check(int argc, char **argv);
int pv_cmd_image(int argc, char **argv);
int pv_cmd_get(int argc, char **argv);
int pv_cmd_describe(int argc, char **argv);
int pv_cmd_logs(int argc, char **argv);
int pv_cmd_exec(int argc, char **argv);
int pv_cmd_delete(int argc, char **argv);
int pv_cmd_rollout(int argc, char **argv);
int pv_cmd_wait(int argc, char **argv);
int pv_cmd_top(int argc, char **argv);
int pv_cmd_port_forward(int argc, char **argv);

#endif
