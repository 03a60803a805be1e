/* Pulls for the containers that need them (see pods_pull.h). A pull is a
 * job per normalized image reference: its child (`/proc/self/exe image
 * pull --state STATE ... REF`, cloned with a pidfd and no exit signal, so
 * the daemon's SIGCHLD reaper never takes its status), the last line of
 * its stderr (the error), and the containers waiting for it. A container
 * that needs its image pulled waits in BLOCKED (ContainerCreating while
 * the pull runs, ErrImagePull once it failed, ImagePullBackOff until the
 * next one is due); a pass retries it, and the pull's end kicks one.
 * Always: a container is created once a pull that it waited for has
 * succeeded (kept in `fresh` until then).
 * Owns the jobs, their children, pipes, watches and back-off timers.
 * Calls: pods (records, events, the container table), image (references),
 * node (the kick), core (loop, log, processes). */
#include "supervisor/pods/pods_pull.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/image/image.h"
#include "supervisor/pods/pods_internal.h"

#define PULL_PREFIX "podvisor image pull: "

struct waiter {
	char uid[33];
	char *cname;
	bool told_backoff; /* its BackOff event, once per failed pull */
};

struct job {
	struct pv_daemon *d;
	char *ref;                 /* normalized */
	pid_t pid;                 /* 0: no pull runs */
	int pidfd, errfd;
	struct pv_watch_fd *pw, *ew;
	char line[512];            /* the last complete line of its stderr */
	char part[512];            /* the line being read */
	size_t plen;
	int64_t started_ms;
	int fails;                 /* in a row */
	int64_t backoff_ms, retry_at; /* monotonic: the next pull is due then */
	char error[512];           /* the last failure */
	struct pv_timer *timer;    /* the back-off over: a pass */
	struct waiter *w;
	size_t nw;
	struct job *next;
};

static struct job *jobs;
static const struct pv_pull_conf *conf;
static const struct pv_pull_conf defaults = { NULL, NULL, NULL, 10000, 300000 };
/* Always: containers whose pull succeeded, to be created ("uid/name"). */
static char **fresh;
static size_t nfresh;

void pv_pulls_configure(const struct pv_pull_conf *c)
{
	conf = c;
}

static const struct pv_pull_conf *cf(void)
{
	return conf ? conf : &defaults;
}

/* ---- who waits ---- */

static struct pv_crt *container_of(struct pv_daemon *d, const struct waiter *w)
{
	for (size_t i = 0; i < d->npods; i++) {
		struct pv_prt *p = d->pods[i];

		if (strcmp(p->uid, w->uid) != 0)
			continue;
		for (size_t k = 0; k < p->ncontainers; k++)
			if (strcmp(p->containers[k].spec->name.v, w->cname) == 0)
				return &p->containers[k];
	}
	return NULL;
}

static struct waiter *waiter_of(struct job *j, const struct pv_crt *c)
{
	for (size_t i = 0; i < j->nw; i++)
		if (strcmp(j->w[i].uid, c->pod->uid) == 0 && strcmp(j->w[i].cname, c->spec->name.v) == 0)
			return &j->w[i];
	return NULL;
}

/* C waits for J: NULL when it already did (or out of memory). */
static struct waiter *waiter_add(struct job *j, const struct pv_crt *c)
{
	struct waiter *v;

	if (waiter_of(j, c) || !(v = reallocarray(j->w, j->nw + 1, sizeof(*v))))
		return NULL;
	j->w = v;
	v = &v[j->nw];
	*v = (struct waiter){ .cname = strdup(c->spec->name.v) };
	if (!v->cname)
		return NULL;
	snprintf(v->uid, sizeof(v->uid), "%s", c->pod->uid);
	j->nw++;
	return v;
}

/* Forget the waiters whose container is gone (its pod deleted). */
static void waiters_prune(struct job *j)
{
	size_t n = 0;

	for (size_t i = 0; i < j->nw; i++) {
		if (container_of(j->d, &j->w[i]))
			j->w[n++] = j->w[i];
		else
			free(j->w[i].cname);
	}
	j->nw = n;
}

static bool fresh_take(const struct pv_crt *c)
{
	for (size_t i = 0; i < nfresh; i++) {
		const char *f = fresh[i];
		size_t ul = strlen(c->pod->uid);

		if (strncmp(f, c->pod->uid, ul) == 0 && f[ul] == '/' &&
		    strcmp(f + ul + 1, c->spec->name.v) == 0) {
			free(fresh[i]);
			fresh[i] = fresh[--nfresh];
			return true;
		}
	}
	return false;
}

