/* Kubernetes' CrashLoopBackOff arithmetic, kept pure for testing. */
#ifndef PV_SUPERVISOR_BACKOFF_H
#define PV_SUPERVISOR_BACKOFF_H

#include <stdint.h>

/* The delay before this restart of a container that ran RAN_MS (-1:
 * never started); *NEXT carries the state between restarts (start at 0).
 * The first restart is at once, then BASE, 2*BASE, ... up to 30*BASE
 * (10 s to 5 min); a container that ran 60*BASE (10 min) starts over. */
int64_t pv_backoff_step(int64_t *next, int64_t base, int64_t ran_ms);

#endif
