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
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strjoin.h"
#include "common/vec.h"
#include "netrules/iptables/iptc.h"
#include "netrules/iptables/svcrules.h"
#include "rules_fixture.h"
#include "supervisor/daemon/daemon_opts.h"
#include "supervisor/core/log.h"
#include "supervisor/pods/pods.h"
#include "supervisor/sandbox/secctx.h"
#include "supervisor/services/services.h"
#include "supervisor/services/svc_alloc.h"
#include "supervisor/source/watch.h"

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

/* ---- netrules/iptables/iptc.c: stale chains ---- */

/* The kernel holds every rule of RS, and no PV- chain RS lacks. */
static void assert_kernel_has(const struct pv_ruleset *rs)
{
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		char cmd[64], *want = format(rs, (enum pv_table)t), *have, *line, *save = NULL;
		int nwant = 0, nhave = 0;

		snprintf(cmd, sizeof(cmd), "iptables-legacy-save -t %s", pv_table_name((enum pv_table)t));
		have = read_cmd(cmd);
		for (line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "-A ", 3) == 0 && !strstr(have, line)) {
				fprintf(stderr, "the kernel has:\n%s", have); /* cmocka cuts long messages */
				fail_msg("missing from the kernel: %s", line);
			}
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
	struct pv_proxy_state st = { 0 };
	struct pv_svc_port ports[] = {
		{ .name = "http", .proto = IPPROTO_TCP, .port = 80, .node_port = node_port ? 30080 : 0,
		  .eps = eps, .neps = neps },
		{ .name = "dns", .proto = IPPROTO_UDP, .port = 53, .eps = eps, .neps = neps },
	};
	struct pv_svc s = { .ns = "default", .name = "web", .cluster_ip = 0x0A60000A,
			    .ports = ports, .nports = 2 };
	struct pv_hostport hp = { .pod = "default/web-0", .proto = IPPROTO_TCP, .pod_ip = 0x0A580002,
				  .host_port = 8081, .container_port = 80 };

	pv_cidr_parse("10.88.0.0/16", &st.node.pod_cidr);
	st.svcs = &s;
	st.nsvcs = 1;
	st.hostports = &hp;
	st.nhostports = 1;
	pv_rules_init(rs);
	assert_int_equal(pv_svc_rules(&st, rs, NULL), 0);
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

/* ---- supervisor/services/services.c: hostPorts ---- */

#define HP_PODS 11

static struct {
	char ns[8], names[HP_PODS][16];
	struct pv_container_port port[HP_PODS];
	struct pv_container spec[HP_PODS];
	struct pv_pod pod_spec[HP_PODS]; /* what readers see (the pod view) */
	struct pv_crt crt[HP_PODS];
	struct pv_prt pod[HP_PODS];
	struct pv_prt *v[HP_PODS];
} hp;

/* HP_PODS running pods, each with one hostPort (8000 + i): past the
 * first 8, where hostports() grows its arrays. */
static void hp_pods(struct pv_daemon *d)
{
	snprintf(hp.ns, sizeof(hp.ns), "default");
	for (size_t i = 0; i < HP_PODS; i++) {
		snprintf(hp.names[i], sizeof(hp.names[i]), "hp-%zu", i);
		hp.port[i].protocol.v = "TCP";
		hp.port[i].container_port.v = 80;
		hp.port[i].host_port.v = 8000 + (int64_t)i;
		hp.spec[i].ports.n = 1;
		hp.spec[i].ports.items = &hp.port[i];
		hp.crt[i].spec = &hp.spec[i];
		hp.pod_spec[i].spec.containers.n = 1;
		hp.pod_spec[i].spec.containers.items = &hp.spec[i];
		hp.pod[i].spec = &hp.pod_spec[i];
		hp.pod[i].ns = hp.ns;
		hp.pod[i].name = hp.names[i];
		hp.pod[i].state = PV_P_RUNNING;
		hp.pod[i].ip = 0x0A580002u + (uint32_t)i;
		hp.pod[i].containers = &hp.crt[i];
		hp.pod[i].ncontainers = 1;
		hp.v[i] = &hp.pod[i];
	}
	d->pods = hp.v;
}

/* A daemon with no loop running, no Service and the pods above: enough
 * for pv_services_sync, which builds the rules and applies them. */
static struct pv_daemon *hp_daemon_new(char *dir)
{
	struct pv_daemon *d = calloc(1, sizeof(*d));
	struct pv_err err = { 0 };

