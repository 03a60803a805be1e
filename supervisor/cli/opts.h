/* The options of the CLI verbs, read and explained from one table per
 * verb: each entry names an option (--name and -n), the kind of its value
 * and where the value goes, and its line of help. pv_cli_parse reads argv
 * by the table and pv_cli_help prints the help from it, so the two cannot
 * drift apart.
 *
 * Every verb says a usage error the same way, kubectl's, and ends with
 * exit status 2:
 *     error: unknown flag: --bogus
 *     See 'podvisor get --help' for usage.
 *
 * Options are GNU-style: -it (a cluster), -nNS or -n NS, --namespace=NS
 * or --namespace NS, a long name's unique prefix, options among the
 * operands, and "--" to end them.
 *
 * Owns: nothing (values point into argv). Calls: common (strjoin), core
 * (exit codes). */
#ifndef PV_SUPERVISOR_CLI_OPTS_H
#define PV_SUPERVISOR_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "supervisor/core/command.h"

enum pv_cli_kind {
	PV_CLI_FLAG, /* bool *: set to true */
	PV_CLI_STR,  /* const char **: the value; one of CHOICES when they are given */
	PV_CLI_INT,  /* long *: the value, a decimal integer */
	PV_CLI_HELP, /* print the help to stdout; the verb ends with exit status 0 */
};

struct pv_cli_opt {
	const char *name; /* --NAME */
	char short_name;  /* -C, or 0 for none */
	enum pv_cli_kind kind;
	void *target;
	const char *arg;  /* the value's name in the help ("NS"); NULL without a value */
	const char *help; /* wrapped to the terminal's 80 columns; '\n' breaks a line */
	const char *const *choices; /* PV_CLI_STR: the values allowed, up to a NULL */
};

/* Table entries. The target's type is checked: a bool * for a flag, a
 * const char ** for a string, a long * for an integer. */
#define PV_CLI_FLAG_OPT(name, short_name, target, help) \
	{ (name), (short_name), PV_CLI_FLAG, (1 ? (target) : (bool *)0), NULL, (help), NULL }
#define PV_CLI_STR_OPT(name, short_name, target, arg, help) \
	{ (name), (short_name), PV_CLI_STR, (1 ? (target) : (const char **)0), (arg), (help), NULL }
#define PV_CLI_CHOICE_OPT(name, short_name, target, arg, choices, help)                   \
	{ (name), (short_name), PV_CLI_STR, (1 ? (target) : (const char **)0), (arg), (help), \
	  (choices) }
#define PV_CLI_INT_OPT(name, short_name, target, arg, help) \
	{ (name), (short_name), PV_CLI_INT, (1 ? (target) : (long *)0), (arg), (help), NULL }

/* The options several verbs share, spelt and explained one way. */
#define PV_CLI_OPT_NAMESPACE(target, help) PV_CLI_STR_OPT("namespace", 'n', target, "NS", help)
#define PV_CLI_OPT_STATE(target)                                                 \
	PV_CLI_STR_OPT("state", 's', target, "DIR",                              \
		       "the state directory (default: $PODVISOR_STATE, else " \
		       PV_STATE_DEFAULT ")")
#define PV_CLI_OPT_HELP { "help", 'h', PV_CLI_HELP, NULL, NULL, "show this help", NULL }
#define PV_CLI_OPT_END { NULL, 0, PV_CLI_FLAG, NULL, NULL, NULL, NULL }

/* Where a verb's options stop. */
#define PV_CLI_IN_ORDER 0x1u /* at the first operand: the name of a subcommand */
#define PV_CLI_COMMAND 0x2u  /* at "--", which the operands end at too: a command line follows */

struct pv_cli_cmd {
	const char *name;  /* "get", "image ls": said as 'podvisor NAME' */
	const char *usage; /* the help above the options: the Usage line, what the verb does */
	const char *more;  /* the help below them (exit status, examples), or NULL */
	const struct pv_cli_opt *opts; /* up to PV_CLI_OPT_END */
	unsigned flags;
};

struct pv_cli_args {
	int n; /* the operands, in their order */
	char **v;
	char **cmd; /* PV_CLI_COMMAND: the words after "--", up to a NULL; NULL without "--" */
};

#define PV_CLI_GO (-1)

/* Read ARGV[1..ARGC) (ARGV[0] is the verb's name) by C's table, setting
 * the targets. Returns PV_CLI_GO with the operands in OUT (ARGV is
 * reordered: the operands first, in their order), or the exit status the
 * verb ends with: PV_EXIT_OK after --help, PV_EXIT_USAGE after a usage
 * error (said on stderr). */
int pv_cli_parse(const struct pv_cli_cmd *c, int argc, char **argv, struct pv_cli_args *out);

/* C's help: its usage, "Options:" from the table, then its MORE. */
void pv_cli_help(const struct pv_cli_cmd *c, FILE *f);

/* Say a usage error of C's, "error: " the message then where the help is;
 * returns PV_EXIT_USAGE. */
int pv_cli_usage_error(const struct pv_cli_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
