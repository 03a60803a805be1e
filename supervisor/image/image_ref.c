/* Image references, parsed and normalized the way Kubernetes hands them to
 * containerd (distribution/reference's ParseDockerRef):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path ("/" path)*      at most 255 bytes
 *   domain     := host [ ":" port ]   a first component is a domain when it
 *                 has a "." or ":", is "localhost", or has an uppercase letter
 *   path       := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest     := "sha256:" 64 hex | "sha384:" 96 hex | "sha512:" 128 hex
 *
 * A missing domain is docker.io, a one-component docker.io path gets
 * "library/", index.docker.io is docker.io, no tag and no digest is
 * ":latest", and a tag next to a digest is dropped. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/image/image.h"
#include "supervisor/image/image_internal.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128
#define REF_MAX_LEN 4096
#define FILENAME_MAX_LEN 200

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One path component: alnum runs joined by ".", "_", "__" or "-"+. */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && is_lower_alnum(s[i]))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.' || s[i] == '_') {
			i += (s[i] == '_' && i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false; /* a separator must be followed by alnum */
	}
	return false;
}

static bool host_label_ok(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool port_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool domain_ok(const char *d)
{
	const char *end;

	if (d[0] == '[') { /* IPv6 literal */
		end = strchr(d, ']');
		if (!end || end == d + 1)
			return false;
		for (const char *p = d + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return false;
		return end[1] == '\0' || (end[1] == ':' && port_ok(end + 2));
	}
	end = d + strcspn(d, ":");
	for (const char *p = d; p <= end;) {
		size_t n = strcspn(p, ".:");

		if (p + n > end)
			n = (size_t)(end - p);
		if (!host_label_ok(p, n))
			return false;
		p += n + 1;
	}
	return *end == '\0' || port_ok(end + 1);
}

static int digest_ok(const char *digest, const char *ref, struct pv_err *err)
{
	static const struct {
		const char *alg;
		size_t hex;
	} algs[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
	const char *colon = strchr(digest, ':');

	if (!colon || colon == digest)
		return pv_err_set(err, EINVAL, "invalid image reference \"%s\": invalid digest",
				  ref);
	for (size_t i = 0; i < PV_ARRAY_SIZE(algs); i++) {
		size_t alen = strlen(algs[i].alg);

		if ((size_t)(colon - digest) != alen || strncmp(digest, algs[i].alg, alen) != 0)
			continue;
		if (strlen(colon + 1) != algs[i].hex || !is_lower_hex(colon + 1, algs[i].hex))
			return pv_err_set(err, EINVAL,
					  "invalid image reference \"%s\": a %s digest is %zu "
					  "lowercase hex digits", ref, algs[i].alg, algs[i].hex);
		return 0;
	}
	return pv_err_set(err, EINVAL,
			  "invalid image reference \"%s\": unsupported digest algorithm \"%.*s\"",
			  ref, (int)(colon - digest), digest);
}

static int tag_ok(const char *tag, const char *ref, struct pv_err *err)
{
	size_t n = strlen(tag);

	if (n == 0 || n > TAG_MAX_LEN || !is_word(tag[0]))
		goto bad;
	for (size_t i = 1; i < n; i++)
		if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
			goto bad;
	return 0;
bad:
	return pv_err_set(err, EINVAL, "invalid image reference \"%s\": invalid tag \"%s\" (a tag "
			  "is up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)", ref, tag);
}

static int path_ok(const char *path, const char *ref, struct pv_err *err)
{
	for (const char *p = path; *p; p++)
		if (isupper((unsigned char)*p))
			return pv_err_set(err, EINVAL,
					  "invalid image reference \"%s\": repository name \"%s\" "
					  "must be lowercase", ref, path);
	for (const char *p = path;;) {
		size_t n = strcspn(p, "/");

		if (!path_component_ok(p, n))
			return pv_err_set(err, EINVAL,
					  "invalid image reference \"%s\": invalid repository name "
					  "component \"%.*s\"", ref, (int)n, p);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static bool is_domain(const char *first, size_t n)
{
	if (n == 9 && strncmp(first, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (first[i] == '.' || first[i] == ':' || isupper((unsigned char)first[i]))
			return true;
	return false;
}

/* NAME (no tag, no digest) -> "domain/path", validated. */
static char *normalize_name(const char *name, const char *ref, struct pv_err *err)
{
	const char *slash = strchr(name, '/');
	cleanup_free char *domain = NULL;
	const char *path = name;
	char *out = NULL;

	if (slash && is_domain(name, (size_t)(slash - name))) {
		domain = strndup(name, (size_t)(slash - name));
		path = slash + 1;
	} else {
		domain = strdup("docker.io");
	}
	if (!domain)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (strcmp(domain, "index.docker.io") == 0)
		strcpy(domain, "docker.io");
	if (!domain_ok(domain))
		return pv_err_set(err, EINVAL, "invalid image reference \"%s\": invalid registry "
				  "\"%s\"", ref, domain), NULL;
	if (path_ok(path, ref, err) < 0)
		return NULL;
	if (asprintf(&out, "%s/%s%s", domain,
		     strcmp(domain, "docker.io") == 0 && !strchr(path, '/') ? "library/" : "",
		     path) < 0)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (strlen(out) > NAME_MAX_LEN) {
		free(out);
		return pv_err_set(err, EINVAL, "invalid image reference \"%s\": repository name "
				  "longer than %d characters", ref, NAME_MAX_LEN), NULL;
	}
	return out;
}

static int check_chars(const char *ref, struct pv_err *err)
{
	size_t n = strlen(ref);

	if (n == 0)
		return pv_err_set(err, EINVAL, "invalid image reference: empty");
	if (n > REF_MAX_LEN)
		return pv_err_set(err, EINVAL, "invalid image reference: longer than %d bytes",
				  REF_MAX_LEN);
	for (const char *p = ref; *p; p++) {
		if (isspace((unsigned char)*p))
			return pv_err_set(err, EINVAL, "invalid image reference \"%s\": contains "
					  "whitespace", ref);
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return pv_err_set(err, EINVAL, "invalid image reference: contains a "
					  "control or non-ASCII byte");
	}
	if (n == PV_IMG_HEX_LEN && is_lower_hex(ref, n))
		return pv_err_set(err, EINVAL, "invalid image reference \"%s\": a 64-digit hex "
				  "string is an image ID, not a name", ref);
	return 0;
}

/* Split COPY (modified) into name, tag and digest. */
static int split_ref(char *copy, const char *ref, char **name, char **tag, char **digest,
		     struct pv_err *err)
{
	char *at = strchr(copy, '@');
	char *slash, *colon;

	*tag = *digest = NULL;
	if (at) {
		*at = '\0';
		*digest = at + 1;
		if (digest_ok(*digest, ref, err) < 0)
			return -1;
	}
	slash = strrchr(copy, '/');
	colon = strrchr(slash ? slash : copy, ':');
	if (colon) {
		*colon = '\0';
		*tag = colon + 1;
		if (tag_ok(*tag, ref, err) < 0)
			return -1;
	}
	*name = copy;
	if (!**name)
		return pv_err_set(err, EINVAL, "invalid image reference \"%s\": no repository "
				  "name", ref);
	return 0;
}

int pv_image_ref_parse(const char *ref, struct pv_image_ref *out, struct pv_err *err)
{
	cleanup_free char *copy = NULL;
	char *name, *tag, *digest;
	struct pv_image_ref r = { NULL, NULL, NULL };

	if (!ref)
		return pv_err_set(err, EINVAL, "invalid image reference: empty");
	if (check_chars(ref, err) < 0)
		return -1;
	copy = strdup(ref);
	if (!copy)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (split_ref(copy, ref, &name, &tag, &digest, err) < 0)
		return -1;
	r.name = normalize_name(name, ref, err);
	if (!r.name)
		return -1;
	if (digest)
		r.digest = strdup(digest);
	else
		r.tag = strdup(tag ? tag : "latest");
	if (!r.digest && !r.tag) {
		pv_image_ref_clear(&r);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

void pv_image_ref_clear(struct pv_image_ref *r)
{
	free(r->name);
	free(r->tag);
	free(r->digest);
	r->name = r->tag = r->digest = NULL;
}

char *pv_image_ref_format(const struct pv_image_ref *r)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s%s", r->name, r->digest ? "@" : ":",
		     r->digest ? r->digest : r->tag) < 0)
		return NULL;
	return out;
}

char *pv_image_ref_normalize(const char *ref, struct pv_err *err)
{
	struct pv_image_ref r;
	char *out;

	if (pv_image_ref_parse(ref, &r, err) < 0)
		return NULL;
	out = pv_image_ref_format(&r);
	pv_image_ref_clear(&r);
	if (!out)
		pv_err_set(err, ENOMEM, "out of memory");
	return out;
}

char *pv_image_ref_filename(const char *normalized)
{
	static const char hexdigits[] = "0123456789ABCDEF";
	size_t n = strlen(normalized);
	char *out = malloc(n * 3 + sizeof(".json"));
	char hex[PV_IMG_HEX_LEN + 1];
	char *p = out;

	if (!out)
		return NULL;
	for (const unsigned char *s = (const unsigned char *)normalized; *s; s++) {
		if (isalnum(*s) || *s == '.' || *s == '_' || *s == '-') {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hexdigits[*s >> 4];
			*p++ = hexdigits[*s & 15];
		}
	}
	strcpy(p, ".json");
	if (strlen(out) <= FILENAME_MAX_LEN)
		return out;
	/* Escaped references always contain "%2F"; "long-" names never do. */
	if (pv_img_sha256_hex(normalized, n, hex, NULL) < 0) {
		free(out);
		return NULL;
	}
	snprintf(out, n * 3 + sizeof(".json"), "long-%s.json", hex);
	return out;
}
