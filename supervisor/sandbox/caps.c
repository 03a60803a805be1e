#include "supervisor/sandbox/caps.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>


/* linux/capability.h's numbers, without the CAP_ prefix. */
static const char *const names[PV_CAPS_LAST + 1] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

int pv_cap_from_name(const char *name)
{
	if (!name)
		return -1;
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i <= PV_CAPS_LAST; i++)
		if (strcasecmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *pv_cap_name(int cap)
{
	return cap >= 0 && cap <= PV_CAPS_LAST ? names[cap] : NULL;
}

static bool has_all(const pv_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].v && strcasecmp(l->items[i].v, "ALL") == 0)
			return true;
	return false;
}

/* Each name in L but "ALL" set (ADD) or cleared in *SET. */
static int apply_names(const pv_strlist *l, bool add, uint64_t *set, struct pv_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *n = l->items[i].v;
		int cap;

		if (n && strcasecmp(n, "ALL") == 0)
			continue;
		cap = pv_cap_from_name(n);
		if (cap < 0)
			return pv_err_set(err, EINVAL, "securityContext.capabilities.%s: unknown "
					  "capability \"%s\" (names as NET_ADMIN or CAP_NET_ADMIN, "
					  "or ALL)", add ? "add" : "drop", n ? n : "");
		if (add)
			*set |= UINT64_C(1) << cap;
		else
			*set &= ~(UINT64_C(1) << cap);
	}
	return 0;
}

int pv_caps_resolve(uint64_t base, const struct pv_capabilities *c, uint64_t *out,
		    struct pv_err *err)
{
	uint64_t set = base;

	if (has_all(&c->add))
		set = PV_CAPS_ALL;
	if (has_all(&c->drop))
		set = 0;
	if (apply_names(&c->add, true, &set, err) < 0 || apply_names(&c->drop, false, &set, err) < 0)
		return -1;
	*out = set;
	return 0;
}

/* ---- in the process about to exec ---- */

void pv_caps_keep(void)
{
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

/* ERR with errno as its code: the caller says strerror (the shim's die). */
static int cap_err(struct pv_err *err, const char *what)
{
	return pv_err_set(err, errno, "%s", what);
}

/* Permitted, effective and inheritable as given (the values of FLAG). */
static int set_sets(uint64_t permitted, uint64_t effective, struct pv_err *err)
{
	cap_t c = cap_init();
	int rc = 0;

	if (!c)
		return cap_err(err, "capabilities: out of memory");
	for (int i = 0; i < cap_max_bits() && i < 64; i++) {
		cap_value_t v = i;

		if (permitted & (UINT64_C(1) << i))
			rc |= cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
		if (effective & (UINT64_C(1) << i))
			rc |= cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
	}
	if (rc < 0 || cap_set_proc(c) < 0)
		rc = cap_err(err, "set the capabilities");
	cap_free(c);
	return rc;
}

/* The current permitted set, as a mask. */
static uint64_t permitted_now(void)
{
	cap_t c = cap_get_proc();
	uint64_t m = 0;

	for (int i = 0; c && i < cap_max_bits() && i < 64; i++) {
		cap_flag_value_t f = CAP_CLEAR;

		if (cap_get_flag(c, i, CAP_PERMITTED, &f) == 0 && f == CAP_SET)
			m |= UINT64_C(1) << i;
	}
	cap_free(c);
	return m;
}

/* As runc: the bounding set first (it needs SETPCAP, so effective is
 * raised to what setuid left permitted), then the sets themselves, no
 * ambient capability, keep-caps off again. */
static int apply_caps(uint64_t set, bool nnp, struct pv_err *err)
{
	uint64_t have = permitted_now();

	if (set & ~have) {
		for (int i = 0; i < 64; i++)
			if ((set & ~have) & (UINT64_C(1) << i))
				return pv_err_set(err, EPERM, "capability %s is wanted but the node's "
						  "podvisor does not have it", pv_cap_name(i) ?
						  pv_cap_name(i) : "?");
	}
	if (set_sets(have, have, err) < 0)
		return -1;
	for (int i = 0; i < cap_max_bits() && i < 64; i++)
		if (!(set & (UINT64_C(1) << i)) && cap_get_bound(i) > 0 && cap_drop_bound(i) < 0)
			return cap_err(err, "drop from the bounding set");
	if (set_sets(set, set, err) < 0)
		return -1;
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		return cap_err(err, "clear the ambient set");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cap_err(err, "set no_new_privs");
	return 0;
}

static void add_group(gid_t *v, size_t *n, size_t cap, gid_t g)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == g)
			return;
	if (*n < cap)
		v[(*n)++] = g;
}

