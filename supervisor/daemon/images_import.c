/* The images-import directory (see images_import.h): inotify on it, a
 * queue of names, one `podvisor image import --state STATE SRC` child at
 * a time (cloned with a pidfd and no exit signal, as pods_pull.c's pulls:
 * the daemon's SIGCHLD reaper never takes its status), its stderr read
 * for the names imported and its last line, and STATE/images-import.json,
 * the record of what was imported or refused (by name: size and mtime).
 * Owns all of these. Calls: node (events), core (loop, log, files,
 * processes). */
#include "supervisor/daemon/images_import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"

#define QUEUE_MAX 256

struct pv_imports {
	struct pv_daemon *d;
	char *dir, *record_path;
	int ifd;
	struct pv_watch_fd *iw;
	struct json_object *record; /* {NAME: {size, mtime, ok, names|error}} */
	char *queue[QUEUE_MAX];
	size_t nqueue;
	bool overflow; /* files were left out of the full queue: scan once it drains */
	/* the import running */
	char *name;                 /* NULL: none */
	int64_t size, mtime;
	pid_t pid;
	int pidfd, errfd;
	struct pv_watch_fd *pw, *ew;
	char out[8192];             /* its stderr */
	size_t outlen;
	int64_t started_ms;
};

static bool ignored(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || n == 0 || name[n - 1] == '~' || (n > 4 && strcmp(name + n - 4, ".tmp") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".part") == 0) ||
	       (n > 8 && strcmp(name + n - 8, ".partial") == 0);
}

/* NAME's size and mtime (a layout: its index.json's); -1 when it is not
 * something to import. */
static int identity(const struct pv_imports *im, const char *name, int64_t *size, int64_t *mtime)
{
	cleanup_free char *path = NULL;
	struct stat sb;

	if (asprintf(&path, "%s/%s", im->dir, name) < 0 || lstat(path, &sb) < 0)
		return -1;
	if (S_ISDIR(sb.st_mode)) {
		free(path);
		path = NULL;
		if (asprintf(&path, "%s/%s/index.json", im->dir, name) < 0 || lstat(path, &sb) < 0)
			return -1;
	}
	if (!S_ISREG(sb.st_mode))
		return -1;
	*size = sb.st_size;
	*mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	return 0;
}

/* Imported (or refused) already, as it is now? */
static bool done_before(const struct pv_imports *im, const char *name, int64_t size, int64_t mtime)
{
	struct json_object *e = NULL, *s = NULL, *m = NULL;

	return json_object_object_get_ex(im->record, name, &e) &&
	       json_object_object_get_ex(e, "size", &s) && json_object_object_get_ex(e, "mtime", &m) &&
	       json_object_get_int64(s) == size && json_object_get_int64(m) == mtime;
}

static void record_result(struct pv_imports *im, bool ok, const char *what)
{
	struct json_object *e = json_object_new_object();
	struct pv_err err = { 0 };

	json_object_object_add(e, "size", json_object_new_int64(im->size));
	json_object_object_add(e, "mtime", json_object_new_int64(im->mtime));
	json_object_object_add(e, "ok", json_object_new_boolean(ok));
	json_object_object_add(e, ok ? "names" : "error", json_object_new_string(what));
	json_object_object_add(im->record, im->name, e);
	if (pv_write_json_atomic(im->record_path, im->record, &err) < 0)
		pv_warn("images-import: %s: %s", im->record_path, err.msg);
}

static void start_next(struct pv_imports *im);

static void close_child(struct pv_imports *im)
{
	pv_loop_del(im->d->loop, im->pw);
	pv_loop_del(im->d->loop, im->ew);
	im->pw = im->ew = NULL;
	if (im->pidfd >= 0)
		close(im->pidfd);
	if (im->errfd >= 0)
		close(im->errfd);
	im->pidfd = im->errfd = -1;
	im->pid = 0;
}

