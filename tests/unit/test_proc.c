/* Unit tests for supervisor/core/proc.c: pv_close_from, which every pod
 * init, shim and container calls before it runs anything of the pod's
 * (an inherited descriptor of the daemon's would leak into the pod). Each
 * case runs in a child: the descriptors it closes are its own. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/core/proc.h"

static const int fds[] = { 5, 9, 10, 11, 12, 200, 900 }; /* bits 0-6: never 255 */
enum { NFDS = sizeof(fds) / sizeof(fds[0]) };

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* A bit for each of FDS still open after pv_close_from(FROM, KEEP) in a
 * child; -1 if the child could not tell. */
static int open_after(int from, int keep)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int bits = 0, null = open("/dev/null", O_RDONLY);

		for (int i = 0; i < NFDS; i++)
			if (null < 0 || dup2(null, fds[i]) != fds[i])
				_exit(255);
		pv_close_from(from, keep);
		for (int i = 0; i < NFDS; i++)
			if (is_open(fds[i]))
				bits |= 1 << i;
		_exit(bits);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

static int bit(int fd)
{
	for (int i = 0; i < NFDS; i++)
		if (fds[i] == fd)
			return 1 << i;
	return 0;
}

static void test_closes_all_from(void **state)
{
	(void)state;
	/* below FROM stays; FROM and every one above goes, however high */
	assert_int_equal(open_after(10, -1), bit(5) | bit(9));
	assert_int_equal(open_after(3, -1), 0);
}

static void test_keeps_one(void **state)
{
	(void)state;
	assert_int_equal(open_after(10, 12), bit(5) | bit(9) | bit(12));
	assert_int_equal(open_after(10, 10), bit(5) | bit(9) | bit(10)); /* KEEP == FROM */
	assert_int_equal(open_after(10, 900), bit(5) | bit(9) | bit(900)); /* the highest */
	assert_int_equal(open_after(10, 5), bit(5) | bit(9)); /* KEEP below FROM */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closes_all_from),
		cmocka_unit_test(test_keeps_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
