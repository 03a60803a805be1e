/* dnsPolicy as kubelet applies it:
 *   ClusterFirst             cluster DNS, search <ns>.svc.<zone> svc.<zone>
 *                            <zone> and the node's; options ndots:5. A
 *                            hostNetwork pod gets Default instead.
 *   ClusterFirstWithHostNet  cluster DNS, hostNetwork or not
 *   Default                  the node's resolv.conf
 *   None                     only spec.dnsConfig
 * spec.dnsConfig is then merged in: nameservers and searches appended
 * (without repeats), options set by name. */
#include "supervisor/network/resolv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/node/node.h"
#include "supervisor/services/dns.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/node/pod.h"

#define MAX_ITEMS 32

struct conf {
	char *ns[MAX_ITEMS], *search[MAX_ITEMS], *opt[MAX_ITEMS];
	size_t nns, nsearch, nopt;
	char *text; /* the node's file, which the pointers point into */
};

static void add(char **v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i], s) == 0)
			return;
	if (*n < MAX_ITEMS)
		v[(*n)++] = (char *)s;
}

/* OPT is "name" or "name:value": a later one with the same name wins. */
static void set_opt(struct conf *c, const char *opt)
{
	size_t len = strcspn(opt, ":");

	for (size_t i = 0; i < c->nopt; i++) {
		if (strncmp(c->opt[i], opt, len) == 0 && strcspn(c->opt[i], ":") == len) {
			c->opt[i] = (char *)opt;
			return;
		}
	}
	add(c->opt, &c->nopt, opt);
}

static void read_node(struct conf *c)
{
	char *save = NULL;

	c->text = pv_read_file_raw("/etc/resolv.conf", 64 * 1024, NULL, NULL);
	for (char *l = c->text ? strtok_r(c->text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char *key = strtok(l, " \t"), *w;

		if (!key)
			continue;
		while ((w = strtok(NULL, " \t"))) {
			if (strcmp(key, "nameserver") == 0)
				add(c->ns, &c->nns, w);
			else if (strcmp(key, "search") == 0 || strcmp(key, "domain") == 0)
				add(c->search, &c->nsearch, w);
			else if (strcmp(key, "options") == 0)
				set_opt(c, w);
		}
	}
}

static char *render(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < c->nns; i++)
		fprintf(f, "nameserver %s\n", c->ns[i]);
	for (size_t i = 0; i < c->nsearch; i++)
		fprintf(f, "%s%s%s", i ? " " : "search ", c->search[i], i + 1 == c->nsearch ? "\n" : "");
	for (size_t i = 0; i < c->nopt; i++)
		fprintf(f, "%s%s%s", i ? " " : "options ", c->opt[i], i + 1 == c->nopt ? "\n" : "");
	fclose(f);
	return buf;
}

char *pv_resolv_conf(const struct pv_prt *p)
{
	const struct pv_pod_spec *spec = &p->spec->spec;
	const char *policy = spec->dns_policy.v ? spec->dns_policy.v : "ClusterFirst";
	const char *dns = pv_dns_address(p->d->dns), *zone = p->d->cluster_domain;
	bool cluster = dns && (strcmp(policy, "ClusterFirstWithHostNet") == 0 ||
			       (strcmp(policy, "ClusterFirst") == 0 && !spec->host_network.v));
	struct conf c = { 0 };
	char *own[3] = { NULL, NULL, NULL }, *out, ndots[] = "ndots:5";
	char **opts = NULL;

	if (strcmp(policy, "None") != 0) {
		read_node(&c);
		if (cluster) {
			struct conf node = c;

			c.nns = c.nsearch = c.nopt = 0;
			add(c.ns, &c.nns, dns);
			asprintf(&own[0], "%s.svc.%s", p->ns, zone);
			asprintf(&own[1], "svc.%s", zone);
			own[2] = (char *)zone;
			for (int i = 0; i < 3; i++)
				if (own[i])
					add(c.search, &c.nsearch, own[i]);
			for (size_t i = 0; i < node.nsearch; i++)
				add(c.search, &c.nsearch, node.search[i]);
			set_opt(&c, ndots);
		}
	}
	for (size_t i = 0; i < spec->dns_config.nameservers.n; i++)
		add(c.ns, &c.nns, spec->dns_config.nameservers.items[i].v);
	for (size_t i = 0; i < spec->dns_config.searches.n; i++)
		add(c.search, &c.nsearch, spec->dns_config.searches.items[i].v);
	opts = calloc(spec->dns_config.options.n + 1, sizeof(*opts));
	for (size_t i = 0; opts && i < spec->dns_config.options.n; i++) {
		const struct pv_dns_option *o = &spec->dns_config.options.items[i];

		if (!o->name.v)
			continue;
		if (o->value.v)
			asprintf(&opts[i], "%s:%s", o->name.v, o->value.v);
		else
			opts[i] = strdup(o->name.v);
		if (opts[i])
			set_opt(&c, opts[i]);
	}
	out = render(&c);
	for (size_t i = 0; opts && i < spec->dns_config.options.n; i++)
		free(opts[i]);
	free(opts);
	free(own[0]);
	free(own[1]);
	free(c.text);
	return out;
}
