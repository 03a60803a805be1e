/* podvisor port-forward: local TCP ports to a pod's, as kubectl
 * port-forward. Each connection accepted on a local port gets a process
 * of its own, which enters the pod's network namespace (through its init
 * process, as the daemon reports it), connects to 127.0.0.1:REMOTE there,
 * and copies both ways until both sides are done: so a server that
 * listens on the pod's loopback only is reached too, and a slow
 * connection holds no other up. svc/NAME forwards to one ready pod behind
 * the Service, to the port the Service's port targets.
 * Calls: api (the client call, through client.h), cli (opts), core. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/core/jsonx.h"

#define MAX_PORTS 16
#define BUF 65536

static const char pf_usage[] =
	"Usage: podvisor port-forward (pod/NAME | svc/NAME | NAME) [LOCAL:]REMOTE...\n"
	"                             [--address ADDR] [-n NAMESPACE] [--state DIR]\n"
	"\n"
	"Forward local TCP ports to a pod's, as kubectl port-forward does, until\n"
	"Ctrl-C. Each connection to ADDR:LOCAL (ADDR 127.0.0.1 unless --address\n"
	"says otherwise) is carried into the pod's network namespace and to\n"
	"127.0.0.1:REMOTE there: a server the pod keeps on its loopback is reached\n"
	"too. LOCAL:REMOTE, REMOTE alone (the same port here), or :REMOTE (a free\n"
	"port here, said on the Forwarding line). svc/NAME (service/NAME) picks one\n"
	"ready pod behind the Service; REMOTE is then a port of the Service (its\n"
	"number or name) and the pod's port is the one it targets. Many\n"
	"connections at once are fine: each has a process of its own.\n";

static const char pf_more[] =
	"Exit status: 0 after Ctrl-C (SIGINT or SIGTERM); 1 when the pod is not\n"
	"running, the Service has no ready pod, or a local port cannot be bound;\n"
	"2 on a usage error.\n"
	"\n"
	"Examples:\n"
	"  podvisor port-forward pod/web 8080:80\n"
	"  podvisor port-forward svc/db 15432:5432 --address 0.0.0.0\n"
	"  podvisor port-forward web :8080       # a free local port\n";

struct fwd {
	int local, remote; /* ports */
	int fd;            /* listening */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_port(const char *s, int *out)
{
	char *end;
	long v;

	if (!*s) {
		*out = 0;
		return 0;
	}
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static struct json_object *find(struct json_object *resp, const char *ns, const char *name)
{
	struct json_object *items = NULL;

	json_object_object_get_ex(resp, "items", &items);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);

		if (!strcmp(pv_json_str(it, "namespace", ""), ns) && !strcmp(pv_json_str(it, "name", ""), name))
			return it;
	}
	return NULL;
}

static struct json_object *ask(const char *state, const char *op)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "op", json_object_new_string(op));
	return pv_client_call("podvisor", state, req);
}

/* The pod behind port SPEC (number or name) of Service SVC: its IP into
 * IP and the port it targets into *PORT; -1 after saying why. */
static int service_target(struct json_object *svc, const char *spec, char *ip, size_t len, int *port)
{
	struct json_object *ports = NULL;

	json_object_object_get_ex(svc, "ports", &ports);
	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		struct json_object *p = json_object_array_get_idx(ports, i), *eps = NULL, *e;
		char num[16];

		snprintf(num, sizeof(num), "%lld", (long long)pv_json_int(p, "port"));
		if (strcmp(num, spec) != 0 && strcmp(pv_json_str(p, "name", ""), spec) != 0)
			continue;
		if (strcmp(pv_json_str(p, "protocol", "TCP"), "TCP") != 0) {
			fprintf(stderr, "error: port %s of service %s is %s: only TCP is forwarded\n", spec,
				pv_json_str(svc, "name", ""), pv_json_str(p, "protocol", ""));
			return -1;
		}
		json_object_object_get_ex(p, "endpoints", &eps);
		if (!eps || !json_object_array_length(eps)) {
			fprintf(stderr, "error: no ready pod behind service %s (port %s)\n",
				pv_json_str(svc, "name", ""), spec);
			return -1;
		}
		e = json_object_array_get_idx(eps, 0);
		snprintf(ip, len, "%s", pv_json_str(e, "ip", ""));
		*port = (int)pv_json_int(e, "port");
		return 0;
	}
	fprintf(stderr, "error: service %s has no port %s\n", pv_json_str(svc, "name", ""), spec);
	return -1;
}

