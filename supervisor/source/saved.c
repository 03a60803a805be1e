#include "supervisor/source/saved.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "common/sha256.h"
#include "common/cleanup.h"
#include "manifests/manifest.h"
#include "supervisor/core/fsutil.h"

static size_t root_len(const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return n;
}

static bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int pv_saved_escape(const char *root, const char *path, char *out, size_t n)
{
	size_t rl = root_len(root), o = 0;
	const char *rel = path + rl;

	if (strncmp(root, path, rl) != 0 || *rel != '/' || !rel[1])
		return -1;
	for (rel++; *rel; rel++) {
		unsigned char c = (unsigned char)*rel;

		if (o + (plain(c) ? 1 : 3) >= n) /* and the NUL */
			return -1;
		if (plain(c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pv_saved_unescape(const char *root, const char *name, char *out, size_t n)
{
	size_t rl = root_len(root), o;

	if (!name[0] || name[0] == '.' || rl + 2 > n)
		return -1;
	memcpy(out, root, rl);
	out[rl] = '/';
	o = rl + 1;
	for (const char *p = name; *p; p++) {
		int hi, lo;

		if (o + 1 >= n)
			return -1;
		if (plain((unsigned char)*p)) {
			out[o++] = *p;
			continue;
		}
		if (*p != '%' || (hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		out[o++] = (char)(hi * 16 + lo);
		p += 2;
	}
	out[o] = '\0';
	return 0;
}

/* A copy is STATE/manifests/<sha256 of the path relative to the root, in
 * hex>: any depth and length of path gets a name. Its first line names
 * the file (escaped: one line whatever the name); the bytes follow. */
#define HEADER "# podvisor: the last valid version of "
#define HASH_HEX 64
#define ESCAPED_MAX (PATH_MAX * 3)

static int copy_name(const struct pv_saved *s, const char *path, char *name, char *escaped)
{
	unsigned char h[32];

	if (pv_saved_escape(s->root, path, escaped, ESCAPED_MAX) < 0)
		return errno = ENAMETOOLONG, -1;
	pv_sha256(escaped, strlen(escaped), h);
	pv_sha256_to_hex(h, name);
	return 0;
}

int pv_saved_name(const struct pv_saved *s, const char *path, char *out, size_t n)
{
	cleanup_free char *escaped = malloc(ESCAPED_MAX);

	if (n <= HASH_HEX)
		return -1;
	return escaped ? copy_name(s, path, out, escaped) : -1;
}

static int copy_path(const struct pv_saved *s, const char *path, char *out, size_t n,
		     char *escaped)
{
	char name[HASH_HEX + 1];

	if (copy_name(s, path, name, escaped) < 0)
		return -1;
	if ((size_t)snprintf(out, n, "%s/%s", s->dir, name) >= n)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

/* The copy's text: the header line for ESCAPED, then BUF. */
static char *with_header(const char *escaped, const char *buf, size_t len, size_t *total)
{
	size_t hl = strlen(HEADER) + strlen(escaped) + 1;
	char *t = malloc(hl + len + 1);

	if (!t)
		return NULL;
	snprintf(t, hl + 1, "%s%s\n", HEADER, escaped);
	memcpy(t + hl, buf, len);
	t[hl + len] = '\0';
	*total = hl + len;
	return t;
}

/* The bytes after the header of TEXT, when it names ESCAPED (NULL:
 * any); the escaped name in *NAMED (inside TEXT, not terminated). */
static const char *body_of(const char *text, size_t len, const char *escaped, size_t *namelen)
{
	size_t hl = strlen(HEADER);
	const char *nl = len > hl ? memchr(text, '\n', len) : NULL;

	if (!nl || strncmp(text, HEADER, hl) != 0)
		return NULL;
	*namelen = (size_t)(nl - text) - hl;
	if (escaped && (strlen(escaped) != *namelen || memcmp(text + hl, escaped, *namelen)))
		return NULL;
	return nl + 1;
}

static bool same_bytes(const char *copy, const char *buf, size_t len, int64_t *at)
{
	struct pv_err err = { 0 };
	size_t have = 0;
	cleanup_free char *old = pv_read_file(copy, len, &have, &err);
	struct stat st;

	if (!old || have != len || memcmp(old, buf, len) != 0 || stat(copy, &st) < 0)
		return false;
	*at = st.st_mtime;
	return true;
}

static void sync_dir(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		fsync(fd);
}

int pv_saved_put(const struct pv_saved *s, const char *path, const char *buf, size_t len,
		 int64_t *at, struct pv_err *err)
{
	cleanup_free char *escaped = malloc(ESCAPED_MAX), *text = NULL;
	char copy[PATH_MAX];
	size_t total = 0;
	struct stat st;

	if (!escaped || copy_path(s, path, copy, sizeof(copy), escaped) < 0)
		return pv_err_sys(err, escaped ? errno : ENOMEM, "%s: no name for its saved copy",
				  path);
	if (!(text = with_header(escaped, buf, len, &total)))
		return pv_err_set(err, ENOMEM, "out of memory");
	if (same_bytes(copy, text, total, at))
		return 0;
	if (pv_mkdir_p(s->dir, 0700, err) < 0 || pv_write_atomic(copy, text, total, 0600, err) < 0)
		return -1;
	sync_dir(s->dir);
	*at = stat(copy, &st) == 0 ? (int64_t)st.st_mtime : (int64_t)time(NULL);
	return 0;
}

char *pv_saved_get(const struct pv_saved *s, const char *path, size_t max, size_t *len,
		   int64_t *at, struct pv_err *err)
{
	cleanup_free char *escaped = malloc(ESCAPED_MAX), *text = NULL;
	char copy[PATH_MAX];
	const char *body;
	size_t total = 0, namelen = 0;
	struct stat st;
	char *buf;

	if (!escaped || copy_path(s, path, copy, sizeof(copy), escaped) < 0)
		return pv_err_sys(err, escaped ? errno : ENOMEM, "%s: no name for its saved copy",
				  path), NULL;
	if (!(text = pv_read_file(copy, max + strlen(HEADER) + strlen(escaped) + 1, &total, err)))
		return NULL;
	if (!(body = body_of(text, total, escaped, &namelen)))
		return pv_err_set(err, EINVAL, "%s: not the saved copy of %s", copy, path), NULL;
	*len = total - (size_t)(body - text);
	if (!(buf = malloc(*len + 1)))
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	memcpy(buf, body, *len);
	buf[*len] = '\0';
	*at = stat(copy, &st) == 0 ? (int64_t)st.st_mtime : 0;
	return buf;
}

void pv_saved_drop(const struct pv_saved *s, const char *path)
{
	cleanup_free char *escaped = malloc(ESCAPED_MAX);
	char copy[PATH_MAX];

	if (escaped && copy_path(s, path, copy, sizeof(copy), escaped) == 0 && unlink(copy) == 0)
		sync_dir(s->dir);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool hex_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return i == HASH_HEX;
}

static bool name_ok(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && pv_manifest_name_ok(base + 1);
}

/* The file whose copy is DIR/NAME (hashed name): from its header, into
 * PATH; false for anything else (then removed). */
static bool copy_of(const struct pv_saved *s, const char *name, char *path, size_t n)
{
	size_t cap = strlen(HEADER) + ESCAPED_MAX + 1, got = 0, namelen = 0;
	cleanup_free char *head = malloc(cap + 1), *escaped = malloc(ESCAPED_MAX);
	char file[PATH_MAX], want[HASH_HEX + 1];
	cleanup_close int fd = -1;
	const char *body;
	ssize_t r;

	if (!head || !escaped || (size_t)snprintf(file, sizeof(file), "%s/%s", s->dir, name) >=
	    sizeof(file) || (fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return false;
	while (got < cap && (r = read(fd, head + got, cap - got)) > 0)
		got += (size_t)r;
	if (!(body = body_of(head, got, NULL, &namelen)) || namelen >= ESCAPED_MAX)
		return false;
	memcpy(escaped, head + strlen(HEADER), namelen);
	escaped[namelen] = '\0';
	return pv_saved_unescape(s->root, escaped, path, n) == 0 && name_ok(path) &&
	       copy_name(s, path, want, escaped) == 0 && strcmp(want, name) == 0;
}

/* A copy named the way of the first version (the escaped path itself):
 * kept under its hashed name. */
static bool migrate(const struct pv_saved *s, const char *name, char *path, size_t n)
{
	struct pv_err err = { 0 };
	char old[PATH_MAX];
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int64_t at = 0;

	if (pv_saved_unescape(s->root, name, path, n) < 0 || !name_ok(path) ||
	    (size_t)snprintf(old, sizeof(old), "%s/%s", s->dir, name) >= sizeof(old) ||
	    !(buf = pv_read_file(old, PV_MAX_FILE_SIZE, &len, &err)) ||
	    pv_saved_put(s, path, buf, len, &at, &err) < 0)
		return false;
	unlink(old);
	return true;
}

int pv_saved_list(const struct pv_saved *s, struct pv_pathlist *out, struct pv_err *err)
{
	struct dirent **names = NULL;
	int n = scandir(s->dir, &names, NULL, name_cmp), rc = 0;
	size_t first = out->n;

	if (n < 0)
		return errno == ENOENT ? 0 : pv_err_sys(err, errno, "%s", s->dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[PATH_MAX], junk[PATH_MAX];

		if (strcmp(name, ".") && strcmp(name, "..")) {
			if (hex_name(name) ? copy_of(s, name, path, sizeof(path))
					   : migrate(s, name, path, sizeof(path))) {
				if (rc == 0 && pv_pathlist_add(out, path) < 0)
					rc = pv_err_set(err, ENOMEM, "out of memory");
			} else if (hex_name(name) || pv_saved_unescape(s->root, name, path,
									 sizeof(path)) < 0 ||
				   !name_ok(path)) { /* an old copy not moved yet stays */
				if ((size_t)snprintf(junk, sizeof(junk), "%s/%s", s->dir, name) <
				    sizeof(junk))
					unlink(junk);
			}
		}
		free(names[i]);
	}
	free(names);
	if (out->n > first)
		qsort(out->v + first, out->n - first, sizeof(*out->v), path_cmp);
	return rc;
}
