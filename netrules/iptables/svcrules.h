/* Services as packet-filter rules, in kube-proxy's iptables layout:
 *
 *   nat  PREROUTING, OUTPUT -> PV-SERVICES
 *        PV-SERVICES: clusterIP:port -> PV-SVC-x; local hostPorts ->
 *                     PV-HOSTPORTS; last, local addresses -> PV-NODEPORTS
 *        PV-NODEPORTS: nodePort -> PV-EXT-x (mark for masquerade) -> PV-SVC-x
 *        PV-SVC-x: traffic from outside the pod network is marked, then one
 *                  endpoint chosen with statistic probabilities 1/n, 1/(n-1), ...
 *                  (sessionAffinity ClientIP: the recent match first)
 *        PV-SEP-y: the endpoint itself marked (hairpin), DNAT to ip:port
 *        POSTROUTING -> PV-POSTROUTING: masquerade marked packets, and pods'
 *                  traffic leaving the pod network
 *   filter OUTPUT, FORWARD -> PV-SERVICES: REJECT ports without endpoints
 *        INPUT, FORWARD -> PV-EXTERNAL: REJECT nodePorts without endpoints
 *        FORWARD -> PV-FORWARD: accept marked and pod traffic
 *
 * Only the rules in PV-SERVICES, PV-NODEPORTS and the filter chains carry
 * a comment naming the Service: a comment match is 256 bytes, and at a
 * thousand Services per-endpoint comments would triple the table the
 * kernel copies at each commit (kube-proxy drops them too, in large
 * clusters). Pure: the same input gives the same rule set, byte for byte. */
#ifndef PV_NETRULES_SVCRULES_H
#define PV_NETRULES_SVCRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "netrules/iptables/rules.h"
#include "netrules/proxier.h"

#define PV_MASQ_MARK 0x4000u /* kube-proxy's bit */

/* Build the rule set for ST's Services and hostPorts into OUT (initialised
 * by the caller). -1 with ERR when out of memory. */
int pv_svc_rules(const struct pv_proxy_state *st, struct pv_ruleset *out, struct pv_err *err);

#endif
