/* Connection-tracking entries that outlive an endpoint. A UDP "connection"
 * through a Service is DNAT'ed once, at its first datagram; while the
 * client keeps sending from the same port, conntrack keeps sending it to
 * the same pod, even after that pod is gone. kube-proxy deletes those
 * entries when an endpoint goes; so does this, through
 * libnetfilter_conntrack. Never logs. */
#ifndef PV_NETRULES_CONNTRACK_H
#define PV_NETRULES_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* An endpoint gone from a UDP Service port: entries to SVC_IP:PORT (and to
 * any address at NODE_PORT, when not 0) that EP_IP answers. */
struct pv_ct_gone {
	uint32_t svc_ip;  /* host byte order */
	uint16_t port, node_port;
	uint32_t ep_ip;
};

/* Delete the matching UDP entries; how many, or -1 with ERR. */
int pv_ct_forget_udp(const struct pv_ct_gone *gone, size_t n, struct pv_err *err);

#endif
