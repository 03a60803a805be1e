/* HTTP to a registry through libcurl (the OCI distribution spec's pull
 * side): GET a manifest into memory, GET a blob into a sink, from an
 * offset when part of it is there. Each request goes to the repository's
 * mirrors in order, then to the registry itself, starting at the one that
 * answered last. A 401 is answered once per endpoint: a Bearer challenge
 * with a token from its realm (with Basic credentials when there are
 * some), a Basic challenge with the credentials. Plain http only to the
 * endpoints the caller names insecure; https redirects stay https.
 *
 * Owns: one curl handle, the endpoints and their tokens and credentials.
 * Calls: libcurl (loaded by image_curl.c), common (errors), image_registry.c (challenges, tokens,
 * error bodies, credentials). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/image/image_curl.h"
#include "supervisor/image/image_internal.h"

#define ERROR_BODY_MAX (64 << 10) /* what is kept of a body that is not the answer */
#define CONNECT_TIMEOUT 30L
#define STALL_SECONDS 60L /* a transfer that moves no byte for this long fails */

static const struct pv_curl *C; /* libcurl, once pv_img_fetch_open has loaded it */

#define ACCEPT_MANIFESTS \
	"Accept: application/vnd.oci.image.index.v1+json, " \
	"application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.docker.distribution.manifest.list.v2+json, " \
	"application/vnd.docker.distribution.manifest.v2+json"

struct endpoint {
	char *host;     /* host[:port] */
	char *base;     /* "https://host[:port]" */
	bool http;
	bool mirror;
	struct pv_img_creds creds; /* user NULL: none */
	char *token;    /* the Bearer token, once one was given */
	bool basic;     /* send the credentials as Basic */
};

struct pv_img_fetch {
	char *domain, *repo;
	char where[256];
	struct endpoint *ep;
	size_t n_ep, cap_ep;
	size_t cur; /* the endpoint that answered last */
	CURL *curl;
};

/* One transfer: what is asked, and what came back. */
struct xfer {
	CURL *curl;
	const char *url;
	const char *accept;
	int64_t from;                  /* > 0: a Range request from there */
	const struct pv_img_sink *sink; /* NULL: the answer goes into BODY */
	size_t max;                    /* BODY's limit for a 2xx answer */
	char *body;
	size_t len, cap;
	bool begun, sink_failed, too_large, bad_range;
	long status;
};

static void xfer_clear(struct xfer *x)
{
	free(x->body);
	x->body = NULL;
	x->len = x->cap = 0;
}

const char *pv_img_fetch_where(const struct pv_img_fetch *f)
{
	return f->where;
}

static void where_of(const struct pv_img_fetch *f, const struct endpoint *ep, char *buf,
		     size_t cap)
{
	if (ep->mirror)
		snprintf(buf, cap, "mirror %s of registry %s, repository %s", ep->host, f->domain,
			 f->repo);
	else
		snprintf(buf, cap, "%s", f->where);
}

/* --- receiving ---------------------------------------------------------------------- */

static int append(struct xfer *x, const char *p, size_t n, size_t max)
{
	if (x->len + n > max)
		return -1;
	if (pv_vec_reserve(x->body, x->len, x->cap, n + 1) < 0)
		return -1;
	memcpy(x->body + x->len, p, n);
	x->len += n;
	x->body[x->len] = '\0';
	return 0;
}

