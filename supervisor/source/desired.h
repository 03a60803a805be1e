/* Desired state: the objects of the manifests directory, per file, with
 * last-good semantics. A file that fails to load changes nothing: its
 * previous objects stay in force and its errors are kept for `describe`
 * and the log. A file re-written with identical bytes is not reloaded. */
#ifndef PV_SUPERVISOR_DESIRED_H
#define PV_SUPERVISOR_DESIRED_H

#include <stdbool.h>
#include <stdint.h>

#include "manifests/manifest.h"

struct pv_dfile {
	char *path;
	struct pv_file *good;   /* the objects in force; NULL before the first good load */
	struct pv_file *failed; /* the last failed load, kept for its diagnostics */
	unsigned char hash[32]; /* of the bytes last read, good or bad */
	bool have_hash;
};

struct pv_desired {
	struct pv_dfile **files;
	size_t n, cap;
	uint64_t generation; /* bumped whenever the objects in force change */
};

enum pv_apply_result {
	PV_APPLY_UNCHANGED, /* same bytes as last time */
	PV_APPLY_LOADED,    /* new objects in force */
	PV_APPLY_FAILED,    /* errors; the previous objects stay */
};

void pv_desired_init(struct pv_desired *d);
void pv_desired_free(struct pv_desired *d);
/* (Re)load PATH. The result says what happened; the file's diagnostics
 * are in the returned pv_dfile (->good or ->failed). */
enum pv_apply_result pv_desired_apply(struct pv_desired *d, const char *path,
				      struct pv_dfile **out);
/* Forget PATH and its objects; false when it was not known. */
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
