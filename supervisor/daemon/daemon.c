/* podvisor daemon: the event loop that makes the node match the
 * manifests directory. */
#include "supervisor/daemon/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/names.h"
#include "supervisor/api/api.h"
#include "supervisor/services/dns.h"
#include "supervisor/core/command.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/network/podnet.h"
#include "supervisor/network/nodeaddr.h"
#include "supervisor/daemon/nodeconf.h"
#include "supervisor/pods/pods.h"
#include "supervisor/reconcile/reconcile.h"
#include "supervisor/controllers/controllers.h"
#include "supervisor/source/scan.h"
#include "supervisor/services/services.h"
#include "supervisor/storage/storage.h"
#include "supervisor/source/watch.h"
#include "supervisor/sandbox/secctx.h"
#include "supervisor/sandbox/sysctl.h"
#include "supervisor/sandbox/apparmor.h"

#define REMOVE_DELAY_MS 300 /* a file renamed away and back (vim) is not a delete */

static const char daemon_usage[] =
	"Usage: podvisor daemon --manifests DIR [--state DIR] [OPTIONS]\n"
	"\n"
	"Run the node: watch DIR for Kubernetes manifests and keep the pods they\n"
	"describe running. Runs in the foreground and may be PID 1. Stopping the\n"
	"daemon (SIGTERM, SIGINT, even SIGKILL) never stops a pod: a new daemon\n"
	"takes them back.\n"
	"\n"
	"Files are read when written completely (close after write, or renamed\n"
	"in), with the same name filter as 'podvisor check'. A file with errors\n"
	"changes nothing: its previous objects stay in force, and the errors are\n"
	"logged as FILE:LINE:COL. Deleting a file deletes its objects. SIGHUP\n"
	"rescans the whole directory.\n"
	"\n"
	"Options:\n"
	"  -m, --manifests DIR        the manifests directory (required)\n"
	"  -s, --state DIR            where pods, images and logs live\n"
	"                             (default $PODVISOR_STATE or /var/lib/podvisor)\n"
	"      --config FILE          node settings as YAML (default /etc/podvisor/node.yaml\n"
	"                             when it exists): nodeName, nodeIP, hostPathAllow\n"
	"                             (a list), localPathRoot, clusterDomain, podCIDR,\n"
	"                             serviceCIDR, nodePortRange, bridge, cgroupParent,\n"
	"                             logMaxBytes, nodeLabels (a mapping), podSecurity,\n"
	"                             allowedUnsafeSysctls (a list);\n"
	"                             options given here win, except --host-path-allow,\n"
	"                             --node-label and --allowed-unsafe-sysctls, which\n"
	"                             add to the file's\n"
	"      --node-name NAME       this node's name (default: the hostname)\n"
	"      --node-label KEY=VALUE a label of this node (repeat for more), matched by\n"
	"                             pods' nodeSelector and node affinity; the node\n"
	"                             also has kubernetes.io/hostname, kubernetes.io/os\n"
	"                             and kubernetes.io/arch. Read at start only: a\n"
	"                             pod left Pending by them waits for a restart\n"
	"      --node-ip ADDR         this node's address, the pods' status.hostIP\n"
	"                             (default: the default route's source address)\n"
	"      --backoff-base MS      CrashLoopBackOff's first delay (default 10000)\n"
	"      --log-max-bytes N      rotate a container's log past N bytes (default 10 MiB)\n"
	"      --cgroup-parent NAME   put pods' cgroups under NAME (default podvisor)\n"
	"      --pod-cidr CIDR        pods' addresses (default 10.88.0.0/16)\n"
	"      --bridge NAME          the node bridge pods attach to (default pv0)\n"
	"      --service-cidr CIDR    Services' cluster IPs (default 10.96.0.0/16)\n"
	"      --node-port-range A-B  ports for NodePort Services (default 30000-32767)\n"
	"      --host-path-allow DIR  pods may have hostPath volumes under DIR (repeat for\n"
	"                             more); without any, everything but system\n"
	"                             locations (/etc, /usr, /proc, /run, ...) and the\n"
	"                             state directory is allowed\n"
	"      --local-path-root DIR  where StorageClass provisioner podvisor.io/local-path\n"
	"                             makes a directory per claim (default\n"
	"                             /var/lib/podvisor/volumes)\n"
	"      --cluster-domain NAME  the DNS zone of Services and pods (default\n"
	"                             cluster.local); served on the bridge address\n"
	"      --pod-security LEVEL   the Pod Security Standard pods are held to:\n"
	"                             privileged (the default: no check, Docker's\n"
	"                             defaults), baseline (no privileged, host\n"
	"                             namespaces, hostPath, hostPort, added\n"
	"                             capabilities beyond Docker's), or restricted\n"
	"                             (baseline, and a container that does not say\n"
	"                             otherwise runs with runAsNonRoot: true,\n"
	"                             allowPrivilegeEscalation: false, capabilities\n"
	"                             drop ALL add NET_BIND_SERVICE). A pod asking\n"
	"                             for more is refused: CreateContainerConfigError\n"
	"                             and an event naming the field\n"
	"      --allowed-unsafe-sysctls PATTERN\n"
	"                             pods may also set the sysctls PATTERN matches\n"
	"                             (a name, or a prefix ending in *: net.core.*;\n"
	"                             repeat for more) besides the kubelet's safe set\n"
	"                             (kernel.shm_rmid_forced,\n"
	"                             net.ipv4.ip_local_port_range, ...). Namespaced\n"
	"                             ones only: kernel.shm*, kernel.msg*, kernel.sem,\n"
	"                             fs.mqueue.*, net.*. A pod asking for another is\n"
	"                             refused: Failed, SysctlForbidden, and a Warning\n"
	"                             event naming it\n"
	"      --shutdown-pods-on-exit  stop every pod gracefully before exiting\n"
	"                             (for PID 1 and poweroff)\n"
	"  -v, --verbose              log debug messages\n"
	"  -h, --help                 show this help\n";

