/* Seccomp profiles: the choice, Localhost files read, the filter built,
 * loaded or compiled; reading a profile into its normalised form is
 * seccomp_profile.c's, the runtime default's table seccomp_default.c's.
 * See seccomp.h. */
#include "supervisor/sandbox/seccomp.h"

#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/sandbox/caps.h"
#include "supervisor/sandbox/seccomp_default.h"
#include "supervisor/sandbox/seccomp_nr.h"
#include "supervisor/sandbox/seccomp_profile.h"
#include "volumes/safepath.h"

#define PROFILE_MAX (1 << 20)

/* ---- which profile ---- */

static enum pv_seccomp_kind kind_of(const struct pv_seccomp_profile *p)
{
	if (strcmp(p->type.v, "Localhost") == 0)
		return PV_SECCOMP_LOCALHOST;
	return strcmp(p->type.v, "Unconfined") == 0 ? PV_SECCOMP_UNCONFINED
						    : PV_SECCOMP_RUNTIME_DEFAULT;
}

enum pv_seccomp_kind pv_seccomp_choose(const struct pv_pod_security_context *psc,
				       const struct pv_security_context *sc, bool privileged,
				       bool node_default, const struct pv_str **localhost)
{
	const struct pv_seccomp_profile *p = sc && sc->seccomp_profile.type.v ? &sc->seccomp_profile
					   : psc && psc->seccomp_profile.type.v ? &psc->seccomp_profile
					   : NULL;

	*localhost = NULL;
	if (p) {
		*localhost = &p->localhost_profile;
		return kind_of(p);
	}
	if (privileged)
		return PV_SECCOMP_UNCONFINED; /* as containerd: a privileged container */
	return node_default ? PV_SECCOMP_RUNTIME_DEFAULT : PV_SECCOMP_UNCONFINED;
}

/* ---- the filter ---- */

static uint32_t action_of(const char *name, struct json_object *ret_obj)
{
	uint32_t ret = ret_obj ? (uint32_t)json_object_get_int64(ret_obj) : EPERM;

	switch (pv_seccomp_index_of(pv_seccomp_actions, name)) {
	case 0: case 1: return SCMP_ACT_KILL_THREAD;
	case 2: return SCMP_ACT_KILL_PROCESS;
	case 3: return SCMP_ACT_TRAP;
	case 4: return SCMP_ACT_ERRNO(ret);
	case 5: return SCMP_ACT_TRACE(ret);
	case 7: return SCMP_ACT_LOG;
	default: return SCMP_ACT_ALLOW;
	}
}

static struct scmp_arg_cmp arg_cmp(struct json_object *a)
{
	struct json_object *op = json_object_object_get(a, "op");

	return (struct scmp_arg_cmp){
		.arg = (unsigned)json_object_get_int(json_object_object_get(a, "index")),
		.op = (enum scmp_compare)(pv_seccomp_index_of(pv_seccomp_ops, json_object_get_string(op)) + 1),
		.datum_a = json_object_get_uint64(json_object_object_get(a, "value")),
		.datum_b = json_object_get_uint64(json_object_object_get(a, "valueTwo")),
	};
}

/* As runc: conditions on distinct arguments are ANDed in one rule; two
 * on the same argument make one rule each (ORed). */
static int add_rules(scmp_filter_ctx ctx, uint32_t act, int nr, struct json_object *args,
		     const char *name, struct pv_err *err)
{
	struct scmp_arg_cmp cmp[6];
	size_t n = args ? json_object_array_length(args) : 0;
	unsigned seen = 0;
	bool repeated = n > 6;
	int rc = 0;

	for (size_t i = 0; i < n && !repeated; i++) {
		cmp[i] = arg_cmp(json_object_array_get_idx(args, i));
		repeated = seen & (1u << cmp[i].arg);
		seen |= 1u << cmp[i].arg;
	}
	if (!repeated)
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, n ? cmp : NULL);
	for (size_t i = 0; repeated && rc == 0 && i < n; i++) {
		struct scmp_arg_cmp one = arg_cmp(json_object_array_get_idx(args, i));

		rc = seccomp_rule_add_array(ctx, act, nr, 1, &one);
	}
	if (rc < 0)
		return pv_err_sys(err, -rc, "the rule for %s", name);
	return 0;
}

