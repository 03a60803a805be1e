/* Containers at run time: the container transition table (pod_fsm.h)
 * applied to the records, and its actions carried out: creating a
 * container (image, spec, shim), what its shim reports (running, exited),
 * restarts with CrashLoopBackOff, signals when its pod stops or a probe
 * kills it (its probes are pods_probes.c's, its lifecycle hooks and the
 * order of stopping pods_hooks.c's). What a container's end means for
 * its pod goes to pods.c as a pod event; a sidecar (an init container
 * with restartPolicy Always) that started lets the next init container
 * start, and is stopped once its pod's app containers completed. Owns
 * the containers' processes, watches and back-off timers. Calls: pod_fsm,
 * pods (pod records, events, the pod table), pod_volumes (mounts),
 * runtime (cspec, shim, spawner), image, pods_pull (an image to pull
 * first), services (the environment), node (the reconcile kick), core. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/signals.h"
#include "supervisor/core/backoff.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/image/image.h"
#include "supervisor/podrules/pod_fsm.h"
#include "supervisor/podvolumes/pod_volumes.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/runtime/idmap.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/sandbox/seccomp.h"
#include "supervisor/sandbox/secctx.h"
#include "supervisor/runtime/shim.h"
#include "supervisor/services/services.h"

static void container_notified(void *data, int fd, uint32_t events);

void pv_crt_close(struct pv_crt *c)
{
	struct pv_loop *l = c->pod->d->loop;

	pv_hook_cancel(c); /* no hook outlives its container's process */
	pv_loop_del(l, c->shim_w);
	pv_loop_del(l, c->notify_w);
	c->shim_w = c->notify_w = NULL;
	if (c->shim_pidfd >= 0)
		close(c->shim_pidfd);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->shim_pidfd = c->notify_fd = c->pidfd = -1;
	c->shim_pid = c->pid = 0;
}

char *pv_container_dir(const struct pv_crt *c)
{
	char *path = NULL;

	if (asprintf(&path, "%s/containers/%s", c->pod->dir, c->spec->name.v) < 0)
		return NULL;
	return path;
}

static void set_resources(const struct pv_crt *c, struct pv_cspec *s)
{
	const struct pv_resources *r = &c->spec->resources;
	const struct pv_qtyval *mem = pv_qtymap_get(&r->limits, "memory");
	const struct pv_qtyval *cpu = pv_qtymap_get(&r->limits, "cpu");
	const struct pv_qtyval *req = pv_qtymap_get(&r->requests, "cpu");

	if (asprintf(&s->cgroup, "%s/pod-%s/%s", c->pod->d->cgroup_parent, c->pod->uid,
		     c->spec->name.v) < 0)
		s->cgroup = NULL;
	s->memory_max = mem ? mem->q.value : 0;
	s->cpu_max_milli = cpu ? cpu->q.milli : 0;
	s->cpu_request_milli = req ? req->q.milli : 0;
}

/* What stops C: its lifecycle.stopSignal, else its image's StopSignal
 * (IMG, or looked up when NULL), else SIGTERM, as the kubelet and runc. */
static int stop_signal_of(const struct pv_crt *c, const struct pv_image *img)
{
	struct pv_image own = { 0 };
	struct pv_err err = { 0 };
	const char *name = c->spec->lifecycle.stop_signal.v;
	int sig = name ? pv_signal_number(name, false) : -1;

	if (sig > 0)
		return sig;
	if (!img && pv_image_lookup(c->pod->d->state, c->spec->image.v, &own, &err) == 0)
		img = &own;
	if (img && img->config.stop_signal)
		sig = pv_signal_number(img->config.stop_signal, true);
	pv_image_free(&own);
	return sig > 0 ? sig : SIGTERM;
}

int pv_crt_stop_signal(struct pv_crt *c)
{
	if (c->stop_signal <= 0) /* adopted from an earlier daemon */
		c->stop_signal = stop_signal_of(c, NULL);
	return c->stop_signal;
}