struct pending_rm {
	char *path;
	int64_t due;
};

static struct {
	struct pending_rm *v;
	size_t n;
	struct pv_timer *timer;
} removals;

static void reconcile_fired(void *data)
{
	struct pv_daemon *d = data;

	pv_reconcile_run(d);
	/* Shutting down with the pods: the last one gone ends the loop. */
	if (d->quitting && d->shutdown_pods && pv_pods_all_gone(d))
		pv_loop_quit(d->loop);
}

/* ---- the manifests directory ---- */

static void report_load(struct pv_daemon *d, const struct pv_dfile *f)
{
	const struct pv_file *bad = f->failed;
	char obj[4200];

	snprintf(obj, sizeof(obj), "file:%s", f->path);
	for (size_t i = 0; bad && i < bad->diags.n; i++) {
		const struct pv_diag *g = &bad->diags.v[i];

		if (g->sev != PV_SEV_ERROR)
			continue;
		pv_error("%s:%u:%u: error: %s%s%s", f->path, g->loc.line, g->loc.col, g->path,
			 g->path[0] ? ": " : "", g->msg);
	}
	pv_daemon_event(d, obj, true, "FailedLoad", "%zu error%s; %s", bad ? bad->diags.nerrors : 0,
			bad && bad->diags.nerrors == 1 ? "" : "s",
			f->good ? "the previous version stays in force" : "nothing from it is applied");
}

/* A Normal event on the file: proof for whoever edits the directory
 * that the daemon read their change, and what it made of it. */
