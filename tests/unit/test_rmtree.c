/* rm -rf of a volume's data through fds beneath a root, on a real tree,
 * with openat2 and with the fallback walk: the data goes, and nothing
 * outside it does: not a symlink's target, not through an escaping path,
 * not a directory swapped in after the caller's check, not the root. */
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

#include "volumes/rmtree.h"
#include "volumes/safepath.h"

static char top[64];
static int rootfd = -1;

static void path(char *out, const char *rel)
{
	snprintf(out, 256, "%s/%s", top, rel);
}

static void make_dir(const char *rel)
{
	char p[256];

	path(p, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void make_file(const char *rel)
{
	char p[256];
	int fd;

	path(p, rel);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "data\n", 5), 5);
	close(fd);
}

static void make_link(const char *target, const char *rel)
{
	char p[256];

	path(p, rel);
	assert_int_equal(symlink(target, p), 0);
}

static bool exists(const char *rel)
{
	struct stat st;
	char p[256];

	path(p, rel);
	return lstat(p, &st) == 0;
}

/* TOP/root is the root; TOP/outside is what an escape would reach. */
static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/pv-rmtree.XXXXXX");
	assert_non_null(mkdtemp(top));
	make_dir("root");
	make_dir("outside");
	make_file("outside/secret");
	make_link("../outside", "root/up");
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

static void outside_intact(void)
{
	assert_true(exists("outside/secret"));
	assert_true(exists("root"));
}

/* A volume with files, directories and symlinks out of it: all of it
 * goes, the symlinks' targets stay. */
static void test_tree(void **state)
{
	char abs[256];
	struct pv_err err = { 0 };

	(void)state;
	for (int fallback = 0; fallback < 2; fallback++) {
		pv_safepath_force_fallback(fallback);
		make_dir("root/vols");
		make_dir("root/vols/v");
		make_file("root/vols/v/f");
		make_dir("root/vols/v/sub");
		make_file("root/vols/v/sub/g");
		make_dir("root/vols/v/sub/deeper");
		make_file("root/vols/v/sub/deeper/h");
		make_link("../../../outside", "root/vols/v/sub/rel");
		path(abs, "outside");
		make_link(abs, "root/vols/v/abs");
		assert_int_equal(pv_rmtree_beneath(rootfd, "/vols/v/", NULL, &err), 0);
		assert_false(exists("root/vols/v"));
		assert_true(exists("root/vols"));
		outside_intact();
		/* gone already: done */
		assert_int_equal(pv_rmtree_beneath(rootfd, "vols/v", NULL, &err), 0);
		assert_int_equal(pv_rmtree_beneath(rootfd, "nowhere/v", NULL, &err), 0);
		/* a file, and a symlink (itself, not its target) */
		make_file("root/vols/file");
		make_link("../../outside/secret", "root/vols/link");
		assert_int_equal(pv_rmtree_beneath(rootfd, "vols/file", NULL, &err), 0);
		assert_int_equal(pv_rmtree_beneath(rootfd, "vols/link", NULL, &err), 0);
		assert_false(exists("root/vols/file"));
		assert_false(exists("root/vols/link"));
		outside_intact();
		assert_int_equal(pv_rmtree_beneath(rootfd, "vols", NULL, &err), 0);
	}
	pv_safepath_force_fallback(false);
}

/* A path that leads out of the root, or that is the root, removes nothing. */
static void test_escapes(void **state)
{
	static const char *const not_beneath[] = { "", ".", "/", "//", "up/..", "vols/.", ".." };
	struct pv_err err = { 0 };

	(void)state;
	for (int fallback = 0; fallback < 2; fallback++) {
		pv_safepath_force_fallback(fallback);
		/* openat2: EXDEV; the walk refuses the symlink itself (ENOTDIR) */
		assert_int_equal(pv_rmtree_beneath(rootfd, "up/secret", NULL, &err), -1);
		assert_int_equal(err.code, fallback ? ENOTDIR : EXDEV);
		assert_int_equal(pv_rmtree_beneath(rootfd, "../outside", NULL, &err), -1);
		assert_int_equal(err.code, EXDEV);
		assert_int_equal(pv_rmtree_beneath(rootfd, "../outside/secret", NULL, &err), -1);
		assert_int_equal(err.code, EXDEV);
		for (size_t i = 0; i < sizeof(not_beneath) / sizeof(not_beneath[0]); i++) {
			assert_int_equal(pv_rmtree_beneath(rootfd, not_beneath[i], NULL, &err), -1);
			assert_int_equal(err.code, EINVAL);
		}
		outside_intact();
		assert_true(exists("root/up"));
	}
	pv_safepath_force_fallback(false);
}

/* What the caller checked is what goes: a directory swapped in since
 * (renamed over, or a symlink) is left alone. */
static void test_swapped(void **state)
{
	struct pv_err err = { 0 };
	char a[256], b[256];
	struct stat st;

	(void)state;
	make_dir("root/v2");
	make_file("root/v2/kept");
	path(a, "root/v2");
	assert_int_equal(lstat(a, &st), 0);
	path(b, "root/v2-old");
	assert_int_equal(rename(a, b), 0);
	make_dir("root/v2");
	make_file("root/v2/other");
	assert_int_equal(pv_rmtree_beneath(rootfd, "v2", &st, &err), -1);
	assert_int_equal(err.code, ESTALE);
	assert_true(exists("root/v2/other"));
	assert_true(exists("root/v2-old/kept"));
	assert_int_equal(pv_rmtree_beneath(rootfd, "v2-old", &st, &err), 0);
	assert_false(exists("root/v2-old"));
	/* a symlink where the checked directory was */
	path(a, "root/v2");
	assert_int_equal(lstat(a, &st), 0);
	assert_int_equal(pv_rmtree_beneath(rootfd, "v2", NULL, &err), 0);
	make_link("../outside", "root/v2");
	assert_int_equal(pv_rmtree_beneath(rootfd, "v2", &st, &err), -1);
	assert_int_equal(err.code, ESTALE);
	assert_true(exists("root/v2"));
	outside_intact();
	assert_int_equal(pv_rmtree_beneath(rootfd, "v2", NULL, &err), 0);
}

/* N directories nested below root/deep. */
static void nest(int n)
{
	int fd, next;
	char p[256];

	make_dir("root/deep");
	path(p, "root/deep");
	fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < n; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
}

static void test_depth(void **state)
{
	struct pv_err err = { 0 };

	(void)state;
	nest(PV_RMTREE_DEPTH_MAX - 1);
	assert_int_equal(pv_rmtree_beneath(rootfd, "deep", NULL, &err), 0);
	assert_false(exists("root/deep"));
	nest(PV_RMTREE_DEPTH_MAX);
	assert_int_equal(pv_rmtree_beneath(rootfd, "deep", NULL, &err), -1);
	assert_int_equal(err.code, EMLINK);
	assert_true(exists("root/deep/d")); /* kept, and said so */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_swapped),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
