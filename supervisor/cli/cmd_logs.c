/* podvisor logs: a container's output, from the log files its shim
 * writes ("<time> <stream> <F|P> <text>" lines, as CRI runtimes do). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/api/api.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"

static const char logs_usage[] =
	"Usage: podvisor logs POD [-c CONTAINER] [-f] [-p] [--tail N] [--timestamps]\n"
	"                     [-n NAMESPACE] [--state DIR]\n"
	"\n"
	"Print a container's output (stdout and stderr, in order). With one\n"
	"container in the pod, -c may be left out.\n";

struct logs_opts {
	const char *ns, *container, *state;
	bool follow, previous, timestamps;
	long tail;
};

/* One CRI line to the user: the text, and its newline unless partial. */
static void emit(const char *line, bool ts)
{
	const char *p = line, *fields[3];

	for (int i = 0; i < 3; i++) {
		fields[i] = p;
		p = strchr(p, ' ');
		if (!p)
			return;
		p++;
	}
	if (ts)
		fwrite(line, 1, (size_t)(strchr(line, ' ') - line + 1), stdout);
	fputs(p, stdout);
	if (fields[2][0] == 'F')
		fputc('\n', stdout);
}

static long count_lines(FILE *f)
{
	long n = 0;
	int c;

	while ((c = getc(f)) != EOF)
		n += c == '\n';
	rewind(f);
	return n;
}

/* Print PATH from line SKIP on; returns the offset reached. */
static long print_file(const char *path, long tail, bool ts, long from)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long skip = 0, i = 0;

	if (!f)
		return from;
	if (from > 0)
		fseek(f, from, SEEK_SET);
	else if (tail >= 0)
		skip = count_lines(f) - tail;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* half a line: the next read completes it */
		line[n - 1] = '\0';
		if (i++ >= skip)
			emit(line, ts);
		from = ftell(f);
	}
	free(line);
	fflush(stdout);
	return from < 0 ? 0 : from;
}

static struct json_object *find_container(struct json_object *pod, const char *name, int *restarts)
{
	struct json_object *cs, *c = NULL, *v;
	size_t n = 0;

	json_object_object_get_ex(pod, "containers", &cs);
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *x = json_object_array_get_idx(cs, i);

		if (json_object_get_boolean(json_object_object_get(x, "init")) && !name)
			continue;
		n++;
		if (!name || strcmp(pv_json_str(x, "name", ""), name) == 0)
			c = x;
	}
	if (!name && n != 1) {
		fprintf(stderr, "podvisor logs: the pod has %zu containers; choose one with -c\n", n);
		return NULL;
	}
	if (!c) {
		fprintf(stderr, "podvisor logs: no container \"%s\" in the pod\n", name ? name : "");
		return NULL;
	}
	*restarts = json_object_object_get_ex(c, "restartCount", &v) ? json_object_get_int(v) : 0;
	return c;
}

/* Follow the current log file, moving to the next one when the container
 * restarts (a new N.log appears in the directory). */
static int follow(const char *dir, int restarts, bool ts, long from)
{
	int fd = inotify_init1(IN_CLOEXEC);
	char path[4200], buf[4096];

	if (fd < 0 || inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE) < 0)
		return PV_EXIT_FAIL;
	for (;;) {
		snprintf(path, sizeof(path), "%s/%d.log", dir, restarts + 1);
		if (access(path, F_OK) == 0) {
			snprintf(path, sizeof(path), "%s/%d.log", dir, restarts);
			print_file(path, -1, ts, from);
			restarts++;
			from = 0;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%d.log", dir, restarts);
		from = print_file(path, -1, ts, from);
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EINTR)
			return PV_EXIT_FAIL;
	}
}

/* The options, into O: PV_CLI_GO with the pod in A, or the exit status. */
static int parse(int argc, char **argv, struct logs_opts *o, struct pv_cli_args *a)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_STR_OPT("container", 'c', &o->container, "NAME", "which container"),
		PV_CLI_FLAG_OPT("follow", 'f', &o->follow,
				"keep printing as the container writes, across restarts"),
		PV_CLI_FLAG_OPT("previous", 'p', &o->previous,
				"the previous run of a restarted container"),
		PV_CLI_INT_OPT("tail", 0, &o->tail, "N", "only the last N lines (-1: all)"),
		PV_CLI_FLAG_OPT("timestamps", 0, &o->timestamps,
				"prefix each line with its RFC 3339 timestamp"),
		PV_CLI_OPT_NAMESPACE(&o->ns, "the pod's namespace (default: default)"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "logs", logs_usage, NULL, opts, 0 };
	int rc;

	o->ns = "default";
	o->tail = -1;
	rc = pv_cli_parse(&cmd, argc, argv, a);
	if (rc == PV_CLI_GO && a->n != 1)
		rc = pv_cli_usage_error(&cmd, "expected one POD");
	return rc;
}

int pv_cmd_logs(int argc, char **argv)
{
	struct logs_opts o = { 0 };
	struct pv_cli_args a;
	struct json_object *pod, *c;
	char dir[4096], path[4200];
	int restarts = 0, rc = parse(argc, argv, &o, &a);
	long end;

	if (rc != PV_CLI_GO)
		return rc;
	pod = pv_client_pod("podvisor logs", o.state, o.ns, a.v[0]);
	if (!pod)
		return PV_EXIT_FAIL;
	c = find_container(pod, o.container, &restarts);
	if (!c || snprintf(dir, sizeof(dir), "%s/containers/%s/log", pv_json_str(pod, "dir", ""),
			   pv_json_str(c, "name", "")) >= (int)sizeof(dir)) {
		json_object_put(pod);
		return PV_EXIT_FAIL;
	}
	json_object_put(pod);
	if (o.previous && restarts == 0) {
		fprintf(stderr, "podvisor logs: the container has not restarted: no previous run\n");
		return PV_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s/%d.log", dir, o.previous ? restarts - 1 : restarts);
	end = print_file(path, o.tail, o.timestamps, 0);
	return o.follow && !o.previous ? follow(dir, restarts, o.timestamps, end) : PV_EXIT_OK;
}
