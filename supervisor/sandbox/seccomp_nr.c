/* Syscall numbers libseccomp may lack, and the BPF prelude that applies
 * them and runc's ENOSYS stub. See seccomp_nr.h. */
#include "supervisor/sandbox/seccomp_nr.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>

/* ---- the table ----
 *
 * Names in moby's default profile (profiles/seccomp v0.2.3) that are
 * newer than libseccomp 2.5.4, with their numbers from the kernel's
 * tables (arch/x86/entry/syscalls/syscall_{64,32}.tbl, the generic
 * include/uapi/asm-generic/unistd.h for arm64 and riscv64, and
 * arch/arm/tools/syscall.tbl). Since 424 the numbers are shared by
 * every architecture; x32 is x86_64's number with bit 30 set, and has
 * only the "common" ones. -1: not a syscall of that architecture. Used
 * only where libseccomp itself does not resolve the name. */
#define X32(n) (0x40000000 | (n))
#define COMMON(n) { (n), (n), X32(n), (n), (n), (n) }

static const struct {
	const char *name;
	int nr[6];      /* x86_64, x86, x32, aarch64, arm, riscv64 */
} table[] = {
	{ "cachestat", COMMON(451) },
	{ "fchmodat2", COMMON(452) },
	{ "map_shadow_stack", { 453, 453, -1, 453, 453, 453 } }, /* x86_64: "64" only */
	{ "futex_wake", COMMON(454) },
	{ "futex_wait", COMMON(455) },
	{ "futex_requeue", COMMON(456) },
	{ "statmount", COMMON(457) },
	{ "listmount", COMMON(458) },
	{ "lsm_get_self_attr", COMMON(459) },
	{ "lsm_set_self_attr", COMMON(460) },
	{ "lsm_list_modules", COMMON(461) },
	{ "mseal", COMMON(462) },
	{ "setxattrat", COMMON(463) },
	{ "getxattrat", COMMON(464) },
	{ "listxattrat", COMMON(465) },
	{ "removexattrat", COMMON(466) },
	{ "uretprobe", { 335, -1, X32(335), -1, -1, -1 } },      /* x86 only, "common" */
	{ "riscv_hwprobe", { -1, -1, -1, -1, -1, 258 } },
};

static int column(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64: return 0;
	case SCMP_ARCH_X86: return 1;
	case SCMP_ARCH_X32: return 2;
	case SCMP_ARCH_AARCH64: return 3;
	case SCMP_ARCH_ARM: return 4;
	case SCMP_ARCH_RISCV64: return 5;
	default: return -1;
	}
}

bool pv_seccomp_nr_libseccomp(const char *name, uint32_t arch)
{
	return seccomp_syscall_resolve_name_arch(arch, name) >= 0;
}

int pv_seccomp_nr(const char *name, uint32_t arch)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name), col = column(arch);

	if (nr >= 0)
		return nr;
	for (size_t i = 0; col >= 0 && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].nr[col];
	return -1;
}

bool pv_seccomp_nr_known(const char *name)
{
	if (seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR)
		return true; /* also a name only another architecture has (a negative pseudo-number) */
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return true;
	return false;
}

