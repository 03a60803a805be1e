/* Service rules at scale (root). Three modes:
 *
 *   svc_bench [--tsv] [SERVICES [ENDPOINTS [ROUNDS]]]
 *	In a network namespace of its own: N Services x E endpoints (default
 *	1000 x 5, a NodePort on a tenth of them) through every proxy backend
 *	podvisor has (netrules/proxymode/, through the proxier seam), against
 *	iptables-legacy-restore of the same rules in the same run. Each round
 *	times, from an empty table:
 *	  initial sync     the whole set
 *	  endpoint change  one endpoint of one Service replaced
 *	iptables-restore is driven as kube-proxy drives it (--noflush, the
 *	process started each time): the whole set into an empty table; for the
 *	change, kube-proxy's partial sync: every chain that is not a Service's
 *	own in full, the Service chains that changed, the ones gone deleted.
 *	The first round checks, with iptables-legacy-save, that this partial
 *	sync leaves the tables rule for rule as the whole new set and the
 *	libiptc backend leave them. Prints a summary (median, min-max of ROUNDS, default 9); with --tsv,
 *	one line a sample on stdout instead ("backend services operation round
 *	ms", tab-separated) and the summary on stderr.
 *
 *   svc_bench --serve PORT [SECONDS]
 *	A TCP server for --packet: accepts and closes, on every address, for
 *	SECONDS (default 600) at most. Run it in the pod's network namespace.
 *
 *   [SVC_MODE=MODE] svc_bench --packet [--tsv] SERVICES ENDPOINTS CONNECTS POD_IP PORT
 *	First-packet latency, in the current network namespace (made by
 *	bench/svc_bench.sh; refused outside it: it installs rules and flushes
 *	the conntrack table). The default backend holds SERVICES Services x
 *	ENDPOINTS; the last one, last in the Services' order (so last in a
 *	linear chain), has POD_IP, POD_IP+1, ... :PORT as endpoints, where
 *	--serve listens. Then CONNECTS times, alternating: a TCP connect to its
 *	cluster IP:80 and one to POD_IP:PORT directly, each from its own source
 *	port after a conntrack flush, so that each is a new connection that the
 *	nat table sees; timed from connect() until established. SERVICES 0: no
 *	rules at all, the direct connect only. With --tsv, one line a sample
 *	on stdout ("services target n us"). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "common/cleanup.h"
#include "netrules/iptables/rules.h"
#include "netrules/iptables/svcrules.h"
#include "netrules/proxier.h"
#include "netrules/proxymode/proxymode.h"

extern char **environ;

#define CLUSTER_NET 0x0A600000u /* 10.96.0.0: cluster IP i is 10.96.0.2 + i */
#define EP_NET 0x0A580000u      /* 10.88.0.0/16, the pod network */
#define CHANGED_NET 0x0A590000u /* the replaced endpoint's new addresses */
#define SVC_PORT 80
#define SPORT_BASE 10000 /* the measured connects' source ports */
#define SPORT_WARM 9000  /* the warm-up connects' */
#define WARMUP 20

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The sample at quantile Q (nearest rank) of V, which is sorted. */
static double quantile(const double *v, int n, double q)
{
	int k = (int)(q * n + 0.999999);

	return v[k < 1 ? 0 : k > n ? n - 1 : k - 1];
}

/* "WHAT median ms (min-max)" of the N samples V. */
static void summary(FILE *out, const char *what, const double *v, int n)
{
	cleanup_free double *s = malloc((size_t)n * sizeof(*s));

	if (!s)
		abort();
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_d);
	fprintf(out, "   %s %7.1f ms (%.1f-%.1f)", what, quantile(s, n, 0.5), s[0], s[n - 1]);
}

/* ---- the Services ---- */

struct world {
	struct pv_svc *svcs;
	struct pv_svc_port *ports;
	struct pv_svc_ep *eps;
	char (*names)[32];
	size_t n, e;
	struct pv_proxy_state st;
};

/* N Services svc-00000, svc-00001, ... (sorted, as the model hands them
 * over), one TCP port 80 each with E endpoints; every tenth a NodePort. */
