#include "supervisor/sandbox/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static int join(pid_t init, const char *ns, int type)
{
	char path[64];
	int fd, rc;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)init, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, type);
	close(fd);
	return rc;
}

static int write_one(const char *name, const char *value)
{
	char dotted[NAME_MAX_LEN + 1], path[NAME_MAX_LEN + 16];
	size_t len = strlen(value);
	int fd;
	ssize_t w;

	if (!pv_sysctl_name_valid(name)) /* no empty segment: no "..", no "//" */
		return errno = EINVAL, -1;
	/* /proc/sys/ + the name with dots as slashes (and its slashes as dots) */
	pv_sysctl_dotted(name, dotted, sizeof(dotted));
	snprintf(path, sizeof(path), "/proc/sys/");
	for (size_t i = 0, o = strlen(path); dotted[i] && o + 1 < sizeof(path); i++, o++) {
		path[o] = dotted[i] == '.' ? '/' : dotted[i] == '/' ? '.' : dotted[i];
		path[o + 1] = '\0';
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
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

static void __attribute__((noreturn)) writer(pid_t init, const struct pv_pod *pod, int out)
{
	const struct pv_pod_security_context *psc = &pod->spec.security_context;

	if (join(init, "net", CLONE_NEWNET) < 0 || join(init, "ipc", CLONE_NEWIPC) < 0) {
		dprintf(out, "cannot enter the pod's namespaces: %s", strerror(errno));
		_exit(1);
	}
	for (size_t i = 0; i < psc->sysctls.n; i++) {
		const struct pv_sysctl *s = &psc->sysctls.items[i];

		if (write_one(s->name.v, s->value.v ? s->value.v : "") < 0) {
			dprintf(out, "sysctl \"%s\" = \"%s\": %s", s->name.v,
				s->value.v ? s->value.v : "", strerror(errno));
			_exit(1);
		}
	}
	_exit(0);
}

int pv_sysctl_apply(pid_t init, const struct pv_pod *pod, struct pv_err *err)
{
	int fds[2] = { -1, -1 }, status = 0;
	char msg[400];
	ssize_t n;
	pid_t pid;

	if (pod->spec.security_context.sysctls.n == 0)
		return 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pv_err_sys(err, errno, "cannot set the pod's sysctls: pipe");
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		writer(init, pod, fds[1]);
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
