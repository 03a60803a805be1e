#include "supervisor/runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cpuacct: the CPU time used, for `top` (on v1 it may be mounted apart
 * from cpu; where it is not there, it is skipped like any other). */
static const char *const v1_controllers[] = { "memory", "cpu", "cpuacct", "pids" };

static bool unified(void)
{
	return access(PV_CGROUP_ROOT "/cgroup.controllers", F_OK) == 0;
}

static int write_str(const char *dir, const char *file, const char *val)
{
	char path[4096];
	int fd;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int read_str(const char *dir, const char *file, char *buf, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int mkdirs(const char *base, const char *rel, bool v2, struct pv_err *err)
{
	char path[4096];
	size_t blen = strlen(base);

	if (snprintf(path, sizeof(path), "%s/%s", base, rel) >= (int)sizeof(path))
		return pv_err_set(err, ENAMETOOLONG, "cgroup path too long");
	/* v1: the parents are there but for a pod's first: one mkdir */
	if (!v2 && (mkdir(path, 0755) == 0 || errno == EEXIST))
		return 0;
	for (char *p = path + blen + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return pv_err_sys(err, errno, "mkdir %s", path);
		/* v2: a child may use the controllers its parent enables */
		if (v2 && c == '/')
			write_str(path, "cgroup.subtree_control", "+memory +cpu +pids");
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

static void ctl_path(char *buf, size_t len, const char *ctl, const char *rel)
{
	if (ctl)
		snprintf(buf, len, PV_CGROUP_ROOT "/%s/%s", ctl, rel);
	else
		snprintf(buf, len, PV_CGROUP_ROOT "/%s", rel);
}

static void set_limits_v1(const char *rel, const struct pv_cg_limits *l)
{
	char dir[4096], v[64];

	ctl_path(dir, sizeof(dir), "memory", rel);
	if (l->memory_max > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->memory_max);
		write_str(dir, "memory.limit_in_bytes", v);
	}
	ctl_path(dir, sizeof(dir), "cpu", rel);
	if (l->cpu_max_milli > 0) {
		write_str(dir, "cpu.cfs_period_us", "100000");
		snprintf(v, sizeof(v), "%lld", (long long)(l->cpu_max_milli * 100));
		write_str(dir, "cpu.cfs_quota_us", v);
	}
	if (l->cpu_request_milli > 0) {
		/* Kubernetes' milliCPUToShares */
		int64_t shares = l->cpu_request_milli * 1024 / 1000;

		snprintf(v, sizeof(v), "%lld", (long long)(shares < 2 ? 2 : shares));
		write_str(dir, "cpu.shares", v);
	}
}

static void set_limits_v2(const char *rel, const struct pv_cg_limits *l)
{
	char dir[4096], v[64];

	ctl_path(dir, sizeof(dir), NULL, rel);
	if (l->memory_max > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->memory_max);
		write_str(dir, "memory.max", v);
		write_str(dir, "memory.swap.max", "0");
	}
	if (l->cpu_max_milli > 0) {
		snprintf(v, sizeof(v), "%lld 100000", (long long)(l->cpu_max_milli * 100));
		write_str(dir, "cpu.max", v);
	}
	if (l->cpu_request_milli > 0) {
		/* shares 2..262144 mapped to weight 1..10000, as runc does */
		int64_t shares = l->cpu_request_milli * 1024 / 1000;
		int64_t w = 1 + ((shares < 2 ? 2 : shares) - 2) * 9999 / 262142;

		snprintf(v, sizeof(v), "%lld", (long long)w);
		write_str(dir, "cpu.weight", v);
	}
}

int pv_cg_create(const char *rel, const struct pv_cg_limits *limits, struct pv_err *err)
{
	char base[256];

	if (unified()) {
		if (mkdirs(PV_CGROUP_ROOT, rel, true, err) < 0)
			return -1;
		set_limits_v2(rel, limits);
		return 0;
	}
	for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		snprintf(base, sizeof(base), PV_CGROUP_ROOT "/%s", v1_controllers[i]);
		if (access(base, F_OK) == 0 && mkdirs(base, rel, false, err) < 0)
			return -1;
	}
	set_limits_v1(rel, limits);
	return 0;
}

int pv_cg_enter(const char *rel, struct pv_err *err)
{
	char dir[4096];

	if (unified()) {
		ctl_path(dir, sizeof(dir), NULL, rel);
		return write_str(dir, "cgroup.procs", "0") < 0 ? pv_err_sys(err, errno, "%s", dir) : 0;
	}
	for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		ctl_path(dir, sizeof(dir), v1_controllers[i], rel);
		if (access(dir, F_OK) == 0 && write_str(dir, "cgroup.procs", "0") < 0)
			return pv_err_sys(err, errno, "%s", dir);
	}
	return 0;
}

