#include "supervisor/cli/opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strjoin.h"

#define HELP_COL 24   /* where an option's help starts */
#define HELP_WIDTH 79 /* the longest line of help */
#define MAX_OPTS 32   /* options in one table, for the list of an ambiguous prefix */

int pv_cli_usage_error(const struct pv_cli_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'podvisor %s --help' for usage.\n", c->name);
	return PV_EXIT_USAGE;
}

/* --- the help ------------------------------------------------------------ */

/* TEXT, the cursor at column COL: words wrapped at HELP_WIDTH, every line
 * from COL; '\n' breaks a line. */
static void print_wrapped(FILE *f, const char *text, int col)
{
	int at = col;

	for (const char *p = text; *p;) {
		int word = (int)strcspn(p, " \n");

		if (at > col && at + 1 + word > HELP_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', f);
			at++;
		}
		fwrite(p, 1, (size_t)word, f);
		at += word;
		p += word;
		if (*p == '\n') {
			fprintf(f, "\n%*s", col, "");
			at = col;
			p++;
		}
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

void pv_cli_help(const struct pv_cli_cmd *c, FILE *f)
{
	fputs(c->usage, f);
	fputs("\nOptions:\n", f);
	for (const struct pv_cli_opt *o = c->opts; o->name; o++) {
		int w = fprintf(f, "  %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
				o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
				o->name, o->arg ? " " : "", o->arg ? o->arg : "");

		if (w + 2 > HELP_COL)
			fprintf(f, "\n%*s", HELP_COL, "");
		else
			fprintf(f, "%*s", HELP_COL - w, "");
		print_wrapped(f, o->help, HELP_COL);
	}
	if (c->more) {
		fputc('\n', f);
		fputs(c->more, f);
	}
}

/* --- reading argv ---------------------------------------------------------- */

static int bad_choice(const struct pv_cli_cmd *c, const struct pv_cli_opt *o, const char *value)
{
	cleanup_free char *list = pv_strjoin_v(o->choices, ", ");

	return pv_cli_usage_error(c, "invalid argument \"%s\" for --%s: use one of %s", value,
				  o->name, list ? list : "the values in --help");
}

static bool is_choice(const char *const *choices, const char *value)
{
	for (; *choices; choices++)
		if (strcmp(*choices, value) == 0)
			return true;
	return false;
}

/* Option O given, with VALUE when it takes one: PV_CLI_GO, or the exit
 * status. */
static int apply(const struct pv_cli_cmd *c, const struct pv_cli_opt *o, const char *value)
{
	char *end;
	long n;

	switch (o->kind) {
	case PV_CLI_HELP:
		pv_cli_help(c, stdout);
		return PV_EXIT_OK;
	case PV_CLI_FLAG:
		*(bool *)o->target = true;
		break;
	case PV_CLI_STR:
		if (o->choices && !is_choice(o->choices, value))
			return bad_choice(c, o, value);
		*(const char **)o->target = value;
		break;
	case PV_CLI_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || end == value || *end)
			return pv_cli_usage_error(c, "invalid argument \"%s\" for --%s: not an integer",
						  value, o->name);
		*(long *)o->target = n;
		break;
	}
	return PV_CLI_GO;
}

static bool takes_value(const struct pv_cli_opt *o)
{
	return o->kind == PV_CLI_STR || o->kind == PV_CLI_INT;
}

/* The option --NAME (its first LEN bytes): the one of that name, else the
 * only one it begins. NULL when there is none, or several (*RC: said). */
static const struct pv_cli_opt *by_long(const struct pv_cli_cmd *c, const char *name, size_t len,
					int *rc)
{
	const struct pv_cli_opt *found = NULL;
	const char *names[MAX_OPTS];
	cleanup_free char *list = NULL;
	size_t n = 0;

	for (const struct pv_cli_opt *o = c->opts; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (!o->name[len])
			return o;
		if (n < MAX_OPTS)
			names[n] = o->name;
		n++;
		found = o;
	}
	if (n == 1)
		return found;
	if (n == 0) {
		*rc = pv_cli_usage_error(c, "unknown flag: --%.*s", (int)len, name);
		return NULL;
	}
	list = pv_strjoin(names, n < MAX_OPTS ? n : MAX_OPTS, ", --");
	*rc = pv_cli_usage_error(c, "ambiguous flag: --%.*s could be --%s", (int)len, name,
				 list ? list : "one of several");
	return NULL;
}

/* ARGV[*I], "--name", "--name=value" or "--name value" (then *I moves on). */
static int long_opt(const struct pv_cli_cmd *c, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	int rc = PV_EXIT_USAGE;
	const struct pv_cli_opt *o = by_long(c, name, eq ? (size_t)(eq - name) : strlen(name), &rc);

	if (!o)
		return rc;
	if (o->kind == PV_CLI_FLAG && eq && (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "false"))) {
		*(bool *)o->target = eq[1] == 't'; /* kubectl's --wait=false */
		return PV_CLI_GO;
	}
	if (!takes_value(o))
		return eq ? pv_cli_usage_error(c, "flag takes no argument: --%s", o->name)
			  : apply(c, o, NULL);
	if (eq)
		return apply(c, o, eq + 1);
	if (*i + 1 >= argc)
		return pv_cli_usage_error(c, "flag needs an argument: --%s", o->name);
	return apply(c, o, argv[++*i]);
}

/* ARGV[*I], short options: "-f", "-it", "-nNS" or "-n NS" (then *I moves on). */
static int short_opts(const struct pv_cli_cmd *c, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	for (const char *p = arg + 1; *p; p++) {
		const struct pv_cli_opt *o = c->opts;
		int rc;

		while (o->name && o->short_name != *p)
			o++;
		if (!o->name)
			return pv_cli_usage_error(c, "unknown shorthand flag: '%c' in %s", *p, arg);
		if (takes_value(o)) {
			if (p[1])
				return apply(c, o, p + 1);
			if (*i + 1 >= argc)
				return pv_cli_usage_error(c, "flag needs an argument: '%c' in %s", *p,
							  arg);
			return apply(c, o, argv[++*i]);
		}
		rc = apply(c, o, NULL);
		if (rc != PV_CLI_GO)
			return rc;
	}
	return PV_CLI_GO;
}

int pv_cli_parse(const struct pv_cli_cmd *c, int argc, char **argv, struct pv_cli_args *out)
{
	int i, w = 1; /* operands are moved down to ARGV[1..W) as they come */
	int rc = PV_CLI_GO;

	*out = (struct pv_cli_args){ 0, argv + 1, NULL };
	for (i = 1; i < argc && rc == PV_CLI_GO; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			if (c->flags & PV_CLI_COMMAND)
				out->cmd = argv + i + 1; /* argv ends with a NULL */
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') { /* an operand ("-" too: stdin) */
			if (c->flags & PV_CLI_IN_ORDER)
				break;
			argv[w++] = argv[i];
			continue;
		}
		rc = a[1] == '-' ? long_opt(c, argc, argv, &i) : short_opts(c, argc, argv, &i);
	}
	if (rc != PV_CLI_GO)
		return rc;
	while (!out->cmd && i < argc) /* after "--", or from a subcommand's name on */
		argv[w++] = argv[i++];
	out->n = w - 1;
	return PV_CLI_GO;
}
