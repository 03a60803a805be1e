#include "supervisor/sandbox/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "volumes/safepath.h"

/* The kubelet's safe set (pkg/kubelet/sysctl/safe_sysctls.go): namespaced
 * and isolated between pods. Those it gates on a kernel version
 * (ip_local_reserved_ports 3.16, the tcp_keepalive ones 4.5,
 * tcp_fin_timeout 4.6) are here whatever the kernel: podvisor needs a
 * newer one anyway (openat2, pidfds). */
static const char *const safe[] = {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem", /* since Kubernetes 1.32: the pod's own sockets' buffers */
	"net.ipv4.tcp_wmem",
};

#define NAME_MAX_LEN 253 /* Kubernetes' SysctlMaxLength */

void pv_sysctl_dotted(const char *name, char *out, size_t len)
{
	size_t first = strcspn(name, "./"), i = 0;
	bool swap = name[first] == '/';

	if (!len)
		return;
	for (; name[i] && i + 1 < len; i++)
		out[i] = !swap ? name[i] : name[i] == '/' ? '.' : name[i] == '.' ? '/' : name[i];
	out[i] = '\0';
}

enum pv_sysctl_ns pv_sysctl_namespace(const char *name)
{
	static const char *const ipc_prefixes[] = { "kernel.shm", "kernel.msg", "fs.mqueue." };

	if (strcmp(name, "kernel.sem") == 0)
		return PV_SYSCTL_NS_IPC;
	for (size_t i = 0; i < sizeof(ipc_prefixes) / sizeof(ipc_prefixes[0]); i++)
		if (strncmp(name, ipc_prefixes[i], strlen(ipc_prefixes[i])) == 0)
			return PV_SYSCTL_NS_IPC;
	return strncmp(name, "net.", 4) == 0 ? PV_SYSCTL_NS_NET : PV_SYSCTL_NS_UNKNOWN;
}

bool pv_sysctl_safe(const char *name)
{
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (strcmp(name, safe[i]) == 0)
			return true;
	return false;
}

/* Kubernetes' sysctl pattern, with slashes (SysctlContainSlashPatternFmt):
 * segments, the last of which may end in '*'. */
#define SEGMENT "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
#define PATTERN_RE "^(" SEGMENT "[./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]$"

#define NAME_RE "^(" SEGMENT "[./])*" SEGMENT "$"

