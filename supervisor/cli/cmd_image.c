/* podvisor image: the node's local image store (pull, import, ls, rm,
 * prune, inspect); prune asks the daemon (op images) what is in use. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/client.h"
#include "supervisor/cli/opts.h"
#include "supervisor/image/image.h"
#include "supervisor/core/table.h"

static const char image_usage[] =
	"Usage: podvisor image [--state DIR] COMMAND [ARGS...]\n"
	"\n"
	"Manage the node's local image store: DIR/images, DIR the state directory.\n"
	"Pods run from images in this store. Images get there two ways: pulled from an\n"
	"OCI or Docker registry with 'image pull', or delivered the way fleets deliver\n"
	"manifests (rsync, a USB stick, a package) and imported with 'image import'.\n"
	"The daemon also pulls the images pods need, by their imagePullPolicy (see\n"
	"'podvisor daemon --help').\n"
	"\n"
	"Commands:\n"
	"  pull NAME[:TAG|@DIGEST] pull an image from its registry\n"
	"  import SRC [NAME[:TAG]] import an OCI image layout directory or OCI archive\n"
	"  ls [-q]                list the images in the store\n"
	"  rm NAME[:TAG]...       remove images, and the layers no other image uses\n"
	"  prune [--dry-run]      remove the images no manifest or pod uses (asks the daemon)\n"
	"  inspect NAME[:TAG]     print an image's record: digest, layers, config\n"
	"\n"
	"Names are normalized as Kubernetes and containerd do: busybox is\n"
	"docker.io/library/busybox:latest, so the image a Pod names is found under the\n"
	"same name it was imported as.\n";

static const char image_more[] =
	"Exit status: 0 on success, 1 when a command fails, 2 on a usage error.\n"
	"\n"
	"See 'podvisor image COMMAND --help' for a command's options.\n";

static const char import_usage[] =
	"Usage: podvisor image import [--state DIR] SRC [NAME[:TAG]]\n"
	"\n"
	"Import the image at SRC into the store as NAME[:TAG]. Without NAME, under\n"
	"the names SRC's index.json gives its manifests (every one of them): the\n"
	"annotation io.containerd.image.name (ctr, nerdctl, k3s' airgap images), else\n"
	"org.opencontainers.image.ref.name when it is a whole name\n"
	"(\"docker.io/library/nginx:1.25\", as skopeo's oci-archive:FILE:NAME:TAG\n"
	"and podman save write it); a ref.name that is only a tag (\"1.25\") names\n"
	"nothing, and such an archive needs NAME.\n"
	"\n"
	"SRC is an OCI image layout directory (oci-layout, index.json, blobs/sha256/...,\n"
	"as `skopeo copy docker://busybox:1.36 oci:DIR` or `umoci` write), or an OCI\n"
	"archive: a tar or tar.gz of such a directory (`skopeo copy ... oci-archive:FILE`,\n"
	"`docker save` from Docker 25 on).\n"
	"\n"
	"When index.json lists several manifests, the one imported is the one NAME's\n"
	"digest names (NAME@sha256:...), else the one annotated\n"
	"org.opencontainers.image.ref.name = TAG (or = NAME:TAG), else the only one for\n"
	"linux on this machine's architecture. Nested indexes are refused.\n"
	"\n"
	"Every blob read is verified against its sha256 digest and size; a corrupt or\n"
	"truncated blob fails the import and leaves nothing behind. Layers (tar,\n"
	"tar+gzip, tar+zstd, and Docker's tar.gzip) are unpacked once into\n"
	"content-addressed directories shared by every image that uses them; OCI\n"
	"whiteouts become overlayfs whiteouts. An entry that would write outside its\n"
	"layer (\"..\", or through a symlink) fails the import. NAME[:TAG] already in\n"
	"the store is replaced.\n"
	"\n"
	"Progress goes to standard error, one line per layer, then:\n"
	"    imported NAME:TAG sha256:<manifest digest>\n";

static const char import_more[] =
	"Must run as root (layers keep their owners, device nodes and xattrs).\n"
	"\n"
	"Exit status: 0 on success, 1 when the import fails, 2 on a usage error\n"
	"(including an invalid NAME).\n"
	"\n"
	"Examples:\n"
	"  skopeo copy docker://busybox:1.36 oci:/srv/images/busybox:1.36\n"
	"  podvisor image import /srv/images/busybox busybox:1.36\n"
	"  podvisor image import nginx.tar.gz registry.example.com/web/nginx:1.25\n"
	"  podvisor image import k3s-airgap-images.tar    # the names inside it\n";

static const char pull_usage[] =
	"Usage: podvisor image pull [--state DIR] [--creds FILE] [--insecure]\n"
	"                           [--mirror HOST[,HOST...]] NAME[:TAG|@DIGEST]\n"
	"\n"
	"Pull NAME from its registry into the store, through the OCI distribution API\n"
	"(Docker Hub, registry:2 / docker-registry, Harbor, quay.io, ghcr.io, ...).\n"
	"NAME is normalized as Kubernetes does: busybox is docker.io/library/busybox:latest,\n"
	"pulled from registry-1.docker.io; 127.0.0.1:5000/test/app:1 from 127.0.0.1:5000.\n"
	"\n"
	"The manifest is fetched first. An image index (OCI) or manifest list (Docker)\n"
	"gives the manifest for linux on this machine's architecture. NAME@sha256:...\n"
	"must have that digest: a manifest that does not is refused. Then the image\n"
	"config and every layer not in the store yet are downloaded, each verified\n"
	"against its sha256 digest and size (a blob larger than its descriptor says is\n"
	"refused as it arrives), and the image is imported as 'image import' imports an\n"
	"OCI layout. Manifests larger than 4 MiB are refused. A failed pull leaves no\n"
	"image and no record in the store; NAME already in the store is replaced.\n"
	"\n"
	"Downloads go to DIR/images/downloads. A blob another pull is downloading is\n"
	"waited for, not downloaded twice; a download that was interrupted is resumed\n"
	"from where it stopped (an HTTP Range request; the whole blob is verified). A\n"
	"successful pull removes its downloads.\n"
	"\n"
	"Authentication: a registry that answers 401 with a Bearer challenge gets a\n"
	"token from the token server it names (with the credentials for the registry,\n"
	"when there are some); a Basic challenge gets the credentials. Credentials come\n"
	"from FILE, in Docker's config.json format:\n"
	"    {\"auths\": {\"registry.example.com:5000\": {\"auth\": \"<base64 of user:password>\"}}}\n"
	"(or \"username\" and \"password\" instead of \"auth\"; Docker Hub's key may be\n"
	"\"https://index.docker.io/v1/\"). Without --creds, DIR/auth.json is read when it\n"
	"exists. Keep the file root-only.\n"
	"\n"
	"Registries are reached over https only, unless --insecure is given: then plain\n"
	"http, for a registry on a trusted network. Mirrors are tried in order before\n"
	"the registry itself, for every request; \"http://HOST\" names a plain http mirror.\n"
	"\n"
	"Progress goes to standard error, one line per layer (its digest, its size, and\n"
	"\"exists\" when the store has it or \"pulled\"), then:\n"
	"    pulled NAME:TAG sha256:<manifest digest>\n"
	"A failure is one line naming the registry, the repository and what failed:\n"
	"the HTTP status and the registry's error code (MANIFEST_UNKNOWN, UNAUTHORIZED,\n"
	"...), or the expected and the actual digest.\n";

static const char pull_more[] =
	"Must run as root (layers keep their owners, device nodes and xattrs).\n"
	"\n"
	"Exit status: 0 on success, 1 when the pull fails, 2 on a usage error\n"
	"(including an invalid NAME).\n"
	"\n"
	"Examples:\n"
	"  podvisor image pull busybox:1.36\n"
	"  podvisor image pull --insecure 192.168.1.10:5000/fleet/app:2.1\n"
	"  podvisor image pull --creds /root/.docker/config.json registry.example.com/team/app@sha256:...\n"
	"  podvisor image pull --mirror mirror.local:5000 nginx:1.25\n";

static const char ls_usage[] =
	"Usage: podvisor image ls [--state DIR] [-q]\n"
	"\n"
	"List the images in the store, sorted by name:\n"
	"    IMAGE                      TAG    DIGEST        SIZE    AGE\n"
	"    docker.io/library/busybox  1.36   3fbc632167ee  1.24MB  5m\n"
	"DIGEST is the manifest digest, shortened to 12 hex digits; SIZE the compressed\n"
	"size of the layers; AGE the time since the import. An image imported by digest\n"
	"shows TAG <none>.\n";

static const char ls_more[] =
	"Exit status: 0 on success, 1 when the store cannot be read, 2 on a usage error.\n";

static const char rm_usage[] =
	"Usage: podvisor image rm [--state DIR] NAME[:TAG]...\n"
	"\n"
	"Remove each NAME[:TAG] from the store, then delete the layers no remaining\n"
	"image uses; layers shared with another image stay. NAME@sha256:... removes\n"
	"every tag of NAME whose manifest has that digest.\n";

static const char rm_more[] =
	"Exit status: 0 when every image was removed, 1 when any was not in the store\n"
	"or could not be removed (the others are still removed), 2 on a usage error\n"
	"(nothing is removed when any NAME is invalid).\n";

static const char prune_usage[] =
	"Usage: podvisor image prune [--state DIR] [--dry-run]\n"
	"\n"
	"Remove from the store every image that no manifest in force names (Pods, the\n"
	"templates of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and\n"
	"CronJobs, init containers too) and that no pod runs, then the layers no\n"
	"remaining image uses. The daemon on DIR says which images are in use: with\n"
	"no daemon running, nothing is removed. An image named by digest\n"
	"(NAME@sha256:...) keeps every tag of NAME with that manifest digest.\n"
	"Prints \"removed NAME\" (--dry-run: \"would remove NAME\") for each, and\n"
	"\"kept NAME (in use)\" for the others.\n";

static const char prune_more[] =
	"Exit status: 0 on success, 1 when no daemon answers or an image could not be\n"
	"removed, 2 on a usage error.\n";

static const char inspect_usage[] =
	"Usage: podvisor image inspect [--state DIR] NAME[:TAG]\n"
	"\n"
	"Print the image's record as JSON: normalized name, manifest and config\n"
	"digests, the unpacked layer directories lowest first (as overlayfs lowerdirs),\n"
	"Entrypoint, Cmd, Env, WorkingDir, User, size and import time. NAME@sha256:...\n"
	"also finds the image imported under a tag with that manifest digest.\n";

static const char inspect_more[] =
	"Exit status: 0 on success, 1 when the image is not in the store, 2 on a usage\n"
	"error.\n";

struct image_opts {
	const char *state;
	bool quiet;
	const char *creds;  /* pull */
	bool insecure;      /* pull */
	const char *mirror; /* pull: HOST[,HOST...] */
	bool dry_run;       /* prune */
};

