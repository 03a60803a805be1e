/* Reading a seccomp profile (Docker's JSON, or the OCI spec's) into the
 * normalised form seccomp.c builds a filter from; between seccomp.c and
 * seccomp_profile.c only.
 *
 * Owns: the profile's grammar and its checks, with messages naming the
 * file and the entry. May call: libseccomp (names), sandbox/caps,
 * sandbox/seccomp_nr, common. */
#ifndef PV_SUPERVISOR_SECCOMP_PROFILE_H
#define PV_SUPERVISOR_SECCOMP_PROFILE_H

#include <stdint.h>

#include <json-c/json.h>

#include "common/err.h"

/* The names of SCMP_ACT_*, SCMP_CMP_* (in enum scmp_compare's order, from
 * 1) and SECCOMP_FILTER_FLAG_*, NULL-terminated. */
extern const char *const pv_seccomp_actions[];
extern const char *const pv_seccomp_ops[];
extern const char *const pv_seccomp_filter_flags[];

/* The index of S in the NULL-terminated V, or -1. */
int pv_seccomp_index_of(const char *const *v, const char *s);
/* "SCMP_ARCH_X86_64": libseccomp's token; 0 when unknown. */
uint32_t pv_seccomp_arch_token(const char *name);
/* Profile P (as parsed) normalised for a container with capabilities
 * CAPS; NAME names it in messages. NULL with ERR when P is not a valid
 * profile. */
struct json_object *pv_seccomp_normalise(struct json_object *p, const char *name, uint64_t caps,
					 struct pv_err *err);

#endif
