/* The manifests directory as the daemon follows it: a file changed
 * (loaded, failed, refused, its last valid version restored), a file
 * removed (after a moment: a file renamed away and back is not a
 * delete), the directory missing or swapped for another, and the events
 * on "file:PATH" that tell whoever edits the directory what the daemon
 * made of each change. */
#include "supervisor/daemon/manifests_dir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/core/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/source/scan.h"
#include "supervisor/source/watch.h"

#define REMOVE_DELAY_MS 300 /* a file renamed away and back (vim) is not a delete */
#define SAVE_RETRY_MS 10000  /* a last valid version that could not be kept: tried again */

struct pending_rm {
	char *path;
	int64_t due;
};

static struct {
	struct pending_rm *v;
	size_t n;
	struct pv_timer *timer;
} removals;

static struct {
	bool dir_missing; /* the manifests directory was missing at the last scan */
	struct pv_watcher *watcher;
	dev_t root_dev;   /* the directory scanned last (0: none yet) */
	ino_t root_ino;
	struct pv_timer *save_timer; /* copies to write again (a full state disk) */
	bool scanned;     /* a complete scan was applied (the first one restores first) */
} mdir;

/* Keep the last valid versions that could not be written before: now,
 * and every SAVE_RETRY_MS while some still wait. */
static void save_pending(void *data)
{
	struct pv_daemon *d = data;

	if (pv_desired_save_pending(&d->desired) && mdir.save_timer &&
	    !pv_timer_armed(mdir.save_timer))
		pv_timer_arm(mdir.save_timer, SAVE_RETRY_MS);
}

static void report_load(struct pv_daemon *d, const struct pv_dfile *f)
{
	const struct pv_file *bad = f->failed;
	const struct pv_diag *first = NULL;
	size_t n = bad ? bad->diags.nerrors : 0;
	char obj[4200];

	snprintf(obj, sizeof(obj), "file:%s", f->path);
	for (size_t i = 0; bad && i < bad->diags.n; i++) {
		const struct pv_diag *g = &bad->diags.v[i];

		if (g->sev != PV_SEV_ERROR)
			continue;
		pv_error("%s:%u:%u: error: %s%s%s", f->path, g->loc.line, g->loc.col, g->path,
			 g->path[0] ? ": " : "", g->msg);
		first = first ? first : g;
	}
	/* The first error where an editor goes (FILE:LINE:COL), so that
	 * `get events` and `describe` show what to fix, not only that
	 * something failed; `podvisor check FILE` lists them all. */
	if (first)
		pv_daemon_event(d, obj, true, "FailedLoad", "%s:%u:%u: %s%s%s (%zu error%s; %s)",
				f->path, first->loc.line, first->loc.col, first->path,
				first->path[0] ? ": " : "", first->msg, n, n == 1 ? "" : "s",
				f->good ? "the previous version stays in force"
					: "nothing from it is applied");
	else
		pv_daemon_event(d, obj, true, "FailedLoad", "%zu error%s; %s", n, n == 1 ? "" : "s",
				f->good ? "the previous version stays in force"
					: "nothing from it is applied");
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
	const struct pv_diag *first = NULL;
	size_t n = 0;

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
		if (!first)
			first = g;
		n++;
	}
	/* and one on the file: whoever watches the file sees them too */
	if (first) {
		char fobj[4200];

		snprintf(fobj, sizeof(fobj), "file:%s", f->path);
		pv_daemon_event(d, fobj, true, "NotActedOn", "%s:%u:%u: %s: %s (%zu field%s or kind%s "
				"loaded but not acted on; `podvisor check` lists them)", f->path,
				first->loc.line, first->loc.col, first->path, first->msg, n,
				n == 1 ? "" : "s", n == 1 ? "" : "s");
	}
}

static void cancel_removal(const char *path)
{
	for (size_t i = 0; i < removals.n; i++) {
		if (strcmp(removals.v[i].path, path) != 0)
			continue;
		free(removals.v[i].path);
		memmove(&removals.v[i], &removals.v[i + 1], (removals.n - i - 1) * sizeof(*removals.v));
		removals.n--;
		return;
	}
}

