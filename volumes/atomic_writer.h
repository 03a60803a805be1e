/* Projected files (ConfigMap, Secret, downward API volumes) written the
 * way kubelet's AtomicWriter writes them, so that a reader inside a pod
 * sees either the old set of files or the new one, never a mix:
 *
 *   DIR/..2026_11_23_10_00_00.123456789/   the payload, written fresh
 *   DIR/..data -> ..2026_11_23_...          swapped with rename(2)
 *   DIR/KEY -> ..data/KEY                   one per top-level path
 *
 * An update writes a new timestamped directory, points "..data_tmp" at
 * it, renames that over "..data" (the atomic step), then adds the missing
 * top-level symlinks, removes those no longer in the payload, and removes
 * the old timestamped directory. Everything is done through fds beneath
 * DIR (openat/symlinkat/renameat), never following a symlink found there.
 * Never logs. */
#ifndef PV_VOLUMES_ATOMIC_WRITER_H
#define PV_VOLUMES_ATOMIC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

struct pv_payload_file {
	char *path;          /* relative, checked by pv_payload_add */
	unsigned char *data;
	size_t len;
	mode_t mode;         /* permission bits, e.g. 0644 */
};

struct pv_payload {
	struct pv_payload_file *files;
	size_t n, cap;
};

/* Check PATH as Kubernetes validates a projected file's path: not empty,
 * not absolute, no ".." component, not starting with "..", at most 4096
 * bytes. -1 with ERR naming the path. */
int pv_payload_check_path(const char *path, struct pv_err *err);
/* Add a copy of DATA (LEN bytes) as PATH with MODE. A PATH already in the
 * payload is an error ("duplicate path"). */
int pv_payload_add(struct pv_payload *p, const char *path, const void *data, size_t len,
		   mode_t mode, struct pv_err *err);
/* Free the payload's files; the struct is then empty and reusable. The
 * data is zeroed first (it may be a Secret). */
void pv_payload_free(struct pv_payload *p);

/* Make DIR (an existing directory) hold exactly PAYLOAD as described
 * above. Files get MODE; when GID is not (gid_t)-1 they are chowned to
 * 0:GID (fsGroup). Returns 1 when something was written, 0 when DIR
 * already held exactly this payload (same paths, bytes and modes:
 * nothing touched), -1 with ERR (DIR is then left as it was before, or
 * with the old ..data still in force). */
int pv_atomic_write(const char *dir, const struct pv_payload *p, gid_t gid, struct pv_err *err);

#endif
