/* The kubelet-style atomic writer on a real directory tree: the ..data
 * swap, the top-level links, no-op rewrites, updates, nested paths,
 * fsGroup, path checks, leftovers swept, and a failed write leaving the
 * old payload in force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "volumes/atomic_writer.h"

static char top[64];

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/pv-atomic.XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

/* A fresh directory TOP/NAME for one test, in DIR. */
static void fresh(char *dir, const char *name)
{
	snprintf(dir, 256, "%s/%s", top, name);
	assert_int_equal(mkdir(dir, 0755), 0);
}

static void path(char *out, const char *dir, const char *rel)
{
	snprintf(out, 512, "%s/%s", dir, rel);
}

static void add(struct pv_payload *p, const char *rel, const char *s, mode_t mode)
{
	struct pv_err err = { 0 };

	if (pv_payload_add(p, rel, s, strlen(s), mode, &err) < 0)
		fail_msg("add %s: %s", rel, err.msg);
}

static int write_dir(const char *dir, const struct pv_payload *p, gid_t gid)
{
	struct pv_err err = { 0 };
	int rc = pv_atomic_write(dir, p, gid, &err);

	if (rc < 0)
		print_message("pv_atomic_write: %s\n", err.msg);
	return rc;
}

/* DIR/REL reads CONTENT, with MODE. */
static void expect_file(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char p[512], buf[256];
	struct stat st;
	ssize_t n;
	int fd;

	path(p, dir, rel);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		fail_msg("open %s: %s", p, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_string_equal(buf, content);
	assert_int_equal(st.st_mode & 07777, mode);
}

static bool exists(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;

	path(p, dir, rel);
	return lstat(p, &st) == 0;
}

static void link_of(const char *dir, const char *rel, char *out)
{
	char p[512];
	ssize_t n;

	path(p, dir, rel);
	n = readlink(p, out, 255);
	if (n < 0)
		fail_msg("readlink %s: %s", p, strerror(errno));
	out[n] = '\0';
}

/* How many "..2*" directories DIR holds. */
static int count_ts(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strncmp(de->d_name, "..2", 3) == 0;
	closedir(d);
	return n;
}

static ino_t data_ino(const char *dir)
{
	char p[512];
	struct stat st;

	path(p, dir, "..data");
	assert_int_equal(stat(p, &st), 0);
	return st.st_ino;
}

static void test_first_write(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], target[256], p2[512];
	mode_t old = umask(077);
	struct stat st;

	(void)state;
	fresh(dir, "first");
	add(&p, "a.txt", "hello", 0644);
	add(&p, "secret", "s3cr3t", 0600);
	add(&p, "run.sh", "#!/bin/sh\n", 0755);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	umask(old);
	link_of(dir, "..data", target);
	assert_true(strncmp(target, "..2", 3) == 0 && strlen(target) == 31);
	assert_int_equal(target[21], '.');
	path(p2, dir, target);
	assert_int_equal(lstat(p2, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);  /* not the umask's 0700 */
	link_of(dir, "a.txt", target);
	assert_string_equal(target, "..data/a.txt");
	expect_file(dir, "a.txt", "hello", 0644);
	expect_file(dir, "secret", "s3cr3t", 0600);
	expect_file(dir, "run.sh", "#!/bin/sh\n", 0755);
	assert_int_equal(count_ts(dir), 1);
	assert_false(exists(dir, "..data_tmp"));
	pv_payload_free(&p);
	assert_int_equal(p.n, 0);
	assert_null(p.files);
}

static void test_unchanged(void **state)
{
	struct pv_payload p = { 0 }, q = { 0 };
	char dir[256], before[256], after[256];
	ino_t ino;

	(void)state;
	fresh(dir, "same");
	add(&p, "k", "v", 0644);
	add(&p, "d/x", "y", 0400);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", before);
	ino = data_ino(dir);
	add(&q, "d/x", "y", 0400);   /* same set, other order */
	add(&q, "k", "v", 0644);
	assert_int_equal(write_dir(dir, &q, (gid_t)-1), 0);
	link_of(dir, "..data", after);
	assert_string_equal(before, after);
	assert_int_equal(data_ino(dir), ino);
	/* a differing mode, byte or missing link is a change */
	pv_payload_free(&q);
	add(&q, "d/x", "y", 0444);
	add(&q, "k", "v", 0644);
	assert_int_equal(write_dir(dir, &q, (gid_t)-1), 1);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 0);
	path(after, dir, "k");
	assert_int_equal(unlink(after), 0);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	expect_file(dir, "k", "v", 0644);
	assert_int_equal(count_ts(dir), 1);
	pv_payload_free(&p);
	pv_payload_free(&q);
}

