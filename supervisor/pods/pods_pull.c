/* Pulls for the containers that need them (see pods_pull.h). A pull is a
 * job per normalized image reference and credentials: its child (`/proc/self/exe image
 * pull --state STATE ... REF`, cloned with a pidfd and no exit signal, so
 * the daemon's SIGCHLD reaper never takes its status), the last line of
 * its stderr (the error), and the containers waiting for it. A container
 * that needs its image pulled waits in BLOCKED (ContainerCreating while
 * the pull runs, ErrImagePull once it failed, ImagePullBackOff until the
 * next one is due); a pass retries it, and the pull's end kicks one.
 * Always: a container is created once a pull that it waited for has
 * succeeded (kept in `fresh` until then).
 * A pod's imagePullSecrets (Secrets of its namespace, docker config) are
 * put before the node's credentials file in a 0600 file under
 * STATE/pull-creds for the child's --creds, removed when the child ends;
 * a hash of them is part of the job's key, so pods share a pull only
 * when they pull with the same credentials.
 * Owns the jobs, their children, pipes, watches and back-off timers.
 * Calls: pods (records, events, the container table), image (references,
 * credentials), source (the Secrets in force), node (the kick), core
 * (loop, log, processes). */
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/sha256.h"
#include "manifests/manifest.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/image/image.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/source/desired.h"

#define PULL_PREFIX "podvisor image pull: "
#define CREDS_DIR "pull-creds"

struct waiter {
	char uid[33];
	char *cname;
	bool told_backoff; /* its BackOff event, once per failed pull */
	/* Its pod's imagePullSecrets that could not be used ("NAME",
	 * "NAME: why"), told at each attempt; NULL: none. */
	char *unusable;
};

struct job {
	struct pv_daemon *d;
	char *ref;                 /* normalized */
	char *creds;               /* the config.json its pull uses; NULL: the node's file */
	char key[PV_SHA256_HEX + 1]; /* the hash of CREDS; "": none */
	char *creds_path;          /* CREDS written for the running child; NULL: none */
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
static void waiter_clear(struct waiter *w)
{
	free(w->cname);
	free(w->unusable);
}

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
			waiter_clear(&j->w[i]);
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

static struct job *job_find(const char *ref, const char *key)
{
	for (struct job *j = jobs; j; j = j->next)
		if (strcmp(j->ref, ref) == 0 && strcmp(j->key, key) == 0)
			return j;
	return NULL;
}

/* The pull's credentials file is gone: the child has ended (or never ran). */
static void job_creds_drop(struct job *j)
{
	if (!j->creds_path)
		return;
	if (unlink(j->creds_path) < 0 && errno != ENOENT)
		pv_warn("cannot remove %s: %s", j->creds_path, strerror(errno));
	free(j->creds_path);
	j->creds_path = NULL;
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
	job_creds_drop(j);
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
		waiter_clear(&j->w[i]);
	free(j->w);
	free(j->ref);
	if (j->creds)
		explicit_bzero(j->creds, strlen(j->creds));
	free(j->creds);
	free(j);
}

/* A job for REF with CREDS (taken; NULL: the node's file), hashed as KEY. */
static struct job *job_new(struct pv_daemon *d, const char *ref, char *creds, const char *key)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j || !(j->ref = strdup(ref))) {
		free(j);
		return NULL;
	}
	j->creds = creds;
	snprintf(j->key, sizeof(j->key), "%s", key);
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

/* ---- credentials: a pod's imagePullSecrets, then the node's file ---- */

/* What a pod pulls with. */
struct pod_creds {
	char *text;                   /* config.json; NULL: the node's file alone */
	char key[PV_SHA256_HEX + 1];  /* TEXT's hash; "" without */
	char *unusable;               /* "NAME, NAME: why"; NULL: every one was used */
};

static void pod_creds_clear(struct pod_creds *pc)
{
	if (pc->text)
		explicit_bzero(pc->text, strlen(pc->text));
	free(pc->text);
	free(pc->unusable);
	*pc = (struct pod_creds){ NULL, "", NULL };
}

/* Append NAME (and WHY) to the list of the secrets that could not be used. */
static void unusable_add(struct pod_creds *pc, const char *name, const char *why)
{
	char *next;

	if (asprintf(&next, "%s%s%s%s%s", pc->unusable ? pc->unusable : "",
		     pc->unusable ? ", " : "", name, why ? ": " : "", why ? why : "") < 0)
		return;
	free(pc->unusable);
	pc->unusable = next;
}

/* KEY's value in S: stringData's as written, else data's decoded; NULL
 * when it has none (or it is not base64). */
