/* A manifest file: read it (bounded), parse it, and turn each document
 * into a defaulted, validated object. */
#include "manifests/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/vec.h"
#include "manifests/decode.h"
#include "manifests/kinds.h"
#include "manifests/support.h"
#include "manifests/validate.h"
#include "manifests/yamltree.h"

static const struct pv_loc no_loc = { 0, 0 };

static int add_object(struct pv_file *f, const struct pv_kind_info *k, void *obj,
		      struct pv_loc loc)
{
	return pv_vec_push(f->objects, f->nobjects, f->objects_cap,
			   (struct pv_object){ .kind = k, .obj = obj, .loc = loc });
}

static const struct pv_node *head_str(struct pv_file *f, const struct pv_node *root,
				      const char *key)
{
	const struct pv_node *n = pv_node_get(root, key);

	if (!n || (n->type == PV_NODE_SCALAR && n->stype == PV_SCALAR_NULL)) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, root->loc, key,
			    "required: every manifest needs apiVersion and kind");
		return NULL;
	}
	if (n->type != PV_NODE_SCALAR || n->stype != PV_SCALAR_STR) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, n->loc, key, "expected a string, got %s",
			    pv_node_type_name(n));
		return NULL;
	}
	return n;
}

static void unacted_found(void *data, const struct pv_support *s, const char *path,
			  struct pv_loc loc)
{
	struct pv_diags *d = data;
	size_t before = d->n;
	char msg[512];

	pv_support_say(s, msg, sizeof(msg));
	pv_diag_add(d, PV_SEV_WARNING, loc, path, "%s", msg);
	if (d->n > before)
		d->v[before].unacted = true;
}

/* The diagnostics from FIRST on are about the object just added. */
static void tag_object(struct pv_file *f, size_t first)
{
	for (size_t i = first; i < f->diags.n; i++)
		f->diags.v[i].object = f->nobjects;
}

static void load_typed(struct pv_file *f, const struct pv_kind_info *k, const struct pv_node *root)
{
	size_t first = f->diags.n;
	struct pv_vctx v = { .diags = &f->diags, .arena = &f->arena, .namespaced = k->namespaced };
	struct pv_objhead *obj = pv_arena_alloc(&f->arena, k->type->size);

	if (!obj) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, root->loc, "", "out of memory");
		return;
	}
	pv_decode(k->type, obj, root, &f->arena, &f->diags);
	k->set_defaults(obj, &f->arena);
	if (k->namespaced && !obj->metadata.namespace.v)
		obj->metadata.namespace.v = "default";
	k->validate(&v, obj);
	if (add_object(f, k, obj, root->loc) < 0) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, root->loc, "", "out of memory");
		return;
	}
	pv_support_scan(&f->objects[f->nobjects - 1], unacted_found, &f->diags);
	tag_object(f, first);
}

static void load_doc(struct pv_file *f, const struct pv_node *root, int depth);

/* kubectl's `get -o yaml` of several objects: a v1 List of items. */
static void load_list(struct pv_file *f, const struct pv_node *root, int depth)
{
	const struct pv_node *items = pv_node_get(root, "items");

	if (depth > 0) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, root->loc, "kind", "a List may not contain a List");
		return;
	}
	if (!items || (items->type == PV_NODE_SCALAR && items->stype == PV_SCALAR_NULL))
		return;
	if (items->type != PV_NODE_SEQ) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, items->loc, "items", "expected a list, got %s",
			    pv_node_type_name(items));
		return;
	}
	for (size_t i = 0; i < items->n; i++)
		load_doc(f, items->items[i], depth + 1);
}

static void load_doc(struct pv_file *f, const struct pv_node *root, int depth)
{
	const struct pv_node *av, *kind;
	const struct pv_kind_info *k;
	char msg[256];

	if (root->type == PV_NODE_SCALAR && root->stype == PV_SCALAR_NULL)
		return; /* an empty document */
	if (root->type != PV_NODE_MAP) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, root->loc, "",
			    "a manifest must be a mapping with apiVersion and kind, got %s%s",
			    pv_node_type_name(root),
			    root->type == PV_NODE_SEQ ? " (remove the leading \"- \")" : "");
		return;
	}
	av = head_str(f, root, "apiVersion");
	kind = head_str(f, root, "kind");
	if (!av || !kind)
		return;
	if (strcmp(kind->str, "List") == 0 && strcmp(av->str, "v1") == 0) {
		load_list(f, root, depth);
		return;
	}
	switch (pv_kind_resolve(av->str, kind->str, &k, msg, sizeof(msg))) {
	case PV_KIND_OK:
		load_typed(f, k, root);
		break;
	case PV_KIND_IGNORED:
		pv_diag_add(&f->diags, PV_SEV_WARNING, kind->loc, "kind", "%s", msg);
		break;
	case PV_KIND_BAD:
		pv_diag_add(&f->diags, PV_SEV_ERROR, av->loc, "apiVersion", "%s", msg);
		break;
	}
}

static int file_init(struct pv_file *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	pv_arena_init(&f->arena, PV_FILE_MEMORY_LIMIT);
	f->path = strdup(name);
	return f->path ? 0 : -1;
}

