/* podvisor version and podvisor completion: what the binary says about
 * itself. They sit beside main.c, at the top layer, because completion
 * needs every verb: main.c hands it the names of its commands table, so
 * a new verb is completed without a second list to keep.
 *
 * `version` prints this client's build and the daemon's (the API's op
 * "version", supervisor/api/version.c), as kubectl version does.
 *
 * `completion bash|zsh` prints a completion script. Each verb's options
 * are read from the verb's own --help, printed from its option table, by
 * running this very binary (/proc/self/exe VERB --help) when the script
 * is made, and the values an option allows from the usage error a bad
 * value gets ("use one of ..."): the script cannot drift from the tables.
 * The sub-verbs and the kinds of get are lists here, which
 * tests/integration/test_cli_verbs.sh compares with `image --help`,
 * `rollout --help` and what `get` accepts. Names of pods and other
 * objects are asked of the daemon when TAB is pressed (`podvisor get
 * KIND`, its first column).
 *
 * Calls: api (the client call, version.h), cli (opts), core, manifests
 * (encode: YAML), common. */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "supervisor/api/api.h"
#include "supervisor/api/version.h"
#include "supervisor/cmd_version.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/jsonx.h"

/* ---- version ---- */

static const char version_usage[] =
	"Usage: podvisor version [--client | --server] [-o json|yaml] [--state DIR]\n"
	"\n"
	"Print this client's version and build, then the version of the daemon that\n"
	"answers on the state directory's socket, as kubectl version does:\n"
	"\n"
	"  Client Version: v0.1.0-dev\n"
	"  Client Build: gcc 12.2.0, commit 0123456789ab (clean), linux/amd64\n"
	"  Server Version: v0.1.0-dev\n"
	"  Server Build: gcc 12.2.0, commit 0123456789ab (clean), linux/amd64\n"
	"\n"
	"The build names the compiler, the git commit the binary was built from\n"
	"and whether the work tree had uncommitted changes (when it was built from\n"
	"a git checkout; else the version again) and the platform. When the client\n"
	"and the daemon are different builds, a warning on stderr says so (restart\n"
	"the daemon to run the new binary; its pods keep running).\n"
	"\n"
	"When no daemon answers, the client's version is printed, a note on stderr\n"
	"says why the daemon's is missing, and the exit status is still 0: a node\n"
	"without a running daemon is a normal place to ask which binary is\n"
	"installed. With --server a missing daemon is a failure (exit 1), for\n"
	"scripts that check the daemon is up and which build it runs.\n";

static const char version_more[] =
	"Output (-o json|yaml): {clientVersion: {gitVersion, gitCommit, gitTreeState,\n"
	"compiler, platform}, serverVersion: {the same}}, kubectl's keys;\n"
	"serverVersion is absent when no daemon answers.\n"
	"\n"
	"Exit status: 0 on success (also without a daemon, unless --server), 1 when\n"
	"--server is given and no daemon answers, 2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  podvisor version\n"
	"  podvisor version --client -o json\n"
	"  podvisor version --server --state /run/podvisor\n";

static const char *const version_formats[] = { "json", "yaml", NULL };

struct version_opts {
	const char *state, *output;
	bool client, server;
};

/* "gcc 12.2.0, commit 0123456789ab (clean), linux/amd64" from V. */
static void print_build(const char *who, struct json_object *v)
{
	const char *commit = pv_json_str(v, "gitCommit", ""), *tree = pv_json_str(v, "gitTreeState", "");

	printf("%s Build: %s, ", who, pv_json_str(v, "compiler", "unknown compiler"));
	if (*commit)
		printf("commit %.12s%s%s%s", commit, *tree ? " (" : "", tree, *tree ? ")" : "");
	else
		printf("%s", pv_json_str(v, "gitVersion", "unknown version"));
	printf(", %s\n", pv_json_str(v, "platform", "unknown platform"));
}

/* The daemon's version object, or NULL with the reason in WHY. */
static struct json_object *server_version(const char *state, char *why, size_t len)
{
	struct json_object *req = json_object_new_object(), *resp;
	struct pv_err err = { 0 };

