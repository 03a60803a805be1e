/* SHA-256 through nettle: one-shot, incremental, and the lowercase hex.
 * Nettle's is a plain function over a struct on the stack; OpenSSL 3's
 * EVP digests fetch a provider on first use, which initialises the library
 * and kept 3.4 MiB of it resident in the daemon for a hash of pod specs.
 * Owns nothing. Calls: nettle. */
#ifndef PV_COMMON_SHA256_H
#define PV_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define PV_SHA256_LEN 32
#define PV_SHA256_HEX (2 * PV_SHA256_LEN)

struct pv_sha256 {
	struct sha256_ctx ctx;
};

void pv_sha256_init(struct pv_sha256 *h);
void pv_sha256_update(struct pv_sha256 *h, const void *buf, size_t n);
/* The digest into OUT; H starts again, as after pv_sha256_init. */
void pv_sha256_final(struct pv_sha256 *h, uint8_t out[PV_SHA256_LEN]);

void pv_sha256(const void *buf, size_t n, uint8_t out[PV_SHA256_LEN]);
/* The digest of BUF as 64 lowercase hex digits and a NUL. */
void pv_sha256_hex(const void *buf, size_t n, char out[PV_SHA256_HEX + 1]);
/* MD (PV_SHA256_LEN bytes) as 64 lowercase hex digits and a NUL. */
void pv_sha256_to_hex(const uint8_t md[PV_SHA256_LEN], char out[PV_SHA256_HEX + 1]);

#endif