/* The node's Pod Security level, the effective securityContext, the
 * kubelet's runAsNonRoot check against UID (the resolved runAsUser) or
 * the image's user, and the supplementary groups (supplementalGroups,
 * then fsGroup, as the kubelet passes them). */
static int set_security(const struct pv_crt *c, const struct pv_image *img,
			const struct pv_int *uid, struct pv_cspec *s, struct pv_err *err)
{
	const struct pv_prt *p = c->pod;
	const struct pv_pod_security_context *psc = &p->spec->spec.security_context;
	struct pv_secctx x;
	char pod_id[512];

	if (pv_podsec_check(p->spec, (enum pv_podsec)p->d->pod_security, err) < 0 ||
	    pv_secctx_resolve(p->spec, c->spec, (enum pv_podsec)p->d->pod_security, &x, err) < 0)
		return -1;
	snprintf(pod_id, sizeof(pod_id), "%s_%s(%s)", p->name, p->ns, p->uid);
	if (pv_secctx_verify_non_root(x.run_as_non_root, uid->set ? uid : NULL, img->config.user,
				      pod_id, c->spec->name.v, err) < 0)
		return -1;
	s->caps_set = true;
	s->caps = x.caps;
	s->caps_if_held = x.caps_if_held;
	s->no_new_privs = x.no_new_privs;
	s->privileged = x.privileged;
	s->groups_strict = x.groups_strict;
	s->groups = calloc(psc->supplemental_groups.n + 1, sizeof(*s->groups));
	if (!s->groups)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < psc->supplemental_groups.n; i++)
		s->groups[s->ngroups++] = psc->supplemental_groups.items[i].v;
	if (psc->fs_group.set)
		s->groups[s->ngroups++] = psc->fs_group.v;
	return 0;
}

/* The container's seccomp profile, resolved here so that a bad one is a
 * config error with its file named, not a failed start; its gates see
 * the capabilities set_security resolved. At Pod Security "restricted"
 * a pod naming no profile gets RuntimeDefault whatever the node's
 * default. */
static int container_seccomp(const struct pv_crt *c, struct pv_cspec *s, struct pv_err *err)
{
	const struct pv_daemon *d = c->pod->d;
	const struct pv_seccomp_node node = {
		d->seccomp_profile_root,
		d->seccomp_default || d->pod_security == PV_PODSEC_RESTRICTED,
	};

	return pv_seccomp_resolve(&c->pod->spec->spec.security_context,
				  &c->spec->security_context, s->privileged, s->caps, &node,
				  &s->seccomp, err);
}

/* hostUsers: false: the pod has ids 0-65535 only; one past them would
 * fail the start ("set user: Invalid argument") over and over. */
static bool userns_ids_refused(const struct pv_int *uid, const struct pv_int *gid,
			       const struct pv_cspec *s, struct pv_err *err)
{
	int64_t bad = uid->set && (uint64_t)uid->v > 65535 ? uid->v
		    : gid->set && (uint64_t)gid->v > 65535 ? gid->v : 0;

	for (size_t i = 0; !bad && i < s->ngroups; i++)
		if ((uint64_t)s->groups[i] > 65535)
			bad = s->groups[i];
	if (!bad)
		return false;
	pv_err_set(err, EINVAL, "hostUsers: false: id %lld is not in the pod's user namespace "
		   "(runAsUser, runAsGroup, supplementalGroups and fsGroup must be 0-65535)",
		   (long long)bad);
	return true;
}

static int build_cspec(struct pv_crt *c, struct pv_image *img, struct pv_cspec *s,
		       struct pv_err *err)
{
	struct pv_prt *p = c->pod;
	struct pv_env_ctx ctx = { .pod = p->spec, .pod_uid = p->uid, .node_name = p->d->node_name,
				  .pod_ip = pv_pod_ip(p), .host_ip = p->d->node_ip,
				  .desired = &p->d->desired };
	const struct pv_security_context *sc = &c->spec->security_context;
	const struct pv_pod_security_context *psc = &p->spec->spec.security_context;
	const struct pv_int *uid = sc->run_as_user.set ? &sc->run_as_user : &psc->run_as_user;
	const struct pv_int *gid = sc->run_as_group.set ? &sc->run_as_group : &psc->run_as_group;

