/* Whether a file in the manifests directory may be read, and its bytes.
 * A manifest is a regular file no larger than a limit, found in the
 * directory itself or reached through a symlink whose target, fully
 * resolved, lies inside the directory or inside one of the allowed
 * directories. Anything else (a symlink out, a FIFO, a device, a socket,
 * a file too large) is refused without being opened for reading whole:
 * a FIFO is never opened at all, so it cannot block the daemon.
 *
 * The file is opened by fd from the directory down (openat2
 * RESOLVE_BENEATH, volumes/safepath.h), never by path: a directory swapped
 * for a symlink after the checks cannot lead the open out, and the bytes
 * read are those of the inode checked (an O_PATH fd reopened through
 * /proc/self/fd).
 *
 * Owns: that decision and the bounded read. Calls: volumes (safepath),
 * libc (the daemon and `podvisor check` share it, and so refuse the same
 * files). */
#ifndef PV_SUPERVISOR_ADMIT_H
#define PV_SUPERVISOR_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_ADMIT_DEFAULT_MAX (4u * 1024 * 1024)

struct pv_admit {
	const char *root;              /* the manifests directory, as given (NULL: the file's own) */
	const char *const *link_allow; /* more directories symlinks may point into */
	size_t nlink_allow;
	uint64_t max_bytes;            /* 0: PV_ADMIT_DEFAULT_MAX */
};

enum pv_admit_result {
	PV_ADMIT_OK,      /* *BUF (malloc'd, NUL-terminated) and *LEN are the file's bytes */
	PV_ADMIT_REFUSED, /* WHY says why the file is not a manifest podvisor may read */
	PV_ADMIT_FAILED,  /* WHY says what went wrong reading it (it vanished, EIO, ...) */
};

/* Decide about PATH (a file under A->root) and read it. WHY gets a
 * sentence that follows the file's name: "is a symlink to /etc/passwd,
 * outside the manifests directory". */
enum pv_admit_result pv_admit_read(const struct pv_admit *a, const char *path, char **buf,
				   size_t *len, char *why, size_t whylen);

/* Whether PATH lies in DIR or below it (both absolute and resolved):
 * "/m/a.yaml" is in "/m", "/mx/a.yaml" and "/" itself are not in "/m". */
bool pv_admit_inside(const char *dir, const char *path);

/* What a file of mode MODE is, for a refusal ("a FIFO"), or NULL for a
 * regular file. */
const char *pv_admit_mode_name(unsigned int mode);

#endif
