/* The nftables proxier (`--proxy-mode nftables`): Services as verdict
 * and data maps in one table, `ip podvisor` (nftsvc.h), kept in the kernel through
 * libnftnl (nftnl.h). The first sync, and any after someone else changed
 * the table, replaces the table whole; every other sync compares each
 * Service with the copy kept from the last one and sends, as one
 * transaction, only the changed Services' chains and map elements
 * (nftdiff.h): one endpoint change touches one Service.
 *
 * Someone else's change is seen through nf_tables' notifications
 * (watch_open: those of our own socket are ignored) and a cheap probe of
 * the table's handle and its services chain (changed).
 *
 * Owns: the backend's operations table and its state (the copy of the
 * Services last applied). Calls: nftsvc, nftdiff, nftnl (this folder),
 * netrules/proxier.h, common/. */
#ifndef PV_NETRULES_NFTABLES_H
#define PV_NETRULES_NFTABLES_H

#include "netrules/proxier.h"

extern const struct pv_proxier_ops pv_nftables_proxier;

#endif
