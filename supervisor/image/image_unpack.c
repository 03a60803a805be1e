/* Unpacking a layer blob (tar, tar+gzip, tar+zstd) into a directory with
 * libarchive, so that the directories of an image's layers stack as
 * overlayfs lowerdirs (opencontainers/image-spec layer.md):
 *
 * - every entry name is made relative ("/", "./" dropped), ".." is
 *   refused, and the entry is written at DEST/<name>; hardlink targets
 *   likewise. archive_write_disk refuses to write through a symlink
 *   (SECURE_SYMLINKS) or a ".." (SECURE_NODOTDOT). Owners (numeric, never
 *   mapped through this host's users), modes, mtimes, xattrs, ACLs,
 *   hardlinks, symlinks and device nodes are kept; xattrs that would steer
 *   overlayfs (trusted.overlay.*, user.overlay.*) are dropped.
 * - ".wh.NAME" becomes a 0:0 character device NAME (an overlayfs
 *   whiteout); ".wh..wh..opq" sets trusted.overlay.opaque=y on its
 *   directory; aufs metadata (".wh..wh.*") is skipped. Whiteouts and
 *   opaque markers are made through directory fds opened one component at a
 *   time without following symlinks. No file named ".wh.*" is created.
 * - the blob is hashed as libarchive reads it and read to its end; the
 *   caller only renames DEST into place when its size and digest match. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/image/image_internal.h"
#include "supervisor/image/image_libarchive.h"

#define WH_PREFIX ".wh."
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define XATTR_OPAQUE "trusted.overlay.opaque"
#define BLOB_BUF (128 << 10)

#define LAYER_EXTRACT_FLAGS                                                                  \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |                \
	 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SPARSE |               \
	 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS)

/* The blob as libarchive reads it, hashed on the way. */
struct blob_src {
	int fd;
	struct pv_img_sha256 hash;
	int64_t nread;
	char buf[BLOB_BUF];
};

struct unpack {
	const struct pv_img_desc *d;
	const char *dest;
	size_t final_len;
	int root_fd;
	struct archive *w;
	char **opaque; /* directories (relative) to mark opaque at the end */
	size_t n_opaque, opaque_cap;
};

enum entry_kind {
	ENTRY_FILE,
	ENTRY_WHITEOUT,
	ENTRY_OPAQUE,
	ENTRY_SKIP,
};

int pv_img_entry_relpath(const char *name, char **out, struct pv_err *err)
{
	cleanup_free char *copy = NULL;
	char *res, *save = NULL;
	size_t n = 0;

	if (!name)
		return pv_err_set(err, EINVAL, "an entry has no name (or one that cannot be "
				  "decoded)");
	copy = strdup(name);
	res = malloc(strlen(name) + 1);
	if (!copy || !res) {
		free(res);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t len = strlen(c);

		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			free(res);
			return pv_err_set(err, EINVAL, "entry \"%.200s\": a name with \"..\" "
					  "could write outside; refused", name);
		}
		if (n)
			res[n++] = '/';
		memcpy(res + n, c, len);
		n += len;
	}
	res[n] = '\0';
	*out = res;
	return 0;
}

static const char *base_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? slash + 1 : rel;
}

static char *dir_of(const char *rel)
{
	const char *base = base_of(rel);

	return strndup(rel, base > rel ? (size_t)(base - rel - 1) : 0);
}

static int classify(const char *rel, enum entry_kind *kind, struct pv_err *err)
{
	const char *base = base_of(rel);
	const char *name;

	for (const char *p = rel; p < base;) {
		size_t n = strcspn(p, "/");

		if (strncmp(p, WH_META_PREFIX, strlen(WH_META_PREFIX)) == 0) {
			*kind = ENTRY_SKIP; /* inside aufs metadata */
			return 0;
		}
		if (strncmp(p, WH_PREFIX, strlen(WH_PREFIX)) == 0)
			return pv_err_set(err, EINVAL, "entry \"%.200s\": a whiteout (%.*s) cannot "
					  "be a directory", rel, (int)n, p);
		p += n + 1;
	}
	*kind = ENTRY_FILE;
	if (strcmp(base, WH_OPAQUE) == 0)
		*kind = ENTRY_OPAQUE;
	else if (strncmp(base, WH_META_PREFIX, strlen(WH_META_PREFIX)) == 0)
		*kind = ENTRY_SKIP;
	else if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		*kind = ENTRY_WHITEOUT;
	if (*kind != ENTRY_WHITEOUT)
		return 0;
	name = base + strlen(WH_PREFIX);
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return pv_err_set(err, EINVAL, "entry \"%.200s\": invalid whiteout", rel);
	return 0;
}

