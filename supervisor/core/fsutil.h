/* Small filesystem helpers for the state directory: atomic writes (temp,
 * fsync when it must outlive a power loss, rename), whole-file reads, mkdir -p and a recursive remove that
 * never follows symlinks or crosses mount points. */
#ifndef PV_SUPERVISOR_FSUTIL_H
#define PV_SUPERVISOR_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "common/err.h"

/* PATH replaced whole (written aside, renamed over it) and on the disk
 * before the call returns: for what must outlive a power loss (the last
 * good manifests, addresses handed out, bindings, a Job's completions). */
int pv_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, struct pv_err *err);
int pv_write_json_atomic(const char *path, struct json_object *j, struct pv_err *err);
/* PATH replaced whole, as above, but not flushed to the disk: for what
 * lives only as long as this boot's processes (a pod's runtime records,
 * the status directory). A daemon's crash or restart finds it whole;
 * after a power loss it may be empty or missing, and whoever reads it
 * takes that for gone (the pods went with the power). On an SD card, a
 * flush is milliseconds: a pod's start wrote ten. */
int pv_write_replace(const char *path, const void *buf, size_t len, mode_t mode, struct pv_err *err);
int pv_write_json_replace(const char *path, struct json_object *j, struct pv_err *err);
/* A malloc'd NUL-terminated copy of PATH's contents (at most MAX bytes). */
char *pv_read_file(const char *path, size_t max, size_t *len, struct pv_err *err);
/* The same, following symlinks (for /proc files). */
char *pv_read_file_raw(const char *path, size_t max, size_t *len, struct pv_err *err);
struct json_object *pv_read_json(const char *path, struct pv_err *err);
int pv_mkdir_p(const char *path, mode_t mode, struct pv_err *err);
/* Mount a tmpfs (OPTS as mount(8) takes them) on DIR, unless DIR is a
 * mount point already (its device differs from its parent's). */
int pv_tmpfs_once(const char *dir, const char *opts, struct pv_err *err);
int pv_rm_rf(const char *path, struct pv_err *err);

#endif
