/* sha256 digests (common/sha256.h, nettle) and their "sha256:<hex>" spelling. */
#include <errno.h>
#include <string.h>

#include "supervisor/image/image_internal.h"

int pv_img_sha256_init(struct pv_img_sha256 *h, struct pv_err *err)
{
	(void)err;
	pv_sha256_init(&h->h);
	return 0;
}

void pv_img_sha256_update(struct pv_img_sha256 *h, const void *buf, size_t n)
{
	pv_sha256_update(&h->h, buf, n);
}

int pv_img_sha256_final(struct pv_img_sha256 *h, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err)
{
	uint8_t md[PV_SHA256_LEN];

	(void)err;
	pv_sha256_final(&h->h, md);
	pv_sha256_to_hex(md, hex);
	return 0;
}

void pv_img_sha256_free(struct pv_img_sha256 *h)
{
	(void)h; /* nothing held: the state is in the struct */
}

int pv_img_sha256_hex(const void *buf, size_t n, char hex[PV_IMG_HEX_LEN + 1], struct pv_err *err)
{
	(void)err;
	pv_sha256_hex(buf, n, hex);
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