static int whiteout(struct unpack *u, const char *rel, struct pv_err *err)
{
	cleanup_free char *dir = dir_of(rel);
	cleanup_close int fd = -1;
	const char *name = base_of(rel) + strlen(WH_PREFIX);

	if (!dir)
		return pv_err_set(err, ENOMEM, "out of memory");
	fd = pv_img_open_beneath(u->root_fd, dir, true, err);
	if (fd < 0)
		return pv_err_wrap(err, "whiteout \"%.200s\"", rel);
	/* A file of the same layer already there stays: whiteouts only hide
	 * lower layers. */
	if (mknodat(fd, name, S_IFCHR, makedev(0, 0)) < 0 && errno != EEXIST)
		return pv_err_sys(err, errno, "whiteout \"%.200s\": cannot create the overlay "
				  "whiteout (run as root)", rel);
	return 0;
}

static int opaque(struct unpack *u, const char *rel, struct pv_err *err)
{
	char *dir = dir_of(rel);

	if (!dir || pv_vec_push(u->opaque, u->n_opaque, u->opaque_cap, dir) < 0) {
		free(dir);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int apply_opaques(struct unpack *u, struct pv_err *err)
{
	for (size_t i = 0; i < u->n_opaque; i++) {
		cleanup_close int fd = pv_img_open_beneath(u->root_fd, u->opaque[i], true, err);

		if (fd < 0)
			return pv_err_wrap(err, "opaque directory \"%.200s\"", u->opaque[i]);
		if (fsetxattr(fd, XATTR_OPAQUE, "y", 1, 0) < 0)
			return pv_err_sys(err, errno, "opaque directory \"%.200s\": cannot set %s "
					  "(run as root, on a filesystem with trusted xattrs)",
					  u->opaque[i], XATTR_OPAQUE);
	}
	return 0;
}

static bool xattr_reserved(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
	       strncmp(name, "user.overlay.", 13) == 0;
}

/* Drop the xattrs that would change how overlayfs reads the layer. */
static int drop_overlay_xattrs(struct archive_entry *e, struct pv_err *err)
{
	struct archive_entry *keep;
	const char *name;
	const void *value;
	size_t size;
	bool drop = false;

	if (archive_entry_xattr_reset(e) <= 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		drop |= xattr_reserved(name);
	if (!drop)
		return 0;
	keep = archive_entry_new();
	if (!keep)
		return pv_err_set(err, ENOMEM, "out of memory");
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (!xattr_reserved(name))
			archive_entry_xattr_add_entry(keep, name, value, size);
	archive_entry_xattr_clear(e);
	archive_entry_xattr_reset(keep);
	while (archive_entry_xattr_next(keep, &name, &value, &size) == ARCHIVE_OK)
		archive_entry_xattr_add_entry(e, name, value, size);
	archive_entry_free(keep);
	return 0;
}

static int entry_path(struct unpack *u, const char *rel, char **out, struct pv_err *err)
{
	if (u->final_len + 1 + strlen(rel) >= PATH_MAX)
		return pv_err_set(err, ENAMETOOLONG, "entry \"%.200s...\": path too long", rel);
	if (asprintf(out, "%s%s%s", u->dest, *rel ? "/" : "", rel) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	return 0;
}

/* Point a hardlink entry at its target inside DEST. */
static int relink(struct unpack *u, struct archive_entry *e, struct pv_err *err)
{
	cleanup_free char *rel = NULL;
	cleanup_free char *path = NULL;
	enum entry_kind kind;

	if (pv_img_entry_relpath(archive_entry_hardlink(e), &rel, err) < 0)
		return pv_err_wrap(err, "hardlink \"%.200s\"", archive_entry_pathname(e));
	if (!*rel || classify(rel, &kind, err) < 0 || kind != ENTRY_FILE)
		return pv_err_set(err, EINVAL, "hardlink \"%.200s\": invalid target \"%.200s\"",
				  archive_entry_pathname(e), archive_entry_hardlink(e));
	if (entry_path(u, rel, &path, err) < 0)
		return -1;
	archive_entry_set_hardlink(e, path);
	return 0;
}

int pv_img_copy_data(struct archive *r, struct archive *w, const char *rel, struct pv_err *err)
{
	const void *buf;
	size_t size;
	la_int64_t off;

	for (;;) {
		int rc = archive_read_data_block(r, &buf, &size, &off);

		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN)
			return pv_err_set(err, EBADMSG, "entry \"%.200s\": %s", rel,
					  archive_error_string(r));
		if (archive_write_data_block(w, buf, size, off) < ARCHIVE_WARN)
			return pv_err_set(err, archive_errno(w) > 0 ? archive_errno(w) : EIO,
					  "entry \"%.200s\": %s", rel, archive_error_string(w));
	}
}

static int write_entry(struct unpack *u, struct archive *r, struct archive_entry *e,
		       const char *rel, struct pv_err *err)
{
	cleanup_free char *path = NULL;

	if (!*rel && archive_entry_filetype(e) != AE_IFDIR)
		return pv_err_set(err, EINVAL, "entry \"%.200s\": the layer root must be a "
				  "directory", archive_entry_pathname(e));
	if (entry_path(u, rel, &path, err) < 0)
		return -1;
	archive_entry_set_pathname(e, path);
	if (archive_entry_hardlink(e) && relink(u, e, err) < 0)
		return -1;
	if (drop_overlay_xattrs(e, err) < 0)
		return -1;
	if (archive_write_header(u->w, e) < ARCHIVE_WARN)
		return pv_err_set(err, archive_errno(u->w) > 0 ? archive_errno(u->w) : EIO,
				  "entry \"%.200s\": %s", rel, archive_error_string(u->w));
	if (pv_img_copy_data(r, u->w, rel, err) < 0)
		return -1;
	if (archive_write_finish_entry(u->w) < ARCHIVE_WARN)
		return pv_err_set(err, archive_errno(u->w) > 0 ? archive_errno(u->w) : EIO,
				  "entry \"%.200s\": %s", rel, archive_error_string(u->w));
	return 0;
}

static int unpack_entry(struct unpack *u, struct archive *r, struct archive_entry *e,
			struct pv_err *err)
{
	cleanup_free char *rel = NULL;
	enum entry_kind kind;

	if (pv_img_entry_relpath(archive_entry_pathname(e), &rel, err) < 0 ||
	    classify(rel, &kind, err) < 0)
		return -1;
	switch (kind) {
	case ENTRY_WHITEOUT:
		return whiteout(u, rel, err);
	case ENTRY_OPAQUE:
		return opaque(u, rel, err);
	case ENTRY_SKIP:
		return 0;
	case ENTRY_FILE:
		break;
	}
	return write_entry(u, r, e, rel, err);
}

static int unpack_entries(struct unpack *u, struct archive *r, struct pv_err *err)
{
	struct archive_entry *e;

	for (;;) {
		int rc = archive_read_next_header(r, &e);

		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN || rc == ARCHIVE_RETRY)
			return pv_err_set(err, EBADMSG, "%s", archive_error_string(r));
		if (unpack_entry(u, r, e, err) < 0)
			return -1;
	}
}

static la_ssize_t blob_read(struct archive *a, void *data, const void **buf)
{
	struct blob_src *s = data;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (a)
			archive_set_error(a, errno, "cannot read the blob");
		return -1;
	}
	pv_img_sha256_update(&s->hash, s->buf, (size_t)n);
	s->nread += n;
	*buf = s->buf;
	return n;
}

/* Read what libarchive left of the blob, then compare size and digest. */
static int blob_verify(struct blob_src *s, const struct pv_img_desc *d, struct pv_err *err)
{
	char hex[PV_IMG_HEX_LEN + 1];
	const void *buf;
	la_ssize_t n;

	while ((n = blob_read(NULL, s, &buf)) > 0)
		;
	if (n < 0)
		return pv_err_sys(err, errno, "cannot read the blob");
	if (pv_img_sha256_final(&s->hash, hex, err) < 0)
		return -1;
	if (s->nread != d->size)
		return pv_err_set(err, EBADMSG, "the blob is %lld bytes, the manifest says %lld",
				  (long long)s->nread, (long long)d->size);
	if (strcmp(hex, pv_img_digest_hex(d->digest)) != 0)
		return pv_err_set(err, EBADMSG, "content does not match its digest (it hashes to "
				  "sha256:%s); the blob is corrupt", hex);
	return 0;
}

static struct archive *reader_new(enum pv_img_compression comp, struct pv_err *err)
{
	struct archive *r = archive_read_new();

	if (!r)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_support_format_empty(r) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(r) != ARCHIVE_OK) {
		archive_read_free(r);
		return pv_err_set(err, ENOTSUP, "this libarchive cannot read tar.gz"), NULL;
	}
	if (comp == PV_IMG_COMPRESS_ZSTD && archive_read_support_filter_zstd(r) != ARCHIVE_OK) {
		archive_read_free(r);
		return pv_err_set(err, ENOTSUP, "zstd layers are not supported (libarchive was "
				  "built without libzstd)"), NULL;
	}
	return r;
}

