/* supervisor/source/admit.c and saved.c: which files in the manifests
 * directory may be read (a symlink's target inside the directory, a
 * regular file), and the saved last valid versions: their names, and
 * the copies kept, listed and dropped in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/core/fsutil.h"
#include "supervisor/source/admit.h"
#include "supervisor/source/desired.h"
#include "supervisor/source/saved.h"
#include "volumes/safepath.h"

static void test_inside(void **state)
{
	(void)state;
	assert_true(pv_admit_inside("/m", "/m/a.yaml"));
	assert_true(pv_admit_inside("/m/", "/m/sub/a.yaml"));
	assert_true(pv_admit_inside("/", "/etc/passwd"));
	assert_false(pv_admit_inside("/m", "/m"));    /* the directory itself is no file in it */
	assert_false(pv_admit_inside("/m", "/m/"));
	assert_false(pv_admit_inside("/m", "/mx/a.yaml")); /* a prefix of the name is not inside */
	assert_false(pv_admit_inside("/m", "/etc/passwd"));
	assert_false(pv_admit_inside("/m/sub", "/m/a.yaml"));
	assert_false(pv_admit_inside("/m", "m/a.yaml")); /* resolved paths are absolute */
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_null(pv_admit_mode_name(S_IFREG | 0644));
	assert_string_equal(pv_admit_mode_name(S_IFIFO | 0644), "a FIFO");
	assert_string_equal(pv_admit_mode_name(S_IFCHR | 0600), "a character device");
	assert_string_equal(pv_admit_mode_name(S_IFBLK | 0600), "a block device");
	assert_string_equal(pv_admit_mode_name(S_IFSOCK | 0755), "a socket");
	assert_string_equal(pv_admit_mode_name(S_IFDIR | 0755), "a directory");
}

static void round_trip(const char *root, const char *path, const char *want)
{
	char name[256], back[4096];

	assert_int_equal(pv_saved_escape(root, path, name, sizeof(name)), 0);
	assert_string_equal(name, want);
	assert_int_equal(pv_saved_unescape(root, name, back, sizeof(back)), 0);
	assert_string_equal(back, path);
}

