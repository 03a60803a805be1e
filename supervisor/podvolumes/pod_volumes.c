#include "supervisor/podvolumes/pod_volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/node/node.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/podvolumes/pod_projection.h"
#include "supervisor/node/pod.h"
#include "supervisor/storage/storage.h"
#include "volumes/hostpath.h"
#include "volumes/ownership.h"
#include "volumes/safepath.h"

static const struct pv_volume *find_volume(const struct pv_prt *p, const char *name)
{
	const struct pv_pod_spec *s = &p->spec->spec;

	for (size_t i = 0; i < s->volumes.n; i++)
		if (strcmp(s->volumes.items[i].name.v, name) == 0)
			return &s->volumes.items[i];
	return NULL;
}

static bool mounted_kind(const struct pv_volume *v)
{
	return v->host_path.hdr.set || v->empty_dir.hdr.set || pv_projection_kind(v) ||
	       v->persistent_volume_claim.hdr.set;
}

size_t pv_pod_volumes_unmounted(const struct pv_prt *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->spec->spec.volumes.n; i++)
		n += !mounted_kind(&p->spec->spec.volumes.items[i]);
	return n;
}

/* The pod's fsGroup owns DIR and what it holds, as kubelet's
 * SetVolumeOwnership; fsGroupChangePolicy OnRootMismatch skips a tree
 * whose top is already right. */
static int fs_group_own(const struct pv_prt *p, const char *dir, struct pv_err *err)
{
	const struct pv_pod_security_context *sc = &p->spec->spec.security_context;
	const char *policy = sc->fs_group_change_policy.v;

	if (!sc->fs_group.set)
		return 0;
	if (pv_own_tree(dir, (gid_t)sc->fs_group.v, false,
			policy && !strcmp(policy, "OnRootMismatch") ? PV_OWN_ON_ROOT_MISMATCH
								     : PV_OWN_ALWAYS, err) < 0)
		return pv_err_wrap(err, "fsGroup %lld", (long long)sc->fs_group.v);
	return 0;
}

/* <pod dir>/volumes/<name>: world-writable like kubelet's, shared by the
 * pod's containers; a tmpfs (sizeLimit as its size) for medium Memory. */
static char *empty_dir(struct pv_prt *p, const struct pv_volume *v, struct pv_err *err)
{
	cleanup_free char *dir = NULL;

	if (asprintf(&dir, "%s/volumes/%s", p->dir, v->name.v) < 0)
		return pv_err_set(err, ENOMEM, "out of memory"), NULL;
	if (pv_mkdir_p(dir, 0755, err) < 0 || chmod(dir, 01777) < 0) {
		if (!err->msg[0])
			pv_err_sys(err, errno, "%s", dir);
		return NULL;
	}
	if (v->empty_dir.medium.v && strcmp(v->empty_dir.medium.v, "Memory") == 0) {
		char opts[64] = "mode=1777";

		if (v->empty_dir.size_limit.s && !v->empty_dir.size_limit.invalid)
			snprintf(opts, sizeof(opts), "mode=1777,size=%lld",
				 (long long)v->empty_dir.size_limit.q.value);
		if (pv_tmpfs_once(dir, opts, err) < 0)
			return pv_err_wrap(err, "emptyDir"), NULL;
	}
	if (fs_group_own(p, dir, err) < 0)
		return NULL;
	return realpath(dir, NULL);
}

static char *source_of(struct pv_prt *p, const struct pv_volume *v, struct pv_err *err)
{
	struct pv_daemon *d = p->d;
	struct pv_hostpath_policy pol = { .allow = d->host_path_allow, .nallow = d->nhost_path_allow,
					  .state_dir = d->state };

	if (v->host_path.hdr.set)
		return pv_hostpath_prepare(&pol, v->host_path.path.v, v->host_path.type.v, err);
	if (pv_projection_kind(v))
		return pv_projection_setup(p, v, err);
	if (v->persistent_volume_claim.hdr.set)
		return pv_storage_claim_path(d, p->ns, v->persistent_volume_claim.claim_name.v, err);
	return empty_dir(p, v, err);
}

/* subPath is resolved beneath the volume here, so that an escape waits as
 * FailedMount; the shim resolves it again, from its own fd, to mount it. */
static int check_sub_path(const char *src, const char *sub, struct pv_err *err)
{
	cleanup_close int root = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (root < 0)
		return pv_err_sys(err, errno, "%s", src);
	fd = pv_open_beneath(root, sub, PV_RESOLVE_BENEATH, O_PATH, err);
	if (fd < 0)
		return pv_err_wrap(err, "subPath");
	close(fd);
	return 0;
}

int pv_pod_mounts(struct pv_prt *p, const struct pv_container *c, struct pv_mount **out, size_t *n,
		  struct pv_err *err)
{
	struct pv_mount *m = calloc(c->volume_mounts.n + 1, sizeof(*m));

	*out = m;
	*n = 0;
	if (!m)
		return pv_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->volume_mounts.n; i++) {
		const struct pv_volume_mount *vm = &c->volume_mounts.items[i];
		const struct pv_volume *v = find_volume(p, vm->name.v);
		char *src;

		if (!v || !mounted_kind(v))
			continue; /* reported once for the pod: VolumesNotMounted */
		src = source_of(p, v, err);
		if (!src)
			return pv_err_wrap(err, "volume %s", vm->name.v);
		if (vm->sub_path.v && check_sub_path(src, vm->sub_path.v, err) < 0) {
			free(src);
			return pv_err_wrap(err, "volume %s", vm->name.v);
		}
		m[*n] = (struct pv_mount){ .source = src, .target = strdup(vm->mount_path.v),
					   .sub_path = vm->sub_path.v ? strdup(vm->sub_path.v) : NULL,
					   /* projected files are read-only, as kubelet mounts them */
					   .read_only = vm->read_only.v || pv_projection_kind(v) ||
							v->persistent_volume_claim.read_only.v };
		(*n)++;
	}
	return 0;
}

void pv_pod_volumes_release(struct pv_prt *p)
{
	for (size_t i = 0; p->dir && p->spec && i < p->spec->spec.volumes.n; i++) {
		const struct pv_volume *v = &p->spec->spec.volumes.items[i];
		cleanup_free char *dir = NULL;

		if (asprintf(&dir, "%s/volumes/%s", p->dir, v->name.v) < 0)
			continue;
		umount2(dir, MNT_DETACH); /* not a tmpfs: EINVAL or ENOENT, fine */
	}
}
