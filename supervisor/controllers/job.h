/* What the Job controller shares with the CronJob controller: run one
 * Job object (a CronJob renders its Jobs; they are not read from files)
 * and learn where it stands; arm the Jobs' timer; sweep a state folder.
 * Calls: see job.c. */
#ifndef PV_SUPERVISOR_CONTROLLERS_JOB_H
#define PV_SUPERVISOR_CONTROLLERS_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "manifests/manifest.h"
#include "supervisor/node/node.h"

/* Where one Job stands after its pass. */
struct pv_job_outcome {
	bool known;     /* the pass ran (false: out of memory) */
	bool finished;  /* Complete or Failed */
	bool failed;    /* Failed */
	int64_t active; /* pods running */
};

/* One pass of the Job O (a typed Job object): its pods wanted, created
 * or stopped, its status row updated. */
struct pv_job_outcome pv_ctl_job_run(struct pv_daemon *d, const struct pv_object *o);
/* Arm the Jobs' timer for the earliest back-off end, deadline or ttl of
 * this pass's Jobs (the CronJobs call it after running theirs). */
void pv_ctl_jobs_arm(struct pv_daemon *d);
/* Remove the files of STATE/SUB that KNOWN says are no one's (the Jobs'
 * or CronJobs' state of objects removed while the daemon was down). */
void pv_ctl_state_sweep(const struct pv_daemon *d, const char *sub,
			bool (*known)(void *ctx, const char *file), void *ctx);

#endif
