/* Syscalls by number: the ones newer than the node's libseccomp may
 * know, and the BPF put in front of libseccomp's filter for them.
 *
 * Owns: a table of syscall numbers per architecture (from the kernel's
 * syscall tables: x86_64, i386, x32, aarch64, arm) for the names moby's
 * default profile lists that libseccomp 2.5.4 may not resolve; and the
 * prelude, a short classic-BPF program that, per architecture of the
 * filter, (1) applies the profile's rules for those names by number, and
 * (2) answers ENOSYS, not the default EPERM, for syscalls numbered above
 * the highest one the profile names (runc's -ENOSYS stub, patchbpf), so
 * that libc falls back from a syscall the profile does not know yet
 * (fchmodat2 -> fchmodat) instead of failing.
 * Also the SCMP_ARCH_ names newer libseccomps know.
 *
 * Why a prelude and not libseccomp rules: libseccomp translates a rule's
 * number through its own name table for every architecture of the filter
 * (seccomp_rule_add fails with EFAULT for a number it cannot name on x86
 * or x32), and it has no "greater than N" on the syscall number. So the
 * numbers it lacks and the ENOSYS range are compared here, before its
 * program runs; everything else falls through to libseccomp unchanged.
 *
 * May call: libseccomp (names and arch tokens), common. Pure. */
#ifndef PV_SUPERVISOR_SANDBOX_SECCOMP_NR_H
#define PV_SUPERVISOR_SANDBOX_SECCOMP_NR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

/* The number of NAME on ARCH (a SCMP_ARCH_* token): libseccomp's, else
 * this table's; -1 when the syscall does not exist there or is unknown. */
int pv_seccomp_nr(const char *name, uint32_t arch);

/* Does libseccomp or this table know NAME on some architecture? */
bool pv_seccomp_nr_known(const char *name);

/* Does libseccomp itself resolve NAME on ARCH? */
bool pv_seccomp_nr_libseccomp(const char *name, uint32_t arch);

/* An SCMP_ARCH_ name newer libseccomps know but this one does not
 * (moby's archMap lists LOONGARCH64): never this machine, so a profile's
 * archMap entry for it is passed over like any other machine's. */
bool pv_seccomp_arch_newer(const char *name);

/* More architectures than libseccomp knows. */
#define PV_SECCOMP_MAX_ARCHES 24

/* One name of a profile's entry (after its gates) and its action (a
 * SECCOMP_RET_* value, as libseccomp's SCMP_ACT_* are). */
struct pv_seccomp_call {
	const char *name;
	uint32_t action;
};

/* Write into OUT (at most CAP instructions) the prelude for a filter on
 * ARCHES (SCMP_ARCH_* tokens, native first) with default action DEF and
 * the entries CALLS: on each architecture, the entries whose name
 * libseccomp does not resolve there but the table does, by number (the
 * first entry naming a syscall wins), and, when DEF denies (ERRNO, KILL,
 * TRAP), ENOSYS above the highest number CALLS name there, whatever
 * their action (runc's rule). Returns the number of instructions (0:
 * none needed), or -1 when it does not fit. */
long pv_seccomp_prelude(const uint32_t *arches, size_t narches, uint32_t def,
			const struct pv_seccomp_call *calls, size_t n, struct sock_filter *out,
			size_t cap);

#endif
