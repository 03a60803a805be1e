#include "supervisor/core/backoff.h"

int64_t pv_backoff_step(int64_t *next, int64_t base, int64_t ran_ms)
{
	int64_t cap = base * 30, delay = *next;

	if (ran_ms >= base * 60)
		delay = 0;
	*next = delay ? (delay * 2 > cap ? cap : delay * 2) : base;
	return delay;
}