/* A 206 must start where it was asked to: "bytes FROM-...". */
static bool range_ok(struct xfer *x)
{
	struct curl_header *h = NULL;
	char want[48];

	if (C->easy_header(x->curl, "Content-Range", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return false;
	snprintf(want, sizeof(want), "bytes %" PRId64 "-", x->from);
	return strncmp(h->value, want, strlen(want)) == 0;
}

static int sink_begin(struct xfer *x)
{
	int64_t at = x->status == 206 ? x->from : 0;

	if (x->status == 206 && !range_ok(x)) {
		x->bad_range = true;
		return -1;
	}
	x->begun = true;
	if (x->sink->begin(x->sink->ctx, at) < 0) {
		x->sink_failed = true;
		return -1;
	}
	return 0;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	C->easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->sink && (x->status == 200 || x->status == 206)) {
		if (!x->begun && sink_begin(x) < 0)
			return 0;
		if (x->sink->data(x->sink->ctx, p, n) < 0) {
			x->sink_failed = true;
			return 0;
		}
		return n;
	}
	if (x->status / 100 == 2 && !x->sink) {
		if (append(x, p, n, x->max) < 0) {
			x->too_large = true;
			return 0;
		}
		return n;
	}
	append(x, p, n, ERROR_BODY_MAX); /* an error's body: what fits */
	return n;
}

/* --- sending ------------------------------------------------------------------------ */

static int setup(struct pv_img_fetch *f, const struct endpoint *ep, struct xfer *x,
		 struct curl_slist **hdrs)
{
	CURL *c = f->curl;
	char range[32];
	CURLcode rc = CURLE_OK;

	C->easy_reset(c);
	x->curl = c;
	if (x->accept)
		*hdrs = C->slist_append(*hdrs, x->accept);
	if (ep && ep->token) {
		cleanup_free char *h = NULL;

		if (asprintf(&h, "Authorization: Bearer %s", ep->token) < 0)
			return -1;
		*hdrs = C->slist_append(*hdrs, h);
	}
	if ((x->accept || (ep && ep->token)) && !*hdrs)
		return -1;
	rc |= C->easy_setopt(c, CURLOPT_URL, x->url);
	rc |= C->easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	rc |= C->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	rc |= C->easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	rc |= C->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= C->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, ep && ep->http ? "http,https" : "https");
	rc |= C->easy_setopt(c, CURLOPT_USERAGENT, "podvisor");
	rc |= C->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= C->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	rc |= C->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	rc |= C->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	rc |= C->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	rc |= C->easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (x->from > 0) {
		snprintf(range, sizeof(range), "%" PRId64 "-", x->from);
		rc |= C->easy_setopt(c, CURLOPT_RANGE, range);
	}
	return rc == CURLE_OK ? 0 : -1;
}

static void use_basic(CURL *c, const struct pv_img_creds *cr)
{
	C->easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	C->easy_setopt(c, CURLOPT_USERNAME, cr->user);
	C->easy_setopt(c, CURLOPT_PASSWORD, cr->pass);
}

/* Run X against EP (NULL: a token server, with CREDS as Basic when not
 * NULL). Fails only when the request could not be made or its answer not
 * taken; X->status says what the server said. WHAT names it in messages. */
