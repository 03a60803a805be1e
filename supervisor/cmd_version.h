/* podvisor version and podvisor completion (cmd_version.c): the verbs
 * about the binary itself, beside main.c. */
#ifndef PV_SUPERVISOR_CMD_VERSION_H
#define PV_SUPERVISOR_CMD_VERSION_H

#include <stddef.h>

/* A command of the binary: main.c's table. */
struct pv_verb {
	const char *name; /* "__..." for the internal modes the daemon starts */
	int (*fn)(int argc, char **argv);
};

int pv_cmd_version(int argc, char **argv);
/* VERBS: main.c's commands, whose --help says their options. */
int pv_cmd_completion(int argc, char **argv, const struct pv_verb *verbs, size_t nverbs);

#endif
