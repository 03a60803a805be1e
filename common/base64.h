/* Standard base64 decoding (through OpenSSL), for Secret data and
 * ConfigMap binaryData, which the loader has already checked. */
#ifndef PV_COMMON_BASE64_H
#define PV_COMMON_BASE64_H

#include <stddef.h>

/* Decode S; returns a malloc'd buffer, NUL-terminated for convenience,
 * and its length in *LEN; NULL when S is not base64 or memory is short. */
unsigned char *pv_base64_decode(const char *s, size_t *len);

#endif
