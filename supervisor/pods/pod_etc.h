/* A pod's /etc/hostname, /etc/hosts and /etc/resolv.conf, and its
 * hostname: what spec.hostname, subdomain, setHostnameAsFQDN,
 * hostAliases, dnsPolicy and dnsConfig make of them, as the kubelet does. */
#ifndef PV_SUPERVISOR_POD_ETC_H
#define PV_SUPERVISOR_POD_ETC_H

struct pv_prt;

/* The hostname of pod P's UTS namespace: spec.hostname or its name; with
 * setHostnameAsFQDN and a subdomain, HOST.SUBDOMAIN.NS.svc.CLUSTER-DOMAIN
 * (longer than 64 characters: the short name, and a Warning event).
 * Allocated; NULL when out of memory. */
char *pv_pod_uts_hostname(struct pv_prt *p);
/* Write P's hostname (UTS_HOST), hosts and resolv.conf files into its
 * directory, once it has its address. 0, or -1 (logged). */
int pv_pod_write_etc(struct pv_prt *p, const char *uts_host);

#endif
