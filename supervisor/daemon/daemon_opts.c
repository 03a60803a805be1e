/* podvisor daemon's settings: see daemon_opts.h. */
#include "supervisor/daemon/daemon_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "manifests/names.h"
#include "supervisor/core/command.h"
#include "supervisor/core/log.h"
#include "supervisor/daemon/daemon_usage.h"
#include "supervisor/daemon/nodeconf.h"
#include "supervisor/pods/pods_pull.h"
#include "supervisor/sandbox/seccomp.h"
#include "supervisor/sandbox/apparmor.h"
#include "supervisor/sandbox/sysctl.h"
#include "supervisor/sandbox/secctx.h"
#include "supervisor/source/admit.h"
#include "netrules/proxymode/proxymode.h"

/* --manifest-link-allow, --manifest-max-bytes: into d->desired.admit at start. */
static struct {
	char **link_allow;
	size_t nlink_allow;
	int64_t max_bytes;
} source_opts;

static int parse_port_range(const char *s, struct pv_daemon *d)
{
	unsigned int lo, hi;
	char extra;

	if (sscanf(s, "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi)
		return -1;
	d->nodeport_min = lo;
	d->nodeport_max = hi;
	return 0;
}

/* Options without a short letter. */
enum { OPT_SECCOMP_ROOT = 0x5c01, OPT_SECCOMP_DEFAULT, OPT_UNSAFE_SYSCTLS, OPT_CLAIM_GRACE, OPT_STATUS_DIR,
       OPT_RULES_CHECK, OPT_PROXY_MODE, OPT_PULL_BACKOFF, OPT_INSECURE_REGISTRY, OPT_REGISTRY_MIRROR,
       OPT_REGISTRY_CREDS, OPT_IMAGES_IMPORT, OPT_LOG_JOURNALD };

static const struct option daemon_opts[] = {
	{ "manifests", required_argument, NULL, 'm' },
	{ "state", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'F' },
	{ "node-name", required_argument, NULL, 'N' },
	{ "node-ip", required_argument, NULL, 'I' },
	{ "node-label", required_argument, NULL, 'l' },
	{ "local-path-root", required_argument, NULL, 'V' },
	{ "backoff-base", required_argument, NULL, 'B' },
	{ "claim-grace", required_argument, NULL, OPT_CLAIM_GRACE },
	{ "status-dir", required_argument, NULL, OPT_STATUS_DIR },
	{ "rules-check-period", required_argument, NULL, OPT_RULES_CHECK },
	{ "proxy-mode", required_argument, NULL, OPT_PROXY_MODE },
	{ "image-pull-backoff-base", required_argument, NULL, OPT_PULL_BACKOFF },
	{ "insecure-registry", required_argument, NULL, OPT_INSECURE_REGISTRY },
	{ "registry-mirror", required_argument, NULL, OPT_REGISTRY_MIRROR },
	{ "registry-credentials", required_argument, NULL, OPT_REGISTRY_CREDS },
	{ "images-import", required_argument, NULL, OPT_IMAGES_IMPORT },
	{ "log-max-bytes", required_argument, NULL, 'L' },
	{ "log-journald", optional_argument, NULL, OPT_LOG_JOURNALD },
	{ "shutdown-pods-on-exit", no_argument, NULL, 'X' },
	{ "cgroup-parent", required_argument, NULL, 'C' },
	{ "pod-cidr", required_argument, NULL, 'P' },
	{ "bridge", required_argument, NULL, 'b' },
	{ "service-cidr", required_argument, NULL, 'S' },
	{ "node-port-range", required_argument, NULL, 'R' },
	{ "cluster-domain", required_argument, NULL, 'D' },
	{ "host-path-allow", required_argument, NULL, 'H' },
	{ "pod-security", required_argument, NULL, 'Y' },
	{ "userns-pool", required_argument, NULL, 'U' },
	{ "manifest-link-allow", required_argument, NULL, 'K' },
	{ "manifest-max-bytes", required_argument, NULL, 'M' },
	{ "seccomp-profile-root", required_argument, NULL, OPT_SECCOMP_ROOT },
	{ "seccomp-default", optional_argument, NULL, OPT_SECCOMP_DEFAULT },
	{ "allowed-unsafe-sysctls", required_argument, NULL, OPT_UNSAFE_SYSCTLS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "pod-pids-limit", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

static int parse_positive(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* --node-label KEY=VALUE: added, or KEY's value replaced. */
static int add_node_label(struct pv_daemon *d, const char *arg)
{
	const char *eq = strchr(arg, '='), *why;
	cleanup_free char *key = NULL, *dup = NULL;
	char **v;

	if (!eq || !(key = strndup(arg, (size_t)(eq - arg))))
		return fprintf(stderr, "podvisor daemon: --node-label %s: KEY=VALUE is needed\n",
			       arg), -1;
	if ((why = pv_check_qualified_name(key)) || (why = pv_check_label_value(eq + 1)))
		return fprintf(stderr, "podvisor daemon: --node-label %s: %s\n", arg, why), -1;
	if (!(dup = strdup(arg)))
		return -1;
	for (size_t i = 0; i < d->nnode_labels; i++) {
		if (strncmp(d->node_labels[i], arg, (size_t)(eq - arg) + 1) == 0) {
			free(d->node_labels[i]);
			d->node_labels[i] = steal_pointer(&dup);
			return 0;
		}
	}
	if (!(v = reallocarray(d->node_labels, d->nnode_labels + 1, sizeof(*v))))
		return -1;
	d->node_labels = v;
	v[d->nnode_labels++] = steal_pointer(&dup);
	return 0;
}

/* --manifest-link-allow DIR (added), --manifest-max-bytes N. */
static int set_source_option(int c, const char *arg)
{
	char **v, *dup;

	if (c == 'M') {
		if (parse_positive(arg, &source_opts.max_bytes) < 0 ||
		    source_opts.max_bytes > PV_ADMIT_DEFAULT_MAX) {
			fprintf(stderr, "podvisor daemon: --manifest-max-bytes %s: a number of bytes "
				"from 1 to %u is needed\n", arg, PV_ADMIT_DEFAULT_MAX);
			return -1;
		}
		return 0;
	}
	if (arg[0] != '/') {
		fprintf(stderr, "podvisor daemon: --manifest-link-allow %s: an absolute directory "
			"is needed\n", arg);
		return -1;
	}
	v = realloc(source_opts.link_allow, (source_opts.nlink_allow + 1) * sizeof(*v));
	if (v)
		source_opts.link_allow = v;
	if (!v || !(dup = strdup(arg))) {
		fprintf(stderr, "podvisor daemon: --manifest-link-allow %s: out of memory\n", arg);
		return -1;
	}
	v[source_opts.nlink_allow++] = dup;
	return 0;
}

/* --log-journald with no journal to write to: said once; the shims try
 * each container's start (a journal started later is used). */

/* --seccomp-profile-root DIR, --seccomp-default[=true|false]. */
/* --NAME[=BOOL]: true when ARG is absent. */
static int set_bool(bool *out, const char *name, const char *arg)
{
	if (arg && strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0) {
		fprintf(stderr, "podvisor daemon: --%s=%s: true or false is needed\n", name, arg);
		return -1;
	}
	*out = !arg || strcmp(arg, "true") == 0;
	return 0;
}

static int set_seccomp_option(struct pv_daemon *d, int c, const char *arg)
{
	if (c == OPT_SECCOMP_ROOT) {
		if (arg[0] != '/') {
			fprintf(stderr, "podvisor daemon: --seccomp-profile-root %s: an absolute "
				"directory is needed\n", arg);
			return -1;
		}
		free(d->seccomp_profile_root);
		d->seccomp_profile_root = strdup(arg);
		return 0;
	}
	return set_bool(&d->seccomp_default, "seccomp-default", arg);
}

/* --allowed-unsafe-sysctls PATTERN: checked as the kubelet checks it, added. */
static int add_unsafe_sysctl(struct pv_daemon *d, const char *arg)
{
	struct pv_err err = { 0 };
	char **v, *dup = NULL;

	if (pv_sysctl_pattern_check(arg, &err) < 0)
		return fprintf(stderr, "podvisor daemon: --allowed-unsafe-sysctls %s: %s\n", arg,
			       err.msg), -1;
	if (!(v = reallocarray(d->allowed_unsafe_sysctls, d->nallowed_unsafe_sysctls + 1,
			       sizeof(*v))) || !(dup = strdup(arg))) {
		if (v)
			d->allowed_unsafe_sysctls = v;
		return fprintf(stderr, "podvisor daemon: out of memory\n"), -1;
	}
	d->allowed_unsafe_sysctls = v;
	v[d->nallowed_unsafe_sysctls++] = dup;
	return 0;
}

/* --proxy-mode: a name from netrules/proxymode (NULL: the default). */
static const char *proxy_mode;

static int set_proxy_mode(const char *arg)
{
	const struct pv_proxier_ops *ops = pv_proxy_mode(arg);
	const char *m;

	if (ops && arg[0]) {
		proxy_mode = ops->name;
		return 0;
	}
	fprintf(stderr, "podvisor daemon: --proxy-mode %s: one of", arg);
	for (size_t i = 0; (m = pv_proxy_mode_name(i)); i++)
		fprintf(stderr, "%s %s", i ? "," : "", m);
	fputs(" is needed\n", stderr);
	return -1;
}

/* The pods' pulls (pods_pull.h): --insecure-registry, --registry-mirror,
 * --registry-credentials, --image-pull-backoff-base; lists NULL-terminated. */
static struct {
	struct pv_pull_conf conf;
	char **insecure, **mirrors;
	size_t ninsecure, nmirrors;
	char *creds;
} pull_opts = { .conf = { .backoff_base_ms = 10000 } };

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = reallocarray(*v, *n + 2, sizeof(char *));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	nv[++*n] = NULL;
	return 0;
}

/* "host[:port]": no scheme, no path, no space. */
static bool host_port_valid(const char *s, size_t len)
{
	return len > 0 && len < 256 && strcspn(s, "/ \t@") >= len;
}

static int set_pull_option(int c, const char *arg)
{
	const char *eq = strchr(arg, '='), *m = eq ? eq + 1 : "";
	size_t ml = strlen(m);

	switch (c) {
	case OPT_PULL_BACKOFF:
		if (parse_positive(arg, &pull_opts.conf.backoff_base_ms) == 0)
			return 0;
		fprintf(stderr, "podvisor daemon: --image-pull-backoff-base %s: a positive number "
			"of milliseconds is needed\n", arg);
		return -1;
	case OPT_INSECURE_REGISTRY:
		if (!host_port_valid(arg, strlen(arg)))
			return fprintf(stderr, "podvisor daemon: --insecure-registry %s: HOST[:PORT] is "
				       "needed (no scheme, no path)\n", arg), -1;
		return strv_add(&pull_opts.insecure, &pull_opts.ninsecure, arg);
	case OPT_REGISTRY_MIRROR:
		if (strncmp(m, "http://", 7) == 0 || strncmp(m, "https://", 8) == 0) {
			const char *h = strstr(m, "://") + 3;

			ml = strlen(h) - (h[0] && h[strlen(h) - 1] == '/');
			m = h;
		}
		if (!eq || !host_port_valid(arg, (size_t)(eq - arg)) || !host_port_valid(m, ml))
			return fprintf(stderr, "podvisor daemon: --registry-mirror %s: REGISTRY=MIRROR "
				       "is needed (docker.io=mirror.local:5000, or a MIRROR "
				       "http://host[:port])\n", arg), -1;
		return strv_add(&pull_opts.mirrors, &pull_opts.nmirrors, arg);
	default: /* OPT_REGISTRY_CREDS */
		if (!arg[0])
			return fprintf(stderr, "podvisor daemon: --registry-credentials: a file is "
				       "needed\n"), -1;
		free(pull_opts.creds);
		pull_opts.creds = strdup(arg);
		return 0;
	}
}

/* --images-import DIR (images_import.h): NULL, STATE/images-import; "none". */
static char *images_import_dir;

/* At start: the settings to the pods' pulls. */
void pv_daemon_pull_setup(void)
{
	struct pv_pull_conf *c = &pull_opts.conf;

	c->creds_file = pull_opts.creds;
	c->insecure = (const char *const *)pull_opts.insecure;
	c->mirrors = (const char *const *)pull_opts.mirrors;
	c->backoff_max_ms = c->backoff_base_ms * 30; /* the kubelet's 10 s to 300 s */
	pv_pulls_configure(c);
}

/* A node setting, from the command line or the node config file. */
static int set_option(struct pv_daemon *d, int c, const char *arg)
{
	switch (c) {
	case 'N':
		free(d->node_name);
		d->node_name = strdup(arg);
		break;
	case 'I': {
		struct in_addr a;

		if (inet_pton(AF_INET, arg, &a) != 1) {
			fprintf(stderr, "podvisor daemon: --node-ip %s: not an IPv4 address\n",
				arg);
			return -1;
		}
		free(d->node_ip);
		d->node_ip = strdup(arg);
		break;
	}
	case 'V':
		if (arg[0] != '/') {
			fprintf(stderr, "podvisor daemon: --local-path-root %s: an absolute "
				"directory is needed\n", arg);
			return -1;
		}
		free(d->local_path_root);
		d->local_path_root = strdup(arg);
		break;
	case 'B':
	case 'L':
		if (parse_positive(arg, c == 'B' ? &d->backoff_base_ms : &d->log_max) < 0) {
			fprintf(stderr, "podvisor daemon: --%s %s: a positive number is needed\n",
				c == 'B' ? "backoff-base" : "log-max-bytes", arg);
			return -1;
		}
		break;
	case 'l':
		return add_node_label(d, arg);
	case 'X':
		d->shutdown_pods = true;
		break;
	case 'C':
		free(d->cgroup_parent);
		d->cgroup_parent = strdup(arg);
		break;
	case 'P':
		if (pv_cidr_parse(arg, &d->pod_cidr) < 0) {
			fprintf(stderr, "podvisor daemon: --pod-cidr %s: not an IPv4 CIDR "
				"like 10.88.0.0/16\n", arg);
			return -1;
		}
		break;
	case 'b':
		free(d->bridge);
		d->bridge = strdup(arg);
		break;
	case 'S':
		if (pv_cidr_parse(arg, &d->service_cidr) < 0) {
			fprintf(stderr, "podvisor daemon: --service-cidr %s: not an IPv4 CIDR "
				"like 10.96.0.0/16\n", arg);
			return -1;
		}
		break;
	case 'H': {
		char **v, *dup;

		if (arg[0] != '/') {
			fprintf(stderr, "podvisor daemon: --host-path-allow %s: an absolute "
				"directory is needed\n", arg);
			return -1;
		}
		v = realloc(d->host_path_allow, (d->nhost_path_allow + 1) * sizeof(*v));
		if (v)
			d->host_path_allow = v; /* the old array is gone once realloc succeeds */
		if (!v || !(dup = strdup(arg))) {
			fprintf(stderr, "podvisor daemon: --host-path-allow %s: out of memory\n", arg);
			return -1;
		}
		v[d->nhost_path_allow++] = dup;
		break;
	}
	case 'D':
		free(d->cluster_domain);
		d->cluster_domain = strdup(arg);
		break;
	case 'Y':
		if ((d->pod_security = pv_podsec_parse(arg)) < 0) {
			fprintf(stderr, "podvisor daemon: --pod-security %s: one of privileged, "
				"baseline, restricted is needed\n", arg);
			return -1;
		}
		break;
	case 'U': {
		struct pv_err err = { 0 };
		uint64_t count;

		if (pv_idpool_parse(arg, &d->userns_pool.start, &count, &err) < 0) {
			fprintf(stderr, "podvisor daemon: --userns-pool %s\n", err.msg);
			return -1;
		}
		d->userns_pool.nranges = (uint32_t)(count / PV_IDPOOL_RANGE);
		break;
	}
	case OPT_UNSAFE_SYSCTLS:
		return add_unsafe_sysctl(d, arg);
	case 'R':
		if (parse_port_range(arg, d) < 0) {
			fprintf(stderr, "podvisor daemon: --node-port-range %s: not a port range "
				"like 30000-32767\n", arg);
			return -1;
		}
		break;
	case 'K':
	case 'M':
		return set_source_option(c, arg);
	case OPT_SECCOMP_ROOT:
	case OPT_SECCOMP_DEFAULT:
		return set_seccomp_option(d, c, arg);
	case OPT_LOG_JOURNALD:
		return set_bool(&d->log_journald, "log-journald", arg);
	case OPT_STATUS_DIR:
		free(d->status_dir);
		d->status_dir = strdup(arg);
		break;
	case OPT_CLAIM_GRACE:
		if (parse_positive(arg, &d->claim_grace_ms) < 0) {
			fprintf(stderr, "podvisor daemon: --claim-grace %s: a positive number of "
				"milliseconds is needed\n", arg);
			return -1;
		}
		break;
	case OPT_PROXY_MODE:
		return set_proxy_mode(arg);
	case OPT_PULL_BACKOFF:
	case OPT_INSECURE_REGISTRY:
	case OPT_REGISTRY_MIRROR:
	case OPT_REGISTRY_CREDS:
		return set_pull_option(c, arg);
	case OPT_IMAGES_IMPORT:
		if (!arg[0])
			return fprintf(stderr, "podvisor daemon: --images-import: a directory, or "
				       "none, is needed\n"), -1;
		free(images_import_dir);
		images_import_dir = strdup(arg);
		break;
	case OPT_RULES_CHECK:
		if (strcmp(arg, "0") == 0) {
			d->rules_check_ms = 0;
		} else if (parse_positive(arg, &d->rules_check_ms) < 0 || d->rules_check_ms > 86400) {
			fprintf(stderr, "podvisor daemon: --rules-check-period %s: a number of seconds "
				"from 0 (never) to 86400 is needed\n", arg);
			return -1;
		} else {
			d->rules_check_ms *= 1000;
		}
		break;
	case 'p':
		if (strcmp(arg, "-1") != 0 && parse_positive(arg, &d->pod_pids_limit) < 0) {
			fprintf(stderr, "podvisor daemon: --pod-pids-limit %s: a positive number, or "
				"-1 for none, is needed\n", arg);
			return -1;
		}
		if (strcmp(arg, "-1") == 0)
			d->pod_pids_limit = -1;
		break;
	default:
		return -2;
	}
	return 0;
}

int pv_daemon_option(struct pv_daemon *d, const char *name, const char *value)
{
	int c = 0;

	for (const struct option *o = daemon_opts; o->name && !c; o++)
		c = strcmp(o->name, name) == 0 ? o->val : 0;
	return set_option(d, c, value);
}

/* The node config file: --config FILE, or /etc/podvisor/node.yaml when
 * it exists. Read before the other options, which override it. */
static int load_config(struct pv_daemon *d, int argc, char **argv)
{
	const char *path = NULL;
	struct pv_nodeconf conf;
	struct pv_err err = { 0 };

	/* as getopt_long reads it: --config, or a prefix as short as --co */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (n < 4 || strncmp(a, "--config", n) != 0)
			continue;
		if (eq)
			path = eq + 1;
		else if (i + 1 < argc)
			path = argv[++i];
	}
	if (!path && access(PV_NODECONF_DEFAULT, F_OK) == 0)
		path = PV_NODECONF_DEFAULT;
	if (!path)
		return 0;
	if (pv_nodeconf_load(path, &conf, &err) < 0) {
		fprintf(stderr, "podvisor daemon: %s\n", err.msg);
		return -1;
	}
	for (size_t i = 0; i < conf.n; i++) {
		const struct pv_nodeconf_item *it = &conf.items[i];

		/* -2 cannot be: the file's keys are options */
		if (pv_daemon_option(d, it->option, it->value) < 0) {
			fprintf(stderr, "podvisor daemon: (the setting at %s:%u:%u)\n", path, it->line,
				it->col);
			pv_nodeconf_free(&conf);
			return -1;
		}
	}
	pv_nodeconf_free(&conf);
	return 0;
}

static int parse_args(int argc, char **argv, struct pv_daemon *d)
{
	const char *state = NULL;
	int c, rc;

	if (load_config(d, argc, argv) < 0)
		return -1;
	while ((c = getopt_long(argc, argv, "m:s:vh", daemon_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			d->manifests = strdup(optarg);
			break;
		case 's':
			state = optarg;
			break;
		case 'F':
			break; /* read first, by load_config */
		case 'v':
			pv_log_set_level(PV_LOG_DEBUG);
			break;
		case 'h':
			fputs(pv_daemon_usage, stdout);
			return 1;
		default:
			if ((rc = set_option(d, c, optarg)) == 0)
				break;
			if (rc == -2)
				fputs("Try 'podvisor daemon --help'.\n", stderr);
			return -1;
		}
	}
	if (!d->manifests || optind < argc) {
		fputs("podvisor daemon: --manifests DIR is required\n"
		      "Try 'podvisor daemon --help'.\n", stderr);
		return -1;
	}
	d->state = strdup(pv_state_dir(state));
	return 0;
}

static void defaults(struct pv_daemon *d)
{
	char host[256] = "localhost";

	d->backoff_base_ms = 10000;
	d->claim_grace_ms = 5000;
	d->rules_check_ms = 60000;
	d->pod_pids_limit = 4096;
	d->log_max = 10 * 1024 * 1024;
	gethostname(host, sizeof(host) - 1);
	d->node_name = strdup(host);
	d->cgroup_parent = strdup("podvisor");
	d->bridge = strdup("pv0");
	pv_cidr_parse("10.88.0.0/16", &d->pod_cidr);
	pv_cidr_parse("10.96.0.0/16", &d->service_cidr);
	d->nodeport_min = 30000;
	d->nodeport_max = 32767;
	d->cluster_domain = strdup("cluster.local");
	d->local_path_root = strdup("/var/lib/podvisor/volumes");
	d->userns_pool.start = PV_IDPOOL_DEFAULT_START;
	d->userns_pool.nranges = (uint32_t)(PV_IDPOOL_DEFAULT_COUNT / PV_IDPOOL_RANGE);
	d->seccomp_profile_root = strdup(PV_SECCOMP_PROFILE_ROOT);
	d->seccomp_default = true;
	d->apparmor = pv_apparmor_enabled();
}

int pv_daemon_parse(int argc, char **argv, struct pv_daemon *d)
{
	defaults(d);
	return parse_args(argc, argv, d);
}

void pv_daemon_admit_setup(struct pv_daemon *d)
{
	d->desired.admit.link_allow = (const char *const *)source_opts.link_allow;
	d->desired.admit.nlink_allow = source_opts.nlink_allow;
	d->desired.admit.max_bytes = (uint64_t)source_opts.max_bytes;
}

const char *pv_daemon_proxy_mode(void)
{
	return proxy_mode;
}

const char *pv_daemon_images_import_dir(void)
{
	return images_import_dir;
}
