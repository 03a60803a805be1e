/* The Service controller: cluster IPs and node ports (allocated,
 * remembered), endpoints (the ready pods each selector matches), and the
 * rules that send traffic to them, made by a proxier (netrules/proxier.h:
 * it is handed the Services, their endpoints and the hostPorts) and
 * re-synced whenever a Service or a pod changes and whenever someone else
 * rewrites them. */
#ifndef PV_SUPERVISOR_SERVICES_H
#define PV_SUPERVISOR_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "netrules/ipam.h"
#include "netrules/proxier.h"

struct pv_daemon;
struct pv_prt;

/* One Service as last synced: what `get svc`, `get ep` and DNS show. */
struct pv_svc_view {
	char *ns, *name, *type, *external_name, *selector;
	char *problem;           /* why it is not programmed (a conflict), or NULL */
	bool headless;
	bool affinity;
	int64_t created;
	struct pv_svc svc;       /* cluster IP, ports and endpoints (svc.ns/.name alias ns/name) */
	char **target_ports;     /* per port, as written: "8080", "http" */
	uint32_t *pod_ips;       /* the ready pods the selector matches (headless DNS) */
	size_t npod_ips;
};

struct pv_services;

/* The Services on the default proxy mode. */
struct pv_services *pv_services_new(struct pv_daemon *d, struct pv_err *err);
/* On proxy mode MODE (netrules/proxymode/: NULL for the default); the
 * other modes' rules, left by an earlier run, are removed. */
struct pv_services *pv_services_new_mode(struct pv_daemon *d, const char *mode,
					 struct pv_err *err);
void pv_services_free(struct pv_services *s);
/* Something that changes endpoints or Services happened: sync soon (the
 * calls coalesce into one sync at the next turn of the loop). */
void pv_services_kick(struct pv_daemon *d);
/* Sync now if the manifests changed since the last sync (before pods
 * start, so that they see every new Service). */
void pv_services_sync(struct pv_daemon *d);
/* Sync now, whatever changed: pods about to stop leave the endpoints
 * (the rules applied) before they are signalled. */
void pv_services_sync_now(struct pv_daemon *d);
/* The variables kubelet gives a container for the Services of namespace
 * NS: WEB_SERVICE_HOST, WEB_SERVICE_PORT, WEB_PORT_80_TCP... NULL-terminated
 * "K=V" (malloc'ed, free with pv_strv_free). */
char **pv_services_env(struct pv_daemon *d, const char *ns);
/* Remove every rule of ours (--shutdown-pods-on-exit). */
void pv_services_clear(struct pv_daemon *d);
/* The Services as last synced. */
const struct pv_svc_view *pv_services_views(struct pv_daemon *d, size_t *n);
/* For the API: {"items": [...]} with ports, endpoints and problems. */
struct json_object *pv_services_json(struct pv_daemon *d);

#endif
