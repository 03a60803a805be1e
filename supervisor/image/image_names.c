/* The names an OCI layout gives its images, for `image import SRC`
 * without a NAME: each manifest of index.json named by its annotation
 * io.containerd.image.name (containerd, nerdctl, k3s' airgap images),
 * else org.opencontainers.image.ref.name when that is a whole reference
 * (skopeo's oci:DIR:NAME:TAG, podman's oci-archive). A ref.name that is
 * a bare tag ("1.36", "latest": no "/", ":" or "@") names no image: such
 * an archive needs its NAME given. Pure but for reading index.json.
 * Owns nothing. Calls: image_ref (normalizing), common. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "supervisor/image/image_internal.h"

#define ANN_CONTAINERD_NAME "io.containerd.image.name"
#define ANN_REF_NAME "org.opencontainers.image.ref.name"

void pv_img_names_free(struct pv_img_named *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static const char *annotation(struct json_object *desc, const char *key)
{
	struct json_object *ann = NULL, *v = NULL;

	if (!json_object_object_get_ex(desc, "annotations", &ann) ||
	    !json_object_is_type(ann, json_type_object) || !json_object_object_get_ex(ann, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The name of one manifest descriptor: normalized, NULL with *BARE set
 * to its bare tag when it has only that, NULL when none. */
static char *desc_name(struct json_object *desc, const char **bare, struct pv_err *err)
{
	const char *n = annotation(desc, ANN_CONTAINERD_NAME);

	if (!n) {
		n = annotation(desc, ANN_REF_NAME);
		if (n && !strpbrk(n, "/:@")) {
			*bare = n;
			return NULL;
		}
	}
	if (!n)
		return NULL;
	return pv_image_ref_normalize(n, err);
}

static int named_add(struct pv_img_named **v, size_t *n, char *name, const char *digest,
		     struct pv_err *err)
{
	struct pv_img_named *nv;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			free(name); /* named twice: the first one */
			return 0;
		}
	if (*n == PV_IMG_NAMES_MAX) {
		free(name);
		return pv_err_set(err, E2BIG, "index.json names more than %d images",
				  PV_IMG_NAMES_MAX);
	}
	if (!(nv = reallocarray(*v, *n + 1, sizeof(*nv)))) {
		free(name);
		return pv_err_set(err, ENOMEM, "out of memory");
	}
	*v = nv;
	nv[*n].name = name;
	snprintf(nv[*n].digest, sizeof(nv[*n].digest), "%s", digest);
	(*n)++;
	return 0;
}

int pv_img_index_names(struct json_object *index, struct pv_img_named **out, size_t *n,
		       struct pv_err *err)
{
	struct json_object *ms = NULL;
	const char *bare = NULL;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(index, "manifests", &ms) ||
	    !json_object_is_type(ms, json_type_array))
		return pv_err_set(err, EINVAL, "index.json: \"manifests\" is missing or not a list");
	for (i = 0; i < json_object_array_length(ms); i++) {
		struct json_object *d = json_object_array_get_idx(ms, i), *dg = NULL;
		char *name;

		if (!json_object_is_type(d, json_type_object) ||
		    !json_object_object_get_ex(d, "digest", &dg) ||
		    !json_object_is_type(dg, json_type_string) ||
		    pv_img_digest_check(json_object_get_string(dg), err) < 0)
			goto bad;
		err->code = 0;
		name = desc_name(d, &bare, err);
		if (!name && err->code) {
			pv_err_wrap(err, "index.json: manifests[%zu]: its name", i);
			goto fail;
		}
		if (name && named_add(out, n, name, json_object_get_string(dg), err) < 0)
			goto fail;
	}
	if (*n)
		return 0;
	if (bare)
		return pv_err_set(err, EINVAL, "its index.json names no image: its "
				  ANN_REF_NAME " \"%s\" is a tag, not a name (give NAME[:TAG], "
				  "or write the archive with a whole name: skopeo copy ... "
				  "oci-archive:FILE:NAME:TAG, ctr images export, podman save)", bare);
	return pv_err_set(err, EINVAL, "its index.json names no image (no " ANN_CONTAINERD_NAME
			  " or " ANN_REF_NAME " annotation): give NAME[:TAG]");
bad:
	pv_err_set(err, EINVAL, "index.json: manifests[%zu] is not a descriptor with a sha256 digest",
		   i);
fail:
	pv_img_names_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int pv_img_layout_names(int layout_fd, struct pv_img_named **out, size_t *n, struct pv_err *err)
{
	cleanup_json struct json_object *o = NULL;

	*out = NULL;
	*n = 0;
	o = pv_img_layout_index(layout_fd, err);
	return o ? pv_img_index_names(o, out, n, err) : -1;
}
