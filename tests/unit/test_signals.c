/* Unit tests for manifests/signals.c: signal names as Kubernetes'
 * Lifecycle.stopSignal takes them, and as OCI image configs give them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <cmocka.h>

#include "manifests/signals.h"

static void test_kubernetes_names(void **state)
{
	(void)state;
	assert_int_equal(pv_signal_number("SIGTERM", false), SIGTERM);
	assert_int_equal(pv_signal_number("SIGUSR1", false), SIGUSR1);
	assert_int_equal(pv_signal_number("SIGCLD", false), SIGCHLD);
	assert_int_equal(pv_signal_number("SIGRTMIN", false), SIGRTMIN);
	assert_int_equal(pv_signal_number("SIGRTMIN+15", false), SIGRTMIN + 15);
	assert_int_equal(pv_signal_number("SIGRTMAX-14", false), SIGRTMAX - 14);
	assert_int_equal(pv_signal_number("SIGRTMAX", false), SIGRTMAX);
	/* Kubernetes' list has the prefix, and the real-time range only */
	assert_int_equal(pv_signal_number("TERM", false), -1);
	assert_int_equal(pv_signal_number("15", false), -1);
	assert_int_equal(pv_signal_number("SIGRTMIN+16", false), -1);
	assert_int_equal(pv_signal_number("SIGRTMAX-15", false), -1);
	assert_int_equal(pv_signal_number("SIGRTMIN+", false), -1);
	assert_int_equal(pv_signal_number("SIGRTMIN+1x", false), -1);
	assert_int_equal(pv_signal_number("SIGFOO", false), -1);
	assert_int_equal(pv_signal_number("sigterm", false), -1);
	assert_int_equal(pv_signal_number("", false), -1);
}

static void test_oci_names(void **state)
{
	(void)state;
	assert_int_equal(pv_signal_number("SIGTERM", true), SIGTERM);
	assert_int_equal(pv_signal_number("QUIT", true), SIGQUIT);
	assert_int_equal(pv_signal_number("9", true), 9);
	assert_int_equal(pv_signal_number("0", true), -1);
	assert_int_equal(pv_signal_number("99999", true), -1);
	assert_int_equal(pv_signal_number("15x", true), -1);
	assert_int_equal(pv_signal_number("RTMIN+2", true), SIGRTMIN + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubernetes_names),
		cmocka_unit_test(test_oci_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
