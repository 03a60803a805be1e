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

#include "common/cleanup.h"
#include "common/vec.h"
#include "supervisor/core/fsutil.h"


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

uint64_t pv_caps_if_held(const struct pv_capabilities *c)
{
	uint64_t named = 0;

	if (!has_all(&c->add) || has_all(&c->drop))
		return 0;
	for (size_t i = 0; i < c->add.n; i++) {
		int cap = pv_cap_from_name(c->add.items[i].v);

		if (cap >= 0)
			named |= UINT64_C(1) << cap;
	}
	return PV_CAPS_ALL & ~named;
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

/* As runc: the bounding set first, then the sets themselves, no ambient
 * capability, keep-caps off again. Effective is already HAVE, what setuid
 * left permitted (the bounding set needs SETPCAP). In as few system calls
 * as it takes, three children a pod: a drop without asking first (asked
 * only when SETPCAP is missing, as then a cap already out is no error),
 * the ambient set cleared at once (libcap's cap_reset_ambient asks each
 * one first). */
static int apply_caps(uint64_t set, uint64_t have, bool nnp, struct pv_err *err)
{
	if (set & ~have) {
		for (int i = 0; i < 64; i++)
			if ((set & ~have) & (UINT64_C(1) << i))
				return pv_err_set(err, EPERM, "capability %s is wanted but the node's "
						  "podvisor does not have it", pv_cap_name(i) ?
						  pv_cap_name(i) : "?");
	}
	for (int i = 0; i < cap_max_bits() && i < 64; i++)
		if (!(set & (UINT64_C(1) << i)) && cap_drop_bound(i) < 0 &&
		    (errno != EPERM || cap_get_bound(i) > 0))
			return cap_err(err, "drop from the bounding set");
	if (set_sets(set, set, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cap_err(err, "clear the ambient set"); /* EINVAL: before Linux 4.3, none */
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cap_err(err, "set no_new_privs");
	return 0;
}

/* G into ID's groups unless there already: 0, or -1 (ENOMEM). */
static int add_group(struct pv_identity *id, gid_t g)
{
	for (size_t i = 0; i < id->ngroups; i++)
		if (id->groups[i] == g)
			return 0;
	return pv_vec_push(id->groups, id->ngroups, id->groups_cap, g);
}

/* The groups /etc/group (the image's: the root is the container's) lists
 * UID's user in, as containerd's WithAdditionalGIDs finds them. */
static int image_groups(uid_t uid, struct pv_identity *id)
{
	FILE *f = fopen("/etc/passwd", "re");
	char name[256] = "";
	struct passwd *pw;
	struct group *gr;
	int rc = 0;

	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			snprintf(name, sizeof(name), "%s", pw->pw_name);
			break;
		}
	if (f)
		fclose(f);
	if (!name[0] || !(f = fopen("/etc/group", "re")))
		return 0;
	while (rc == 0 && (gr = fgetgrent(f)))
		for (char **m = gr->gr_mem; rc == 0 && m && *m; m++)
			if (strcmp(*m, name) == 0 && strcmp(gr->gr_name, name) != 0)
				rc = add_group(id, gr->gr_gid);
	fclose(f);
	return rc;
}

/* ID as a record (pv_identity_parse's format), in one write to FD. */
static int write_record(int fd, const struct pv_identity *id, struct pv_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ssize_t n;

	if (!f)
		return cap_err(err, "the identity record");
	fprintf(f, "uid %u\ngid %u\ngroups", (unsigned)id->uid, (unsigned)id->gid);
	for (size_t i = 0; i < id->ngroups; i++)
		fprintf(f, " %u", (unsigned)id->groups[i]);
	fprintf(f, "\ncaps %016llx\nnnp %d\nend\n", (unsigned long long)id->caps,
		id->no_new_privs ? 1 : 0);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return cap_err(err, "the identity record");
	}
	n = write(fd, buf, len);
	free(buf);
	if (n != (ssize_t)len)
		return pv_err_set(err, n < 0 ? errno : EIO, "write the identity record");
	return 0;
}

int pv_caps_enter_container(const struct pv_caps_want *s, struct pv_err *err)
{
	struct pv_identity id = { .uid = getuid(), .gid = getgid(), .no_new_privs = s->no_new_privs };
	uint64_t have = permitted_now();
	int rc = -1;

	/* setgroups needs SETGID, which setuid took out of effective */
	if (set_sets(have, have, err) < 0)
		return -1;
	if (add_group(&id, id.gid) < 0 ||
	    (!s->groups_strict && image_groups(id.uid, &id) < 0))
		goto nomem;
	for (size_t i = 0; i < s->ngroups; i++)
		if (add_group(&id, (gid_t)s->groups[i]) < 0)
			goto nomem;
	if (setgroups(id.ngroups, id.groups) < 0) {
		cap_err(err, "set the supplementary groups");
		goto out;
	}
	if (s->privileged)
		id.caps = have; /* every capability the node gives */
	else /* "ALL" means those the node gives; a named one is required */
		id.caps = s->caps & ~(s->caps_if_held & ~have);
	if (s->record_fd > 0 && write_record(s->record_fd, &id, err) < 0)
		goto out;
	rc = apply_caps(id.caps, have, s->no_new_privs, err);
	goto out;
nomem:
	pv_err_set(err, ENOMEM, "the supplementary groups: out of memory");
out:
	pv_identity_free(&id);
	return rc;
}

/* ---- another process alike ---- */

void pv_identity_free(struct pv_identity *id)
{
	pv_vec_free(id->groups, id->ngroups, id->groups_cap);
}

/* "KEY VALUE...": the values after KEY in LINE, or NULL. */
static const char *field(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) == 0 && (line[n] == ' ' || line[n] == '\0') ? line + n : NULL;
}

