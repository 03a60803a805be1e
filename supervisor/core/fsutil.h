/* Small filesystem helpers for the state directory: atomic writes (temp,
 * fsync, rename), whole-file reads, mkdir -p and a recursive remove that
 * never follows symlinks or crosses mount points. */
#ifndef PV_SUPERVISOR_FSUTIL_H
#define PV_SUPERVISOR_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "common/err.h"

int pv_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, struct pv_err *err);
int pv_write_json_atomic(const char *path, struct json_object *j, struct pv_err *err);
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
