/* The "top" op: what each running container and the node use now. */
#ifndef PV_SUPERVISOR_API_TOP_API_H
#define PV_SUPERVISOR_API_TOP_API_H

#include <json-c/json.h>

struct pv_daemon;

/* {"at": µs (monotonic), "node": {name, cpus, cpuUsec, memoryWorkingSet,
 * memoryCapacity}, "items": [{namespace, name, labels, containers:
 * [{name, cpuUsec, memoryWorkingSet}]}]}: CPU time used so far (the
 * client asks twice and divides by the time between), memory now. */
struct json_object *pv_api_top(struct pv_daemon *d);

#endif