/* Check every reference first, so that nothing happens when one is bad. */
static bool refs_valid(const struct pv_cli_cmd *c, int n, char **refs)
{
	bool ok = true;

	for (int i = 0; i < n; i++) {
		struct pv_err err = { 0, "" };
		char *norm = pv_image_ref_normalize(refs[i], &err);

		if (!norm) {
			fprintf(stderr, "podvisor %s: %s\n", c->name, err.msg);
			ok = false;
		}
		free(norm);
	}
	return ok;
}

/* "1.24MB": three significant digits, powers of 1000, as docker and crictl. */
static void human_size(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)(bytes < 0 ? 0 : bytes);
	size_t u = 0;

	while (v >= 999.5 && u + 1 < PV_ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

/* --- import ------------------------------------------------------------------- */

static void print_progress(void *ctx, enum pv_image_event ev, const char *what, int64_t size)
{
	char hs[32];

	(void)ctx;
	human_size(size, hs, sizeof(hs));
	switch (ev) {
	case PV_IMAGE_EXTRACTING:
		fprintf(stderr, "extracting archive %s (%s)\n", what, hs);
		break;
	case PV_IMAGE_LAYER_UNPACKING:
		fprintf(stderr, "unpacking layer %s (%s)\n", what, hs);
		break;
	case PV_IMAGE_LAYER_PRESENT:
		fprintf(stderr, "layer %s (%s) %s\n", what, hs, ctx ? "exists" : "already present");
		break;
	case PV_IMAGE_BLOB_PULLED:
		fprintf(stderr, "layer %s (%s) pulled\n", what, hs);
		break;
	case PV_IMAGE_BLOB_RESUMING:
		fprintf(stderr, "blob %s: resuming after %s\n", what, hs);
		break;
	case PV_IMAGE_BLOB_WAITING:
		fprintf(stderr, "blob %s (%s): another pull is downloading it, waiting\n", what, hs);
		break;
	}
}

/* SRC under the names its index.json gives. */
static int import_all(const char *src, const struct image_opts *o,
		      const struct pv_image_progress *pg)
{
	struct pv_err err = { 0, "" };
	char **names = NULL;
	size_t n = 0;
	int rc = pv_image_import_all(pv_state_dir(o->state), src, pg, &names, &n, &err);

	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "imported %s\n", names[i]);
	pv_image_names_free(names, n);
	if (rc < 0) {
		fprintf(stderr, "podvisor image import: %s: %s\n", src, err.msg);
		return PV_EXIT_FAIL;
	}
	return PV_EXIT_OK;
}

