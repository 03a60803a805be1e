/* A privileged container's devices (sandbox/devices.c): the node's
 * character and block devices made in the container's /dev, directories
 * too, but never through a link the container's /dev has where the node
 * has a directory. Root (mknod): skipped otherwise. Everything is made in
 * a directory of the test's own; the devices are /dev/null's numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "supervisor/sandbox/devices.h"

static char top[] = "/tmp/pv-devices.XXXXXX";

static const char *at(const char *rel)
{
	static char b[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(b[i], sizeof(b[i]), "%s/%s", top, rel);
	return b[i];
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	if (geteuid() != 0)
		return 0; /* the tests skip */
	/* the node's: host/null, host/sub/null, host/pts/null (skipped) */
	if (mkdir(at("host"), 0755) < 0 || mkdir(at("host/sub"), 0755) < 0 ||
	    mkdir(at("host/pts"), 0755) < 0 || mkdir(at("out"), 0755) < 0 ||
	    mknod(at("host/null"), S_IFCHR | 0666, makedev(1, 3)) < 0 ||
	    mknod(at("host/sub/null"), S_IFCHR | 0666, makedev(1, 3)) < 0 ||
	    mknod(at("host/pts/null"), S_IFCHR | 0666, makedev(1, 3)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_made(void **state)
{
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(at("dev1"), 0755), 0);
	assert_int_equal(pv_devices_host(at("host"), at("dev1")), 2);
	assert_int_equal(stat(at("dev1/null"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(stat(at("dev1/sub/null"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_not_equal(lstat(at("dev1/pts"), &st), 0); /* runc skips pts */
	/* an empty directory the container's /dev had stays; one made for nothing goes */
	assert_int_equal(mkdir(at("host/empty"), 0755), 0);
	assert_int_equal(mkdir(at("dev1/mine"), 0755), 0);
	assert_int_equal(mkdir(at("host/mine"), 0755), 0);
	assert_int_equal(pv_devices_host(at("host"), at("dev1")), 0);
	assert_int_not_equal(lstat(at("dev1/empty"), &st), 0);
	assert_int_equal(lstat(at("dev1/mine"), &st), 0);
	assert_int_equal(rmdir(at("host/empty")), 0);
	assert_int_equal(rmdir(at("host/mine")), 0);
}

/* The container's /dev has a link where the node has a directory: it is
 * not followed (a device would be made wherever it leads). */
static void test_link_not_followed(void **state)
{
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(at("dev2"), 0755), 0);
	assert_int_equal(symlink(at("out"), at("dev2/sub")), 0);
	assert_int_equal(pv_devices_host(at("host"), at("dev2")), 1);
	assert_int_not_equal(lstat(at("out/null"), &st), 0);
	assert_int_equal(lstat(at("dev2/sub"), &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* left as it was */
	/* a file there: not a directory either */
	assert_int_equal(mkdir(at("dev3"), 0755), 0);
	assert_int_equal(mknod(at("dev3/sub"), S_IFREG | 0600, 0), 0);
	assert_int_equal(pv_devices_host(at("host"), at("dev3")), 1);
	assert_int_equal(lstat(at("dev3/sub"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made),
		cmocka_unit_test(test_link_not_followed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
