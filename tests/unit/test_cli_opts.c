/* supervisor/cli/opts.c: the CLI verbs' option tables, read GNU-style,
 * with kubectl's usage errors, and the help printed from the same table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/cli/opts.h"

struct vals {
	const char *ns, *state, *output;
	bool all, quiet;
	long tail;
};

static const char *const formats[] = { "wide", "json", "yaml", NULL };

static char errbuf[4096]; /* what the last parse said on stderr */
static char *words_argv[32]; /* the last parse's argv: A points into it */

/* Parse the NULL-terminated WORDS ("test" first) with the test table into
 * V, under FLAGS; stderr is kept in errbuf. */
static int parse(struct vals *v, unsigned flags, const char *const *words, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&v->ns, "the namespace"),
		PV_CLI_FLAG_OPT("all-namespaces", 'A', &v->all, "every namespace"),
		PV_CLI_CHOICE_OPT("output", 'o', &v->output, "FORMAT", formats, "the format"),
		PV_CLI_FLAG_OPT("quiet", 'q', &v->quiet, "say less"),
		PV_CLI_INT_OPT("tail", 0, &v->tail, "N", "the last N lines"),
		PV_CLI_FLAG_OPT("timestamps", 0, &v->all, "times"),
		PV_CLI_OPT_STATE(&v->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd c = { "test", "Usage: podvisor test\n", NULL, opts, flags };
	FILE *tmp = tmpfile();
	int saved = dup(2), argc = 0, rc;
	size_t n;

	assert_non_null(tmp);
	for (; words[argc]; argc++) {
		assert_true(argc + 1 < 32);
		words_argv[argc] = (char *)words[argc]; /* only the array is written to */
	}
	words_argv[argc] = NULL;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = pv_cli_parse(&c, argc, words_argv, a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = '\0';
	fclose(tmp);
	return rc;
}

#define WORDS(...) ((const char *const[]){ "test", __VA_ARGS__, NULL })

static void test_values_every_way(void **state)
{
	const char *forms[][3] = {
		{ "-nkube", NULL, NULL }, { "-n", "kube", NULL }, { "--namespace=kube", NULL, NULL },
		{ "--namespace", "kube", NULL }, { "--name", "kube", NULL }, /* a unique prefix */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const char *w[] = { "test", forms[i][0], forms[i][1], NULL };
		struct vals v = { 0 };
		struct pv_cli_args a;

		assert_int_equal(parse(&v, 0, w, &a), PV_CLI_GO);
		assert_string_equal(v.ns, "kube");
		assert_int_equal(a.n, 0);
	}
}

/* Flags cluster; operands come out in order, wherever they stood. */
static void test_clusters_and_operands(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, 0, WORDS("pods", "-Aqo", "json", "web", "-", "-s", "/st"), &a),
			 PV_CLI_GO);
	assert_true(v.all);
	assert_true(v.quiet);
	assert_string_equal(v.output, "json");
	assert_string_equal(v.state, "/st");
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0], "pods");
	assert_string_equal(a.v[1], "web");
	assert_string_equal(a.v[2], "-"); /* stdin's name is an operand */
	assert_null(a.cmd);
	assert_string_equal(errbuf, "");
}

/* "--" ends the options: what follows is operands, dashes or not. */
static void test_double_dash(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, 0, WORDS("a", "--", "-q", "--bogus"), &a), PV_CLI_GO);
	assert_false(v.quiet);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[1], "-q");
	assert_string_equal(a.v[2], "--bogus");
}

/* A subcommand's name ends its parent's options: the rest is its own. */
static void test_in_order(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, PV_CLI_IN_ORDER, WORDS("-s", "/st", "ls", "-q", "--bogus"), &a),
			 PV_CLI_GO);
	assert_string_equal(v.state, "/st");
	assert_false(v.quiet);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0], "ls");
	assert_string_equal(a.v[1], "-q");
	assert_string_equal(a.v[2], "--bogus");
}

/* exec: options anywhere before "--", the command line after it as it is. */
static void test_command_line(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, PV_CLI_COMMAND,
			       WORDS("web", "-n", "kube", "--", "sh", "-c", "--", "-q"), &a),
			 PV_CLI_GO);
	assert_string_equal(v.ns, "kube");
	assert_false(v.quiet);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0], "web");
	assert_non_null(a.cmd);
	assert_string_equal(a.cmd[0], "sh");
	assert_string_equal(a.cmd[1], "-c");
	assert_string_equal(a.cmd[2], "--");
	assert_string_equal(a.cmd[3], "-q");
	assert_null(a.cmd[4]);
	assert_int_equal(parse(&v, PV_CLI_COMMAND, WORDS("web", "sh"), &a), PV_CLI_GO);
	assert_null(a.cmd); /* no "--": the verb says what is missing */
	assert_int_equal(a.n, 2);
}

