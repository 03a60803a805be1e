#include "supervisor/image/image_curl.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef PV_CURL_STATIC

/* make static: libcurl is linked in (a static binary cannot dlopen). */
static const struct pv_curl api = {
	.global_init = curl_global_init,
	.easy_init = curl_easy_init,
	.easy_setopt = curl_easy_setopt,
	.easy_perform = curl_easy_perform,
	.easy_getinfo = curl_easy_getinfo,
	.easy_reset = curl_easy_reset,
	.easy_cleanup = curl_easy_cleanup,
	.easy_strerror = curl_easy_strerror,
	.easy_escape = curl_easy_escape,
	.free = curl_free,
	.easy_header = curl_easy_header,
	.slist_append = curl_slist_append,
	.slist_free_all = curl_slist_free_all,
};
static bool loaded;

const struct pv_curl *pv_curl_load(struct pv_err *err)
{
	if (loaded)
		return &api;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pv_err_set(err, ENOMEM, "cannot initialise libcurl");
		return NULL;
	}
	loaded = true;
	return &api;
}

#else

#include <dlfcn.h>

static struct pv_curl api;
static bool loaded;

/* The names, in the order of struct pv_curl's members. */
static const struct {
	const char *name;
	size_t off;
} syms[] = {
	{ "curl_global_init", offsetof(struct pv_curl, global_init) },
	{ "curl_easy_init", offsetof(struct pv_curl, easy_init) },
	{ "curl_easy_setopt", offsetof(struct pv_curl, easy_setopt) },
	{ "curl_easy_perform", offsetof(struct pv_curl, easy_perform) },
	{ "curl_easy_getinfo", offsetof(struct pv_curl, easy_getinfo) },
	{ "curl_easy_reset", offsetof(struct pv_curl, easy_reset) },
	{ "curl_easy_cleanup", offsetof(struct pv_curl, easy_cleanup) },
	{ "curl_easy_strerror", offsetof(struct pv_curl, easy_strerror) },
	{ "curl_easy_escape", offsetof(struct pv_curl, easy_escape) },
	{ "curl_free", offsetof(struct pv_curl, free) },
	{ "curl_easy_header", offsetof(struct pv_curl, easy_header) },
	{ "curl_slist_append", offsetof(struct pv_curl, slist_append) },
	{ "curl_slist_free_all", offsetof(struct pv_curl, slist_free_all) },
};

const struct pv_curl *pv_curl_load(struct pv_err *err)
{
	static const char *const libs[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
	char first[256] = "";
	void *h = NULL;

	if (loaded)
		return &api;
	for (size_t i = 0; !h && i < sizeof(libs) / sizeof(libs[0]); i++) {
		h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
		if (!h && !first[0])
			snprintf(first, sizeof(first), "%s", dlerror());
	}
	if (!h) {
		pv_err_set(err, ENOENT, "pulling images needs libcurl (Debian: libcurl4): %s", first);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			pv_err_set(err, ENOSYS, "libcurl has no %s (7.84 or later is needed)", syms[i].name);
			dlclose(h);
			return NULL;
		}
		/* POSIX: a data pointer from dlsym converts to the function's */
		*(void **)((char *)&api + syms[i].off) = f;
	}
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pv_err_set(err, ENOMEM, "cannot initialise libcurl");
		dlclose(h);
		return NULL;
	}
	loaded = true; /* h stays open for the rest of the process */
	return &api;
}

#endif
