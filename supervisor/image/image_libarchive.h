/* libarchive, loaded when an import first needs it (dlopen), not linked:
 * with it come libxml2, ICU and libstdc++, ~2 MiB of every podvisor
 * process's memory (the daemon's too, which never opens an archive) and a
 * millisecond of every command's start. Included after <archive.h> by the
 * files that use libarchive, it turns each archive_* call there into a
 * call through the loaded library; the prototypes are libarchive's own
 * (__typeof__). With PV_LINK_LIBARCHIVE defined (a static build), the
 * library is linked and the calls are direct.
 *
 * Owns: the handle of the loaded library and its entry points.
 * Calls: libc (dlopen). */
#ifndef PV_SUPERVISOR_IMAGE_LIBARCHIVE_H
#define PV_SUPERVISOR_IMAGE_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

/* Every libarchive function the image store calls. */
#define PV_LIBARCHIVE_FNS(X) \
	X(archive_errno) X(archive_error_string) X(archive_set_error) \
	X(archive_read_new) X(archive_read_free) X(archive_read_open) \
	X(archive_read_open_filename) X(archive_read_next_header) X(archive_read_data_block) \
	X(archive_read_support_format_tar) X(archive_read_support_format_empty) \
	X(archive_read_support_filter_gzip) X(archive_read_support_filter_zstd) \
	X(archive_write_disk_new) X(archive_write_disk_set_options) X(archive_write_header) \
	X(archive_write_data_block) X(archive_write_finish_entry) X(archive_write_close) \
	X(archive_write_free) \
	X(archive_entry_new) X(archive_entry_free) X(archive_entry_pathname) \
	X(archive_entry_set_pathname) X(archive_entry_hardlink) X(archive_entry_set_hardlink) \
	X(archive_entry_filetype) X(archive_entry_set_perm) X(archive_entry_xattr_reset) \
	X(archive_entry_xattr_next) X(archive_entry_xattr_add_entry) X(archive_entry_xattr_clear)

#ifndef PV_LINK_LIBARCHIVE
struct pv_libarchive {
#define PV_LIBARCHIVE_MEMBER(fn) __typeof__(fn) *fn;
	PV_LIBARCHIVE_FNS(PV_LIBARCHIVE_MEMBER)
#undef PV_LIBARCHIVE_MEMBER
};

/* The library's entry points, loaded on the first call (libarchive.so.13).
 * A process that cannot load it exits 1, saying why: only the commands
 * that import images get here. */
const struct pv_libarchive *pv_libarchive(void);

#ifndef PV_LIBARCHIVE_IMPL
#define archive_errno (pv_libarchive()->archive_errno)
#define archive_error_string (pv_libarchive()->archive_error_string)
#define archive_set_error (pv_libarchive()->archive_set_error)
#define archive_read_new (pv_libarchive()->archive_read_new)
#define archive_read_free (pv_libarchive()->archive_read_free)
#define archive_read_open (pv_libarchive()->archive_read_open)
#define archive_read_open_filename (pv_libarchive()->archive_read_open_filename)
#define archive_read_next_header (pv_libarchive()->archive_read_next_header)
#define archive_read_data_block (pv_libarchive()->archive_read_data_block)
#define archive_read_support_format_tar (pv_libarchive()->archive_read_support_format_tar)
#define archive_read_support_format_empty (pv_libarchive()->archive_read_support_format_empty)
#define archive_read_support_filter_gzip (pv_libarchive()->archive_read_support_filter_gzip)
#define archive_read_support_filter_zstd (pv_libarchive()->archive_read_support_filter_zstd)
#define archive_write_disk_new (pv_libarchive()->archive_write_disk_new)
#define archive_write_disk_set_options (pv_libarchive()->archive_write_disk_set_options)
#define archive_write_header (pv_libarchive()->archive_write_header)
#define archive_write_data_block (pv_libarchive()->archive_write_data_block)
#define archive_write_finish_entry (pv_libarchive()->archive_write_finish_entry)
#define archive_write_close (pv_libarchive()->archive_write_close)
#define archive_write_free (pv_libarchive()->archive_write_free)
#define archive_entry_new (pv_libarchive()->archive_entry_new)
#define archive_entry_free (pv_libarchive()->archive_entry_free)
#define archive_entry_pathname (pv_libarchive()->archive_entry_pathname)
#define archive_entry_set_pathname (pv_libarchive()->archive_entry_set_pathname)
#define archive_entry_hardlink (pv_libarchive()->archive_entry_hardlink)
#define archive_entry_set_hardlink (pv_libarchive()->archive_entry_set_hardlink)
#define archive_entry_filetype (pv_libarchive()->archive_entry_filetype)
#define archive_entry_set_perm (pv_libarchive()->archive_entry_set_perm)
#define archive_entry_xattr_reset (pv_libarchive()->archive_entry_xattr_reset)
#define archive_entry_xattr_next (pv_libarchive()->archive_entry_xattr_next)
#define archive_entry_xattr_add_entry (pv_libarchive()->archive_entry_xattr_add_entry)
#define archive_entry_xattr_clear (pv_libarchive()->archive_entry_xattr_clear)
#endif
#endif

#endif
