/* Helpers over the typed objects of types.h: lookups that every user of
 * the objects needs, below the loader. */
#include "manifests/types.h"

#include <string.h>

const struct pv_qtyval *pv_qtymap_get(const pv_qtymap *m, const char *key)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return m->items[i].val.s && !m->items[i].val.invalid ? &m->items[i].val : NULL;
	return NULL;
}
