#include "supervisor/core/table.h"

#include <stdlib.h>
#include <string.h>

#include "common/vec.h"

void pv_table_init(struct pv_table *t, size_t ncols, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	pv_table_row(t, header);
}

void pv_table_row(struct pv_table *t, const char *const *cells)
{
	if (pv_vec_reserve(t->cells, t->nrows * t->ncols, t->cap, t->ncols) < 0)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

void pv_table_print(const struct pv_table *t, FILE *out)
{
	pv_table_print_from(t, out, 0);
}

void pv_table_print_from(const struct pv_table *t, FILE *out, size_t from)
{
	size_t w[PV_TABLE_MAX_COLS] = { 0 };

	for (size_t r = from; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols && c < PV_TABLE_MAX_COLS; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t l = s ? strlen(s) : 0;

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = from; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols && c < PV_TABLE_MAX_COLS; c++) {
			const char *s = t->cells[r * t->ncols + c];

			/* kubectl's tabwriter: 3 spaces of padding, cells at
			 * least 6 wide with it; the last column unpadded */
			if (c + 1 == t->ncols)
				fprintf(out, "%s\n", s ? s : "");
			else
				fprintf(out, "%-*s", w[c] + 3 < 6 ? 6 : (int)w[c] + 3, s ? s : "");
		}
	}
}

void pv_table_free(struct pv_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void pv_human_duration(int64_t s, char *buf, size_t len)
{
	int64_t m = s / 60, h = s / 3600, d = s / 86400;

	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (m < 10 && s % 60)
		snprintf(buf, len, "%lldm%llds", (long long)m, (long long)(s % 60));
	else if (m < 10)
		snprintf(buf, len, "%lldm", (long long)m);
	else if (m < 180)
		snprintf(buf, len, "%lldm", (long long)m);
	else if (h < 8 && m % 60)
		snprintf(buf, len, "%lldh%lldm", (long long)h, (long long)(m % 60));
	else if (h < 8)
		snprintf(buf, len, "%lldh", (long long)h);
	else if (h < 48)
		snprintf(buf, len, "%lldh", (long long)h);
	else if (d < 8 && h % 24)
		snprintf(buf, len, "%lldd%lldh", (long long)d, (long long)(h % 24));
	else if (d < 8)
		snprintf(buf, len, "%lldd", (long long)d);
	else if (d < 730)
		snprintf(buf, len, "%lldd", (long long)d);
	else
		snprintf(buf, len, "%lldy", (long long)(d / 365));
}