static void file_event(struct pv_daemon *d, const char *path, const char *reason, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
static void file_event(struct pv_daemon *d, const char *path, const char *reason, const char *fmt,
		       ...)
{
	char obj[4200], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(obj, sizeof(obj), "file:%s", path);
	pv_daemon_event(d, obj, false, reason, "%s", msg);
}

/* A Warning "NotActedOn" on each object of a newly loaded file for each
 * kind or field in it that podvisor does not act on (manifests/support.c):
 * said once per load, not on every reconcile. */
static void report_unacted(struct pv_daemon *d, const struct pv_file *f)
{
	for (size_t i = 0; i < f->diags.n; i++) {
		const struct pv_diag *g = &f->diags.v[i];
		const struct pv_object *ob;
		const struct pv_meta *m;
		char obj[600], kind[64];
		size_t j;

		if (!g->unacted || !g->object || g->object > f->nobjects)
			continue;
		ob = &f->objects[g->object - 1];
		m = &ob->obj->metadata;
		for (j = 0; ob->kind->name[j] && j < sizeof(kind) - 1; j++)
			kind[j] = (char)(ob->kind->name[j] | 0x20); /* ASCII letters only */
		kind[j] = '\0';
		if (ob->kind->namespaced)
			snprintf(obj, sizeof(obj), "%s/%s/%s", kind, m->namespace.v, m->name.v);
		else
			snprintf(obj, sizeof(obj), "%s/%s", kind, m->name.v);
		pv_daemon_event(d, obj, true, "NotActedOn", "%s: %s (%s:%u:%u)", g->path, g->msg,
				f->path, g->loc.line, g->loc.col);
	}
}

static void cancel_removal(const char *path)
{
	for (size_t i = 0; i < removals.n; i++) {
		if (strcmp(removals.v[i].path, path) != 0)
			continue;
		free(removals.v[i].path);
		removals.v[i] = removals.v[--removals.n];
		return;
	}
}

static void file_changed(void *data, const char *path)
{
	struct pv_daemon *d = data;
	struct pv_dfile *f = pv_desired_find(&d->desired, path);
	bool had_good = f && f->good;

	cancel_removal(path);
	switch (pv_desired_apply(&d->desired, path, &f)) {
	case PV_APPLY_UNCHANGED:
		file_event(d, path, "Unchanged", "the same bytes as last read; nothing to do");
		break;
	case PV_APPLY_LOADED:
		file_event(d, path, had_good ? "Updated" : "Loaded", "%zu object%s in force (generation %llu)",
			   f->good->nobjects, f->good->nobjects == 1 ? "" : "s",
			   (unsigned long long)d->desired.generation);
		report_unacted(d, f->good);
		pv_daemon_kick(d);
		break;
	case PV_APPLY_FAILED:
		if (f)
			report_load(d, f);
		break;
	}
}

static void removals_fired(void *data)
{
	struct pv_daemon *d = data;
	int64_t now = pv_now_ms(), next = 0;

	for (size_t i = 0; i < removals.n;) {
		struct pending_rm *r = &removals.v[i];

		if (r->due > now) {
			next = next && next < r->due ? next : r->due;
			i++;
			continue;
		}
		if (access(r->path, F_OK) != 0 && pv_desired_remove(&d->desired, r->path)) {
			file_event(d, r->path, "Removed", "its objects are deleted (generation %llu)",
				   (unsigned long long)d->desired.generation);
			pv_daemon_kick(d);
		}
		free(r->path);
		*r = removals.v[--removals.n];
	}
	if (next)
		pv_timer_arm(removals.timer, next - now);
}

static void file_removed(void *data, const char *path)
{
	struct pending_rm *v;

	(void)data;
	cancel_removal(path);
	v = realloc(removals.v, (removals.n + 1) * sizeof(*v));
	if (!v)
		return;
	removals.v = v;
	v[removals.n].path = strdup(path);
	v[removals.n].due = pv_now_ms() + REMOVE_DELAY_MS;
	if (v[removals.n].path)
		removals.n++;
	if (!pv_timer_armed(removals.timer))
		pv_timer_arm(removals.timer, REMOVE_DELAY_MS);
}

static bool listed(const struct pv_pathlist *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], path) == 0)
			return true;
	return false;
}

static void rescan(void *data)
{
	struct pv_daemon *d = data;
	struct pv_pathlist now = { 0 };
	struct pv_err err = { 0 };
	bool complete = true;

	/* A scan that failed part-way lists only some files: the others are
	 * unknown, not deleted, and keep their objects. */
	if (access(d->manifests, F_OK) == 0 && pv_scan_dir(d->manifests, &now, &err) < 0) {
		pv_warn("rescan: %s; nothing is deleted until the directory can be read whole",
			err.msg);
		complete = false;
	}
	for (size_t i = d->desired.n; complete && i-- > 0;) {
		const char *path = d->desired.files[i]->path;

		if (!listed(&now, path)) {
			char *gone = strdup(path);

			pv_desired_remove(&d->desired, path);
			file_event(d, gone ? gone : "?", "Removed", "gone at a rescan; its objects are deleted "
				   "(generation %llu)", (unsigned long long)d->desired.generation);
			free(gone);
			pv_daemon_kick(d);
		}
	}
	for (size_t i = 0; i < now.n; i++)
		file_changed(d, now.v[i]);
	pv_pathlist_free(&now);
}

