/* Which apiVersion serves which kind, and what to say when it does not. */
#ifndef PV_MANIFESTS_KINDS_H
#define PV_MANIFESTS_KINDS_H

#include "manifests/manifest.h"

enum pv_kind_verdict {
	PV_KIND_OK,      /* *info is the kind */
	PV_KIND_IGNORED, /* valid Kubernetes that podvisor does not run: warn with *msg */
	PV_KIND_BAD,     /* an error: *msg says how to fix it */
};

/* MSG is written into BUF (LEN bytes) when the verdict is not OK. */
enum pv_kind_verdict pv_kind_resolve(const char *api_version, const char *kind,
				     const struct pv_kind_info **info, char *buf, size_t len);

#endif
