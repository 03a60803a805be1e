/* supervisor/runtime/journal.c: the journal's native protocol, as the
 * journal reads it (systemd.io/JOURNAL_NATIVE_PROTOCOL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/runtime/journal.h"

static int pair[2];

static int setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, pair);
}

static int teardown(void **state)
{
	(void)state;
	close(pair[0]);
	close(pair[1]);
	return 0;
}

static size_t receive(char *buf, size_t len)
{
	ssize_t n = recv(pair[1], buf, len, 0);

	assert_true(n > 0);
	return (size_t)n;
}

static void test_text(void **state)
{
	static const char *const fields[] = { "CONTAINER_NAME=web", "POD_NAME=web-1", NULL };
	static const char want[] = "CONTAINER_NAME=web\nPOD_NAME=web-1\nPRIORITY=3\nMESSAGE=oops: x=1\n";
	char buf[256];
	size_t n;

	(void)state;
	assert_int_equal(pv_journal_send(pair[0], fields, 3, "oops: x=1", 9), 0);
	n = receive(buf, sizeof(buf));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(buf, want, n);
}

/* A message with a newline (or any byte) goes as KEY, newline, its length
 * as 64 bits little-endian, the bytes, newline. */
static void test_binary(void **state)
{
	static const char head[] = "PRIORITY=6\nMESSAGE\n";
	static const unsigned char len[8] = { 5, 0, 0, 0, 0, 0, 0, 0 };
	char buf[256];
	size_t n;

	(void)state;
	assert_int_equal(pv_journal_send(pair[0], NULL, 6, "a\nb\0c", 5), 0);
	n = receive(buf, sizeof(buf));
	assert_int_equal(n, sizeof(head) - 1 + 8 + 5 + 1);
	assert_memory_equal(buf, head, sizeof(head) - 1);
	assert_memory_equal(buf + sizeof(head) - 1, len, 8);
	assert_memory_equal(buf + sizeof(head) - 1 + 8, "a\nb\0c\n", 6);
}

/* A journal that does not read: the sender loses entries, never waits. */
static void test_never_blocks(void **state)
{
	char big[8192];
	int i, failed = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 10000 && !failed; i++)
		failed = pv_journal_send(pair[0], NULL, 6, big, sizeof(big)) < 0;
	assert_true(failed);
	assert_int_equal(errno, EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_blocks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
