/* Pod lifecycle: start (namespaces, init containers in order, then the
 * app containers), restart with CrashLoopBackOff, stop with a grace
 * period, and the reconciler that compares all this with the manifests. */
#include "supervisor/pods/pods.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/encode.h"
#include "supervisor/core/backoff.h"
#include "supervisor/runtime/cspec.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/image/image.h"
#include "supervisor/core/log.h"
#include "supervisor/runtime/podinit.h"
#include "supervisor/network/podnet.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/pods/pod_projection.h"
#include "supervisor/pods/pod_volumes.h"
#include "supervisor/network/resolv.h"
#include "supervisor/services/services.h"
#include "supervisor/storage/storage.h"
#include "supervisor/core/proc.h"
#include "supervisor/runtime/shim.h"

void pv_iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


static void pod_event(struct pv_prt *p, bool warn, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void pod_event(struct pv_prt *p, bool warn, const char *reason, const char *fmt, ...)
{
	char obj[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(obj, sizeof(obj), "pod/%s/%s", p->ns, p->name);
	pv_daemon_event(p->d, obj, warn, reason, "%s", msg);
}

/* ---- pod records in the state directory ---- */

int pv_pod_save(struct pv_prt *p)
{
	struct json_object *j = json_object_new_object();
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };
	int rc;

	json_object_object_add(j, "uid", json_object_new_string(p->uid));
	json_object_object_add(j, "namespace", json_object_new_string(p->ns));
	json_object_object_add(j, "name", json_object_new_string(p->name));
	json_object_object_add(j, "hash", json_object_new_string(p->hash));
	json_object_object_add(j, "createdAt", json_object_new_string(p->created_at));
	json_object_object_add(j, "created", json_object_new_int64(p->created_wall));
	json_object_object_add(j, "initPid", json_object_new_int(p->init_pid));
	json_object_object_add(j, "initStart", json_object_new_uint64(p->init_start));
	json_object_object_add(j, "deleting", json_object_new_boolean(p->delete_when_stopped));
	json_object_object_add(j, "ip", json_object_new_string(p->ip_str));
	for (size_t i = 0; i < p->ncontainers; i++) {
		char key[300];

		snprintf(key, sizeof(key), "restarts.%s", p->containers[i].spec->name.v);
		json_object_object_add(j, key, json_object_new_int(p->containers[i].restarts));
	}
	if (asprintf(&path, "%s/pod.json", p->dir) < 0)
		return json_object_put(j), -1;
	rc = pv_write_json_atomic(path, j, &err);
	if (rc < 0)
		pv_error("pod %s/%s: %s", p->ns, p->name, err.msg);
	json_object_put(j);
	return rc;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	cleanup_free char *path = NULL;
	struct pv_err err;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -1;
	return pv_write_atomic(path, text, strlen(text), 0644, &err);
}

/* /etc/hostname, /etc/hosts, /etc/resolv.conf for the pod's containers. */
static int write_etc(struct pv_prt *p)
{
	const char *host = p->spec->spec.hostname.v ? p->spec->spec.hostname.v : p->name;
	cleanup_free char *hosts = NULL, *resolv = NULL;

	if (asprintf(&hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "127.0.1.1\t%s\n", host) < 0)
		return -1;
	if (write_text(p->dir, "hostname", host) < 0 || write_text(p->dir, "hosts", hosts) < 0)
		return -1;
	resolv = pv_resolv_conf(p);
	return resolv ? write_text(p->dir, "resolv.conf", resolv) : -1;
}

/* ---- containers ---- */

static void container_notified(void *data, int fd, uint32_t events);
static void container_start(struct pv_crt *c);
static void pod_after_container(struct pv_prt *p, struct pv_crt *c);

static void crt_close(struct pv_crt *c)
{
	struct pv_loop *l = c->pod->d->loop;

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

static void set_waiting(struct pv_crt *c, const char *reason, const char *msg)
{
	c->state = PV_C_WAITING;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	snprintf(c->message, sizeof(c->message), "%s", msg ? msg : "");
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
	if (uid->set && asprintf(&s->user, "%lld:%lld", (long long)uid->v,
				 (long long)(gid->set ? gid->v : 0)) < 0)
		s->user = NULL;
	else if (!uid->set && img->config.user)
		s->user = strdup(img->config.user);
	s->layers = calloc(img->n_layers + 1, sizeof(char *));
	for (size_t i = 0; s->layers && i < img->n_layers; i++)
		s->layers[i] = strdup(img->layers[i]);
	s->dir = pv_container_dir(c);
	s->pod_dir = strdup(p->dir);
	s->log_max = p->d->log_max;
	s->restart = c->restarts;
	s->read_only_root = sc->read_only_root_filesystem.v;
	set_resources(c, s);
	if (!s->pod_uid || !s->name || !s->cwd || !s->layers || !s->dir || !s->pod_dir)
		return pv_err_set(err, ENOMEM, "out of memory");
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

static pid_t spawn_shim(struct pv_daemon *d, const char *dir, int notify)
{
	pid_t pid = pv_spawner_shim(&d->spawner, dir, notify);

	if (pid > 0)
		return pid;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)"podvisor-shim", (char *)"__shim", (char *)dir, NULL };
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
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
	cleanup_free char *spec_path = NULL;
	int sv[2];
	int rc;

	if (prepare_dirs(s->dir, err) < 0 || asprintf(&spec_path, "%s/%s", s->dir, PV_SHIM_SPEC) < 0)
		return json_object_put(j), -1;
	forget_old_logs(s->dir, s->restart);
	rc = pv_write_json_atomic(spec_path, j, err);
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
	c->shim_pidfd = pv_pidfd_open(c->shim_pid, 0);
	c->shim_w = pv_loop_add(c->pod->d->loop, c->shim_pidfd, EPOLLIN, pv_container_shim_exited, c);
	c->notify_w = pv_loop_add(c->pod->d->loop, c->notify_fd, EPOLLIN, container_notified, c);
	return 0;
}

static void container_start(struct pv_crt *c)
{
	struct pv_prt *p = c->pod;
	int rc;
	struct pv_image img = { 0 };
	struct pv_cspec s = { 0 };
	struct pv_err err = { 0 };

	if (pv_image_lookup(p->d->state, c->spec->image.v, &img, &err) < 0) {
		if (err.code == ENOENT) {
			set_waiting(c, "ErrImageNeverPull", "");
			snprintf(c->message, sizeof(c->message), "image \"%s\" is not in the node's "
				 "image store; import it with 'podvisor image import SRC %s'",
				 c->spec->image.v, c->spec->image.v);
		} else {
			set_waiting(c, "InvalidImageName", err.msg);
		}
		if (strcmp(c->reason, "ErrImageNeverPull") != 0 || !c->term.set)
			pod_event(p, true, c->reason, "container %s: %s", c->spec->name.v, c->message);
		return;
	}
	if ((rc = build_cspec(c, &img, &s, &err)) < 0) {
		set_waiting(c, "CreateContainerConfigError", err.msg);
		pod_event(p, true, rc == -2 ? "FailedMount" : "Failed", "container %s: %s",
			  c->spec->name.v, err.msg);
	} else if (launch(c, &s, &err) < 0) {
		set_waiting(c, "CreateContainerError", err.msg);
		pod_event(p, true, "Failed", "container %s: %s", c->spec->name.v, err.msg);
		crt_close(c);
	} else {
		set_waiting(c, "ContainerCreating", NULL);
	}
	pv_cspec_free(&s);
	pv_image_free(&img);
}

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
		snprintf(c->term.reason, sizeof(c->term.reason), "Error");
		snprintf(c->term.message, sizeof(c->term.message), "the container's monitor died");
		return;
	}
	if (json_object_object_get_ex(j, "exitCode", &v))
		c->term.exit_code = json_object_get_int(v);
	if (json_object_object_get_ex(j, "signal", &v))
		c->term.signal = json_object_get_int(v);
	if (json_object_object_get_ex(j, "reason", &v))
		snprintf(c->term.reason, sizeof(c->term.reason), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "message", &v))
		snprintf(c->term.message, sizeof(c->term.message), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "finishedAt", &v))
		snprintf(c->term.finished_at, sizeof(c->term.finished_at), "%.20s",
			 json_object_get_string(v));
	json_object_put(j);
}

