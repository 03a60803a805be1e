/* A container's effective security context, and the node's Pod Security
 * level. Pure decisions (tests/unit/test_caps.c):
 *
 * - the container's settings over the pod's, and for what neither sets
 *   the node's profile: at "restricted" (--pod-security), runAsNonRoot
 *   true, allowPrivilegeEscalation false, capabilities drop ALL add
 *   NET_BIND_SERVICE (seccomp RuntimeDefault is the seccomp code's);
 *   otherwise Docker's and containerd's defaults;
 * - Pod Security admission's checks of a pod at "baseline" or
 *   "restricted", with its messages ("violates PodSecurity
 *   \"restricted:latest\": privileged (container \"c\" must not set
 *   securityContext.privileged=true), ...");
 * - the kubelet's verifyRunAsNonRoot against the image's user, with its
 *   messages.
 *
 * May call: sandbox/caps (names, add/drop), manifests (types), common. */
#ifndef PV_SUPERVISOR_SECCTX_H
#define PV_SUPERVISOR_SECCTX_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "manifests/types.h"

enum pv_podsec {
	PV_PODSEC_PRIVILEGED, /* no check, Docker's defaults: the default */
	PV_PODSEC_BASELINE,
	PV_PODSEC_RESTRICTED,
};

/* "privileged", "baseline", "restricted": the level; -1 otherwise. */
int pv_podsec_parse(const char *s);

struct pv_secctx {
	uint64_t caps;        /* bounding = permitted = effective */
	bool privileged;      /* every capability, the kernel unmasked */
	bool no_new_privs;    /* allowPrivilegeEscalation: false */
	bool run_as_non_root;
	bool groups_strict;   /* supplementalGroupsPolicy: Strict */
	uint64_t caps_if_held; /* of CAPS, what "ALL" brought in: left out if the node lacks it */
};

/* C's (of POD) effective context at LEVEL. An unknown capability name,
 * or what Kubernetes' validation refuses (allowPrivilegeEscalation false
 * with privileged, or with the literal "CAP_SYS_ADMIN" in add), is an
 * error. */
int pv_secctx_resolve(const struct pv_pod *pod, const struct pv_container *c,
		      enum pv_podsec level, struct pv_secctx *out, struct pv_err *err);

/* The user a container runs as, for the shim's set_user ("uid",
 * "uid:gid", "name", "name:gid"), as the kubelet and containerd resolve
 * it: runAsUser (UID) over the image's user IMAGE_USER, of which the
 * kubelet passes only the user (an image's "user:group" loses its group:
 * kubernetes#61967); runAsGroup (GID) over the group (else the user's in
 * /etc/passwd, or 0). *OUT is NULL when nothing is set (the image's
 * root). 0, or -1 with ENOMEM and *OUT NULL: never root instead. */
int pv_secctx_user(const struct pv_int *uid, const struct pv_int *gid, const char *image_user,
		   char **out, struct pv_err *err);

/* POD against Pod Security LEVEL: 0, or -1 with every violation in ERR
 * (what is defaulted at LEVEL does not count: only what the pod asks). */
int pv_podsec_check(const struct pv_pod *pod, enum pv_podsec level, struct pv_err *err);

/* The kubelet's verifyRunAsNonRoot: with runAsNonRoot, a runAsUser of 0
 * (RUN_AS_USER, may be NULL: not set), else an image user (IMAGE_USER,
 * "uid[:gid]" or a name; NULL or "": root) that is 0 or not numeric, is
 * an error. POD_ID is "name_namespace(uid)" as the kubelet prints it. */
int pv_secctx_verify_non_root(bool non_root, const struct pv_int *run_as_user,
			      const char *image_user, const char *pod_id, const char *container,
			      struct pv_err *err);

#endif