	char **own = NULL, **svc_env = pv_services_env(p->d, p->ns);
	uint32_t userns = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	ctx.service_env = svc_env;
	rc = pv_cspec_env(c->spec, &img->config, &ctx, &s->env, &own, err);
	pv_strv_free(svc_env);
	if (rc < 0)
		return -1;
	rc = pv_cspec_argv(c->spec, &img->config, own, &s->argv, err);
	pv_strv_free(own);
	if (rc < 0)
		return -1;
	s->pod_uid = strdup(p->uid);
	s->pod_ns = strdup(p->ns);
	s->pod_name = strdup(p->name);
	s->name = strdup(c->spec->name.v);
	s->init_pid = p->init_pid;
	s->init_start = p->init_start;
	s->cwd = strdup(c->spec->working_dir.v ? c->spec->working_dir.v
			: img->config.working_dir ? img->config.working_dir : "/");
	if (pv_secctx_user(uid, gid, img->config.user, &s->user, err) < 0)
		return -1; /* never root instead */
	s->layers = calloc(img->n_layers + 1, sizeof(char *));
	for (size_t i = 0; s->layers && i < img->n_layers; i++)
		s->layers[i] = strdup(img->layers[i]);
	s->dir = pv_container_dir(c);
	s->pod_dir = strdup(p->dir);
	s->log_max = p->d->log_max;
	s->log_journald = p->d->log_journald;
	s->restart = c->restarts;
	s->read_only_root = sc->read_only_root_filesystem.v;
	/* validated: only with hostUsers: false */
	s->proc_unmasked = c->spec->security_context.proc_mount.v &&
			   strcmp(c->spec->security_context.proc_mount.v, "Unmasked") == 0;
	set_resources(c, s);
	if (pv_pod_userns(p, false, &userns, err) < 0)
		return -1;
	s->userns_base = userns;
	if (!s->pod_uid || !s->name || !s->cwd || !s->layers || !s->dir || !s->pod_dir)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (set_security(c, img, uid, s, err) < 0)
		return -1; /* CreateContainerConfigError */
	if (userns && userns_ids_refused(uid, gid, s, err))
		return -1; /* CreateContainerConfigError */
	if (container_seccomp(c, s, err) < 0)
		return -1; /* CreateContainerConfigError */
	if (pv_pod_mounts(p, c->spec, &s->mounts, &s->nmounts, err) < 0)
		return -2; /* FailedMount */
	return 0;
}

static int prepare_dirs(const char *dir, struct pv_err *err)
{
	static const char *const subs[] = { "upper", "work", "rootfs", "log" };
	char path[4200];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (pv_mkdir_p(path, i == 0 ? 0755 : 0700, err) < 0)
			return -1;
	}
	/* A fresh run: the previous exit and state files are history. */
	snprintf(path, sizeof(path), "%s/%s", dir, PV_SHIM_EXIT);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, PV_SHIM_STATE);
	unlink(path);
	return 0;
}

/* Keep the current run's log and the previous one (for --previous). */
static void forget_old_logs(const char *dir, int64_t restart)
{
	char path[4200];

	for (int64_t r = restart - 2; r >= 0 && r >= restart - 4; r--) {
		snprintf(path, sizeof(path), "%s/log/%lld.log", dir, (long long)r);
		unlink(path);
		snprintf(path, sizeof(path), "%s/log/%lld.log.1", dir, (long long)r);
		unlink(path);
	}
}

/* 0: the spawner forks it, and tells no pid; or the pid of a shim the
 * daemon forked and exec'd itself (no spawner); -1: neither. */