static struct archive *writer_new(struct pv_err *err)
{
	struct archive *w = archive_write_disk_new();

	if (!w)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (archive_write_disk_set_options(w, LAYER_EXTRACT_FLAGS) != ARCHIVE_OK) {
		archive_write_free(w);
		return pv_err_set(err, ENOTSUP, "libarchive refused the extract options"), NULL;
	}
	return w;
}

static int unpack_run(struct unpack *u, struct blob_src *src, enum pv_img_compression comp,
		      struct pv_err *err)
{
	struct archive *r = reader_new(comp, err);
	int rc = -1;

	if (!r)
		return -1;
	u->w = writer_new(err);
	if (!u->w)
		goto out;
	if (archive_read_open(r, src, NULL, blob_read, NULL) != ARCHIVE_OK) {
		pv_err_set(err, EBADMSG, "%s", archive_error_string(r));
		goto out;
	}
	rc = unpack_entries(u, r, err);
	if (rc == 0 && archive_write_close(u->w) < ARCHIVE_WARN)
		rc = pv_err_set(err, EIO, "%s", archive_error_string(u->w));
	if (rc == 0)
		rc = apply_opaques(u, err);
out:
	if (u->w)
		archive_write_free(u->w);
	u->w = NULL;
	archive_read_free(r);
	return rc;
}