	json_object_object_add(req, "op", json_object_new_string("version"));
	resp = pv_api_call(pv_state_dir(state), req, &err);
	json_object_put(req);
	if (!resp) {
		snprintf(why, len, "the daemon did not answer: %s", err.msg);
		return NULL;
	}
	if (json_object_object_get_ex(resp, "error", NULL)) {
		snprintf(why, len, "the daemon does not say its version (%s): it is older than "
			 "this client", pv_json_str(resp, "error", ""));
		json_object_put(resp);
		return NULL;
	}
	return resp;
}

static void warn_skew(struct json_object *client, struct json_object *server)
{
	const char *cv = pv_json_str(client, "gitVersion", ""), *sv = pv_json_str(server, "gitVersion", "");
	const char *cc = pv_json_str(client, "gitCommit", ""), *sc = pv_json_str(server, "gitCommit", "");

	if (strcmp(cv, sv) != 0 || (*cc && *sc && strcmp(cc, sc) != 0))
		fprintf(stderr, "WARNING: the daemon runs another build (%s, commit %.12s) than this "
			"client (%s, commit %.12s): restart the daemon to run this binary\n",
			sv, *sc ? sc : "unknown", cv, *cc ? cc : "unknown");
}

static void print_version(const struct version_opts *o, struct json_object *out)
{
	struct json_object *c = json_object_object_get(out, "clientVersion");
	struct json_object *s = json_object_object_get(out, "serverVersion");
	char *y;

	if (!o->output) {
		printf("Client Version: %s\n", pv_json_str(c, "gitVersion", ""));
		print_build("Client", c);
		if (s) {
			printf("Server Version: %s\n", pv_json_str(s, "gitVersion", ""));
			print_build("Server", s);
		}
	} else if (!strcmp(o->output, "json")) {
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	} else { /* one document, without its "---", as kubectl prints it */
		y = pv_json_to_yaml(out, false);
		fputs(!y ? "" : strncmp(y, "---\n", 4) ? y : y + 4, stdout);
		free(y);
	}
}