static pid_t spawn_shim(struct pv_daemon *d, const char *dir, int notify)
{
	pid_t pid = pv_spawner_shim(&d->spawner, dir, notify);

	if (pid >= 0)
		return pid;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)"podvisor-shim", (char *)"__shim", (char *)dir, NULL };

		pv_signals_default();
		setsid();
		if (dup2(notify, PV_SHIM_NOTIFY_FD) < 0)
			_exit(127);
		pv_close_from(PV_SHIM_NOTIFY_FD + 1, -1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return pid;
}

static int launch(struct pv_crt *c, const struct pv_cspec *s, struct pv_err *err)
{
	struct json_object *j = pv_cspec_to_json(s);
	cleanup_free char *spec_path = NULL, *bpf_path = NULL;
	int sv[2];
	int rc;

	if (prepare_dirs(s->dir, err) < 0 || asprintf(&spec_path, "%s/%s", s->dir, PV_SHIM_SPEC) < 0 ||
	    asprintf(&bpf_path, "%s/%s", s->dir, PV_SECCOMP_BPF) < 0)
		return json_object_put(j), -1;
	/* compiled here, once per profile, not in every container's setup */
	if (pv_seccomp_save_bpf(s->seccomp, bpf_path, err) < 0)
		return json_object_put(j), -1;
	forget_old_logs(s->dir, s->restart);
	rc = pv_write_json_replace(spec_path, j, err);
	json_object_put(j);
	if (rc < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pv_err_sys(err, errno, "socketpair");
	c->shim_pid = spawn_shim(c->pod->d, s->dir, sv[1]);
	close(sv[1]);
	if (c->shim_pid < 0) {
		close(sv[0]);
		return pv_err_sys(err, errno, "fork");
	}
	c->notify_fd = sv[0];
	/* From the spawner, no pid (spawner.h): the socket's end of file is
	 * the shim's end (container_notified). */
	if (c->shim_pid > 0) {
		c->shim_pidfd = pv_pidfd_open(c->shim_pid, 0);
		c->shim_w = pv_loop_add(c->pod->d->loop, c->shim_pidfd, EPOLLIN,
					pv_container_shim_exited, c);
	}
	c->notify_w = pv_loop_add(c->pod->d->loop, c->notify_fd, EPOLLIN, container_notified, c);
	return 0;
}

/* ---- CREATE: image, spec, shim; the outcome is the next event ---- */

static bool image_name_valid(const char *ref)
{
	char *n = pv_image_ref_normalize(ref, NULL);

	free(n);
	return n != NULL;
}

static void image_failed(struct pv_crt *c, const struct pv_err *err)
{
	const char *name = c->spec->name.v, *image = c->spec->image.v;
	enum pv_cevent ev;
	char msg[512];

	if (err->code != ENOENT && image_name_valid(image)) {
		/* the store is broken (a layer gone, a record damaged): not the
		 * name's fault, so tried again, as an import may mend it */
		pv_pod_event(c->pod, true, PV_EV_FAILED, "container %s: %s", name, err->msg);
		pv_crt_apply(c, PV_CE_CREATE_ERROR, &(struct pv_crt_arg){ .msg = err->msg });
		return;
	}
	if (err->code != ENOENT) {
		pv_pod_event(c->pod, true, PV_EV_INVALID_IMAGE_NAME, "container %s: %s", name, err->msg);
		pv_crt_apply(c, PV_CE_IMAGE_INVALID, &(struct pv_crt_arg){ .msg = err->msg });
		return;
	}
	ev = pv_pull_missing(c, msg, sizeof(msg)); /* by its imagePullPolicy */
	if (ev != PV_CE_IMAGE_MISSING) {
		pv_crt_apply(c, ev, &(struct pv_crt_arg){ .msg = msg });
		return;
	}
	snprintf(msg, sizeof(msg), "image \"%s\" is not in the node's image store and its "
		 "imagePullPolicy is Never; import it with 'podvisor image import SRC %s'",
		 image, image);
	if (!c->term.set) /* for a container that never ran; restarts are quiet */
		pv_pod_event(c->pod, true, PV_EV_ERR_IMAGE_NEVER_PULL, "container %s: %s", name, msg);
	pv_crt_apply(c, PV_CE_IMAGE_MISSING, &(struct pv_crt_arg){ .msg = msg });
}

static void container_create(struct pv_crt *c)
{
	struct pv_prt *p = c->pod;
	struct pv_image img = { 0 };
	struct pv_cspec s = { 0 };
	struct pv_err err = { 0 };
	enum pv_cevent ev = PV_CE_LAUNCHED;
	char msg[512];
	int rc;

	if (pv_pull_first(c, &ev, msg, sizeof(msg))) { /* imagePullPolicy Always */
		pv_pods_retry_later(p->d);
		pv_crt_apply(c, ev, &(struct pv_crt_arg){ .msg = msg });
		return;
	}
	if (pv_image_lookup(p->d->state, c->spec->image.v, &img, &err) < 0) {
		pv_pods_retry_later(p->d);
		image_failed(c, &err);
		return;
	}
	c->stop_signal = stop_signal_of(c, &img);
	if ((rc = build_cspec(c, &img, &s, &err)) < 0) {
		pv_pod_event(p, true, rc == -2 ? PV_EV_FAILED_MOUNT : PV_EV_FAILED, "container %s: %s",
			     c->spec->name.v, err.msg);
		ev = PV_CE_CONFIG_ERROR;
	} else if (pv_idmap_check(&s, &err) < 0 || launch(c, &s, &err) < 0) {
		pv_pod_event(p, true, PV_EV_FAILED, "container %s: %s", c->spec->name.v, err.msg);
		pv_crt_close(c);
		ev = PV_CE_CREATE_ERROR;
	}
	pv_cspec_free(&s);
	pv_image_free(&img);
	if (ev != PV_CE_LAUNCHED)
		pv_pods_retry_later(p->d);
	pv_crt_apply(c, ev, &(struct pv_crt_arg){ .msg = ev == PV_CE_LAUNCHED ? NULL : err.msg });
}

/* ---- what the shim reports ---- */

static void read_exit(struct pv_crt *c)
{
	cleanup_free char *dir = pv_container_dir(c);
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };
	struct json_object *j = NULL, *v;

	memset(&c->term, 0, sizeof(c->term));
	c->term.set = true;
	snprintf(c->term.started_at, sizeof(c->term.started_at), "%s", c->started_at);
	pv_iso_now(c->term.finished_at, sizeof(c->term.finished_at));
	if (dir && asprintf(&path, "%s/%s", dir, PV_SHIM_EXIT) >= 0)
		j = pv_read_json(path, &err);
	if (!j) {
		c->term.exit_code = 128;
		c->term.reason = PV_R_ERROR;
		snprintf(c->term.message, sizeof(c->term.message), "the container's monitor died");
		return;
	}
	if (json_object_object_get_ex(j, "exitCode", &v))
		c->term.exit_code = json_object_get_int(v);
	if (json_object_object_get_ex(j, "signal", &v))
		c->term.signal = json_object_get_int(v);
	if (json_object_object_get_ex(j, "reason", &v))
		c->term.reason = pv_reason_parse(json_object_get_string(v));
	if (json_object_object_get_ex(j, "message", &v))
		snprintf(c->term.message, sizeof(c->term.message), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "finishedAt", &v))
		pv_stamp_seconds(c->term.finished_at, sizeof(c->term.finished_at),
				 json_object_get_string(v));
	json_object_put(j);
}

