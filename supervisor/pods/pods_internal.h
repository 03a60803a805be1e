/* Between the pod modules (pods.c, pods_container.c, pods_adopt.c,
 * pods_status.c) only. */
#ifndef PV_SUPERVISOR_PODS_INTERNAL_H
#define PV_SUPERVISOR_PODS_INTERNAL_H

#include "supervisor/node/pod.h"
#include "supervisor/pods/pod_fsm.h"

void pv_iso_now(char *buf, size_t len);
void pv_pod_event(struct pv_prt *p, bool warn, enum pv_evreason reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int pv_pod_save(struct pv_prt *p);
struct pv_prt *pv_pod_alloc(struct pv_daemon *d);
void pv_pod_free(struct pv_prt *p);
void pv_pod_set_ip(struct pv_prt *p);
int pv_pod_setup_containers(struct pv_prt *p);
int pv_pod_watch_init(struct pv_prt *p);
void pv_pod_stop(struct pv_prt *p, bool for_good);
/* Arm the activeDeadlineSeconds timer of a started or adopted pod (none
 * without the field, or once it passed). */
void pv_pod_arm_deadline(struct pv_prt *p);
bool pv_pods_stopping(struct pv_daemon *d, const char *ns, const char *name);

/* Every change of a pod's state: the pod table (pod_fsm.h) applied, its
 * action carried out. The action may free the pod (a stop that finished):
 * a caller touches P no more after this. */
void pv_pod_apply(struct pv_prt *p, enum pv_pevent ev);

/* Containers (pods_container.c). */
char *pv_container_dir(const struct pv_crt *c);
void pv_crt_close(struct pv_crt *c);
void pv_container_shim_exited(void *data, int fd, uint32_t events);

/* Probes (pods_probes.c): started with each run of a container (RUN),
 * stopped when it leaves RUNNING and when its pod is freed. */
void pv_probes_start(struct pv_crt *c);
void pv_probes_stop(struct pv_crt *c);

/* What some events carry: the process (STARTED, ADOPT_RUNNING), the
 * message of a container that cannot be created. */
struct pv_crt_arg {
	pid_t pid;
	uint64_t start;
	const char *msg;
};

/* Every change of a container's state: the container table applied, its
 * waiting reason and message set, its action carried out. The action may
 * reach the pod (and free it, with C): a caller touches neither after. */
void pv_crt_apply(struct pv_crt *c, enum pv_cevent ev, const struct pv_crt_arg *arg);

#endif