	assert_non_null(d);
	assert_non_null(d->loop = pv_loop_new());
	d->state = dir;
	d->manifests = dir;
	pv_cidr_parse("10.88.0.0/16", &d->pod_cidr);
	pv_cidr_parse("10.96.0.0/16", &d->service_cidr);
	d->nodeport_min = 30000;
	d->nodeport_max = 32767;
	pv_desired_init(&d->desired);
	hp_pods(d);
	if (!(d->services = pv_services_new(d, &err)))
		fail_msg("%s", err.msg);
	return d;
}

static void hp_daemon_free(struct pv_daemon *d)
{
	pv_services_free(d->services);
	pv_desired_free(&d->desired);
	pv_loop_free(d->loop);
	free(d);
}

/* The kernel has the hostPort rules of pods 0 .. MIN-1, and none of the
 * pods from MAX on (between: either). */
static void assert_hostports(size_t min, size_t max)
{
	char *have = read_cmd("iptables-legacy-save -t nat"), want[64];

	for (size_t i = 0; i < HP_PODS; i++) {
		snprintf(want, sizeof(want), "--comment default/hp-%zu -j DNAT", i);
		if (i < min && !strstr(have, want)) {
			fprintf(stderr, "the kernel has:\n%s", have); /* cmocka cuts long messages */
			fail_msg("pod hp-%zu's hostPort rule is gone", i);
		}
		if (i >= max && strstr(have, want))
			fail_msg("pod hp-%zu's hostPort rule should not be there", i);
	}
	free(have);
}

static void services_sync(struct pv_daemon *d)
{
	d->desired.generation++; /* as if the manifests changed */
	pv_services_sync(d);
}

/* hostports() once assigned realloc's result straight back and returned
 * a partial list (none at all) out of memory, which apply() then applied:
 * every pod's hostPort rules dropped. And asprintf's undefined pointer was
 * kept and freed. Now the sync fails and the rules in force stay. */
static void test_services_hostports(void **state)
{
	char dir[] = "/tmp/pv-oom-svc-XXXXXX";
	struct pv_daemon *d;
	long n;

	(void)state;
	need_netns();
	assert_non_null(mkdtemp(dir));
	d = hp_daemon_new(dir);
	for (n = 1;; n++) {
		bool fired;

		d->npods = HP_PODS - 1;
		services_sync(d);
		assert_hostports(HP_PODS - 1, HP_PODS - 1);
		d->npods = HP_PODS; /* one more pod with a hostPort */
		oom_fail_nth(n);
		services_sync(d);
		fired = oom_disarm();
		/* The rules in force, or the new ones: never a partial list.
		 * (Some failures are survived: without a Service, a failed
		 * calloc in build_views changes nothing.) */
		assert_hostports(fired ? HP_PODS - 1 : HP_PODS, HP_PODS);
		if (!fired)
			break;
		services_sync(d); /* memory back: the retry */
		assert_hostports(HP_PODS, HP_PODS);
	}
	assert_true(n > 2 * HP_PODS);
	hp_daemon_free(d);
	assert_int_equal(rmdir(dir), 0);
}

/* Out of memory while the Service list or its views were built, the sync
 * went on with what it had: no views, every address swept from the book
 * and rules with no Service in them. Now such a sync changes nothing and
 * is retried. 40 Services: past every initial capacity on the path. */
#define SVC_N 40

static size_t svc_rules(void)
{
	char *have = read_cmd("iptables-legacy-save -t filter"), *p = have; /* no endpoints: REJECT */
	size_t n = 0;

	while ((p = strstr(p, "-A PV-SERVICES -d 10.96."))) {
		n++;
		p++;
	}
	free(have);
	return n;
}

