#define PV_LIBARCHIVE_IMPL
#include "supervisor/image/image_libarchive.h"

#ifndef PV_LINK_LIBARCHIVE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static struct pv_libarchive api;
static void *handle;

const struct pv_libarchive *pv_libarchive(void)
{
	if (handle)
		return &api;
	if (!(handle = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL))) {
		fprintf(stderr, "podvisor: images need libarchive (Debian: libarchive13): %s\n", dlerror());
		exit(1);
	}
	/* POSIX: a data pointer from dlsym converts to the function's */
#define PV_LIBARCHIVE_LOAD(fn) \
	if (!(*(void **)&api.fn = dlsym(handle, #fn))) { \
		fprintf(stderr, "podvisor: libarchive has no %s\n", #fn); \
		exit(1); \
	}
	PV_LIBARCHIVE_FNS(PV_LIBARCHIVE_LOAD)
#undef PV_LIBARCHIVE_LOAD
	return &api;
}
#endif