static void make_world(struct world *w, size_t n, size_t e)
{
	*w = (struct world){ .n = n, .e = e };
	w->svcs = calloc(n ? n : 1, sizeof(*w->svcs));
	w->ports = calloc(n ? n : 1, sizeof(*w->ports));
	w->eps = calloc(n && e ? n * e : 1, sizeof(*w->eps));
	w->names = calloc(n ? n : 1, sizeof(*w->names));
	if (!w->svcs || !w->ports || !w->eps || !w->names)
		abort();
	for (size_t i = 0; i < n; i++) {
		snprintf(w->names[i], sizeof(w->names[i]), "svc-%05zu", i);
		for (size_t j = 0; j < e; j++)
			w->eps[i * e + j] = (struct pv_svc_ep){ EP_NET + (uint32_t)(i * e + j + 2), 8080 };
		w->ports[i] = (struct pv_svc_port){ .name = "http", .proto = IPPROTO_TCP, .port = SVC_PORT,
						    .node_port = i % 10 ? 0 : (uint16_t)(30000 + i / 10),
						    .eps = &w->eps[i * e], .neps = e };
		w->svcs[i] = (struct pv_svc){ .ns = "default", .name = w->names[i],
					      .cluster_ip = CLUSTER_NET + (uint32_t)i + 2,
					      .ports = &w->ports[i], .nports = 1 };
	}
	w->st = (struct pv_proxy_state){ .svcs = w->svcs, .nsvcs = n };
	pv_cidr_parse("10.88.0.0/16", &w->st.node.pod_cidr);
}

static void free_world(struct world *w)
{
	free(w->svcs);
	free(w->ports);
	free(w->eps);
	free(w->names);
}

/* The change: the last endpoint of the middle Service replaced by a new
 * address (still the highest: the list stays sorted); ROUND 0 puts it back. */
static void change_endpoint(struct world *w, int round)
{
	size_t i = (w->n / 2) * w->e + w->e - 1;

	w->eps[i].ip = round ? CHANGED_NET + (uint32_t)round : EP_NET + (uint32_t)i + 2;
}

static void build(const struct world *w, struct pv_ruleset *rs)
{
	struct pv_err err = { 0 };

	pv_rules_init(rs);
	if (pv_svc_rules(&w->st, rs, &err) < 0) {
		fprintf(stderr, "svc_bench: %s\n", err.msg);
		exit(1);
	}
}

/* ---- podvisor's backends ---- */

static int save_tables(const char *dir, const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "iptables-legacy-save | grep -v '^#' > %s/%s", dir, name);
	return system(cmd) == 0 ? 0 : -1;
}


static void backend_label(const char *mode, char *buf, size_t len)
{
	snprintf(buf, len, "%s (podvisor)", strcmp(mode, "iptables") == 0 ? "libiptc" : mode);
}

static void flush_tables(void)
{
	if (system("iptables-legacy -t nat -F && iptables-legacy -t nat -X && "
		   "iptables-legacy -F && iptables-legacy -X") != 0) {
		fprintf(stderr, "svc_bench: cannot empty the tables (iptables-legacy)\n");
		exit(1);
	}
}

/* One round through backend MODE: the whole set into empty tables, then
 * one endpoint changed; INIT and CHANGE in ms. */
static int time_backend(const char *mode, struct world *w, int round, const char *dir,
			double *init, double *change)
{
	struct pv_err err = { 0 };
	struct pv_proxier *p;
	double t0;
	int rc = -1;

	flush_tables();
	p = pv_proxy_mode_new(mode, &err);
	if (!p)
		goto out;
	t0 = now_ms();
	if (pv_proxier_sync(p, &w->st, &err) < 0)
		goto out;
	*init = now_ms() - t0;
	change_endpoint(w, round + 1);
	t0 = now_ms();
	rc = pv_proxier_sync(p, &w->st, &err);
	*change = now_ms() - t0;
	change_endpoint(w, 0);
	/* What the libiptc backend left, for check_partial to compare. */
	if (rc == 0 && round == 0 && !strcmp(mode, "iptables") && save_tables(dir, "backend.save") < 0)
		rc = pv_err_set(&err, EIO, "iptables-legacy-save failed");
	if (rc == 0)
		rc = pv_proxier_clear(p, &err);
out:
	if (rc < 0)
		fprintf(stderr, "svc_bench: %s: %s\n", mode, err.msg);
	pv_proxier_free(p);
	return rc;
}