static int file_finish(struct pv_file *f)
{
	pv_files_check_duplicates(&f, 1);
	pv_diags_sort(&f->diags);
	f->failed = f->diags.nerrors > 0;
	return f->failed ? -1 : 0;
}

/* The node tree lives in a scratch arena, dropped once the documents are
 * decoded: the objects keep only the strings they point into. ARENA: the
 * objects' arena's first chunk, 0 for the default. */
static int load_buf(struct pv_file *f, const char *name, const char *buf, size_t len,
		    size_t arena)
{
	struct pv_arena nodes;
	struct pv_yaml_docs docs;
	int rc;

	if (file_init(f, name) < 0)
		return -1;
	pv_arena_reserve(&f->arena, arena);
	if (len > PV_MAX_FILE_SIZE) {
		pv_diag_add(&f->diags, PV_SEV_ERROR, no_loc, "",
			    "file is %zu bytes; manifests larger than %u bytes are refused", len,
			    PV_MAX_FILE_SIZE);
		return file_finish(f);
	}
	pv_arena_init(&nodes, 0);
	if (pv_yaml_parse(buf, len, NULL, &nodes, &f->arena, &docs, &f->diags) == 0)
		for (size_t i = 0; i < docs.n; i++)
			load_doc(f, docs.roots[i], 0);
	rc = file_finish(f);
	pv_arena_free(&nodes);
	return rc;
}

int pv_file_load_buf(struct pv_file *f, const char *name, const char *buf, size_t len)
{
	return load_buf(f, name, buf, len, 0);
}

/* Read at most PV_MAX_FILE_SIZE bytes; a larger file is refused from its
 * size alone, without reading it. O_NONBLOCK: a FIFO must not hang us. */
static int read_bounded(const char *path, char **out, size_t *len, char *why, size_t whylen)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t got = 0, cap;

	if (fd < 0 || fstat(fd, &st) < 0)
		return snprintf(why, whylen, "cannot read: %s", strerror(errno)), -1;
	if (!S_ISREG(st.st_mode))
		return snprintf(why, whylen, "not a regular file"), -1;
	if ((uint64_t)st.st_size > PV_MAX_FILE_SIZE)
		return snprintf(why, whylen, "file is %lld bytes; manifests larger than %u bytes are "
				"refused", (long long)st.st_size, PV_MAX_FILE_SIZE), -1;
	/* Room for what fstat saw; more only if the file grows meanwhile. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return snprintf(why, whylen, "out of memory"), -1;
	for (;;) {
		ssize_t n;
		char *nb;

		if (got == cap) {
			cap = cap > PV_MAX_FILE_SIZE / 2 ? PV_MAX_FILE_SIZE + 1 : 2 * cap;
			if (!(nb = realloc(buf, cap)))
				return snprintf(why, whylen, "out of memory"), -1;
			buf = nb;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return snprintf(why, whylen, "cannot read: %s", strerror(errno)), -1;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > PV_MAX_FILE_SIZE)
			return snprintf(why, whylen, "file grew past %u bytes while being read",
					PV_MAX_FILE_SIZE), -1;
	}
	*out = steal_pointer(&buf);
	*len = got;
	return 0;
}

int pv_file_load(struct pv_file *f, const char *path)
{
	return pv_file_load_seen(f, path, NULL, NULL);
}

int pv_file_load_seen(struct pv_file *f, const char *path,
		      void (*seen)(void *data, const char *buf, size_t len), void *data)
{
	cleanup_free char *buf = NULL;
	char why[256];
	size_t len = 0;

	if (read_bounded(path, &buf, &len, why, sizeof(why)) < 0) {
		if (file_init(f, path) < 0)
			return -1;
		pv_diag_add(&f->diags, PV_SEV_ERROR, no_loc, "", "%s", why);
		return file_finish(f);
	}
	if (seen)
		seen(data, buf, len);
	return pv_file_load_buf(f, path, buf, len);
}

void pv_file_free(struct pv_file *f)
{
	free(f->path);
	free(f->objects);
	pv_diags_free(&f->diags);
	pv_arena_free(&f->arena);
	memset(f, 0, sizeof(*f));
}

struct pv_file *pv_file_new_buf(const char *name, const char *buf, size_t len)
{
	return pv_file_new_buf_sized(name, buf, len, 0);
}

struct pv_file *pv_file_new_buf_sized(const char *name, const char *buf, size_t len, size_t arena)
{
	struct pv_file *f = malloc(sizeof(*f));

	if (!f)
		return NULL;
	load_buf(f, name, buf, len, arena);
	f->refs = 1;
	return f;
}

struct pv_file *pv_file_get(struct pv_file *f)
{
	if (f)
		f->refs++;
	return f;
}

void pv_file_put(struct pv_file *f)
{
	if (!f || --f->refs > 0)
		return;
	pv_file_free(f);
	free(f);
}

bool pv_manifest_name_ok(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');

	if (n == 0 || name[0] == '.' || name[n - 1] == '~' || name[0] == '#' ||
	    strcmp(name, "4913") == 0)
		return false;
	if (!dot)
		return false;
	return strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".json") == 0;
}
