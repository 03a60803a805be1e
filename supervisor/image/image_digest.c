/* sha256 digests (OpenSSL EVP) and their "sha256:<hex>" spelling. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "supervisor/image/image_internal.h"

int pv_img_sha256_init(struct pv_img_sha256 *h, struct pv_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return pv_err_set(err, EIO, "sha256: cannot initialize the digest");
	}
	h->ctx = ctx;
	return 0;
}

void pv_img_sha256_update(struct pv_img_sha256 *h, const void *buf, size_t n)
{
	if (n)
		EVP_DigestUpdate(h->ctx, buf, n);
}

static void to_hex(const unsigned char *md, unsigned int n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

int pv_img_sha256_final(struct pv_img_sha256 *h, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n * 2 != PV_IMG_HEX_LEN)
		return pv_err_set(err, EIO, "sha256: cannot finish the digest");
	to_hex(md, n, hex);
	return 0;
}

void pv_img_sha256_free(struct pv_img_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int pv_img_sha256_hex(const void *buf, size_t n, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(buf, n, md, &len, EVP_sha256(), NULL) != 1 || len * 2 != PV_IMG_HEX_LEN)
		return pv_err_set(err, EIO, "sha256: cannot compute the digest");
	to_hex(md, len, hex);
	return 0;
}

int pv_img_digest_check(const char *s, struct pv_err *err)
{
	const char *colon;

	if (!s)
		return pv_err_set(err, EINVAL, "missing digest");
	colon = strchr(s, ':');
	if (colon && colon != s && strncmp(s, "sha256:", 7) != 0)
		return pv_err_set(err, ENOTSUP, "digest \"%.80s\": unsupported algorithm (podvisor "
				  "verifies sha256 only)", s);
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != PV_IMG_DIGEST_LEN)
		goto bad;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			goto bad;
	return 0;
bad:
	return pv_err_set(err, EINVAL, "invalid digest \"%.80s\" (want sha256: and 64 lowercase "
			  "hex digits)", s);
}