void pv_container_running(struct pv_crt *c, pid_t pid, uint64_t start)
{
	if (c->state == PV_C_RUNNING)
		return;
	c->pid = pid;
	c->pid_start = start;
	c->pidfd = pv_pidfd_open(pid, start);
	c->state = PV_C_RUNNING;
	c->reason[0] = c->message[0] = '\0';
	c->started_ms = pv_now_ms();
	pv_iso_now(c->started_at, sizeof(c->started_at));
	pod_event(c->pod, false, "Started", "Started container %s (pid %d)", c->spec->name.v,
		  (int)pid);
	if (c->pod->state == PV_P_STOPPING && c->pidfd >= 0)
		pv_pidfd_signal(c->pidfd, SIGTERM); /* it was starting when the pod was stopped */
	pv_services_kick(c->pod->d);
}

static void container_notified(void *data, int fd, uint32_t events)
{
	struct pv_crt *c = data;
	char msg[128];
	ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
	long pid;
	unsigned long long start;

	(void)events;
	if (n <= 0) {
		pv_loop_del(c->pod->d->loop, c->notify_w);
		c->notify_w = NULL;
		return;
	}
	msg[n] = '\0';
	if (sscanf(msg, "running %ld %llu", &pid, &start) == 2)
		pv_container_running(c, (pid_t)pid, start);
}

