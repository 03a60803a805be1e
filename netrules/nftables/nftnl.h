/* podvisor's nftables table in the kernel, through libnftnl and libmnl:
 * operations (nftdiff.h) sent as one netlink batch, that is one atomic
 * transaction; the table probed and deleted; a multicast socket on
 * nf_tables' notifications for the watch. The only file that knows
 * libnftnl; the nftables proxier (nftables.h) calls it.
 *
 * Owns: the netlink socket to nf_tables and the batch buffer.
 * Calls: libnftnl, libmnl, nftobj.h, nftdiff.h, common/. Never logs. */
#ifndef PV_NETRULES_NFTNL_H
#define PV_NETRULES_NFTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "netrules/nftables/nftdiff.h"

struct pv_nftnl;

struct pv_nftnl *pv_nftnl_open(struct pv_err *err);
void pv_nftnl_close(struct pv_nftnl *nl);
/* The socket's netlink port: the kernel's notifications of our own
 * changes carry it. */
uint32_t pv_nftnl_portid(const struct pv_nftnl *nl);
/* OPS as one transaction. REPLACE: the table is deleted first when it
 * exists, and made anew (the operations then build it whole). */
int pv_nftnl_commit(struct pv_nftnl *nl, const struct pv_nft_ops *ops, bool replace,
		    struct pv_err *err);
/* Delete the table; nothing to do (0) when there is none. */
int pv_nftnl_delete_table(struct pv_nftnl *nl, struct pv_err *err);
/* The table's handle (0: no table) and the number of rules in its chain
 * "services": what someone else's delete or flush changes. */
int pv_nftnl_probe(struct pv_nftnl *nl, uint64_t *handle, uint32_t *nrules, struct pv_err *err);

/* A non-blocking socket on nf_tables' notifications; -1 with ERR. */
int pv_nftnl_watch_open(struct pv_err *err);
/* Read what FD holds: 1 when a change to our table came from another
 * socket than PORTID, 2 when notifications were lost (the socket's
 * buffer overran: a probe must tell), 0 when neither, -1 when the socket
 * is broken. */
int pv_nftnl_watch_read(int fd, uint32_t portid);

#endif
