/* After a daemon restart: take back the pods that are still running, as
 * the state directory describes them, without starting any twice. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/network/podnet.h"
#include "supervisor/pods/pods.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/core/proc.h"
#include "supervisor/runtime/cgroup.h"
#include "supervisor/runtime/shim.h"

/* How long adoption waits for an init it killed to be gone (its range of
 * ids is kept while it is not: pv_idpool_retain). */
#define END_INIT_WAIT_MS 5000

static struct json_object *read_in(const char *dir, const char *name)
{
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };
	struct json_object *j;

	if (asprintf(&path, "%s/%s", dir, name) < 0 || access(path, F_OK) != 0)
		return NULL;
	if (!(j = pv_read_json(path, &err)))
		pv_warn("adopting: %s", err.msg);
	return j;
}

/* The exit file as the shim writes it (this version's or an older one's):
 * the reason is Kubernetes' string, "Error" when there is none. */
static void adopt_exit(struct pv_crt *c, struct json_object *ex)
{
	const char *reason = pv_json_str(ex, "reason", NULL);

	c->term.set = true;
	c->term.exit_code = (int)pv_json_int(ex, "exitCode");
	c->term.signal = (int)pv_json_int(ex, "signal");
	c->term.reason = reason ? pv_reason_parse(reason) : PV_R_ERROR;
	snprintf(c->term.message, sizeof(c->term.message), "%s", pv_json_str(ex, "message", NULL) ?: "");
	pv_stamp_seconds(c->term.finished_at, sizeof(c->term.finished_at),
			 pv_json_str(ex, "finishedAt", NULL));
	pv_crt_apply(c, PV_CE_ADOPT_EXITED, NULL);
}

/* Returns true when the container is still running under its shim. */
static bool adopt_container(struct pv_crt *c, struct json_object *pod)
{
	cleanup_free char *dir = pv_container_dir(c);
	struct json_object *st, *ex;
	char key[300];
	bool alive = false;

	snprintf(key, sizeof(key), "restarts.%s", c->spec->name.v);
	c->restarts = (int)pv_json_int(pod, key);
	if (!dir)
		return false;
	st = read_in(dir, PV_SHIM_STATE);
	ex = read_in(dir, PV_SHIM_EXIT);
	if (ex) {
		adopt_exit(c, ex);
	} else if (st) {
		pid_t shim = (pid_t)pv_json_int(st, "shimPid");

		c->shim_pidfd = pv_pidfd_open(shim, 0);
		if (c->shim_pidfd >= 0) {
			c->shim_pid = shim;
			c->shim_w = pv_loop_add(c->pod->d->loop, c->shim_pidfd, EPOLLIN,
						pv_container_shim_exited, c);
			pv_crt_apply(c, PV_CE_ADOPT_RUNNING,
				     &(struct pv_crt_arg){ .pid = (pid_t)pv_json_int(st, "pid"),
							   .start = (uint64_t)pv_json_int(st, "start") });
			if (pv_json_str(st, "startedAt", NULL))
				pv_stamp_seconds(c->started_at, sizeof(c->started_at),
						 pv_json_str(st, "startedAt", NULL));
			alive = true;
		}
	}
	json_object_put(st);
	json_object_put(ex);
	return alive;
}

static int load_spec(struct pv_prt *p)
{
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	struct pv_err err = { 0 };
	size_t len = 0;

	if (asprintf(&path, "%s/pod-spec.json", p->dir) < 0)
		return -1;
	buf = pv_read_file(path, PV_MAX_FILE_SIZE, &len, &err);
	if (!buf) {
		pv_warn("adopting: %s", err.msg);
		return -1;
	}
	if (!(p->spec_file = pv_file_new_buf("pod-spec.json", buf, len)) || p->spec_file->failed ||
	    p->spec_file->nobjects != 1) {
		pv_warn("adopting: %s does not load", path);
		return -1;
	}
	p->spec = (const struct pv_pod *)p->spec_file->objects[0].obj;
	return 0;
}

/* Its init containers done (each ended with 0, or a sidecar running), or
 * the one whose turn it is. */
static void settle(struct pv_prt *p)
{
	bool init_done = true;

	for (p->next_init = 0; p->next_init < p->ninit; p->next_init++) {
		const struct pv_crt *c = &p->containers[p->next_init];

		if (pv_crt_sidecar(c) && c->state == PV_C_RUNNING)
			continue; /* started before the daemon left */
		if (!(c->state == PV_C_ENDED && c->term.exit_code == 0)) {
			init_done = false;
			break;
		}
	}
	pv_pod_apply(p, init_done ? PV_PE_ADOPT_RUNNING : PV_PE_ADOPT_STARTING);
}

/* P's init, if it is still the one its record names, killed (PID 1: its
 * whole PID namespace, the containers, goes with it), and waited for a
 * while: whether there was one. */
static bool end_init(struct pv_prt *p)
{
	int fd = p->init_pid > 0 ? pv_pidfd_open(p->init_pid, p->init_start) : -1;
	struct pollfd pf = { fd, POLLIN, 0 };

	if (fd < 0)
		return false;
	pv_pidfd_signal(fd, SIGKILL);
	while (poll(&pf, 1, END_INIT_WAIT_MS) < 0 && errno == EINTR)
		;
	close(fd);
	return true;
}

static void pod_cgroup_remove(const struct pv_daemon *d, const char *dir)
{
	char cg[512];

	snprintf(cg, sizeof(cg), "%s/pod-%s", d->cgroup_parent, strrchr(dir, '/') + 1);
	pv_cg_pod_remove(cg);
}