static void test_update(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], old[256], now[256];

	(void)state;
	fresh(dir, "update");
	add(&p, "a", "one", 0644);
	add(&p, "b", "gone soon", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", old);
	pv_payload_free(&p);
	add(&p, "a", "two", 0640);
	add(&p, "c", "new", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", now);
	assert_string_not_equal(old, now);
	assert_false(exists(dir, old));
	assert_int_equal(count_ts(dir), 1);
	expect_file(dir, "a", "two", 0640);
	expect_file(dir, "c", "new", 0644);
	assert_false(exists(dir, "b"));
	pv_payload_free(&p);
}

static void test_nested(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], target[256], p2[512];
	mode_t old = umask(077);
	struct stat st;

	(void)state;
	fresh(dir, "nested");
	add(&p, "a/b.txt", "B", 0644);
	add(&p, "a/c/d.txt", "D", 0600);
	add(&p, "top", "T", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	umask(old);
	link_of(dir, "a", target);
	assert_string_equal(target, "..data/a");
	assert_false(exists(dir, "c"));
	expect_file(dir, "a/b.txt", "B", 0644);
	expect_file(dir, "a/c/d.txt", "D", 0600);
	expect_file(dir, "top", "T", 0644);
	path(p2, dir, "a/c");
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 0);
	/* dropping a/c/d.txt leaves no empty a/c behind, and is a change */
	pv_payload_free(&p);
	add(&p, "a/b.txt", "B", 0644);
	add(&p, "top", "T", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	assert_false(exists(dir, "a/c"));
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 0);
	pv_payload_free(&p);
}

static void test_gid(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], p2[512];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	fresh(dir, "gid");
	add(&p, "s/token", "t", 0440);
	assert_int_equal(write_dir(dir, &p, 12345), 1);
	path(p2, dir, "s/token");
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 12345);
	assert_int_equal(st.st_mode & 07777, 0440);
	assert_int_equal(write_dir(dir, &p, 12345), 0);
	assert_int_equal(write_dir(dir, &p, 12346), 1);   /* a new fsGroup rewrites */
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_gid, 12346);
	pv_payload_free(&p);
}

static void test_paths(void **state)
{
	static const char *const bad[] = { "", "/abs", "../x", "a/../b", "a/..", "..", "..data",
					   "..x", "...x/y", "a//b", "./a", "a/./b", "a/", "." };
	static const char *const good[] = { "a..b", ".hidden", "a/.b", "x..", "a/..b", "x.../y" };
	struct pv_payload p = { 0 };
	struct pv_err err = { 0 };
	char *longp = malloc(4098);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pv_payload_check_path(bad[i], &err) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(err.code, EINVAL);
		assert_int_equal(pv_payload_add(&p, bad[i], "x", 1, 0644, &err), -1);
	}
	assert_int_equal(p.n, 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (pv_payload_check_path(good[i], &err) < 0)
			fail_msg("\"%s\" refused: %s", good[i], err.msg);
	pv_payload_check_path("../x", &err);
	assert_string_equal(err.msg, "invalid path \"../x\": must not contain '..'");
	pv_payload_check_path("..x", &err);
	assert_string_equal(err.msg, "invalid path \"..x\": must not start with '..'");
	assert_non_null(longp);
	memset(longp, 'a', 4096);
	longp[4096] = '\0';
	assert_int_equal(pv_payload_check_path(longp, &err), 0);
	strcpy(longp + 4096, "b");
	assert_int_equal(pv_payload_check_path(longp, &err), -1);
	assert_non_null(strstr(err.msg, "at most 4096"));
	free(longp);
	assert_int_equal(pv_payload_add(&p, "k", "x", 1, 04755, &err), -1);
	assert_int_equal(p.n, 0);
}

static void test_duplicate(void **state)
{
	struct pv_payload p = { 0 };
	struct pv_err err = { 0 };

	(void)state;
	add(&p, "k", "1", 0644);
	assert_int_equal(pv_payload_add(&p, "k", "2", 1, 0600, &err), -1);
	assert_non_null(strstr(err.msg, "duplicate path"));
	assert_int_equal(p.n, 1);
	for (int i = 0; i < 40; i++) {   /* grows past the first capacity */
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		add(&p, name, name, 0644);
	}
	assert_int_equal(p.n, 41);
	assert_int_equal(p.files[40].len, 3);
	assert_memory_equal(p.files[40].data, "f39", 3);
	pv_payload_free(&p);
	add(&p, "k", "reusable", 0644);
	pv_payload_free(&p);
}

