#include "netrules/proxymode/proxymode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netrules/iptables/iptables.h"
#include "netrules/nftables/nftables.h"

/* In the order `--help` would list them, the default first. */
static const struct pv_proxier_ops *const modes[] = {
	&pv_iptables_proxier,
	&pv_nftables_proxier,
};

#define NMODES (sizeof(modes) / sizeof(modes[0]))

const struct pv_proxier_ops *pv_proxy_mode(const char *name)
{
	if (!name || !name[0])
		name = PV_PROXY_MODE_DEFAULT;
	for (size_t i = 0; i < NMODES; i++)
		if (strcmp(modes[i]->name, name) == 0)
			return modes[i];
	return NULL;
}

const char *pv_proxy_mode_name(size_t n)
{
	return n < NMODES ? modes[n]->name : NULL;
}

struct pv_proxier *pv_proxy_mode_new(const char *name, struct pv_err *err)
{
	const struct pv_proxier_ops *ops = pv_proxy_mode(name);
	char known[128] = "";
	size_t len = 0;

	if (ops)
		return pv_proxier_new(ops, err);
	for (size_t i = 0; i < NMODES && len < sizeof(known); i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					modes[i]->name);
	pv_err_set(err, EINVAL, "unknown proxy mode \"%s\" (known: %s)", name, known);
	return NULL;
}

int pv_proxy_mode_clear_others(const char *name, struct pv_err *err)
{
	const struct pv_proxier_ops *keep = pv_proxy_mode(name);
	int rc = 0;

	for (size_t i = 0; i < NMODES; i++) {
		struct pv_err e = { 0 };
		void *be;

		if (modes[i] == keep)
			continue;
		if (!(be = modes[i]->new(&e)) || modes[i]->clear(be, &e) < 0) {
			if (rc == 0)
				rc = pv_err_set(err, e.code, "the %s rules: %s", modes[i]->name, e.msg);
		}
		if (be)
			modes[i]->free(be);
	}
	return rc;
}