/* The process the shim started (or a new daemon found). */
static void record_process(struct pv_crt *c, pid_t pid, uint64_t start)
{
	c->pid = pid;
	c->pid_start = start;
	c->pidfd = pv_pidfd_open(pid, start);
	c->started_ms = pv_now_ms();
	pv_iso_now(c->started_at, sizeof(c->started_at));
	pv_pod_event(c->pod, false, PV_EV_STARTED, "Started container %s (pid %d)", c->spec->name.v,
		     (int)pid);
}

void pv_crt_started(struct pv_crt *c)
{
	struct pv_prt *p = c->pod;

	if (pv_crt_sidecar(c) && c->started && c->state == PV_C_RUNNING &&
	    p->state == PV_P_STARTING && p->next_init < p->ninit && &p->containers[p->next_init] == c)
		pv_pod_apply(p, PV_PE_INIT_SUCCEEDED); /* the next init container's turn */
}

/* PROBE: it counts as running (its postStart hook returned): its probes
 * start, and who counts ready containers hears of it. */
static void container_runs(struct pv_crt *c)
{
	pv_probes_start(c);
	pv_services_kick(c->pod->d);
	pv_daemon_kick(c->pod->d);
	pv_crt_started(c); /* may start the next init container: the last word here */
}

/* RUN: a process found running (adopted): its hook ran long ago. */
static void container_running(struct pv_crt *c, pid_t pid, uint64_t start)
{
	record_process(c, pid, start);
	container_runs(c);
}