bool pv_cg_oom_killed(const char *rel)
{
	char dir[4096], buf[1024];
	const char *p;

	ctl_path(dir, sizeof(dir), unified() ? NULL : "memory", rel);
	if (read_str(dir, unified() ? "memory.events" : "memory.oom_control", buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "oom_kill ");
	return p && strtoll(p + 9, NULL, 10) > 0;
}

static void kill_all(const char *dir)
{
	char buf[16384];
	char *save = NULL;

	if (write_str(dir, "cgroup.kill", "1") == 0)
		return;
	if (read_str(dir, "cgroup.procs", buf, sizeof(buf)) < 0)
		return;
	for (char *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		kill((pid_t)atoi(t), SIGKILL);
}

/* rmdir the cgroup, waiting briefly for killed processes to go. */
static void remove_dir(const char *dir)
{
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++) {
		kill_all(dir);
		usleep(10000);
	}
}

/* The container's cgroup; its pod's is its pod's owner's to remove
 * (pv_cg_pod_remove), holding the pod's pids limit across restarts. */
static void remove_tree(const char *base, const char *rel)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/%s", base, rel) >= (int)sizeof(path))
		return;
	remove_dir(path);
}

void pv_cg_remove(const char *rel)
{
	char base[256];

	if (unified()) {
		remove_tree(PV_CGROUP_ROOT, rel);
		return;
	}
	for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		snprintf(base, sizeof(base), PV_CGROUP_ROOT "/%s", v1_controllers[i]);
		remove_tree(base, rel);
	}
}

int pv_cg_join_pid(pid_t pid)
{
	char path[64], line[4096], dir[4096];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *rel;

		if (!ctl || !(rel = strchr(ctl + 1, ':')))
			continue;
		*rel++ = '\0';
		ctl++;
		rel[strcspn(rel, "\n")] = '\0';
		if (!*ctl && unified())
			snprintf(dir, sizeof(dir), PV_CGROUP_ROOT "%s", rel);
		else if (strcmp(ctl, "memory") == 0 || strcmp(ctl, "pids") == 0)
			snprintf(dir, sizeof(dir), PV_CGROUP_ROOT "/%s%s", ctl, rel);
		else if (strcmp(ctl, "cpuacct") == 0)
			snprintf(dir, sizeof(dir), PV_CGROUP_ROOT "/cpuacct%s", rel);
		else if (strstr(ctl, "cpu") && !strstr(ctl, "cpuset"))
			snprintf(dir, sizeof(dir), PV_CGROUP_ROOT "/cpu%s", rel);
		else
			continue;
		write_str(dir, "cgroup.procs", "0");
	}
	fclose(f);
	return 0;
}

/* The number after KEY (at a line's start) in BUF, or -1. */
static int64_t stat_value(const char *buf, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoll(l + kl + 1, NULL, 10);
	return -1;
}

