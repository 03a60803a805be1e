/* The node's shared context, below every module of the daemon: one event
 * loop, the node's settings, the desired state from the manifests
 * directory, the pods, the events ring, and the reconcile kick. Modules
 * take it and read it; daemon.c (the top) makes it and wires the modules
 * into it. Owns: the events ring and the kick. Calls: the loop only. */
#ifndef PV_SUPERVISOR_NODE_H
#define PV_SUPERVISOR_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "netrules/ipam.h"
#include "netrules/netlink.h"
#include "supervisor/source/desired.h"
#include "supervisor/node/idpool.h"
#include "supervisor/core/loop.h"
#include "supervisor/node/wanted.h"
#include "supervisor/node/wanted_claims.h"
#include "supervisor/runtime/spawner.h"

struct pv_prt;
struct pv_services;
struct pv_dns;
struct pv_storage;
struct pv_controllers;

struct pv_event {
	int64_t first; /* wall clock, seconds: the first time (kubectl's FIRST SEEN) */
	int64_t at;    /* wall clock, seconds: the last time */
	char *object;  /* "pod/default/web", "file:/etc/podvisor/x.yaml" */
	char *type;    /* "Normal" or "Warning" */
	char *reason;  /* "Started", "BackOff", "FailedLoad", ... */
	char *message;
	int count;     /* the same event again and again is one, counted (kubectl's "x N") */
};

#define PV_EVENTS_MAX 512
/* The events file (STATE/events.jsonl, node/events.c) is rewritten from
 * the ring once it has this many lines: at most this many, plus the
 * ring's PV_EVENTS_MAX written at the rewrite. */
#define PV_EVENTS_FILE_MAX (2 * PV_EVENTS_MAX)

struct pv_daemon {
	struct pv_loop *loop;
	/* Told of each event recorded or counted again (api/api.c streams
	 * them to `get events -w`); NULL: nobody listens. */
	void (*event_hook)(struct pv_daemon *d, const struct pv_event *e);
	void *event_hook_data;
	struct pv_desired desired;
	char *manifests;
	char *state;
	char *node_name;
	char *node_ip;             /* status.hostIP: --node-ip, or detected */
	char **node_labels;        /* --node-label, nodeLabels: "KEY=VALUE" (nodeaffinity.h) */
	size_t nnode_labels;
	char *local_path_root;     /* podvisor.io/local-path volumes live here */
	int64_t backoff_base_ms;  /* CrashLoopBackOff's first delay: 10 s */
	int64_t claim_grace_ms;   /* a missing claim keeps its volume this long: 5 s */
	char *status_dir;          /* --status-dir: STATE/status; "none" */
	int64_t rules_check_ms;   /* the Service rules' periodic check: 60 s, 0 never */
	int64_t log_max;          /* bytes per container log file */
	bool log_journald;        /* container log lines to the systemd journal too */
	bool shutdown_pods;       /* stop every pod before exiting */
	char *cgroup_parent;      /* cgroups go under this: "podvisor" */
	struct pv_spawner spawner;
	struct pv_cidr pod_cidr;  /* 10.88.0.0/16 */
	char *bridge;             /* the node bridge: pv0 */
	bool network;             /* false: pods get only lo (the bridge could not be made) */
	struct pv_nl *nl;         /* rtnetlink in the node's namespace */
	struct pv_cidr service_cidr; /* 10.96.0.0/16 */
	uint32_t nodeport_min, nodeport_max; /* 30000-32767 */
	bool masquerade_pods;     /* no br_netfilter: masquerade pod-to-service traffic too */
	struct pv_services *services;
	char *cluster_domain;     /* cluster.local */
	char **host_path_allow;   /* --host-path-allow prefixes */
	size_t nhost_path_allow;
	struct pv_storage *storage; /* PersistentVolumes and claims */
	struct pv_dns *dns;       /* NULL: pods use the node's resolver */
	struct pv_wanted wanted;  /* the pods to run, rebuilt at each reconcile pass */
	bool wanted_incomplete;   /* a source could not list all: stop nothing */
	struct pv_wanted_claims wanted_claims; /* the controllers' claims, rebuilt each pass */
	struct pv_controllers *controllers; /* the workload controllers' own */
	struct pv_prt **pods;
	size_t npods, podcap;
	struct pv_prt **pod_index; /* pv_pods_find's: chains by namespace and name */
	size_t pod_index_cap;      /* a power of two */
	bool pod_index_stale;      /* a pod came or went: built again at the next find */
	struct pv_timer *reconcile;
	struct pv_timer *start_retry; /* a pod that could not start: a pass later (pods) */
	int64_t start_retry_ms;       /* its backoff: 1 s doubling to 60 s */
	struct pv_event events[PV_EVENTS_MAX];
	size_t nevents, event_next;
	bool events_saved;        /* events_fd is open: STATE/events.jsonl, appended */
	int events_fd;
	size_t events_lines;      /* lines in that file */
	bool events_write_failed; /* said once, until a write succeeds again */
	bool quitting;
	int pod_security;         /* --pod-security: enum pv_podsec (sandbox/secctx.h) */
	struct pv_idpool userns_pool; /* hostUsers: false pods' ids (--userns-pool) */
	char *seccomp_profile_root; /* Localhost seccomp profiles: /var/lib/podvisor/seccomp */
	bool seccomp_default;       /* RuntimeDefault when a pod names no profile (true) */
	char **allowed_unsafe_sysctls; /* --allowed-unsafe-sysctls patterns (sandbox/sysctl.h) */
	size_t nallowed_unsafe_sysctls;
	bool apparmor;            /* the kernel has AppArmor enabled (sandbox/apparmor.h) */
	struct pv_netwatch *netwatch; /* the bridge watched and re-made (network/bridgeheal) */
	int64_t pod_pids_limit;   /* pids.max of each pod's cgroup (--pod-pids-limit); -1: none */
	bool start_retry_fired;   /* the pass running is start_retry's: back off further */
};

/* Ask for a reconcile pass at the next turn of the loop. */
void pv_daemon_kick(struct pv_daemon *d);
/* Record an event on OBJECT ("pod/NS/NAME", "file:PATH"), and log it; the
 * same event again is counted, not repeated (node/events.c). */
void pv_daemon_event(struct pv_daemon *d, const char *object, bool warning, const char *reason,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Read the events a former daemon left in STATE/events.jsonl into the
 * ring, rewrite the file from it, and keep it open to append each event
 * to: the events outlive a restart. Once, at start, before any event. */
void pv_daemon_events_open(struct pv_daemon *d);

#endif
