#include "manifests/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

void pv_diags_free(struct pv_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int pv_diag_add(struct pv_diags *d, enum pv_severity sev, struct pv_loc loc,
		const char *path, const char *fmt, ...)
{
	struct pv_diag *g;
	va_list ap;
	int rc;

	if (sev == PV_SEV_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	if (d->n >= PV_DIAGS_MAX) {
		d->dropped++;
		return 0;
	}
	if (pv_vec_reserve(d->v, d->n, d->cap, 1) < 0)
		return -1;
	g = &d->v[d->n];
	g->sev = sev;
	g->loc = loc;
	g->seq = d->n;
	g->unacted = false;
	g->object = 0;
	g->path = strdup(path ? path : "");
	va_start(ap, fmt);
	rc = vasprintf(&g->msg, fmt, ap);
	va_end(ap);
	if (!g->path || rc < 0) {
		free(g->path);
		if (rc >= 0)
			free(g->msg);
		return -1;
	}
	d->n++;
	return 0;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct pv_diag *x = a, *y = b;

	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	if (x->sev != y->sev)
		return x->sev == PV_SEV_ERROR ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void pv_diags_sort(struct pv_diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(d->v[0]), diag_cmp);
}
