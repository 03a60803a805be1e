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
#include "supervisor/daemon.h"
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

/* ---- supervisor/daemon.c: the event ring ---- */

static void events_free(struct pv_daemon *d)
{
	for (size_t i = 0; i < PV_EVENTS_MAX; i++) {
		free(d->events[i].object);
		free(d->events[i].type);
		free(d->events[i].reason);
		free(d->events[i].message);
	}
}

/* Event I back from the oldest, as the API lists them (api.c events_for). */
static const struct pv_event *event_at(const struct pv_daemon *d, size_t i)
{
	return &d->events[(d->event_next + PV_EVENTS_MAX - d->nevents + i) % PV_EVENTS_MAX];
}

/* Every counted event is whole. */
static void assert_events_whole(const struct pv_daemon *d)
{
	for (size_t i = 0; i < d->nevents; i++) {
		const struct pv_event *e = event_at(d, i);

		assert_non_null(e->object);
		assert_non_null(e->type);
		assert_non_null(e->reason);
		assert_non_null(e->message);
		assert_true(e->count >= 1);
	}
}

/* pv_daemon_event freed a slot's strings before strdup'ing the new ones:
 * out of memory, a counted event held NULLs, and the next event's repeat
 * check (strcmp) or the API read them. Now the event is dropped and the
 * slot keeps what it held. FILL events first: 1, or the whole ring. */
static void events_case(size_t fill)
{
	for (long n = 1;; n++) {
		struct pv_daemon *d = calloc(1, sizeof(*d));
		size_t want, first;
		char obj[64];
		bool fired;

		assert_non_null(d);
		for (size_t i = 0; i < fill; i++) {
			snprintf(obj, sizeof(obj), "pod/default/p%zu", i);
			pv_daemon_event(d, obj, false, "Started", "event %zu", i);
		}
		oom_fail_nth(n);
		pv_daemon_event(d, "pod/default/web", true, "BackOff", "back-off %d", 10);
		fired = oom_disarm();
		/* The same again: the repeat check compares every field of the
		 * newest event of that object. Then another. */
		pv_daemon_event(d, "pod/default/web", true, "BackOff", "back-off %d", 10);
		pv_daemon_event(d, "pod/default/web", false, "Started", "started");

		/* Read back, oldest first: the first events as they were (less
		 * what the ring pushed out), then the BackOff once (counted
		 * twice unless the first could not be recorded), then Started. */
		assert_events_whole(d);
		want = fill + 2 > PV_EVENTS_MAX ? PV_EVENTS_MAX : fill + 2;
		first = fill + 2 - want;
		assert_int_equal(d->nevents, want);
		for (size_t i = 0; i + 2 < want; i++) {
			snprintf(obj, sizeof(obj), "pod/default/p%zu", first + i);
			assert_string_equal(event_at(d, i)->object, obj);
			assert_string_equal(event_at(d, i)->reason, "Started");
		}
		assert_string_equal(event_at(d, want - 2)->object, "pod/default/web");
		assert_string_equal(event_at(d, want - 2)->type, "Warning");
		assert_string_equal(event_at(d, want - 2)->message, "back-off 10");
		assert_int_equal(event_at(d, want - 2)->count, fired ? 1 : 2);
		assert_string_equal(event_at(d, want - 1)->reason, "Started");
		events_free(d);
		free(d);
		if (!fired)
			break;
		assert_true(n <= 4); /* object, type, reason, message */
	}
}

static void test_event_strdup(void **state)
{
	(void)state;
	events_case(1);
}

static void test_event_strdup_full_ring(void **state)
{
	(void)state;
	events_case(PV_EVENTS_MAX);
}

/* ---- supervisor/svc_alloc.c: the Service address book ---- */

/* Out of memory, pv_svc_alloc_get returns NULL and the book is as it was:
 * same count, not dirty, every entry where it was. It fails at the 17th
 * entry too, where the array of pointers grows. */
static void test_svc_alloc_get(void **state)
{
	(void)state;
	for (size_t have = 0; have <= 16; have += 16) {
		for (long n = 1;; n++) {
			struct pv_svc_allocs a = { 0 };
			struct pv_svc_alloc *v[16], *s;
			char key[32];
			bool fired;

			for (size_t i = 0; i < have; i++) {
				snprintf(key, sizeof(key), "ns/s%zu", i);
				assert_non_null(v[i] = pv_svc_alloc_get(&a, key));
				v[i]->ip = 0x0A600000u + (uint32_t)i;
			}
			a.dirty = false;
			oom_fail_nth(n);
			s = pv_svc_alloc_get(&a, "ns/new");
			fired = oom_disarm();
			if (fired) {
				assert_null(s);
				assert_int_equal(a.n, have);
				assert_false(a.dirty);
				assert_null(pv_svc_alloc_find(&a, "ns/new"));
				s = pv_svc_alloc_get(&a, "ns/new"); /* memory back */
			}
			assert_non_null(s);
			assert_string_equal(s->key, "ns/new");
			assert_int_equal(a.n, have + 1);
			for (size_t i = 0; i < have; i++) { /* under ASan: no use after free */
				snprintf(key, sizeof(key), "ns/s%zu", i);
				assert_ptr_equal(pv_svc_alloc_find(&a, key), v[i]);
				assert_string_equal(v[i]->key, key);
				assert_int_equal(v[i]->ip, 0x0A600000u + (uint32_t)i);
			}
			pv_svc_allocs_free(&a);
			if (!fired)
				break;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocations_can_fail),
		cmocka_unit_test(test_fw_stale_chains),
		cmocka_unit_test(test_fw_clear),
		cmocka_unit_test(test_event_strdup),
		cmocka_unit_test(test_event_strdup_full_ring),
		cmocka_unit_test(test_svc_alloc_get),
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