static void test_stray_and_replace(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], p2[512], target[256];
	int fd;

	(void)state;
	fresh(dir, "stray");
	path(p2, dir, "..2020_01_01_00_00_00.000000001");
	assert_int_equal(mkdir(p2, 0755), 0);
	path(p2, dir, "..2020_01_01_00_00_00.000000001/sub");
	assert_int_equal(mkdir(p2, 0700), 0);
	path(p2, dir, "..2020_01_01_00_00_00.000000001/sub/f");
	assert_true((fd = open(p2, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	path(p2, dir, "key");          /* a regular file where a link goes */
	assert_true((fd = open(p2, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(write(fd, "old", 3), 3);
	close(fd);
	path(p2, dir, "other");        /* a wrong symlink */
	assert_int_equal(symlink("/etc/passwd", p2), 0);
	path(p2, dir, "mine");         /* not ours: left alone */
	assert_int_equal(mkdir(p2, 0755), 0);
	add(&p, "key", "new", 0644);
	add(&p, "other", "o", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	assert_false(exists(dir, "..2020_01_01_00_00_00.000000001"));
	assert_int_equal(count_ts(dir), 1);
	link_of(dir, "key", target);
	assert_string_equal(target, "..data/key");
	link_of(dir, "other", target);
	assert_string_equal(target, "..data/other");
	expect_file(dir, "key", "new", 0644);
	assert_true(exists(dir, "mine"));
	assert_false(exists(dir, "..link_tmp"));
	pv_payload_free(&p);
}

static void test_failure_keeps_old(void **state)
{
	struct pv_payload p = { 0 };
	struct pv_err err = { 0 };
	char dir[256], before[256], after[256], p2[512];

	(void)state;
	fresh(dir, "fail");
	add(&p, "k", "v1", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", before);
	pv_payload_free(&p);
	/* "x" a file and "x/y" needing it as a directory: the add allows it,
	 * the write cannot */
	add(&p, "k", "v2", 0644);
	add(&p, "x", "1", 0644);
	add(&p, "x/y", "2", 0644);
	assert_int_equal(pv_atomic_write(dir, &p, (gid_t)-1, &err), -1);
	assert_non_null(strstr(err.msg, dir));
	assert_non_null(strstr(err.msg, "x/y"));
	link_of(dir, "..data", after);
	assert_string_equal(before, after);
	expect_file(dir, "k", "v1", 0644);
	assert_int_equal(count_ts(dir), 1);
	assert_false(exists(dir, "x"));
	assert_false(exists(dir, "..data_tmp"));
	pv_payload_free(&p);
	/* a real directory where a link must go is refused before anything */
	path(p2, dir, "d");
	assert_int_equal(mkdir(p2, 0755), 0);
	add(&p, "k", "v2", 0644);
	add(&p, "d", "x", 0644);
	assert_int_equal(pv_atomic_write(dir, &p, (gid_t)-1, &err), -1);
	assert_int_equal(err.code, EISDIR);
	expect_file(dir, "k", "v1", 0644);
	assert_int_equal(count_ts(dir), 1);
	pv_payload_free(&p);
	path(p2, dir, "missing");
	assert_int_equal(pv_atomic_write(p2, &p, (gid_t)-1, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

static void test_empty(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], target[256], p2[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)state;
	fresh(dir, "empty");
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", target);
	path(p2, dir, target);
	assert_non_null(d = opendir(p2));
	while ((de = readdir(d)))
		n++;
	closedir(d);
	assert_int_equal(n, 2);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 0);
	add(&p, "k", "v", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	pv_payload_free(&p);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);   /* back to empty: k goes */
	assert_false(exists(dir, "k"));
	assert_int_equal(count_ts(dir), 1);
}

/* A ..data that leads anywhere but a timestamped directory in DIR is
 * rewritten, and nothing outside DIR is touched. */
static void test_corrupt_data(void **state)
{
	struct pv_payload p = { 0 };
	char dir[256], target[256], p2[512];
	int fd;

	(void)state;
	fresh(dir, "corrupt");
	path(p2, top, "corrupt-witness");
	assert_true((fd = open(p2, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	path(p2, dir, "..data");
	assert_int_equal(symlink("..", p2), 0);
	add(&p, "corrupt-witness", "mine", 0644);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	assert_true(exists(top, "corrupt-witness"));
	link_of(dir, "..data", target);
	assert_true(strncmp(target, "..2", 3) == 0);
	expect_file(dir, "corrupt-witness", "mine", 0644);
	/* ..data a real directory */
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(mkdir(p2, 0755), 0);
	path(p2, dir, "..data/junk");
	assert_true((fd = open(p2, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	assert_int_equal(write_dir(dir, &p, (gid_t)-1), 1);
	link_of(dir, "..data", target);
	assert_true(strncmp(target, "..2", 3) == 0);
	expect_file(dir, "corrupt-witness", "mine", 0644);
	assert_int_equal(count_ts(dir), 1);
	pv_payload_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_write),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_gid),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_stray_and_replace),
		cmocka_unit_test(test_failure_keeps_old),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_corrupt_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
