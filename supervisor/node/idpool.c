#include "supervisor/node/idpool.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/vec.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"

#define ID_LIMIT 4294967295ull /* (uid_t)-1: not an id */

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int pv_idpool_parse(const char *s, uint32_t *start, uint64_t *count, struct pv_err *err)
{
	const char *colon = strchr(s, ':');
	uint64_t a, n;

	if (!colon || parse_u64(s, (size_t)(colon - s), &a) < 0 ||
	    parse_u64(colon + 1, strlen(colon + 1), &n) < 0)
		return pv_err_set(err, EINVAL, "%s: START:COUNT is needed, two decimal numbers "
				  "(e.g. 2147483648:67108864)", s);
	if (a % PV_IDPOOL_RANGE || n % PV_IDPOOL_RANGE || a < PV_IDPOOL_RANGE || n < PV_IDPOOL_RANGE)
		return pv_err_set(err, EINVAL, "%s: START and COUNT must be multiples of 65536, "
				  "START at least 65536 and COUNT at least 65536", s);
	if (a + n >= ID_LIMIT)
		return pv_err_set(err, EINVAL, "%s: the pool must end below 4294967295", s);
	*start = (uint32_t)a;
	*count = n;
	return 0;
}

static struct pv_idrange *find(const struct pv_idpool *p, const char *owner)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].owner, owner) == 0)
			return &p->v[i];
	return NULL;
}

bool pv_idpool_find(const struct pv_idpool *p, const char *owner, uint32_t *base)
{
	const struct pv_idrange *r = find(p, owner);

	if (r && base)
		*base = r->base;
	return r != NULL;
}

static int save(const struct pv_idpool *p, struct pv_err *err)
{
	struct json_object *j, *ranges;
	char pool[48];
	int rc;

	if (!p->path)
		return 0;
	j = json_object_new_object();
	ranges = json_object_new_array();
	snprintf(pool, sizeof(pool), "%" PRIu32 ":%" PRIu64, p->start,
		 (uint64_t)p->nranges * PV_IDPOOL_RANGE);
	json_object_object_add(j, "pool", json_object_new_string(pool));
	json_object_object_add(j, "size", json_object_new_int64(PV_IDPOOL_RANGE));
	for (size_t i = 0; i < p->n; i++) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "base", json_object_new_int64(p->v[i].base));
		json_object_object_add(r, "pod", json_object_new_string(p->v[i].owner));
		json_object_array_add(ranges, r);
	}
	json_object_object_add(j, "ranges", ranges);
	rc = pv_write_json_atomic(p->path, j, err);
	json_object_put(j);
	return rc;
}

static int load(struct pv_idpool *p, struct pv_err *err)
{
	struct json_object *j, *ranges;
	int rc = 0;

	if (access(p->path, F_OK) != 0)
		return 0; /* nothing handed out yet */
	if (!(j = pv_read_json(p->path, err)))
		return -1;
	if (!json_object_object_get_ex(j, "ranges", &ranges) ||
	    !json_object_is_type(ranges, json_type_array)) {
		json_object_put(j);
		return pv_err_set(err, EINVAL, "%s: no \"ranges\" list", p->path);
	}
	for (size_t i = 0; rc == 0 && i < json_object_array_length(ranges); i++) {
		struct json_object *r = json_object_array_get_idx(ranges, i);
		int64_t base = pv_json_int(r, "base");
		const char *owner = pv_json_str(r, "pod", "");
		struct pv_idrange e = { .base = (uint32_t)base };

		if (base <= 0 || (uint64_t)base + PV_IDPOOL_RANGE > ID_LIMIT || !*owner ||
		    strlen(owner) >= sizeof(e.owner))
			rc = pv_err_set(err, EINVAL, "%s: range %zu is not a base and a pod", p->path, i);
		else if (snprintf(e.owner, sizeof(e.owner), "%s", owner) < 0 ||
			 pv_vec_push(p->v, p->n, p->cap, e) < 0)
			rc = pv_err_set(err, ENOMEM, "out of memory");
	}
	json_object_put(j);
	return rc;
}

int pv_idpool_open(struct pv_idpool *p, uint32_t start, uint64_t count, const char *path,
		   struct pv_err *err)
{
	*p = (struct pv_idpool){ .start = start, .nranges = (uint32_t)(count / PV_IDPOOL_RANGE) };
	if (path && !(p->path = strdup(path)))
		return pv_err_set(err, ENOMEM, "out of memory");
	if (p->path && load(p, err) < 0) {
		snprintf(p->broken, sizeof(p->broken), "%s", err->msg);
		return -1;
	}
	return 0;
}