int pv_cmd_version(int argc, char **argv)
{
	struct version_opts o = { 0 };
	const struct pv_cli_opt opts[] = {
		PV_CLI_FLAG_OPT("client", 0, &o.client,
				"only this client's version: do not ask the daemon"),
		PV_CLI_FLAG_OPT("server", 0, &o.server,
				"fail (exit 1) when no daemon answers, instead of a note"),
		PV_CLI_CHOICE_OPT("output", 'o', &o.output, "FORMAT", version_formats,
				  "json or yaml, with kubectl's keys"),
		PV_CLI_OPT_STATE(&o.state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "version", version_usage, version_more, opts, 0 };
	struct json_object *out, *server = NULL;
	struct pv_cli_args a;
	char why[600] = "";
	int rc = pv_cli_parse(&cmd, argc, argv, &a);

	if (rc != PV_CLI_GO)
		return rc;
	if (a.n > 0)
		return pv_cli_usage_error(&cmd, "unexpected argument '%s'", a.v[0]);
	if (o.client && o.server)
		return pv_cli_usage_error(&cmd, "--client and --server cannot be used together");
	out = json_object_new_object();
	json_object_object_add(out, "clientVersion", pv_version_json());
	if (!o.client && (server = server_version(o.state, why, sizeof(why))))
		json_object_object_add(out, "serverVersion", server);
	print_version(&o, out);
	fflush(stdout);
	if (server)
		warn_skew(json_object_object_get(out, "clientVersion"), server);
	else if (!o.client)
		fprintf(stderr, "%s%s\n", o.server ? "error: " : "", why);
	json_object_put(out);
	return !o.client && !server && o.server ? PV_EXIT_FAIL : PV_EXIT_OK;
}

/* ---- completion ---- */

static const char completion_usage[] =
	"Usage: podvisor completion bash|zsh\n"
	"\n"
	"Print a shell completion script for podvisor: TAB completes the verbs,\n"
	"the kinds of get and describe (with their short names: po, svc, deploy,\n"
	"...), each verb's options and the values of those that take one of a few\n"
	"(-o json|yaml, ...), directories for --state and --manifests, and the\n"
	"names of pods (and of the objects of the kind given) by asking the daemon\n"
	"with 'podvisor get KIND' when TAB is pressed (with the -n NAMESPACE and\n"
	"--state DIR already typed on the line).\n"
	"\n"
	"The options are read from each verb's --help when the script is made, so\n"
	"a script made by one build completes that build's options.\n";

static const char completion_more[] =
	"Exit status: 0 on success, 1 when the script cannot be made, 2 on a usage\n"
	"error.\n"
	"\n"
	"Examples:\n"
	"  # for this shell:\n"
	"  source <(podvisor completion bash)\n"
	"  # for every bash (with the bash-completion package):\n"
	"  podvisor completion bash >/etc/bash_completion.d/podvisor\n"
	"  # zsh, in ~/.zshrc:\n"
	"  source <(podvisor completion zsh)\n";

/* The sub-verbs of the verbs that have them. */
static const char *const subverbs[][2] = {
	{ "image", "pull import ls rm inspect prune" },
	{ "rollout", "status history undo" },
	{ "completion", "bash zsh" },
	{ "top", "pod node" },
};

/* The kinds get and describe take (cmd_get.c's KINDS_SERVED). */
static const char kinds[] =
	"pods pod po services service svc endpoints ep persistentvolumes persistentvolume pv "
	"persistentvolumeclaims persistentvolumeclaim pvc deployments deployment deploy "
	"replicasets replicaset rs statefulsets statefulset sts daemonsets daemonset ds jobs "
	"job cronjobs cronjob cj configmaps configmap cm secrets secret events ev";

#define OUT_MAX (256 * 1024)

/* Run this binary with ARGV; its stdout (and stderr when ERR) into a
 * string, or NULL. */
static char *run_self(char *const *argv, bool err)
{
	posix_spawn_file_actions_t fa;
	int p[2], status;
	pid_t pid;
	char *buf = calloc(1, OUT_MAX);
	size_t len = 0;
	ssize_t n;

	if (!buf || pipe2(p, O_CLOEXEC) < 0) {
		free(buf);
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (err)
		posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (pid > 0 && len < OUT_MAX - 1 && (n = read(p[0], buf + len, OUT_MAX - 1 - len)) != 0)
		if (n > 0)
			len += (size_t)n;
		else if (errno != EINTR)
			break;
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Call V's entry point with ARGV (ARGV[0] the verb) in this process, its
 * stdout (and stderr when ERR) into a string, or NULL. For a verb that
 * only parses (--help, or a bad value before it) this costs no process;
 * its stdout and stderr are put back as they were. */
static char *capture(const struct pv_verb *v, char **argv, bool err)
{
	FILE *f = tmpfile();
	int out = dup(1), errfd = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC), argc = 0;
	char *buf = NULL;
	size_t len;

	if (f && out >= 0 && errfd >= 0 && null >= 0 && (buf = calloc(1, OUT_MAX))) {
		fflush(stdout);
		fflush(stderr);
		dup2(fileno(f), 1);
		dup2(err ? fileno(f) : null, 2);
		while (argv[argc])
			argc++;
		optind = 0; /* as main does, for a verb that reads its options with getopt */
		v->fn(argc, argv);
		fflush(stdout);
		fflush(stderr);
		dup2(out, 1);
		dup2(errfd, 2);
		rewind(f);
		len = fread(buf, 1, OUT_MAX - 1, f);
		buf[len] = '\0';
	}
	if (f)
		fclose(f);
	for (int *fd = (int[]){ out, errfd, null, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	return buf;
}

/* V's answer to ARGV (ARGV[0] the verb's name). The daemon's is read from
 * a child: it reads its config file before its options. */
static char *verb_output(const struct pv_verb *v, char **argv, bool err)
{
	char *full[8] = { (char *)"podvisor" };

	if (strcmp(v->name, "daemon") != 0)
		return capture(v, argv, err);
	for (int i = 0; argv[i] && i < 6; i++)
		full[i + 1] = argv[i];
	return run_self(full, err);
}

struct verb_opts {
	char all[2048];    /* every option word: "-n --namespace -A ..." */
	char valued[1024]; /* those that take a value */
	char longs[32][40]; /* the long names that take a value, to ask for their choices */
	int nlongs;
};

/* Add WORD to the list DST, unless it is there (daemon's --help names
 * an option twice: once in its table, once in the text about it). */
static void append(char *dst, size_t cap, const char *word)
{
	size_t len = strlen(dst), n = strlen(word);

	for (const char *p = strstr(dst, word); p; p = strstr(p + 1, word))
		if ((p == dst || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return;

	snprintf(dst + len, cap - len, "%s%s", len ? " " : "", word);
}

/* One line of a help's "Options:": "  -n, --namespace NS   ..." or
 * "      --client   ...". */
static void parse_opt_line(const char *line, struct verb_opts *v)
{
	char s = 0, name[40] = "", word[48];
	const char *p = line;
	bool value;
	int n = 0;

	while (*p == ' ')
		p++;
	if (p == line || p[0] != '-')
		return;
	if (p[1] != '-' && p[2] == ',') {
		s = p[1];
		p += 4;
	}
	if (sscanf(p, "--%39[a-z0-9-]%n", name, &n) != 1)
		return;
	p += n;
	value = p[0] == ' ' && p[1] >= 'A' && p[1] <= 'Z';
	if (s) {
		snprintf(word, sizeof(word), "-%c", s);
		append(v->all, sizeof(v->all), word);
		if (value)
			append(v->valued, sizeof(v->valued), word);
	}
	snprintf(word, sizeof(word), "--%s", name);
	append(v->all, sizeof(v->all), word);
	if (value) {
		append(v->valued, sizeof(v->valued), word);
		if (v->nlongs < 32)
			snprintf(v->longs[v->nlongs++], sizeof(v->longs[0]), "%s", name);
	}
}

static int verb_options(const struct pv_verb *verb, const char *sub, struct verb_opts *v)
{
	char *argv[] = { (char *)verb->name, (char *)(sub ? sub : "--help"),
			 sub ? (char *)"--help" : NULL, NULL };
	cleanup_free char *help = verb_output(verb, argv, false);
	char *line, *save = NULL;
	bool in = false;

	memset(v, 0, sizeof(*v));
	if (!help)
		return -1;
	for (line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "Options:"))
			in = true;
		else if (in && line[0] != ' ')
			in = false;
		else if (in)
			parse_opt_line(line, v);
	}
	return v->all[0] ? 0 : -1;
}

/* The values --NAME allows, from the usage error a bad one gets, into
 * OUT ("" when any value goes). The bad value comes before --help, which
 * would end the parse: nothing but the parse runs. */
static void option_choices(const struct pv_verb *verb, const char *sub, const char *name,
			   char *out, size_t len)
{
	char bad[64];
	char *argv[] = { (char *)verb->name, bad, (char *)"--help", NULL, NULL };
	cleanup_free char *text = NULL;
	const char *p;

	out[0] = '\0';
	if (sub) {
		argv[1] = (char *)sub;
		argv[2] = bad;
		argv[3] = (char *)"--help";
	}
	snprintf(bad, sizeof(bad), "--%s=\x01", name);
	text = verb_output(verb, argv, true);
	if (!text || !(p = strstr(text, "use one of ")))
		return;
	p += strlen("use one of ");
	for (size_t i = 0; *p && *p != '\n' && i + 1 < len; p++) {
		if (strncmp(p, "internal-", 9) == 0 && (p == text || p[-1] == ' ')) {
			p += strcspn(p, ", \n"); /* a value for the tests, not offered */
			p += *p == ',' && p[1] == ' ';
			if (!*p || *p == '\n')
				break;
			continue;
		}
		if (*p != ',')
			out[i++] = *p, out[i] = '\0';
	}
	/* no blank left at the end by a value dropped */
	for (size_t n = strlen(out); n && out[n - 1] == ' ';)
		out[--n] = '\0';
}

static void print_case(const char *key, const char *words)
{
	printf("\t%s) echo '%s' ;;\n", key, words);
}

/* _podvisor_opts PATH, _podvisor_valued PATH, _podvisor_choices PATH OPT:
 * case tables per verb path ("get", "image_ls"). */
static int print_option_tables(const struct pv_verb *verbs, size_t nverbs)
{
	static struct verb_opts v[32];
	const struct pv_verb *of[32];
	char keys[32][40], choices[64][300], ckeys[64][96];
	int n = 0, nc = 0;

	for (size_t i = 0; i < nverbs && n < 32; i++) {
		const char *subs = NULL, *name = verbs[i].name;
		char list[128], *save = NULL, *sub;

		if (!strncmp(name, "__", 2))
			continue; /* an internal mode, started by the daemon */
		for (size_t k = 0; k < PV_ARRAY_SIZE(subverbs); k++)
			if (!strcmp(subverbs[k][0], name))
				subs = subverbs[k][1];
		snprintf(keys[n], sizeof(keys[n]), "%s", name);
		of[n] = &verbs[i];
		if (verb_options(&verbs[i], NULL, &v[n]) < 0) {
			fprintf(stderr, "podvisor completion: cannot read 'podvisor %s --help'\n", name);
			return -1;
		}
		n++;
		snprintf(list, sizeof(list), "%s", subs && strcmp(name, "completion") ? subs : "");
		for (sub = strtok_r(list, " ", &save); sub && n < 32; sub = strtok_r(NULL, " ", &save)) {
			snprintf(keys[n], sizeof(keys[n]), "%s_%s", name, sub);
			of[n] = &verbs[i];
			if (verb_options(&verbs[i], sub, &v[n]) == 0)
				n++;
		}
	}
	for (int i = 0; i < n; i++) {
		const char *sub = strchr(keys[i], '_');

		for (int k = 0; strcmp(of[i]->name, "daemon") && k < v[i].nlongs && nc < 64; k++) {
			option_choices(of[i], sub ? sub + 1 : NULL, v[i].longs[k], choices[nc],
				       sizeof(choices[nc]));
			if (!choices[nc][0])
				continue;
			snprintf(ckeys[nc++], sizeof(ckeys[0]), "%.39s\\ --%.39s", keys[i], v[i].longs[k]);
		}
	}
	puts("_podvisor_opts() {\n\tcase $1 in");
	for (int i = 0; i < n; i++)
		print_case(keys[i], v[i].all);
	puts("\tesac\n}\n_podvisor_valued() {\n\tcase $1 in");
	for (int i = 0; i < n; i++)
		print_case(keys[i], v[i].valued);
	puts("\tesac\n}\n_podvisor_choices() {\n\tcase \"$1 $2\" in");
	for (int i = 0; i < nc; i++)
		print_case(ckeys[i], choices[i]);
	puts("\tesac\n}");
	return 0;
}

/* What the tables feed: the function TAB calls. Written for bash, and for
 * zsh through its bashcompinit (ksharrays: arrays from 0, as in bash). */
static const char completion_body[] =
	"# _podvisor_names CMD KIND: the names of KIND's objects, from 'CMD get KIND'\n"
	"# (the first column; the second with -A, whose first is NAMESPACE).\n"
	"_podvisor_names() {\n"
	"\tlocal cmd=$1 kind=$2 col=1\n"
	"\t[ -n \"$_podvisor_all\" ] && col=2\n"
	"\t\"$cmd\" get \"$kind\" ${_podvisor_ns:+-n \"$_podvisor_ns\"} ${_podvisor_all:+-A} \\\n"
	"\t\t${_podvisor_state:+--state \"$_podvisor_state\"} 2>/dev/null | awk -v c=$col 'NR > 1 { print $c }'\n"
	"}\n"
	"\n"
	"_podvisor_reply() { # WORDS...: those that start with $cur, into COMPREPLY\n"
	"\tlocal w\n"
	"\tfor w in \"$@\"; do\n"
	"\t\tcase $w in \"$cur\"*) COMPREPLY+=(\"$w\") ;; esac\n"
	"\tdone\n"
	"}\n"
	"\n"
	"_podvisor() {\n"
	"\tif [ -n \"${ZSH_VERSION-}\" ]; then\n"
	"\t\tsetopt localoptions ksharrays shwordsplit noglob\n"
	"\telse\n"
	"\t\tlocal -\n"
	"\t\tset -f\n"
	"\tfi\n"
	"\tlocal line=${COMP_LINE:0:$COMP_POINT} cur prev i w verb= sub= vpath= want=\n"
	"\tlocal _podvisor_ns= _podvisor_all= _podvisor_state=\n"
	"\tlocal -a cwords args\n"
	"\t# split by blanks only, not COMP_WORDBREAKS: --for=condition=Ready is one word\n"
	"\tcwords=( $line )\n"
	"\tcase $line in *[[:space:]]|'') cwords+=(\"\") ;; esac\n"
	"\tcur=${cwords[${#cwords[@]} - 1]}\n"
	"\tCOMPREPLY=()\n"
	"\tfor ((i = 1; i < ${#cwords[@]} - 1; i++)); do\n"
	"\t\tw=${cwords[i]}\n"
	"\t\tcase $w in\n"
	"\t\t--) [ -n \"$verb\" ] && return 0 ;; # a command line follows (exec)\n"
	"\t\t-A|--all-namespaces) _podvisor_all=1 ;;\n"
	"\t\t--namespace=*) _podvisor_ns=${w#*=} ;;\n"
	"\t\t--state=*) _podvisor_state=${w#*=} ;;\n"
	"\t\t-*=*) ;;\n"
	"\t\t-*)\n"
	"\t\t\tcase \" $(_podvisor_valued \"${vpath:-_}\") \" in\n"
	"\t\t\t*\" $w \"*)\n"
	"\t\t\t\ti=$((i + 1))\n"
	"\t\t\t\tcase $w in\n"
	"\t\t\t\t-n|--namespace) _podvisor_ns=${cwords[i]} ;;\n"
	"\t\t\t\t-s|--state) _podvisor_state=${cwords[i]} ;;\n"
	"\t\t\t\tesac ;;\n"
	"\t\t\tesac ;;\n"
	"\t\t*)\n"
	"\t\t\tif [ -z \"$verb\" ]; then\n"
	"\t\t\t\tverb=$w vpath=$w\n"
	"\t\t\telif [ -z \"$sub\" ] && [ ${#args[@]} = 0 ] && [ -n \"$(_podvisor_subverbs \"$verb\")\" ]; then\n"
	"\t\t\t\tsub=$w vpath=${verb}_$w\n"
	"\t\t\telse\n"
	"\t\t\t\targs+=(\"$w\")\n"
	"\t\t\tfi ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\tprev=${cwords[${#cwords[@]} - 2]}\n"
	"\t# the value of an option\n"
	"\tif [[ $cur == --*=* ]]; then\n"
	"\t\tprev=${cur%%=*} want=${cur%%=*}=\n"
	"\t\tcur=${cur#*=}\n"
	"\telif [[ $prev != -* ]] || [[ \" $(_podvisor_valued \"${vpath:-_}\") \" != *\" $prev \"* ]]; then\n"
	"\t\tprev=\n"
	"\tfi\n"
	"\tif [ -n \"$prev\" ]; then\n"
	"\t\tcase $prev in\n"
	"\t\t-s|--state|-m|--manifests) COMPREPLY=( $(compgen -d -- \"$cur\") ) ;;\n"
	"\t\t--config|-f|--filename) COMPREPLY=( $(compgen -f -- \"$cur\") ) ;;\n"
	"\t\t-n|--namespace) _podvisor_all=1; _podvisor_reply $(_podvisor_names \"${cwords[0]}\" pods | sort -u) ;;\n"
	"\t\t*)\n"
	"\t\t\tlocal long=$prev o\n"
	"\t\t\tif [[ $prev != --* ]]; then # -o: its long name, the next word of the table\n"
	"\t\t\t\tset -- $(_podvisor_opts \"$vpath\")\n"
	"\t\t\t\twhile [ $# -gt 1 ]; do [ \"$1\" = \"$prev\" ] && long=$2; shift; done\n"
	"\t\t\tfi\n"
	"\t\t\t_podvisor_reply $(_podvisor_choices \"$vpath\" \"$long\") ;;\n"
	"\t\tesac\n"
	"\t\t# --output=y: bash completes the word after its '=' (a word break),\n"
	"\t\t# zsh the whole word\n"
	"\t\tif [ -n \"$want\" ] && [[ ${COMP_WORDBREAKS-} != *=* ]]; then\n"
	"\t\t\tfor ((i = 0; i < ${#COMPREPLY[@]}; i++)); do COMPREPLY[i]=$want${COMPREPLY[i]}; done\n"
	"\t\tfi\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tif [ -z \"$verb\" ]; then _podvisor_reply -h --help -V --version\n"
	"\t\telse _podvisor_reply $(_podvisor_opts \"$vpath\"); fi\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tif [ -z \"$verb\" ]; then\n"
	"\t\t_podvisor_reply $_podvisor_verbs\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tif [ -z \"$sub\" ] && [ ${#args[@]} = 0 ] && [ -n \"$(_podvisor_subverbs \"$verb\")\" ]; then\n"
	"\t\t_podvisor_reply $(_podvisor_subverbs \"$verb\")\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tcase $verb in\n"
	"\tget|describe)\n"
	"\t\tif [ ${#args[@]} = 0 ]; then _podvisor_reply $_podvisor_kinds\n"
	"\t\telif [ \"${args[0]}\" != events ] && [ \"${args[0]}\" != ev ]; then\n"
	"\t\t\t_podvisor_reply $(_podvisor_names \"${cwords[0]}\" \"${args[0]}\")\n"
	"\t\tfi ;;\n"
	"\tlogs|exec)\n"
	"\t\t[ ${#args[@]} = 0 ] && _podvisor_reply $(_podvisor_names \"${cwords[0]}\" pods) ;;\n"
	"\tdelete)\n"
	"\t\tif [ ${#args[@]} = 0 ]; then _podvisor_reply pod\n"
	"\t\telse _podvisor_reply $(_podvisor_names \"${cwords[0]}\" pods); fi ;;\n"
	"\twait|rollout)\n"
	"\t\tif [[ $cur == */* ]]; then\n"
	"\t\t\tlocal kind=${cur%%/*} n\n"
	"\t\t\tfor n in $(_podvisor_names \"${cwords[0]}\" \"$kind\"); do\n"
	"\t\t\t\t_podvisor_reply \"$kind/$n\"\n"
	"\t\t\tdone\n"
	"\t\telse\n"
	"\t\t\tif [ \"$verb\" = wait ]; then _podvisor_reply pod/ deployment/ job/\n"
	"\t\t\telse _podvisor_reply deployment/; fi\n"
	"\t\t\ttype compopt >/dev/null 2>&1 && compopt -o nospace 2>/dev/null\n"
	"\t\tfi ;;\n"
	"\tcheck) COMPREPLY=( $(compgen -f -- \"$cur\") ) ;;\n"
	"\tesac\n"
	"\treturn 0\n"
	"}\n"
	"\n"
	"complete -o default -F _podvisor podvisor\n";

int pv_cmd_completion(int argc, char **argv, const struct pv_verb *verbs, size_t nverbs)
{
	const struct pv_cli_opt opts[] = { PV_CLI_OPT_HELP, PV_CLI_OPT_END };
	const struct pv_cli_cmd cmd = { "completion", completion_usage, completion_more, opts, 0 };
	struct pv_cli_args a;
	int rc = pv_cli_parse(&cmd, argc, argv, &a);
	bool zsh;

	if (rc != PV_CLI_GO)
		return rc;
	if (a.n != 1 || (strcmp(a.v[0], "bash") && strcmp(a.v[0], "zsh")))
		return pv_cli_usage_error(&cmd, a.n ? "unsupported shell type \"%s\": bash or zsh"
						    : "shell not specified: bash or zsh",
					  a.n ? a.v[0] : "");
	zsh = !strcmp(a.v[0], "zsh");
	if (zsh)
		puts("#compdef podvisor\n# zsh completion for podvisor, from 'podvisor completion "
		     "zsh':\n#   source <(podvisor completion zsh)\n"
		     "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
		     "autoload -U +X bashcompinit && bashcompinit\n");
	else
		puts("# bash completion for podvisor, from 'podvisor completion bash':\n"
		     "#   source <(podvisor completion bash)\n");
	fputs("_podvisor_verbs='", stdout);
	for (size_t i = 0, n = 0; i < nverbs; i++)
		if (strncmp(verbs[i].name, "__", 2) != 0) /* not the internal modes */
			printf("%s%s", n++ ? " " : "", verbs[i].name);
	printf("'\n_podvisor_kinds='%s'\n_podvisor_subverbs() {\n\tcase $1 in\n", kinds);
	for (size_t i = 0; i < PV_ARRAY_SIZE(subverbs); i++)
		print_case(subverbs[i][0], subverbs[i][1]);
	puts("\tesac\n}");
	fflush(stdout);
	if (print_option_tables(verbs, nverbs) < 0)
		return PV_EXIT_FAIL;
	fputs(completion_body, stdout);
	return PV_EXIT_OK;
}
