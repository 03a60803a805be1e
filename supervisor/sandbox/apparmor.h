/* AppArmor for a pod's containers, as the kubelet admits them.
 *
 * Owns: the profile a container asks for (its securityContext's
 * appArmorProfile, else the deprecated annotation
 * container.apparmor.security.beta.kubernetes.io/NAME: "runtime/default",
 * "unconfined", "localhost/PROFILE", else the pod's), whether the node has AppArmor
 * (/sys/module/apparmor/parameters/enabled), and the kubelet's admission
 * of a pod with its messages (pure but for the node check:
 * tests/unit/test_sysctl.c). On a node without AppArmor the kubelet
 * refuses a pod that asks for any profile but Unconfined: "Cannot enforce
 * AppArmor: AppArmor is not enabled on the host". With AppArmor, this
 * podvisor loads no profile: a Localhost profile is refused, and
 * RuntimeDefault runs unconfined (pv_apparmor_unenforced names the
 * container for the pod's Warning event). The profile a container asks
 * for is the kubelet's GetProfile: its field, else its annotation, else
 * the pod's field.
 *
 * May call: manifests (types), common. */
#ifndef PV_SUPERVISOR_APPARMOR_H
#define PV_SUPERVISOR_APPARMOR_H

#include <stdbool.h>

#include "common/err.h"
#include "manifests/types.h"

enum pv_apparmor {
	PV_APPARMOR_NONE,     /* nothing asked: the runtime's default */
	PV_APPARMOR_RUNTIME_DEFAULT,
	PV_APPARMOR_UNCONFINED,
	PV_APPARMOR_LOCALHOST,
};

/* The profile container C (of POD) asks for, and for Localhost its name
 * in *PROFILE (else NULL; points into POD). An annotation value that is
 * none of the three forms is an error, as Kubernetes' validation. */
int pv_apparmor_profile(const struct pv_pod *pod, const struct pv_container *c,
			enum pv_apparmor *out, const char **profile, struct pv_err *err);

/* Whether this node's kernel has AppArmor enabled. */
bool pv_apparmor_enabled(void);

/* The kubelet's AppArmor admission of POD on a node with AppArmor
 * ENABLED or not: 0, or -1 with the kubelet's message ("Cannot enforce
 * AppArmor: AppArmor is not enabled on the host"). */
int pv_apparmor_admit(const struct pv_pod *pod, bool enabled, struct pv_err *err);

/* On a node with AppArmor (ENABLED), the first container of POD (init
 * containers first) that asks for RuntimeDefault, by its field, the
 * pod's or the annotation: this podvisor loads no profile, so it runs
 * unconfined and the pod is warned. NULL when none does, or when the
 * node has no AppArmor (admission refuses the pod there). */
const char *pv_apparmor_unenforced(const struct pv_pod *pod, bool enabled);

#endif
