/* A seccomp profile in Docker's or the OCI's JSON read into the one
 * normalised form the filter is built from: every field checked (with
 * where it is wrong), includes/excludes decided for this machine and the
 * container's capabilities, architectures and archMap resolved. Pure but
 * for libseccomp's name tables. See seccomp_profile.h. */
#include "supervisor/sandbox/seccomp_profile.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "supervisor/sandbox/caps.h"
#include "supervisor/sandbox/seccomp_nr.h"

/* ---- reading a profile (Docker's format, or OCI's) ---- */

/* This machine as Docker's includes.arches names it (Go's GOARCH). */
static const char *native_goarch(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return "x32";
#elif defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#else
	return "unknown";
#endif
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token; 0 when unknown. */
uint32_t pv_seccomp_arch_token(const char *name)
{
	char low[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0)
		return 0;
	for (i = 0; name[10 + i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[10 + i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

struct reader {
	const char *name;     /* the file, in messages */
	uint64_t caps;
	struct pv_err *err;
};

static int bad(struct reader *r, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, const char *where, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pv_err_set(r->err, EINVAL, "seccomp profile %s: %s%s%s", r->name, where,
			  *where ? ": " : "", msg);
}

/* Every key of O is one of KEYS (NULL-terminated). */
static int known_keys(struct reader *r, const char *where, struct json_object *o,
		      const char *const *keys)
{
	json_object_object_foreach(o, k, v) {
		size_t i = 0;

		(void)v;
		while (keys[i] && strcmp(keys[i], k) != 0)
			i++;
		if (!keys[i])
			return bad(r, where, "unknown field \"%s\"", k);
	}
	return 0;
}

const char *const pv_seccomp_actions[] = {
	"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", NULL,
};
const char *const pv_seccomp_ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
	"SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};
const char *const pv_seccomp_filter_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	NULL,
};

int pv_seccomp_index_of(const char *const *v, const char *s)
{
	for (int i = 0; v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

static const char *str_field(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int check_action(struct reader *r, const char *where, struct json_object *o,
			const char *key)
{
	struct json_object *v;
	const char *a = str_field(o, key);

	if (!a && json_object_object_get_ex(o, key, &v))
		return bad(r, where, "%s must be a string", key);
	if (!a)
		return bad(r, where, "%s is missing", key);
	if (strcmp(a, "SCMP_ACT_NOTIFY") == 0)
		return bad(r, where, "%s SCMP_ACT_NOTIFY is not supported (no seccomp agent)", key);
	if (pv_seccomp_index_of(pv_seccomp_actions, a) < 0)
		return bad(r, where, "%s \"%s\" is not one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
			   "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, "
			   "SCMP_ACT_TRACE, SCMP_ACT_LOG", key, a);
	return 0;
}

/* A number field: absent is fine; else an integer in [MIN, MAX]. */
static int check_uint(struct reader *r, const char *where, struct json_object *o,
		      const char *key, uint64_t max)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > max)
		return bad(r, where, "%s must be an integer from 0 to %llu", key,
			   (unsigned long long)max);
	return 0;
}

static int string_array(struct reader *r, const char *where, struct json_object *o,
			const char *key, struct json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, out) || json_object_is_type(*out, json_type_null))
		return *out = NULL, 0;
	if (!json_object_is_type(*out, json_type_array))
		return bad(r, where, "%s must be a list of strings", key);
	for (size_t i = 0; i < json_object_array_length(*out); i++)
		if (!json_object_is_type(json_object_array_get_idx(*out, i), json_type_string))
			return bad(r, where, "%s[%zu] must be a string", key, i);
	return 0;
}

/* "4.8" against the running kernel. */
static int kernel_at_least(struct reader *r, const char *where, const char *min, bool *ok)
{
	struct utsname u;
	unsigned a, b, x = 0, y = 0;
	char extra;

	if (sscanf(min, "%u.%u%c", &a, &b, &extra) != 2)
		return bad(r, where, "minKernel \"%s\" is not MAJOR.MINOR", min);
	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u", &x, &y);
	*ok = x > a || (x == a && y >= b);
	return 0;
}

/* Does the includes (WANT true) or excludes gate G let the entry in? */
static int gate(struct reader *r, const char *where, struct json_object *g, bool want, bool *in)
{
	static const char *const keys[] = { "arches", "caps", "minKernel", NULL };
	struct json_object *arches, *caps;
	const char *mk;

	*in = true;
	if (!g)
		return 0;
	if (!json_object_is_type(g, json_type_object))
		return bad(r, where, "must be a mapping of arches, caps, minKernel");
	if (known_keys(r, where, g, keys) < 0 || string_array(r, where, g, "arches", &arches) < 0 ||
	    string_array(r, where, g, "caps", &caps) < 0)
		return -1;
	if (arches && json_object_array_length(arches)) {
		bool match = false;

		for (size_t i = 0; i < json_object_array_length(arches); i++)
			match = match || strcmp(json_object_get_string(json_object_array_get_idx(
					arches, i)), native_goarch()) == 0;
		if (match != want)
			return *in = false, 0; /* includes: this arch is needed; excludes: ruled out */
	}
	for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(caps, i));
		int n = pv_cap_from_name(c);

		if (n < 0)
			return bad(r, where, "caps[%zu]: unknown capability \"%s\"", i, c);
		if (want && !(r->caps & (UINT64_C(1) << n)))
			return *in = false, 0; /* includes: every one is needed */
		if (!want && (r->caps & (UINT64_C(1) << n)))
			return *in = false, 0; /* excludes: any one rules it out */
	}
	if (json_object_object_get_ex(g, "minKernel", NULL) && !str_field(g, "minKernel"))
		return bad(r, where, "minKernel must be a string like \"4.8\"");
	if ((mk = str_field(g, "minKernel"))) {
		bool newer = false;

		if (kernel_at_least(r, where, mk, &newer) < 0)
			return -1;
		*in = want ? newer : !newer; /* excludes: left out from that kernel on */
	}
	return 0;
}

static int check_args(struct reader *r, const char *where, struct json_object *args,
		      struct json_object **out)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	char at[96];

	*out = NULL;
	if (!args || json_object_is_type(args, json_type_null))
		return 0;
	if (!json_object_is_type(args, json_type_array))
		return bad(r, where, "args must be a list");
	*out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(args); i++) {
		struct json_object *a = json_object_array_get_idx(args, i), *n, *v;
		const char *op;

		snprintf(at, sizeof(at), "%s.args[%zu]", where, i);
		if (!json_object_is_type(a, json_type_object))
			return bad(r, at, "must be a mapping of index, value, valueTwo, op");
		if (known_keys(r, at, a, keys) < 0 || check_uint(r, at, a, "index", 5) < 0 ||
		    check_uint(r, at, a, "value", UINT64_MAX) < 0 ||
		    check_uint(r, at, a, "valueTwo", UINT64_MAX) < 0)
			return -1;
		if (!json_object_object_get_ex(a, "index", &v))
			return bad(r, at, "index is missing");
		if (!(op = str_field(a, "op")) || pv_seccomp_index_of(pv_seccomp_ops, op) < 0)
			return bad(r, at, "op %s%s%s is not one of SCMP_CMP_NE, SCMP_CMP_LT, "
				   "SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
				   "SCMP_CMP_MASKED_EQ", op ? "\"" : "", op ? op : "(missing)",
				   op ? "\"" : "");
		n = json_object_new_object();
		json_object_object_add(n, "index", json_object_get(v));
		json_object_object_add(n, "value", json_object_object_get_ex(a, "value", &v)
				       ? json_object_get(v) : json_object_new_int(0));
		json_object_object_add(n, "valueTwo", json_object_object_get_ex(a, "valueTwo", &v)
				       ? json_object_get(v) : json_object_new_int(0));
		json_object_object_add(n, "op", json_object_new_string(op));
		json_object_array_add(*out, n);
	}
	return 0;
}

