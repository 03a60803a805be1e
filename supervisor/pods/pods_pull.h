/* Images pulled from registries for the containers that need them, as
 * the kubelet does by imagePullPolicy: Always pulls at each start of the
 * container, IfNotPresent only when the image is not in the node's store,
 * Never never (ErrImagePull is then ErrImageNeverPull). Each pull is a
 * child process (`podvisor image pull`, watched by its pidfd and its
 * stderr pipe in the loop: the daemon never waits for a registry), one
 * per image reference and credentials (the pod's imagePullSecrets, then
 * the node's file) at a time, shared by every container waiting for
 * it. A failed pull backs off (the kubelet's 10 s doubling to 300 s) per
 * image reference. Owns the pulls, their children and timers, and the
 * node's pull settings (set once by the daemon). Calls: pods (records,
 * events, the container table), image (references), node (the kick),
 * core (loop, log, processes). */
#ifndef PV_SUPERVISOR_PODS_PULL_H
#define PV_SUPERVISOR_PODS_PULL_H

#include <stdint.h>

#include "supervisor/node/node.h"

struct pv_pull_conf {
	/* --registry-credentials (Docker's config.json); NULL: the pull's
	 * default, STATE/auth.json when it exists. */
	const char *creds_file;
	/* Registries and mirrors ("host[:port]") reached over plain http, up
	 * to a NULL; may be NULL. */
	const char *const *insecure;
	/* "REGISTRY=MIRROR" (a mirror "host[:port]" or "http[s]://host[:port]"),
	 * up to a NULL, in the order they are tried; REGISTRY "*" is every
	 * registry's. May be NULL. */
	const char *const *mirrors;
	int64_t backoff_base_ms; /* the first wait after a failed pull: 10 s */
	int64_t backoff_max_ms;  /* the longest: 300 s */
};

/* The node's settings for every pull from now on. CONF and what it
 * points to must stay until pv_pulls_stop. */
void pv_pulls_configure(const struct pv_pull_conf *conf);
/* At start: remove the credentials files a daemon killed mid-pull left
 * in STATE/pull-creds. */
void pv_pulls_sweep(const char *state);
/* End every pull (SIGKILL, reaped) and forget them: the daemon leaves. */
void pv_pulls_stop(struct pv_daemon *d);

#endif