int pv_cg_usage(const char *rel, struct pv_cg_usage *u)
{
	char dir[4096], buf[8192];
	bool v2 = unified();
	int64_t used, inactive;

	u->cpu_usec = u->working_set = -1;
	ctl_path(dir, sizeof(dir), v2 ? NULL : "cpuacct", rel);
	if (v2 && read_str(dir, "cpu.stat", buf, sizeof(buf)) == 0)
		u->cpu_usec = stat_value(buf, "usage_usec");
	else if (!v2 && read_str(dir, "cpuacct.usage", buf, sizeof(buf)) == 0)
		u->cpu_usec = strtoll(buf, NULL, 10) / 1000;
	/* the working set, as the kubelet reports it: usage less the
	 * inactive file cache, which the kernel reclaims first */
	ctl_path(dir, sizeof(dir), v2 ? NULL : "memory", rel);
	if (read_str(dir, v2 ? "memory.current" : "memory.usage_in_bytes", buf, sizeof(buf)) == 0) {
		used = strtoll(buf, NULL, 10);
		inactive = read_str(dir, "memory.stat", buf, sizeof(buf)) == 0
			   ? stat_value(buf, v2 ? "inactive_file" : "total_inactive_file") : 0;
		u->working_set = used - (inactive > 0 && inactive < used ? inactive : 0);
	}
	return u->cpu_usec < 0 && u->working_set < 0 ? -1 : 0;
}

/* ---- the pod's cgroup ---- */

int pv_cg_pod_create(const char *rel, int64_t pids_max, struct pv_err *err)
{
	char dir[4096], base[256], v[32];
	bool v2 = unified();

	if (pids_max > 0)
		snprintf(v, sizeof(v), "%lld", (long long)pids_max);
	else
		snprintf(v, sizeof(v), "max");
	if (v2) {
		if (mkdirs(PV_CGROUP_ROOT, rel, true, err) < 0)
			return -1;
		ctl_path(dir, sizeof(dir), NULL, rel);
	} else {
		for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
			snprintf(base, sizeof(base), PV_CGROUP_ROOT "/%s", v1_controllers[i]);
			if (access(base, F_OK) == 0 && mkdirs(base, rel, false, err) < 0)
				return -1;
		}
		ctl_path(dir, sizeof(dir), "pids", rel);
		if (access(dir, F_OK) < 0)
			return pids_max > 0 ? pv_err_set(err, ENOTSUP, "no pids cgroup controller: "
							 "the pod's pids limit cannot be set") : 0;
	}
	if (write_str(dir, "pids.max", v) < 0)
		return pv_err_sys(err, errno, "%s/pids.max", dir);
	return 0;
}

/* Every cgroup under DIR (a container whose shim died), then DIR. */
static void remove_pod_dir(const char *dir)
{
	char sub[4096];
	struct dirent *e;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= (int)sizeof(sub))
			continue;
		remove_dir(sub);
	}
	closedir(dh);
	remove_dir(dir);
}

void pv_cg_pod_remove(const char *rel)
{
	char dir[4096];

	if (unified()) {
		ctl_path(dir, sizeof(dir), NULL, rel);
		remove_pod_dir(dir);
		return;
	}
	for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		ctl_path(dir, sizeof(dir), v1_controllers[i], rel);
		remove_pod_dir(dir);
	}
}

/* The pod-UID directories under BASE/PARENT that KNOWN does not know. */
static size_t sweep_dir(const char *base, const char *parent,
			bool (*known)(const char *uid, void *data), void *data)
{
	char dir[4096], sub[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *dh;

	if (snprintf(dir, sizeof(dir), "%s/%s", base, parent) >= (int)sizeof(dir) ||
	    !(dh = opendir(dir)))
		return 0;
	while ((e = readdir(dh))) {
		if (e->d_type != DT_DIR || strncmp(e->d_name, "pod-", 4) != 0 ||
		    known(e->d_name + 4, data) ||
		    snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= (int)sizeof(sub))
			continue;
		remove_pod_dir(sub);
		n++;
	}
	closedir(dh);
	return n;
}

size_t pv_cg_pod_sweep(const char *parent, bool (*known)(const char *uid, void *data),
		       void *data)
{
	char base[256];
	size_t n = 0, most = 0;

	if (unified())
		return sweep_dir(PV_CGROUP_ROOT, parent, known, data);
	for (size_t i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		snprintf(base, sizeof(base), PV_CGROUP_ROOT "/%s", v1_controllers[i]);
		n = sweep_dir(base, parent, known, data);
		most = n > most ? n : most;
	}
	return most;
}
