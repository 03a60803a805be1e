/* What to send the kernel to go from one list of nftables objects to
 * another: the operations of one transaction, in an order the kernel
 * accepts (everything a rule or an element refers to exists before it,
 * and is deleted after it):
 *
 *   1. new sets and chains, empty
 *   2. chains whose rules changed flushed, then every new or changed
 *      chain's rules added
 *   3. map elements gone or changed deleted, then new ones added
 *   4. chains and sets gone deleted, those that refer to others first
 *
 * An object the same in both lists costs nothing. Pure. */
#ifndef PV_NETRULES_NFTDIFF_H
#define PV_NETRULES_NFTDIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netrules/nftables/nftobj.h"

enum pv_nft_opk {
	PV_OP_ADD,   /* a set, a chain (empty), an element */
	PV_OP_FLUSH, /* a chain's rules */
	PV_OP_RULES, /* append a chain's rules */
	PV_OP_DEL,   /* a set, a chain, an element */
};

struct pv_nft_op {
	enum pv_nft_opk op;
	const struct pv_nft_obj *obj; /* borrowed from the lists compared */
	uint8_t phase;
	size_t seq;
};

struct pv_nft_ops {
	struct pv_nft_op *v;
	size_t n, cap;
	bool oom;
};

void pv_nft_ops_free(struct pv_nft_ops *ops);
/* Append the operations from OLD to NEW (either may be empty) to OPS;
 * call pv_nft_ops_sort once every list pair is in. */
void pv_nft_diff(const struct pv_nft_obj *old, size_t nold, const struct pv_nft_obj *new,
		 size_t nnew, struct pv_nft_ops *ops);
/* Put the operations in the order above (stable within a step). */
void pv_nft_ops_sort(struct pv_nft_ops *ops);
/* One line per operation, nft(8)-like ("add chain X", "delete element
 * M { K }", "flush chain X", "rules chain X: N"): for tests. */
void pv_nft_ops_format(FILE *out, const struct pv_nft_ops *ops);

#endif
