/* The node's hostPath policy: the deny list without an allow-list, the
 * allow-list when given, the state directory always refused, prefixes
 * matched by whole components; and the type checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "volumes/hostpath.h"

static void test_policy(void **state)
{
	struct pv_hostpath_policy deny = { .state_dir = "/var/lib/podvisor" };
	char a1[] = "/srv/data", a2[] = "/mnt/";
	char *allow_v[] = { a1, a2 };
	struct pv_hostpath_policy allow = { .allow = allow_v, .nallow = 2, .state_dir = "/mnt/pv" };
	static const char *const refused[] = { "/", "/etc", "/etc/ssl", "/proc/1", "/run/docker.sock",
					       "/usr", "/lib64", "/root", "/var/lib/podvisor/pods",
					       "/var/lib", "/var" };
	struct pv_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (pv_hostpath_allowed(&deny, refused[i], &err) == 0)
			fail_msg("%s allowed", refused[i]);
	assert_int_equal(pv_hostpath_allowed(&deny, "/etcetera", &err), 0); /* a component, not a prefix */
	assert_int_equal(pv_hostpath_allowed(&deny, "/srv/www", &err), 0);
	assert_int_equal(pv_hostpath_allowed(&deny, "/", &err), -1);
	assert_non_null(strstr(err.msg, "--host-path-allow"));

	assert_int_equal(pv_hostpath_allowed(&allow, "/srv/data", &err), 0);
	assert_int_equal(pv_hostpath_allowed(&allow, "/mnt/usb/x", &err), 0);
	assert_int_equal(pv_hostpath_allowed(&allow, "/srv/database", &err), -1);
	assert_int_equal(pv_hostpath_allowed(&allow, "/mnt/pv/pods", &err), -1); /* the state dir */
	assert_int_equal(pv_hostpath_allowed(&allow, "/mnt", &err), -1);   /* and above it */
	assert_int_equal(pv_hostpath_allowed(&allow, "/tmp", &err), -1);
	assert_non_null(strstr(err.msg, "not under any --host-path-allow prefix"));
}

static void test_types(void **state)
{
	char top[] = "/tmp/pv-hostpath.XXXXXX", p[256], link[256], cmd[300];
	char *allow_v[1];
	struct pv_hostpath_policy pol = { .allow = allow_v, .nallow = 1 };
	struct pv_err err = { 0 };
	struct stat st;
	char *real;

	(void)state;
	assert_non_null(mkdtemp(top));
	allow_v[0] = top;
	snprintf(p, sizeof(p), "%s/a/b", top);
	real = pv_hostpath_prepare(&pol, p, "DirectoryOrCreate", &err);
	assert_non_null(real);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(real);
	assert_null(pv_hostpath_prepare(&pol, p, "File", &err));
	assert_non_null(strstr(err.msg, "is not a file"));
	snprintf(p, sizeof(p), "%s/c/f.conf", top);
	real = pv_hostpath_prepare(&pol, p, "FileOrCreate", &err);
	assert_non_null(real);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	free(real);
	assert_null(pv_hostpath_prepare(&pol, p, "Socket", &err));
	snprintf(p, sizeof(p), "%s/missing", top);
	assert_null(pv_hostpath_prepare(&pol, p, "Directory", &err));
	/* a symlink under the allowed prefix that leads out of it */
	snprintf(link, sizeof(link), "%s/out", top);
	assert_int_equal(symlink("/etc", link), 0);
	assert_null(pv_hostpath_prepare(&pol, link, "", &err));
	assert_non_null(strstr(err.msg, "/etc"));
	/* nothing is created where the policy refuses */
	pol.nallow = 0;
	assert_null(pv_hostpath_prepare(&pol, "/etc/podvisor-test-never", "DirectoryOrCreate", &err));
	assert_int_equal(stat("/etc/podvisor-test-never", &st), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