static int cmd_import(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		      const struct image_opts *o)
{
	const struct pv_image_progress pg = { print_progress, NULL };
	struct pv_image img = { 0 };
	struct pv_err err = { 0, "" };

	if (a->n < 1 || a->n > 2)
		return pv_cli_usage_error(c, "%s", a->n < 1 ? "expected SRC [NAME[:TAG]]" :
					  "too many arguments (expected SRC [NAME[:TAG]])");
	if (a->n == 1)
		return import_all(a->v[0], o, &pg);
	if (!refs_valid(c, 1, a->v + 1))
		return PV_EXIT_USAGE;
	if (pv_image_import_ex(pv_state_dir(o->state), a->v[0], a->v[1], &pg, &img, &err) < 0) {
		fprintf(stderr, "podvisor image import: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	fprintf(stderr, "imported %s %s\n", img.ref, img.digest);
	pv_image_free(&img);
	return PV_EXIT_OK;
}

/* --- pull ------------------------------------------------------------------------ */

/* "a,b,,c" -> { "a", "b", "c", NULL } in BUF (a copy of S). */
static char **split_list(char *buf, const char **v, size_t cap)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n + 1 < cap;
	     t = strtok_r(NULL, ",", &save))
		v[n++] = t;
	v[n] = NULL;
	return (char **)v;
}