/* ---- iptables-legacy-restore ---- */

/* iptables-legacy-restore --noflush < PATH, started and waited for, as
 * kube-proxy does; MS is the whole of it. */
static int restore(const char *path, double *ms)
{
	char a0[] = "iptables-legacy-restore", a1[] = "--noflush";
	char *argv[] = { a0, a1, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	double t0;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, path, O_RDONLY, 0);
	t0 = now_ms();
	rc = posix_spawnp(&pid, a0, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "svc_bench: iptables-legacy-restore < %s failed\n", path);
		return -1;
	}
	*ms = now_ms() - t0;
	return 0;
}

static bool per_service(const char *chain)
{
	return !strncmp(chain, "PV-SVC-", 7) || !strncmp(chain, "PV-EXT-", 7) ||
	       !strncmp(chain, "PV-SEP-", 7);
}

/* Whether kube-proxy's partial sync writes chain C again: the top-level
 * chains always, a Service's own only when they changed. */
static bool resent(const struct pv_ruleset *old, const struct pv_chain *c)
{
	const struct pv_chain *o = pv_rules_find(old, c->table, c->name);

	return !per_service(c->name) || !o || !pv_rules_chain_equal(o, c);
}

static void put_rules(FILE *f, const struct pv_chain *c)
{
	for (size_t j = 0; j < c->n; j++) {
		fprintf(f, "-A %s", c->name);
		pv_rules_format_rule(f, &c->rules[j]);
		fputc('\n', f);
	}
}

/* Table T of the change from OLD to NEW as kube-proxy's partial sync
 * writes it (the hooks are in place already). */
static void put_partial(FILE *f, const struct pv_ruleset *old, const struct pv_ruleset *new,
			enum pv_table t)
{
	fprintf(f, "*%s\n", pv_table_name(t));
	for (size_t i = 0; i < new->n; i++)
		if (new->chains[i]->table == t && resent(old, new->chains[i]))
			fprintf(f, ":%s - [0:0]\n", new->chains[i]->name);
	for (size_t i = 0; i < old->n; i++)
		if (old->chains[i]->table == t && !pv_rules_find(new, t, old->chains[i]->name))
			fprintf(f, ":%s - [0:0]\n", old->chains[i]->name);
	for (size_t i = 0; i < new->n; i++)
		if (new->chains[i]->table == t && resent(old, new->chains[i]))
			put_rules(f, new->chains[i]);
	for (size_t i = 0; i < old->n; i++)
		if (old->chains[i]->table == t && !pv_rules_find(new, t, old->chains[i]->name))
			fprintf(f, "-X %s\n", old->chains[i]->name);
	fputs("COMMIT\n", f);
}

