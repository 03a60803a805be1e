/* podvisor check: load manifests exactly as the daemon would, and say
 * what is in them or what is wrong with them. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "manifests/manifest.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/opts.h"
#include "supervisor/daemon/daemon_opts.h"
#include "supervisor/daemon/nodeconf.h"
#include "supervisor/source/admit.h"
#include "supervisor/source/scan.h"

static const char check_usage[] =
	"Usage: podvisor check [-o yaml|json] [-q] PATH...\n"
	"       podvisor check --config FILE [PATH...]\n"
	"\n"
	"Parse and validate Kubernetes manifests the way the daemon will load them.\n"
	"\n"
	"Each PATH is a file, a directory, or - for standard input (as kubectl's\n"
	"-f -). Directories are searched recursively for *.yaml, *.yml and *.json\n"
	"files, skipping what the daemon's watcher skips: hidden files and\n"
	"directories (rsync's .name.XXXXXX temporaries, .git), editor backups\n"
	"(name~, #name#), swap files and vim's 4913 probe. A file named explicitly\n"
	"is read whatever its name.\n"
	"\n"
	"Files the daemon refuses are refused here too, as errors: a symlink whose\n"
	"target lies outside the directory searched (the file's own directory for a\n"
	"file named explicitly) and outside --manifest-link-allow, a FIFO, device or\n"
	"socket (never opened), a file over --manifest-max-bytes.\n"
	"\n"
	"For every object, one line is printed:\n"
	"    KIND NAMESPACE/NAME  FILE:LINE\n"
	"For every problem, a line in the style of a compiler:\n"
	"    FILE:LINE:COL: error: FIELD.PATH: what is wrong\n"
	"    FILE:LINE:COL: warning: FIELD.PATH: unknown or unsupported field\n"
	"Warnings never fail a file: any valid Kubernetes manifest is accepted, and\n"
	"fields podvisor does not act on are reported as warnings. A file with any\n"
	"error is refused whole; the daemon keeps its previous version in force.\n"
	"\n"
	"--config FILE checks a node config file (node.yaml) as the daemon reads it:\n"
	"every key known, every value accepted (registries' hosts and mirrors,\n"
	"CIDRs, ranges...); its errors are FILE:LINE:COL, and exit status 1.\n";

static const char check_more[] =
	"Exit status: 0 when every file is valid, 1 when any file has an error,\n"
	"2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  podvisor check examples/\n"
	"  podvisor check -o yaml web.yaml\n"
	"  podvisor get pods -o yaml | podvisor check -\n";

enum out_format {
	OUT_LINES,
	OUT_YAML,
	OUT_JSON,
};

struct check_opts {
	enum out_format format;
	bool quiet;
	const char *link_allow; /* --manifest-link-allow */
	long max_bytes;         /* --manifest-max-bytes */
	const char *config;     /* --config: a node config file */
};

static void print_diag(const char *file, const struct pv_diag *d)
{
	const char *sev = d->sev == PV_SEV_ERROR ? "error" : "warning";
	const char *sep = d->path[0] ? ": " : "";

	if (d->loc.line)
		fprintf(stderr, "%s:%u:%u: %s: %s%s%s\n", file, d->loc.line, d->loc.col, sev, d->path,
			sep, d->msg);
	else
		fprintf(stderr, "%s: %s: %s%s%s\n", file, sev, d->path, sep, d->msg);
}

static void print_file_diags(const struct pv_file *f, const struct check_opts *o)
{
	for (size_t i = 0; i < f->diags.n; i++)
		if (!o->quiet || f->diags.v[i].sev == PV_SEV_ERROR)
			print_diag(f->path, &f->diags.v[i]);
	if (f->diags.dropped)
		fprintf(stderr, "%s: note: %zu more problems not shown\n", f->path, f->diags.dropped);
}

static void print_object_line(const struct pv_file *f, const struct pv_object *ob)
{
	const struct pv_meta *m = &ob->obj->metadata;

	if (ob->kind->namespaced)
		printf("%s %s/%s  %s:%u\n", ob->kind->name, m->namespace.v, m->name.v, f->path,
		       ob->loc.line);
	else
		printf("%s %s  %s:%u\n", ob->kind->name, m->name.v, f->path, ob->loc.line);
}

/* The directory a file named explicitly is in: "." for "web.yaml". */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* The files, and for each the directory it was found in (ROOTS, the same
 * index): a symlink's target must lie in it, as in the daemon's. */
static int collect_paths(int argc, char **argv, struct pv_pathlist *paths,
			 struct pv_pathlist *roots)
{
	for (int i = 0; i < argc; i++) {
		struct pv_err err = { 0 };
		struct stat st;
		bool isdir = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);
		cleanup_free char *dir = isdir ? strdup(argv[i]) : parent_of(argv[i]);