static int add_call(scmp_filter_ctx ctx, uint32_t def, struct json_object *c, struct pv_err *err)
{
	struct json_object *names = json_object_object_get(c, "names");
	uint32_t act = action_of(json_object_get_string(json_object_object_get(c, "action")),
				 json_object_object_get(c, "errnoRet"));

	if (act == def)
		return 0; /* the default already does it; libseccomp refuses such a rule */
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));
		int nr = seccomp_syscall_resolve_name(name);

		if (nr == __NR_SCMP_ERROR)
			continue; /* a syscall this libseccomp does not know: as runc */
		if (add_rules(ctx, act, nr, json_object_object_get(c, "args"), name, err) < 0)
			return -1;
	}
	return 0;
}

/* How many syscall names the profile's rules list. */
static size_t names_in(struct json_object *p)
{
	struct json_object *calls = json_object_object_get(p, "syscalls");
	size_t n = 0;

	for (size_t i = 0; calls && i < json_object_array_length(calls); i++)
		n += json_object_array_length(json_object_object_get(
			json_object_array_get_idx(calls, i), "names"));
	return n;
}

static int set_arches_flags(scmp_filter_ctx ctx, struct json_object *p, struct pv_err *err)
{
	static const enum scmp_filter_attr attrs[] = { SCMP_FLTATR_CTL_TSYNC, SCMP_FLTATR_CTL_LOG,
						      SCMP_FLTATR_CTL_SSB };
	struct json_object *arches = json_object_object_get(p, "architectures");
	struct json_object *flags = json_object_object_get(p, "flags");
	int rc;

	for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(arches, i));
		uint32_t tok = pv_seccomp_arch_token(a);

		rc = tok && tok != seccomp_arch_native() ? seccomp_arch_add(ctx, tok) : 0;
		if (rc < 0 && rc != -EEXIST)
			return pv_err_sys(err, -rc, "architecture %s", a);
	}
	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(flags, i));
		int f = pv_seccomp_index_of(pv_seccomp_filter_flags, name);

		if (f >= 0 && (rc = seccomp_attr_set(ctx, attrs[f], 1)) < 0)
			return pv_err_sys(err, -rc, "flag %s", pv_seccomp_filter_flags[f]);
	}
	/* The shim still has CAP_SYS_ADMIN: no_new_privs is the
	 * securityContext's business (allowPrivilegeEscalation). */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return pv_err_sys(err, -rc, "seccomp attribute");
	/* A binary tree of the syscall numbers, not libseccomp's default
	 * linear list: on install, the kernel runs the filter once for every
	 * syscall number of each architecture it caches (seccomp_cache_prepare,
	 * with interrupts off): some 900 runs of ~280 instructions down the
	 * list (0.75 ms a container), of ~15 down the tree. Syscalls outside
	 * that cache take the shorter path too. Not for a few rules (runc's
	 * threshold): libseccomp <= 2.5.3 loses the default action of a tree
	 * without rules (libseccomp#370). */
	if (names_in(p) >= 8 && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		return pv_err_sys(err, -rc, "seccomp attribute");
	return 0;
}

static scmp_filter_ctx build(struct json_object *p, struct pv_err *err)
{
	struct json_object *calls = json_object_object_get(p, "syscalls");
	uint32_t def = action_of(json_object_get_string(json_object_object_get(p, "defaultAction")),
				 json_object_object_get(p, "defaultErrnoRet"));
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		return pv_err_set(err, EINVAL, "seccomp_init failed"), NULL;
	if (set_arches_flags(ctx, p, err) < 0)
		goto fail;
	for (size_t i = 0; calls && i < json_object_array_length(calls); i++)
		if (add_call(ctx, def, json_object_array_get_idx(calls, i), err) < 0)
			goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* ---- the prelude's plan (see seccomp_nr.h) ---- */

/* The filter's architectures, as build() adds them: native first. */
static size_t filter_arches(struct json_object *p, uint32_t *out, size_t cap)
{
	struct json_object *arches = json_object_object_get(p, "architectures");
	size_t n = 0;

	out[n++] = seccomp_arch_native();
	for (size_t i = 0; arches && i < json_object_array_length(arches) && n < cap; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arches, i));
		uint32_t tok = pv_seccomp_arch_token(name);
		size_t k = 0;

		while (k < n && out[k] != tok)
			k++;
		if (tok && k == n)
			out[n++] = tok;
	}
	return n;
}

/* The prelude for profile P, in OUT (malloc'd; NULL and 0 when none):
 * its entries flattened to (name, action) for seccomp_nr.c. */
static int prelude(struct json_object *p, struct sock_filter **out, size_t *len,
		   struct pv_err *err)
{
	struct json_object *calls = json_object_object_get(p, "syscalls");
	uint32_t def = action_of(json_object_get_string(json_object_object_get(p, "defaultAction")),
				 json_object_object_get(p, "defaultErrnoRet"));
	uint32_t arches[PV_SECCOMP_MAX_ARCHES];
	size_t narches = filter_arches(p, arches, PV_SECCOMP_MAX_ARCHES), n = 0, cap = 0;
	cleanup_free struct pv_seccomp_call *flat = NULL;
	long k;

