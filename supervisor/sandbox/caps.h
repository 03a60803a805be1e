/* Linux capabilities and the identity a container's process runs with.
 *
 * Owns: the capability names (as Kubernetes and the OCI spec write them),
 * the default set (Docker's and containerd's, 0xa80425fb), the
 * resolution of securityContext.capabilities add/drop the way containerd
 * resolves them (pure: tests/unit/test_caps.c), and carrying a set out
 * in a process about to exec, the way runc does: supplementary groups,
 * the bounding set, permitted = effective = the set (inheritable and
 * ambient empty, as containerd since CVE-2022-24769), no_new_privs. For
 * a non-root user the kernel then clears permitted and effective at
 * exec (no file capabilities, no ambient set): CapEff 0, as with
 * containerd. Also what `podvisor exec` and exec probes need to run a
 * command as the container was configured to run (as runc exec uses the
 * OCI config's user and capabilities, whatever the main process became
 * since): the identity record the container's process writes to its
 * state directory as it sets its identity up, read back and taken on.
 *
 * May call: libcap, manifests (types), common, core/fsutil (the record). */
#ifndef PV_SUPERVISOR_CAPS_H
#define PV_SUPERVISOR_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "manifests/types.h"


/* CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP
 * SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE */
#define PV_CAPS_DEFAULT UINT64_C(0xa80425fb)
/* Every capability this file knows a name for (0 .. CHECKPOINT_RESTORE). */
#define PV_CAPS_LAST 40
#define PV_CAPS_ALL ((UINT64_C(1) << (PV_CAPS_LAST + 1)) - 1)

/* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin": 12; -1 when unknown. */
int pv_cap_from_name(const char *name);
/* 12: "NET_ADMIN"; NULL when unknown. */
const char *pv_cap_name(int cap);
/* BASE with C's add and drop applied as containerd applies them: "ALL"
 * in add, then "ALL" in drop, then each named add, then each named drop.
 * An unknown name is an error naming it. */
int pv_caps_resolve(uint64_t base, const struct pv_capabilities *c, uint64_t *out,
		    struct pv_err *err);
/* What "ALL" in C's add brought in that no name in add asks for: wanted
 * only if the node's podvisor holds them (containerd's "ALL" is the
 * capabilities the runtime itself has); 0 without "ALL" or with "ALL"
 * in drop. A capability named in add is required. */
uint64_t pv_caps_if_held(const struct pv_capabilities *c);

/* In the container's process, after its user was set (with
 * PR_SET_KEEPCAPS on: pv_caps_keep): the supplementary groups (the
 * user's primary group, its groups in the image's /etc/group unless the
 * policy is Strict, the spec's), the capability sets, no_new_privs. */
struct pv_caps_want {
	uint64_t caps;            /* bounding = permitted = effective */
	bool no_new_privs;        /* allowPrivilegeEscalation: false */
	bool privileged;          /* every capability the node gives */
	const int64_t *groups;    /* supplementalGroups and fsGroup */
	size_t ngroups;
	bool groups_strict;       /* supplementalGroupsPolicy Strict: not the image's /etc/group */
	uint64_t caps_if_held;    /* of CAPS, those left out when the node lacks them */
	int record_fd;            /* > 0: the identity record (PV_IDENTITY_FILE) goes here */
};
void pv_caps_keep(void);
int pv_caps_enter_container(const struct pv_caps_want *w, struct pv_err *err);

/* The identity a container's process was set up with (in its user
 * namespace's ids): what `podvisor exec` and exec probes take on. */
struct pv_identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups;      /* the supplementary groups (any number: NGROUPS_MAX) */
	size_t ngroups, groups_cap;
	uint64_t caps;      /* bounding = permitted = effective */
	bool no_new_privs;
};
/* The record's name in the container's state directory. */
#define PV_IDENTITY_FILE "identity"

/* The record's text ("uid U\ngid G\ngroups G...\ncaps HEX\nnnp 0|1\nend\n")
 * into ID: 0, or -1 with EIO when a line is missing, malformed or the
 * record was cut short (ID then empty). */
int pv_identity_parse(const char *text, struct pv_identity *id, struct pv_err *err);
/* CDIR/PV_IDENTITY_FILE, parsed; a missing or unreadable record is an
 * error (never root by default), its message whole (strerror in it). */
int pv_identity_read(const char *cdir, struct pv_identity *id, struct pv_err *err);
void pv_identity_free(struct pv_identity *id);
/* Take on ID (as root, before exec): groups, gid, uid, capabilities,
 * no_new_privs. */
int pv_identity_become(const struct pv_identity *id, struct pv_err *err);

#endif
