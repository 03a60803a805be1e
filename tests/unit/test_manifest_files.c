/* supervisor/source/admit.c and saved.c: which files in the manifests
 * directory may be read (a symlink's target inside the directory, a
 * regular file), and the names of the saved last valid versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "supervisor/source/admit.h"
#include "supervisor/source/saved.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_saved_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
