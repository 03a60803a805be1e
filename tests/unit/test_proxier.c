/* The proxier seam: picking a backend by mode name, the handle calling
 * through a backend's operations (optional ones left out), and the
 * iptables backend behind the seam putting into the kernel exactly the
 * rules of tests/unit/golden/iptables.rules (the builder's output before
 * the seam existed), then seeing a flush through its watch and restoring
 * them. The kernel part needs root, for a network namespace of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netrules/iptables/iptables.h"
#include "netrules/proxier.h"
#include "netrules/proxymode/proxymode.h"
#include "tests/unit/svc_fixture.h"

static bool in_netns; /* main() made one: the kernel test may run */

/* ---- picking a backend ---- */

static void test_mode_default(void **state)
{
	(void)state;
	assert_ptr_equal(pv_proxy_mode(NULL), &pv_iptables_proxier);
	assert_ptr_equal(pv_proxy_mode(""), &pv_iptables_proxier);
	assert_ptr_equal(pv_proxy_mode("iptables"), &pv_iptables_proxier);
	assert_ptr_equal(pv_proxy_mode(PV_PROXY_MODE_DEFAULT), &pv_iptables_proxier);
	assert_string_equal(pv_proxy_mode_name(0), "iptables");
	assert_string_equal(pv_proxy_mode_name(1), "nftables");
	assert_null(pv_proxy_mode_name(2));
}

static void test_mode_unknown(void **state)
{
	struct pv_err err = { 0 };

	(void)state;
	assert_null(pv_proxy_mode("IPTABLES"));
	assert_null(pv_proxy_mode("ipvs"));
	assert_null(pv_proxy_mode_new("ipvs", &err));
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.msg, "unknown proxy mode \"ipvs\" (known: iptables, nftables)");
}

/* ---- the handle, on a backend that records what it is asked ---- */

struct fake {
	int syncs, clears;
	const struct pv_proxy_state *last;
};

static int fake_frees;
static bool fake_fail_new;

static void *fake_new(struct pv_err *err)
{
	if (fake_fail_new) {
		pv_err_set(err, EPERM, "no");
		return NULL;
	}
	return calloc(1, sizeof(struct fake));
}

static void fake_free(void *be)
{
	fake_frees++;
	free(be);
}

static int fake_sync(void *be, const struct pv_proxy_state *st, struct pv_err *err)
{
	struct fake *f = be;

	f->syncs++;
	f->last = st;
	return st->nsvcs ? 0 : pv_err_set(err, EIO, "nothing to do");
}

static int fake_clear(void *be, struct pv_err *err)
{
	((struct fake *)be)->clears++;
	return 0;
}

/* No changed, no watch: both optional. */
static const struct pv_proxier_ops fake_ops = {
	.name = "fake", .new = fake_new, .free = fake_free, .sync = fake_sync, .clear = fake_clear,
};

static void test_handle(void **state)
{
	struct pv_proxy_state st = svc_fixture_state(false), none = { 0 };
	struct pv_err err = { 0 };
	struct pv_proxier *p;

	(void)state;
	fake_fail_new = true;
	assert_null(pv_proxier_new(&fake_ops, &err));
	assert_int_equal(err.code, EPERM);
	fake_fail_new = false;

	p = pv_proxier_new(&fake_ops, &err);
	assert_non_null(p);
	assert_string_equal(pv_proxier_name(p), "fake");
	assert_int_equal(pv_proxier_sync(p, &st, &err), 0);
	assert_int_equal(pv_proxier_sync(p, &none, &err), -1);
	assert_int_equal(err.code, EIO);
	assert_int_equal(pv_proxier_clear(p, &err), 0);
	assert_false(pv_proxier_checks(p));
	assert_false(pv_proxier_changed(p));
	assert_int_equal(pv_proxier_watch_open(p, &err), -1);
	assert_int_equal(err.code, EOPNOTSUPP);
	assert_false(pv_proxier_watch_drain(p, 0));
	fake_frees = 0;
	pv_proxier_free(p);
	assert_int_equal(fake_frees, 1);
	pv_proxier_free(NULL);
}

/* ---- the iptables backend through the seam, in the kernel ---- */

static char *read_cmd(const char *cmd)
{
	char *buf = NULL, line[4096];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *p = popen(cmd, "r");

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		fputs(line, out);
	assert_int_equal(pclose(p), 0);
	fclose(out);
	return buf;
}

struct line {
	char chain[64];
	size_t at;
	char *text;
};

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int r = strcmp(x->chain, y->chain);

	return r ? r : (x->at > y->at) - (x->at < y->at);
}

/* TEXT's chains of ours and its "-A" lines for TABLE, quotes dropped
 * (iptables-save quotes only some comments), grouped by chain in their
 * order within it (the kernel lists chains in its own order). One string,
 * a line each. */
