/* The status directory (--status-dir, default STATE/status): what this
 * node runs, for a fleet to pull with rsync. One file per object,
 * RESOURCE/NAMESPACE/NAME.yaml (cluster-scoped: RESOURCE/NAME.yaml), in
 * the shape `kubectl get -o yaml` prints (api/kobj.c: metadata, spec with
 * its defaults, status with conditions), for pods, Services, Endpoints,
 * the workloads, PersistentVolumes and claims; and node.yaml, the Node
 * (name, labels, addresses, capacity, allocatable, conditions, nodeInfo
 * with podvisor's version). Secrets and ConfigMaps are not exported
 * (inputs, and a Secret's data must not leave the node), nor events, nor
 * the pods this node does not fit (their nodeSelector or affinity: another
 * node's).
 *
 * A file is written (a temporary file renamed over it: a reader never sees
 * half of one) only when its content changed, and removed when its object
 * is gone: an idle node writes nothing, as SD cards wear out. The export
 * runs a second after a pass of the reconciler, at most once a second.
 *
 * Owns: the directory's files and what it last wrote. Calls: api (the
 * list answers, kobj), node, manifests (the YAML emitter), core. */
#ifndef PV_STATUSDIR_STATUSDIR_H
#define PV_STATUSDIR_STATUSDIR_H

#include "common/err.h"

struct pv_daemon;
struct pv_statusdir;

/* The exporter into DIR (made if missing); NULL with ERR. */
struct pv_statusdir *pv_statusdir_new(struct pv_daemon *d, const char *dir, struct pv_err *err);
void pv_statusdir_free(struct pv_statusdir *s);

/* Something may have changed (a pass ran): export once passes have
 * stopped for a second, or 5 s after the first of a burst that goes on. */
void pv_statusdir_kick(struct pv_statusdir *s);

#endif
