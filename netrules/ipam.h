/* Pod and Service addresses, node ports. Pure: the caller says which addresses
 * are taken (the pods it knows, from their state records). */
#ifndef PV_NETRULES_IPAM_H
#define PV_NETRULES_IPAM_H

#include <stdbool.h>
#include <stdint.h>

struct pv_cidr {
	uint32_t net;  /* host byte order */
	int prefix;
};

/* "10.88.0.0/16"; -1 when not a valid IPv4 CIDR (host bits set, prefix
 * outside 8..30). */
int pv_cidr_parse(const char *s, struct pv_cidr *out);
/* The gateway: the first host address (10.88.0.1). */
uint32_t pv_cidr_gateway(const struct pv_cidr *c);
bool pv_cidr_contains(const struct pv_cidr *c, uint32_t ip);
/* The lowest free address after the gateway, before the broadcast
 * address; -1 when the range is full. */
int pv_ipam_next(const struct pv_cidr *c, bool (*taken)(void *data, uint32_t ip), void *data,
		 uint32_t *out);

/* A value in LO..HI (inclusive) chosen from KEY: the same key gets the
 * same value whenever it is free, so that allocations are deterministic
 * (Service cluster IPs and node ports); on a collision the next free one
 * after it, wrapping. -1 when every value is taken. */
int pv_alloc_hashed(const char *key, uint32_t lo, uint32_t hi,
		    bool (*taken)(void *data, uint32_t v), void *data, uint32_t *out);

#endif
