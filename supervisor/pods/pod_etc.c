/* The files the pod's containers see as /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, in the pod's directory, written as the kubelet
 * writes them, and the hostname its UTS namespace gets (hostname,
 * subdomain, setHostnameAsFQDN, hostAliases). Calls: network (resolv.conf),
 * core, node. */
#include "supervisor/pods/pod_etc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/log.h"
#include "supervisor/network/resolv.h"
#include "supervisor/pods/pods_internal.h"

static int write_text(const char *dir, const char *name, const char *text)
{
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -1;
	if (pv_write_replace(path, text, strlen(text), 0644, &err) < 0) {
		pv_error("%s", err.msg);
		return -1;
	}
	return 0;
}

/* The pod's short hostname (spec.hostname, or its name) and, with a
 * subdomain, its domain: SUBDOMAIN.NS.svc.CLUSTER-DOMAIN (the caller
 * frees it; NULL without a subdomain), as the kubelet makes them. */
static const char *pod_host(const struct pv_prt *p, char **domain, char host[64])
{
	const struct pv_pod_spec *s = &p->spec->spec;
	size_t n;

	*domain = NULL;
	if (s->subdomain.v && asprintf(domain, "%s.%s.svc.%s", s->subdomain.v, p->ns,
				       p->d->cluster_domain) < 0)
		*domain = NULL;
	/* A pod name may be 253 characters, a hostname 63: cut as the
	 * kubelet does (truncatePodHostnameIfNeeded), no '-' or '.' last. */
	snprintf(host, 64, "%s", s->hostname.v ? s->hostname.v : p->name);
	for (n = strlen(host); n > 0 && (host[n - 1] == '-' || host[n - 1] == '.'); n--)
		host[n - 1] = '\0';
	return host;
}

/* The hostname the pod's UTS namespace gets: the short one, or with
 * setHostnameAsFQDN and a subdomain, HOST.DOMAIN. The caller frees it. */
char *pv_pod_uts_hostname(struct pv_prt *p)
{
	cleanup_free char *domain = NULL;
	char hbuf[64];
	const char *host = pod_host(p, &domain, hbuf);
	char *out = NULL;

	if (p->spec->spec.set_hostname_as_fqdn.v && domain) {
		if (asprintf(&out, "%s.%s", host, domain) < 0)
			return NULL;
		if (strlen(out) <= 64)
			return out;
		/* the kubelet refuses it; here the short name, said once per pod */
		pv_pod_event(p, true, PV_EV_FAILED, "setHostnameAsFQDN: %s is longer than 64 "
			     "characters, the most a hostname may have; the short name is used", out);
		free(out);
	}
	return strdup(host);
}

/* /etc/hosts as the kubelet writes it: localhost, the pod's own address
 * and names, and a section for spec.hostAliases. */
static char *hosts_file(const struct pv_prt *p)
{
	const struct pv_pod_spec *s = &p->spec->spec;
	cleanup_free char *domain = NULL;
	char hbuf[64];
	const char *host = pod_host(p, &domain, hbuf), *ip = p->ip_str[0] ? p->ip_str : "127.0.1.1";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
	      "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
	      "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n", f);
	if (domain)
		fprintf(f, "%s\t%s.%s\t%s\n", ip, host, domain, host);
	else
		fprintf(f, "%s\t%s\n", ip, host);
	if (s->host_aliases.n)
		fputs("\n# Entries added by HostAliases.\n", f);
	for (size_t i = 0; i < s->host_aliases.n; i++) {
		const struct pv_host_alias *a = &s->host_aliases.items[i];

		fprintf(f, "%s\t", a->ip.v);
		for (size_t j = 0; j < a->hostnames.n; j++)
			fprintf(f, "%s%s", j ? "\t" : "", a->hostnames.items[j].v);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* /etc/hostname, /etc/hosts, /etc/resolv.conf for the pod's containers
 * (once its address is known). */
int pv_pod_write_etc(struct pv_prt *p, const char *uts_host)
{
	cleanup_free char *hosts = hosts_file(p), *resolv = NULL;

	if (!hosts || write_text(p->dir, "hostname", uts_host) < 0 ||
	    write_text(p->dir, "hosts", hosts) < 0)
		return -1;
	resolv = pv_resolv_conf(p);
	return resolv ? write_text(p->dir, "resolv.conf", resolv) : -1;
}
