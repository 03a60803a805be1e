/* Loading manifest files: text -> located, defaulted, validated objects.
 * This is the whole public face of the manifests module. */
#ifndef PV_MANIFESTS_MANIFEST_H
#define PV_MANIFESTS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "manifests/diag.h"
#include "manifests/schema.h"
#include "manifests/types.h"

/* A file larger than this is refused before it is read. */
#define PV_MAX_FILE_SIZE (4u * 1024 * 1024)
/* The typed objects of one file may not take more memory than this. */
#define PV_FILE_MEMORY_LIMIT (64u * 1024 * 1024)

enum pv_kind {
	PV_KIND_NAMESPACE,
	PV_KIND_POD,
	PV_KIND_DEPLOYMENT,
	PV_KIND_REPLICASET,
	PV_KIND_STATEFULSET,
	PV_KIND_DAEMONSET,
	PV_KIND_JOB,
	PV_KIND_CRONJOB,
	PV_KIND_SERVICE,
	PV_KIND_CONFIGMAP,
	PV_KIND_SECRET,
	PV_KIND_PV,
	PV_KIND_PVC,
	PV_KIND_STORAGECLASS,
	PV_KIND_COUNT,
};

struct pv_vctx;

struct pv_kind_info {
	enum pv_kind kind;
	const char *name;        /* "Deployment" */
	const char *api_version; /* the one served: "apps/v1" */
	const char *resource;    /* "deployments" */
	const char *short_name;  /* "deploy" */
	bool namespaced;
	const struct pv_type *type;
	void (*set_defaults)(void *obj, struct pv_arena *a);
	void (*validate)(struct pv_vctx *v, const void *obj);
};

const struct pv_kind_info *pv_kind_get(enum pv_kind k);
/* By kind name, resource, plural, or short name, case-insensitively
 * ("deploy", "deployments", "Deployment"); NULL when unknown. */
const struct pv_kind_info *pv_kind_find(const char *word);

struct pv_object {
	const struct pv_kind_info *kind;
	struct pv_objhead *obj; /* the typed object: kind->type describes it */
	struct pv_loc loc;      /* where its document starts */
};

struct pv_file {
	char *path;
	struct pv_arena arena;
	struct pv_diags diags;
	struct pv_object *objects;
	size_t nobjects, objects_cap;
	/* Any error: none of the objects may be acted on. */
	bool failed;
	unsigned refs; /* a file made by pv_file_new: its holders */
};

/* Read and load PATH. Everything that goes wrong, I/O included, is a
 * diagnostic in F->diags; returns 0 when the file loaded without error,
 * -1 otherwise. Always call pv_file_free afterwards. */
int pv_file_load(struct pv_file *f, const char *path);
/* The same, calling SEEN (when not NULL) with the bytes read, before
 * they are parsed: the daemon hashes them to skip identical rewrites. */
int pv_file_load_seen(struct pv_file *f, const char *path,
		      void (*seen)(void *data, const char *buf, size_t len), void *data);
/* The same for text already in memory; NAME is used in messages. */
int pv_file_load_buf(struct pv_file *f, const char *name, const char *buf, size_t len);
void pv_file_free(struct pv_file *f);
/* A file on the heap that more than one owner may hold (the controllers'
 * render of a pod and the pod started from it share one parsed copy):
 * pv_file_new_buf loads BUF as pv_file_load_buf does into a new one with
 * one reference (NULL only when out of memory; see its failed and
 * nobjects), pv_file_get takes another, pv_file_put drops one and frees
 * the file with the last. NULL is allowed to both. */
struct pv_file *pv_file_new_buf(const char *name, const char *buf, size_t len);
/* The same, the objects' memory taken in one piece of ARENA bytes at first
 * (what an earlier file of the same shape used: arena.used). */
struct pv_file *pv_file_new_buf_sized(const char *name, const char *buf, size_t len, size_t arena);
struct pv_file *pv_file_get(struct pv_file *f);
void pv_file_put(struct pv_file *f);

/* Report objects defined twice (same kind, namespace and name) within
 * or across FILES, as errors on the later definition naming the first. */
void pv_files_check_duplicates(struct pv_file **files, size_t n);

/* The same across files loaded one at a time, without keeping them: the
 * kinds, namespaces and names seen so far (copied), in a hash table.
 * pv_catalog_add reports in F (sorted again) its objects an earlier file
 * added already, as errors naming the first, exactly as
 * pv_files_check_duplicates over all the files would; repeats within F
 * are loading's own errors. Returns -1, out of memory, when F could not
 * be checked (what was reported stays). */
struct pv_catalog_entry;
struct pv_catalog {
	struct pv_catalog_entry *slots;
	size_t cap, n;
	size_t files; /* how many were added */
	struct pv_arena strings;
};

void pv_catalog_init(struct pv_catalog *c);
int pv_catalog_add(struct pv_catalog *c, struct pv_file *f);
void pv_catalog_free(struct pv_catalog *c);

/* The manifest-file name filter the watcher and `check` share: *.yaml,
 * *.yml, *.json, not hidden, not an editor's backup or swap file. */
bool pv_manifest_name_ok(const char *basename);

#endif