/* "running PID START" from the shim: STARTED. */
static void shim_said(struct pv_crt *c, const char *msg)
{
	long pid;
	unsigned long long start;

	if (sscanf(msg, "running %ld %llu", &pid, &start) == 2)
		pv_crt_apply(c, PV_CE_STARTED,
			     &(struct pv_crt_arg){ .pid = (pid_t)pid, .start = start });
}

static void container_notified(void *data, int fd, uint32_t events)
{
	struct pv_crt *c = data;
	char msg[128];
	ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	(void)events;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pv_loop_del(c->pod->d->loop, c->notify_w);
		c->notify_w = NULL;
		/* A shim from the spawner, or one that ended before its pidfd
		 * was opened, has no watch: the socket's end is the only word
		 * of it. */
		if (!c->shim_w)
			pv_container_shim_exited(c, fd, events); /* may free the pod */
		return;
	}
	msg[n] = '\0';
	shim_said(c, msg);
}

void pv_container_shim_exited(void *data, int fd, uint32_t events)
{
	struct pv_crt *c = data;
	char msg[128];
	ssize_t n;

	(void)fd;
	(void)events;
	/* The shim may have said "running" just before it ended. */
	while (c->notify_fd >= 0 && (n = recv(c->notify_fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[n] = '\0';
		shim_said(c, msg);
	}
	if (c->shim_pid > 0)
		waitpid(c->shim_pid, NULL, WNOHANG);
	if (c->kill_timer)
		pv_timer_disarm(c->kill_timer);
	pv_crt_close(c);
	read_exit(c);
	pv_services_kick(c->pod->d);
	pv_daemon_kick(c->pod->d); /* no longer ready */
	if (c->state == PV_C_STOPPING && c->term.exit_code != 128 + SIGKILL)
		/* asked to stop, and stopped within its grace period: no warning */
		pv_pod_event(c->pod, false, PV_EV_STOPPED, "container %s stopped (exit code %d)",
			     c->spec->name.v, c->term.exit_code);
	else
		pv_pod_event(c->pod, c->term.exit_code != 0,
			     c->term.exit_code ? PV_EV_DIED : PV_EV_COMPLETED,
			     "container %s exited with code %d (%s)%s%s", c->spec->name.v,
			     c->term.exit_code, pv_reason_str(c->term.reason),
			     c->term.message[0] ? ": " : "", c->term.message);
	pv_crt_apply(c, PV_CE_EXITED, NULL); /* may free the pod: the last word here */
}

/* ---- JUDGE, BACKOFF, RESTART ---- */

static enum pv_restart restart_policy(const struct pv_crt *c)
{
	enum pv_restart pod = pv_restart_parse(c->pod->spec->spec.restart_policy.v);

	return pv_fsm_restart_policy(pod, c->init, c->spec->restart_policy.v != NULL);
}

static void backoff_fired(void *data)
{
	pv_crt_apply(data, PV_CE_BACKOFF_ELAPSED, NULL);
}

static void backoff(struct pv_crt *c)
{
	int64_t ran = c->started_ms ? pv_now_ms() - c->started_ms : -1;
	int64_t delay = pv_backoff_step(&c->backoff_ms, c->pod->d->backoff_base_ms, ran);

	if (delay <= 0) { /* the first restart is at once */
		pv_crt_apply(c, PV_CE_BACKOFF_ELAPSED, NULL);
		return;
	}
	if (!c->timer)
		c->timer = pv_timer_new(c->pod->d->loop, backoff_fired, c);
	snprintf(c->message, sizeof(c->message), "back-off %llds restarting failed container=%s "
		 "pod=%s", (long long)(delay / 1000), c->spec->name.v, c->pod->name);
	pv_pod_event(c->pod, true, PV_EV_BACK_OFF, "%s", c->message);
	if (c->timer)
		pv_timer_arm(c->timer, delay);
}

static void restart(struct pv_crt *c)
{
	c->restarts++;
	c->last = c->term;
	pv_pod_save(c->pod);
	container_create(c);
}

static void signal_it(const struct pv_crt *c, int sig)
{
	if (c->pidfd >= 0)
		pv_pidfd_signal(c->pidfd, sig);
}

static void grace_fired(void *data)
{
	pv_crt_apply(data, PV_CE_GRACE_EXPIRED, NULL);
}

/* Stop C within GRACE seconds of its own timer (GRACE_EXPIRED: SIGKILL). */
static void arm_grace(struct pv_crt *c, int64_t grace)
{
	if (!c->kill_timer)
		c->kill_timer = pv_timer_new(c->pod->d->loop, grace_fired, c);
	if (c->kill_timer)
		pv_timer_arm(c->kill_timer, grace * 1000);
}

/* The pod completed (or failed) while sidecars run: they are stopped,
 * last first, within the pod's grace period. A sidecar stopping is no
 * event for the pod (DONE ignores CONTAINER_STOPPED), so P stays. */
static void stop_sidecars(struct pv_prt *p)
{
	int64_t grace = p->spec->spec.termination_grace_period_seconds.v;

	for (size_t i = p->ninit; i-- > 0;) {
		struct pv_crt *c = &p->containers[i];

		if (!pv_crt_sidecar(c) || c->state == PV_C_TERMINATED)
			continue;
		pv_crt_apply(c, PV_CE_STOP, NULL);
		if (c->state == PV_C_STOPPING || c->state == PV_C_ABORTING)
			arm_grace(c, grace);
	}
}

/* SUCCEEDED, FAILED: what it means for the pod. */
static void ended_for_good(struct pv_crt *c, bool ok)
{
	struct pv_prt *p = c->pod;
	struct pv_daemon *d = p->d;
	bool apps_done = true;

	for (size_t i = p->ninit; i < p->ncontainers; i++)
		apps_done &= p->containers[i].state == PV_C_TERMINATED;
	if (c->init)
		pv_pod_apply(p, ok ? PV_PE_INIT_SUCCEEDED : PV_PE_INIT_FAILED);
	else if (apps_done)
		pv_pod_apply(p, PV_PE_APPS_DONE);
	else
		return;
	/* neither event frees the pod */
	if (p->state == PV_P_DONE) {
		stop_sidecars(p);
		pv_services_kick(d);
		pv_daemon_kick(d); /* a terminal phase: whoever owns it counts it */
	}
}

/* KILL_UNHEALTHY: SIGTERM now, SIGKILL after the probe's grace period
 * (its own terminationGracePeriodSeconds, or the pod's). */
static void kill_unhealthy(struct pv_crt *c)
{
	const struct pv_container *s = c->spec;
	const struct pv_int *own = s->liveness_probe.termination_grace_period_seconds.set
					   ? &s->liveness_probe.termination_grace_period_seconds
					   : &s->startup_probe.termination_grace_period_seconds;
	int64_t grace = own->set ? own->v : c->pod->spec->spec.termination_grace_period_seconds.v;

	arm_grace(c, grace); /* the preStop hook counts against it */
	pv_hook_stop(c);
}

/* ---- the table applied ---- */

static void act(struct pv_crt *c, enum pv_caction a, const struct pv_crt_arg *arg)
{
	static const struct pv_crt_arg none = { 0 };

	if (!arg)
		arg = &none;
	switch (a) {
	case PV_CA_CREATE:
		container_create(c);
		break;
	case PV_CA_RESTART:
		restart(c);
		break;
	case PV_CA_RUN:
		container_running(c, arg->pid, arg->start);
		break;
	case PV_CA_RUN_TERM:
		record_process(c, arg->pid, arg->start);
		signal_it(c, pv_crt_stop_signal(c)); /* it was being created when its pod stopped */
		break;
	case PV_CA_JUDGE:
		pv_crt_apply(c, pv_fsm_exit_event(restart_policy(c), c->term.exit_code), NULL);
		break;
	case PV_CA_BACKOFF:
		backoff(c);
		break;
	case PV_CA_SUCCEEDED:
		ended_for_good(c, true);
		break;
	case PV_CA_FAILED:
		ended_for_good(c, false);
		break;
	case PV_CA_CANCEL:
		if (c->timer)
			pv_timer_disarm(c->timer);
		break;
	case PV_CA_TERM:
		pv_hook_stop(c);
		break;
	case PV_CA_KILL:
		pv_hook_cancel(c); /* a preStop hook still running is over too */
		signal_it(c, SIGKILL);
		break;
	case PV_CA_STOPPED:
		pv_pod_apply(c->pod, PV_PE_CONTAINER_STOPPED);
		break;
	case PV_CA_KILL_UNHEALTHY:
		kill_unhealthy(c);
		break;
	case PV_CA_POST_START:
		record_process(c, arg->pid, arg->start);
		pv_hook_post_start(c);
		break;
	case PV_CA_PROBE:
		container_runs(c);
		break;
	case PV_CA_KILL_HOOK:
		pv_pod_event(c->pod, false, PV_EV_KILLING, "FailedPostStartHook"); /* the kubelet's words */
		arm_grace(c, c->pod->spec->spec.termination_grace_period_seconds.v);
		pv_hook_stop(c);
		break;
	case PV_CA_INVALID:
	case PV_CA_IGNORE:
	case PV_CA_NONE:
	case PV_CA_NACTIONS:
		break;
	}
}

void pv_crt_apply(struct pv_crt *c, enum pv_cevent ev, const struct pv_crt_arg *arg)
{
	struct pv_cstep st = pv_fsm_container_step(c->state, ev);

	if (st.action == PV_CA_IGNORE)
		return;
	if (st.action == PV_CA_INVALID) {
		pv_warn("pod %s/%s: container %s: %s while %s: ignored (a bug)", c->pod->ns,
			c->pod->name, c->spec->name.v, pv_fsm_cevent_name(ev),
			pv_fsm_cstate_name(c->state));
		return;
	}
	if (c->state == PV_C_RUNNING && st.next != PV_C_RUNNING)
		pv_probes_stop(c); /* this run is over for its probes */
	if (c->state == PV_C_POSTSTART && st.next != PV_C_POSTSTART)
		pv_hook_cancel(c); /* its postStart hook returned, or is moot */
	c->state = st.next;
	c->reason = st.reason;
	snprintf(c->message, sizeof(c->message), "%s", arg && arg->msg ? arg->msg : "");
	if (st.next == PV_C_TERMINATED)
		pv_hook_turn(c->pod); /* sidecars waiting for it to stop */
	act(c, st.action, arg); /* may free the pod (a stop finished): the last word here */
}