bool pv_seccomp_arch_newer(const char *name)
{
	static const char *const names[] = { "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
					     "SCMP_ARCH_SH", "SCMP_ARCH_SHEB" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* ---- the prelude ----
 *
 *	ld arch
 *	per architecture:  jne AUDIT_ARCH, next
 *	                   ld nr
 *	   (x86_64 only:   jge 0x40000000: the x32 part, else the x86_64 part)
 *	                   jeq NR: ret ACTION       (one per rule by number)
 *	                   jgt MAX: ret ERRNO(ENOSYS)
 *	                   ja end
 *	end: libseccomp's program, which loads the arch again itself.
 *
 * The ENOSYS bound: above the highest number the profile names on that
 * architecture, a syscall is either unassigned (the kernel would say
 * ENOSYS itself) or newer than the profile. On x32 that bound is the
 * legacy x32 range's end (547), so x32 syscalls numbered 467-511 keep
 * the default action; x86_64, i386, arm and arm64 have no such gap. */

#define PLAN_RULES 64
#define MAX_ARCHES PV_SECCOMP_MAX_ARCHES

/* What the prelude does on one architecture of the filter. */
struct plan {
	uint32_t arch;          /* SCMP_ARCH_* token */
	long max;               /* the highest number the profile names; -1: none */
	size_t n;
	struct {
		uint32_t nr;
		uint32_t ret;
	} rule[PLAN_RULES];
};

static int make_plan(uint32_t arch, uint32_t def, const struct pv_seccomp_call *calls,
		     size_t n, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->arch = arch;
	p->max = -1;
	for (size_t i = 0; i < n; i++) {
		int nr = pv_seccomp_nr(calls[i].name, arch);
		size_t j = 0;

		if (nr < 0)
			continue;
		if (nr > p->max)
			p->max = nr;
		if (calls[i].action == def || pv_seccomp_nr_libseccomp(calls[i].name, arch))
			continue; /* libseccomp's own rule, or the default already */
		while (j < p->n && p->rule[j].nr != (uint32_t)nr)
			j++;
		if (j < p->n)
			continue; /* the first entry naming it wins */
		if (p->n == PLAN_RULES)
			return -1;
		p->rule[p->n].nr = (uint32_t)nr;
		p->rule[p->n++].ret = calls[i].action;
	}
	return 0;
}

struct emit {
	struct sock_filter *out;
	size_t cap, n;
	bool full;
};

static size_t put(struct emit *e, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (e->n < e->cap)
		e->out[e->n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	else
		e->full = true;
	return e->n++;
}

/* Point the false branch of the jump at AT to the next instruction. */
static void land_false(struct emit *e, size_t at)
{
	size_t off = e->n - at - 1;

	if (off > 255)
		e->full = true;
	else if (at < e->cap)
		e->out[at].jf = (uint8_t)off;
}

/* A = nr here. ENDS collects the "ja end" to patch. */
static void segment(struct emit *e, const struct plan *p, bool enosys, size_t *ends,
		    size_t *nends)
{
	for (size_t i = 0; p && i < p->n; i++) {
		put(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, p->rule[i].nr);
		put(e, BPF_RET | BPF_K, 0, 0, p->rule[i].ret);
	}
	if (p && enosys && p->max >= 0) {
		put(e, BPF_JMP | BPF_JGT | BPF_K, 0, 1, (uint32_t)p->max);
		put(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	}
	ends[(*nends)++] = put(e, BPF_JMP | BPF_JA, 0, 0, 0);
}

static const struct plan *plan_for(const struct plan *plans, size_t n, uint32_t arch)
{
	for (size_t i = 0; i < n; i++)
		if (plans[i].arch == arch)
			return &plans[i];
	return NULL;
}

static bool has_work(const struct plan *p, bool enosys)
{
	return p && (p->n || (enosys && p->max >= 0));
}

long pv_seccomp_prelude(const uint32_t *arches, size_t n, uint32_t def,
			const struct pv_seccomp_call *calls, size_t ncalls, struct sock_filter *out,
			size_t cap)
{
	bool enosys = def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG &&
		      (def & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_TRACE;
	struct emit e = { out, cap, 0, false };
	size_t ends[2 * MAX_ARCHES], nends = 0, any = 0;
	struct plan plans[MAX_ARCHES];

	if (n > MAX_ARCHES)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (make_plan(arches[i], def, calls, ncalls, &plans[i]) < 0)
			return -1;
		any += has_work(&plans[i], enosys);
	}
	if (!any)
		return 0;
	put(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < n; i++) {
		const struct plan *p = &plans[i];
		size_t skip, to64;

		if (p->arch == SCMP_ARCH_X32 && plan_for(plans, n, SCMP_ARCH_X86_64))
			continue; /* done with x86_64's, whose audit arch it shares */
		if (!has_work(p, enosys) && !(p->arch == SCMP_ARCH_X86_64 &&
					      has_work(plan_for(plans, n, SCMP_ARCH_X32), enosys)))
			continue;
		skip = put(&e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
			   p->arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : p->arch);
		put(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
		if (p->arch == SCMP_ARCH_X86_64 || p->arch == SCMP_ARCH_X32) {
			/* x32's numbers have bit 30 set; an x86_64 plan must not see them */
			to64 = put(&e, BPF_JMP | BPF_JGE | BPF_K, 0, 0, 0x40000000);
			segment(&e, plan_for(plans, n, SCMP_ARCH_X32), enosys, ends, &nends);
			land_false(&e, to64);
			segment(&e, plan_for(plans, n, SCMP_ARCH_X86_64), enosys, ends, &nends);
		} else {
			segment(&e, p, enosys, ends, &nends);
		}
		land_false(&e, skip);
	}
	for (size_t i = 0; i < nends; i++)
		if (ends[i] < e.cap)
			e.out[ends[i]].k = (uint32_t)(e.n - ends[i] - 1);
	return e.full ? -1 : (long)e.n;
}
