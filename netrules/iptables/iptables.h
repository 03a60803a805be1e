/* The iptables proxier, podvisor's default proxy mode: each sync turns
 * the Service model into kube-proxy's chain layout (svcrules.h, pure) and
 * makes the kernel's x_tables hold it through libiptc (iptc.h), rewriting
 * only the chains that changed, one commit per table. Someone else's
 * change is seen through the xtables lock file (watch_open) and a cheap
 * check of the tables' size (changed).
 *
 * Owns: the backend's operations table. Calls: svcrules, rules, iptc
 * (this folder) and netrules/proxier.h. */
#ifndef PV_NETRULES_IPTABLES_H
#define PV_NETRULES_IPTABLES_H

#include "netrules/proxier.h"

extern const struct pv_proxier_ops pv_iptables_proxier;

#endif
