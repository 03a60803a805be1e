#include "netrules/proxier.h"

#include <errno.h>
#include <stdlib.h>

struct pv_proxier {
	const struct pv_proxier_ops *ops;
	void *be;
};

struct pv_proxier *pv_proxier_new(const struct pv_proxier_ops *ops, struct pv_err *err)
{
	struct pv_proxier *p = calloc(1, sizeof(*p));

	if (!p) {
		pv_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	p->ops = ops;
	p->be = ops->new(err);
	if (!p->be) {
		free(p);
		return NULL;
	}
	return p;
}

void pv_proxier_free(struct pv_proxier *p)
{
	if (!p)
		return;
	p->ops->free(p->be);
	free(p);
}

const char *pv_proxier_name(const struct pv_proxier *p)
{
	return p->ops->name;
}

int pv_proxier_sync(struct pv_proxier *p, const struct pv_proxy_state *st, struct pv_err *err)
{
	return p->ops->sync(p->be, st, err);
}

int pv_proxier_clear(struct pv_proxier *p, struct pv_err *err)
{
	return p->ops->clear(p->be, err);
}

bool pv_proxier_checks(const struct pv_proxier *p)
{
	return p->ops->changed != NULL;
}

bool pv_proxier_changed(struct pv_proxier *p)
{
	return p->ops->changed && p->ops->changed(p->be);
}

int pv_proxier_watch_open(struct pv_proxier *p, struct pv_err *err)
{
	if (!p->ops->watch_open)
		return pv_err_set(err, EOPNOTSUPP, "the %s proxier has no watch", p->ops->name);
	return p->ops->watch_open(p->be, err);
}

bool pv_proxier_watch_drain(struct pv_proxier *p, int fd)
{
	return p->ops->watch_drain && p->ops->watch_drain(p->be, fd);
}