static const struct pv_watcher_ops watch_ops = {
	.changed = file_changed,
	.removed = file_removed,
	.rescan = rescan,
};

/* ---- signals and images ---- */

static void on_signal(void *data, int fd, uint32_t events)
{
	struct pv_daemon *d = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case SIGHUP:
			pv_info("SIGHUP: rescanning %s", d->manifests);
			rescan(d);
			break;
		default:
			if (d->shutdown_pods && !d->quitting) {
				pv_info("%s: stopping every pod, then exiting", strsignal((int)si.ssi_signo));
				d->quitting = true;
				pv_pods_stop_all(d);
			} else {
				pv_info("%s: exiting; pods keep running", strsignal((int)si.ssi_signo));
				pv_loop_quit(d->loop);
			}
		}
	}
	if (d->quitting && d->shutdown_pods && pv_pods_all_gone(d))
		pv_loop_quit(d->loop);
}

static void on_images(void *data, int fd, uint32_t events)
{
	char buf[4096];

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pv_daemon_kick(data);
}

static int watch_images(struct pv_daemon *d)
{
	cleanup_free char *dir = NULL;
	struct pv_err err = { 0 };
	int fd;

	if (asprintf(&dir, "%s/images/refs", d->state) < 0)
		return -1;
	if (pv_mkdir_p(dir, 0700, &err) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", err.msg);
		return -1;
	}
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) < 0)
		return -1;
	return pv_loop_add(d->loop, fd, EPOLLIN, on_images, d) ? 0 : -1;
}

static int setup_signals(struct pv_daemon *d)
{
	sigset_t m;
	int fd;

	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, SIGINT);
	sigaddset(&m, SIGHUP);
	sigaddset(&m, SIGQUIT);
	sigprocmask(SIG_BLOCK, &m, NULL);
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &m, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd >= 0 && pv_loop_add(d->loop, fd, EPOLLIN, on_signal, d) ? 0 : -1;
}

/* One daemon per state directory. */
/* The state directory holds Secrets' manifests, claims and the API
 * socket: root's alone, even when someone made it before us with 0755. */
static void tighten_state(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0 && (st.st_mode & 077)) {
		if (chmod(dir, 0700) < 0)
			pv_warn("state directory %s is mode %04o and could not be made 0700: %s",
				dir, (unsigned)(st.st_mode & 07777), strerror(errno));
		else
			pv_warn("state directory %s was mode %04o; now 0700", dir,
				(unsigned)(st.st_mode & 07777));
	}
}

static int lock_state(const char *state)
{
	cleanup_free char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/lock", state) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		errno = EBUSY;
		return -1;
	}
	return fd;
}