static int write_rules(const char *path, const struct pv_ruleset *old, const struct pv_ruleset *new)
{
	cleanup_fclose FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (int t = 0; t < PV_TABLE_COUNT; t++) {
		if (old)
			put_partial(f, old, new, (enum pv_table)t);
		else
			pv_rules_format(f, new, (enum pv_table)t);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

static int same(const char *dir, const char *a, const char *b, const char *what)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cmp -s %s/%s %s/%s", dir, a, dir, b);
	if (system(cmd) == 0)
		return 0;
	fprintf(stderr, "svc_bench: %s (%s/*.save)\n", what, dir);
	return -1;
}

/* That the partial sync left the tables as the whole new set leaves them,
 * and as the libiptc backend left them, rule for rule
 * (iptables-legacy-save; counters are all zero here). */
static int check_partial(const char *dir, const char *after)
{
	char cmd[512], backend[160];
	double ms;

	snprintf(backend, sizeof(backend), "%s/backend.save", dir);
	if (save_tables(dir, "partial.save") < 0)
		return -1;
	flush_tables();
	if (restore(after, &ms) < 0 || save_tables(dir, "whole.save") < 0 ||
	    same(dir, "partial.save", "whole.save",
		 "iptables-restore's partial sync differs from the whole set") < 0 ||
	    (access(backend, F_OK) == 0 &&
	     same(dir, "partial.save", "backend.save",
		  "the libiptc backend's tables differ from iptables-restore's") < 0))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -f %s/partial.save %s/whole.save %s/backend.save", dir, dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One round of iptables-legacy-restore: the whole set into empty tables,
 * then the change as a partial sync, checked in the first round. The
 * input is written beforehand. */
static int time_restore(struct world *w, int round, const char *dir, double *init, double *change)
{
	char full[160], part[160], after[160];
	struct pv_ruleset old, new;
	int rc;

	snprintf(full, sizeof(full), "%s/full.rules", dir);
	snprintf(part, sizeof(part), "%s/part.rules", dir);
	snprintf(after, sizeof(after), "%s/after.rules", dir);
	build(w, &old);
	change_endpoint(w, round + 1);
	build(w, &new);
	change_endpoint(w, 0);
	rc = write_rules(full, NULL, &old) < 0 || write_rules(part, &old, &new) < 0 ||
	     write_rules(after, NULL, &new) < 0 ? -1 : 0;
	pv_rules_free(&old);
	pv_rules_free(&new);
	if (rc < 0) {
		fprintf(stderr, "svc_bench: cannot write %s\n", dir);
		return -1;
	}
	flush_tables();
	rc = restore(full, init) < 0 || restore(part, change) < 0 ? -1 : 0;
	if (rc == 0 && round == 0)
		rc = check_partial(dir, after);
	unlink(full);
	unlink(part);
	unlink(after);
	return rc;
}

/* ---- mode 1: rule timings ---- */

struct samples {
	char label[64];
	double *init, *change;
};

static void print_tsv(const struct samples *s, size_t n, int rounds)
{
	for (int r = 0; r < rounds; r++)
		printf("%s\t%zu\tinitial sync\t%d\t%.3f\n%s\t%zu\tendpoint change\t%d\t%.3f\n",
		       s->label, n, r + 1, s->init[r], s->label, n, r + 1, s->change[r]);
}

static void print_summary(const struct world *w, const struct samples *s, size_t ns, int rounds,
			  FILE *out)
{
	struct pv_ruleset rs;
	size_t nrules = 0;

	build(w, &rs);
	for (size_t i = 0; i < rs.n; i++)
		nrules += rs.chains[i]->n;
	fprintf(out, "%zu Services x %zu endpoints: %zu chains, %zu rules; median (min-max) of %d rounds\n",
		w->n, w->e, rs.n, nrules, rounds);
	pv_rules_free(&rs);
	for (size_t k = 0; k < ns; k++) {
		fprintf(out, "  %-26s", s[k].label);
		summary(out, "initial sync", s[k].init, rounds);
		summary(out, "endpoint change", s[k].change, rounds);
		fputc('\n', out);
	}
}

static int rules_main(size_t n, size_t e, int rounds, bool tsv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[128];
	struct samples s[8];
	size_t ns = 0, nb;
	struct world w;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/pv-svc-bench.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (unshare(CLONE_NEWNET) != 0 || !mkdtemp(dir)) {
		perror("svc_bench: unshare (needs root)");
		return 1;
	}
	for (const char *m; ns < PV_ARRAY_SIZE(s) - 1 && (m = pv_proxy_mode_name(ns)); ns++)
		backend_label(m, s[ns].label, sizeof(s[ns].label));
	nb = ns;
	snprintf(s[ns++].label, sizeof(s[0].label), "iptables-legacy-restore");
	for (size_t k = 0; k < ns; k++) {
		s[k].init = calloc((size_t)rounds, sizeof(double));
		s[k].change = calloc((size_t)rounds, sizeof(double));
		if (!s[k].init || !s[k].change)
			abort();
	}
	make_world(&w, n, e);
	for (int r = 0; r < rounds && rc == 0; r++) {
		for (size_t k = 0; k < nb && rc == 0; k++)
			rc = time_backend(pv_proxy_mode_name(k), &w, r, dir, &s[k].init[r],
					  &s[k].change[r]);
		if (rc == 0)
			rc = time_restore(&w, r, dir, &s[nb].init[r], &s[nb].change[r]);
	}
	for (size_t k = 0; rc == 0 && tsv && k < ns; k++)
		print_tsv(&s[k], n, rounds);
	if (rc == 0)
		print_summary(&w, s, ns, rounds, tsv ? stderr : stdout);
	for (size_t k = 0; k < ns; k++) {
		free(s[k].init);
		free(s[k].change);
	}
	free_world(&w);
	rmdir(dir);
	return rc == 0 ? 0 : 1;
}

/* ---- mode 2: the server ---- */

static int serve_main(uint16_t port, int seconds)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	double end = now_ms() + seconds * 1e3;
	int one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("svc_bench: serve");
		return 1;
	}
	while (now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
	}
	return 0;
}

