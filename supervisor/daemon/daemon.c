/* podvisor daemon: the event loop that makes the node match the
 * manifests directory. */
#include "supervisor/daemon/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
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
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/api/api.h"
#include "supervisor/services/dns.h"
#include "supervisor/core/command.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/network/podnet.h"
#include "supervisor/network/bridgeheal.h"
#include "supervisor/network/nodeaddr.h"
#include "supervisor/daemon/daemon_opts.h"
#include "supervisor/daemon/images_import.h"
#include "supervisor/daemon/manifests_dir.h"
#include "supervisor/daemon/notify.h"
#include "supervisor/daemon/pid1.h"
#include "supervisor/statusdir/statusdir.h"
#include "supervisor/node/pod.h"
#include "supervisor/runtime/journal.h"
#include "supervisor/pods/pods.h"
#include "supervisor/pods/pods_pull.h"
#include "supervisor/reconcile/reconcile.h"
#include "supervisor/controllers/controllers.h"
#include "supervisor/services/services.h"
#include "supervisor/storage/storage.h"
#include "supervisor/source/watch.h"



/* Once the passes have been quiet for TRIM_QUIET_MS, the heap's free
 * pages go back to the kernel: a burst (500 pods started, each pass's
 * rendering and status JSON) leaves megabytes of free chunks between
 * live ones, which the heap's top trim alone never returns. */
#define TRIM_QUIET_MS 2000
static struct pv_timer *trim_timer;

static void trim_fired(void *data)
{
	(void)data;
	malloc_trim(0);
}

/* The status directory (statusdir.h); NULL with --status-dir none. */
static struct pv_statusdir *statusdir;

/* systemd's Type=notify (notify.h); NULL when not asked. */
static struct pv_notify *notify;
static struct pv_imports *imports; /* the images-import directory's, or NULL */

/* After a pass: READY=1 after the first (the pods that ran before are
 * adopted, the others started), then STATUS= as the counts change. */
static void tell_systemd(const struct pv_daemon *d)
{
	char status[128];
	size_t running = 0;

	if (!notify)
		return;
	for (size_t i = 0; i < d->npods; i++)
		running += d->pods[i]->state == PV_P_RUNNING;
	snprintf(status, sizeof(status), "%zu pods, %zu running", d->npods, running);
	pv_notify_ready(notify, status);
	pv_notify_status(notify, status);
}

static void reconcile_fired(void *data)
{
	struct pv_daemon *d = data;

	pv_reconcile_run(d);
	tell_systemd(d);
	pv_statusdir_kick(statusdir);
	if (trim_timer)
		pv_timer_arm(trim_timer, TRIM_QUIET_MS);
	/* Shutting down with the pods: the last one gone ends the loop. */
	if (d->quitting && d->shutdown_pods && pv_pods_all_gone(d))
		pv_loop_quit(d->loop);
}

/* ---- signals and images ---- */

static void on_signal(void *data, int fd, uint32_t events)
{
	struct pv_daemon *d = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			pv_reap_children();
			break;
		case SIGHUP:
			pv_info("SIGHUP: rescanning %s", d->manifests);
			pv_manifests_recheck(d);
			pv_imports_rescan(imports);
			break;
		default:
			pv_notify_stopping(notify);
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
	sigaddset(&m, SIGPWR); /* as PID 1: the power is going (poweroff, a UPS) */
	sigprocmask(SIG_BLOCK, &m, NULL);
	pv_signal(SIGPIPE, SIG_IGN);
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

static void check_journal(const struct pv_daemon *d)
{
	int fd;

	if (!d->log_journald)
		return;
	if ((fd = pv_journal_open()) < 0)
		pv_warn("--log-journald: no journal at %s (%s); container logs go to their files "
			"only", PV_JOURNAL_SOCKET, strerror(errno));
	else
		close(fd);
}

/* Before adoption: the ranges the running pods hold. */
static void open_userns_pool(struct pv_daemon *d)
{
	struct pv_idpool *p = &d->userns_pool;
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };

	if (asprintf(&path, "%s/userns.json", d->state) < 0 ||
	    pv_idpool_open(p, p->start, (uint64_t)p->nranges * PV_IDPOOL_RANGE, path, &err) < 0)
		pv_error("user namespaces: %s; pods with hostUsers: false will not start",
			 err.msg[0] ? err.msg : strerror(errno));
}

/* What the desired set may read, and where it keeps the versions in force. */
static int source_setup(struct pv_daemon *d)
{
	static char *saved_dir;
	size_t n = strlen(d->manifests);

	while (n > 1 && d->manifests[n - 1] == '/') /* the paths scan and watch make */
		d->manifests[--n] = '\0';
	if (asprintf(&saved_dir, "%s/manifests", d->state) < 0)
		return -1;
	d->desired.admit.root = d->manifests;
	pv_daemon_admit_setup(d);
	d->desired.saved.dir = saved_dir;
	d->desired.saved.root = d->manifests;
	return 0;
}

