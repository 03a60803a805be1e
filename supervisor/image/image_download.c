/* The store's download directory (images/downloads/sha256): a blob is
 * fetched into <hex>.partial, which the pull fetching it holds flock()ed,
 * so that another pull of the same blob waits instead of fetching it
 * twice; a partial file nobody holds is resumed with a Range request from
 * its size (all of it hashed again at the end: a server that ignores the
 * range starts it over). Verified against the descriptor's digest and
 * size, it is renamed <hex>, then hard-linked into the pull's layout.
 * Never more bytes than the descriptor's size are written.
 *
 * Owns the files under downloads/sha256. Calls: common (sha256, fd I/O,
 * errors), image_fetch.c (the transfer). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "supervisor/image/image_internal.h"

#define READ_CHUNK (128 << 10)

/* One blob being written: the partial file, its size and running hash. */
struct partial {
	int fd;
	const struct pv_img_desc *d;
	const char *where;
	int64_t size;
	struct pv_img_sha256 h;
	struct pv_err *err;
};

static void progress(const struct pv_image_progress *pg, enum pv_image_event ev,
		     const char *what, int64_t size)
{
	if (pg && pg->fn)
		pg->fn(pg->ctx, ev, what, size);
}

/* --- the sink ----------------------------------------------------------------------- */

static int partial_begin(void *ctx, int64_t at)
{
	struct partial *p = ctx;

	if (at == p->size)
		return 0;
	/* the server sent the whole blob: start over */
	if (ftruncate(p->fd, 0) < 0 || lseek(p->fd, 0, SEEK_SET) < 0)
		return pv_err_sys(p->err, errno, "cannot truncate the partial blob %s",
				  p->d->digest);
	p->size = 0;
	pv_img_sha256_init(&p->h, NULL);
	return 0;
}

static int partial_data(void *ctx, const void *buf, size_t n)
{
	struct partial *p = ctx;

	if ((uint64_t)p->size + n > (uint64_t)p->d->size)
		return pv_err_set(p->err, EBADMSG, "%s: blob %s: the registry sent more than the "
				  "%" PRId64 " bytes its descriptor says", p->where, p->d->digest,
				  p->d->size);
	if (pv_write_all(p->fd, buf, n) < 0)
		return pv_err_sys(p->err, errno, "cannot write the blob %s", p->d->digest);
	pv_img_sha256_update(&p->h, buf, n);
	p->size += (int64_t)n;
	return 0;
}

static int64_t partial_offset(void *ctx)
{
	return ((struct partial *)ctx)->size;
}

/* Hash what the partial file holds already; a file longer than the blob
 * can be starts over. */
