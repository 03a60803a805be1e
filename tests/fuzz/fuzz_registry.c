/* libFuzzer target: any bytes as what a registry or a credentials file
 * says, through supervisor/image/image_registry.c: the first byte picks
 * the parser, the rest is its input: a WWW-Authenticate header, a token
 * server's answer, a registry's JSON errors body, Docker's config.json
 * (asked for a registry with a port, and for docker.io). Must never
 * crash, leak, or take unbounded time or memory; what a parser accepts
 * must hold what it promises (a Bearer challenge has a realm, credentials
 * have both halves, an error is one printable line). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/image/image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pv_err err;

static void challenge(const char *s)
{
	struct pv_img_challenge ch;

	if (pv_img_challenge_parse(s, &ch, &err) < 0)
		return;
	if (ch.scheme == PV_IMG_AUTH_NONE || (ch.scheme == PV_IMG_AUTH_BEARER && !ch.realm))
		abort();
	pv_img_challenge_clear(&ch);
}

static void error_body(const char *s, size_t n)
{
	char *e = pv_img_registry_error(s, n);

	for (const char *p = e; p && *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
	free(e);
}

static void creds(const char *s, size_t n, const char *registry)
{
	struct pv_img_creds c;

	if (pv_img_creds_find(s, n, registry, &c, &err) == 0 && (!c.user || !c.pass))
		abort();
	pv_img_creds_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > (1 << 16))
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		challenge(s);
		break;
	case 1:
		free(pv_img_token_parse(s, size - 1, &err));
		break;
	case 2:
		error_body(s, size - 1);
		break;
	default:
		creds(s, size - 1, "127.0.0.1:5000");
		creds(s, size - 1, "docker.io");
		break;
	}
	free(s);
	return 0;
}
