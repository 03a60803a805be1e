/* The proxy modes by name, as `--proxy-mode` (and kube-proxy's `mode`)
 * takes them: "iptables", the default, and "nftables". The only module
 * that knows every backend, so that the Service model above it knows
 * none.
 *
 * Owns: the table of backends. Calls: netrules/proxier.h and each
 * backend's header (netrules/iptables/iptables.h,
 * netrules/nftables/nftables.h). */
#ifndef PV_NETRULES_PROXYMODE_H
#define PV_NETRULES_PROXYMODE_H

#include <stddef.h>

#include "common/err.h"
#include "netrules/proxier.h"

#define PV_PROXY_MODE_DEFAULT "iptables"

/* The backend for mode NAME (NULL or "": the default); NULL when there is
 * no such mode. */
const struct pv_proxier_ops *pv_proxy_mode(const char *name);
/* The Nth mode's name, in the order `--help` would list them; NULL past
 * the last. */
const char *pv_proxy_mode_name(size_t n);
/* A proxier for mode NAME; NULL with ERR (EINVAL naming the modes there
 * are, when NAME is not one). */
struct pv_proxier *pv_proxy_mode_new(const char *name, struct pv_err *err);
/* Remove the rules of every mode but NAME (NULL or "": the default), as
 * a node switched from one mode to another must: both sets of rules
 * would rewrite the same packets. Each is tried; -1 with ERR naming the
 * first that failed. */
int pv_proxy_mode_clear_others(const char *name, struct pv_err *err);

#endif