void pv_container_shim_exited(void *data, int fd, uint32_t events)
{
	struct pv_crt *c = data;
	char msg[128];
	ssize_t n;
	long pid;
	unsigned long long start;

	(void)fd;
	(void)events;
	/* The shim may have said "running" just before it ended. */
	while (c->notify_fd >= 0 && (n = recv(c->notify_fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[n] = '\0';
		if (sscanf(msg, "running %ld %llu", &pid, &start) == 2)
			pv_container_running(c, (pid_t)pid, start);
	}
	if (c->shim_pid > 0)
		waitpid(c->shim_pid, NULL, WNOHANG);
	crt_close(c);
	read_exit(c);
	c->state = PV_C_TERMINATED;
	pv_services_kick(c->pod->d);
	pod_event(c->pod, c->term.exit_code != 0, c->term.exit_code ? "Died" : "Completed",
		  "container %s exited with code %d (%s)%s%s", c->spec->name.v, c->term.exit_code,
		  c->term.reason, c->term.message[0] ? ": " : "", c->term.message);
	pod_after_container(c->pod, c);
}

static int64_t next_backoff(struct pv_crt *c)
{
	int64_t ran = c->started_ms ? pv_now_ms() - c->started_ms : -1;

	return pv_backoff_step(&c->backoff_ms, c->pod->d->backoff_base_ms, ran);
}

static void backoff_fired(void *data)
{
	struct pv_crt *c = data;

	if (c->pod->state == PV_P_STOPPING || c->state != PV_C_WAITING)
		return;
	c->restarts++;
	c->last = c->term;
	pv_pod_save(c->pod);
	container_start(c);
}

static bool should_restart(const struct pv_prt *p, const struct pv_crt *c)
{
	const char *rp = p->spec->spec.restart_policy.v;

	if (c->init && c->spec->restart_policy.v)
		return true; /* a sidecar */
	if (strcmp(rp, "Always") == 0)
		return !c->init || c->term.exit_code != 0;
	if (strcmp(rp, "OnFailure") == 0)
		return c->term.exit_code != 0;
	return false;
}

static void schedule_restart(struct pv_crt *c)
{
	int64_t delay = next_backoff(c);

	if (!c->timer)
		c->timer = pv_timer_new(c->pod->d->loop, backoff_fired, c);
	if (delay > 0) {
		set_waiting(c, "CrashLoopBackOff", "");
		snprintf(c->message, sizeof(c->message), "back-off %llds restarting failed "
			 "container=%s pod=%s", (long long)(delay / 1000), c->spec->name.v,
			 c->pod->name);
		pod_event(c->pod, true, "BackOff", "%s", c->message);
	} else {
		set_waiting(c, "ContainerCreating", NULL);
	}
	if (c->timer)
		pv_timer_arm(c->timer, delay);
}

static void start_app_containers(struct pv_prt *p)
{
	p->state = PV_P_RUNNING;
	for (size_t i = p->ninit; i < p->ncontainers; i++)
		container_start(&p->containers[i]);
}

/* Init containers run one at a time, each to success. */
static void start_next_init(struct pv_prt *p)
{
	if (p->next_init < p->ninit)
		container_start(&p->containers[p->next_init]);
	else
		start_app_containers(p);
}

static bool all_terminated(const struct pv_prt *p)
{
	for (size_t i = 0; i < p->ncontainers; i++)
		if (p->containers[i].shim_pid > 0 || p->containers[i].state == PV_C_RUNNING)
			return false;
	return true;
}

static void pod_after_container(struct pv_prt *p, struct pv_crt *c)
{
	if (p->state == PV_P_STOPPING) {
		if (all_terminated(p))
			pv_pod_finish_stop(p);
		return;
	}
	if (should_restart(p, c)) {
		schedule_restart(c);
		return;
	}
	if (c->init && p->state == PV_P_STARTING) {
		if (c->term.exit_code == 0) {
			p->next_init++;
			start_next_init(p);
		} else {
			p->state = PV_P_DONE; /* restartPolicy Never: the pod failed */
		}
		return;
	}
	for (size_t i = p->ninit; i < p->ncontainers; i++)
		if (p->containers[i].state != PV_C_TERMINATED)
			return;
	p->state = PV_P_DONE;
}

/* ---- pods ---- */

static void init_exited(void *data, int fd, uint32_t events)
{
	struct pv_prt *p = data;

	(void)fd;
	(void)events;
	waitpid(p->init_pid, NULL, WNOHANG);
	pv_loop_del(p->d->loop, p->init_w);
	p->init_w = NULL;
	close(p->init_pidfd);
	p->init_pidfd = -1;
	if (p->state == PV_P_STOPPING && all_terminated(p)) {
		pv_pod_finish_stop(p);
		return;
	}
	if (p->state != PV_P_STOPPING) {
		pod_event(p, true, "PodInitDied", "the pod's init process died; recreating the pod");
		p->init_pid = 0;
		pv_pod_stop(p, false);
	}
}

static int load_private_spec(struct pv_prt *p, const struct pv_object *o, struct pv_err *err)
{
	struct json_object *j = pv_encode_object(o);
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
	cleanup_free char *path = NULL;
	int rc;

	rc = pv_file_load_buf(&p->spec_file, "pod.json", s, strlen(s));
	if (asprintf(&path, "%s/pod-spec.json", p->dir) >= 0)
		pv_write_atomic(path, s, strlen(s), 0600, err);
	json_object_put(j);
	if (rc < 0 || p->spec_file.nobjects != 1)
		return pv_err_set(err, EINVAL, "the pod's own copy did not load");
	p->spec = (const struct pv_pod *)p->spec_file.objects[0].obj;
	return 0;
}

int pv_pod_setup_containers(struct pv_prt *p)
{
	const struct pv_pod_spec *s = &p->spec->spec;

	p->ninit = s->init_containers.n;
	p->ncontainers = s->init_containers.n + s->containers.n;
	p->containers = calloc(p->ncontainers, sizeof(*p->containers));
	if (!p->containers)
		return -1;
	for (size_t i = 0; i < p->ncontainers; i++) {
		struct pv_crt *c = &p->containers[i];

		c->pod = p;
		c->init = i < p->ninit;
		c->spec = c->init ? &s->init_containers.items[i] : &s->containers.items[i - p->ninit];
		c->pidfd = c->shim_pidfd = c->notify_fd = -1;
		set_waiting(c, c->init ? "PodInitializing" : "ContainerCreating", NULL);
	}
	return 0;
}

struct pv_prt *pv_pod_alloc(struct pv_daemon *d)
{
	struct pv_prt *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (d->npods == d->podcap) {
		size_t cap = d->podcap ? d->podcap * 2 : 16;
		struct pv_prt **v = realloc(d->pods, cap * sizeof(*v));

		if (!v)
			return free(p), NULL;
		d->pods = v;
		d->podcap = cap;
	}
	d->pods[d->npods++] = p;
	p->d = d;
	p->init_pidfd = -1;
	return p;
}

/* The pod's address as text; a hostNetwork pod has the node's (left
 * empty here until the node's address is known). */
void pv_pod_set_ip(struct pv_prt *p)
{
	struct in_addr a = { htonl(p->ip) };

	if (!p->ip || !inet_ntop(AF_INET, &a, p->ip_str, sizeof(p->ip_str)))
		p->ip_str[0] = '\0';
}

void pv_pod_free(struct pv_prt *p)
{
	struct pv_daemon *d = p->d;

	for (size_t i = 0; i < p->ncontainers; i++) {
		crt_close(&p->containers[i]);
		pv_timer_free(p->containers[i].timer);
	}
	pv_timer_free(p->kill_timer);
	pv_loop_del(d->loop, p->init_w);
	if (p->init_pidfd >= 0)
		close(p->init_pidfd);
	for (size_t i = 0; i < d->npods; i++)
		if (d->pods[i] == p)
			d->pods[i] = d->pods[--d->npods];
	free(p->containers);
	pv_file_free(&p->spec_file);
	free(p->ns);
	free(p->name);
	free(p->dir);
	free(p);
}

static void new_uid(char out[33])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xFF);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int pv_pod_watch_init(struct pv_prt *p)
{
	p->init_pidfd = pv_pidfd_open(p->init_pid, p->init_start);
	if (p->init_pidfd < 0)
		return -1;
	p->init_w = pv_loop_add(p->d->loop, p->init_pidfd, EPOLLIN, init_exited, p);
	return p->init_w ? 0 : -1;
}

static void pod_start(struct pv_daemon *d, const struct pv_object *o, const char *hash)
{
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_prt *p = pv_pod_alloc(d);
	struct pv_err err = { 0 };
	const char *host;
	bool hostnet;

	if (!p)
		return;
	new_uid(p->uid);
	p->ns = strdup(m->namespace.v);
	p->name = strdup(m->name.v);
	snprintf(p->hash, sizeof(p->hash), "%s", hash);
	p->created_wall = time(NULL);
	pv_iso_now(p->created_at, sizeof(p->created_at));
	if (!p->ns || !p->name || asprintf(&p->dir, "%s/pods/%s", d->state, p->uid) < 0 ||
	    pv_mkdir_p(p->dir, 0700, &err) < 0 || load_private_spec(p, o, &err) < 0 ||
	    pv_pod_setup_containers(p) < 0 || write_etc(p) < 0)
		goto fail;
	host = p->spec->spec.hostname.v ? p->spec->spec.hostname.v : p->name;
	hostnet = p->spec->spec.host_network.v;
	p->init_pid = pv_spawner_pod_init(&d->spawner, host, p->uid, hostnet);
	if (p->init_pid < 0)
		p->init_pid = pv_podinit_spawn(host, p->uid, hostnet, &err);
	if (p->init_pid < 0)
		goto fail;
	p->init_start = pv_proc_start_time(p->init_pid);
	if (pv_pod_watch_init(p) < 0)
		goto fail;
	if (d->network && !hostnet && pv_podnet_setup(p, &err) < 0)
		goto fail;
	pv_pod_set_ip(p);
	if (pv_pod_save(p) < 0)
		goto fail;
	pv_info("pod %s/%s: starting (uid %s, init pid %d)", p->ns, p->name, p->uid, (int)p->init_pid);
	pod_event(p, false, "Scheduled", "pod %s/%s created on %s", p->ns, p->name, d->node_name);
	if (pv_pod_volumes_unmounted(p))
		pod_event(p, true, "VolumesNotMounted", "this podvisor mounts hostPath, emptyDir, "
			  "configMap, secret, downwardAPI, projected and persistentVolumeClaim "
			  "volumes; the containers start without the other %zu",
			  pv_pod_volumes_unmounted(p));
	p->state = PV_P_STARTING;
	start_next_init(p);
	return;
fail:
	pv_error("pod %s/%s: cannot start: %s", p->ns ? p->ns : "?", p->name ? p->name : "?",
		 err.msg[0] ? err.msg : strerror(errno));
	if (p->init_pid > 0)
		kill(p->init_pid, SIGKILL), waitpid(p->init_pid, NULL, WNOHANG);
	if (p->ip)
		pv_podnet_teardown(p);
	if (p->dir) {
		pv_pod_volumes_release(p);
		pv_rm_rf(p->dir, &err);
	}
	pv_pod_free(p);
}

/* ---- stopping ---- */

static void kill_fired(void *data)
{
	struct pv_prt *p = data;

	for (size_t i = 0; i < p->ncontainers; i++)
		if (p->containers[i].pidfd >= 0)
			pv_pidfd_signal(p->containers[i].pidfd, SIGKILL);
	pod_event(p, true, "Killing", "grace period over: SIGKILL");
}

void pv_pod_finish_stop(struct pv_prt *p)
{
	struct pv_daemon *d = p->d;
	struct pv_err err = { 0 };

	if (p->init_pidfd >= 0) {
		/* PID 1 leaving ends every process still in the pod. */
		pv_pidfd_signal(p->init_pidfd, SIGKILL);
		return; /* init_exited calls back here */
	}
	if (p->ip)
		pv_podnet_teardown(p);
	pv_info("pod %s/%s: stopped", p->ns, p->name);
	pod_event(p, false, "Stopped", "pod %s/%s stopped", p->ns, p->name);
	pv_pod_volumes_release(p);
	if (pv_rm_rf(p->dir, &err) < 0)
		pv_warn("pod %s/%s: %s", p->ns, p->name, err.msg);
	pv_pod_free(p);
	pv_daemon_kick(d);
	pv_services_kick(d);
}

void pv_pod_stop(struct pv_prt *p, bool for_good)
{
	int64_t grace = p->spec->spec.termination_grace_period_seconds.v;

	if (for_good)
		p->delete_when_stopped = true;
	if (p->state == PV_P_STOPPING)
		return;
	p->state = PV_P_STOPPING;
	pv_pod_save(p);
	pv_services_kick(p->d); /* a stopping pod is no endpoint */
	pv_info("pod %s/%s: stopping (grace %llds)", p->ns, p->name, (long long)grace);
	for (size_t i = 0; i < p->ncontainers; i++) {
		struct pv_crt *c = &p->containers[i];

		if (c->timer)
			pv_timer_disarm(c->timer);
		if (c->pidfd >= 0)
			pv_pidfd_signal(c->pidfd, SIGTERM);
		if (c->state == PV_C_WAITING && c->shim_pid <= 0)
			c->state = PV_C_TERMINATED;
	}
	if (all_terminated(p)) {
		pv_pod_finish_stop(p);
		return;
	}
	p->kill_timer = pv_timer_new(p->d->loop, kill_fired, p);
	if (p->kill_timer)
		pv_timer_arm(p->kill_timer, grace * 1000);
}

/* ---- the reconciler ---- */

struct want {
	struct pv_daemon *d;
};

static bool strmap_equal(const pv_strmap *a, const pv_strmap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n && !found; j++)
			found = strcmp(a->items[i].key, b->items[j].key) == 0 &&
				strcmp(a->items[i].value, b->items[j].value) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Labels or annotations edited, the spec the same: the pod takes the new
 * metadata in place, without a restart, as in Kubernetes. Its private
 * copy is replaced; the containers' specs are re-pointed into it (same
 * spec, same containers in the same order). */