static struct json_object *one_name(const char *name)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(name));
	return a;
}

/* Every name is a syscall libseccomp or seccomp_nr.c knows (on some
 * architecture). An unknown one is refused, as crun does with
 * run.oci.seccomp_fail_unknown_syscalls (runc and plain crun skip it, with
 * a debug line or a warning): this module does not log, and a typo in an
 * allow-list must not pass unseen. A name only the table knows is applied
 * by number in the prelude, which has no argument conditions. */
static int check_name(struct reader *r, const char *where, const char *name, bool args)
{
	if (!pv_seccomp_nr_known(name))
		return bad(r, where, "unknown syscall \"%s\" (neither libseccomp %u.%u.%u nor "
			   "podvisor knows it: a typo, or a syscall newer than this node)", name,
			   seccomp_version()->major, seccomp_version()->minor,
			   seccomp_version()->micro);
	if (args && seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
		return bad(r, where, "syscall \"%s\" is newer than libseccomp %u.%u.%u: podvisor "
			   "applies it by number, without argument conditions (args)", name,
			   seccomp_version()->major, seccomp_version()->minor,
			   seccomp_version()->micro);
	return 0;
}

static int check_names(struct reader *r, const char *where, struct json_object *names,
		       const char *single, struct json_object *args)
{
	bool has_args = args && json_object_is_type(args, json_type_array) &&
			json_object_array_length(args);

	if (single && check_name(r, where, single, has_args) < 0)
		return -1;
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		if (check_name(r, where, json_object_get_string(json_object_array_get_idx(names, i)),
			       has_args) < 0)
			return -1;
	return 0;
}

/* One entry of syscalls: checked, and added to OUT unless its gates
 * leave it out. */
static int read_call(struct reader *r, size_t i, struct json_object *c, struct json_object *out)
{
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "args",
					    "comment", "includes", "excludes", NULL };
	struct json_object *names = NULL, *args = NULL, *v, *n;
	const char *single;
	char where[48];
	bool in_inc, in_exc;

	snprintf(where, sizeof(where), "syscalls[%zu]", i);
	if (!json_object_is_type(c, json_type_object))
		return bad(r, where, "must be a mapping (names, action, errnoRet, args)");
	if (known_keys(r, where, c, keys) < 0 || string_array(r, where, c, "names", &names) < 0 ||
	    check_action(r, where, c, "action") < 0 || check_uint(r, where, c, "errnoRet", 4095) < 0)
		return -1;
	single = str_field(c, "name");
	if (!single && json_object_object_get_ex(c, "name", &v))
		return bad(r, where, "name must be a string");
	if (!single && (!names || !json_object_array_length(names)))
		return bad(r, where, "names is missing or empty");
	if (check_names(r, where, names, single, json_object_object_get(c, "args")) < 0)
		return -1;
	if (gate(r, where, json_object_object_get(c, "includes"), true, &in_inc) < 0 ||
	    gate(r, where, json_object_object_get(c, "excludes"), false, &in_exc) < 0)
		return -1;
	if (check_args(r, where, json_object_object_get(c, "args"), &args) < 0)
		return json_object_put(args), -1;
	if (!in_inc || !in_exc)
		return json_object_put(args), 0;
	n = json_object_new_object();
	if (names)
		json_object_object_add(n, "names", json_object_get(names));
	else
		json_object_object_add(n, "names", one_name(single));
	json_object_object_add(n, "action", json_object_new_string(str_field(c, "action")));
	if (json_object_object_get_ex(c, "errnoRet", &v))
		json_object_object_add(n, "errnoRet", json_object_get(v));
	if (args)
		json_object_object_add(n, "args", args);
	json_object_array_add(out, n);
	return 0;
}

