/* One rule of the nftables proxier (nftobj.h) as the kernel's
 * expressions: payload loads, comparisons, lookups in the maps, numgen,
 * nat, masquerade, marks, dynamic set updates, reject. Register use
 * follows nft(8): concatenated keys in 32-bit registers 8, 9, 10.
 *
 * Owns: nothing. Calls: libnftnl's expressions, nftobj.h. Pure (builds
 * objects in memory, sends nothing). */
#ifndef PV_NETRULES_NFTEXPR_H
#define PV_NETRULES_NFTEXPR_H

#include <stdint.h>

#include <libnftnl/rule.h>

#include "netrules/nftables/nftobj.h"

/* The name the kernel gives an anonymous map, as nft(8) asks for it. */
#define PV_NFTEXPR_ANON_MAP "__map%d"

/* Append PR's expressions to R. A numgen rule looks its endpoint up in
 * the anonymous map SET_ID, which the caller puts in the batch first.
 * -1 when out of memory (R is then incomplete: not to be sent). */
int pv_nftexpr_rule(struct nftnl_rule *r, const struct pv_nft_rule *pr, uint32_t set_id);

#endif