	*out = NULL;
	*len = 0;
	for (size_t i = 0; calls && i < json_object_array_length(calls); i++)
		cap += json_object_array_length(json_object_object_get(
			json_object_array_get_idx(calls, i), "names"));
	if (!(flat = calloc(cap + 1, sizeof(*flat))) ||
	    !(*out = calloc(BPF_MAXINSNS, sizeof(**out))))
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; calls && i < json_object_array_length(calls); i++) {
		struct json_object *c = json_object_array_get_idx(calls, i);
		struct json_object *names = json_object_object_get(c, "names");
		uint32_t act = action_of(json_object_get_string(json_object_object_get(c, "action")),
					 json_object_object_get(c, "errnoRet"));

		for (size_t j = 0; j < json_object_array_length(names); j++)
			flat[n++] = (struct pv_seccomp_call){
				json_object_get_string(json_object_array_get_idx(names, j)), act };
	}
	k = pv_seccomp_prelude(arches, narches, def, flat, n, *out, BPF_MAXINSNS);
	if (k <= 0) {
		free(*out);
		*out = NULL;
		return k < 0 ? pv_err_set(err, E2BIG, "the syscalls applied by number do not fit")
			     : 0;
	}
	*len = (size_t)k;
	return 0;
}

/* The whole program: the prelude, then libseccomp's filter. */
static int compile(struct json_object *profile, struct pv_seccomp_bpf *out, struct pv_err *err)
{
	scmp_filter_ctx ctx = build(profile, err);
	cleanup_close int fd = -1;
	struct sock_filter *pre = NULL;
	size_t npre = 0;
	off_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return pv_err_wrap(err, "seccomp");
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0)
		return pv_err_sys(err, -rc, "seccomp: compiling the filter");
	if (prelude(profile, &pre, &npre, err) < 0)
		return pv_err_wrap(err, "seccomp");
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) + (off_t)npre > BPF_MAXINSNS) {
		free(pre);
		return pv_err_set(err, EINVAL, "seccomp: the compiled filter has %lld bytes",
				  (long long)size);
	}
	if (!(out->insns = malloc((size_t)size + npre * sizeof(*pre)))) {
		free(pre);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	if (npre)
		memcpy(out->insns, pre, npre * sizeof(*pre));
	free(pre);
	if (pread(fd, out->insns + npre, (size_t)size, 0) != size) {
		pv_seccomp_bpf_free(out);
		return pv_err_sys(err, errno ? errno : EIO, "seccomp: reading the compiled filter");
	}
	out->len = (unsigned short)(npre + (size_t)size / sizeof(struct sock_filter));
	return 0;
}

/* The profile's flags as seccomp(2) takes them. */
static unsigned install_flags(struct json_object *profile)
{
	static const unsigned bits[] = { SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
					 SECCOMP_FILTER_FLAG_SPEC_ALLOW };
	struct json_object *flags = json_object_object_get(profile, "flags");
	unsigned f = 0;

	for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
		int k = pv_seccomp_index_of(pv_seccomp_filter_flags,
				 json_object_get_string(json_object_array_get_idx(flags, i)));

		if (k >= 0)
			f |= bits[k];
	}
	return f;
}

/* Compiled here rather than seccomp_load()ed, so that the prelude runs
 * first; installed with seccomp(2) and the profile's flags, as libseccomp
 * would (no_new_privs is left to the securityContext). */
int pv_seccomp_load(struct json_object *profile, struct pv_err *err)
{
	struct pv_seccomp_bpf b = { 0 };
	struct sock_fprog prog;
	long rc;

	if (!profile)
		return 0;
	if (compile(profile, &b, err) < 0)
		return -1;
	prog = (struct sock_fprog){ .len = b.len, .filter = b.insns };
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, install_flags(profile), &prog);
	pv_seccomp_bpf_free(&b);
	return rc != 0 ? pv_err_sys(err, errno, "seccomp: loading the filter") : 0;
}

int pv_seccomp_compile_spec(const char *path, struct pv_seccomp_bpf *out, struct pv_err *err)
{
	struct json_object *spec, *profile;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!(spec = json_object_from_file(path)))
		return pv_err_set(err, EINVAL, "the container's spec %s: %s", path,
				  json_util_get_last_err());
	if (json_object_object_get_ex(spec, "seccomp", &profile) &&
	    json_object_is_type(profile, json_type_object))
		rc = compile(profile, out, err);
	json_object_put(spec);
	return rc;
}