/* The images-import directory, unless "none". */
static struct pv_imports *start_imports(struct pv_daemon *d)
{
	const char *set = pv_daemon_images_import_dir();
	cleanup_free char *dir = NULL;
	struct pv_err err = { 0 };
	struct pv_imports *im;

	if (set && strcmp(set, "none") == 0)
		return NULL;
	if (!(dir = set ? strdup(set) : NULL) && asprintf(&dir, "%s/images-import", d->state) < 0)
		return NULL;
	if (!(im = pv_imports_new(d, dir, &err)))
		pv_warn("images-import %s: %s; images dropped there are not imported", dir, err.msg);
	return im;
}

static int run(struct pv_daemon *d)
{
	struct pv_err err = { 0 };
	struct pv_watcher *w;
	struct pv_api *api;
	int lock;

	/* nohup's SIGHUP, a shell's SIGINT: the daemon's to ignore, not the
	 * pods' (proc.h); known before the spawner is forked. */
	pv_signals_adopt();
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
	pv_daemon_events_open(d); /* before the first event */
	if (!(d->loop = pv_loop_new()) || setup_signals(d) < 0 ||
	    !(d->reconcile = pv_timer_new(d->loop, reconcile_fired, d)) ||
	    !(trim_timer = pv_timer_new(d->loop, trim_fired, d)) ||
	    watch_images(d) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	pv_notify_start(notify, d->loop);
	if (source_setup(d) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", strerror(errno));
		return PV_EXIT_FAIL;
	}
	w = pv_manifests_watch(d, &err);
	api = pv_api_new(d, &err);
	if (!w || !api) {
		fprintf(stderr, "podvisor daemon: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	if (!d->status_dir && asprintf(&d->status_dir, "%s/status", d->state) < 0)
		d->status_dir = NULL;
	if (d->status_dir && strcmp(d->status_dir, "none") != 0 &&
	    !(statusdir = pv_statusdir_new(d, d->status_dir, &err)))
		pv_warn("status directory %s: %s; none is kept", d->status_dir, err.msg);
	err = (struct pv_err){ 0 };
	d->network = pv_podnet_init(d, &err) == 0;
	if (d->network)
		pv_bridge_watch_start(d);
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
	if (!(d->services = pv_services_new_mode(d, pv_daemon_proxy_mode(), &err)))
		pv_warn("services: %s", err.msg);
	if (d->network && !(d->dns = pv_dns_new(d, &err)))
		pv_warn("cluster DNS unavailable (%s); pods use the node's resolver", err.msg);
	pv_info("podvisor daemon: manifests %s, state %s, node %s", d->manifests, d->state,
		d->node_name);
	open_userns_pool(d);
	check_journal(d);
	pv_daemon_pull_setup();
	pv_pulls_sweep(d->state);
	pv_pods_adopt(d);
	pv_manifests_rescan(d);
	imports = start_imports(d);
	pv_daemon_kick(d);
	pv_loop_run(d->loop);
	pv_imports_free(imports);
	imports = NULL;
	pv_bridge_watch_stop(d);
	if (d->shutdown_pods) {
		/* Nothing of ours stays: rules, the bridge and its address. */
		pv_services_clear(d);
		pv_podnet_fini(d);
	}
	pv_pulls_stop(d);
	pv_dns_free(d->dns);
	pv_controllers_free(d);
	pv_storage_free(d->storage);
	pv_services_free(d->services);
	pv_api_free(api);
	pv_watcher_free(w);
	pv_spawner_stop(&d->spawner);
	pv_notify_free(notify);
	pv_statusdir_free(statusdir);
	pv_idpool_close(&d->userns_pool);
	close(lock);
	return PV_EXIT_OK;
}

int pv_cmd_daemon(int argc, char **argv)
{
	static struct pv_daemon d;
	bool machine;
	int rc;

	pv_proc_bind_now(); /* before anything is done twice */
	if (pv_pid1())
		pv_pid1_hostname(); /* before defaults() takes it as the node name */
	rc = pv_daemon_parse(argc, argv, &d);
	if (rc)
		return rc > 0 ? PV_EXIT_OK : PV_EXIT_USAGE;
	pv_desired_init(&d.desired);
	notify = pv_notify_new(); /* before anything is forked: see notify.h */
	if (pv_pid1()) { /* see pid1.h */
		pv_pid1_mounts();
		d.shutdown_pods = true;
	}
	machine = pv_pid1_machine();
	if (machine)
		pv_pid1_machine_init();
	/* Our children (pod inits, shims) are reparented to us if we run as a
	 * subreaper; as PID 1 we reap everything anyway. */
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	rc = run(&d);
	if (machine)
		pv_pid1_poweroff(); /* exiting would panic the kernel */
	return rc;
}
