/* This node's labels (kubernetes.io/hostname, kubernetes.io/os,
 * kubernetes.io/arch) and Kubernetes' node selector terms matched
 * against them: for PersistentVolume nodeAffinity. */
#ifndef PV_SUPERVISOR_NODEAFFINITY_H
#define PV_SUPERVISOR_NODEAFFINITY_H

#include <stdbool.h>

#include "manifests/types.h"

struct pv_daemon;

/* True when one of SEL's terms matches this node (terms are ORed, the
 * requirements of a term ANDed); a selector without terms matches none. */
bool pv_node_selector_matches(const struct pv_daemon *d, const struct pv_node_selector *sel);
/* The value of this node's label KEY, or NULL. */
const char *pv_node_label(const struct pv_daemon *d, const char *key);

#endif
