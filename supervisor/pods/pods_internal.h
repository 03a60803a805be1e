/* Between the pod modules (pods.c, pods_container.c, pods_adopt.c,
 * pods_status.c) only. */
#ifndef PV_SUPERVISOR_PODS_INTERNAL_H
#define PV_SUPERVISOR_PODS_INTERNAL_H

#include "supervisor/node/pod.h"

void pv_iso_now(char *buf, size_t len);
void pv_pod_event(struct pv_prt *p, bool warn, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int pv_pod_save(struct pv_prt *p);
struct pv_prt *pv_pod_alloc(struct pv_daemon *d);
void pv_pod_free(struct pv_prt *p);
void pv_pod_set_ip(struct pv_prt *p);
int pv_pod_setup_containers(struct pv_prt *p);
int pv_pod_watch_init(struct pv_prt *p);
void pv_pod_stop(struct pv_prt *p, bool for_good);
void pv_pod_finish_stop(struct pv_prt *p);
bool pv_pods_stopping(struct pv_daemon *d, const char *ns, const char *name);
void pv_pod_after_container(struct pv_prt *p, struct pv_crt *c);
/* Containers (pods_container.c). */
char *pv_container_dir(const struct pv_crt *c);
void pv_crt_close(struct pv_crt *c);
void pv_container_set_waiting(struct pv_crt *c, const char *reason, const char *msg);
void pv_container_start(struct pv_crt *c);
bool pv_container_should_restart(const struct pv_prt *p, const struct pv_crt *c);
void pv_container_schedule_restart(struct pv_crt *c);
void pv_container_running(struct pv_crt *c, pid_t pid, uint64_t start);
void pv_container_shim_exited(void *data, int fd, uint32_t events);
/* After adoption: act on containers that ended while the daemon was away,
 * and start those that should be running but are not. */
void pv_pod_resume(struct pv_prt *p);

#endif