static int perform(struct pv_img_fetch *f, const struct endpoint *ep,
		   const struct pv_img_creds *creds, struct xfer *x, const char *what,
		   const char *where, struct pv_err *err)
{
	struct curl_slist *hdrs = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	x->status = 0;
	x->begun = x->sink_failed = x->too_large = x->bad_range = false;
	xfer_clear(x);
	if (setup(f, ep, x, &hdrs) < 0) {
		C->slist_free_all(hdrs);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	C->easy_setopt(f->curl, CURLOPT_ERRORBUFFER, ebuf);
	if (ep && ep->basic)
		use_basic(f->curl, &ep->creds);
	else if (!ep && creds)
		use_basic(f->curl, creds);
	rc = C->easy_perform(f->curl);
	C->slist_free_all(hdrs);
	C->easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (rc == CURLE_OK && x->sink && (x->status == 200 || x->status == 206) && !x->begun)
		sink_begin(x); /* an empty blob */
	if (x->sink_failed)
		return -2; /* the sink said why */
	if (x->too_large)
		return pv_err_set(err, EFBIG, "%s: %s is larger than %zu bytes", where, what,
				  x->max);
	if (x->bad_range)
		return pv_err_set(err, EIO, "%s: %s: the server answered a range request from byte "
				  "%" PRId64 " with another range", where, what, x->from);
	if (rc != CURLE_OK)
		return pv_err_set(err, EIO, "%s: %s: %s%s", where, what,
				  ebuf[0] ? ebuf : C->easy_strerror(rc),
				  rc == CURLE_SSL_CONNECT_ERROR && ep && !ep->http ?
				  " (https failed: a plain http registry needs --insecure)" : "");
	return 0;
}

/* The error of an answer that is not 2xx: its status, and the registry's
 * code from its errors body. */
static int http_error(const struct xfer *x, const char *what, const char *where,
		      struct pv_err *err)
{
	cleanup_free char *code = x->body ? pv_img_registry_error(x->body, x->len) : NULL;
	int e = x->status == 404 ? ENOENT : x->status == 401 || x->status == 403 ? EACCES : EIO;

	return pv_err_set(err, e, "%s: %s: HTTP %ld%s%s", where, what, x->status,
			  code ? " " : "", code ? code : "");
}

/* --- authentication ------------------------------------------------------------------- */

/* Every WWW-Authenticate header of the last answer, joined by ", ". */
static char *challenges_of(CURL *c)
{
	struct curl_header *h = NULL;
	char *all = NULL;
	size_t n = 0;

	if (C->easy_header(c, "WWW-Authenticate", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	n = h->amount;
	for (size_t i = 0; i < n; i++) {
		char *next = NULL;

		if (C->easy_header(c, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) != CURLHE_OK)
			break;
		if (asprintf(&next, "%s%s%s", all ? all : "", all ? ", " : "", h->value) < 0) {
			free(all);
			return NULL;
		}
		free(all);
		all = next;
	}
	return all;
}

static char *token_url(struct pv_img_fetch *f, const struct pv_img_challenge *ch)
{
	cleanup_free char *scope_dflt = NULL;
	const char *scope = ch->scope;
	char *svc = NULL, *sc = NULL, *url = NULL;

	if (!scope && asprintf(&scope_dflt, "repository:%s:pull", f->repo) >= 0)
		scope = scope_dflt;
	if (!scope)
		return NULL;
	svc = ch->service ? C->easy_escape(f->curl, ch->service, 0) : NULL;
	sc = C->easy_escape(f->curl, scope, 0);
	if (sc && (svc || !ch->service) &&
	    asprintf(&url, "%s%cscope=%s%s%s", ch->realm, strchr(ch->realm, '?') ? '&' : '?', sc,
		     svc ? "&service=" : "", svc ? svc : "") < 0)
		url = NULL;
	C->free(svc);
	C->free(sc);
	return url;
}

static int get_token(struct pv_img_fetch *f, struct endpoint *ep, const struct pv_img_challenge *ch,
		     const char *where, struct pv_err *err)
{
	cleanup_free char *url = NULL;
	struct xfer x = { .max = PV_IMG_JSON_MAX };
	char what[320];
	int rc;

	if (strncmp(ch->realm, "https://", 8) != 0 &&
	    !(ep->http && strncmp(ch->realm, "http://", 7) == 0))
		return pv_err_set(err, EACCES, "%s: the token realm \"%.100s\" is not https", where,
				  ch->realm);
	url = token_url(f, ch);
	if (!url)
		return pv_err_set(err, ENOMEM, "out of memory");
	x.url = url;
	snprintf(what, sizeof(what), "token from %.200s", ch->realm);
	rc = perform(f, NULL, ep->creds.user ? &ep->creds : NULL, &x, what, where, err);
	if (rc == 0 && x.status / 100 != 2)
		rc = http_error(&x, what, where, err);
	if (rc == 0) {
		ep->token = pv_img_token_parse(x.body ? x.body : "", x.len, err);
		if (!ep->token)
			rc = pv_err_wrap(err, "%s: %s", where, what);
	}
	xfer_clear(&x);
	return rc < 0 ? -1 : 0;
}

/* Answer the 401 just received; -1 when it cannot be (no credentials, a
 * challenge already answered). */
static int authenticate(struct pv_img_fetch *f, struct endpoint *ep, const char *what,
			const char *where, struct pv_err *err)
{
	cleanup_free char *hdr = challenges_of(f->curl);
	struct pv_img_challenge ch;
	int rc;

	if (ep->token || ep->basic)
		return pv_err_set(err, EACCES, "%s: %s: HTTP 401: %s", where, what,
				  ep->token ? "the token was refused" : "the credentials were refused");
	if (!hdr)
		return pv_err_set(err, EACCES, "%s: %s: HTTP 401 without a WWW-Authenticate "
				  "challenge", where, what);
	if (pv_img_challenge_parse(hdr, &ch, err) < 0)
		return pv_err_wrap(err, "%s: %s: HTTP 401", where, what);
	if (ch.scheme == PV_IMG_AUTH_BEARER) {
		rc = get_token(f, ep, &ch, where, err);
	} else if (!ep->creds.user) {
		rc = pv_err_set(err, EACCES, "%s: %s: HTTP 401: the registry wants credentials, and "
				"there are none for %s (--creds FILE, or STATE/auth.json)", where,
				what, ep->mirror ? ep->host : f->domain);
	} else {
		ep->basic = true;
		rc = 0;
	}
	pv_img_challenge_clear(&ch);
	return rc;
}

/* X against EP, answering one 401; 0 on a 2xx answer. */
static int request(struct pv_img_fetch *f, struct endpoint *ep, struct xfer *x, const char *what,
		   struct pv_err *err)
{
	char where[300];
	int rc;

	where_of(f, ep, where, sizeof(where));
	for (int tries = 0;; tries++) {
		if (x->sink)
			x->from = x->sink->offset(x->sink->ctx);
		rc = perform(f, ep, NULL, x, what, where, err);
		if (rc < 0)
			return rc;
		if (x->status != 401 || tries > 0)
			break;
		if (authenticate(f, ep, what, where, err) < 0)
			return -1;
	}
	if (x->status == 401 && (ep->token || ep->basic))
		return pv_err_set(err, EACCES, "%s: %s: HTTP 401: %s", where, what,
				  ep->token ? "the token was refused" : "the credentials were refused");
	return x->status / 100 == 2 ? 0 : http_error(x, what, where, err);
}

/* X against each endpoint from the one that answered last, until one
 * answers; a sink's failure is not tried again elsewhere. */
static int request_any(struct pv_img_fetch *f, struct xfer *x, const char *what, struct pv_err *err)
{
	int rc = -1;

	for (size_t i = f->cur; i < f->n_ep; i++) {
		cleanup_free char *url = NULL;

		if (asprintf(&url, "%s/v2/%s/%s", f->ep[i].base, f->repo, x->url) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		{
			const char *path = x->url;

			x->url = url;
			rc = request(f, &f->ep[i], x, what, err);
			x->url = path;
		}
		if (rc == 0) {
			f->cur = i;
			return 0;
		}
		if (rc == -2)
			return -1;
	}
	return -1;
}

int pv_img_fetch_manifest(struct pv_img_fetch *f, const char *reference, char **body,
			  size_t *len, char **media_type, struct pv_err *err)
{
	cleanup_free char *path = NULL;
	struct xfer x = { .accept = ACCEPT_MANIFESTS, .max = PV_IMG_JSON_MAX };
	struct curl_header *h = NULL;
	char what[128];

	snprintf(what, sizeof(what), "manifest %s", reference);
	if (asprintf(&path, "manifests/%s", reference) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	x.url = path;
	if (request_any(f, &x, what, err) < 0) {
		xfer_clear(&x);
		return -1;
	}
	*media_type = NULL;
	if (C->easy_header(f->curl, "Content-Type", 0, CURLH_HEADER, -1, &h) == CURLHE_OK)
		*media_type = strndup(h->value, strcspn(h->value, "; \t"));
	if (!x.body && pv_vec_reserve(x.body, x.len, x.cap, 1) == 0)
		x.body[0] = '\0';
	if (!x.body) {
		free(*media_type);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	*body = x.body;
	*len = x.len;
	return 0;
}

int pv_img_fetch_blob(struct pv_img_fetch *f, const char *digest, const struct pv_img_sink *sink,
		      struct pv_err *err)
{
	cleanup_free char *path = NULL;
	struct xfer x = { .sink = sink, .max = 0 };
	char what[128];
	int rc;

	snprintf(what, sizeof(what), "blob %s", digest);
	if (asprintf(&path, "blobs/%s", digest) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	x.url = path;
	rc = request_any(f, &x, what, err);
	xfer_clear(&x);
	return rc;
}

/* --- endpoints -------------------------------------------------------------------------- */

static bool listed(const char *const *list, const char *host)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], host) == 0)
			return true;
	return false;
}

static void endpoint_clear(struct endpoint *ep)
{
	free(ep->host);
	free(ep->base);
	free(ep->token);
	pv_img_creds_clear(&ep->creds);
}

/* SPEC is "host[:port]" or "http[s]://host[:port]" (a path is dropped). */
static int add_endpoint(struct pv_img_fetch *f, const char *spec, bool mirror,
			const struct pv_image_pull_opts *o, const char *creds_path,
			bool creds_given, struct pv_err *err)
{
	struct endpoint ep = { .mirror = mirror };
	const char *host = spec;
	int scheme = 0; /* 1 https, 2 http, as written */

	if (strncmp(spec, "https://", 8) == 0)
		host += 8, scheme = 1;
	else if (strncmp(spec, "http://", 7) == 0)
		host += 7, scheme = 2;
	ep.host = strndup(host, strcspn(host, "/"));
	if (!ep.host)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!ep.host[0] || strpbrk(ep.host, " \t\r\n@?#")) {
		endpoint_clear(&ep);
		return pv_err_set(err, EINVAL, "invalid %s \"%.100s\"", mirror ? "mirror" : "registry",
				  spec);
	}
	ep.http = scheme == 2 || (scheme == 0 && (o->insecure || listed(o->insecure_registries,
									  ep.host)));
	if (asprintf(&ep.base, "%s://%s", ep.http ? "http" : "https",
		     mirror ? ep.host : pv_img_registry_host(ep.host)) < 0 ||
	    pv_vec_push(f->ep, f->n_ep, f->cap_ep, ep) < 0) {
		endpoint_clear(&ep);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	if (pv_img_creds_load(creds_path, creds_given, ep.host, &f->ep[f->n_ep - 1].creds, err) < 0)
		return -1;
	return 0;
}

void pv_img_fetch_close(struct pv_img_fetch *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_ep; i++)
		endpoint_clear(&f->ep[i]);
	free(f->ep);
	free(f->domain);
	free(f->repo);
	if (f->curl)
		C->easy_cleanup(f->curl);
	free(f);
}

static int fetch_endpoints(struct pv_img_fetch *f, const struct pv_image_pull_opts *o,
			   const char *state_dir, struct pv_err *err)
{
	cleanup_free char *dflt = NULL;
	const char *creds = o->creds_file;

	if (!creds && asprintf(&dflt, "%s/auth.json", state_dir) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!creds)
		creds = dflt;
	for (size_t i = 0; o->mirrors && o->mirrors[i]; i++)
		if (add_endpoint(f, o->mirrors[i], true, o, creds, o->creds_file != NULL, err) < 0)
			return -1;
	return add_endpoint(f, f->domain, false, o, creds, o->creds_file != NULL, err);
}

int pv_img_fetch_open(const char *name, const struct pv_image_pull_opts *o,
		      const char *state_dir, struct pv_img_fetch **out, struct pv_err *err)
{
	struct pv_img_fetch *f = calloc(1, sizeof(*f));

	if (!f)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (pv_img_name_split(name, &f->domain, &f->repo, err) < 0)
		goto fail;
	snprintf(f->where, sizeof(f->where), "registry %s, repository %s", f->domain, f->repo);
	if (!C && !(C = pv_curl_load(err)))
		goto fail;
	if (!(f->curl = C->easy_init())) {
		pv_err_set(err, ENOMEM, "cannot initialise libcurl");
		goto fail;
	}
	if (fetch_endpoints(f, o, state_dir, err) < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	pv_img_fetch_close(f);
	return -1;
}