static int cmd_pull(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		    const struct image_opts *o)
{
	static int pulling = 1; /* non-NULL ctx: the pull's wording */
	const struct pv_image_progress pg = { print_progress, &pulling };
	cleanup_free char *mbuf = o->mirror ? strdup(o->mirror) : NULL;
	const char *mirrors[17];
	struct pv_image_pull_opts po = { o->creds, o->insecure, NULL, NULL, &pg };
	struct pv_image img = { 0 };
	struct pv_err err = { 0, "" };

	if (a->n != 1)
		return pv_cli_usage_error(c, "%s", a->n < 1 ? "expected NAME[:TAG|@DIGEST]" :
					  "too many arguments (expected one NAME[:TAG|@DIGEST])");
	if (!refs_valid(c, 1, a->v))
		return PV_EXIT_USAGE;
	if (o->mirror && !mbuf)
		return fprintf(stderr, "podvisor image pull: out of memory\n"), PV_EXIT_FAIL;
	if (mbuf)
		po.mirrors = (const char *const *)split_list(mbuf, mirrors, PV_ARRAY_SIZE(mirrors));
	if (pv_image_pull(pv_state_dir(o->state), a->v[0], &po, &img, &err) < 0) {
		fprintf(stderr, "podvisor image pull: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	fprintf(stderr, "pulled %s %s\n", img.ref, img.digest);
	pv_image_free(&img);
	return PV_EXIT_OK;
}

/* --- ls ------------------------------------------------------------------------- */

/* One row of the table: IMAGE TAG DIGEST SIZE AGE. */
static void add_row(struct pv_table *t, const struct pv_image *img, int64_t now)
{
	struct pv_image_ref r = { NULL, NULL, NULL };
	char digest[13], size[32], age[32];
	bool parsed = pv_image_ref_parse(img->ref, &r, NULL) == 0;
	const char *cells[5] = { parsed ? r.name : img->ref,
				 parsed ? (r.tag ? r.tag : "<none>") : "<invalid>",
				 digest, size, age };

	snprintf(digest, sizeof(digest), "%.12s", img->digest + strlen("sha256:"));
	human_size(img->size, size, sizeof(size));
	pv_human_duration(now - img->imported, age, sizeof(age));
	pv_table_row(t, cells);
	pv_image_ref_clear(&r);
}

static int cmd_ls(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		  const struct image_opts *o)
{
	static const char *const header[5] = { "IMAGE", "TAG", "DIGEST", "SIZE", "AGE" };
	struct pv_err err = { 0, "" };
	struct pv_image *v = NULL;
	struct pv_table t;
	size_t n = 0;

	if (a->n)
		return pv_cli_usage_error(c, "unexpected arguments");
	if (pv_image_list(pv_state_dir(o->state), &v, &n, &err) < 0) {
		fprintf(stderr, "podvisor image ls: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	pv_table_init(&t, 5, header);
	for (size_t i = 0; i < n; i++) {
		if (o->quiet)
			puts(v[i].ref);
		else
			add_row(&t, &v[i], (int64_t)time(NULL));
	}
	if (!o->quiet)
		pv_table_print(&t, stdout);
	pv_table_free(&t);
	pv_image_list_free(v, n);
	return PV_EXIT_OK;
}

/* --- rm ------------------------------------------------------------------------- */

static int cmd_rm(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		  const struct image_opts *o)
{
	int failed = 0;

	if (!a->n)
		return pv_cli_usage_error(c, "no image given");
	if (!refs_valid(c, a->n, a->v))
		return PV_EXIT_USAGE;
	for (int i = 0; i < a->n; i++) {
		struct pv_err err = { 0, "" };
		cleanup_free char *norm = pv_image_ref_normalize(a->v[i], NULL);

		if (pv_image_remove(pv_state_dir(o->state), a->v[i], &err) < 0) {
			fprintf(stderr, "podvisor image rm: %s\n", err.msg);
			failed++;
		} else {
			printf("removed %s\n", norm ? norm : a->v[i]);
		}
	}
	return failed ? PV_EXIT_FAIL : PV_EXIT_OK;
}

/* --- prune ------------------------------------------------------------------------ */

/* Is IMG one of IN_USE's (normalized names; a digest name keeps every
 * tag of its repository with that digest)? */
static bool in_use(const struct pv_image *img, struct json_object *in_use_refs)
{
	struct pv_image_ref mine = { NULL, NULL, NULL };
	bool used = false;

	if (pv_image_ref_parse(img->ref, &mine, NULL) < 0)
		return true; /* a record we cannot read is not ours to judge */
	for (size_t i = 0; !used && i < json_object_array_length(in_use_refs); i++) {
		const char *r = json_object_get_string(json_object_array_get_idx(in_use_refs, i));
		struct pv_image_ref u = { NULL, NULL, NULL };

		used = r && strcmp(r, img->ref) == 0;
		if (!used && r && pv_image_ref_parse(r, &u, NULL) == 0 && u.digest)
			used = strcmp(u.name, mine.name) == 0 && strcmp(u.digest, img->digest) == 0;
		pv_image_ref_clear(&u);
	}
	pv_image_ref_clear(&mine);
	return used;
}

static int cmd_prune(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		     const struct image_opts *o)
{
	struct json_object *req = json_object_new_object(), *resp, *refs = NULL;
	struct pv_image *v = NULL;
	struct pv_err err = { 0, "" };
	size_t n = 0;
	int failed = 0;

	if (a->n)
		return pv_cli_usage_error(c, "no arguments expected");
	json_object_object_add(req, "op", json_object_new_string("images"));
	resp = pv_client_call("podvisor image prune", o->state, req);
	if (!resp || !json_object_object_get_ex(resp, "images", &refs) ||
	    !json_object_is_type(refs, json_type_array)) {
		fprintf(stderr, "podvisor image prune: no daemon says which images are in use; "
			"nothing removed (prune needs the daemon running on %s; 'image rm NAME' "
			"removes one image)\n", pv_state_dir(o->state));
		json_object_put(resp);
		return PV_EXIT_FAIL;
	}
	if (pv_image_list(pv_state_dir(o->state), &v, &n, &err) < 0) {
		fprintf(stderr, "podvisor image prune: %s\n", err.msg);
		json_object_put(resp);
		return PV_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		if (in_use(&v[i], refs)) {
			printf("kept %s (in use)\n", v[i].ref);
		} else if (o->dry_run) {
			printf("would remove %s\n", v[i].ref);
		} else if (pv_image_remove(pv_state_dir(o->state), v[i].ref, &err) < 0) {
			fprintf(stderr, "podvisor image prune: %s\n", err.msg);
			failed++;
		} else {
			printf("removed %s\n", v[i].ref);
		}
	}
	pv_image_list_free(v, n);
	json_object_put(resp);
	return failed ? PV_EXIT_FAIL : PV_EXIT_OK;
}

/* --- inspect ---------------------------------------------------------------------- */

static struct json_object *strv_json(char **v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *image_json(const struct pv_image *img)
{
	struct json_object *o = json_object_new_object();
	struct json_object *c = json_object_new_object();
	const struct pv_image_config *cfg = &img->config;

	json_object_object_add(o, "ref", json_object_new_string(img->ref));
	json_object_object_add(o, "digest", json_object_new_string(img->digest));
	json_object_object_add(o, "configDigest", json_object_new_string(img->config_digest));
	json_object_object_add(o, "layers", strv_json(img->layers, img->n_layers));
	json_object_object_add(o, "layerDigests", strv_json(img->layer_digests, img->n_layers));
	json_object_object_add(c, "Entrypoint", strv_json(cfg->entrypoint, cfg->n_entrypoint));
	json_object_object_add(c, "Cmd", strv_json(cfg->cmd, cfg->n_cmd));
	json_object_object_add(c, "Env", strv_json(cfg->env, cfg->n_env));
	json_object_object_add(c, "WorkingDir", cfg->working_dir ?
			       json_object_new_string(cfg->working_dir) : NULL);
	json_object_object_add(c, "User", cfg->user ? json_object_new_string(cfg->user) : NULL);
	json_object_object_add(o, "config", c);
	json_object_object_add(o, "size", json_object_new_int64(img->size));
	json_object_object_add(o, "imported", json_object_new_int64(img->imported));
	return o;
}

static int cmd_inspect(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		       const struct image_opts *o)
{
	struct pv_err err = { 0, "" };
	struct pv_image img = { 0 };
	struct json_object *j;

	if (a->n != 1)
		return pv_cli_usage_error(c, "expected one NAME[:TAG]");
	if (!refs_valid(c, 1, a->v))
		return PV_EXIT_USAGE;
	if (pv_image_lookup(pv_state_dir(o->state), a->v[0], &img, &err) < 0) {
		fprintf(stderr, "podvisor image inspect: %s\n", err.msg);
		return PV_EXIT_FAIL;
	}
	j = image_json(&img);
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	pv_image_free(&img);
	return PV_EXIT_OK;
}

/* --- dispatch ----------------------------------------------------------------------- */

/* A subcommand: its help, and what it does with its operands. */
static const struct image_command {
	const char *name, *full; /* "ls", "image ls" */
	const char *usage, *more;
	bool quiet; /* takes -q */
	bool pull;  /* takes --creds, --insecure, --mirror */
	bool prune; /* takes --dry-run */
	int (*run)(const struct pv_cli_cmd *c, const struct pv_cli_args *a,
		   const struct image_opts *o);
} image_commands[] = {
	{ "pull", "image pull", pull_usage, pull_more, false, true, false, cmd_pull },
	{ "import", "image import", import_usage, import_more, false, false, false, cmd_import },
	{ "ls", "image ls", ls_usage, ls_more, true, false, false, cmd_ls },
	{ "rm", "image rm", rm_usage, rm_more, false, false, false, cmd_rm },
	{ "prune", "image prune", prune_usage, prune_more, false, false, true, cmd_prune },
	{ "inspect", "image inspect", inspect_usage, inspect_more, false, false, false, cmd_inspect },
};

/* ARGV[0] is the subcommand's name; its options may set O->state again. */
static int run_command(const struct image_command *ic, int argc, char **argv,
		       struct image_opts *o)
{
	const struct pv_cli_opt opts[] = {
		PV_CLI_FLAG_OPT("quiet", 'q', &o->quiet,
				"print only the normalized names, one a line"),
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_opt pull_opts[] = {
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_STR_OPT("creds", 0, &o->creds, "FILE",
			       "registry credentials, Docker's config.json format (default: "
			       "DIR/auth.json when it exists)"),
		PV_CLI_FLAG_OPT("insecure", 0, &o->insecure,
				"reach the registry and its mirrors over plain http"),
		PV_CLI_STR_OPT("mirror", 0, &o->mirror, "HOST[,HOST...]",
			       "mirrors of the registry, tried in order before it (host[:port], "
			       "or http://host[:port])"),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_opt prune_opts[] = {
		PV_CLI_OPT_STATE(&o->state),
		PV_CLI_FLAG_OPT("dry-run", 0, &o->dry_run, "only say what would be removed"),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	/* Only ls takes -q: the others' table starts after it. */
	const struct pv_cli_cmd c = { ic->full, ic->usage, ic->more,
				      ic->pull ? pull_opts : ic->prune ? prune_opts
				      : ic->quiet ? opts : opts + 1, 0 };
	struct pv_cli_args a;
	int rc = pv_cli_parse(&c, argc, argv, &a);

	return rc != PV_CLI_GO ? rc : ic->run(&c, &a, o);
}

int pv_cmd_image(int argc, char **argv)
{
	struct image_opts o = { NULL, false, NULL, false, NULL, false };
	const struct pv_cli_opt opts[] = {
		PV_CLI_OPT_STATE(&o.state),
		PV_CLI_OPT_HELP,
		PV_CLI_OPT_END,
	};
	const struct pv_cli_cmd c = { "image", image_usage, image_more, opts, PV_CLI_IN_ORDER };
	struct pv_cli_args a;
	int rc = pv_cli_parse(&c, argc, argv, &a);

	if (rc != PV_CLI_GO)
		return rc;
	if (!a.n) {
		pv_cli_help(&c, stderr);
		return PV_EXIT_USAGE;
	}
	for (size_t i = 0; i < PV_ARRAY_SIZE(image_commands); i++)
		if (strcmp(a.v[0], image_commands[i].name) == 0)
			return run_command(&image_commands[i], a.n, a.v, &o);
	return pv_cli_usage_error(&c, "unknown command '%s'", a.v[0]);
}
