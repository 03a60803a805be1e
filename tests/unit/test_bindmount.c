/* A volume's bind mount through podvisor's own code (volumes/bindmount.c,
 * which container.c calls): CVE-2021-25741, a subPath or mount point
 * swapped for a symlink after it was checked, mounts what was checked and
 * nothing else; CVE-2017-1002101, a symlink already there, is refused or
 * stays inside the container's root. Real mounts, in a mount namespace of
 * the test's own on a tmpfs, so it needs root (skipped otherwise; as root
 * a namespace it cannot make is a failure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "volumes/bindmount.h"
#include "volumes/safepath.h"

static char top[64];
static int volfd = -1, rootfd = -1;

static void path(char *out, const char *rel)
{
	snprintf(out, 256, "%s/%s", top, rel);
}

static void mkdir_at(const char *rel)
{
	char p[256];

	path(p, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void write_at(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	path(p, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The first line of TOP/REL, or "" when it cannot be read. */
static const char *read_at(const char *rel)
{
	static char buf[64];
	char p[256];
	FILE *f;

	path(p, rel);
	buf[0] = '\0';
	f = fopen(p, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

/* Is TOP/REL a mount point (an entry of this namespace's mountinfo)? */
static bool mounted_at(const char *rel)
{
	char p[256], line[4096], mp[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	path(p, rel);
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, p) == 0;
	fclose(f);
	return found;
}

/* TOP (a tmpfs in our own mount namespace) holds vol/, the volume, with
 * vol/data/marker = "inside"; root/, the container's root; and outside/,
 * what an escape would reach, with outside/marker = "outside". */
static int setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/pv-bindmount.XXXXXX");
	assert_non_null(mkdtemp(top));
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", top, "tmpfs", 0, "size=4m") != 0) {
		fprintf(stderr, "a mount namespace of our own: %s\n", strerror(errno));
		return -1;
	}
	mkdir_at("vol");
	mkdir_at("vol/data");
	write_at("vol/data/marker", "inside");
	write_at("vol/file.conf", "conf");
	mkdir_at("root");
	mkdir_at("outside");
	write_at("outside/marker", "outside");
	path(p, "vol/up");
	assert_int_equal(symlink("../outside", p), 0); /* planted in the volume */
	path(p, "vol");
	volfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	path(p, "root");
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(volfd >= 0 && rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(volfd);
	close(rootfd);
	umount2(top, MNT_DETACH); /* every bind mount under it goes with it */
	return rmdir(top);
}

/* The attacker: between podvisor's resolving and its mounting, OLD is
 * renamed away and replaced by a symlink to TOP/outside (absolute, as a
 * host path a path-based mount would follow). */
struct swap {
	const char *rel[2];
};

static void swap_for_symlinks(void *data)
{
	struct swap *s = data;
	char p[256], q[300], out[256];

	path(out, "outside");
	for (size_t i = 0; i < 2 && s->rel[i]; i++) {
		path(p, s->rel[i]);
		snprintf(q, sizeof(q), "%s.old", p);
		assert_int_equal(rename(p, q), 0);
		assert_int_equal(symlink(out, p), 0);
	}
}

static void unswap(const struct swap *s)
{
	char p[256], q[300];

	for (size_t i = 0; i < 2 && s->rel[i]; i++) {
		path(p, s->rel[i]);
		snprintf(q, sizeof(q), "%s.old", p);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(rename(q, p), 0);
	}
}

/* CVE-2021-25741: the subPath (in the volume) and the mount point (in the
 * container's root) are both swapped for symlinks after podvisor resolved
 * them. What gets mounted is the checked vol/data, on the checked mount
 * point; TOP/outside is neither mounted on nor mounted anywhere. */
static void check_swap_after_resolve(bool fallback)
{
	struct swap s = { { "vol/data", "root/mnt" } };
	const struct pv_bind b = { "data", "/mnt", false };
	struct pv_err err = { 0 };
	char p[256];

	pv_safepath_force_fallback(fallback);
	pv_bind_test_hook(swap_for_symlinks, &s);
	assert_int_equal(pv_bind_beneath(volfd, rootfd, &b, &err), 0);
	pv_bind_test_hook(NULL, NULL);
	pv_safepath_force_fallback(false);
	assert_true(mounted_at("root/mnt.old"));
	assert_string_equal(read_at("root/mnt.old/marker"), "inside");
	assert_false(mounted_at("outside"));
	assert_string_equal(read_at("outside/marker"), "outside");
	path(p, "root/mnt.old");
	assert_int_equal(umount2(p, MNT_DETACH), 0);
	unswap(&s);
}

static void test_swap_after_resolve(void **state)
{
	(void)state;
	check_swap_after_resolve(false); /* openat2 */
	check_swap_after_resolve(true);  /* the component walk */
}

/* CVE-2017-1002101: a subPath through a symlink already in the volume
 * that leads out of it is refused, and nothing is mounted or made. */
static void test_planted_subpath_refused(void **state)
{
	const struct pv_bind b = { "up/marker", "/leak", false };
	struct pv_err err = { 0 };
	struct stat st;
	char p[256];

	(void)state;
	for (int fallback = 0; fallback < 2; fallback++) {
		pv_safepath_force_fallback(fallback);
		assert_int_equal(pv_bind_beneath(volfd, rootfd, &b, &err), -1);
		assert_true(err.code == EXDEV || err.code == ELOOP);
		assert_non_null(strstr(err.msg, "subPath: up/marker"));
		path(p, "root/leak");
		assert_int_equal(lstat(p, &st), -1);
	}
	pv_safepath_force_fallback(false);
}

/* A mount point through the container's own absolute symlink stays in
 * its root: /link -> TOP/outside means ROOT/TOP/outside (which the image
 * has), not the host's TOP/outside. */
static void test_target_symlink_stays_in_root(void **state)
{
	const struct pv_bind b = { "file.conf", "/link/app.conf", true };
	struct pv_err err = { 0 };
	char p[256], out[256], inroot[512];
	FILE *f;

	(void)state;
	path(p, "root/link");
	path(out, "outside");
	assert_int_equal(symlink(out, p), 0);
	snprintf(inroot, sizeof(inroot), "mkdir -p %s/root%s", top, out);
	assert_int_equal(system(inroot), 0);
	if (pv_bind_beneath(volfd, rootfd, &b, &err) != 0)
		fail_msg("%s (%d)", err.msg, err.code);
	snprintf(inroot, sizeof(inroot), "%s/root%s/app.conf", top, out);
	f = fopen(inroot, "r");
	assert_non_null(f);
	assert_int_equal(fgetc(f), 'c');
	fclose(f);
	assert_false(mounted_at("outside/app.conf"));
	path(p, "outside/app.conf");
	assert_int_equal(access(p, F_OK), -1);
	/* read-only: the mount, not the volume's file */
	f = fopen(inroot, "w");
	assert_null(f);
	assert_int_equal(errno, EROFS);
	assert_int_equal(umount2(inroot, MNT_DETACH), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_after_resolve),
		cmocka_unit_test(test_planted_subpath_refused),
		cmocka_unit_test(test_target_symlink_stays_in_root),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for mounts in a namespace of its own\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
