/* Probe results as the kubelet's prober worker counts them: the initial
 * result of each kind, when a probe is due (initial delay, startup
 * gating, on hold after a failure that kills the container), and how
 * successThreshold / failureThreshold turn single results into the
 * reported one. Owns struct pv_probe_acct and struct pv_probe_set. Pure:
 * no I/O, no clock (times are given), no logging. Calls nothing. */
#ifndef PV_SUPERVISOR_PROBE_H
#define PV_SUPERVISOR_PROBE_H

#include <stdbool.h>
#include <stdint.h>

enum pv_probe_kind { PV_PROBE_LIVENESS, PV_PROBE_READINESS, PV_PROBE_STARTUP, PV_PROBE_NKINDS };

enum pv_probe_result { PV_PROBE_UNKNOWN, PV_PROBE_SUCCESS, PV_PROBE_FAILURE };

struct pv_probe_params {
	int64_t initial_delay_s, period_s, timeout_s;
	int64_t success_threshold, failure_threshold;
};

/* One probe of one container run. */
struct pv_probe_acct {
	enum pv_probe_kind kind;
	struct pv_probe_params prm;
	enum pv_probe_result result; /* the reported one */
	enum pv_probe_result last;   /* the last single result */
	int64_t run;                 /* how many times in a row it came */
	bool on_hold;                /* failed for good: the container is being killed */
};

/* What a single result did to the reported one. */
enum pv_probe_verdict {
	PV_PROBE_SAME,    /* the reported result did not change */
	PV_PROBE_CHANGED, /* it changed (readiness flips, startup succeeded) */
	PV_PROBE_KILL,    /* liveness or startup failed for good: kill the container */
};

/* A container's probes. */
struct pv_probe_set {
	bool has[PV_PROBE_NKINDS];
	struct pv_probe_acct acct[PV_PROBE_NKINDS];
};

/* The kubelet's defaults for what the manifest leaves out (period 10,
 * timeout 1, thresholds 1 and 3, no initial delay). */
struct pv_probe_params pv_probe_params_default(void);
/* A new container run: every probe back to its initial result
 * (readiness Failure, liveness Success, startup Unknown), off hold. */
void pv_probe_set_reset(struct pv_probe_set *s);
/* Whether probe K is to run now, RAN_S seconds after the container
 * started: not during the initial delay, not on hold, liveness and
 * readiness not before startup succeeded, startup not after. */
bool pv_probe_due(const struct pv_probe_set *s, enum pv_probe_kind k, int64_t ran_s);
/* Count a single result R of probe K. */
enum pv_probe_verdict pv_probe_record(struct pv_probe_set *s, enum pv_probe_kind k,
				      enum pv_probe_result r);
/* Started: no startup probe, or it succeeded. */
bool pv_probe_started(const struct pv_probe_set *s);
/* Ready (of a running container): started, and no readiness probe or it
 * succeeded. */
bool pv_probe_ready(const struct pv_probe_set *s);
/* "Liveness", "Readiness", "Startup": as in the kubelet's messages. */
const char *pv_probe_kind_name(enum pv_probe_kind k);

#endif