		if (isdir && pv_scan_dir(argv[i], paths, &err) < 0) {
			fprintf(stderr, "podvisor check: %s\n", err.msg);
			return -1;
		}
		if ((!isdir && pv_pathlist_add(paths, argv[i]) < 0) || !dir)
			return fprintf(stderr, "podvisor check: out of memory\n"), -1;
		while (roots->n < paths->n)
			if (pv_pathlist_add(roots, dir) < 0)
				return fprintf(stderr, "podvisor check: out of memory\n"), -1;
	}
	return 0;
}

/* "-": standard input, up to MAX bytes (kubectl's -f -). */
static char *read_stdin(size_t max, size_t *len)
{
	char *buf = malloc(max + 1);

	*len = buf ? fread(buf, 1, max + 1, stdin) : 0;
	if (buf && *len > max) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* As the daemon reads it: refused (an error without a place), or loaded. */
static void load_one(struct pv_file *f, const char *path, const char *root,
		     const struct check_opts *o)
{
	const char *allow[] = { o->link_allow };
	const struct pv_admit a = { root, allow, o->link_allow ? 1 : 0, (uint64_t)o->max_bytes };
	cleanup_free char *buf = NULL;
	char why[4200];
	size_t len = 0;

	if (strcmp(path, "-") == 0) {
		buf = read_stdin(o->max_bytes ? (size_t)o->max_bytes : PV_ADMIT_DEFAULT_MAX, &len);
		snprintf(why, sizeof(why), "standard input: more than the most bytes a file may have");
		if (buf) {
			pv_file_load_buf(f, path, buf, len);
			return;
		}
	} else if (pv_admit_read(&a, path, &buf, &len, why, sizeof(why)) == PV_ADMIT_OK) {
		pv_file_load_buf(f, path, buf, len);
		return;
	}
	pv_file_load_buf(f, path, "", 0);
	pv_diag_add(&f->diags, PV_SEV_ERROR, (struct pv_loc){ 0, 0 }, "", "%s: refused", why);
	f->failed = true;
}

static int print_objects(struct pv_file **files, size_t n, enum out_format fmt)
{
	struct json_object *list = json_object_new_array();
	struct json_object *out;
	char *text;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < files[i]->nobjects; j++)
			json_object_array_add(list, pv_encode_object(&files[i]->objects[j]));
	if (fmt == OUT_YAML) {
		text = pv_json_to_yaml(list, true);
		if (text)
			fputs(text, stdout);
		free(text);
		json_object_put(list);
		return text ? 0 : -1;
	}
	if (json_object_array_length(list) == 1) {
		out = json_object_get(json_object_array_get_idx(list, 0));
		json_object_put(list);
	} else {
		out = json_object_new_object();
		json_object_object_add(out, "apiVersion", json_object_new_string("v1"));
		json_object_object_add(out, "kind", json_object_new_string("List"));
		json_object_object_add(out, "items", list);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	return 0;
}

static const char *const check_formats[] = { "yaml", "json", NULL };

/* The options, into O: PV_CLI_GO with the paths in A, or the exit status. */
static int parse_opts(int argc, char **argv, struct check_opts *o, struct pv_cli_args *a)
{
	const char *output = NULL;
	const struct pv_cli_opt opts[] = {
		PV_CLI_CHOICE_OPT("output", 'o', &output, "FORMAT", check_formats,
				  "print the objects with Kubernetes' defaults applied, as FORMAT: "
				  "yaml (one document per object) or json (one object, or a v1 List "
				  "of several)"),
		PV_CLI_FLAG_OPT("quiet", 'q', &o->quiet, "print only errors"),
		PV_CLI_STR_OPT("manifest-link-allow", 0, &o->link_allow, "DIR",
			       "symlinks may point into DIR too, as with the daemon's option"),
		PV_CLI_INT_OPT("manifest-max-bytes", 0, &o->max_bytes, "N",
			       "refuse files larger than N bytes (default and most 4194304)"),
		PV_CLI_STR_OPT("config", 0, &o->config, "FILE",
			       "check FILE as the daemon's node config (node.yaml)"),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "check", check_usage, check_more, opts, 0 };
	int rc = pv_cli_parse(&cmd, argc, argv, a);

	if (rc != PV_CLI_GO)
		return rc;
	if (output)
		o->format = strcmp(output, "yaml") == 0 ? OUT_YAML : OUT_JSON;
	if (o->max_bytes < 0 || o->max_bytes > (long)PV_ADMIT_DEFAULT_MAX)
		return pv_cli_usage_error(&cmd, "--manifest-max-bytes: from 1 to 4194304 bytes");
	return a->n || o->config ? PV_CLI_GO : pv_cli_usage_error(&cmd, "no PATH given");
}

/* --config FILE: read as the daemon reads it, each setting given to a
 * daemon context of its own (nothing runs). 0, or -1 after the errors. */
static int check_config(const char *path, bool quiet)
{
	static struct pv_daemon scratch; /* what the settings are written into */
	struct pv_nodeconf conf;
	struct pv_err err = { 0 };
	int rc = 0;

	if (pv_nodeconf_load(path, &conf, &err) < 0) {
		fprintf(stderr, "%s%s\n", strncmp(err.msg, path, strlen(path)) == 0 ? "" : path,
			err.msg);
		return -1;
	}
	for (size_t i = 0; i < conf.n; i++) {
		const struct pv_nodeconf_item *it = &conf.items[i];

		if (pv_daemon_option(&scratch, it->option, it->value) < 0) {
			fprintf(stderr, "%s:%u:%u: error: the setting above is not accepted\n", path,
				it->line, it->col);
			rc = -1;
		}
	}
	if (rc == 0 && !quiet)
		printf("node config %s: %zu setting%s, all accepted\n", path, conf.n,
		       conf.n == 1 ? "" : "s");
	pv_nodeconf_free(&conf);
	return rc;
}

static void free_files(struct pv_file **files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!files[i])
			continue;
		pv_file_free(files[i]);
		free(files[i]);
	}
	free(files);
}