static int parse_port_range(const char *s, struct pv_daemon *d)
{
	unsigned int lo, hi;
	char extra;

	if (sscanf(s, "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi)
		return -1;
	d->nodeport_min = lo;
	d->nodeport_max = hi;
	return 0;
}

static const struct option daemon_opts[] = {
	{ "manifests", required_argument, NULL, 'm' },
	{ "state", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'F' },
	{ "node-name", required_argument, NULL, 'N' },
	{ "node-ip", required_argument, NULL, 'I' },
	{ "node-label", required_argument, NULL, 'l' },
	{ "local-path-root", required_argument, NULL, 'V' },
	{ "backoff-base", required_argument, NULL, 'B' },
	{ "log-max-bytes", required_argument, NULL, 'L' },
	{ "shutdown-pods-on-exit", no_argument, NULL, 'X' },
	{ "cgroup-parent", required_argument, NULL, 'C' },
	{ "pod-cidr", required_argument, NULL, 'P' },
	{ "bridge", required_argument, NULL, 'b' },
	{ "service-cidr", required_argument, NULL, 'S' },
	{ "node-port-range", required_argument, NULL, 'R' },
	{ "cluster-domain", required_argument, NULL, 'D' },
	{ "host-path-allow", required_argument, NULL, 'H' },
	{ "pod-security", required_argument, NULL, 'Y' },
	{ "allowed-unsafe-sysctls", required_argument, NULL, 'U' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_positive(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* --node-label KEY=VALUE: added, or KEY's value replaced. */
static int add_node_label(struct pv_daemon *d, const char *arg)
{
	const char *eq = strchr(arg, '='), *why;
	cleanup_free char *key = NULL, *dup = NULL;
	char **v;

	if (!eq || !(key = strndup(arg, (size_t)(eq - arg))))
		return fprintf(stderr, "podvisor daemon: --node-label %s: KEY=VALUE is needed\n",
			       arg), -1;
	if ((why = pv_check_qualified_name(key)) || (why = pv_check_label_value(eq + 1)))
		return fprintf(stderr, "podvisor daemon: --node-label %s: %s\n", arg, why), -1;
	if (!(dup = strdup(arg)))
		return -1;
	for (size_t i = 0; i < d->nnode_labels; i++) {
		if (strncmp(d->node_labels[i], arg, (size_t)(eq - arg) + 1) == 0) {
			free(d->node_labels[i]);
			d->node_labels[i] = steal_pointer(&dup);
			return 0;
		}
	}
	if (!(v = reallocarray(d->node_labels, d->nnode_labels + 1, sizeof(*v))))
		return -1;
	d->node_labels = v;
	v[d->nnode_labels++] = steal_pointer(&dup);
	return 0;
}

/* --allowed-unsafe-sysctls PATTERN: checked as the kubelet checks it, added. */
static int add_unsafe_sysctl(struct pv_daemon *d, const char *arg)
{
	struct pv_err err = { 0 };
	char **v, *dup = NULL;

	if (pv_sysctl_pattern_check(arg, &err) < 0)
		return fprintf(stderr, "podvisor daemon: --allowed-unsafe-sysctls %s: %s\n", arg,
			       err.msg), -1;
	if (!(v = reallocarray(d->allowed_unsafe_sysctls, d->nallowed_unsafe_sysctls + 1,
			       sizeof(*v))) || !(dup = strdup(arg))) {
		if (v)
			d->allowed_unsafe_sysctls = v;
		return fprintf(stderr, "podvisor daemon: out of memory\n"), -1;
	}
	d->allowed_unsafe_sysctls = v;
	v[d->nallowed_unsafe_sysctls++] = dup;
	return 0;
}

/* A node setting, from the command line or the node config file. */
static int set_option(struct pv_daemon *d, int c, const char *arg)
{
	switch (c) {
	case 'N':
		free(d->node_name);
		d->node_name = strdup(arg);
		break;
	case 'I': {
		struct in_addr a;

		if (inet_pton(AF_INET, arg, &a) != 1) {
			fprintf(stderr, "podvisor daemon: --node-ip %s: not an IPv4 address\n",
				arg);
			return -1;
		}
		free(d->node_ip);
		d->node_ip = strdup(arg);
		break;
	}
	case 'V':
		if (arg[0] != '/') {
			fprintf(stderr, "podvisor daemon: --local-path-root %s: an absolute "
				"directory is needed\n", arg);
			return -1;
		}
		free(d->local_path_root);
		d->local_path_root = strdup(arg);
		break;
	case 'B':
	case 'L':
		if (parse_positive(arg, c == 'B' ? &d->backoff_base_ms : &d->log_max) < 0) {
			fprintf(stderr, "podvisor daemon: --%s %s: a positive number is needed\n",
				c == 'B' ? "backoff-base" : "log-max-bytes", arg);
			return -1;
		}
		break;
	case 'l':
		return add_node_label(d, arg);
	case 'X':
		d->shutdown_pods = true;
		break;
	case 'C':
		free(d->cgroup_parent);
		d->cgroup_parent = strdup(arg);
		break;
	case 'P':
		if (pv_cidr_parse(arg, &d->pod_cidr) < 0) {
			fprintf(stderr, "podvisor daemon: --pod-cidr %s: not an IPv4 CIDR "
				"like 10.88.0.0/16\n", arg);
			return -1;
		}
		break;
	case 'b':
		free(d->bridge);
		d->bridge = strdup(arg);
		break;
	case 'S':
		if (pv_cidr_parse(arg, &d->service_cidr) < 0) {
			fprintf(stderr, "podvisor daemon: --service-cidr %s: not an IPv4 CIDR "
				"like 10.96.0.0/16\n", arg);
			return -1;
		}
		break;
	case 'H': {
		char **v, *dup;

		if (arg[0] != '/') {
			fprintf(stderr, "podvisor daemon: --host-path-allow %s: an absolute "
				"directory is needed\n", arg);
			return -1;
		}
		v = realloc(d->host_path_allow, (d->nhost_path_allow + 1) * sizeof(*v));
		if (v)
			d->host_path_allow = v; /* the old array is gone once realloc succeeds */
		if (!v || !(dup = strdup(arg))) {
			fprintf(stderr, "podvisor daemon: --host-path-allow %s: out of memory\n", arg);
			return -1;
		}
		v[d->nhost_path_allow++] = dup;
		break;
	}
	case 'D':
		free(d->cluster_domain);
		d->cluster_domain = strdup(arg);
		break;
	case 'Y':
		if ((d->pod_security = pv_podsec_parse(arg)) < 0) {
			fprintf(stderr, "podvisor daemon: --pod-security %s: one of privileged, "
				"baseline, restricted is needed\n", arg);
			return -1;
		}
		break;
	case 'U':
		return add_unsafe_sysctl(d, arg);
	case 'R':
		if (parse_port_range(arg, d) < 0) {
			fprintf(stderr, "podvisor daemon: --node-port-range %s: not a port range "
				"like 30000-32767\n", arg);
			return -1;
		}
		break;
	default:
		return -2;
	}
	return 0;
}

int pv_daemon_option(struct pv_daemon *d, const char *name, const char *value)
{
	int c = 0;

	for (const struct option *o = daemon_opts; o->name && !c; o++)
		c = strcmp(o->name, name) == 0 ? o->val : 0;
	return set_option(d, c, value);
}

/* The node config file: --config FILE, or /etc/podvisor/node.yaml when
 * it exists. Read before the other options, which override it. */
static int load_config(struct pv_daemon *d, int argc, char **argv)
{
	const char *path = NULL;
	struct pv_nodeconf conf;
	struct pv_err err = { 0 };

	/* as getopt_long reads it: --config, or a prefix as short as --co */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (n < 4 || strncmp(a, "--config", n) != 0)
			continue;
		if (eq)
			path = eq + 1;
		else if (i + 1 < argc)
			path = argv[++i];
	}
	if (!path && access(PV_NODECONF_DEFAULT, F_OK) == 0)
		path = PV_NODECONF_DEFAULT;
	if (!path)
		return 0;
	if (pv_nodeconf_load(path, &conf, &err) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", err.msg);
		return -1;
	}
	for (size_t i = 0; i < conf.n; i++) {
		const struct pv_nodeconf_item *it = &conf.items[i];

		/* -2 cannot be: the file's keys are options */
		if (pv_daemon_option(d, it->option, it->value) < 0) {
			fprintf(stderr, "podvisor daemon: (the setting at %s:%u:%u)\n", path, it->line,
				it->col);
			pv_nodeconf_free(&conf);
			return -1;
		}
	}
	pv_nodeconf_free(&conf);
	return 0;
}

static int parse_args(int argc, char **argv, struct pv_daemon *d)
{
	const char *state = NULL;
	int c, rc;

	if (load_config(d, argc, argv) < 0)
		return -1;
	while ((c = getopt_long(argc, argv, "m:s:vh", daemon_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			d->manifests = strdup(optarg);
			break;
		case 's':
			state = optarg;
			break;
		case 'F':
			break; /* read first, by load_config */
		case 'v':
			pv_log_set_level(PV_LOG_DEBUG);
			break;
		case 'h':
			fputs(daemon_usage, stdout);
			return 1;
		default:
			if ((rc = set_option(d, c, optarg)) == 0)
				break;
			if (rc == -2)
				fputs("Try 'podvisor daemon --help'.\n", stderr);
			return -1;
		}
	}
	if (!d->manifests || optind < argc) {
		fputs("podvisor daemon: --manifests DIR is required\n"
		      "Try 'podvisor daemon --help'.\n", stderr);
		return -1;
	}
	d->state = strdup(pv_state_dir(state));
	return 0;
}

static void defaults(struct pv_daemon *d)
{
	char host[256] = "localhost";

	d->backoff_base_ms = 10000;
	d->log_max = 10 * 1024 * 1024;
	gethostname(host, sizeof(host) - 1);
	d->node_name = strdup(host);
	d->cgroup_parent = strdup("podvisor");
	d->bridge = strdup("pv0");
	pv_cidr_parse("10.88.0.0/16", &d->pod_cidr);
	pv_cidr_parse("10.96.0.0/16", &d->service_cidr);
	d->nodeport_min = 30000;
	d->nodeport_max = 32767;
	d->cluster_domain = strdup("cluster.local");
	d->local_path_root = strdup("/var/lib/podvisor/volumes");
	d->apparmor = pv_apparmor_enabled();
}

static int run(struct pv_daemon *d)
{
	struct pv_err err = { 0 };
	struct pv_watcher *w;
	struct pv_api *api;
	int lock;

	/* First, while the daemon is small: see spawner.h. */
	if (pv_spawner_start(&d->spawner, &err) < 0)
		pv_warn("no spawner (%s); pods start by exec", err.msg);
	if (pv_mkdir_p(d->state, 0700, &err) < 0 || (lock = lock_state(d->state)) < 0) {
		fprintf(stderr, "podvisor daemon: %s: %s\n", d->state,
			err.msg[0] ? err.msg : errno == EBUSY ? "another daemon runs on this state "
			"directory" : strerror(errno));
		return PV_EXIT_FAIL;
	}
	tighten_state(d->state);
	if (!(d->loop = pv_loop_new()) || setup_signals(d) < 0 ||
	    !(d->reconcile = pv_timer_new(d->loop, reconcile_fired, d)) ||
	    !(removals.timer = pv_timer_new(d->loop, removals_fired, d)) || watch_images(d) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	w = pv_watcher_new(d->loop, d->manifests, &watch_ops, d, &err);
	api = pv_api_new(d, &err);
	if (!w || !api) {
		fprintf(stderr, "podvisor daemon: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	d->network = pv_podnet_init(d, &err) == 0;
	if (!d->network)
		pv_warn("pod network unavailable (%s); pods get only a loopback", err.msg);
	if (!d->node_ip)
		d->node_ip = pv_node_addr_detect(d->bridge);
	if (!d->node_ip && d->network) {
		char buf[INET_ADDRSTRLEN];
		struct in_addr a = { .s_addr = htonl(d->pod_cidr.net + 1) };

		d->node_ip = strdup(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	}
	if (!(d->storage = pv_storage_new(d, &err)))
		pv_warn("storage: %s; PersistentVolumeClaims will not bind", err.msg);
	if (!(d->services = pv_services_new(d, &err)))
		pv_warn("services: %s", err.msg);
	if (d->network && !(d->dns = pv_dns_new(d, &err)))
		pv_warn("cluster DNS unavailable (%s); pods use the node's resolver", err.msg);
	pv_info("podvisor daemon: manifests %s, state %s, node %s", d->manifests, d->state,
		d->node_name);
	pv_pods_adopt(d);
	rescan(d);
	pv_daemon_kick(d);
	pv_loop_run(d->loop);
	if (d->shutdown_pods) {
		/* Nothing of ours stays: rules, the bridge and its address. */
		pv_services_clear(d);
		pv_podnet_fini(d);
	}
	pv_dns_free(d->dns);
	pv_controllers_free(d);
	pv_storage_free(d->storage);
	pv_services_free(d->services);
	pv_api_free(api);
	pv_watcher_free(w);
	pv_spawner_stop(&d->spawner);
	close(lock);
	return PV_EXIT_OK;
}

int pv_cmd_daemon(int argc, char **argv)
{
	static struct pv_daemon d;
	int rc;

	defaults(&d);
	rc = parse_args(argc, argv, &d);
	if (rc)
		return rc > 0 ? PV_EXIT_OK : PV_EXIT_USAGE;
	pv_desired_init(&d.desired);
	/* Our children (pod inits, shims) are reparented to us if we run as a
	 * subreaper; as PID 1 we reap everything anyway. */
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	return run(&d);
}
