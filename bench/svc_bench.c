/* Service rules at scale, in a network namespace of its own (root):
 * N Services x E endpoints (default 1000 x 5, two pods' worth of
 * NodePorts on a tenth of them), through podvisor's rule builder and
 * libiptc backend, against iptables-legacy-restore applying the same
 * rules in the same run.
 *
 *   build/bench/svc_bench [SERVICES] [ENDPOINTS] [ROUNDS]
 *
 * Prints, for each, the median of ROUNDS (default 9):
 *   initial sync     an empty table to the whole set
 *   endpoint change  one endpoint of one Service replaced
 * iptables-restore is timed as kube-proxy drives it: the whole set into an
 * empty table, and for a change the changed chains only (--noflush). */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netrules/iptables/iptc.h"
#include "netrules/iptables/svcrules.h"

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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

struct world {
	struct pv_svc *svcs;
	struct pv_svc_port *ports;
	struct pv_svc_ep *eps;
	char (*names)[32];
	size_t n, e;
};

static void make_world(struct world *w, size_t n, size_t e)
{
	w->n = n;
	w->e = e;
	w->svcs = calloc(n, sizeof(*w->svcs));
	w->ports = calloc(n, sizeof(*w->ports));
	w->eps = calloc(n * e, sizeof(*w->eps));
	w->names = calloc(n, sizeof(*w->names));
	for (size_t i = 0; i < n; i++) {
		snprintf(w->names[i], sizeof(w->names[i]), "svc-%zu", i);
		for (size_t j = 0; j < e; j++)
			w->eps[i * e + j] = (struct pv_svc_ep){ 0x0A580000u + (uint32_t)(i * e + j + 2), 8080 };
		w->ports[i] = (struct pv_svc_port){ .name = "http", .proto = IPPROTO_TCP, .port = 80,
						    .node_port = i % 10 ? 0 : (uint16_t)(30000 + i / 10),
						    .eps = &w->eps[i * e], .neps = e };
		w->svcs[i] = (struct pv_svc){ .ns = "default", .name = w->names[i],
					      .cluster_ip = 0x0A600000u + (uint32_t)i + 2,
					      .ports = &w->ports[i], .nports = 1 };
	}
}

static void build(const struct world *w, struct pv_ruleset *rs)
{
	struct pv_proxy_state st = { .svcs = w->svcs, .nsvcs = w->n };

	pv_cidr_parse("10.88.0.0/16", &st.node.pod_cidr);
	pv_rules_init(rs);
	if (pv_svc_rules(&st, rs, NULL) < 0)
		abort();
}

static void run(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(1);
	}
}

static void write_restore(const struct pv_ruleset *rs, const char *path, const char *only_chain_a,
			  const char *only_chain_b)
{
	FILE *f = fopen(path, "w");

	if (!only_chain_a) {
		pv_rules_format(f, rs, PV_TABLE_NAT);
		pv_rules_format(f, rs, PV_TABLE_FILTER);
	} else {
		/* kube-proxy's partial sync: declare (flush) and refill only
		 * the chains that changed. */
		fputs("*nat\n", f);
		for (size_t i = 0; i < rs->n; i++) {
			const struct pv_chain *c = rs->chains[i];

			if (c->table == PV_TABLE_NAT && (!strcmp(c->name, only_chain_a) ||
							 !strcmp(c->name, only_chain_b)))
				fprintf(f, ":%s - [0:0]\n", c->name);
		}
		for (size_t i = 0; i < rs->n; i++) {
			const struct pv_chain *c = rs->chains[i];

			if (c->table != PV_TABLE_NAT || (strcmp(c->name, only_chain_a) &&
							 strcmp(c->name, only_chain_b)))
				continue;
			for (size_t j = 0; j < c->n; j++) {
				fprintf(f, "-A %s", c->name);
				pv_rules_format_rule(f, &c->rules[j]);
				fputc('\n', f);
			}
		}
		fputs("COMMIT\n", f);
	}
	fclose(f);
}

/* The chains one endpoint change touches: the Service's chain and the
 * new endpoint's chain (found by difference). */
