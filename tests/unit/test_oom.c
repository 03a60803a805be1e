/* Out of memory, allocation by allocation: each path that once crashed or
 * leaked when malloc failed is run again with the 1st, 2nd, ... allocation
 * failing, until one run finishes without reaching the armed one.
 *
 * The binary is linked with -Wl,--wrap=malloc,... (Makefile): every
 * allocation made by our own objects goes through __wrap_*, which fails
 * the Nth from oom_fail_nth(N). Those made inside libc, libiptc, json-c
 * and cmocka are not counted. realloc here always moves the block, so a
 * pointer kept across a realloc is caught (by ASan, or by glibc's
 * double-free check).
 *
 * The cases that apply firewall rules need root, for a network namespace
 * of their own (as test_iptc); without root they are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrules/iptc.h"
#include "netrules/svcrules.h"
#include "supervisor/log.h"
#include "supervisor/svc_alloc.h"

/* ---- the allocator ---- */

static long oom_countdown; /* 0: every allocation succeeds */
static bool oom_fired;

/* Fail the Nth allocation from now (N >= 1), and only that one. */
static void oom_fail_nth(long n)
{
	oom_countdown = n;
	oom_fired = false;
}

/* Back to normal; whether the armed failure happened. */
static bool oom_disarm(void)
{
	oom_countdown = 0;
	return oom_fired;
}

static bool oom_now(void)
{
	if (!oom_countdown || --oom_countdown)
		return false;
	oom_fired = true;
	errno = ENOMEM;
	return true;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int __wrap_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *__wrap_malloc(size_t size)
{
	return oom_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return oom_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	size_t have;
	void *q;

	if (oom_now())
		return NULL;
	if (!p || !size)
		return __real_realloc(p, size);
	if (!(q = __real_malloc(size)))
		return NULL;
	have = malloc_usable_size(p);
	memcpy(q, p, have < size ? have : size);
	free(p);
	return q;
}

char *__wrap_strdup(const char *s)
{
	return oom_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return oom_now() ? NULL : __real_strndup(s, n);
}

/* As glibc's: *OUT is left untouched on failure. */
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	return oom_now() ? -1 : __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return rc;
}

static bool have_netns; /* root, in a network namespace of our own */

/* Skip the case (with the reason, as a TAP comment) without one. */
static void need_netns(void)
{
	if (!have_netns) {
		print_message("# needs root, for a network namespace of its own\n");
		skip();
	}
}

/* The wrappers are linked in: without them every case below would pass
 * without failing anything. */
static void test_allocations_can_fail(void **state)
{
	struct pv_svc_allocs a = { 0 };

	(void)state;
	oom_fail_nth(2); /* the array of pointers, then the entry */
	assert_null(pv_svc_alloc_get(&a, "ns/first"));
	assert_true(oom_disarm());
	pv_svc_allocs_free(&a);
	oom_fail_nth(1);
	assert_null(strdup("x"));
	assert_true(oom_disarm());
}

/* ---- netrules/iptc.c: stale chains ---- */

static char *read_cmd(const char *cmd)
{
	char *buf = NULL, line[4096];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *p = popen(cmd, "r");

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		for (char *c = line; *c; c++) /* iptables-save quotes only some comments */
			if (*c != '"')
				fputc(*c, out);
	pclose(p);
	fclose(out);
	return buf;
}

static char *format(const struct pv_ruleset *rs, enum pv_table t)
{
	char *buf = NULL, *w;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	pv_rules_format(out, rs, t);
	fclose(out);
	w = buf;
	for (char *r = buf; *r; r++)
		if (*r != '"')
			*w++ = *r;
	*w = '\0';
	return buf;
}

/* The kernel holds every rule of RS, and no PV- chain RS lacks. */
static void assert_kernel_has(const struct pv_ruleset *rs)
{
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		char cmd[64], *want = format(rs, (enum pv_table)t), *have, *line, *save = NULL;
		int nwant = 0, nhave = 0;

		snprintf(cmd, sizeof(cmd), "iptables-legacy-save -t %s", pv_table_name((enum pv_table)t));
		have = read_cmd(cmd);
		for (line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "-A ", 3) == 0 && !strstr(have, line))
				fail_msg("missing from the kernel: %s\nkernel has:\n%s", line, have);
		for (size_t i = 0; i < rs->n; i++)
			nwant += rs->chains[i]->table == (enum pv_table)t;
		for (const char *p = have; (p = strstr(p, "\n:PV-")); p++)
			nhave++;
		assert_int_equal(nhave, nwant);
		free(want);
		free(have);
	}
}