static void pod_take_metadata(struct pv_prt *p, const struct pv_object *o)
{
	struct pv_file old = p->spec_file;
	const struct pv_pod *old_spec = p->spec;
	struct pv_err err = { 0 };
	const struct pv_pod_spec *s;

	memset(&p->spec_file, 0, sizeof(p->spec_file));
	if (load_private_spec(p, o, &err) < 0 ||
	    p->spec->spec.init_containers.n + p->spec->spec.containers.n != p->ncontainers) {
		pv_warn("pod %s/%s: new labels not taken: %s", p->ns, p->name,
			err.msg[0] ? err.msg : "the containers differ");
		pv_file_free(&p->spec_file);
		p->spec_file = old;
		p->spec = old_spec;
		return;
	}
	s = &p->spec->spec;
	for (size_t i = 0; i < p->ncontainers; i++)
		p->containers[i].spec = i < p->ninit ? &s->init_containers.items[i]
						     : &s->containers.items[i - p->ninit];
	pv_file_free(&old);
	pv_info("pod %s/%s: labels or annotations changed; updated in place", p->ns, p->name);
	pv_services_kick(p->d); /* selectors may match it now, or no longer */
}

static void want_pod(struct pv_daemon *d, const struct pv_wanted_pod *w)
{
	const struct pv_object *o = w->obj;
	const struct pv_meta *m = &o->obj->metadata;
	struct pv_prt *p = pv_pods_find(d, m->namespace.v, m->name.v);
	char hash[65];

	pv_pod_hash(o, hash);
	if (p && strcmp(p->hash, hash) != 0 && p->state != PV_P_STOPPING) {
		pv_info("pod %s/%s: spec changed; recreating", p->ns, p->name);
		pv_pod_stop(p, true);
		return; /* started again once the old one is gone */
	}
	if (p && p->state != PV_P_STOPPING &&
	    (!strmap_equal(&p->spec->h.metadata.labels, &m->labels) ||
	     !strmap_equal(&p->spec->h.metadata.annotations, &m->annotations)))
		pod_take_metadata(p, o);
	if (!p && !pv_pods_stopping(d, m->namespace.v, m->name.v))
		pod_start(d, o, hash);
}

