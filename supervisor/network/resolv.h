/* A pod's /etc/resolv.conf, as kubelet writes it for each dnsPolicy. */
#ifndef PV_SUPERVISOR_RESOLV_H
#define PV_SUPERVISOR_RESOLV_H

struct pv_prt;

/* The text (malloc'ed), or NULL when out of memory. */
char *pv_resolv_conf(const struct pv_prt *p);

#endif