static void unpack_clear(struct unpack *u)
{
	for (size_t i = 0; i < u->n_opaque; i++)
		free(u->opaque[i]);
	free(u->opaque);
	if (u->root_fd >= 0)
		close(u->root_fd);
}

int pv_img_layer_unpack(int blob_fd, const struct pv_img_desc *d, const char *dest,
			size_t final_len, struct pv_err *err)
{
	struct unpack u = { .d = d, .dest = dest, .final_len = final_len, .root_fd = -1 };
	cleanup_free struct blob_src *src = NULL;
	struct pv_err verr = { 0, "" };
	enum pv_img_compression comp;
	int rc;

	if (pv_img_layer_compression(d->media_type, &comp, err) < 0)
		return pv_err_wrap(err, "layer %s", d->digest);
	src = calloc(1, sizeof(*src));
	if (!src)
		return pv_err_set(err, ENOMEM, "out of memory");
	src->fd = blob_fd;
	if (pv_img_sha256_init(&src->hash, err) < 0)
		return -1;
	u.root_fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = u.root_fd < 0 ? pv_err_sys(err, errno, "%s", dest) : unpack_run(&u, src, comp, err);
	/* A corrupt blob is reported as such, whatever libarchive made of it. */
	if (blob_verify(src, d, &verr) < 0) {
		if (err)
			*err = verr;
		rc = -1;
	}
	pv_img_sha256_free(&src->hash);
	unpack_clear(&u);
	return rc < 0 ? pv_err_wrap(err, "layer %s", d->digest) : 0;
}