bool pv_pods_stopping(struct pv_daemon *d, const char *ns, const char *name)
{
	for (size_t i = 0; i < d->npods; i++)
		if (strcmp(d->pods[i]->ns, ns) == 0 && strcmp(d->pods[i]->name, name) == 0)
			return true;
	return false;
}

static void retry_waiting(struct pv_prt *p)
{
	for (size_t i = 0; i < p->ncontainers; i++) {
		struct pv_crt *c = &p->containers[i];
		bool blocked = strcmp(c->reason, "ErrImageNeverPull") == 0 ||
			       strcmp(c->reason, "CreateContainerConfigError") == 0 ||
			       strcmp(c->reason, "CreateContainerError") == 0;

		if (c->state != PV_C_WAITING || !blocked || c->shim_pid > 0)
			continue;
		if (c->init && (size_t)(c - p->containers) != p->next_init)
			continue;
		if (!c->init && p->state == PV_P_STARTING)
			continue;
		container_start(c);
	}
}

/* The running pods made to match the wanted set (node/wanted.h), whoever
 * filled it: this module does not know where pods come from. */
void pv_pods_reconcile(struct pv_daemon *d)
{
	if (d->quitting)
		return;
	for (size_t i = 0; i < d->wanted.n; i++)
		want_pod(d, &d->wanted.v[i]);
	for (size_t i = d->npods; i-- > 0;) {
		struct pv_prt *p = d->pods[i];

		if (p->state == PV_P_STOPPING)
			continue;
		if (!d->wanted_incomplete && !pv_wanted_find(&d->wanted, p->ns, p->name)) {
			pv_info("pod %s/%s: no longer wanted (gone from the manifests); stopping",
				p->ns, p->name);
			pv_pod_stop(p, true);
			continue;
		}
		if (p->projected_gen != d->desired.generation) {
			/* ConfigMaps and Secrets may have changed under its volumes */
			pv_projection_refresh(p);
			p->projected_gen = d->desired.generation;
		}
		retry_waiting(p);
	}
}

void pv_pod_resume(struct pv_prt *p)
{
	if (p->state == PV_P_STARTING) {
		struct pv_crt *c = &p->containers[p->next_init];

		if (c->state == PV_C_TERMINATED)
			pod_after_container(p, c);
		else if (c->shim_pid <= 0)
			container_start(c);
		return;
	}
	for (size_t i = p->ninit; i < p->ncontainers; i++) {
		struct pv_crt *c = &p->containers[i];

		if (c->state == PV_C_TERMINATED)
			pod_after_container(p, c);
		else if (c->shim_pid <= 0)
			container_start(c);
	}
}

void pv_pods_stop_all(struct pv_daemon *d)
{
	for (size_t i = d->npods; i-- > 0;)
		pv_pod_stop(d->pods[i], true);
}

bool pv_pods_all_gone(const struct pv_daemon *d)
{
	return d->npods == 0;
}