static char *rules_of(const char *text, const char *table)
{
	struct line *v = NULL;
	size_t n = 0, len = 0;
	char *copy = strdup(text), *save = NULL, *buf = NULL;
	bool in = false;
	FILE *out;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *w = l;

		if (l[0] == '*')
			in = strcmp(l + 1, table) == 0;
		if (!in || (strncmp(l, "-A ", 3) != 0 && strncmp(l, ":PV-", 4) != 0))
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n].at = n;
		v[n].text = l;
		if (l[0] == ':') /* our chain, declared: its name alone, sorted by it */
			l[strcspn(l, " ")] = '\0';
		sscanf(l[0] == ':' ? l : l + 3, "%63s", v[n].chain);
		for (char *r = l; *r; r++)
			if (*r != '"')
				*w++ = *r;
		*w = '\0';
		n++;
	}
	qsort(v, n, sizeof(*v), line_cmp);
	out = open_memstream(&buf, &len);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", v[i].text);
	fclose(out);
	free(v);
	free(copy);
	return buf;
}

/* The golden file's section for MASQ (both tables). */
static char *golden_section(int masq)
{
	char *all = svc_golden_read(), head[32], *start, *end, *out;

	if (!all)
		fail_msg("cannot read %s (run from the top of the tree)", SVC_GOLDEN);
	snprintf(head, sizeof(head), "# masquerade_pods=%d\n", masq);
	start = strstr(all, head);
	assert_non_null(start);
	end = strstr(start + 1, "# masquerade_pods=");
	out = end ? strndup(start, (size_t)(end - start)) : strdup(start);
	free(all);
	return out;
}

/* The kernel holds exactly the golden rules for MASQ: the same rules in
 * the same order in every chain, and no chain more. */
static void assert_kernel_is_golden(int masq)
{
	char *golden = golden_section(masq), *kernel = read_cmd("iptables-legacy-save");
	static const char *const tables[] = { "nat", "filter" };

	for (size_t t = 0; t < 2; t++) {
		char *want = rules_of(golden, tables[t]), *have = rules_of(kernel, tables[t]);

		assert_string_equal(have, want);
		free(want);
		free(have);
	}
	free(golden);
	free(kernel);
}

static void test_iptables_through_the_seam(void **state)
{
	struct pv_proxy_state st0 = svc_fixture_state(false), st1 = svc_fixture_state(true);
	char lock[] = "/tmp/pv-proxier-lock.XXXXXX";
	struct pv_err err = { 0 };
	struct pv_proxier *p;
	char *have;
	int fd, lfd;

	(void)state;
	if (!in_netns)
		skip();
	assert_true((lfd = mkstemp(lock)) >= 0);
	close(lfd);
	setenv("XTABLES_LOCKFILE", lock, 1); /* ours alone, for the watch */
	p = pv_proxy_mode_new(NULL, &err);
	assert_non_null(p);
	assert_string_equal(pv_proxier_name(p), "iptables");
	assert_true(pv_proxier_checks(p));
	fd = pv_proxier_watch_open(p, &err);
	if (fd < 0)
		fail_msg("%s", err.msg);

	if (pv_proxier_sync(p, &st0, &err) < 0)
		fail_msg("%s", err.msg);
	assert_kernel_is_golden(0);
	assert_false(pv_proxier_changed(p));
	assert_int_equal(pv_proxier_sync(p, &st1, &err), 0);
	assert_kernel_is_golden(1);

	/* Someone flushes the nat table with iptables: the watch fires, the
	 * check sees it, and the next sync puts every rule back. */
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_int_equal(system("iptables-legacy -t nat -F"), 0);
	assert_int_equal(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000), 1);
	assert_true(pv_proxier_watch_drain(p, fd));
	assert_true(pv_proxier_changed(p));
	assert_int_equal(pv_proxier_sync(p, &st1, &err), 0);
	assert_kernel_is_golden(1);
	assert_false(pv_proxier_changed(p));

	assert_int_equal(pv_proxier_clear(p, &err), 0);
	have = read_cmd("iptables-legacy-save");
	assert_null(strstr(have, "PV-"));
	free(have);
	close(fd);
	pv_proxier_free(p);
	unlink(lock);
	unsetenv("XTABLES_LOCKFILE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_default),
		cmocka_unit_test(test_mode_unknown),
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_iptables_through_the_seam),
	};

	/* As root (CI) a namespace that cannot be made is a failure, not a
	 * quiet skip; without root the kernel test is skipped. */
	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			printf("1..1\nnot ok 1 - unshare(CLONE_NEWNET) as root: %s\n", strerror(errno));
			return 1;
		}
		in_netns = true;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