static void read_out(struct pv_imports *im)
{
	ssize_t n;

	while (im->errfd >= 0) {
		char buf[1024];

		n = read(im->errfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		if (im->outlen + (size_t)n >= sizeof(im->out)) { /* keep the end */
			size_t drop = im->outlen + (size_t)n - sizeof(im->out) + 1;

			drop = drop > im->outlen ? im->outlen : drop;
			memmove(im->out, im->out + drop, im->outlen - drop);
			im->outlen -= drop;
		}
		n = (ssize_t)((size_t)n < sizeof(im->out) - 1 - im->outlen ? (size_t)n
			      : sizeof(im->out) - 1 - im->outlen);
		memcpy(im->out + im->outlen, buf, (size_t)n);
		im->outlen += (size_t)n;
	}
	pv_loop_del(im->d->loop, im->ew);
	im->ew = NULL;
	close(im->errfd);
	im->errfd = -1;
}

static void child_said(void *data, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	read_out(data);
}

/* The names "imported NAME" lines give, space-separated, and the last line. */
static void summarize(struct pv_imports *im, char *names, size_t nlen, const char **last)
{
	char *save = NULL;

	names[0] = '\0';
	*last = "";
	im->out[im->outlen] = '\0';
	for (char *l = strtok_r(im->out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "imported ", 9) == 0 && strlen(names) + strlen(l) < nlen)
			snprintf(names + strlen(names), nlen - strlen(names), "%s%s",
				 names[0] ? " " : "", l + 9);
		*last = l;
	}
}

static void child_ended(void *data, int fd, uint32_t events)
{
	struct pv_imports *im = data;
	char obj[4200], names[2048];
	const char *last;
	int status, rc;

	(void)fd;
	(void)events;
	rc = pv_child_ended(im->pid, &status);
	if (rc == 0)
		return;
	if (rc < 0) /* its pidfd says it ended, and its status is lost */
		status = -1;
	read_out(im);
	close_child(im);
	summarize(im, names, sizeof(names), &last);
	snprintf(obj, sizeof(obj), "file:%s/%s", im->dir, im->name);
	if (status == 0) {
		pv_daemon_event(im->d, obj, false, "Imported", "imported %s in %.3fs", names,
				(double)(pv_now_ms() - im->started_ms) / 1000.0);
		record_result(im, true, names);
	} else {
		const char *p = "podvisor image import: ";

		if (strncmp(last, p, strlen(p)) == 0)
			last += strlen(p);
		pv_daemon_event(im->d, obj, true, "FailedImport", "not imported%s%s: %s",
				names[0] ? " but for " : "", names, last[0] ? last : "the import failed");
		record_result(im, false, last);
	}
	free(im->name);
	im->name = NULL;
	start_next(im);
}

static int spawn(struct pv_imports *im, const char *src)
{
	const char *argv[] = { "podvisor", "image", "import", "--state", im->d->state, src, NULL };
	int pidfd, errfd;
	pid_t pid = pv_spawn_self((char *const *)argv, &pidfd, &errfd);

	if (pid < 0)
		return -1;
	im->pid = pid;
	im->pidfd = pidfd;
	im->errfd = errfd;
	im->outlen = 0;
	im->started_ms = pv_now_ms();
	im->pw = pv_loop_add(im->d->loop, pidfd, EPOLLIN, child_ended, im);
	im->ew = pv_loop_add(im->d->loop, im->errfd, EPOLLIN, child_said, im);
	return 0;
}

/* The next name in the queue that is new or changed. */
static void scan(struct pv_imports *im);

