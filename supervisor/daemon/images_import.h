/* The images-import directory (default STATE/images-import, --images-import
 * DIR, node.yaml imagesImport; "none": none), as k3s' agent/images: an
 * OCI archive (tar, tar.gz) or an OCI layout directory delivered there
 * (written and closed, or renamed in: rsync's .name.XXXXXX temporaries
 * and other dotfiles are ignored) is imported under the names its
 * index.json gives, by a child process (`podvisor image import SRC`), one
 * at a time, never in the loop. At most 256 files wait in the queue; those
 * left out are read when it drains (and on SIGHUP, with any missed). What was imported, or refused, is kept in
 * STATE/images-import.json by name, size and mtime: the same file again
 * is not imported twice, a changed one is. Each import is an event on
 * "file:PATH" (Imported, or FailedImport with the import's error line);
 * the store's refs watch then starts the pods waiting for the image.
 * Owns the directory's watch, the queue, the child and the record.
 * Calls: node (events), core (loop, log, files, processes). */
#ifndef PV_SUPERVISOR_IMAGES_IMPORT_H
#define PV_SUPERVISOR_IMAGES_IMPORT_H

#include "common/err.h"
#include "supervisor/node/node.h"

struct pv_imports;

/* Watch DIR (made 0700 when missing) and queue what is in it already.
 * NULL with ERR when it cannot be watched. */
struct pv_imports *pv_imports_new(struct pv_daemon *d, const char *dir, struct pv_err *err);
/* The import running is killed; nothing else is left. */
void pv_imports_free(struct pv_imports *im);
/* Look at every file of the directory again (SIGHUP): those left out of
 * a full queue, or delivered while the daemon was not watching. IM may
 * be NULL. */
void pv_imports_rescan(struct pv_imports *im);

#endif