/* PATH as the user wrote it: relative to the manifests directory. */
static const char *manifest_name(const struct pv_daemon *d, const char *path)
{
	size_t n = strlen(d->manifests);

	while (n > 1 && d->manifests[n - 1] == '/')
		n--;
	return strncmp(path, d->manifests, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

/* A file podvisor may not read (admit.h): a Warning naming it and why. */
static void report_refused(struct pv_daemon *d, const struct pv_dfile *f)
{
	const char *why = f->failed && f->failed->diags.n ? f->failed->diags.v[0].msg : "?";
	char obj[4200];

	snprintf(obj, sizeof(obj), "file:%s", f->path);
	pv_daemon_event(d, obj, true, "Refused", "manifest %s %s: refused; %s",
			manifest_name(d, f->path), why,
			f->good ? "the previous version stays in force" : "nothing from it is applied");
}

/* The file failed or was refused when first read, and its last valid
 * version (saved before the daemon restarted) is put in force. */
static void restore_saved(struct pv_daemon *d, struct pv_dfile *f)
{
	char src[1024];

	/* in force from its copy before the file was read (at start), or now */
	if (!(f->good && f->good_saved) && !pv_desired_restore(&d->desired, f))
		return;
	pv_dfile_source(f, src, sizeof(src));
	file_event(d, f->path, "LastValidVersion", "%zu object%s in force from the %s "
		   "(generation %llu)", f->good->nobjects, f->good->nobjects == 1 ? "" : "s", src,
		   (unsigned long long)d->desired.generation);
	pv_daemon_kick(d);
}

static void file_changed(void *data, const char *path)
{
	struct pv_daemon *d = data;
	struct pv_dfile *f = pv_desired_find(&d->desired, path);
	/* its saved copy put in force before the file was ever read: a load
	 * now is its first, a failure puts the copy in force for good */
	bool restored = f && f->good_saved && !f->have_hash;
	bool had_good = f && f->good && !restored;
	enum pv_apply_result r;

	cancel_removal(path);
	switch ((r = pv_desired_apply(&d->desired, path, &f))) {
	case PV_APPLY_UNCHANGED:
		file_event(d, path, "Unchanged", f && f->refused ? "refused again, for the same "
			   "reason; nothing to do" : "the same bytes as last read; nothing to do");
		break;
	case PV_APPLY_LOADED:
		report_unacted(d, f->good); /* first: the outcome is the file's last event */
		file_event(d, path, had_good ? "Updated" : "Loaded", "%zu object%s in force (generation %llu)",
			   f->good->nobjects, f->good->nobjects == 1 ? "" : "s",
			   (unsigned long long)d->desired.generation);
		pv_daemon_kick(d);
		save_pending(d);
		break;
	case PV_APPLY_FAILED:
	case PV_APPLY_REFUSED:
		if (!f)
			break;
		if (!had_good)
			restore_saved(d, f);
		if (r == PV_APPLY_REFUSED)
			report_refused(d, f);
		else
			report_load(d, f);
		break;
	}
}

static void removals_fired(void *data)
{
	struct pv_daemon *d = data;
	int64_t now = pv_now_ms(), next = 0;
	size_t keep = 0;

	/* In the order the files went: `rm *.yaml` of 700 files says Removed
	 * for the last one last (a swap-removal here once said it second). */
	for (size_t i = 0; i < removals.n; i++) {
		struct pending_rm *r = &removals.v[i];

		if (r->due > now) {
			next = next && next < r->due ? next : r->due;
			removals.v[keep++] = *r;
			continue;
		}
		/* rm -r of the whole directory: kept, as a missing directory is */
		if (access(d->manifests, F_OK) != 0 && pv_desired_find(&d->desired, r->path)) {
			file_event(d, r->path, "Kept", "deleted with the manifests directory: its "
				   "objects stay until the directory is back (a missing directory "
				   "deletes nothing; an empty one deletes everything)");
		} else if (access(r->path, F_OK) != 0 && pv_desired_remove(&d->desired, r->path)) {
			file_event(d, r->path, "Removed", "its objects are deleted (generation %llu)",
				   (unsigned long long)d->desired.generation);
			pv_daemon_kick(d);
		}
		free(r->path);
	}
	removals.n = keep;
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

/* A missing manifests directory (removed, renamed away, a dangling
 * symlink) is not an empty one: what is in force stays until it is back
 * (an rsync or git directory swap must not stop pods). A daemon that
 * starts without it puts the saved last valid versions in force. */
static bool manifests_dir_present(struct pv_daemon *d)
{
	char obj[4200];
	struct stat st;
	size_t n;
	int e;

	snprintf(obj, sizeof(obj), "file:%s", d->manifests);
	e = stat(d->manifests, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (!e) {
		if (mdir.dir_missing)
			pv_daemon_event(d, obj, false, "ManifestsBack", "the manifests directory is "
					"back; its content is in force");
		mdir.dir_missing = false;
		return true;
	}
	n = pv_desired_restore_all(&d->desired);
	pv_daemon_event(d, obj, true, "ManifestsMissing", "the manifests directory %s is missing "
			"(%s): what is in force stays until it is back%s; to delete "
			"everything, make it an empty directory", d->manifests, strerror(e),
			n ? "; the saved last valid versions are in force (those of files "
			"deleted while the daemon was down too, until a scan of the "
			"directory)" : "");
	mdir.dir_missing = true;
	if (n)
		pv_daemon_kick(d);
	return false;
}

/* Whether the manifests directory is another one than at the last scan
 * (swapped in, re-made): maybe still being filled. */
static bool manifests_dir_new(struct pv_daemon *d)
{
	struct stat st;
	bool changed;

	if (stat(d->manifests, &st) < 0)
		return false;
	changed = mdir.root_ino && (st.st_dev != mdir.root_dev ||
					   st.st_ino != mdir.root_ino);
	mdir.root_dev = st.st_dev;
	mdir.root_ino = st.st_ino;
	return changed;
}

/* The first complete scan (at start): the saved copies of the files
 * listed go in force first, so that a file that held an object keeps it
 * against one that claims it now, whatever the order of the scan; then
 * the files are read. Where a file's own bytes replaced its copy, the
 * files that failed are read once more: an object moved from one file to
 * another while the daemon was down is then where it was moved to. */
static void first_scan(struct pv_daemon *d, const struct pv_pathlist *now)
{
	size_t replaced = 0;

	pv_desired_restore_listed(&d->desired, now);
	for (size_t i = 0; i < now->n; i++) {
		const struct pv_dfile *f = pv_desired_find(&d->desired, now->v[i]);
		bool restored = f && f->good_saved;

		file_changed(d, now->v[i]);
		f = pv_desired_find(&d->desired, now->v[i]);
		replaced += restored && f && f->good && !f->good_saved;
	}
	for (size_t i = 0; replaced && i < now->n; i++) {
		struct pv_dfile *f = pv_desired_find(&d->desired, now->v[i]);

		if (f && f->failed && !f->refused) {
			f->hash[0] ^= 1; /* read again, not "unchanged" */
			file_changed(d, now->v[i]);
		}
	}
}

static void rescan(void *data)
{
	struct pv_daemon *d = data;
	struct pv_pathlist now = { 0 };
	struct pv_err err = { 0 };
	bool complete = true, fresh = manifests_dir_new(d) || mdir.dir_missing;

	/* A scan that failed part-way lists only some files: the others are
	 * unknown, not deleted, and keep their objects. */
	if (access(d->manifests, F_OK) == 0 && pv_scan_dir(d->manifests, &now, &err) < 0) {
		pv_warn("rescan: %s; nothing is deleted until the directory can be read whole",
			err.msg);
		complete = false;
	}
	if (!manifests_dir_present(d))
		complete = false;
	for (size_t i = d->desired.n; complete && i-- > 0;) {
		const char *path = d->desired.files[i]->path;

		if (!listed(&now, path) && fresh) {
			/* a directory back or new, maybe still being filled (rm -r,
			 * then cp -r): its absent files go as deleted files do, after
			 * a moment */
			file_removed(d, path);
		} else if (!listed(&now, path)) {
			char *gone = strdup(path);

			pv_desired_remove(&d->desired, path);
			file_event(d, gone ? gone : "?", "Removed", "gone at a rescan; its objects are deleted "
				   "(generation %llu)", (unsigned long long)d->desired.generation);
			free(gone);
			pv_daemon_kick(d);
		}
	}
	if (complete && !mdir.scanned)
		first_scan(d, &now);
	else
		for (size_t i = 0; i < now.n; i++)
			file_changed(d, now.v[i]);
	mdir.scanned = mdir.scanned || complete;
	if (complete) /* the copies of files deleted while the daemon was down */
		pv_desired_saved_gc(&d->desired);
	save_pending(d);
	pv_pathlist_free(&now);
}

static const struct pv_watcher_ops watch_ops = {
	.changed = file_changed,
	.removed = file_removed,
	.rescan = rescan,
};

struct pv_watcher *pv_manifests_watch(struct pv_daemon *d, struct pv_err *err)
{
	if (!(removals.timer = pv_timer_new(d->loop, removals_fired, d)) ||
	    !(mdir.save_timer = pv_timer_new(d->loop, save_pending, d)))
		return pv_err_sys(err, errno, "timer"), NULL;
	return mdir.watcher = pv_watcher_new(d->loop, d->manifests, &watch_ops, d, err);
}

void pv_manifests_rescan(struct pv_daemon *d)
{
	rescan(d);
}

void pv_manifests_recheck(struct pv_daemon *d)
{
	pv_watcher_recheck(mdir.watcher); /* a symlinked root's target back */
	rescan(d);
}
