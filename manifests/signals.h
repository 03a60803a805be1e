/* Signal names as Kubernetes takes them (Lifecycle.stopSignal: SIGTERM,
 * SIGRTMIN+3, ...) and as OCI image configs give them (StopSignal: also
 * "TERM" or "15"). Pure. Calls: nothing. */
#ifndef PV_MANIFESTS_SIGNALS_H
#define PV_MANIFESTS_SIGNALS_H

#include <stdbool.h>

/* The number of the signal NAME, or -1. With OCI, also without the "SIG"
 * prefix, or as a decimal number, as runc reads an image's StopSignal. */
int pv_signal_number(const char *name, bool oci);

#endif