/* Copy both ways between A and B until both directions are done. */
static void relay(int a, int b)
{
	char *buf = malloc(BUF);
	bool open_in[2] = { true, true }; /* a->b, b->a still carry data */
	int fds[2] = { a, b };

	while (buf && (open_in[0] || open_in[1])) {
		struct pollfd p[2] = { { a, open_in[0] ? POLLIN : 0, 0 }, { b, open_in[1] ? POLLIN : 0, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n, off = 0;

			if (!open_in[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i], buf, BUF);
			if (n <= 0) { /* this side is done sending: tell the other */
				open_in[i] = false;
				shutdown(fds[1 - i], SHUT_WR);
				continue;
			}
			while (off < n) {
				ssize_t w = write(fds[1 - i], buf + off, (size_t)(n - off));

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					open_in[0] = open_in[1] = false;
					break;
				}
				off += w;
			}
		}
	}
	free(buf);
}

/* A connection's process: into the pod's network namespace (PIDFD), to
 * 127.0.0.1:PORT there, and relay. */
static void serve(int client, int pidfd, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s;

	if (setns(pidfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "error: cannot enter the pod's network namespace: %s\n", strerror(errno));
		_exit(1);
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "E: an error occurred forwarding %d: connect to 127.0.0.1:%d in the pod: %s\n",
			port, port, strerror(errno));
		_exit(1);
	}
	relay(client, s);
	_exit(0);
}

static int listen_on(const char *addr, struct fwd *f)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)f->local) };
	socklen_t sl = sizeof(sa);
	int one = 1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "error: --address %s: not an IPv4 address\n", addr);
		return -1;
	}
	f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(f->fd, 128) < 0 ||
	    getsockname(f->fd, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(stderr, "error: unable to listen on %s:%d: %s\n", addr, f->local, strerror(errno));
		return -1;
	}
	f->local = ntohs(sa.sin_port);
	return 0;
}

