/* fsGroup ownership of a volume, on a real tree (as root): every file
 * and directory gets the group and kubelet's modes, directories setgid;
 * a symlink is regrouped itself and its target outside is untouched; a
 * read-only volume gets read bits only; OnRootMismatch skips a tree
 * whose top is already right, Always does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "volumes/ownership.h"

#define GID 2345

static char top[64];

static void path(char *out, const char *rel)
{
	snprintf(out, 256, "%s/%s", top, rel);
}

static void make_dir(const char *rel, mode_t mode)
{
	char p[256];

	path(p, rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void make_file(const char *rel, mode_t mode)
{
	char p[256];
	int fd;

	path(p, rel);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static struct stat st_of(const char *rel)
{
	struct stat st;
	char p[256];

	path(p, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st;
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/pv-own.XXXXXX");
	assert_non_null(mkdtemp(top));
	make_dir("vol", 0777);
	make_dir("vol/sub", 0700);
	make_dir("vol/sub/deeper", 0755);
	make_file("vol/a", 0600);
	make_file("vol/sub/b", 0644);
	make_file("vol/sub/deeper/c", 0400);
	make_dir("outside", 0700);
	make_file("outside/secret", 0600);
	path(p, "vol/up");
	assert_int_equal(symlink("../outside/secret", p), 0);
	path(p, "vol/dirlink");
	assert_int_equal(symlink("../outside", p), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

static void test_tree(void **state)
{
	struct pv_err err = { 0 };
	char p[256];

	(void)state;
	path(p, "vol");
	assert_int_equal(pv_own_tree(p, GID, false, PV_OWN_ALWAYS, &err), 1);
	assert_int_equal(st_of("vol").st_mode & 07777, 02777);
	assert_int_equal(st_of("vol/sub").st_mode & 07777, 02770);
	assert_int_equal(st_of("vol/sub/deeper").st_mode & 07777, 02775);
	assert_int_equal(st_of("vol/a").st_mode & 07777, 0660);
	assert_int_equal(st_of("vol/sub/b").st_mode & 07777, 0664);
	assert_int_equal(st_of("vol/sub/deeper/c").st_mode & 07777, 0660);
	assert_int_equal(st_of("vol/sub/deeper/c").st_gid, GID);
	assert_int_equal(st_of("vol/sub").st_gid, GID);
	assert_int_equal(st_of("vol/up").st_gid, GID); /* the link itself */
	/* nothing outside the volume changed, whatever links there */
	assert_int_equal(st_of("outside/secret").st_gid, 0);
	assert_int_equal(st_of("outside/secret").st_mode & 07777, 0600);
	assert_int_equal(st_of("outside").st_gid, 0);
	assert_int_equal(st_of("outside").st_mode & 07777, 0700);
}

static void test_read_only(void **state)
{
	struct pv_err err = { 0 };
	char p[256];

	(void)state;
	make_dir("ro", 0700);
	make_file("ro/f", 0600);
	path(p, "ro");
	assert_int_equal(pv_own_tree(p, GID, true, PV_OWN_ALWAYS, &err), 1);
	assert_int_equal(st_of("ro").st_mode & 07777, 02750);
	assert_int_equal(st_of("ro/f").st_mode & 07777, 0640);
}

static void test_on_root_mismatch(void **state)
{
	struct pv_err err = { 0 };
	char p[256], f[256];

	(void)state;
	make_dir("m", 0755);
	make_file("m/f", 0600);
	path(p, "m");
	path(f, "m/f");
	/* the top is wrong: the whole tree is walked */
	assert_int_equal(pv_own_tree(p, GID, false, PV_OWN_ON_ROOT_MISMATCH, &err), 1);
	assert_int_equal(st_of("m/f").st_gid, GID);
	/* the top is right: a file below that is not stays as it is */
	assert_int_equal(chown(f, (uid_t)-1, 0), 0);
	assert_int_equal(pv_own_tree(p, GID, false, PV_OWN_ON_ROOT_MISMATCH, &err), 0);
	assert_int_equal(st_of("m/f").st_gid, 0);
	/* Always walks anyway */
	assert_int_equal(pv_own_tree(p, GID, false, PV_OWN_ALWAYS, &err), 1);
	assert_int_equal(st_of("m/f").st_gid, GID);
}

static void test_missing(void **state)
{
	struct pv_err err = { 0 };
	char p[256];

	(void)state;
	path(p, "nowhere");
	assert_int_equal(pv_own_tree(p, GID, false, PV_OWN_ALWAYS, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "nowhere"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_on_root_mismatch),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
