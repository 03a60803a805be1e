/* One workload's status row: what `get deploy|rs|sts|ds|job|cronjob`
 * show of it, as of the controllers' last pass. Shared by the API
 * (through controllers.h) and the controllers (workload.h).
 * Calls: nothing. */
#ifndef PV_SUPERVISOR_NODE_WORKLOAD_STATUS_H
#define PV_SUPERVISOR_NODE_WORKLOAD_STATUS_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

/* What `get deploy|rs|sts|ds|job|cronjob` show of one workload, as of
 * the last pass. */
struct pv_workload_status {
	char *kind; /* "Deployment", "ReplicaSet", "StatefulSet", ... */
	char *ns, *name;
	char *source;        /* "deployment/NS/NAME" (the kind in lower case): the
			      * wanted pods' source, and the events' object */
	char hash[11];       /* the current pod-template-hash ("" for a ReplicaSet) */
	int64_t replicas;    /* desired */
	int64_t current;     /* its pods, any template, not stopping */
	int64_t ready;       /* of those, ready */
	int64_t updated;     /* pods of the current template */
	int64_t updated_ready; /* of those, ready */
	int64_t available;   /* pods ready for min_ready_ms */
	int64_t created;     /* wall clock seconds: when this daemon first saw it */
	bool seen;           /* in this pass */
	/* What only this kind shows (the API adds its keys to the row):
	 * DaemonSet: "nodeSelector" (string); Job: "status" (Running,
	 * Complete, Failed, Suspended), "completions", "succeeded",
	 * "failed", "active", "startTime", "completionTime" (seconds, 0:
	 * none); CronJob: "schedule", "timeZone", "suspend" (bool),
	 * "active", "lastScheduleTime" (seconds, 0: never). NULL: nothing. */
	struct json_object *info;
	int64_t min_ready_ms; /* minReadySeconds: ready this long before available */
};

#endif