/* ---- mode 3: first-packet latency ---- */

/* A TCP connect from source port SPORT to DST:PORT; US is how long
 * connect() took, until established. Closed with a reset, so the port is
 * free again at once (no TIME_WAIT). Bounded: 2 s at most. */
static int connect_once(uint32_t dst, uint16_t port, uint16_t sport, double *us)
{
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(sport) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(dst) };
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = 2 };
	double t0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		return -1;
	t0 = now_ms();
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	*us = (now_ms() - t0) * 1e3;
	return 0;
}

static int ct_flush(void)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	uint32_t family = AF_INET;
	int rc;

	if (!h)
		return -1;
	rc = nfct_query(h, NFCT_Q_FLUSH, &family);
	nfct_close(h);
	return rc;
}

static long ct_count(void)
{
	cleanup_fclose FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_count", "r");
	long n = -1;

	if (!f || fscanf(f, "%ld", &n) != 1)
		return -1;
	return n;
}

/* The server answers (it may still be starting): up to 5 s, then WARMUP
 * connects to each target, not counted (neighbours resolved, caches warm).
 * Source ports below SPORT_BASE, the two targets' apart. */
static int warm_up(uint32_t cip, uint32_t pod, uint16_t port, bool rules)
{
	int k = 0, ok = 0;
	double us;

	for (; k < 250 && connect_once(pod, port, (uint16_t)(SPORT_WARM + k), &us) < 0; k++)
		usleep(20000);
	for (int j = 0; j < WARMUP; j++, k++) {
		ok += connect_once(pod, port, (uint16_t)(SPORT_WARM + k), &us) == 0;
		ok += rules && connect_once(cip, SVC_PORT, (uint16_t)(SPORT_WARM + 500 + k), &us) == 0;
	}
	return ok == (rules ? 2 : 1) * WARMUP ? 0 : -1;
}

struct packet_run {
	const char *mode; /* the proxy mode ($SVC_MODE), "none" without Services */
	size_t services, connects;
	uint32_t cip, pod;
	uint16_t port;
	double *cluster, *direct;
};

/* CONNECTS pairs, the order alternating: a connect to the cluster IP and
 * one to the pod directly, each from a source port of its own (the two
 * could otherwise share a reply tuple, when the cluster IP picks the
 * endpoint the direct connect goes to). */