static int read_arches(struct reader *r, struct json_object *p, struct json_object *out)
{
	struct json_object *list, *map, *arches = json_object_new_array();
	char where[48];

	json_object_object_add(out, "architectures", arches);
	if (string_array(r, "", p, "architectures", &list) < 0)
		return -1;
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(list, i));

		if (!pv_seccomp_arch_token(a))
			return bad(r, "architectures", "unknown architecture \"%s\"", a);
		json_object_array_add(arches, json_object_new_string(a));
	}
	if (!json_object_object_get_ex(p, "archMap", &map) || json_object_is_type(map, json_type_null))
		return 0;
	if (!json_object_is_type(map, json_type_array))
		return bad(r, "archMap", "must be a list of {architecture, subArchitectures}");
	for (size_t i = 0; i < json_object_array_length(map); i++) {
		static const char *const keys[] = { "architecture", "subArchitectures", NULL };
		struct json_object *e = json_object_array_get_idx(map, i), *subs;
		const char *a;

		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_object_is_type(e, json_type_object) || known_keys(r, where, e, keys) < 0 ||
		    string_array(r, where, e, "subArchitectures", &subs) < 0)
			return json_object_is_type(e, json_type_object) ? -1
				: bad(r, where, "must be a mapping");
		if (!(a = str_field(e, "architecture")) ||
		    (!pv_seccomp_arch_token(a) && !pv_seccomp_arch_newer(a)))
			return bad(r, where, "architecture %s is not a known SCMP_ARCH_ name",
				   a ? a : "(missing)");
		if (pv_seccomp_arch_token(a) != seccomp_arch_native())
			continue; /* as Docker: only this machine's entry counts */
		json_object_array_add(arches, json_object_new_string(a));
		for (size_t k = 0; subs && k < json_object_array_length(subs); k++) {
			const char *s = json_object_get_string(json_object_array_get_idx(subs, k));

			if (!pv_seccomp_arch_token(s))
				return bad(r, where, "unknown architecture \"%s\"", s);
			json_object_array_add(arches, json_object_new_string(s));
		}
	}
	return 0;
}