/* The groups /etc/group (the image's: the root is the container's) lists
 * UID's user in, as containerd's WithAdditionalGIDs finds them. */
static void image_groups(uid_t uid, gid_t *v, size_t *n, size_t cap)
{
	FILE *f = fopen("/etc/passwd", "re");
	char name[256] = "";
	struct passwd *pw;
	struct group *gr;

	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			snprintf(name, sizeof(name), "%s", pw->pw_name);
			break;
		}
	if (f)
		fclose(f);
	if (!name[0] || !(f = fopen("/etc/group", "re")))
		return;
	while ((gr = fgetgrent(f)))
		for (char **m = gr->gr_mem; m && *m; m++)
			if (strcmp(*m, name) == 0 && strcmp(gr->gr_name, name) != 0)
				add_group(v, n, cap, gr->gr_gid);
	fclose(f);
}

int pv_caps_enter_container(const struct pv_caps_want *s, struct pv_err *err)
{
	gid_t groups[256];
	size_t n = 0;
	uint64_t set = s->caps;

	/* setgroups needs SETGID, which setuid took out of effective */
	if (set_sets(permitted_now(), permitted_now(), err) < 0)
		return -1;
	add_group(groups, &n, 256, getgid());
	if (!s->groups_strict)
		image_groups(getuid(), groups, &n, 256);
	for (size_t i = 0; i < s->ngroups; i++)
		add_group(groups, &n, 256, (gid_t)s->groups[i]);
	if (setgroups(n, groups) < 0)
		return cap_err(err, "set the supplementary groups");
	if (s->privileged)
		set = permitted_now(); /* every capability the node gives */
	return apply_caps(set, s->no_new_privs, err);
}

/* ---- another process alike ---- */

static int parse_status_line(const char *line, struct pv_identity *id)
{
	unsigned long a, b;
	unsigned long long m;
	int off = 0, nnp;

	if (sscanf(line, "Uid: %lu", &a) == 1)
		id->uid = (uid_t)a;
	else if (sscanf(line, "Gid: %lu", &b) == 1)
		id->gid = (gid_t)b;
	else if (sscanf(line, "CapBnd: %llx", &m) == 1)
		id->bounding = m;
	else if (sscanf(line, "NoNewPrivs: %d", &nnp) == 1)
		id->no_new_privs = nnp != 0;
	else if (strncmp(line, "Groups:", 7) == 0) {
		const char *p = line + 7;

		while (id->ngroups < 256 && sscanf(p, "%lu%n", &a, &off) == 1) {
			id->groups[id->ngroups++] = (gid_t)a;
			p += off;
		}
	}
	return 0;
}

int pv_identity_of(pid_t pid, struct pv_identity *id, struct pv_err *err)
{
	char path[64], line[4096];
	FILE *f;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return pv_err_set(err, errno, "%s", path);
	while (fgets(line, sizeof(line), f))
		parse_status_line(line, id);
	fclose(f);
	return 0;
}

int pv_identity_become(const struct pv_identity *id, struct pv_err *err)
{
	pv_caps_keep();
	if (setgroups(id->ngroups, id->groups) < 0 || setgid(id->gid) < 0 || setuid(id->uid) < 0)
		return pv_err_set(err, errno, "take on the container's user %u:%u", (unsigned)id->uid,
				  (unsigned)id->gid);
	return apply_caps(id->bounding & permitted_now(), id->no_new_privs, err);
}