static bool taken(const struct pv_idpool *p, uint32_t base)
{
	for (size_t i = 0; i < p->n; i++) {
		uint32_t b = p->v[i].base;

		if ((b >= base ? b - base : base - b) < PV_IDPOOL_RANGE)
			return true;
	}
	return false;
}

int pv_idpool_alloc(struct pv_idpool *p, const char *owner, uint32_t *base, struct pv_err *err)
{
	struct pv_idrange e = { 0 };

	if (p->broken[0])
		return pv_err_set(err, EIO, "no user namespace ids: %s", p->broken);
	if (pv_idpool_find(p, owner, base))
		return 0;
	if (strlen(owner) >= sizeof(e.owner))
		return pv_err_set(err, EINVAL, "%s: too long for an owner", owner);
	snprintf(e.owner, sizeof(e.owner), "%s", owner);
	for (uint32_t i = 0; i < p->nranges; i++) {
		e.base = p->start + i * PV_IDPOOL_RANGE;
		if (taken(p, e.base))
			continue;
		if (pv_vec_push(p->v, p->n, p->cap, e) < 0)
			return pv_err_set(err, ENOMEM, "out of memory");
		if (save(p, err) < 0) {
			p->n--; /* not recorded: not handed out */
			return -1;
		}
		*base = e.base;
		return 0;
	}
	return pv_err_set(err, ENOSPC, "the user namespace pool %" PRIu32 ":%" PRIu64 " is full "
			  "(%" PRIu32 " pods hold its ranges of 65536 ids; see --userns-pool)",
			  p->start, (uint64_t)p->nranges * PV_IDPOOL_RANGE, p->nranges);
}

static void drop(struct pv_idpool *p, size_t i)
{
	p->v[i] = p->v[--p->n];
}

int pv_idpool_release(struct pv_idpool *p, const char *owner, struct pv_err *err)
{
	const struct pv_idrange *r = find(p, owner);

	if (!r || p->broken[0]) /* a record that did not read is never overwritten */
		return 0;
	drop(p, (size_t)(r - p->v));
	return save(p, err);
}

/* Whether a line of the id map at PATH ("inside outside count" lines)
 * maps a host id of BASE..BASE+65535. */
static bool maps(const char *path, uint32_t base)
{
	FILE *f = fopen(path, "re");
	unsigned long long in, out, count;
	bool hit = false;

	if (!f)
		return false; /* gone meanwhile */
	while (!hit && fscanf(f, "%llu %llu %llu", &in, &out, &count) == 3)
		hit = out < (uint64_t)base + PV_IDPOOL_RANGE && base < out + count;
	fclose(f);
	return hit;
}

/* Whether the process of /proc/PID/stat at PATH is a zombie: it runs
 * nothing, and once reaped its user namespace is gone, but until then its
 * uid_map still reads (a killed pod init its parent has not reaped yet). */
static bool zombie(const char *path)
{
	char buf[512], *close_paren;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

bool pv_idpool_in_use(const char *proc, uint32_t base)
{
	char path[300], self[64] = "", ns[64];
	struct dirent *e;
	bool hit = false;
	ssize_t n;
	DIR *dir;

	if (!proc)
		proc = "/proc";
	snprintf(path, sizeof(path), "%s/self/ns/user", proc);
	if ((n = readlink(path, self, sizeof(self) - 1)) > 0)
		self[n] = '\0';
	if (!(dir = opendir(proc)))
		return false;
	while (!hit && (e = readdir(dir))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/user", proc, e->d_name);
		if ((n = readlink(path, ns, sizeof(ns) - 1)) <= 0)
			continue; /* gone, or a kernel thread */
		ns[n] = '\0';
		if (strcmp(ns, self) == 0)
			continue; /* ours maps every id */
		snprintf(path, sizeof(path), "%s/%s/stat", proc, e->d_name);
		if (zombie(path))
			continue;
		snprintf(path, sizeof(path), "%s/%s/uid_map", proc, e->d_name);
		hit = maps(path, base);
		snprintf(path, sizeof(path), "%s/%s/gid_map", proc, e->d_name);
		hit = hit || maps(path, base);
	}
	closedir(dir);
	return hit;
}

size_t pv_idpool_retain(struct pv_idpool *p, bool (*keep)(const char *owner, void *data),
			void *data, struct pv_err *err)
{
	size_t gone = 0;

	if (p->broken[0])
		return 0;
	for (size_t i = 0; i < p->n;) {
		if (keep(p->v[i].owner, data) || pv_idpool_in_use(p->proc, p->v[i].base)) {
			i++;
			continue;
		}
		drop(p, i);
		gone++;
	}
	if (gone)
		save(p, err);
	return gone;
}

void pv_idpool_close(struct pv_idpool *p)
{
	pv_vec_free(p->v, p->n, p->cap);
	free(p->path);
	p->path = NULL;
}
