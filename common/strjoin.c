#include "common/strjoin.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *pv_strjoin(const char *const *v, size_t n, const char *sep)
{
	size_t seplen = strlen(sep), len = 1, off = 0;
	char *out;

	for (size_t i = 0; i < n; i++) {
		size_t add = strlen(v[i]) + (i ? seplen : 0);

		if (add > SIZE_MAX - len) {
			errno = ENOMEM;
			return NULL;
		}
		len += add;
	}
	out = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);

		if (i) {
			memcpy(out + off, sep, seplen);
			off += seplen;
		}
		memcpy(out + off, v[i], l);
		off += l;
	}
	out[off] = '\0';
	return out;
}

char *pv_strjoin_v(const char *const *v, const char *sep)
{
	size_t n = 0;

	while (v[n])
		n++;
	return pv_strjoin(v, n, sep);
}
