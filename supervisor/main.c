/* podvisor: a per-node pod supervisor whose API is a directory of
 * Kubernetes YAML. This file only dispatches subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/api/version.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cmd_version.h"
#include "supervisor/daemon/daemon.h"
#include "supervisor/runtime/podinit.h"
#include "supervisor/core/proc.h"
#include "supervisor/runtime/shim.h"

static const char usage_text[] =
	"Usage: podvisor [--help] [--version] COMMAND [ARGS...]\n"
	"\n"
	"podvisor runs the Pods, workloads and Services described by a directory of\n"
	"ordinary Kubernetes YAML on this node, without an API server.\n"
	"\n"
	"Commands:\n"
	"  check PATH...    parse and validate manifest files or directories, and print\n"
	"                   one line per object or the errors as FILE:LINE:COL\n"
	"  daemon --manifests DIR\n"
	"                   run the node: keep the pods of DIR's manifests running\n"
	"  get pods         list pods, like kubectl get pods\n"
	"  describe pod NAME\n"
	"                   a pod's containers, exit codes, load errors and events\n"
	"  logs POD [-c C] [-f] [-p]\n"
	"                   a container's output\n"
	"  exec POD [-c C] [-it] -- CMD...\n"
	"                   run a command inside a running container\n"
	"  delete pod NAME | -l SELECTOR\n"
	"                   delete pods for their controller to replace\n"
	"  image import SRC NAME:TAG, image ls, image rm NAME:TAG\n"
	"                   the node's local image store (OCI layouts and archives)\n"
	"  rollout status|history|undo deploy/NAME\n"
	"                   follow a Deployment's rollout, list its revisions, or roll\n"
	"                   it back by rewriting its template in its manifest file\n"
	"  wait --for=condition=Ready|--for=delete pod/NAME... | pods -l SELECTOR\n"
	"                   wait for pods (deploy/NAME: Available, job/NAME: Complete)\n"
	"                   to meet a condition or be gone, as kubectl wait\n"
	"  top pod|node     CPU (millicores) and memory (working set) now, as kubectl top\n"
	"  port-forward pod/NAME|svc/NAME [LOCAL:]REMOTE...\n"
	"                   local TCP ports to a pod's, through its network namespace\n"
	"  version          this client's version and build, and the daemon's\n"
	"  completion bash|zsh\n"
	"                   a shell completion script: source <(podvisor completion bash)\n"
	"\n"
	"There is deliberately no 'scale' (nor apply, edit, or rollout pause): the\n"
	"directory is the API. Edit spec.replicas in the file and save it.\n"
	"\n"
	"Options:\n"
	"  -h, --help       show this help, or a command's help with COMMAND --help\n"
	"  -V, --version    print the version\n"
	"\n"
	"Exit status: 0 on success, 1 when a command fails (for check: any error in\n"
	"any file), 2 on a usage error.\n"
	"\n"
	"See 'podvisor COMMAND --help' for a command's options.\n";

static int cmd_completion(int argc, char **argv);

static const struct pv_verb commands[] = {
	{ "check", pv_cmd_check },
	{ "image", pv_cmd_image },
	{ "daemon", pv_cmd_daemon },
	{ "get", pv_cmd_get },
	{ "describe", pv_cmd_describe },
	{ "logs", pv_cmd_logs },
	{ "exec", pv_cmd_exec },
	{ "delete", pv_cmd_delete },
	{ "rollout", pv_cmd_rollout },
	{ "wait", pv_cmd_wait },
	{ "top", pv_cmd_top },
	{ "port-forward", pv_cmd_port_forward },
	{ "version", pv_cmd_version },
	{ "completion", cmd_completion },
	/* internal modes, started by the daemon */
	{ "__pod-init", pv_podinit_main },
	{ "__shim", pv_shim_main },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* completion completes the verbs of the table above, from their own
 * --help: a new verb cannot be forgotten. */
static int cmd_completion(int argc, char **argv)
{
	return pv_cmd_completion(argc, argv, commands, N_COMMANDS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	pv_proc_save_args(argc, argv);
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return PV_EXIT_OK;
		case 'V':
			printf("podvisor %s\n", PV_VERSION);
			return PV_EXIT_OK;
		default:
			fputs("Try 'podvisor --help'.\n", stderr);
			return PV_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return PV_EXIT_USAGE;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		int at = optind;

		if (strcmp(argv[at], commands[i].name) != 0)
			continue;
		optind = 0; /* a fresh getopt scan (with argument permutation) for the command */
		return commands[i].fn(argc - at, argv + at);
	}
	fprintf(stderr, "podvisor: unknown command '%s'\nTry 'podvisor --help'.\n", argv[optind]);
	return PV_EXIT_USAGE;
}
