/* Extracting an OCI archive (a tar, optionally gzip-compressed, of an OCI
 * image layout, as `skopeo copy ... oci-archive:FILE` or `docker save`
 * write) into a private directory. Only directories, regular files and
 * hardlinks between them are kept (a layout needs nothing else, so no
 * symlink can make a blob point outside); names are made relative, ".." is
 * refused, and libarchive refuses to write through symlinks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"
#include "supervisor/image/image_internal.h"
#include "supervisor/image/image_libarchive.h"

#define ARCHIVE_EXTRACT_FLAGS (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS)

/* DEST/<clean relative NAME>, or NULL with ERR set. */
static char *dest_path(const char *dest, const char *name, struct pv_err *err)
{
	cleanup_free char *rel = NULL;
	char *path = NULL;

	if (pv_img_entry_relpath(name, &rel, err) < 0)
		return NULL;
	if (!*rel)
		return pv_err_set(err, EINVAL, "entry \"%.200s\": not a file name", name), NULL;
	if (asprintf(&path, "%s/%s", dest, rel) < 0)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	return path;
}

static int extract_entry(struct archive *r, struct archive *w, struct archive_entry *e,
			 const char *dest, struct pv_err *err)
{
	const char *name = archive_entry_pathname(e);
	mode_t type = archive_entry_filetype(e);
	cleanup_free char *path = NULL;
	cleanup_free char *link = NULL;

	if (type != AE_IFREG && type != AE_IFDIR) /* symlinks, devices: not in a layout */
		return 0;
	if (type == AE_IFDIR && name && strspn(name, "./") == strlen(name))
		return 0; /* the top directory itself */
	path = dest_path(dest, name, err);
	if (!path)
		return -1;
	archive_entry_set_pathname(e, path);
	if (archive_entry_hardlink(e)) {
		link = dest_path(dest, archive_entry_hardlink(e), err);
		if (!link)
			return pv_err_wrap(err, "hardlink %s", name);
		archive_entry_set_hardlink(e, link);
	}
	archive_entry_set_perm(e, type == AE_IFDIR ? 0700 : 0600);
	if (archive_write_header(w, e) < ARCHIVE_WARN)
		return pv_err_set(err, EIO, "%s: %s", name, archive_error_string(w));
	if (pv_img_copy_data(r, w, name, err) < 0)
		return -1;
	if (archive_write_finish_entry(w) < ARCHIVE_WARN)
		return pv_err_set(err, EIO, "%s: %s", name, archive_error_string(w));
	return 0;
}

static int extract_all(struct archive *r, struct archive *w, const char *dest,
		       struct pv_err *err)
{
	struct archive_entry *e;

	for (;;) {
		int rc = archive_read_next_header(r, &e);

		if (rc == ARCHIVE_EOF)
			return archive_write_close(w) < ARCHIVE_WARN ?
			       pv_err_set(err, EIO, "%s", archive_error_string(w)) : 0;
		if (rc < ARCHIVE_WARN || rc == ARCHIVE_RETRY)
			return pv_err_set(err, EBADMSG, "%s", archive_error_string(r));
		if (extract_entry(r, w, e, dest, err) < 0)
			return -1;
	}
}

int pv_img_archive_extract(const char *archive, const char *dest, struct pv_err *err)
{
	struct archive *r = archive_read_new();
	struct archive *w = archive_write_disk_new();
	int rc = -1;

	if (!r || !w) {
		pv_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(r) != ARCHIVE_OK ||
	    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_FLAGS) != ARCHIVE_OK) {
		pv_err_set(err, ENOTSUP, "this libarchive cannot extract tar.gz");
		goto out;
	}
	if (archive_read_open_filename(r, archive, 128 << 10) != ARCHIVE_OK) {
		pv_err_set(err, archive_errno(r) > 0 ? archive_errno(r) : EBADMSG, "%s",
			   archive_error_string(r));
		goto out;
	}
	rc = extract_all(r, w, dest, err);
out:
	if (w)
		archive_write_free(w);
	if (r)
		archive_read_free(r);
	return rc < 0 ? pv_err_wrap(err, "%s", archive) : 0;
}
