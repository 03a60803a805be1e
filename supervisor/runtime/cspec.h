/* A container's run specification: what the shim executes, resolved by
 * the daemon from the Pod and the image the way Kubernetes resolves it
 * (command/args against Entrypoint/Cmd, env from the image, envFrom and
 * env with $(VAR) expansion, workingDir, user), and carried to the shim
 * as JSON in the container's state directory. */
#ifndef PV_SUPERVISOR_CSPEC_H
#define PV_SUPERVISOR_CSPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "common/err.h"
#include "manifests/types.h"

struct pv_image_config;
struct pv_desired;

/* A volume mounted into the container: SOURCE on the host (resolved and
 * checked by the daemon), TARGET inside the container, SUB_PATH inside
 * the source (resolved beneath it when mounting). */
struct pv_mount {
	char *source, *target, *sub_path;
	bool read_only;
};

struct pv_cspec {
	char *pod_uid, *pod_ns, *pod_name, *name;
	pid_t init_pid;           /* the pod's init: whose namespaces to join */
	uint64_t init_start;      /* its start time, against PID reuse */
	char **argv;              /* NULL-terminated */
	char **env;               /* NULL-terminated "K=V" */
	char *cwd;
	char *user;               /* "uid[:gid]" or names, resolved in the rootfs; NULL: root */
	char **layers;            /* overlay lower dirs, lowest first, NULL-terminated */
	char *dir;                /* the container's state directory */
	char *pod_dir;            /* hostname, hosts, resolv.conf live here */
	int64_t log_max;          /* bytes per log file before rotation */
	bool log_journald;        /* each line to the systemd journal too */
	int64_t restart;          /* how many times it restarted: names its log file */
	bool read_only_root;
	char *cgroup;             /* "PARENT/pod-UID/NAME"; NULL: no cgroup */
	int64_t memory_max;       /* bytes, from limits.memory */
	int64_t cpu_max_milli;    /* from limits.cpu */
	int64_t cpu_request_milli; /* from requests.cpu */
	struct pv_mount *mounts;
	size_t nmounts;
	/* what the process may do (sandbox/caps.h) */
	bool caps_set;            /* false: a spec without them: caps is the default set */
	uint64_t caps;            /* bounding = permitted = effective */
	bool no_new_privs;        /* allowPrivilegeEscalation: false */
	bool privileged;          /* every capability; no masked or read-only paths */
	int64_t *groups;          /* supplementalGroups and fsGroup */
	size_t ngroups;
	bool groups_strict;       /* supplementalGroupsPolicy Strict: not the image's /etc/group */
	int64_t userns_base;      /* hostUsers: false: the pod's first host id (its ids
				   * 0..65535 are userns_base..+65535); 0: the host's users */
	struct json_object *seccomp; /* the normalised profile (seccomp.h); NULL: Unconfined */
	uint64_t caps_if_held;    /* of caps, those "ALL" brought in: left out if the node lacks them */
	bool proc_unmasked;       /* procMount: Unmasked: no masked or read-only /proc paths */
};

/* What a container's environment may refer to. */
struct pv_env_ctx {
	const struct pv_pod *pod;
	const char *pod_uid;
	const char *node_name;
	const char *pod_ip;
	const char *host_ip;
	const struct pv_desired *desired; /* ConfigMaps and Secrets */
	char *const *service_env; /* "K=V" for the namespace's Services; may be NULL */
};

/* Kubernetes' $(VAR) expansion of S against the NULL-terminated "K=V"
 * list ENV: $(NAME) is replaced when NAME is defined, $$ is a literal $,
 * anything else is kept as written. Returns a malloc'd string. */
char *pv_expand_vars(const char *s, char *const *env);

/* Resolve C's environment: the image's, overridden by envFrom, then env.
 * A missing ConfigMap/Secret/key that is not optional is an error
 * (Kubernetes' CreateContainerConfigError). SPEC_ONLY (may be NULL)
 * receives the variables the Pod itself defines: $(VAR) in env values,
 * command and args refers to those only, never to the image's ENV. */
int pv_cspec_env(const struct pv_container *c, const struct pv_image_config *img,
		 const struct pv_env_ctx *ctx, char ***out, char ***spec_only,
		 struct pv_err *err);
/* Resolve the command line from command/args and Entrypoint/Cmd; ENV is
 * what $(VAR) expands against (SPEC_ONLY above). */
int pv_cspec_argv(const struct pv_container *c, const struct pv_image_config *img,
		  char *const *env, char ***out, struct pv_err *err);

struct json_object *pv_cspec_to_json(const struct pv_cspec *s);
int pv_cspec_from_json(struct json_object *j, struct pv_cspec *s, struct pv_err *err);
void pv_cspec_free(struct pv_cspec *s);
void pv_strv_free(char **v);
size_t pv_strv_len(char *const *v);

#endif