static void test_integers_and_choices(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, 0, WORDS("--tail=-1"), &a), PV_CLI_GO);
	assert_int_equal(v.tail, -1);
	assert_int_equal(parse(&v, 0, WORDS("--tail", "25"), &a), PV_CLI_GO);
	assert_int_equal(v.tail, 25);
	assert_int_equal(parse(&v, 0, WORDS("--tail", "2x"), &a), PV_EXIT_USAGE);
	assert_string_equal(errbuf, "error: invalid argument \"2x\" for --tail: not an integer\n"
				    "See 'podvisor test --help' for usage.\n");
	assert_int_equal(v.tail, 25);
	assert_int_equal(parse(&v, 0, WORDS("-o", "xml"), &a), PV_EXIT_USAGE);
	assert_string_equal(errbuf, "error: invalid argument \"xml\" for --output: use one of "
				    "wide, json, yaml\nSee 'podvisor test --help' for usage.\n");
}

/* Every usage error: kubectl's two lines, exit status 2. */
static void test_usage_errors(void **state)
{
	static const struct {
		const char *word, *next, *said;
	} cases[] = {
		{ "--bogus", NULL, "unknown flag: --bogus" },
		{ "--bogus=1", NULL, "unknown flag: --bogus" },
		{ "-x", NULL, "unknown shorthand flag: 'x' in -x" },
		{ "-qx", NULL, "unknown shorthand flag: 'x' in -qx" },
		{ "--t", NULL, "ambiguous flag: --t could be --tail, --timestamps" },
		{ "--namespace", NULL, "flag needs an argument: --namespace" },
		{ "-qn", NULL, "flag needs an argument: 'n' in -qn" },
		{ "--quiet=yes", NULL, "flag takes no argument: --quiet" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w[] = { "test", "pods", cases[i].word, cases[i].next, NULL };
		struct vals v = { 0 };
		struct pv_cli_args a;
		char want[256];

		snprintf(want, sizeof(want), "error: %s\nSee 'podvisor test --help' for usage.\n",
			 cases[i].said);
		assert_int_equal(parse(&v, 0, w, &a), PV_EXIT_USAGE);
		assert_string_equal(errbuf, want);
	}
}

/* --help: exit status 0 after the help, whatever follows. */
static void test_help(void **state)
{
	struct vals v = { 0 };
	struct pv_cli_args a;
	int out = dup(1), null = open("/dev/null", O_WRONLY);

	(void)state;
	fflush(stdout);
	dup2(null, 1);
	assert_int_equal(parse(&v, 0, WORDS("pods", "-qh", "--bogus"), &a), PV_EXIT_OK);
	assert_int_equal(parse(&v, 0, WORDS("--he"), &a), PV_EXIT_OK);
	fflush(stdout);
	dup2(out, 1);
	close(out);
	close(null);
	assert_string_equal(errbuf, "");
}

/* The help, from the table: one line an option, help from column 24,
 * wrapped before column 80 and indented. */
static void test_help_text(void **state)
{
	const char *ns = NULL, *state_dir = NULL;
	long tail = 0;
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&ns, "the pod's namespace (default: default)"),
		PV_CLI_INT_OPT("tail", 0, &tail, "N", "only the last N lines"),
		PV_CLI_STR_OPT("a-rather-long-option", 'l', &ns, "VALUE", "on a line of its own"),
		PV_CLI_OPT_STATE(&state_dir),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd c = { "test", "Usage: podvisor test\n", "Exit status: 0.\n", opts,
				      0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	pv_cli_help(&c, f);
	fclose(f);
	assert_string_equal(text,
			    "Usage: podvisor test\n"
			    "\n"
			    "Options:\n"
			    "  -n, --namespace NS    the pod's namespace (default: default)\n"
			    "      --tail N          only the last N lines\n"
			    "  -l, --a-rather-long-option VALUE\n"
			    "                        on a line of its own\n"
			    "  -s, --state DIR       the state directory (default: $PODVISOR_STATE, else\n"
			    "                        " PV_STATE_DEFAULT ")\n"
			    "  -h, --help            show this help\n"
			    "\n"
			    "Exit status: 0.\n");
	free(text);
}

/* A flag given as --flag=true or --flag=false, as kubectl takes them
 * (delete --wait=false); any other value is still an error. */
static void test_flag_true_false(void **state)
{
	struct vals v = { .quiet = true };
	struct pv_cli_args a;

	(void)state;
	assert_int_equal(parse(&v, 0, WORDS("--quiet=false"), &a), PV_CLI_GO);
	assert_false(v.quiet);
	assert_int_equal(parse(&v, 0, WORDS("--quiet=true", "-A=false"), &a), PV_EXIT_USAGE);
	assert_true(v.quiet);
	assert_int_equal(parse(&v, 0, WORDS("--quiet=no"), &a), PV_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "flag takes no argument: --quiet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_every_way),
		cmocka_unit_test(test_clusters_and_operands),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_integers_and_choices),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_flag_true_false),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