static void fresh_add(const struct waiter *w)
{
	char **v = reallocarray(fresh, nfresh + 1, sizeof(*v));

	if (!v)
		return;
	fresh = v;
	if (asprintf(&fresh[nfresh], "%s/%s", w->uid, w->cname) >= 0)
		nfresh++;
}

/* Entries of pods that are gone. */
static void fresh_prune(struct pv_daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < nfresh; i++) {
		bool live = false;

		for (size_t k = 0; k < d->npods && !live; k++)
			live = strncmp(fresh[i], d->pods[k]->uid, strlen(d->pods[k]->uid)) == 0;
		if (live)
			fresh[n++] = fresh[i];
		else
			free(fresh[i]);
	}
	nfresh = n;
}

/* ---- jobs ---- */

static struct job *job_find(const char *ref)
{
	for (struct job *j = jobs; j; j = j->next)
		if (strcmp(j->ref, ref) == 0)
			return j;
	return NULL;
}

static void job_close(struct job *j)
{
	struct pv_loop *l = j->d->loop;

	pv_loop_del(l, j->pw);
	pv_loop_del(l, j->ew);
	j->pw = j->ew = NULL;
	if (j->pidfd >= 0)
		close(j->pidfd);
	if (j->errfd >= 0)
		close(j->errfd);
	j->pidfd = j->errfd = -1;
	j->pid = 0;
}

static void job_free(struct job *j)
{
	for (struct job **pp = &jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	job_close(j);
	pv_timer_free(j->timer);
	for (size_t i = 0; i < j->nw; i++)
		free(j->w[i].cname);
	free(j->w);
	free(j->ref);
	free(j);
}

static struct job *job_new(struct pv_daemon *d, const char *ref)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j || !(j->ref = strdup(ref)))
		return free(j), NULL;
	j->d = d;
	j->pidfd = j->errfd = -1;
	j->next = jobs;
	jobs = j;
	return j;
}

/* The registry of a normalized reference: "docker.io", "127.0.0.1:5000". */
static size_t registry_len(const char *ref)
{
	const char *slash = strchr(ref, '/');

	return slash ? (size_t)(slash - ref) : strlen(ref);
}

static bool listed(const char *const *v, const char *host, size_t len)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strlen(v[i]) == len && strncmp(v[i], host, len) == 0)
			return true;
	return false;
}

/* --mirror's value: the mirrors of REF's registry, each with its scheme
 * (http for the insecure ones), comma-separated; NULL: none. */
static char *mirrors_of(const char *ref)
{
	const char *const *m = cf()->mirrors;
	size_t rl = registry_len(ref);
	char *out = NULL;

	for (size_t i = 0; m && m[i]; i++) {
		const char *eq = strchr(m[i], '='), *mir;
		char *next;
		bool any;

		if (!eq)
			continue;
		any = eq - m[i] == 1 && m[i][0] == '*';
		if (!any && ((size_t)(eq - m[i]) != rl || strncmp(m[i], ref, rl) != 0))
			continue;
		mir = eq + 1;
		if (asprintf(&next, "%s%s%s%s", out ? out : "", out ? "," : "",
			     strstr(mir, "://") ? "" : listed(cf()->insecure, mir, strlen(mir))
							   ? "http://" : "https://", mir) < 0)
			return out;
		free(out);
		out = next;
	}
	return out;
}

static void job_ended(void *data, int fd, uint32_t events);
static void job_said(void *data, int fd, uint32_t events);

