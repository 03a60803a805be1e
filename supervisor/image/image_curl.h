/* libcurl, loaded when a pull first needs it (dlopen), not linked: its
 * two dozen libraries (TLS, Kerberos, LDAP, IDN, ...) would otherwise load
 * with every run of podvisor, doubling a CLI call's 3.5 ms and adding to
 * the daemon's memory, for the one command that talks to registries.
 * systemd loads its optional libraries the same way.
 *
 * Built with -DPV_CURL_STATIC (make static), libcurl is linked instead:
 * pv_curl_load hands out its own functions.
 *
 * Owns: the handle of the loaded library and its entry points.
 * Calls: libc (dlopen), common (errors). */
#ifndef PV_SUPERVISOR_IMAGE_CURL_H
#define PV_SUPERVISOR_IMAGE_CURL_H

#include <curl/curl.h>

#include "common/err.h"

/* The entry points of libcurl that image_fetch.c uses, as libcurl
 * declares them. */
struct pv_curl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_reset)(CURL *c);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*free)(void *p);
	CURLHcode (*easy_header)(CURL *c, const char *name, size_t index, unsigned int origin,
				 int request, struct curl_header **h);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* libcurl's entry points, loaded once (libcurl.so.4, else
 * libcurl-gnutls.so.4), with curl_global_init done; NULL with ERR set
 * when it is not installed or too old (curl_easy_header: 7.84). With
 * PV_CURL_STATIC, the linked libcurl's, after curl_global_init. */
const struct pv_curl *pv_curl_load(struct pv_err *err);

#endif