static void adopt_one(struct pv_daemon *d, const char *dir)
{
	struct json_object *pod = read_in(dir, "pod.json");
	struct pv_prt *p;
	struct pv_err err = { 0 };
	int running = 0;

	if (!pod || !(p = pv_pod_alloc(d)))
		goto gone;
	snprintf(p->uid, sizeof(p->uid), "%s", pv_json_str(pod, "uid", NULL) ?: "");
	snprintf(p->hash, sizeof(p->hash), "%s", pv_json_str(pod, "hash", NULL) ?: "");
	snprintf(p->created_at, sizeof(p->created_at), "%s", pv_json_str(pod, "createdAt", NULL) ?: "");
	p->created_wall = pv_json_int(pod, "created");
	p->ns = strdup(pv_json_str(pod, "namespace", NULL) ?: "");
	p->name = strdup(pv_json_str(pod, "name", NULL) ?: "");
	p->dir = strdup(dir);
	p->init_pid = (pid_t)pv_json_int(pod, "initPid");
	p->init_start = (uint64_t)pv_json_int(pod, "initStart");
	p->deadline_exceeded = pv_json_int(pod, "deadlineExceeded") != 0;
	{
		struct in_addr a;
		const char *ip = pv_json_str(pod, "ip", "");

		if (*ip && inet_pton(AF_INET, ip, &a) == 1)
			p->ip = ntohl(a.s_addr);
		pv_pod_set_ip(p);
	}
	if (pv_json_int(pod, "starting")) { /* the last daemon left in its start */
		pv_info("pod %s/%s: its start did not finish; ending its init (pid %d) and "
			"cleaning up", p->ns ?: "?", p->name ?: "?", (int)p->init_pid);
		end_init(p);
		goto drop;
	}
	if (!p->ns || !p->name || !p->dir || load_spec(p) < 0 || pv_pod_setup_containers(p) < 0 ||
	    pv_pod_watch_init(p) < 0) {
		/* not adoptable: nothing of it may run on unseen (its ids would
		 * be handed out again) */
		if (end_init(p))
			pv_warn("pod %s/%s: cannot be adopted; its init (pid %d) and containers "
				"ended", p->ns ?: "?", p->name ?: "?", (int)p->init_pid);
		else
			pv_info("pod %s/%s: its init is gone; cleaning up", p->ns ?: "?",
				p->name ?: "?");
		goto drop;
	}
	if (p->ip && p->d->nl && !p->spec->spec.host_network.v &&
	    pv_podnet_neigh(p->d, p->ip, &err) < 0) /* the bridge's MAC set again flushed it */
		pv_warn("pod %s/%s: the node's neighbour entry: %s; found by ARP", p->ns, p->name,
			err.msg);
	for (size_t i = 0; i < p->ncontainers; i++)
		running += adopt_container(&p->containers[i], pod);
	settle(p);
	pv_info("pod %s/%s: adopted (init pid %d, %d container%s running)", p->ns, p->name,
		(int)p->init_pid, running, running == 1 ? "" : "s");
	if (pv_json_int(pod, "deleting")) {
		pv_pod_stop(p, true);
	} else if (p->deadline_exceeded) {
		pv_pod_apply(p, PV_PE_DEADLINE); /* Failed: what still runs stops, nothing restarts */
	} else {
		pv_pod_apply(p, PV_PE_RESUME);
		pv_pod_arm_deadline(p);
	}
	json_object_put(pod);
	return;
drop:
	pv_pod_free(p);
gone:
	/* Its cgroup, named by the directory's name (the uid): also when no
	 * record was written (a daemon killed as it made the pod). */
	pod_cgroup_remove(d, dir);
	json_object_put(pod);
	if (pv_rm_rf(dir, &err) < 0)
		pv_warn("adopting: a pod directory that cannot be adopted stays: %s", err.msg);
}

static bool pod_known(const char *uid, void *data)
{
	const struct pv_daemon *d = data;

	for (size_t i = 0; i < d->npods; i++)
		if (strcmp(d->pods[i]->uid, uid) == 0)
			return true;
	return false;
}

/* The ranges of user namespace ids whose pods did not come back (gone
 * while no daemon ran, or a start the last daemon did not finish). */
static void userns_retain(struct pv_daemon *d)
{
	struct pv_err err = { 0 };
	size_t gone = pv_idpool_retain(&d->userns_pool, pod_known, d, &err);

	if (gone)
		pv_info("adopting: %zu range%s of user namespace ids back to the pool", gone,
			gone == 1 ? "" : "s");
	if (err.msg[0])
		pv_warn("adopting: %s", err.msg);
}

/* The cgroups of pods that did not come back: a pod's directory is its
 * record, and a daemon killed after removing it (or before making it)
 * left a cgroup that no directory names. */
static void cgroup_sweep(struct pv_daemon *d)
{
	size_t gone = pv_cg_pod_sweep(d->cgroup_parent, pod_known, d);

	if (gone)
		pv_info("adopting: removed the cgroups of %zu pod%s that no record names", gone,
			gone == 1 ? "" : "s");
}

void pv_pods_adopt(struct pv_daemon *d)
{
	cleanup_free char *root = NULL;
	DIR *dir;
	struct dirent *e;

	if (asprintf(&root, "%s/pods", d->state) < 0)
		return;
	dir = opendir(root);
	if (!dir) {
		if (errno == ENOENT) { /* no pod at all */
			userns_retain(d);
			cgroup_sweep(d);
		}
		return;
	}
	while ((e = readdir(dir))) {
		cleanup_free char *path = NULL;

		if (e->d_name[0] == '.' || asprintf(&path, "%s/%s", root, e->d_name) < 0)
			continue;
		adopt_one(d, path);
	}
	closedir(dir);
	userns_retain(d);
	cgroup_sweep(d);
}