/* Start J's child: 0, or -1 with J->error. */
static int job_spawn(struct job *j)
{
	cleanup_free char *mirrors = mirrors_of(j->ref);
	const char *argv[12];
	int n = 0, pidfd, errfd;
	size_t rl = registry_len(j->ref);
	pid_t pid;

	argv[n++] = "podvisor";
	argv[n++] = "image";
	argv[n++] = "pull";
	argv[n++] = "--state";
	argv[n++] = j->d->state;
	if (cf()->creds_file) {
		argv[n++] = "--creds";
		argv[n++] = cf()->creds_file;
	}
	if (listed(cf()->insecure, j->ref, rl))
		argv[n++] = "--insecure";
	if (mirrors) {
		argv[n++] = "--mirror";
		argv[n++] = mirrors;
	}
	argv[n++] = j->ref;
	argv[n] = NULL;
	pid = pv_spawn_self((char *const *)argv, &pidfd, &errfd);
	if (pid < 0)
		return snprintf(j->error, sizeof(j->error), "cannot start the pull: %s",
				strerror(errno)), -1;
	j->pid = pid;
	j->pidfd = pidfd;
	j->errfd = errfd;
	j->line[0] = '\0';
	j->plen = 0;
	j->started_ms = pv_now_ms();
	j->pw = pv_loop_add(j->d->loop, pidfd, EPOLLIN, job_ended, j);
	j->ew = pv_loop_add(j->d->loop, j->errfd, EPOLLIN, job_said, j);
	pv_info("pulling image %s (pid %d)%s%s", j->ref, (int)pid, mirrors ? ", mirrors " : "",
		mirrors ? mirrors : "");
	return 0;
}

/* Its stderr: the last complete, non-empty line is kept. */
static void job_read(struct job *j)
{
	char buf[1024];
	ssize_t n;

	while (j->errfd >= 0 && (n = read(j->errfd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (j->plen + 1 < sizeof(j->part))
					j->part[j->plen++] = buf[i];
				continue;
			}
			j->part[j->plen] = '\0';
			if (j->plen) {
				pv_debug("pull %s: %s", j->ref, j->part);
				memcpy(j->line, j->part, j->plen + 1);
			}
			j->plen = 0;
		}
	}
	pv_loop_del(j->d->loop, j->ew); /* end of file */
	j->ew = NULL;
	close(j->errfd);
	j->errfd = -1;
}

static void job_said(void *data, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	job_read(data);
}

static void backoff_over(void *data)
{
	struct job *j = data;

	pv_daemon_kick(j->d); /* its waiters try again: a new pull */
}

static void job_succeeded(struct job *j)
{
	double secs = (double)(pv_now_ms() - j->started_ms) / 1000.0;
	struct pv_daemon *d = j->d;

	pv_info("pulled image %s in %.3fs", j->ref, secs);
	for (size_t i = 0; i < j->nw; i++) {
		struct pv_crt *c = container_of(d, &j->w[i]);

		if (!c)
			continue;
		pv_pod_event(c->pod, false, PV_EV_PULLED, "Successfully pulled image \"%s\" in %.3fs",
			     c->spec->image.v, secs);
		if (c->spec->image_pull_policy.v && strcmp(c->spec->image_pull_policy.v, "Always") == 0)
			fresh_add(&j->w[i]);
	}
	job_free(j);
	pv_daemon_kick(d); /* the waiters start */
}

/* The containers waiting for J hear of its failure: ErrImagePull. */
static void job_failed(struct job *j, const struct pv_crt *except)
{
	const struct pv_pull_conf *k = cf();

	j->fails++;
	j->backoff_ms = j->fails == 1 ? k->backoff_base_ms : j->backoff_ms * 2;
	if (j->backoff_ms > k->backoff_max_ms)
		j->backoff_ms = k->backoff_max_ms;
	j->retry_at = pv_now_ms() + j->backoff_ms;
	pv_warn("pull of image %s failed (%d in a row; next in %llds): %s", j->ref, j->fails,
		(long long)(j->backoff_ms / 1000), j->error);
	if (!j->timer)
		j->timer = pv_timer_new(j->d->loop, backoff_over, j);
	if (j->timer)
		pv_timer_arm(j->timer, j->backoff_ms);
	waiters_prune(j);
	for (size_t i = 0; i < j->nw; i++) {
		struct pv_crt *c = container_of(j->d, &j->w[i]);

		j->w[i].told_backoff = false;
		if (!c || c == except || c->state != PV_C_BLOCKED)
			continue;
		pv_pod_event(c->pod, true, PV_EV_FAILED, "Failed to pull image \"%s\": %s",
			     c->spec->image.v, j->error);
		pv_crt_apply(c, PV_CE_IMAGE_PULL_FAILED, &(struct pv_crt_arg){ .msg = j->error });
	}
}