static void test_saved_names(void **state)
{
	char name[16], back[64];

	(void)state;
	round_trip("/srv/m", "/srv/m/web.yaml", "web.yaml");
	round_trip("/srv/m", "/srv/m/sub/web.yaml", "sub%2Fweb.yaml");
	round_trip("/srv/m", "/srv/m/a b%c.yml", "a%20b%25c.yml");
	round_trip("m", "m/x_y-z.json", "x_y-z.json");
	/* the root as given, trailing slashes or not */
	assert_int_equal(pv_saved_escape("/srv/m/", "/srv/m/web.yaml", back, sizeof(back)), 0);
	assert_string_equal(back, "web.yaml");
	/* not under the root, or the root itself */
	assert_int_equal(pv_saved_escape("/srv/m", "/srv/mx/web.yaml", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_escape("/srv/m", "/srv/m/", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_escape("/srv/m", "/srv/m", back, sizeof(back)), -1);
	/* a plain name fills OUT to the last byte (then its NUL) */
	assert_int_equal(pv_saved_escape("/m", "/m/abcdefghijklmno", name, sizeof(name)), 0);
	assert_string_equal(name, "abcdefghijklmno");
	assert_int_equal(pv_saved_escape("/m", "/m/abcdefghijklmnop", name, sizeof(name)), -1);
	assert_int_equal(pv_saved_escape("/m", "/m/abcdefghijkl%", name, sizeof(name)), 0);
	assert_string_equal(name, "abcdefghijkl%25");
	assert_int_equal(pv_saved_escape("/m", "/m/abcdefghijklm%", name, sizeof(name)), -1);
	/* too long for OUT */
	assert_int_equal(pv_saved_escape("/m", "/m/a-rather-long-name.yaml", name, sizeof(name)), -1);
	/* names that are not ours: temporaries, bad escapes, NUL */
	assert_int_equal(pv_saved_unescape("/m", ".web.yaml.tmp.1", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_unescape("/m", "a%2", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_unescape("/m", "a%zz.yaml", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_unescape("/m", "a%00.yaml", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_unescape("/m", "a b.yaml", back, sizeof(back)), -1);
	assert_int_equal(pv_saved_unescape("/m", "", back, sizeof(back)), -1);
}

/* Copies kept, read back, not rewritten when the bytes are the same,
 * listed (40 of them: past any initial capacity) with leftovers removed,
 * dropped. */
static void test_saved_files(void **state)
{
	char dir[] = "/tmp/pv-saved-XXXXXX", sdir[64], path[256], junk[128];
	const struct pv_saved s = { sdir, "/srv/m" };
	struct pv_pathlist l = { 0 };
	struct pv_err err = { 0 };
	int64_t at = 0, at2 = 0;
	size_t len = 0;
	char *buf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sdir, sizeof(sdir), "%s/manifests", dir);
	buf = pv_saved_get(&s, "/srv/m/web.yaml", 1024, &len, &at, &err);
	assert_null(buf);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(pv_saved_put(&s, "/srv/m/sub/web.yaml", "v1", 2, &at, &err), 0);
	assert_true(at > 0);
	buf = pv_saved_get(&s, "/srv/m/sub/web.yaml", 1024, &len, &at2, &err);
	assert_non_null(buf);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "v1", 2);
	free(buf);
	/* the same bytes: the copy (and its time) untouched */
	assert_int_equal(pv_saved_name(&s, "/srv/m/sub/web.yaml", junk, sizeof(junk)), 0);
	assert_int_equal(strlen(junk), 64);
	snprintf(path, sizeof(path), "%s/%s", sdir, junk);
	assert_int_equal(utimensat(AT_FDCWD, path, (struct timespec[]){ { 1000, 0 }, { 1000, 0 } }, 0), 0);
	assert_int_equal(pv_saved_put(&s, "/srv/m/sub/web.yaml", "v1", 2, &at, &err), 0);
	assert_int_equal(at, 1000);
	assert_int_equal(pv_saved_put(&s, "/srv/m/sub/web.yaml", "v2!", 3, &at, &err), 0);
	assert_true(at > 1000);
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/srv/m/f%02d.yaml", i);
		assert_int_equal(pv_saved_put(&s, path, path, strlen(path), &at, &err), 0);
	}
	snprintf(junk, sizeof(junk), "%s/f00.yaml.tmp.123", sdir); /* an interrupted write */
	assert_int_equal(pv_write_atomic(junk, "x", 1, 0600, &err), 0);
	assert_int_equal(pv_saved_list(&s, &l, &err), 0);
	assert_int_equal(l.n, 41);
	assert_string_equal(l.v[0], "/srv/m/f00.yaml");
	assert_string_equal(l.v[40], "/srv/m/sub/web.yaml");
	assert_int_equal(access(junk, F_OK), -1);
	pv_pathlist_free(&l);
	/* a copy named the first way (the escaped path): moved to its hashed name */
	snprintf(junk, sizeof(junk), "%s/sub%%2Fold.yaml", sdir);
	assert_int_equal(pv_write_atomic(junk, "old", 3, 0600, &err), 0);
	assert_int_equal(pv_saved_list(&s, &l, &err), 0);
	assert_int_equal(l.n, 42);
	assert_string_equal(l.v[40], "/srv/m/sub/old.yaml");
	pv_pathlist_free(&l);
	assert_int_equal(access(junk, F_OK), -1);
	buf = pv_saved_get(&s, "/srv/m/sub/old.yaml", 1024, &len, &at2, &err);
	assert_non_null(buf);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "old", 3);
	free(buf);
	pv_saved_drop(&s, "/srv/m/sub/old.yaml");
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/srv/m/f%02d.yaml", i);
		pv_saved_drop(&s, path);
	}
	pv_saved_drop(&s, "/srv/m/sub/web.yaml");
	assert_int_equal(pv_saved_list(&s, &l, &err), 0);
	assert_int_equal(l.n, 0);
	pv_pathlist_free(&l);
	assert_int_equal(pv_rm_rf(dir, &err), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[512];
	struct pv_err err = { 0 };

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(pv_write_atomic(p, text, strlen(text), 0644, &err), 0);
}

static enum pv_admit_result admit(const struct pv_admit *a, const char *rel, char *why,
				  size_t whylen)
{
	char path[512];
	size_t len = 0;
	char *buf = NULL;
	enum pv_admit_result r;

	snprintf(path, sizeof(path), "%s/%s", a->root, rel);
	r = pv_admit_read(a, path, &buf, &len, why, whylen);
	assert_true(r == PV_ADMIT_OK ? buf != NULL : buf == NULL);
	free(buf);
	return r;
}

/* The open itself refuses what lies outside, whatever a check by path
 * saw before: a directory of the manifests directory that is (now) a
 * symlink out, "..", a link through an allowed directory's subdirectory
 * that leads out. Links inside, or into an allowed directory, are read. */
static void test_admit_beneath(void **state)
{
	char t[] = "/tmp/pv-admit-XXXXXX", m[64], out[64], sub[128], why[4200];
	const char *allow[1];
	struct pv_admit a = { m, allow, 0, 0 };
	struct pv_err err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(t));
	snprintf(m, sizeof(m), "%s/m", t);
	snprintf(out, sizeof(out), "%s/out", t);
	assert_int_equal(mkdir(m, 0755), 0);
	assert_int_equal(mkdir(out, 0755), 0);
	put(m, "a.yaml", "a: 1\n");
	put(out, "x.yaml", "x: 1\n");
	snprintf(sub, sizeof(sub), "%s/real", m);
	assert_int_equal(mkdir(sub, 0755), 0);
	put(sub, "y.yaml", "y: 1\n");
	assert_int_equal(admit(&a, "a.yaml", why, sizeof(why)), PV_ADMIT_OK);
	assert_int_equal(admit(&a, "real/y.yaml", why, sizeof(why)), PV_ADMIT_OK);
	/* the swapped directory: sub/x.yaml, with sub a symlink to ../out */
	snprintf(sub, sizeof(sub), "%s/sub", m);
	assert_int_equal(symlink(out, sub), 0);
	assert_int_equal(admit(&a, "sub/x.yaml", why, sizeof(why)), PV_ADMIT_REFUSED);
	assert_non_null(strstr(why, "leads out of"));
	assert_int_equal(admit(&a, "../out/x.yaml", why, sizeof(why)), PV_ADMIT_REFUSED);
	/* a link inside, and one out (refused, then allowed) */
	snprintf(sub, sizeof(sub), "%s/in.yaml", m);
	assert_int_equal(symlink("real/y.yaml", sub), 0);
	assert_int_equal(admit(&a, "in.yaml", why, sizeof(why)), PV_ADMIT_OK);
	snprintf(sub, sizeof(sub), "%s/ln.yaml", m);
	assert_int_equal(symlink("../out/x.yaml", sub), 0);
	assert_int_equal(admit(&a, "ln.yaml", why, sizeof(why)), PV_ADMIT_REFUSED);
	allow[0] = out;
	a.nlink_allow = 1;
	assert_int_equal(admit(&a, "ln.yaml", why, sizeof(why)), PV_ADMIT_OK);
	/* a FIFO: refused, never opened (the test would hang) */
	snprintf(sub, sizeof(sub), "%s/f.yaml", m);
	assert_int_equal(mkfifo(sub, 0644), 0);
	assert_int_equal(admit(&a, "f.yaml", why, sizeof(why)), PV_ADMIT_REFUSED);
	assert_string_equal(why, "is a FIFO, not a regular file");
	/* the same without openat2 */
	pv_safepath_force_fallback(true);
	assert_int_equal(admit(&a, "real/y.yaml", why, sizeof(why)), PV_ADMIT_OK);
	assert_int_equal(admit(&a, "in.yaml", why, sizeof(why)), PV_ADMIT_OK);
	assert_int_equal(admit(&a, "sub/x.yaml", why, sizeof(why)), PV_ADMIT_REFUSED);
	pv_safepath_force_fallback(false);
	assert_int_equal(pv_rm_rf(t, &err), 0);
}

static const char cm_v1[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v1\n";

/* A ConfigMap "c" whose data k is LEN bytes of 'x'. */
static void cm_big(char *buf, size_t n, size_t len)
{
	size_t o = (size_t)snprintf(buf, n, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  "
				   "name: c\ndata:\n  k: ");

	assert_true(o + len + 2 <= n);
	memset(buf + o, 'x', len);
	memcpy(buf + o + len, "\n", 2);
}

/* Keeping V2 fails (a file size limit stands in for a full disk): V1's
 * copy must not stay, or a restart while the file fails would put V1
 * back in force. Later, the save is tried again and V2 kept. */
static void test_failed_save_drops_copy(void **state)
{
	char t[] = "/tmp/pv-save-XXXXXX", m[64], sdir[64], path[128], v2[1024];
	struct rlimit was, small;
	struct pv_desired d;
	struct pv_dfile *df = NULL;
	struct pv_err err = { 0 };
	int64_t at = 0;
	size_t len = 0;
	char *buf;

	(void)state;
	assert_non_null(mkdtemp(t));
	snprintf(m, sizeof(m), "%s/m", t);
	snprintf(sdir, sizeof(sdir), "%s/state", t);
	snprintf(path, sizeof(path), "%s/c.yaml", m);
	assert_int_equal(mkdir(m, 0755), 0);
	pv_desired_init(&d);
	d.admit.root = m;
	d.saved.dir = sdir;
	d.saved.root = m;
	put(m, "c.yaml", cm_v1);
	assert_int_equal(pv_desired_apply(&d, path, &df), PV_APPLY_LOADED);
	cm_big(v2, sizeof(v2), 500);
	put(m, "c.yaml", v2);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = (struct rlimit){ 300, was.rlim_max }; /* the soft limit only: raised back after */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(pv_desired_apply(&d, path, &df), PV_APPLY_LOADED);
	assert_int_equal(pv_desired_save_pending(&d), 1);
	buf = pv_saved_get(&d.saved, path, 4096, &len, &at, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_null(buf); /* not V1 */
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(pv_desired_save_pending(&d), 0);
	buf = pv_saved_get(&d.saved, path, 4096, &len, &at, &err);
	assert_non_null(buf);
	assert_int_equal(len, strlen(v2));
	assert_memory_equal(buf, v2, len);
	free(buf);
	pv_desired_free(&d);
	assert_int_equal(pv_rm_rf(t, &err), 0);
}

/* Copies of files with long names and deep paths: a name of 254 bytes,
 * and a path whose escaped form is far longer than a file name may be
 * (each "/" is 3 bytes escaped). Kept, read back, listed, dropped. */
static void test_saved_long_paths(void **state)
{
	char dir[] = "/tmp/pv-saved-XXXXXX", sdir[64], longname[300], deep[1024];
	const struct pv_saved s = { sdir, "/srv/m" };
	struct pv_pathlist l = { 0 };
	struct pv_err err = { 0 };
	int64_t at = 0;
	size_t len = 0, o;
	char *buf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sdir, sizeof(sdir), "%s/manifests", dir);
	o = (size_t)snprintf(longname, sizeof(longname), "/srv/m/");
	memset(longname + o, 'a', 249);
	strcpy(longname + o + 249, ".yaml"); /* 254 bytes: a valid file name */
	o = (size_t)snprintf(deep, sizeof(deep), "/srv/m");
	for (int i = 0; i < 12; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "/dir-%02d-with/a", i);
	snprintf(deep + o, sizeof(deep) - o, "/web app.yaml");
	assert_int_equal(pv_saved_put(&s, longname, "long", 4, &at, &err), 0);
	assert_int_equal(pv_saved_put(&s, deep, "deep", 4, &at, &err), 0);
	buf = pv_saved_get(&s, longname, 1024, &len, &at, &err);
	assert_non_null(buf);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "long", 4);
	free(buf);
	buf = pv_saved_get(&s, deep, 1024, &len, &at, &err);
	assert_non_null(buf);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "deep", 4);
	free(buf);
	assert_int_equal(pv_saved_list(&s, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_true((strcmp(l.v[0], longname) == 0 && strcmp(l.v[1], deep) == 0) ||
		    (strcmp(l.v[1], longname) == 0 && strcmp(l.v[0], deep) == 0));
	pv_pathlist_free(&l);
	pv_saved_drop(&s, longname);
	pv_saved_drop(&s, deep);
	assert_int_equal(pv_saved_list(&s, &l, &err), 0);
	assert_int_equal(l.n, 0);
	pv_pathlist_free(&l);
	assert_int_equal(pv_rm_rf(dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_saved_names),
		cmocka_unit_test(test_saved_files),
		cmocka_unit_test(test_saved_long_paths),
		cmocka_unit_test(test_admit_beneath),
		cmocka_unit_test(test_failed_save_drops_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