static int measure(struct packet_run *p)
{
	for (size_t i = 0; i < p->connects; i++) {
		uint16_t sport = (uint16_t)(SPORT_BASE + 2 * i);
		int a = 0, b = 0;

		if (p->services && !(i & 1))
			a = connect_once(p->cip, SVC_PORT, sport, &p->cluster[i]);
		b = connect_once(p->pod, p->port, (uint16_t)(sport + 1), &p->direct[i]);
		if (p->services && (i & 1))
			a = connect_once(p->cip, SVC_PORT, sport, &p->cluster[i]);
		if (a < 0 || b < 0) {
			fprintf(stderr, "svc_bench: connect %zu: %s\n", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void packet_report(const struct packet_run *p, bool tsv, long made)
{
	FILE *out = tsv ? stderr : stdout;

	for (size_t i = 0; tsv && i < p->connects; i++) {
		if (p->services)
			printf("%s\t%zu\tclusterip\t%zu\t%.1f\n", p->mode, p->services, i + 1,
			       p->cluster[i]);
		printf("%s\t%zu\tdirect\t%zu\t%.1f\n", p->mode, p->services, i + 1, p->direct[i]);
	}
	fprintf(out, "%s, %zu Services, %zu connects each, %ld new conntrack entries:\n", p->mode,
		p->services, p->connects, made);
	for (int t = p->services ? 0 : 1; t < 2; t++) {
		double *v = t ? p->direct : p->cluster;

		qsort(v, p->connects, sizeof(*v), cmp_d);
		fprintf(out, "  %-32s median %6.1f us   p90 %6.1f us\n",
			t ? "pod IP directly" : "cluster IP (Service last)",
			quantile(v, (int)p->connects, 0.5), quantile(v, (int)p->connects, 0.9));
	}
}

/* The rules through the backend $SVC_MODE names (the default without). */
static int install(struct pv_proxier **p, const struct world *w)
{
	struct pv_err err = { 0 };

	*p = pv_proxy_mode_new(getenv("SVC_MODE"), &err);
	if (!*p || pv_proxier_sync(*p, &w->st, &err) < 0) {
		fprintf(stderr, "svc_bench: installing the rules: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int packet_main(struct packet_run *p, size_t e, bool tsv)
{
	struct pv_proxier *px = NULL;
	struct pv_err err = { 0 };
	struct world w;
	long before;
	int rc = -1;

	make_world(&w, p->services, e);
	p->mode = !p->services ? "none" : getenv("SVC_MODE") ? getenv("SVC_MODE") : pv_proxy_mode_name(0);
	for (size_t j = 0; p->services && j < e; j++)
		w.eps[(p->services - 1) * e + j] = (struct pv_svc_ep){ p->pod + (uint32_t)j, p->port };
	p->cip = p->services ? w.svcs[p->services - 1].cluster_ip : 0;
	p->cluster = calloc(p->connects, sizeof(double));
	p->direct = calloc(p->connects, sizeof(double));
	if (p->cluster && p->direct && (!p->services || install(&px, &w) == 0) && ct_flush() == 0 &&
	    warm_up(p->cip, p->pod, p->port, p->services) == 0) {
		before = ct_count();
		rc = measure(p);
		if (rc == 0)
			packet_report(p, tsv, ct_count() - before);
	} else {
		fprintf(stderr, "svc_bench: cannot set up (conntrack, or the server)\n");
	}
	if (px && pv_proxier_clear(px, &err) < 0)
		fprintf(stderr, "svc_bench: clearing the rules: %s\n", err.msg);
	pv_proxier_free(px);
	free(p->cluster);
	free(p->direct);
	free_world(&w);
	return rc == 0 ? 0 : 1;
}

/* ---- main ---- */

static int usage(void)
{
	fputs("usage: svc_bench [--tsv] [SERVICES [ENDPOINTS [ROUNDS]]]\n"
	      "       svc_bench --serve PORT [SECONDS]\n"
	      "       svc_bench --packet [--tsv] SERVICES ENDPOINTS CONNECTS POD_IP PORT\n", stderr);
	return 2;
}

static int packet_args(int argc, char **argv, bool tsv)
{
	struct packet_run p = { 0 };
	struct in_addr a;
	size_t e;

	if (argc != 5 || inet_pton(AF_INET, argv[3], &a) != 1)
		return usage();
	if (!getenv("PV_IN_NS")) {
		fputs("svc_bench: --packet changes the current network namespace's rules and "
		      "conntrack table: run it through bench/svc_bench.sh\n", stderr);
		return 2;
	}
	p.services = strtoul(argv[0], NULL, 10);
	e = strtoul(argv[1], NULL, 10);
	p.connects = strtoul(argv[2], NULL, 10);
	p.pod = ntohl(a.s_addr);
	p.port = (uint16_t)atoi(argv[4]);
	if (!e || !p.connects || p.connects > 25000 || !p.port)
		return usage();
	return packet_main(&p, e, tsv);
}

int main(int argc, char **argv)
{
	bool tsv = false;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "--serve"))
		return argc < 3 ? usage() : serve_main((uint16_t)atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 600);
	if (argc > 1 && !strcmp(argv[1], "--packet")) {
		tsv = argc > 2 && !strcmp(argv[2], "--tsv");
		return packet_args(argc - 2 - tsv, argv + 2 + tsv, tsv);
	}
	if (argc > 1 && !strcmp(argv[1], "--tsv")) {
		tsv = true;
		i++;
	}
	size_t n = argc > i ? strtoul(argv[i], NULL, 10) : 1000;
	size_t e = argc > i + 1 ? strtoul(argv[i + 1], NULL, 10) : 5;
	int rounds = argc > i + 2 ? atoi(argv[i + 2]) : 9;

	if (!n || !e || rounds < 1)
		return usage();
	return rules_main(n, e, rounds, tsv);
}