static bool parse_ulong(const char *p, unsigned long long max, int base, unsigned long long *out)
{
	char *end;

	while (*p == ' ')
		p++;
	errno = 0;
	*out = strtoull(p, &end, base);
	return end != p && !*end && !errno && *out <= max;
}

static int parse_groups(const char *p, struct pv_identity *id)
{
	while (*p) {
		char *end;
		unsigned long long g;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		errno = 0;
		g = strtoull(p, &end, 10);
		if (end == p || errno || g > UINT32_MAX || (*end && *end != ' '))
			return -1;
		if (pv_vec_push(id->groups, id->ngroups, id->groups_cap, (gid_t)g) < 0)
			return -1;
		p = end;
	}
	return 0;
}

int pv_identity_parse(const char *text, struct pv_identity *id, struct pv_err *err)
{
	cleanup_free char *copy = strdup(text ? text : "");
	char *save = NULL, *line;
	unsigned seen = 0;
	unsigned long long v;
	const char *p;

	memset(id, 0, sizeof(*id));
	if (!copy)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool ok = true;

		if (seen & 32) /* after "end" */
			ok = false;
		else if ((p = field(line, "uid")))
			ok = parse_ulong(p, UINT32_MAX, 10, &v) && (id->uid = (uid_t)v, seen |= 1);
		else if ((p = field(line, "gid")))
			ok = parse_ulong(p, UINT32_MAX, 10, &v) && (id->gid = (gid_t)v, seen |= 2);
		else if ((p = field(line, "groups")))
			ok = !(seen & 4) && parse_groups(p, id) == 0 && (seen |= 4);
		else if ((p = field(line, "caps")))
			ok = parse_ulong(p, UINT64_MAX, 16, &v) && !(v & ~PV_CAPS_ALL) &&
			     (id->caps = v, seen |= 8);
		else if ((p = field(line, "nnp")))
			ok = parse_ulong(p, 1, 10, &v) && (id->no_new_privs = v, seen |= 16);
		else if (strcmp(line, "end") == 0)
			seen |= 32;
		else
			ok = false;
		if (!ok)
			break;
		if (seen == 63)
			return 0;
	}
	pv_identity_free(id);
	memset(id, 0, sizeof(*id));
	return pv_err_set(err, EIO, "the container's identity record is incomplete or damaged");
}

int pv_identity_read(const char *cdir, struct pv_identity *id, struct pv_err *err)
{
	cleanup_free char *path = NULL, *text = NULL;
	size_t len = 0;

	memset(id, 0, sizeof(*id));
	if (asprintf(&path, "%s/%s", cdir, PV_IDENTITY_FILE) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	/* 65536 groups of 10 digits and a space fit */
	text = pv_read_file(path, 1 << 20, &len, err);
	if (!text)
		return pv_err_wrap(err, "the container's identity record");
	if (pv_identity_parse(text, id, err) < 0)
		return pv_err_wrap(err, "%s", path);
	return 0;
}

int pv_identity_become(const struct pv_identity *id, struct pv_err *err)
{
	uint64_t have;

	pv_caps_keep();
	if (setgroups(id->ngroups, id->groups) < 0 || setgid(id->gid) < 0 || setuid(id->uid) < 0)
		return pv_err_set(err, errno, "take on the container's user %u:%u", (unsigned)id->uid,
				  (unsigned)id->gid);
	have = permitted_now();
	if (set_sets(have, have, err) < 0) /* apply_caps's bounding set needs SETPCAP */
		return -1;
	return apply_caps(id->caps & have, have, id->no_new_privs, err);
}