int pv_cmd_port_forward(int argc, char **argv)
{
	const char *ns = "default", *state = NULL, *address = "127.0.0.1";
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_NAMESPACE(&ns, "the pod's or Service's namespace (default: default)"),
		PV_CLI_STR_OPT("address", 0, &address, "ADDR",
			       "the local IPv4 address to listen on (default 127.0.0.1; 0.0.0.0: all)"),
		PV_CLI_OPT_STATE(&state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd cmd = { "port-forward", pf_usage, pf_more, opts, 0 };
	struct pv_cli_args a;
	struct fwd f[MAX_PORTS];
	size_t nf = 0;
	const char *target, *name;
	bool svc;
	struct json_object *pods = NULL, *pod = NULL;
	char ip[64] = "";
	int rc = pv_cli_parse(&cmd, argc, argv, &a), pidfd = -1;
	struct sigaction sa = { .sa_handler = on_signal };

	if (rc != PV_CLI_GO)
		return rc;
	if (a.n < 2)
		return pv_cli_usage_error(&cmd, "a pod or Service and at least one port are needed");
	if ((size_t)a.n - 1 > MAX_PORTS)
		return pv_cli_usage_error(&cmd, "%d ports at most", MAX_PORTS);
	target = a.v[0];
	svc = !strncmp(target, "svc/", 4) || !strncmp(target, "service/", 8);
	name = strchr(target, '/') ? strchr(target, '/') + 1 : target;
	if (strchr(target, '/') && !svc && strncmp(target, "pod/", 4) && strncmp(target, "pods/", 5) &&
	    strncmp(target, "po/", 3))
		return pv_cli_usage_error(&cmd, "'%s': forward to pod/NAME or svc/NAME", target);
	for (int i = 1; i < a.n; i++) {
		const char *colon = strchr(a.v[i], ':');
		char local[16] = "";

		if (colon && (size_t)(colon - a.v[i]) < sizeof(local))
			snprintf(local, sizeof(local), "%.*s", (int)(colon - a.v[i]), a.v[i]);
		f[nf].fd = -1;
		if ((colon && parse_port(local, &f[nf].local) < 0) || (!svc && parse_port(colon ? colon + 1 : a.v[i], &f[nf].remote) < 0) ||
		    (colon && (size_t)(colon - a.v[i]) >= sizeof(local)))
			return pv_cli_usage_error(&cmd, "'%s' is not [LOCAL:]REMOTE (ports 1-65535)", a.v[i]);
		if (svc) {
			struct json_object *svcs = ask(state, "services"), *s = svcs ? find(svcs, ns, name) : NULL;
			const char *spec = colon ? colon + 1 : a.v[i];

			if (!svcs)
				return PV_EXIT_FAIL;
			if (!s) {
				fprintf(stderr, "Error from server (NotFound): services \"%s\" not found\n", name);
				json_object_put(svcs);
				return PV_EXIT_FAIL;
			}
			if (service_target(s, spec, ip, sizeof(ip), &f[nf].remote) < 0) {
				json_object_put(svcs);
				return PV_EXIT_FAIL;
			}
			json_object_put(svcs);
			if (!colon && parse_port(spec, &f[nf].local) < 0)
				return pv_cli_usage_error(&cmd, "'%s' is a port's name: say LOCAL:%s", spec, spec);
		} else if (!colon) {
			f[nf].local = f[nf].remote;
		}
		nf++;
	}
	if (!(pods = ask(state, "pods")))
		return PV_EXIT_FAIL;
	if (svc) { /* the pod with the endpoint's address */
		struct json_object *items = NULL;

		json_object_object_get_ex(pods, "items", &items);
		for (size_t i = 0; items && i < json_object_array_length(items) && !pod; i++)
			if (!strcmp(pv_json_str(json_object_array_get_idx(items, i), "podIP", ""), ip))
				pod = json_object_array_get_idx(items, i);
	} else {
		pod = find(pods, ns, name);
	}
	if (!pod) {
		fprintf(stderr, svc ? "error: the pod behind service %s (%s) is gone\n"
				    : "Error from server (NotFound): pods \"%s\" not found\n", name, ip);
		json_object_put(pods);
		return PV_EXIT_FAIL;
	}
	if (strcmp(pv_json_str(pod, "phase", ""), "Running") != 0 || pv_json_int(pod, "initPid") <= 0) {
		fprintf(stderr, "error: unable to forward port because pod is not running. Current status=%s\n",
			pv_json_str(pod, "phase", ""));
		json_object_put(pods);
		return PV_EXIT_FAIL;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pv_json_int(pod, "initPid"), 0);
	json_object_put(pods);
	if (pidfd < 0) {
		fprintf(stderr, "error: the pod's processes cannot be reached: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	for (size_t i = 0; i < nf; i++) {
		if (listen_on(address, &f[i]) < 0) {
			rc = PV_EXIT_FAIL;
			goto out;
		}
		printf("Forwarding from %s:%d -> %d\n", address, f[i].local, f[i].remote);
	}
	fflush(stdout);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT; /* the connections' processes reap themselves */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!stop) {
		struct pollfd p[MAX_PORTS];

		for (size_t i = 0; i < nf; i++)
			p[i] = (struct pollfd){ f[i].fd, POLLIN, 0 };
		if (poll(p, nf, -1) < 0)
			continue; /* EINTR: a signal; stop is looked at */
		for (size_t i = 0; i < nf; i++) {
			int c;
			pid_t pid;

			if (!(p[i].revents & POLLIN) || (c = accept4(f[i].fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
				continue;
			printf("Handling connection for %d\n", f[i].local);
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				for (size_t j = 0; j < nf; j++)
					close(f[j].fd);
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				serve(c, pidfd, f[i].remote);
			}
			if (pid < 0)
				fprintf(stderr, "E: an error occurred forwarding %d: fork: %s\n", f[i].local,
					strerror(errno));
			close(c);
		}
	}
	rc = PV_EXIT_OK;
out:
	for (size_t i = 0; i < nf; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	close(pidfd);
	return rc;
}