static char *secret_value(const struct pv_secret *s, const char *key, size_t *len)
{
	for (size_t i = 0; i < s->string_data.n; i++)
		if (strcmp(s->string_data.items[i].key, key) == 0) {
			*len = strlen(s->string_data.items[i].value);
			return strdup(s->string_data.items[i].value);
		}
	for (size_t i = 0; i < s->data.n; i++)
		if (strcmp(s->data.items[i].key, key) == 0)
			return (char *)pv_base64_decode(s->data.items[i].value, len);
	return NULL;
}

/* The Secret NAME of P's namespace into A, as the kubelet reads a pull
 * secret: type kubernetes.io/dockerconfigjson (key .dockerconfigjson) or
 * kubernetes.io/dockercfg (key .dockercfg). Whatever is wrong goes to PC. */
static void secret_add(struct pv_prt *p, const char *name, struct pv_image_auths *a,
		       struct pod_creds *pc)
{
	const struct pv_object *o = pv_desired_get(&p->d->desired, PV_KIND_SECRET, p->ns, name, NULL);
	const struct pv_secret *s = o ? (const struct pv_secret *)o->obj : NULL;
	const char *type = s && s->type.v ? s->type.v : "Opaque";
	bool cfg = strcmp(type, "kubernetes.io/dockercfg") == 0;
	const char *key = cfg ? ".dockercfg" : ".dockerconfigjson";
	struct pv_err err = { 0, "" };
	cleanup_free char *why = NULL, *v = NULL;
	size_t len = 0;

	if (!s) {
		unusable_add(pc, name, NULL); /* the kubelet names it, no more */
		return;
	}
	if (!cfg && strcmp(type, "kubernetes.io/dockerconfigjson") != 0) {
		if (asprintf(&why, "its type is %s, not kubernetes.io/dockerconfigjson or "
			     "kubernetes.io/dockercfg", type) >= 0)
			unusable_add(pc, name, why);
		return;
	}
	if (!(v = secret_value(s, key, &len))) {
		if (asprintf(&why, "no key %s", key) >= 0)
			unusable_add(pc, name, why);
		return;
	}
	if (pv_image_auths_add(a, v, len, cfg, &err) < 0)
		unusable_add(pc, name, err.msg);
	explicit_bzero(v, len);
}

/* What C's pod pulls with: its imagePullSecrets' entries, then the
 * node's file's; none of its secrets gives any: the node's file alone,
 * as a pod that names none (they share pulls). */
static void pod_creds_of(const struct pv_crt *c, struct pod_creds *pc)
{
	struct pv_prt *p = c->pod;
	const struct pv_pod_spec *spec = &p->spec->spec;
	struct pv_image_auths *a = NULL;
	cleanup_free char *node_file = NULL;
	struct pv_err err = { 0, "" };

	*pc = (struct pod_creds){ NULL, "", NULL };
	if (!spec->image_pull_secrets.n || !(a = pv_image_auths_new()))
		return;
	for (size_t i = 0; i < spec->image_pull_secrets.n; i++) {
		const char *name = spec->image_pull_secrets.items[i].name.v;

		if (name && *name) /* the kubelet skips an empty name */
			secret_add(p, name, a, pc);
	}
	if (pv_image_auths_count(a) == 0)
		goto out;
	if (!cf()->creds_file && asprintf(&node_file, "%s/auth.json", p->d->state) < 0)
		goto out;
	/* a node file that cannot be read: the kubelet goes on without it too */
	if (pv_image_auths_add_file(a, cf()->creds_file ? cf()->creds_file : node_file,
				    cf()->creds_file != NULL, &err) < 0)
		pv_warn("pod %s/%s: the node's registry credentials are left out: %s", p->ns,
			p->name, err.msg);
	if ((pc->text = pv_image_auths_text(a)))
		pv_sha256_hex(pc->text, strlen(pc->text), pc->key);
out:
	pv_image_auths_free(a);
}

/* STATE/pull-creds emptied once (pv_pulls_sweep at start, or before the
 * first file): a daemon that died mid-pull left its files there. */
static bool swept;

void pv_pulls_sweep(const char *state)
{
	cleanup_free char *dir = NULL;
	struct pv_err err = { 0, "" };

	if (asprintf(&dir, "%s/" CREDS_DIR, state) < 0)
		return;
	if (pv_rm_rf(dir, &err) < 0)
		pv_warn("cannot empty %s: %s", dir, err.msg);
	else
		swept = true;
}

