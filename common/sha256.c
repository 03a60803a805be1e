#include "common/sha256.h"

void pv_sha256_init(struct pv_sha256 *h)
{
	sha256_init(&h->ctx);
}

void pv_sha256_update(struct pv_sha256 *h, const void *buf, size_t n)
{
	if (n)
		sha256_update(&h->ctx, n, buf);
}

void pv_sha256_final(struct pv_sha256 *h, uint8_t out[PV_SHA256_LEN])
{
	sha256_digest(&h->ctx, PV_SHA256_LEN, out);
}

void pv_sha256(const void *buf, size_t n, uint8_t out[PV_SHA256_LEN])
{
	struct pv_sha256 h;

	pv_sha256_init(&h);
	pv_sha256_update(&h, buf, n);
	pv_sha256_final(&h, out);
}

void pv_sha256_to_hex(const uint8_t md[PV_SHA256_LEN], char out[PV_SHA256_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < PV_SHA256_LEN; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[PV_SHA256_HEX] = '\0';
}

void pv_sha256_hex(const void *buf, size_t n, char out[PV_SHA256_HEX + 1])
{
	uint8_t md[PV_SHA256_LEN];

	pv_sha256(buf, n, md);
	pv_sha256_to_hex(md, out);
}
