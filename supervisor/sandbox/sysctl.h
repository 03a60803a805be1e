/* A pod's sysctls (spec.securityContext.sysctls), as the kubelet admits
 * them and the runtime sets them.
 *
 * Owns: the names (dotted, or slashed as Kubernetes also accepts:
 * "net/ipv4/ip_local_port_range"), which namespace a sysctl is in
 * (kernel.sem, kernel.shm*, kernel.msg*, fs.mqueue.*: IPC; net.*: the
 * network), the kubelet's safe set, the node's allowed unsafe patterns
 * (--allowed-unsafe-sysctls "net.core.*"), the kubelet's admission with
 * its messages (pure: tests/unit/test_sysctl.c), and writing the values
 * in a pod's namespaces before its first container starts (a child that
 * setns()s through the pod init's pidfd into its network and IPC
 * namespaces, checks they are not the daemon's, and writes beneath
 * /proc/sys, which resolves net.* and the IPC sysctls to the writer's
 * namespaces).
 *
 * May call: volumes (safepath), manifests (types), common. */
#ifndef PV_SUPERVISOR_SYSCTL_H
#define PV_SUPERVISOR_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "manifests/types.h"

enum pv_sysctl_ns {
	PV_SYSCTL_NS_UNKNOWN, /* not known to be namespaced: never allowed */
	PV_SYSCTL_NS_IPC,
	PV_SYSCTL_NS_NET,
};

/* NAME with dots as separators, as the kubelet's
 * ConvertSysctlVariableToDotsSeparator: when the first separator is a
 * '/', every '/' and '.' swap ("net/ipv4/conf/eth0.1/rp_filter" ->
 * "net.ipv4.conf.eth0/1.rp_filter"); otherwise NAME as is. */
void pv_sysctl_dotted(const char *name, char *out, size_t len);
/* Whether NAME is a sysctl name as Kubernetes' validation has it:
 * segments of [a-z0-9-_] (starting and ending alphanumeric) separated by
 * '.' or '/', at most 253 characters. No empty segment: once its
 * separators are swapped, a path beneath /proc/sys without "..". */
bool pv_sysctl_name_valid(const char *name);
/* Which namespace the (dotted) NAME is in. */
enum pv_sysctl_ns pv_sysctl_namespace(const char *name);
/* Whether the (dotted) NAME is in the kubelet's safe set. */
bool pv_sysctl_safe(const char *name);
/* A node's --allowed-unsafe-sysctls PATTERN ("net.core.somaxconn",
 * "net.core.*", slashes allowed): 0, or -1 with the kubelet's message
 * when it is malformed or not known to be namespaced. */
int pv_sysctl_pattern_check(const char *pattern, struct pv_err *err);
/* Whether the (dotted) NAME is matched by PATTERN (a name, or a prefix
 * ending in '*'). */
bool pv_sysctl_pattern_match(const char *pattern, const char *name);

/* The kubelet's sysctl admission of POD on a node allowing the unsafe
 * patterns UNSAFE (N of them): every sysctl safe or matched, and not in
 * a namespace the pod shares with the host (net.* with hostNetwork, the
 * IPC ones with hostIPC). 0, or -1 with ERR's message as the kubelet's
 * ("forbidden sysctl: \"kernel.msgmax\" not allowlisted"). */
int pv_sysctl_admit(const struct pv_pod *pod, char *const *unsafe, size_t n, struct pv_err *err);

#define PV_SYSCTL_ROOT "/proc/sys"

/* The file of the sysctl NAME (dotted or slashed) in OUT (LEN bytes):
 * /proc/sys and the dotted name with its dots as slashes and its slashes
 * as dots ("net.ipv4.conf.eth0/100.rp_filter" ->
 * /proc/sys/net/ipv4/conf/eth0.100/rp_filter). 0, or -1 with errno
 * EINVAL when NAME is not a sysctl name (pv_sysctl_name_valid) or the
 * path would have an empty, "." or ".." segment, ENAMETOOLONG when it
 * does not fit. Pure. */
int pv_sysctl_path(const char *name, char *out, size_t len);

/* Write POD's sysctls in the network and IPC namespaces of the pod's init
 * (INIT_PIDFD, its pidfd: a reused PID cannot lead elsewhere), from a
 * forked writer that joins only the namespaces the sysctls are in (and,
 * with hostUsers: false, the pod's user namespace, as its root: the IPC
 * sysctls are writable by their namespace's root only), and writes
 * nothing if one of them is the daemon's own or a name is not
 * namespaced. 0 (also when there are none), or -1 with ERR naming the
 * sysctl that could not be written. */
int pv_sysctl_apply(int init_pidfd, const struct pv_pod *pod, struct pv_err *err);

#endif
