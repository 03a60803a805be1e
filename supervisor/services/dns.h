/* Cluster DNS: see dns.c. */
#ifndef PV_SUPERVISOR_DNS_H
#define PV_SUPERVISOR_DNS_H

#include "common/err.h"

struct pv_daemon;
struct pv_dns;

/* Listen on the bridge address, port 53 (UDP and TCP). */
struct pv_dns *pv_dns_new(struct pv_daemon *d, struct pv_err *err);
void pv_dns_free(struct pv_dns *s);
/* "10.88.0.1"; NULL when there is no cluster DNS. */
const char *pv_dns_address(const struct pv_dns *s);

#endif