/* PROFILE compiled, from a cache of the last few profiles (by their JSON
 * text): libseccomp's build of a 350-call profile costs milliseconds of
 * CPU (several times that under ASan), and a node's containers share a
 * handful of profiles. The cache owns *OUT. */
static int compile_cached(struct json_object *profile, const struct pv_seccomp_bpf **out,
			  struct pv_err *err)
{
	enum { SLOTS = 8 };
	static struct { char *key; struct pv_seccomp_bpf bpf; } cache[SLOTS];
	static size_t next;
	const char *key = json_object_to_json_string_ext(profile, JSON_C_TO_STRING_PLAIN);
	struct pv_seccomp_bpf b;
	char *copy;
	size_t i;

	for (i = 0; i < SLOTS; i++)
		if (cache[i].key && strcmp(cache[i].key, key) == 0) {
			*out = &cache[i].bpf;
			return 0;
		}
	if (compile(profile, &b, err) < 0)
		return -1;
	if (!(copy = strdup(key))) {
		pv_seccomp_bpf_free(&b);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	i = next++ % SLOTS;
	free(cache[i].key);
	pv_seccomp_bpf_free(&cache[i].bpf);
	cache[i].key = copy;
	cache[i].bpf = b;
	*out = &cache[i].bpf;
	return 0;
}

int pv_seccomp_save_bpf(struct json_object *profile, const char *path, struct pv_err *err)
{
	static const struct pv_seccomp_bpf none = { 0 };
	const struct pv_seccomp_bpf *b = &none;

	if (profile && compile_cached(profile, &b, err) < 0)
		return -1;
	return pv_write_replace(path, b->insns ? (const void *)b->insns : "",
			       b->len * sizeof(struct sock_filter), 0600, err);
}

int pv_seccomp_load_bpf(const struct pv_seccomp_bpf *b, struct json_object *profile,
			struct pv_err *err)
{
	struct sock_fprog prog = { .len = b->len, .filter = b->insns };

	if (!b->insns)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, profile ? install_flags(profile) : 0,
		    &prog) != 0)
		return pv_err_sys(err, errno, "seccomp: loading the filter");
	return 0;
}

int pv_seccomp_read_bpf(const char *path, struct pv_seccomp_bpf *out, struct pv_err *err)
{
	size_t len = 0;
	char *buf;

	memset(out, 0, sizeof(*out));
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 1;
	buf = pv_read_file(path, BPF_MAXINSNS * sizeof(struct sock_filter), &len, err);
	if (!buf)
		return -1;
	if (len % sizeof(struct sock_filter)) {
		free(buf);
		return pv_err_set(err, EINVAL, "%s: not a compiled seccomp filter", path);
	}
	if (!len)
		free(buf);
	else
		out->insns = (struct sock_filter *)(void *)buf;
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
	return 0;
}

int pv_seccomp_install(const struct pv_seccomp_bpf *b)
{
	struct sock_fprog prog = { .len = b->len, .filter = b->insns };

	if (!b->insns)
		return 0;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

void pv_seccomp_bpf_free(struct pv_seccomp_bpf *b)
{
	free(b->insns);
	b->insns = NULL;
	b->len = 0;
}

/* ---- the daemon's side ---- */

static struct json_object *normalise_checked(struct json_object *p, const char *name,
					      uint64_t caps, struct pv_err *err)
{
	struct json_object *out = pv_seccomp_normalise(p, name, caps, err);
	struct sock_filter *pre = NULL;
	size_t npre = 0;
	scmp_filter_ctx ctx;

	if (!out)
		return NULL;
	if (!(ctx = build(out, err))) {
		pv_err_wrap(err, "seccomp profile %s", name);
		json_object_put(out);
		return NULL;
	}
	seccomp_release(ctx);
	if (prelude(out, &pre, &npre, err) < 0) { /* checked here too, never first in the shim */
		pv_err_wrap(err, "seccomp profile %s", name);
		json_object_put(out);
		return NULL;
	}
	free(pre);
	return out;
}

static void line_col(const char *buf, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n')
			(*line)++, *col = 1;
		else
			(*col)++;
	}
}