static struct pv_svc_ep eps[] = { { 0x0A580002, 8080 }, { 0x0A580003, 8080 }, { 0x0A580004, 8080 } };

/* One Service with NEPS endpoints, a node port or not, and a hostPort. */
static void build(struct pv_ruleset *rs, size_t neps, bool node_port)
{
	struct pv_svc_config c = { 0 };
	struct pv_svc_port ports[] = {
		{ .name = "http", .proto = IPPROTO_TCP, .port = 80, .node_port = node_port ? 30080 : 0,
		  .eps = eps, .neps = neps },
		{ .name = "dns", .proto = IPPROTO_UDP, .port = 53, .eps = eps, .neps = neps },
	};
	struct pv_svc s = { .ns = "default", .name = "web", .cluster_ip = 0x0A60000A,
			    .ports = ports, .nports = 2 };
	struct pv_hostport hp = { .pod = "default/web-0", .proto = IPPROTO_TCP, .pod_ip = 0x0A580002,
				  .host_port = 8081, .container_port = 80 };

	pv_cidr_parse("10.88.0.0/16", &c.pod_cidr);
	pv_rules_init(rs);
	assert_int_equal(pv_svc_rules(&c, &s, 1, &hp, 1, rs, NULL), 0);
}

/* flush_stale once set *stale = NULL and kept *nstale when realloc or
 * strdup failed, and apply_table then read stale[0]: a crash as soon as
 * one chain had been collected. The apply must fail, and the next one
 * (memory back) put the kernel right. */
static void test_fw_stale_chains(void **state)
{
	struct pv_err err = { 0 };
	bool fired;
	long n;

	(void)state;
	need_netns();
	for (n = 1;; n++) {
		struct pv_fw *fw = pv_fw_new();
		struct pv_ruleset rs;
		int rc;

		assert_non_null(fw);
		build(&rs, 3, true);
		assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
		build(&rs, 1, false); /* 4 endpoint chains and the node port's go */
		oom_fail_nth(n);
		rc = pv_fw_apply(fw, &rs, &err);
		fired = oom_disarm();
		if (fired) {
			assert_int_equal(rc, -1);
			assert_int_equal(err.code, ENOMEM);
			assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
		} else if (rc < 0) {
			fail_msg("allocation %ld did not fail, yet: %s", n, err.msg);
		}
		assert_kernel_has(pv_fw_current(fw));
		pv_rules_free(&rs);
		pv_fw_free(fw);
		if (!fired)
			break;
	}
	assert_true(n > 4); /* the second stale chain's allocations failed too */
}

/* The same when every chain goes (pv_fw_clear): both tables have stale
 * chains, and one may be committed before the other fails. */
static void test_fw_clear(void **state)
{
	struct pv_err err = { 0 };
	bool fired;
	long n;

	(void)state;
	need_netns();
	for (n = 1;; n++) {
		struct pv_fw *fw = pv_fw_new();
		struct pv_ruleset rs, empty;
		int rc;

		assert_non_null(fw);
		build(&rs, 3, true);
		assert_int_equal(pv_fw_apply(fw, &rs, &err), 0);
		oom_fail_nth(n);
		rc = pv_fw_clear(fw, &err);
		fired = oom_disarm();
		if (fired) {
			assert_int_equal(rc, -1);
			assert_int_equal(pv_fw_clear(fw, &err), 0);
		} else if (rc < 0) {
			fail_msg("allocation %ld did not fail, yet: %s", n, err.msg);
		}
		pv_rules_init(&empty);
		assert_kernel_has(&empty);
		pv_fw_free(fw);
		if (!fired)
			break;
	}
	assert_true(n > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocations_can_fail),
		cmocka_unit_test(test_fw_stale_chains),
		cmocka_unit_test(test_fw_clear),
	};

	pv_log_set_level(PV_LOG_ERROR);
	/* As root (CI) a namespace that cannot be made is a failure, not a
	 * quiet skip; without root the firewall cases are skipped. */
	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			printf("1..1\nnot ok 1 - unshare(CLONE_NEWNET) as root: %s\n", strerror(errno));
			return 1;
		}
		have_netns = true;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