bool pv_sysctl_name_valid(const char *name)
{
	regex_t re;
	bool ok;

	if (!name || strlen(name) > NAME_MAX_LEN || regcomp(&re, NAME_RE, REG_EXTENDED | REG_NOSUB))
		return false;
	ok = regexec(&re, name, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

int pv_sysctl_pattern_check(const char *pattern, struct pv_err *err)
{
	char dotted[NAME_MAX_LEN + 1];
	regex_t re;
	bool ok;
	size_t n = strlen(pattern);

	if (regcomp(&re, PATTERN_RE, REG_EXTENDED | REG_NOSUB) != 0)
		return pv_err_set(err, ENOMEM, "cannot compile the sysctl pattern");
	ok = n <= NAME_MAX_LEN && regexec(&re, pattern, 0, NULL, 0) == 0;
	regfree(&re);
	if (!ok)
		return pv_err_set(err, EINVAL, "sysctl \"%s\" must have at most %d characters and "
				  "match regex %s", pattern, NAME_MAX_LEN, PATTERN_RE);
	pv_sysctl_dotted(pattern, dotted, sizeof(dotted));
	n = strlen(dotted);
	if (dotted[n - 1] == '*')
		dotted[n - 1] = '\0';
	if (pv_sysctl_namespace(dotted) == PV_SYSCTL_NS_UNKNOWN)
		return pv_err_set(err, EINVAL, "the sysctl%s \"%s\" are not known to be namespaced",
				  n && pattern[strlen(pattern) - 1] == '*' ? "s" : "", pattern);
	return 0;
}

bool pv_sysctl_pattern_match(const char *pattern, const char *name)
{
	char p[NAME_MAX_LEN + 1];
	size_t n;

	pv_sysctl_dotted(pattern, p, sizeof(p));
	n = strlen(p);
	if (n && p[n - 1] == '*')
		return strncmp(name, p, n - 1) == 0;
	return strcmp(name, p) == 0;
}

static const char *ns_name(enum pv_sysctl_ns ns)
{
	return ns == PV_SYSCTL_NS_IPC ? "ipc" : "net";
}

int pv_sysctl_admit(const struct pv_pod *pod, char *const *unsafe, size_t n, struct pv_err *err)
{
	const struct pv_pod_spec *spec = &pod->spec;

	for (size_t i = 0; i < spec->security_context.sysctls.n; i++) {
		const char *raw = spec->security_context.sysctls.items[i].name.v;
		char name[NAME_MAX_LEN + 1];
		enum pv_sysctl_ns ns;
		bool allowed;

		if (!pv_sysctl_name_valid(raw)) /* Kubernetes' validation refuses it */
			return pv_err_set(err, EINVAL, "forbidden sysctl: \"%s\": must have at most "
					  "%d characters and match regex %s", raw ? raw : "",
					  NAME_MAX_LEN, NAME_RE);
		pv_sysctl_dotted(raw ? raw : "", name, sizeof(name));
		ns = pv_sysctl_namespace(name);
		allowed = pv_sysctl_safe(name);
		for (size_t k = 0; !allowed && k < n; k++)
			allowed = pv_sysctl_pattern_match(unsafe[k], name);
		if (!allowed || ns == PV_SYSCTL_NS_UNKNOWN)
			return pv_err_set(err, EPERM, "forbidden sysctl: \"%s\" not allowlisted", name);
		if ((ns == PV_SYSCTL_NS_NET && spec->host_network.v) ||
		    (ns == PV_SYSCTL_NS_IPC && spec->host_ipc.v))
			return pv_err_set(err, EPERM, "forbidden sysctl: \"%s\" not allowed with host "
					  "%s enabled", name, ns_name(ns));
	}
	return 0;
}

/* ---- setting them ---- */

int pv_sysctl_path(const char *name, char *out, size_t len)
{
	char dotted[NAME_MAX_LEN + 1];
	size_t o = strlen(PV_SYSCTL_ROOT "/"), seg = o;

	if (!pv_sysctl_name_valid(name)) /* no empty segment: no "..", no "//" */
		return errno = EINVAL, -1;
	pv_sysctl_dotted(name, dotted, sizeof(dotted));
	if (len < o + strlen(dotted) + 1)
		return errno = ENAMETOOLONG, -1;
	memcpy(out, PV_SYSCTL_ROOT "/", o);
	/* dots are the separators; a slash left in the dotted name is a dot
	 * in a segment (an interface "eth0.100") */
	for (size_t i = 0; dotted[i]; i++, o++)
		out[o] = dotted[i] == '.' ? '/' : dotted[i] == '/' ? '.' : dotted[i];
	out[o] = '\0';
	/* and, whatever the check above lets through, a path that stays
	 * beneath /proc/sys: every segment non-empty, none "." or ".." */
	for (size_t i = seg;; i++) {
		if (out[i] == '/' || !out[i]) {
			size_t n = i - seg;

			if (n == 0 || (n == 1 && out[seg] == '.') ||
			    (n == 2 && out[seg] == '.' && out[seg + 1] == '.'))
				return errno = EINVAL, -1;
			if (!out[i])
				break;
			seg = i + 1;
		}
	}
	return 0;
}

static int write_one(int root, const char *name, const char *value)
{
	char path[sizeof(PV_SYSCTL_ROOT) + NAME_MAX_LEN + 1];
	struct pv_err err = { 0 };
	size_t len = strlen(value);
	int fd;
	ssize_t w;

	if (pv_sysctl_path(name, path, sizeof(path)) < 0)
		return -1;
	/* beneath /proc/sys, which the kernel checks as well */
	fd = pv_open_beneath(root, path + sizeof(PV_SYSCTL_ROOT), PV_RESOLVE_BENEATH, O_WRONLY, &err);
	if (fd < 0)
		return errno = err.code ? err.code : errno, -1;
	w = write(fd, value, len);
	if (w < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return (size_t)w == len ? 0 : (errno = EIO, -1);
}

/* The namespace of this process of the kind NS ("net", "ipc"). */
static int ns_id(const char *ns, struct stat *st)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", ns);
	return stat(path, st);
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* In the forked writer: the namespaces POD's sysctls are in (only those:
 * a hostNetwork pod's IPC sysctls need no network namespace), and with
 * hostUsers: false its user namespace, joined through the init's pidfd,
 * which a reused PID cannot redirect; each must then differ from the
 * daemon's, or the values would be the node's. */
static int enter(int pidfd, const struct pv_pod *pod, int out)
{
	const struct pv_pod_security_context *psc = &pod->spec.security_context;
	bool userns = pod->spec.host_users.set && !pod->spec.host_users.v;
	struct stat net0, ipc0, net1, ipc1;
	bool net = false, ipc = false;

	for (size_t i = 0; i < psc->sysctls.n; i++) {
		const char *raw = psc->sysctls.items[i].name.v;
		char name[NAME_MAX_LEN + 1];

		if (!pv_sysctl_name_valid(raw))
			return dprintf(out, "\"%s\" is not a sysctl name", raw ? raw : ""), -1;
		pv_sysctl_dotted(raw, name, sizeof(name));
		switch (pv_sysctl_namespace(name)) {
		case PV_SYSCTL_NS_NET:
			net = true;
			break;
		case PV_SYSCTL_NS_IPC:
			ipc = true;
			break;
		case PV_SYSCTL_NS_UNKNOWN:
			return dprintf(out, "\"%s\" is not known to be namespaced: it would be "
				       "the node's", name), -1;
		}
	}
	if (ns_id("net", &net0) < 0 || ns_id("ipc", &ipc0) < 0)
		return dprintf(out, "/proc/thread-self/ns: %s", strerror(errno)), -1;
	if (setns(pidfd, (userns ? CLONE_NEWUSER : 0) | (net ? CLONE_NEWNET : 0) |
			 (ipc ? CLONE_NEWIPC : 0)) < 0)
		return dprintf(out, "cannot enter the pod's namespaces: %s",
			       errno == ESRCH ? "the pod's init is gone" : strerror(errno)), -1;
	/* the IPC sysctls are writable by their namespace's root only (no
	 * capability will do): the pod's root, in its user namespace */
	if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return dprintf(out, "cannot be root in the pod's user namespace: %s",
			       strerror(errno)), -1;
	if (ns_id("net", &net1) < 0 || ns_id("ipc", &ipc1) < 0)
		return dprintf(out, "/proc/thread-self/ns: %s", strerror(errno)), -1;
	if (net && same_ns(&net0, &net1))
		return dprintf(out, "the pod's init is not in a network namespace of its own: "
			       "nothing written"), -1;
	if (ipc && same_ns(&ipc0, &ipc1))
		return dprintf(out, "the pod's init is not in an IPC namespace of its own: "
			       "nothing written"), -1;
	return 0;
}

static void __attribute__((noreturn)) writer(int pidfd, const struct pv_pod *pod, int out)
{
	const struct pv_pod_security_context *psc = &pod->spec.security_context;
	int root;

	if (enter(pidfd, pod, out) < 0)
		_exit(1);
	root = open(PV_SYSCTL_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		dprintf(out, "%s: %s", PV_SYSCTL_ROOT, strerror(errno));
		_exit(1);
	}
	for (size_t i = 0; i < psc->sysctls.n; i++) {
		const struct pv_sysctl *s = &psc->sysctls.items[i];

		if (write_one(root, s->name.v, s->value.v ? s->value.v : "") < 0) {
			dprintf(out, "sysctl \"%s\" = \"%s\": %s", s->name.v,
				s->value.v ? s->value.v : "", strerror(errno));
			_exit(1);
		}
	}
	_exit(0);
}

int pv_sysctl_apply(int init_pidfd, const struct pv_pod *pod, struct pv_err *err)
{
	int fds[2] = { -1, -1 }, status = 0;
	char msg[400];
	ssize_t n;
	pid_t pid;

	if (pod->spec.security_context.sysctls.n == 0)
		return 0;
	if (init_pidfd < 0)
		return pv_err_set(err, ESRCH, "cannot set the pod's sysctls: the pod's init is gone");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pv_err_sys(err, errno, "cannot set the pod's sysctls: pipe");
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		writer(init_pidfd, pod, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return pv_err_sys(err, errno, "cannot set the pod's sysctls: fork");
	}
	while ((n = read(fds[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	msg[n > 0 ? n : 0] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return pv_err_set(err, EIO, "cannot set the pod's sysctls: %s",
			  msg[0] ? msg : "the writer died");
}