struct json_object *pv_seccomp_parse(const char *buf, size_t len, const char *name, uint64_t caps,
				     struct pv_err *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *p, *out;
	enum json_tokener_error e;
	unsigned line, col;

	if (!tok)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	p = json_tokener_parse_ex(tok, buf, (int)len);
	e = json_tokener_get_error(tok);
	if (!p || e != json_tokener_success || json_tokener_get_parse_end(tok) < len) {
		size_t end = json_tokener_get_parse_end(tok);

		line_col(buf, end < len ? end : len, &line, &col);
		pv_err_set(err, EINVAL, "seccomp profile %s:%u:%u: not valid JSON: %s", name, line,
			   col, e != json_tokener_success ? json_tokener_error_desc(e)
			   : p ? "text after the document" : "empty");
		json_object_put(p);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	out = normalise_checked(p, name, caps, err);
	json_object_put(p);
	return out;
}

/* RuntimeDefault for a set of capabilities is always the same profile:
 * normalised and checked (a trial build with libseccomp) once per set,
 * not once per container, which was a fifth of a pod's start. The few
 * sets a node sees stay for the daemon's life; callers share them and
 * never change them. */
struct json_object *pv_seccomp_runtime_default(uint64_t caps, struct pv_err *err)
{
	static struct { uint64_t caps; struct json_object *profile; } cache[8];
	static size_t ncache, next;
	struct json_object *docker, *out;

	for (size_t i = 0; i < ncache; i++)
		if (cache[i].caps == caps)
			return json_object_get(cache[i].profile);
	docker = pv_seccomp_default_docker();
	out = normalise_checked(docker, "RuntimeDefault", caps, err);
	json_object_put(docker);
	if (out) {
		size_t i = ncache < 8 ? ncache++ : next++ % 8;

		json_object_put(cache[i].profile);
		cache[i].caps = caps;
		cache[i].profile = json_object_get(out);
	}
	return out;
}

int pv_seccomp_open_localhost(const char *root, const char *rel, struct pv_err *err)
{
	cleanup_close int rootfd = -1;
	int fd;

	if (!rel || !*rel)
		return pv_err_set(err, EINVAL, "seccompProfile type Localhost needs localhostProfile "
				  "(a file beneath %s)", root);
	if (rel[0] == '/')
		return pv_err_set(err, EINVAL, "localhostProfile \"%s\" must be relative to the "
				  "seccomp profile root %s", rel, root);
	for (const char *p = rel; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return pv_err_set(err, EINVAL, "localhostProfile \"%s\" must stay beneath %s: "
					  "\"..\" is not allowed", rel, root);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pv_err_sys(err, errno, "seccomp profile root %s", root);
	fd = pv_open_beneath(rootfd, rel, PV_RESOLVE_BENEATH, O_RDONLY | O_NOCTTY | O_NONBLOCK, err);
	if (fd < 0 && err->code == EXDEV)
		return pv_err_set(err, EXDEV, "localhostProfile \"%s\" leads out of %s (a symlink "
				  "pointing outside is refused)", rel, root);
	if (fd < 0)
		return pv_err_set(err, err->code, "seccomp profile %s/%s: %s", root, rel,
				  err->code ? strerror(err->code) : "cannot be opened");
	return fd;
}

static char *read_profile(int fd, const char *path, size_t *len, struct pv_err *err)
{
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fstat(fd, &st) < 0)
		return pv_err_sys(err, errno, "seccomp profile %s", path), NULL;
	if (!S_ISREG(st.st_mode))
		return pv_err_set(err, EINVAL, "seccomp profile %s: not a regular file", path), NULL;
	if (st.st_size > PROFILE_MAX)
		return pv_err_set(err, EFBIG, "seccomp profile %s: over %d bytes", path,
				  PROFILE_MAX), NULL;
	if (!(buf = malloc((size_t)st.st_size + 1)))
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int pv_seccomp_resolve(const struct pv_pod_security_context *psc,
		       const struct pv_security_context *sc, bool privileged, uint64_t caps,
		       const struct pv_seccomp_node *node, struct json_object **out,
		       struct pv_err *err)
{
	const struct pv_str *local = NULL;
	enum pv_seccomp_kind k = pv_seccomp_choose(psc, sc, privileged, node->runtime_default,
						   &local);
	const char *root = node->profile_root ? node->profile_root : PV_SECCOMP_PROFILE_ROOT;
	cleanup_free char *path = NULL, *buf = NULL;
	cleanup_close int fd = -1;
	size_t len = 0;

	*out = NULL;
	if (k == PV_SECCOMP_UNCONFINED)
		return 0;
	if (k == PV_SECCOMP_RUNTIME_DEFAULT)
		return (*out = pv_seccomp_runtime_default(caps, err)) ? 0 : -1;
	if ((fd = pv_seccomp_open_localhost(root, local ? local->v : NULL, err)) < 0)
		return -1;
	if (asprintf(&path, "%s/%s", root, local->v) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (!(buf = read_profile(fd, path, &len, err)))
		return -1;
	return (*out = pv_seccomp_parse(buf, len, path, caps, err)) ? 0 : -1;
}