static void start_next(struct pv_imports *im)
{
again:
	while (!im->name && im->nqueue) {
		char *name = im->queue[0];
		cleanup_free char *src = NULL;

		memmove(im->queue, im->queue + 1, --im->nqueue * sizeof(char *));
		if (identity(im, name, &im->size, &im->mtime) < 0) {
			free(name); /* gone, or not a file or layout */
			continue;
		}
		if (done_before(im, name, im->size, im->mtime)) {
			pv_info("images-import: %s/%s: imported already (same size and mtime); "
				"skipped", im->dir, name);
			free(name);
			continue;
		}
		if (asprintf(&src, "%s/%s", im->dir, name) < 0) {
			free(name);
			continue;
		}
		im->name = name;
		pv_info("images-import: importing %s", src);
		if (spawn(im, src) < 0) {
			pv_warn("images-import: %s: cannot start the import: %s", src, strerror(errno));
			free(im->name);
			im->name = NULL;
		}
	}
	if (!im->name && !im->nqueue && im->overflow) {
		im->overflow = false; /* the files the full queue left out */
		scan(im);
		goto again;
	}
}

/* Queue NAME unless it is there already, or was imported (or refused)
 * as it is: the queue holds only work, so that the scan after an
 * overflow moves on to the files left out. */
static void enqueue(struct pv_imports *im, const char *name)
{
	int64_t size, mtime;

	if (ignored(name))
		return;
	for (size_t i = 0; i < im->nqueue; i++)
		if (strcmp(im->queue[i], name) == 0)
			return;
	if (identity(im, name, &size, &mtime) == 0 && done_before(im, name, size, mtime)) {
		pv_info("images-import: %s/%s: imported already (same size and mtime); skipped",
			im->dir, name);
		return;
	}
	if (im->nqueue == QUEUE_MAX) {
		if (!im->overflow)
			pv_warn("images-import: more than %d files waiting; the others are read "
				"once these are done", QUEUE_MAX);
		im->overflow = true;
		return;
	}
	if ((im->queue[im->nqueue] = strdup(name)))
		im->nqueue++;
}

static void on_inotify(void *data, int fd, uint32_t events)
{
	struct pv_imports *im = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->len)
				enqueue(im, e->name);
			p += sizeof(*e) + e->len;
		}
	start_next(im);
}

static void scan(struct pv_imports *im)
{
	DIR *dir = opendir(im->dir);
	struct dirent *e;

	while (dir && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			enqueue(im, e->d_name);
	if (dir)
		closedir(dir);
}

void pv_imports_rescan(struct pv_imports *im)
{
	if (!im)
		return;
	pv_info("SIGHUP: rescanning %s", im->dir);
	scan(im);
	start_next(im);
}

struct pv_imports *pv_imports_new(struct pv_daemon *d, const char *dir, struct pv_err *err)
{
	struct pv_imports *im = calloc(1, sizeof(*im));

	if (!im) {
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	im->d = d;
	im->ifd = im->pidfd = im->errfd = -1;
	if (!(im->dir = strdup(dir)) || asprintf(&im->record_path, "%s/images-import.json", d->state) < 0) {
		pv_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (pv_mkdir_p(dir, 0700, err) < 0)
		goto fail;
	if ((im->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(im->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0 ||
	    !(im->iw = pv_loop_add(d->loop, im->ifd, EPOLLIN, on_inotify, im))) {
		pv_err_sys(err, errno, "%s: cannot watch it", dir);
		goto fail;
	}
	if (!(im->record = pv_read_json(im->record_path, NULL)) ||
	    !json_object_is_type(im->record, json_type_object)) {
		json_object_put(im->record);
		im->record = json_object_new_object();
	}
	scan(im);
	start_next(im);
	return im;
fail:
	pv_imports_free(im);
	return NULL;
}

void pv_imports_free(struct pv_imports *im)
{
	siginfo_t si;

	if (!im)
		return;
	if (im->pid > 0) {
		pv_pidfd_signal(im->pidfd, SIGKILL);
		while (waitid(P_PID, (id_t)im->pid, &si, WEXITED | __WALL) < 0 && errno == EINTR)
			;
	}
	close_child(im);
	pv_loop_del(im->d->loop, im->iw);
	if (im->ifd >= 0)
		close(im->ifd);
	for (size_t i = 0; i < im->nqueue; i++)
		free(im->queue[i]);
	json_object_put(im->record);
	free(im->name);
	free(im->dir);
	free(im->record_path);
	free(im);
}
