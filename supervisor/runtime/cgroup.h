/* cgroups for pods and containers: v2 when the machine is unified, the
 * v1 memory, cpu and pids controllers on v1 and hybrid machines. A pod's
 * cgroup is PARENT/pod-UID, with the node's pids limit per pod; a
 * container's is PARENT/pod-UID/NAME, its limits from its resources, and
 * the OOM killer's work is read back from it. */
#ifndef PV_SUPERVISOR_CGROUP_H
#define PV_SUPERVISOR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

#define PV_CGROUP_ROOT "/sys/fs/cgroup"

struct pv_cg_limits {
	int64_t memory_max;  /* bytes; 0: none */
	int64_t cpu_max_milli;  /* 0: none */
	int64_t cpu_request_milli; /* weight; 0: default */
};

/* Create the container's cgroup(s) and set LIMITS. REL is
 * "PARENT/pod-UID/NAME". */
int pv_cg_create(const char *rel, const struct pv_cg_limits *limits, struct pv_err *err);
/* Move the calling process into them (call in the container child). */
int pv_cg_enter(const char *rel, struct pv_err *err);
/* Did the OOM killer kill a process in it? */
bool pv_cg_oom_killed(const char *rel);
/* Kill whatever is left in the container's cgroup and remove it (its
 * pod's stays: pv_cg_pod_remove). */
void pv_cg_remove(const char *rel);
/* Move the calling process into the cgroups PID is in (for exec). */
int pv_cg_join_pid(pid_t pid);

/* What a container's cgroup REL has used: its CPU time since it was
 * made (µs), and its memory working set now (bytes: usage less the
 * inactive file cache, as the kubelet reports it); -1 where unknown.
 * 0, or -1 when neither can be read. */
struct pv_cg_usage {
	int64_t cpu_usec, working_set;
};
int pv_cg_usage(const char *rel, struct pv_cg_usage *u);

/* The pod's cgroup(s), REL "PARENT/pod-UID", made before its containers'
 * and kept across their restarts, with at most PIDS_MAX processes and
 * threads in it, all its containers together (pids.max, as the kubelet's
 * podPidsLimit; <= 0: no limit). Made again by whoever finds it gone. */
int pv_cg_pod_create(const char *rel, int64_t pids_max, struct pv_err *err);
/* Remove it, with any container cgroup left in it (processes killed). */
void pv_cg_pod_remove(const char *rel);
/* Remove every PARENT/pod-UID cgroup whose UID KNOWN does not know, in
 * every controller (what a daemon killed between a pod's record and its
 * cgroup left behind); returns how many pods' cgroups went. */
size_t pv_cg_pod_sweep(const char *parent, bool (*known)(const char *uid, void *data),
		       void *data);

#endif
