/* What a registry says and what a pull needs to answer it, as pure
 * functions over text (no network, no files but the credentials file):
 * WWW-Authenticate challenges (RFC 7235), a token server's answer (the
 * distribution token spec), a registry's JSON errors body, credentials in
 * Docker's config.json format (and several put together for one pull: a
 * pod's imagePullSecrets, then the node's file), and a repository name
 * split into its registry and its path.
 *
 * Owns nothing beyond what it returns. Calls: common (base64, errors),
 * json-c, image_oci.c (pv_img_json_object), image_fs.c (reading a file). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "supervisor/image/image_internal.h"

#define CREDS_MAX (1 << 20)

/* --- WWW-Authenticate -------------------------------------------------------- */

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+.^_`|~-", c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A token at P: its length (0 when there is none). */
static size_t token_len(const char *p)
{
	size_t n = 0;

	while (is_tchar(p[n]))
		n++;
	return n;
}

/* A quoted-string at P (after the opening quote): the unescaped value,
 * and *END after the closing quote; NULL when it is not closed. */
static char *quoted_value(const char *p, const char **end)
{
	char *out = malloc(strlen(p) + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[n++] = *p;
	}
	if (*p != '"') {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*end = p + 1;
	return out;
}

static void challenge_set(struct pv_img_challenge *c, const char *name, size_t n, char *value)
{
	char **slot = NULL;

	if (n == 5 && strncasecmp(name, "realm", 5) == 0)
		slot = &c->realm;
	else if (n == 7 && strncasecmp(name, "service", 7) == 0)
		slot = &c->service;
	else if (n == 5 && strncasecmp(name, "scope", 5) == 0)
		slot = &c->scope;
	if (slot && !*slot) {
		*slot = value;
		return;
	}
	free(value);
}

/* One auth-param "name=value" at *PP, into C (unknown names dropped). */
static int parse_param(const char **pp, struct pv_img_challenge *c, struct pv_err *err)
{
	const char *p = *pp, *name = p;
	size_t n = token_len(p);
	char *value;

	p = skip_ws(p + n);
	if (!n || *p != '=')
		return pv_err_set(err, EINVAL, "WWW-Authenticate: expected name=value at \"%.40s\"",
				  name);
	p = skip_ws(p + 1);
	if (*p == '"') {
		value = quoted_value(p + 1, &p);
		if (!value)
			return pv_err_set(err, EINVAL, "WWW-Authenticate: unterminated quoted "
					  "string");
	} else { /* a token; any bytes up to a comma or a space, leniently */
		size_t vn = strcspn(p, ", \t\"");

		if (!vn)
			return pv_err_set(err, EINVAL, "WWW-Authenticate: no value for %.*s",
					  (int)n, name);
		value = strndup(p, vn);
		p += vn;
	}
	if (!value)
		return pv_err_set(err, ENOMEM, "out of memory");
	challenge_set(c, name, n, value);
	*pp = p;
	return 0;
}

/* After a comma: is the next thing a new challenge (a scheme not
 * followed by "=")? */
static bool next_is_scheme(const char *p)
{
	size_t n = token_len(p);

	return n && *skip_ws(p + n) != '=';
}

static enum pv_img_auth_scheme scheme_of(const char *p, size_t n)
{
	if (n == 6 && strncasecmp(p, "Bearer", 6) == 0)
		return PV_IMG_AUTH_BEARER;
	if (n == 5 && strncasecmp(p, "Basic", 5) == 0)
		return PV_IMG_AUTH_BASIC;
	return PV_IMG_AUTH_NONE;
}

/* One challenge at *PP: a scheme and its comma-separated parameters, up
 * to the next challenge (a scheme not followed by "=") or the end. */
static int parse_one(const char **pp, struct pv_img_challenge *c, struct pv_err *err)
{
	const char *p = skip_ws(*pp);
	size_t n = token_len(p);
	bool first = true;

	if (!n)
		return pv_err_set(err, EINVAL, "WWW-Authenticate: expected an auth scheme at "
				  "\"%.40s\"", p);
	c->scheme = scheme_of(p, n);
	p = skip_ws(p + n);
	for (;; first = false) {
		if (!first || *p == ',') {
			if (!*p)
				break;
			if (*p != ',')
				return pv_err_set(err, EINVAL, "WWW-Authenticate: expected \",\" at "
						  "\"%.40s\"", p);
			while (*p == ',')
				p = skip_ws(p + 1);
			if (!*p || next_is_scheme(p))
				break;
		} else if (!*p) {
			break;
		}
		if (parse_param(&p, c, err) < 0)
			return -1;
		p = skip_ws(p);
	}
	*pp = p;
	return 0;
}

void pv_img_challenge_clear(struct pv_img_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

int pv_img_challenge_parse(const char *header, struct pv_img_challenge *out, struct pv_err *err)
{
	const char *p = header;

	memset(out, 0, sizeof(*out));
	while (*(p = skip_ws(p))) {
		struct pv_img_challenge c = { PV_IMG_AUTH_NONE, NULL, NULL, NULL };

		if (*p == ',') {
			p++;
			continue;
		}
		if (parse_one(&p, &c, err) < 0) {
			pv_img_challenge_clear(&c);
			pv_img_challenge_clear(out);
			return -1;
		}
		/* Bearer wins over Basic; the first of a kind wins. */
		if (c.scheme > out->scheme) {
			pv_img_challenge_clear(out);
			*out = c;
		} else {
			pv_img_challenge_clear(&c);
		}
	}
	if (out->scheme == PV_IMG_AUTH_NONE)
		return pv_err_set(err, ENOTSUP, "WWW-Authenticate: no Bearer or Basic challenge in "
				  "\"%.80s\"", header);
	if (out->scheme == PV_IMG_AUTH_BEARER && !out->realm) {
		pv_img_challenge_clear(out);
		return pv_err_set(err, EINVAL, "WWW-Authenticate: a Bearer challenge without a "
				  "realm");
	}
	return 0;
}

/* --- token server and error bodies --------------------------------------------- */

char *pv_img_token_parse(const char *text, size_t len, struct pv_err *err)
{
	cleanup_json struct json_object *o = pv_img_json_object(text, len, "token answer", err);
	static const char *const keys[] = { "token", "access_token" };
	struct json_object *v = NULL;

	if (!o)
		return NULL;
	for (size_t i = 0; i < PV_ARRAY_SIZE(keys); i++) {
		if (json_object_object_get_ex(o, keys[i], &v) &&
		    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) {
			char *tok = strdup(json_object_get_string(v));

			if (!tok)
				pv_err_set(err, ENOMEM, "out of memory");
			return tok;
		}
	}
	return pv_err_set(err, EINVAL, "token answer: no \"token\" or \"access_token\""), NULL;
}

/* Printable ASCII only, at most MAX bytes: what a registry says goes
 * into one line of an error. */
static void clean_copy(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < cap; src++)
		dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[n] = '\0';
}

char *pv_img_registry_error(const char *text, size_t len)
{
	cleanup_json struct json_object *o = pv_img_json_object(text, len, "errors", NULL);
	struct json_object *list = NULL, *e, *code = NULL, *msg = NULL;
	char c[64], m[160];
	char *out = NULL;

	if (!o || !json_object_object_get_ex(o, "errors", &list) ||
	    !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0)
		return NULL;
	e = json_object_array_get_idx(list, 0);
	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_string))
		return NULL;
	clean_copy(c, sizeof(c), json_object_get_string(code));
	if (json_object_object_get_ex(e, "message", &msg) &&
	    json_object_is_type(msg, json_type_string))
		clean_copy(m, sizeof(m), json_object_get_string(msg));
	else
		m[0] = '\0';
	if (asprintf(&out, "%s%s%s%s", c, m[0] ? " (" : "", m, m[0] ? ")" : "") < 0)
		return NULL;
	return out;
}

/* --- credentials ----------------------------------------------------------------- */

void pv_img_creds_clear(struct pv_img_creds *c)
{
	if (c->pass)
		explicit_bzero(c->pass, strlen(c->pass));
	free(c->user);
	free(c->pass);
	c->user = c->pass = NULL;
}

/* The registry a key of "auths" names: "https://host:port/v1/" is "host:port". */
static bool key_names(const char *key, const char *registry)
{
	const char *p = key;
	size_t n;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	n = strcspn(p, "/");
	if (strlen(registry) == n && strncmp(p, registry, n) == 0)
		return true;
	/* Docker Hub's credentials are kept under index.docker.io. */
	return strcmp(registry, "docker.io") == 0 &&
	       ((n == 15 && strncmp(p, "index.docker.io", n) == 0) ||
		(n == 20 && strncmp(p, "registry-1.docker.io", n) == 0));
}

static int creds_from_auth(const char *b64, struct pv_img_creds *out, const char *registry,
			   struct pv_err *err)
{
	size_t len = 0;
	unsigned char *raw = pv_base64_decode(b64, &len);
	char *colon = raw ? memchr(raw, ':', len) : NULL;

	if (!colon || memchr(raw, '\0', len)) {
		free(raw);
		return pv_err_set(err, EINVAL, "credentials for %s: \"auth\" is not base64 of "
				  "user:password", registry);
	}
	*colon = '\0';
	out->user = strdup((char *)raw);
	out->pass = strdup(colon + 1);
	explicit_bzero(raw, len);
	free(raw);
	return out->user && out->pass ? 0 : pv_err_set(err, ENOMEM, "out of memory");
}

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}

static int creds_from_entry(struct json_object *e, const char *registry,
			    struct pv_img_creds *out, struct pv_err *err)
{
	const char *auth = str_field(e, "auth");
	const char *user = str_field(e, "username"), *pass = str_field(e, "password");

	if (!json_object_is_type(e, json_type_object))
		return pv_err_set(err, EINVAL, "credentials for %s: not an object", registry);
	if (auth)
		return creds_from_auth(auth, out, registry, err);
	if (!user || !pass)
		return pv_err_set(err, EINVAL, "credentials for %s: neither \"auth\" nor "
				  "\"username\" and \"password\"", registry);
	out->user = strdup(user);
	out->pass = strdup(pass);
	return out->user && out->pass ? 0 : pv_err_set(err, ENOMEM, "out of memory");
}

int pv_img_creds_find(const char *text, size_t len, const char *registry,
		      struct pv_img_creds *out, struct pv_err *err)
{
	cleanup_json struct json_object *o = pv_img_json_object(text, len, "credentials", err);
	struct json_object *auths = NULL;
	int rc = 1;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	if (!json_object_object_get_ex(o, "auths", &auths) || !auths)
		return 1;
	if (!json_object_is_type(auths, json_type_object))
		return pv_err_set(err, EINVAL, "credentials: \"auths\" is not an object");
	json_object_object_foreach(auths, key, val) {
		if (rc != 1 || !key_names(key, registry))
			continue;
		rc = creds_from_entry(val, registry, out, err);
	}
	if (rc < 0)
		pv_img_creds_clear(out);
	return rc;
}

int pv_img_creds_load(const char *path, bool must_exist, const char *registry,
		      struct pv_img_creds *out, struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (pv_img_read_at(AT_FDCWD, path, CREDS_MAX, &buf, &len, err) < 0) {
		if (!must_exist && err && err->code == ENOENT)
			return 1;
		return pv_err_wrap(err, "credentials file");
	}
	rc = pv_img_creds_find(buf, len, registry, out, err);
	explicit_bzero(buf, len);
	if (rc < 0)
		pv_err_wrap(err, "%s", path);
	return rc;
}

/* --- credentials put together (image.h) --------------------------------------- */

struct pv_image_auths {
	struct json_object *auths;
};

struct pv_image_auths *pv_image_auths_new(void)
{
	struct pv_image_auths *a = calloc(1, sizeof(*a));

	if (a && !(a->auths = json_object_new_object())) {
		free(a);
		return NULL;
	}
	return a;
}

void pv_image_auths_free(struct pv_image_auths *a)
{
	if (!a)
		return;
	json_object_put(a->auths);
	free(a);
}

size_t pv_image_auths_count(const struct pv_image_auths *a)
{
	return (size_t)json_object_object_length(a->auths);
}

/* MAP's entries, every one checked as a pull would read it. */
static int auths_check(struct json_object *map, struct pv_err *err)
{
	json_object_object_foreach(map, key, val) {
		struct pv_img_creds c = { NULL, NULL };
		int rc = creds_from_entry(val, key, &c, err);

		pv_img_creds_clear(&c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int pv_image_auths_add(struct pv_image_auths *a, const char *text, size_t len, bool dockercfg,
		       struct pv_err *err)
{
	cleanup_json struct json_object *o = pv_img_json_object(text, len, dockercfg ? ".dockercfg"
									: "config.json", err);
	struct json_object *map = o;
	int added = 0;

	if (!o)
		return -1;
	if (!dockercfg && !json_object_object_get_ex(o, "auths", &map))
		return 0;
	if (!json_object_is_type(map, json_type_object))
		return pv_err_set(err, EINVAL, "\"auths\" is not an object");
	if (auths_check(map, err) < 0)
		return -1;
	json_object_object_foreach(map, key, val) {
		if (json_object_object_get_ex(a->auths, key, NULL))
			continue; /* an earlier source's wins */
		if (json_object_object_add(a->auths, key, json_object_get(val)) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		added++;
	}
	return added;
}

int pv_image_auths_add_file(struct pv_image_auths *a, const char *path, bool must_exist,
			    struct pv_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len;
	int rc;

	if (pv_img_read_at(AT_FDCWD, path, CREDS_MAX, &buf, &len, err) < 0) {
		if (!must_exist && err && err->code == ENOENT)
			return 0;
		return pv_err_wrap(err, "credentials file");
	}
	rc = pv_image_auths_add(a, buf, len, false, err);
	explicit_bzero(buf, len);
	if (rc < 0)
		pv_err_wrap(err, "%s", path);
	return rc;
}

char *pv_image_auths_text(const struct pv_image_auths *a)
{
	cleanup_json struct json_object *o = json_object_new_object();
	const char *s;

	if (!o || json_object_object_add(o, "auths", json_object_get(a->auths)) < 0)
		return NULL;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return s ? strdup(s) : NULL;
}

/* --- names ---------------------------------------------------------------------------- */

int pv_img_name_split(const char *name, char **domain, char **repo, struct pv_err *err)
{
	const char *slash = strchr(name, '/');

	*domain = *repo = NULL;
	if (!slash || slash == name || !slash[1])
		return pv_err_set(err, EINVAL, "image name %s has no registry", name);
	*domain = strndup(name, (size_t)(slash - name));
	*repo = strdup(slash + 1);
	if (!*domain || !*repo) {
		free(*domain);
		free(*repo);
		*domain = *repo = NULL;
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

const char *pv_img_registry_host(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
}