/* J's credentials in a new 0600 file under STATE/pull-creds (made 0700). */
static int job_creds_write(struct job *j)
{
	static unsigned long seq;
	cleanup_free char *dir = NULL;
	cleanup_close int fd = -1;
	struct pv_err err = { 0, "" };

	if (asprintf(&dir, "%s/" CREDS_DIR, j->d->state) < 0)
		return snprintf(j->error, sizeof(j->error), "out of memory"), -1;
	if (!swept && pv_rm_rf(dir, &err) < 0)
		pv_warn("cannot empty %s: %s", dir, err.msg);
	swept = true;
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    asprintf(&j->creds_path, "%s/%d-%lu.json", dir, (int)getpid(), ++seq) < 0)
		return snprintf(j->error, sizeof(j->error), "%s: %s", dir, strerror(errno)), -1;
	fd = open(j->creds_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || pv_write_all(fd, j->creds, strlen(j->creds)) < 0) {
		snprintf(j->error, sizeof(j->error), "%s: %s", j->creds_path, strerror(errno));
		job_creds_drop(j);
		return -1;
	}
	return 0;
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
	if (j->creds && job_creds_write(j) < 0)
		return -1;
	if (j->creds || cf()->creds_file) {
		argv[n++] = "--creds";
		argv[n++] = j->creds ? j->creds_path : cf()->creds_file;
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
	if (pid < 0) {
		snprintf(j->error, sizeof(j->error), "cannot start the pull: %s", strerror(errno));
		job_creds_drop(j);
		return -1;
	}
	j->pid = pid;
	j->pidfd = pidfd;
	j->errfd = errfd;
	j->line[0] = '\0';
	j->plen = 0;
	j->started_ms = pv_now_ms();
	j->pw = pv_loop_add(j->d->loop, pidfd, EPOLLIN, job_ended, j);
	j->ew = pv_loop_add(j->d->loop, j->errfd, EPOLLIN, job_said, j);
	pv_info("pulling image %s (pid %d)%s%s%s%.12s", j->ref, (int)pid,
		mirrors ? ", mirrors " : "", mirrors ? mirrors : "",
		j->creds ? ", with pull secrets " : "", j->key);
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
	int status, rc;

	(void)fd;
	(void)events;
	rc = pv_child_ended(j->pid, &status);
	if (rc == 0)
		return; /* not yet */
	if (rc < 0) /* its pidfd says it ended, and its status is lost */
		status = -1;
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

/* The kubelet's words, before each attempt to pull. */
static void event_pulling(struct pv_crt *c, const struct waiter *w)
{
	if (w && w->unusable)
		pv_pod_event(c->pod, true, PV_EV_FAILED_PULL_SECRET, "Unable to retrieve some image "
			     "pull secrets (%s); attempting to pull the image may not succeed.",
			     w->unusable);
	pv_pod_event(c->pod, false, PV_EV_PULLING, "Pulling image \"%s\"", c->spec->image.v);
}

/* C waits for J only: out of any other job's waiters (its pod's
 * secrets changed), and a job that no one waits for and that does not
 * run is forgotten. */
static void waiter_move(const struct pv_crt *c, const struct job *j)
{
	struct job *o = jobs, *next;

	for (; o; o = next) {
		struct waiter *w = o == j ? NULL : waiter_of(o, c);

		next = o->next;
		if (!w)
			continue;
		waiter_clear(w);
		*w = o->w[--o->nw];
		if (!o->nw && o->pid <= 0)
			job_free(o);
	}
}

/* The job for C's pull of REF with its pod's credentials, C among its
 * waiters (JOINED: just now); NULL: out of memory. */
static struct job *job_for(struct pv_crt *c, const char *ref, bool *joined)
{
	struct pod_creds pc;
	struct job *j;
	struct waiter *w;

	pod_creds_of(c, &pc);
	j = job_find(ref, pc.key);
	if (!j && (j = job_new(c->pod->d, ref, pc.text, pc.key)))
		pc.text = NULL; /* the job's */
	if (!j)
		goto out;
	waiter_move(c, j);
	*joined = waiter_add(j, c) != NULL;
	if ((w = waiter_of(j, c))) {
		free(w->unusable);
		w->unusable = pc.unusable;
		pc.unusable = NULL;
	}
out:
	pod_creds_clear(&pc);
	return j;
}

/* C needs its image pulled: join the pull of its reference, start one
 * if none runs and none failed lately. The event to apply, MSG its message. */
static enum pv_cevent need_pull(struct pv_crt *c, const char *ref, char *msg, size_t len)
{
	bool joined = false;
	struct job *j = job_for(c, ref, &joined);
	struct waiter *w;

	if (!j) {
		snprintf(msg, len, "out of memory");
		return PV_CE_IMAGE_PULL_FAILED;
	}
	w = waiter_of(j, c);
	if (j->pid > 0) { /* running: wait for it */
		if (joined)
			event_pulling(c, w);
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
			event_pulling(o, &j->w[i]);
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