static int read_top(struct reader *r, struct json_object *p, struct json_object *out)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
					    "archMap", "syscalls", "flags", "listenerPath",
					    "listenerMetadata", NULL };
	struct json_object *flags, *v;

	if (!json_object_is_type(p, json_type_object))
		return bad(r, "", "a JSON object with defaultAction and syscalls is expected");
	if (known_keys(r, "", p, keys) < 0 || check_action(r, "", p, "defaultAction") < 0 ||
	    check_uint(r, "", p, "defaultErrnoRet", 4095) < 0 ||
	    string_array(r, "", p, "flags", &flags) < 0)
		return -1;
	if (json_object_object_get_ex(p, "listenerPath", &v))
		return bad(r, "listenerPath", "seccomp agents (SCMP_ACT_NOTIFY) are not supported");
	json_object_object_add(out, "defaultAction",
			       json_object_new_string(str_field(p, "defaultAction")));
	if (json_object_object_get_ex(p, "defaultErrnoRet", &v))
		json_object_object_add(out, "defaultErrnoRet", json_object_get(v));
	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));

		if (pv_seccomp_index_of(pv_seccomp_filter_flags, f) < 0)
			return bad(r, "flags", "\"%s\" is not one of SECCOMP_FILTER_FLAG_TSYNC, "
				   "SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW", f);
	}
	if (flags)
		json_object_object_add(out, "flags", json_object_get(flags));
	return read_arches(r, p, out);
}

static struct json_object *normalise(struct reader *r, struct json_object *p)
{
	struct json_object *out = json_object_new_object(), *calls, *ncalls;

	if (read_top(r, p, out) < 0)
		goto fail;
	ncalls = json_object_new_array();
	json_object_object_add(out, "syscalls", ncalls);
	if (json_object_object_get_ex(p, "syscalls", &calls) &&
	    !json_object_is_type(calls, json_type_null)) {
		if (!json_object_is_type(calls, json_type_array)) {
			bad(r, "syscalls", "must be a list");
			goto fail;
		}
		for (size_t i = 0; i < json_object_array_length(calls); i++)
			if (read_call(r, i, json_object_array_get_idx(calls, i), ncalls) < 0)
				goto fail;
	}
	return out;
fail:
	json_object_put(out);
	return NULL;
}

struct json_object *pv_seccomp_normalise(struct json_object *p, const char *name, uint64_t caps,
					 struct pv_err *err)
{
	struct reader r = { name, caps, err };

	return normalise(&r, p);
}