static int partial_resume(struct partial *p, struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	struct stat sb;
	ssize_t n;

	pv_img_sha256_init(&p->h, NULL);
	p->size = 0;
	if (fstat(p->fd, &sb) < 0)
		return pv_err_sys(err, errno, "blob %s", p->d->digest);
	if (sb.st_size > p->d->size)
		return partial_begin(p, -1);
	buf = malloc(READ_CHUNK);
	if (!buf)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (lseek(p->fd, 0, SEEK_SET) < 0)
		return pv_err_sys(err, errno, "blob %s", p->d->digest);
	while ((n = read(p->fd, buf, READ_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pv_err_sys(err, errno, "cannot read the partial blob %s", p->d->digest);
		pv_img_sha256_update(&p->h, buf, (size_t)n);
		p->size += n;
	}
	return 0;
}

/* --- paths and locks ---------------------------------------------------------------------- */

static char *dl_path(const char *dl_dir, const struct pv_img_desc *d, const char *suffix)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s%s", dl_dir, pv_img_digest_hex(d->digest), suffix) < 0)
		return NULL;
	return path;
}

/* Open and lock PATH, the partial file; 1 when the file locked is no
 * longer PATH (its owner finished and renamed it): try again. */
static int lock_partial(const char *path, const struct pv_img_desc *d,
			const struct pv_image_progress *pg, int *fd_out, struct pv_err *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat a, b;

	if (fd < 0)
		return pv_err_sys(err, errno, "cannot open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return pv_err_sys(err, errno, "cannot lock %s", path);
		progress(pg, PV_IMAGE_BLOB_WAITING, d->digest, d->size);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return pv_err_sys(err, errno, "cannot lock %s", path);
	}
	if (fstat(fd, &a) < 0)
		return pv_err_sys(err, errno, "%s", path);
	if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return 1;
	*fd_out = steal_fd(&fd);
	return 0;
}

/* Link the verified blob DL_DIR/<hex> into the layout: 0, 1 when it is
 * not there (or not D's size: not ours, removed). */
static int link_done(const char *dl_dir, int blobs_fd, const struct pv_img_desc *d,
		     struct pv_err *err)
{
	cleanup_free char *done = dl_path(dl_dir, d, "");
	struct stat sb;

	if (!done)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (lstat(done, &sb) < 0)
		return errno == ENOENT ? 1 : pv_err_sys(err, errno, "%s", done);
	if (!S_ISREG(sb.st_mode) || sb.st_size != d->size) {
		unlink(done);
		return 1;
	}
	if (linkat(AT_FDCWD, done, blobs_fd, pv_img_digest_hex(d->digest), 0) < 0) {
		if (errno == ENOENT)
			return 1; /* a pull that used it just removed it */
		if (errno != EEXIST)
			return pv_err_sys(err, errno, "cannot link %s into the pull's layout", done);
	}
	return 0;
}

/* --- fetching --------------------------------------------------------------------------- */

static int verify(struct partial *p, struct pv_err *err)
{
	char hex[PV_IMG_HEX_LEN + 1];

	pv_img_sha256_final(&p->h, hex, NULL);
	if (p->size != p->d->size)
		return pv_err_set(err, EBADMSG, "%s: blob %s: got %" PRId64 " bytes, the descriptor "
				  "says %" PRId64, p->where, p->d->digest, p->size, p->d->size);
	if (strcmp(hex, pv_img_digest_hex(p->d->digest)) != 0)
		return pv_err_set(err, EBADMSG, "%s: blob %s: digest mismatch: expected %s, got "
				  "sha256:%s", p->where, p->d->digest, p->d->digest, hex);
	return 0;
}

/* Fetch into the locked partial file FD, then rename it <hex>. */
static int fetch_into(struct pv_img_fetch *f, const char *dl_dir, int fd,
		      const struct pv_img_desc *d, const struct pv_image_progress *pg,
		      struct pv_err *err)
{
	struct partial p = { .fd = fd, .d = d, .where = pv_img_fetch_where(f), .err = err };
	const struct pv_img_sink sink = { partial_begin, partial_data, partial_offset, &p };
	cleanup_free char *part = dl_path(dl_dir, d, ".partial");
	cleanup_free char *done = dl_path(dl_dir, d, "");
	int64_t resumed;

	if (!part || !done)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (partial_resume(&p, err) < 0)
		return -1;
	resumed = p.size;
	if (resumed > 0)
		progress(pg, PV_IMAGE_BLOB_RESUMING, d->digest, resumed);
	if (p.size < d->size && pv_img_fetch_blob(f, d->digest, &sink, err) < 0) {
		if (err && err->code == EBADMSG) /* more than the descriptor says: not resumed */
			unlink(part);
		return -1;
	}
	if (verify(&p, err) < 0) {
		/* a corrupt blob, or a corrupt partial file: never resumed again */
		unlink(part);
		return resumed > 0 ? -3 : -1;
	}
	if (fsync(fd) < 0)
		return pv_err_sys(err, errno, "cannot sync %s", part);
	if (rename(part, done) < 0)
		return pv_err_sys(err, errno, "cannot rename %s", part);
	return pv_img_fsync_dir(dl_dir, err);
}

int pv_img_download(struct pv_img_fetch *f, const char *dl_dir, int blobs_fd,
		    const struct pv_img_desc *d, const struct pv_image_progress *pg, bool *pulled,
		    struct pv_err *err)
{
	cleanup_free char *part = dl_path(dl_dir, d, ".partial");
	bool over = false; /* started over after a resumed download failed its digest */
	int rc;

	*pulled = false;
	if (!part)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (int tries = 0; tries < 100; tries++) {
		cleanup_close int fd = -1;

		if ((rc = link_done(dl_dir, blobs_fd, d, err)) <= 0)
			return rc;
		if ((rc = lock_partial(part, d, pg, &fd, err)) < 0)
			return -1;
		if (rc == 1)
			continue; /* renamed by the pull that held it: look again */
		/* locked: was it finished while we waited? */
		if ((rc = link_done(dl_dir, blobs_fd, d, err)) <= 0) {
			if (rc == 0)
				unlink(part);
			return rc;
		}
		rc = fetch_into(f, dl_dir, fd, d, pg, err);
		if (rc == -3 && !over) {
			over = true; /* the partial file was bad: once more from byte 0 */
			continue;
		}
		if (rc < 0)
			return -1;
		*pulled = true;
	}
	return pv_err_set(err, EAGAIN, "blob %s: its download kept moving", d->digest);
}

void pv_img_download_forget(const char *dl_dir, const struct pv_img_desc *d)
{
	cleanup_free char *done = dl_path(dl_dir, d, "");

	if (done)
		unlink(done);
}
