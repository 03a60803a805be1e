/* This node's labels (its own, from --node-label and node.yaml's
 * nodeLabels, and kubernetes.io/hostname, kubernetes.io/os,
 * kubernetes.io/arch) and Kubernetes' node selectors matched against
 * them: for PersistentVolume nodeAffinity and for a pod's nodeSelector
 * and required node affinity (whether it may start here). */
#ifndef PV_SUPERVISOR_NODEAFFINITY_H
#define PV_SUPERVISOR_NODEAFFINITY_H

#include <stdbool.h>

#include "manifests/types.h"

struct pv_daemon;

/* True when one of SEL's terms matches this node (terms are ORed, the
 * requirements of a term ANDed); a selector without terms matches none. */
bool pv_node_selector_matches(const struct pv_daemon *d, const struct pv_node_selector *sel);
/* Whether a pod of spec S may run on this node: its spec.nodeName, when
 * given, is this node's name; every pair of its
 * nodeSelector is a label of the node, and its
 * requiredDuringSchedulingIgnoredDuringExecution node affinity, when
 * given, matches. */
bool pv_node_fits_pod(const struct pv_daemon *d, const struct pv_pod_spec *s);
/* The value of this node's label KEY (its own labels first), or NULL. */
const char *pv_node_label(const struct pv_daemon *d, const char *key);

#endif
