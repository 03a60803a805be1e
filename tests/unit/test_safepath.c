/* Symlink-safe resolution inside a root, on a real directory tree, with
 * openat2 and with the fallback walk: the subPath escapes of
 * CVE-2017-1002101 (a symlink in the volume pointing out of it) refused.
 * CVE-2021-25741 (a path swapped for a symlink after the check) is
 * test_bindmount.c's: it takes the mount that uses these fds. */
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

#include "volumes/safepath.h"

static char top[64];
static int rootfd = -1;

static void path(char *out, const char *rel)
{
	snprintf(out, 256, "%s/%s", top, rel);
}

/* TOP/root is the root; TOP/outside is what an escape would reach. */
static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/pv-safepath.XXXXXX");
	assert_non_null(mkdtemp(top));
	path(p, "root");
	mkdir(p, 0755);
	path(p, "root/etc");
	mkdir(p, 0755);
	path(p, "root/etc/passwd");
	close(open(p, O_CREAT | O_WRONLY, 0644));
	path(p, "outside");
	mkdir(p, 0755);
	path(p, "outside/secret");
	close(open(p, O_CREAT | O_WRONLY, 0600));
	path(p, "root/up");
	assert_int_equal(symlink("../outside", p), 0);   /* relative escape */
	path(p, "root/abs");
	assert_int_equal(symlink("/etc", p), 0);         /* absolute: the root's /etc in a container */
	path(p, "root/magic");
	assert_int_equal(symlink("/proc/self/root", p), 0);
	path(p, "root");
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

static void same_file(int fd, const char *rel)
{
	struct stat a, b;
	char p[256];

	path(p, rel);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
}

static void check_escapes(bool fallback)
{
	struct pv_err err = { 0 };
	int fd;

	pv_safepath_force_fallback(fallback);
	fd = pv_open_beneath(rootfd, "etc/passwd", PV_RESOLVE_BENEATH, O_PATH, &err);
	assert_true(fd >= 0);
	same_file(fd, "root/etc/passwd");
	close(fd);
	/* CVE-2017-1002101: subPath "up/secret" follows a symlink out */
	assert_int_equal(pv_open_beneath(rootfd, "up/secret", PV_RESOLVE_BENEATH, O_PATH, &err), -1);
	assert_true(err.code == EXDEV || err.code == ELOOP);
	assert_int_equal(pv_open_beneath(rootfd, "../outside/secret", PV_RESOLVE_BENEATH, O_PATH, &err), -1);
	assert_int_equal(err.code, EXDEV);
	assert_int_equal(pv_open_beneath(rootfd, "abs/passwd", PV_RESOLVE_BENEATH, O_PATH, &err), -1);
	assert_int_equal(pv_open_beneath(rootfd, "magic/etc", PV_RESOLVE_IN_ROOT, O_PATH, &err), -1);
	pv_safepath_force_fallback(false);
}

static void test_escapes(void **state)
{
	(void)state;
	check_escapes(false);
	check_escapes(true);
}

static void test_in_root(void **state)
{
	struct pv_err err = { 0 };
	int fd;

	(void)state;
	/* A container's absolute symlink stays in its own root... */
	fd = pv_open_beneath(rootfd, "/abs/passwd", PV_RESOLVE_IN_ROOT, O_PATH, &err);
	assert_true(fd >= 0);
	same_file(fd, "root/etc/passwd");
	close(fd);
	/* ...and so does "..", however many */
	fd = pv_open_beneath(rootfd, "etc/../../../etc/passwd", PV_RESOLVE_IN_ROOT, O_PATH, &err);
	assert_true(fd >= 0);
	same_file(fd, "root/etc/passwd");
	close(fd);
}

static void test_mkdir_and_touch(void **state)
{
	struct pv_err err = { 0 };
	struct stat st;
	char p[256];
	int fd;

	(void)state;
	for (int fallback = 0; fallback < 2; fallback++) {
		pv_safepath_force_fallback(fallback);
		fd = pv_mkdir_beneath(rootfd, fallback ? "/var/lib/b" : "/var/lib/a", PV_RESOLVE_BENEATH,
				      0755, &err);
		assert_true(fd >= 0);
		same_file(fd, fallback ? "root/var/lib/b" : "root/var/lib/a");
		close(fd);
		/* a mount point through the escaping symlink is not made outside */
		assert_int_equal(pv_mkdir_beneath(rootfd, "up/newdir", PV_RESOLVE_BENEATH, 0755, &err), -1);
		path(p, "outside/newdir");
		assert_int_equal(stat(p, &st), -1);
		fd = pv_touch_beneath(rootfd, "etc/config/app.conf", PV_RESOLVE_BENEATH, 0644, &err);
		assert_true(fd >= 0);
		same_file(fd, "root/etc/config/app.conf");
		close(fd);
	}
	pv_safepath_force_fallback(false);
	/* IN_ROOT: the container's symlink is followed, inside its root */
	fd = pv_mkdir_beneath(rootfd, "/abs/sub", PV_RESOLVE_IN_ROOT, 0755, &err);
	assert_true(fd >= 0);
	same_file(fd, "root/etc/sub");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_in_root),
		cmocka_unit_test(test_mkdir_and_touch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