static void test_services_views(void **state)
{
	char dir[] = "/tmp/pv-oom-svcs-XXXXXX", path[64], json[64];
	struct pv_dfile *f = NULL;
	struct pv_daemon *d;
	size_t nviews;
	FILE *out;
	long n;

	(void)state;
	need_netns();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/svc.yaml", dir);
	snprintf(json, sizeof(json), "%s/services.json", dir);
	assert_non_null(out = fopen(path, "w"));
	for (int i = 0; i < SVC_N; i++)
		fprintf(out, "---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d}\n"
			"spec:\n  selector: {app: x}\n  ports: [{port: 80}]\n", i);
	fclose(out);
	d = hp_daemon_new(dir);
	d->npods = 0;
	assert_int_equal(pv_desired_apply(&d->desired, path, &f), PV_APPLY_LOADED);
	services_sync(d);
	pv_services_views(d, &nviews);
	assert_int_equal(nviews, SVC_N);
	assert_int_equal(svc_rules(), SVC_N);
	for (n = 1;; n++) {
		bool fired;

		oom_fail_nth(n);
		services_sync(d);
		fired = oom_disarm();
		pv_services_views(d, &nviews);
		if (nviews != SVC_N)
			fail_msg("allocation %ld failed: %zu Services left of %d", n, nviews, SVC_N);
		if (svc_rules() != SVC_N)
			fail_msg("allocation %ld failed: %zu Service rules left of %d", n, svc_rules(), SVC_N);
		if (!fired)
			break;
	}
	assert_true(n > SVC_N);
	hp_daemon_free(d);
	unlink(path);
	unlink(json);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- supervisor/daemon/daemon.c: the event ring ---- */

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

/* ---- supervisor/daemon/daemon.c: --host-path-allow ---- */

static void host_paths_free(struct pv_daemon *d)
{
	for (size_t i = 0; i < d->nhost_path_allow; i++)
		free(d->host_path_allow[i]);
	free(d->host_path_allow);
}

/* A relative path was refused after realloc had moved the array, which
 * d->host_path_allow still pointed to (realloc always moves here). A
 * failed allocation is refused too, never a NULL prefix. */
static void test_host_path_allow(void **state)
{
	(void)state;
	for (long n = 1;; n++) {
		struct pv_daemon d = { 0 };
		bool fired;
		int rc;

		assert_int_equal(pv_daemon_option(&d, "host-path-allow", "/srv"), 0);
		assert_int_equal(pv_daemon_option(&d, "host-path-allow", "data"), -1);
		assert_int_equal(d.nhost_path_allow, 1);
		assert_string_equal(d.host_path_allow[0], "/srv");
		oom_fail_nth(n);
		rc = pv_daemon_option(&d, "host-path-allow", "/var/data");
		fired = oom_disarm();
		assert_int_equal(rc, fired ? -1 : 0);
		assert_int_equal(d.nhost_path_allow, fired ? 1 : 2);
		assert_string_equal(d.host_path_allow[0], "/srv");
		if (!fired)
			assert_string_equal(d.host_path_allow[1], "/var/data");
		host_paths_free(&d);
		if (!fired)
			break;
	}
}

/* ---- supervisor/services/svc_alloc.c: the Service address book ---- */

/* Out of memory, pv_svc_alloc_get returns NULL and the book is as it was:
 * same count, not dirty, every entry where it was. It fails at the first
 * entry (the index is made), at the 17th (the array of pointers grows) and
 * at the 32nd (the index grows) too. */
static void test_svc_alloc_get(void **state)
{
	static const size_t haves[] = { 0, 16, 31 };

	(void)state;
	for (size_t h = 0; h < sizeof(haves) / sizeof(haves[0]); h++) {
		size_t have = haves[h];

		for (long n = 1;; n++) {
			struct pv_svc_allocs a = { 0 };
			struct pv_svc_alloc *v[32], *s;
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

/* ---- supervisor/source/watch.c: a watched directory renamed ---- */

struct watch_run {
	struct pv_loop *loop;
	struct pv_timer *timer;
	char root[64], a[80], b[80], file[96];
	char changed[256]; /* the last file reported written */
	long n;
	bool fired;
	int step;
};

static void on_changed(void *data, const char *path)
{
	struct watch_run *r = data;

	snprintf(r->changed, sizeof(r->changed), "%s", path);
}

static void on_removed(void *data, const char *path)
{
	(void)data;
	(void)path;
}

static void on_rescan(void *data)
{
	(void)data;
}

/* The script, one step per timer tick (the loop cannot be left and run
 * again): the watcher reads each step's inotify events in between. */
static void watch_step(void *data)
{
	struct watch_run *r = data;
	int fd;

	switch (r->step++) {
	case 0: /* read with the Nth allocation failing */
		assert_int_equal(rename(r->a, r->b), 0);
		oom_fail_nth(r->n);
		break;
	case 1:
		r->fired = oom_disarm();
		fd = open(r->file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
		break;
	case 2: /* the directory itself goes: its watch's path is compared */
		assert_int_equal(unlink(r->file), 0);
		assert_int_equal(rmdir(r->b), 0);
		break;
	default:
		pv_loop_quit(r->loop);
		return;
	}
	pv_timer_arm(r->timer, 20);
}

/* dir_add's rename case freed the watched directory's path before
 * strdup'ing the new one: out of memory, the watch kept a NULL path, and
 * the next event on it (the directory's own IN_MOVE_SELF) crashed in
 * strcmp. Now the old path stays until the next rescan. */
static void test_watch_rename(void **state)
{
	static const struct pv_watcher_ops ops = { on_changed, on_removed, on_rescan };

	long n;

	(void)state;
	for (n = 1;; n++) {
		struct watch_run r = { .n = n };
		struct pv_err err = { 0 };
		struct pv_watcher *w;
		char old[128];

		snprintf(r.root, sizeof(r.root), "/tmp/pv-oom-watch-XXXXXX");
		assert_non_null(mkdtemp(r.root));
		snprintf(r.a, sizeof(r.a), "%s/a", r.root);
		snprintf(r.b, sizeof(r.b), "%s/b", r.root);
		snprintf(r.file, sizeof(r.file), "%s/x.yaml", r.b);
		snprintf(old, sizeof(old), "%s/x.yaml", r.a);
		assert_int_equal(mkdir(r.a, 0755), 0);
		assert_non_null(r.loop = pv_loop_new());
		assert_non_null(r.timer = pv_timer_new(r.loop, watch_step, &r));
		w = pv_watcher_new(r.loop, r.root, &ops, &r, &err);
		if (!w)
			fail_msg("%s", err.msg);
		pv_timer_arm(r.timer, 0);
		assert_int_equal(pv_loop_run(r.loop), 0);
		/* The new path, or (the rename not followed) the old one. */
		if (strcmp(r.changed, r.file) != 0 && strcmp(r.changed, old) != 0)
			fail_msg("allocation %ld failing: a file written in %s reported as \"%s\"", n,
				 r.b, r.changed);
		pv_watcher_free(w);
		pv_timer_free(r.timer);
		pv_loop_free(r.loop);
		assert_int_equal(rmdir(r.root), 0);
		if (!r.fired)
			break;
	}
	assert_true(n > 3); /* the 3rd: dir_add's strdup (after two asprintf) */
}

/* ---- common/vec.h, common/strjoin.h ---- */

/* A failed growth leaves the array as it was: the same block, count and
 * capacity, every element intact; the next push works. */
static void test_vec_growth_fails(void **state)
{
	int *v = NULL, *before;
	size_t n = 0, cap = 0;

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pv_vec_push(v, n, cap, i), 0);
	before = v;
	oom_fail_nth(1);
	assert_int_equal(pv_vec_push(v, n, cap, 8), -1);
	assert_true(oom_disarm());
	assert_int_equal(errno, ENOMEM);
	assert_ptr_equal(v, before);
	assert_int_equal(n, 8);
	assert_int_equal(cap, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(v[i], i);
	oom_fail_nth(1);
	assert_int_equal(pv_vec_reserve(v, n, cap, 100), -1);
	assert_true(oom_disarm());
	assert_int_equal(cap, 8);
	assert_int_equal(pv_vec_push(v, n, cap, 8), 0);
	assert_int_equal(v[8], 8);
	pv_vec_free(v, n, cap);
}

static void test_strjoin_fails(void **state)
{
	static const char *const v[] = { "a", "b" };

	(void)state;
	oom_fail_nth(1);
	assert_null(pv_strjoin(v, 2, ","));
	assert_true(oom_disarm());
}

/* The container's user string: out of memory is an error, never a NULL
 * user (which the shim would run as root). */
static void test_secctx_user(void **state)
{
	const struct pv_int uid = { .v = 1000, .set = true }, none = { .v = 0, .set = false };
	const struct pv_int gid = { .v = 3000, .set = true };
	const struct { const struct pv_int *uid, *gid; const char *image; } cases[] = {
		{ &uid, &none, NULL }, { &uid, &gid, "app" }, { &none, &none, "app:staff" },
		{ &none, &gid, "app" }, { &none, &gid, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (long n = 1;; n++) {
			struct pv_err err = { 0 };
			char *out = NULL;
			int rc;

			oom_fail_nth(n);
			rc = pv_secctx_user(cases[i].uid, cases[i].gid, cases[i].image, &out, &err);
			if (!oom_disarm()) {
				assert_int_equal(rc, 0);
				assert_non_null(out);
				free(out);
				break;
			}
			assert_int_equal(rc, -1);
			assert_int_equal(err.code, ENOMEM);
			assert_null(out);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocations_can_fail),
		cmocka_unit_test(test_fw_stale_chains),
		cmocka_unit_test(test_fw_clear),
		cmocka_unit_test(test_services_hostports),
		cmocka_unit_test(test_services_views),
		cmocka_unit_test(test_event_strdup),
		cmocka_unit_test(test_event_strdup_full_ring),
		cmocka_unit_test(test_host_path_allow),
		cmocka_unit_test(test_svc_alloc_get),
		cmocka_unit_test(test_watch_rename),
		cmocka_unit_test(test_vec_growth_fails),
		cmocka_unit_test(test_strjoin_fails),
		cmocka_unit_test(test_secctx_user),
	};

	pv_log_set_level(getenv("PV_DEBUG") ? PV_LOG_DEBUG : PV_LOG_ERROR);
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