static void job_ended(void *data, int fd, uint32_t events)
{
	struct job *j = data;
	siginfo_t si;
	int status;

	(void)fd;
	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | __WALL) < 0 || si.si_pid == 0)
		return; /* not yet */
	status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	job_read(j); /* what is left in the pipe */
	if (j->plen) { /* a last line without its newline */
		j->part[j->plen] = '\0';
		memcpy(j->line, j->part, j->plen + 1);
	}
	job_close(j);
	fresh_prune(j->d);
	if (status == 0) {
		job_succeeded(j);
		return;
	}
	if (strncmp(j->line, PULL_PREFIX, strlen(PULL_PREFIX)) == 0)
		snprintf(j->error, sizeof(j->error), "%s", j->line + strlen(PULL_PREFIX));
	else if (j->line[0])
		snprintf(j->error, sizeof(j->error), "%s", j->line);
	else
		snprintf(j->error, sizeof(j->error), "the pull ended with status %d", status);
	job_failed(j, NULL);
}

/* ---- what a container waits for ---- */

static void event_pulling(struct pv_crt *c)
{
	pv_pod_event(c->pod, false, PV_EV_PULLING, "Pulling image \"%s\"", c->spec->image.v);
}

/* C needs its image pulled: join the pull of its reference, start one
 * if none runs and none failed lately. The event to apply, MSG its message. */
static enum pv_cevent need_pull(struct pv_crt *c, const char *ref, char *msg, size_t len)
{
	struct job *j = job_find(ref);
	struct waiter *w;
	bool joined;

	if (!j && !(j = job_new(c->pod->d, ref))) {
		snprintf(msg, len, "out of memory");
		return PV_CE_IMAGE_PULL_FAILED;
	}
	joined = waiter_add(j, c) != NULL;
	w = waiter_of(j, c);
	if (j->pid > 0) { /* running: wait for it */
		if (joined)
			event_pulling(c);
		snprintf(msg, len, "pulling image \"%s\"", c->spec->image.v);
		return PV_CE_IMAGE_PULLING;
	}
	if (j->fails && pv_now_ms() < j->retry_at) {
		if (w && !w->told_backoff)
			pv_pod_event(c->pod, false, PV_EV_BACK_OFF, "Back-off pulling image \"%s\"",
				     c->spec->image.v);
		if (w)
			w->told_backoff = true;
		snprintf(msg, len, "Back-off pulling image \"%s\": ErrImagePull: %s",
			 c->spec->image.v, j->error);
		return PV_CE_IMAGE_PULL_BACKOFF;
	}
	if (job_spawn(j) < 0) {
		pv_pod_event(c->pod, true, PV_EV_FAILED, "Failed to pull image \"%s\": %s",
			     c->spec->image.v, j->error);
		snprintf(msg, len, "%s", j->error);
		job_failed(j, c);
		return PV_CE_IMAGE_PULL_FAILED;
	}
	waiters_prune(j);
	for (size_t i = 0; i < j->nw; i++) { /* every attempt is told */
		struct pv_crt *o = container_of(j->d, &j->w[i]);

		if (o)
			event_pulling(o);
	}
	snprintf(msg, len, "pulling image \"%s\"", c->spec->image.v);
	return PV_CE_IMAGE_PULLING;
}

static const char *policy_of(const struct pv_crt *c)
{
	return c->spec->image_pull_policy.v ? c->spec->image_pull_policy.v : "IfNotPresent";
}

enum pv_cevent pv_pull_missing(struct pv_crt *c, char *msg, size_t len)
{
	cleanup_free char *ref = NULL;

	if (strcmp(policy_of(c), "Never") == 0 || !(ref = pv_image_ref_normalize(c->spec->image.v, NULL)))
		return PV_CE_IMAGE_MISSING;
	return need_pull(c, ref, msg, len);
}

bool pv_pull_first(struct pv_crt *c, enum pv_cevent *ev, char *msg, size_t len)
{
	cleanup_free char *ref = NULL;

	if (strcmp(policy_of(c), "Always") != 0 || fresh_take(c) ||
	    !(ref = pv_image_ref_normalize(c->spec->image.v, NULL)))
		return false; /* an invalid name is the lookup's to report */
	*ev = need_pull(c, ref, msg, len);
	return true;
}

void pv_pulls_stop(struct pv_daemon *d)
{
	(void)d;
	while (jobs) {
		struct job *j = jobs;
		siginfo_t si;

		if (j->pid > 0) {
			pv_pidfd_signal(j->pidfd, SIGKILL);
			while (waitid(P_PID, (id_t)j->pid, &si, WEXITED | __WALL) < 0 && errno == EINTR)
				;
		}
		job_free(j);
	}
	for (size_t i = 0; i < nfresh; i++)
		free(fresh[i]);
	free(fresh);
	fresh = NULL;
	nfresh = 0;
}
