#include "common/base64.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

unsigned char *pv_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *out = n < INT_MAX / 2 ? malloc(n / 4 * 3 + 4) : NULL;
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int a = 0, b = 0;

	/* EVP_DecodeUpdate skips the line breaks Go's decoder skips too. */
	if (!out || !ctx)
		goto fail;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &a, (const unsigned char *)s, (int)n) < 0 ||
	    EVP_DecodeFinal(ctx, out + a, &b) < 0)
		goto fail;
	EVP_ENCODE_CTX_free(ctx);
	*len = (size_t)(a + b);
	out[*len] = '\0';
	return out;
fail:
	EVP_ENCODE_CTX_free(ctx);
	free(out);
	return NULL;
}