static void changed_chains(const struct pv_ruleset *a, const struct pv_ruleset *b, char *x, char *y)
{
	int k = 0;

	for (size_t i = 0; i < b->n && k < 2; i++) {
		const struct pv_chain *o = pv_rules_find(a, b->chains[i]->table, b->chains[i]->name);

		if (!o || !pv_rules_chain_equal(o, b->chains[i]))
			strcpy(k++ ? y : x, b->chains[i]->name);
	}
	if (k < 2)
		strcpy(y, x);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000, e = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
	int rounds = argc > 3 ? atoi(argv[3]) : 9;
	double *t_init = calloc((size_t)rounds, sizeof(double)), *t_change = calloc((size_t)rounds, sizeof(double));
	double *r_init = calloc((size_t)rounds, sizeof(double)), *r_change = calloc((size_t)rounds, sizeof(double));
	double *r_change_full = calloc((size_t)rounds, sizeof(double)), t0;
	char dir[] = "/tmp/pv-svc-bench.XXXXXX", full[64], part[64], x[40], y[40];
	struct pv_ruleset rs, rs2, copy;
	struct pv_err err = { 0 };
	struct world w;
	size_t nrules = 0, nchains = 0;

	if (unshare(CLONE_NEWNET) != 0 || !mkdtemp(dir)) {
		perror("unshare (needs root)");
		return 1;
	}
	snprintf(full, sizeof(full), "%s/full.rules", dir);
	snprintf(part, sizeof(part), "%s/part.rules", dir);
	make_world(&w, n, e);
	for (int r = 0; r < rounds; r++) {
		struct pv_fw *fw = pv_fw_new();

		run("iptables-legacy -t nat -F; iptables-legacy -t nat -X; iptables-legacy -F; iptables-legacy -X");
		/* podvisor: build + apply, from an empty table */
		t0 = now_ms();
		build(&w, &rs);
		if (pv_fw_apply(fw, &rs, &err) < 0) {
			fprintf(stderr, "apply: %s\n", err.msg);
			return 1;
		}
		t_init[r] = now_ms() - t0;
		/* one endpoint of one Service replaced */
		w.eps[(n / 2) * e].ip = 0x0A590000u + (uint32_t)r;
		t0 = now_ms();
		build(&w, &rs2);
		if (pv_fw_apply(fw, &rs2, &err) < 0) {
			fprintf(stderr, "apply: %s\n", err.msg);
			return 1;
		}
		t_change[r] = now_ms() - t0;
		pv_rules_free(&rs2);
		w.eps[(n / 2) * e].ip = 0x0A580000u + (uint32_t)((n / 2) * e + 2);
		pv_fw_clear(fw, &err);
		pv_fw_free(fw);

		/* iptables-legacy-restore of the same rules */
		build(&w, &copy);
		for (size_t i = 0; i < copy.n; i++)
			nrules += r ? 0 : copy.chains[i]->n;
		nchains = copy.n;
		write_restore(&copy, full, NULL, NULL);
		run("iptables-legacy -t nat -F; iptables-legacy -t nat -X; iptables-legacy -F; iptables-legacy -X");
		t0 = now_ms();
		{
			char cmd[128];

			snprintf(cmd, sizeof(cmd), "iptables-legacy-restore --noflush < %s", full);
			run(cmd);
			r_init[r] = now_ms() - t0;
			w.eps[(n / 2) * e].ip = 0x0A590000u + (uint32_t)r;
			build(&w, &rs2);
			changed_chains(&copy, &rs2, x, y);
			write_restore(&rs2, part, x, y);
			snprintf(cmd, sizeof(cmd), "iptables-legacy-restore --noflush < %s", part);
			t0 = now_ms();
			run(cmd);
			r_change[r] = now_ms() - t0;
			/* and the whole set again, as a full resync would */
			write_restore(&rs2, full, NULL, NULL);
			run("iptables-legacy -t nat -F; iptables-legacy -t nat -X; iptables-legacy -F; iptables-legacy -X");
			snprintf(cmd, sizeof(cmd), "iptables-legacy-restore --noflush < %s", full);
			t0 = now_ms();
			run(cmd);
			r_change_full[r] = now_ms() - t0;
			w.eps[(n / 2) * e].ip = 0x0A580000u + (uint32_t)((n / 2) * e + 2);
			pv_rules_free(&rs2);
		}
		pv_rules_free(&copy);
	}
	printf("%zu Services x %zu endpoints: %zu chains, %zu rules; median of %d rounds\n", n, e,
	       nchains, nrules, rounds);
	printf("  podvisor (builder + libiptc)   initial sync %8.1f ms   endpoint change %6.1f ms\n",
	       median(t_init, rounds), median(t_change, rounds));
	printf("  iptables-legacy-restore        initial sync %8.1f ms   endpoint change %6.1f ms"
	       " (changed chains only, --noflush)\n", median(r_init, rounds), median(r_change, rounds));
	printf("  iptables-legacy-restore        whole set after the change            %6.1f ms\n",
	       median(r_change_full, rounds));
	unlink(full);
	unlink(part);
	rmdir(dir);
	return 0;
}
