#include "netrules/ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pv_cidr_parse(const char *s, struct pv_cidr *out)
{
	char ip[32], *end;
	const char *slash = strchr(s, '/');
	struct in_addr a;
	long prefix;
	uint32_t mask;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (*end || prefix < 8 || prefix > 30 || inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	mask = 0xFFFFFFFFu << (32 - prefix);
	if (ntohl(a.s_addr) & ~mask)
		return -1;
	out->net = ntohl(a.s_addr);
	out->prefix = (int)prefix;
	return 0;
}

uint32_t pv_cidr_gateway(const struct pv_cidr *c)
{
	return c->net + 1;
}

bool pv_cidr_contains(const struct pv_cidr *c, uint32_t ip)
{
	uint32_t mask = 0xFFFFFFFFu << (32 - c->prefix);

	return (ip & mask) == c->net;
}

int pv_ipam_next(const struct pv_cidr *c, bool (*taken)(void *data, uint32_t ip), void *data,
		 uint32_t *out)
{
	uint32_t size = 1u << (32 - c->prefix);

	for (uint32_t off = 2; off < size - 1; off++) {
		if (!taken(data, c->net + off)) {
			*out = c->net + off;
			return 0;
		}
	}
	return -1;
}

/* FNV-1a: small, stable across versions and machines. */
static uint32_t key_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

int pv_alloc_hashed(const char *key, uint32_t lo, uint32_t hi,
		    bool (*taken)(void *data, uint32_t v), void *data, uint32_t *out)
{
	uint32_t span = hi - lo + 1, start;

	if (hi < lo)
		return -1;
	start = key_hash(key) % span;
	for (uint32_t i = 0; i < span; i++) {
		uint32_t v = lo + (start + i) % span;

		if (!taken(data, v)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}
