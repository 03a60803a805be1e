/* The last valid version of each manifest file, kept in the state
 * directory (STATE/manifests/<sha256 of the relative path>), so that a daemon
 * started while a file fails to load (or is refused, or while the whole
 * manifests directory is missing) still has the objects that were in
 * force. A copy holds exactly the bytes in force, after a line naming the
 * file: written (temp, fsync,
 * rename) when a new valid version loads, removed when the file is
 * deleted; its modification time says since when that version is valid.
 *
 * Owns: the files under STATE/manifests/. Calls: core (atomic writes),
 * scan (its path list). */
#ifndef PV_SUPERVISOR_SAVED_H
#define PV_SUPERVISOR_SAVED_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "supervisor/source/scan.h"

struct pv_saved {
	const char *dir;  /* STATE/manifests */
	const char *root; /* the manifests directory, as given */
};

/* PATH (a file under ROOT) as one line: its path relative to ROOT with
 * every byte but [A-Za-z0-9._-] as %XX ("sub/web.yaml" ->
 * "sub%2Fweb.yaml"). -1 when PATH is not under ROOT or OUT is too small.
 * (The copies were named so at first; such a copy is moved to its hashed
 * name when listed.) */
int pv_saved_escape(const char *root, const char *path, char *out, size_t n);
/* The reverse: ROOT/<unescaped NAME> into OUT; -1 on a malformed name. */
int pv_saved_unescape(const char *root, const char *name, char *out, size_t n);

/* The file name of PATH's copy: the sha256 of its escaped relative path,
 * 64 hex digits (any depth and length of path fits a file name); the copy
 * starts with a line "# podvisor: the last valid version of ESCAPED".
 * -1 when PATH is not under the root or N < 65. */
int pv_saved_name(const struct pv_saved *s, const char *path, char *out, size_t n);

/* Keep BUF as PATH's last valid version (not rewritten when the copy
 * already holds these bytes). *AT: since when (seconds, wall clock). */
int pv_saved_put(const struct pv_saved *s, const char *path, const char *buf, size_t len,
		 int64_t *at, struct pv_err *err);
/* PATH's last valid version (malloc'd, NUL-terminated), or NULL (ERR's
 * code ENOENT when there is none). */
char *pv_saved_get(const struct pv_saved *s, const char *path, size_t max, size_t *len,
		   int64_t *at, struct pv_err *err);
void pv_saved_drop(const struct pv_saved *s, const char *path);
/* The manifest paths that have a copy, sorted; leftovers (temporaries of
 * an interrupted write, names that do not decode) are removed. */
int pv_saved_list(const struct pv_saved *s, struct pv_pathlist *out, struct pv_err *err);

#endif
