/* Desired state: the objects of the manifests directory, per file, with
 * last-good semantics. A file that fails to load, or is refused (admit.h:
 * a symlink out of the directory, a FIFO, a file too large), changes
 * nothing: its previous objects stay in force and its errors are kept for
 * `describe` and the log. A file re-written with identical bytes is not
 * reloaded. The bytes in force are kept in the state directory (saved.h),
 * so that the last valid version outlives a restart of the daemon. */
#ifndef PV_SUPERVISOR_DESIRED_H
#define PV_SUPERVISOR_DESIRED_H

#include <stdbool.h>
#include <stdint.h>

#include "manifests/manifest.h"
#include "supervisor/source/admit.h"
#include "supervisor/source/saved.h"

struct pv_dfile {
	char *path;
	struct pv_file *good;   /* the objects in force; NULL before the first good load */
	struct pv_file *failed; /* the last failed load, kept for its diagnostics */
	unsigned char hash[32]; /* of the bytes last read, good or bad */
	bool have_hash;
	int64_t good_at;        /* since when (wall clock, s) the bytes in force are valid */
	bool good_saved;        /* in force from the saved copy (the file failed at start) */
	bool refused;           /* ->failed is a refusal (admit.h), not a load error */
	char *unsaved;          /* the bytes in force when keeping them failed (saved.h) */
	size_t unsaved_len;
};

struct pv_desired {
	struct pv_dfile **files;
	size_t n, cap;
	uint64_t generation; /* bumped whenever the objects in force change */
	struct pv_admit admit; /* which files may be read: .root, links, size */
	struct pv_saved saved; /* .dir NULL: no copies kept */
};

enum pv_apply_result {
	PV_APPLY_UNCHANGED, /* same bytes as last time */
	PV_APPLY_LOADED,    /* new objects in force */
	PV_APPLY_FAILED,    /* errors; the previous objects stay */
	PV_APPLY_REFUSED,   /* not a file podvisor may read (->failed says why); the same */
};

void pv_desired_init(struct pv_desired *d);
void pv_desired_free(struct pv_desired *d);
/* (Re)load PATH. The result says what happened; the file's diagnostics
 * are in the returned pv_dfile (->good or ->failed). */
enum pv_apply_result pv_desired_apply(struct pv_desired *d, const char *path,
				      struct pv_dfile **out);
/* F failed (or was refused) and has nothing in force: put its saved last
 * valid version in force (->good_saved). False when there is none, or it
 * no longer loads (another file took one of its objects). */
bool pv_desired_restore(struct pv_desired *d, struct pv_dfile *f);
/* Put in force the saved version of every file with a copy that is not
 * known (at start, with the manifests directory missing); how many. */
size_t pv_desired_restore_all(struct pv_desired *d);
/* The same for the files in PATHS only (sorted or not): at start, before
 * any file is read, so that a file that held an object keeps it against
 * one that claims it now, whatever the order they are read in (a file's
 * own bytes replace its copy when they load). */
size_t pv_desired_restore_listed(struct pv_desired *d, const struct pv_pathlist *paths);
/* Try again to keep the bytes in force of the files whose copy could not
 * be written (the older copy was dropped then); how many still wait. */
size_t pv_desired_save_pending(struct pv_desired *d);
/* Remove the copies of files that are not known (after a complete scan). */
void pv_desired_saved_gc(struct pv_desired *d);
/* Which version of F is in force, for `describe`: "the file as it is
 * (valid since T)", or "last valid version from T; the file now fails:
 * FILE:LINE:COL: ...". */
void pv_dfile_source(const struct pv_dfile *f, char *buf, size_t n);

/* Forget PATH and its objects (and its saved copy); false when it was
 * not known. */
bool pv_desired_remove(struct pv_desired *d, const char *path);
struct pv_dfile *pv_desired_find(struct pv_desired *d, const char *path);

/* Whether every file has objects in force: false while one has failed to
 * load since it appeared (its objects are unknown, not absent). Decisions
 * that forget what a missing object held (addresses, volumes) wait for a
 * complete view. */
bool pv_desired_complete(const struct pv_desired *d);

/* Iterate the objects in force of kind K: call FN for each. */
void pv_desired_each(const struct pv_desired *d, enum pv_kind k,
		     void (*fn)(void *data, const struct pv_dfile *f, const struct pv_object *o),
		     void *data);
/* The object of kind K named NS/NAME in force, or NULL. */
const struct pv_object *pv_desired_get(const struct pv_desired *d, enum pv_kind k,
				       const char *ns, const char *name,
				       const struct pv_dfile **file);

#endif