struct check_totals {
	size_t nerr, nwarn, nobj, bad;
};

/* What is wrong with F, and its objects when nothing is. */
static void report_file(const struct pv_file *f, const struct check_opts *o,
			struct check_totals *t)
{
	print_file_diags(f, o);
	t->nerr += f->diags.nerrors;
	t->nwarn += f->diags.nwarnings;
	t->bad += f->failed;
	for (size_t j = 0; o->format == OUT_LINES && !o->quiet && !f->failed && j < f->nobjects; j++)
		print_object_line(f, &f->objects[j]);
	t->nobj += f->failed ? 0 : f->nobjects;
}

/* Files are loaded (read, parsed, decoded, validated: each on its own) by
 * one thread a CPU (LOADERS_MAX at most): the checker, which takes them in
 * order, checks them against each other and reports them, and loads the
 * next file itself rather than wait for one; the others load ahead of it,
 * at most WINDOW files a thread, so memory stays that of a few files. On two cores 10,000 objects in 1,000
 * files are checked in about half the time. The loader keeps no state
 * between files (the unacted-field index is built once, under
 * pthread_once). */
#define LOADERS_MAX 8
#define WINDOW 4

struct loaders {
	const struct pv_pathlist *paths, *roots;
	const struct check_opts *o;
	struct pv_file **done; /* by index: loaded, not yet taken */
	size_t next;           /* the next file to load */
	size_t taken;          /* the files the checker took */
	size_t ahead;          /* how far past TAKEN loading may go */
	size_t want;           /* the file the checker waits for, or SIZE_MAX */
	size_t idle;           /* loaders waiting for room */
	pthread_mutex_t mu;
	pthread_cond_t have, room; /* signalled only to one who waits */
};

/* F for file I, loaded; NULL when out of memory (the checker says so). */
static struct pv_file *load_nth(const struct loaders *l, size_t i)
{
	struct pv_file *f = calloc(1, sizeof(*f));

	if (f)
		load_one(f, l->paths->v[i], l->roots->v[i], l->o);
	return f;
}

static void *loader_main(void *arg)
{
	struct loaders *l = arg;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		size_t i;
		struct pv_file *f;

		while (l->next < l->paths->n && l->next >= l->taken + l->ahead) {
			l->idle++;
			pthread_cond_wait(&l->room, &l->mu);
			l->idle--;
		}
		if (l->next >= l->paths->n)
			break;
		i = l->next++;
		pthread_mutex_unlock(&l->mu);
		f = load_nth(l, i);
		pthread_mutex_lock(&l->mu);
		l->done[i] = f ? f : (struct pv_file *)l; /* l: out of memory */
		if (l->want == i)
			pthread_cond_signal(&l->have);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

static size_t cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? (size_t)CPU_COUNT(&set) : 1;
}

/* Start the threads that load the files; how many started (0: the caller
 * loads each itself). */
static size_t loaders_start(struct loaders *l, pthread_t *tids)
{
	size_t want = cpus(), n = 0;

	if (want > LOADERS_MAX)
		want = LOADERS_MAX;
	if (want < 2 || l->paths->n < 2 || !(l->done = calloc(l->paths->n, sizeof(*l->done))))
		return 0;
	l->ahead = want * WINDOW;
	want--; /* the checker is a loader too */
	l->want = SIZE_MAX;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->have, NULL);
	pthread_cond_init(&l->room, NULL);
	for (size_t i = 0; i < want; i++)
		if (pthread_create(&tids[n], NULL, loader_main, l) == 0)
			n++;
	if (!n) {
		free(l->done);
		l->done = NULL;
	}
	return n;
}

