/* Seccomp: which profile a container runs under, and the filter itself.
 *
 * Owns: the choice between RuntimeDefault, Unconfined and Localhost
 * (securityContext.seccompProfile at pod and container level, the node's
 * default, privileged containers); the runtime default profile, Docker's
 * (moby's profiles/seccomp/default.json) written as a C table; reading a
 * Localhost profile (Docker/OCI JSON) from beneath the node's profile
 * root; and turning a profile into a libseccomp filter and loading it.
 *
 * The daemon resolves a container's profile into one normalised OCI
 * document (includes/excludes, archMap and the capability gates already
 * applied against the container's capabilities) and carries it to the
 * shim in the cspec; the shim loads it after pivot_root, before dropping
 * to the container's user. A profile is checked by building its filter
 * in the daemon, so a bad one is a CreateContainerConfigError there and
 * never a failed container start.
 *
 * Syscalls newer than the node's libseccomp are applied by number, and
 * syscalls newer than the profile get ENOSYS rather than the default
 * EPERM (runc's stub), by a short BPF prelude (sandbox/seccomp_nr); a
 * name neither libseccomp nor that table knows is refused.
 *
 * May call: libseccomp, json-c, sandbox/seccomp_default (the table),
 * sandbox/seccomp_nr (numbers and the prelude),
 * sandbox/caps (capability names), volumes/safepath (the Localhost
 * path), core/fsutil (the compiled filter's file), manifests/types.h
 * (the security contexts), common. Never logs. */
#ifndef PV_SUPERVISOR_SANDBOX_SECCOMP_H
#define PV_SUPERVISOR_SANDBOX_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <linux/filter.h>

#include "common/err.h"
#include "manifests/types.h"

#define PV_SECCOMP_PROFILE_ROOT "/var/lib/podvisor/seccomp"

enum pv_seccomp_kind {
	PV_SECCOMP_UNCONFINED,
	PV_SECCOMP_RUNTIME_DEFAULT,
	PV_SECCOMP_LOCALHOST,
};

/* The node's settings: --seccomp-profile-root, --seccomp-default. */
struct pv_seccomp_node {
	const char *profile_root;
	bool runtime_default;   /* false: Unconfined when a pod names none */
};

/* Which profile a container gets: the container's seccompProfile, else
 * the pod's, else Unconfined for a PRIVILEGED container, else the node's
 * default. For Localhost, *LOCALHOST is the named profile (may be NULL
 * when the manifest gave none). Pure. */
enum pv_seccomp_kind pv_seccomp_choose(const struct pv_pod_security_context *psc,
				       const struct pv_security_context *sc, bool privileged,
				       bool node_default, const struct pv_str **localhost);

/* Open REL beneath ROOT for reading: REL must be relative, without "..",
 * and no symlink may lead out of ROOT. Returns the fd, or -1 with ERR. */
int pv_seccomp_open_localhost(const char *root, const char *rel, struct pv_err *err);

/* Read a profile in the Docker/OCI format (BUF, LEN; NAME says where it
 * came from, in messages) and normalise it for CAPS: the entries whose
 * includes/excludes do not match this node and CAPS left out, archMap
 * reduced to this architecture's entry. Checks it builds into a filter.
 * Returns a new object, or NULL with ERR. */
struct json_object *pv_seccomp_parse(const char *buf, size_t len, const char *name, uint64_t caps,
				     struct pv_err *err);

/* The runtime default profile (Docker's) for CAPS, normalised. */
struct json_object *pv_seccomp_runtime_default(uint64_t caps, struct pv_err *err);

/* A container's profile, everything above in one call, for a container
 * with capabilities CAPS (bit N is capability N: sandbox/secctx.h's
 * resolution), PRIVILEGED or not: *OUT is NULL for Unconfined, else the
 * normalised profile (the caller's reference). Errors name the profile
 * file and what is wrong with it. */
int pv_seccomp_resolve(const struct pv_pod_security_context *psc,
		       const struct pv_security_context *sc, bool privileged, uint64_t caps,
		       const struct pv_seccomp_node *node, struct json_object **out,
		       struct pv_err *err);

/* A filter compiled to BPF ahead of time, for a child that must not
 * allocate after fork: `podvisor exec` and exec probes and hooks. */
struct pv_seccomp_bpf {
	struct sock_filter *insns; /* NULL: no filter (Unconfined) */
	unsigned short len;
};

/* In a container's state directory: its filter, compiled by the daemon
 * before each start (raw struct sock_filter; empty: Unconfined). */
#define PV_SECCOMP_BPF "seccomp.bpf"

/* Compile PROFILE (NULL: an empty file) and write it to PATH. The
 * daemon does, for each container it starts: the last few profiles
 * compiled are kept, so a profile is compiled once, not per container. */
int pv_seccomp_save_bpf(struct json_object *profile, const char *path, struct pv_err *err);
/* Install B, compiled from PROFILE (its flags), in the calling thread, as
 * pv_seccomp_load does; an empty B installs nothing. */
int pv_seccomp_load_bpf(const struct pv_seccomp_bpf *b, struct json_object *profile,
			struct pv_err *err);
/* Read a filter saved so: 0 (OUT empty for an empty file), 1 when PATH
 * does not exist (a container started before there were such files), or
 * -1 with ERR. */
int pv_seccomp_read_bpf(const char *path, struct pv_seccomp_bpf *out, struct pv_err *err);

/* The profile a container runs under, from SPEC (the path of the spec
 * its shim read: DIR/PV_SHIM_SPEC), compiled. Unconfined: OUT stays
 * empty. */
int pv_seccomp_compile_spec(const char *spec, struct pv_seccomp_bpf *out, struct pv_err *err);
/* Install B in the calling thread (async-signal-safe); 0 for an empty
 * one. -1 with errno. Needs CAP_SYS_ADMIN or no_new_privs. */
int pv_seccomp_install(const struct pv_seccomp_bpf *b);
void pv_seccomp_bpf_free(struct pv_seccomp_bpf *b);

/* Build PROFILE (normalised) into a filter and load it into the calling
 * thread; NULL loads nothing. no_new_privs is left alone: the caller
 * still has CAP_SYS_ADMIN. */
int pv_seccomp_load(struct json_object *profile, struct pv_err *err);

#endif
