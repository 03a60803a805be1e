/* kubectl-style output: aligned columns, human durations. */
#ifndef PV_SUPERVISOR_TABLE_H
#define PV_SUPERVISOR_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PV_TABLE_MAX_COLS 17 /* get: NAMESPACE, 15 columns, LABELS */

struct pv_table {
	size_t ncols, nrows, cap;
	char **cells; /* row-major; row 0 is the header */
};

void pv_table_init(struct pv_table *t, size_t ncols, const char *const *header);
void pv_table_row(struct pv_table *t, const char *const *cells);
void pv_table_print(const struct pv_table *t, FILE *out);
/* The rows from FROM on (1: without the header). */
void pv_table_print_from(const struct pv_table *t, FILE *out, size_t from);
void pv_table_free(struct pv_table *t);
/* kubectl's HumanDuration: 45s, 3m12s, 17m, 5h3m, 30h, 6d4h, 120d, 3y. */
void pv_human_duration(int64_t seconds, char *buf, size_t len);

#endif