/* File I, once a thread loaded it; NULL when out of memory. */
static struct pv_file *loaders_take(struct loaders *l, size_t i)
{
	struct pv_file *f;

	pthread_mutex_lock(&l->mu);
	while (!l->done[i]) {
		if (l->next < l->paths->n && l->next < l->taken + l->ahead) {
			size_t j = l->next++; /* I is being loaded: load another meanwhile */

			pthread_mutex_unlock(&l->mu);
			f = load_nth(l, j);
			pthread_mutex_lock(&l->mu);
			l->done[j] = f ? f : (struct pv_file *)l;
			continue;
		}
		l->want = i;
		pthread_cond_wait(&l->have, &l->mu);
		l->want = SIZE_MAX;
	}
	f = l->done[i];
	l->done[i] = NULL;
	l->taken = i + 1;
	if (l->idle)
		pthread_cond_signal(&l->room); /* room for one more */
	pthread_mutex_unlock(&l->mu);
	return f == (struct pv_file *)l ? NULL : f;
}

static void loaders_join(struct loaders *l, pthread_t *tids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	if (n) {
		pthread_cond_destroy(&l->have);
		pthread_cond_destroy(&l->room);
		pthread_mutex_destroy(&l->mu);
	}
	free(l->done);
}

/* Each file in turn: loaded, checked against the objects of the files
 * before it (the catalog), reported. Only -o needs the objects once all
 * are loaded: FILES keeps them then; otherwise each is freed at once. */
static void check_files(const struct pv_pathlist *paths, const struct pv_pathlist *roots,
			const struct check_opts *o, struct pv_file **files, struct check_totals *t)
{
	struct loaders l = { .paths = paths, .roots = roots, .o = o };
	pthread_t tids[LOADERS_MAX];
	size_t nthreads = loaders_start(&l, tids);
	struct pv_catalog cat;

	pv_catalog_init(&cat);
	for (size_t i = 0; i < paths->n; i++) {
		struct pv_file *f = nthreads ? loaders_take(&l, i) : load_nth(&l, i);

		if (!f) {
			fprintf(stderr, "podvisor check: out of memory\n");
			t->bad++;
			continue;
		}
		if (pv_catalog_add(&cat, f) < 0) {
			fprintf(stderr, "podvisor check: out of memory\n");
			f->failed = true;
		}
		report_file(f, o, t);
		if (files) {
			files[i] = f;
		} else {
			pv_file_free(f);
			free(f);
		}
	}
	loaders_join(&l, tids, nthreads);
	pv_catalog_free(&cat);
}

int pv_cmd_check(int argc, char **argv)
{
	struct check_opts o = { OUT_LINES, false, NULL, 0, NULL };
	struct pv_pathlist paths = { 0 }, roots = { 0 };
	struct pv_file **files = NULL;
	struct check_totals t = { 0 };
	struct pv_cli_args a;
	int rc = parse_opts(argc, argv, &o, &a);

	if (rc != PV_CLI_GO)
		return rc;
	if (o.config && (t.bad = check_config(o.config, o.quiet) < 0, !a.n))
		return t.bad ? PV_EXIT_FAIL : PV_EXIT_OK;
	if (collect_paths(a.n, a.v, &paths, &roots) < 0) {
		pv_pathlist_free(&paths);
		pv_pathlist_free(&roots);
		return PV_EXIT_FAIL;
	}
	if (o.format != OUT_LINES && !(files = calloc(paths.n ? paths.n : 1, sizeof(*files)))) {
		fprintf(stderr, "podvisor check: out of memory\n");
		pv_pathlist_free(&paths);
		pv_pathlist_free(&roots);
		return PV_EXIT_FAIL;
	}
	check_files(&paths, &roots, &o, files, &t);
	if (o.format != OUT_LINES && t.bad == 0 && print_objects(files, paths.n, o.format) < 0)
		t.bad++;
	if (!o.quiet || t.bad)
		fprintf(stderr, "%zu file%s, %zu object%s, %zu error%s, %zu warning%s\n", paths.n,
			paths.n == 1 ? "" : "s", t.nobj, t.nobj == 1 ? "" : "s", t.nerr,
			t.nerr == 1 ? "" : "s", t.nwarn, t.nwarn == 1 ? "" : "s");
	if (files)
		free_files(files, paths.n);
	pv_pathlist_free(&paths);
	pv_pathlist_free(&roots);
	return t.bad ? PV_EXIT_FAIL : PV_EXIT_OK;
}
