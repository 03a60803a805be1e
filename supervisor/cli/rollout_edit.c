/* One object's document in a manifest file, found and rewritten in place
 * (rollout_edit.h). Calls: manifests (scalar), core (fsutil), common. */
#include "supervisor/cli/rollout_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "common/sha256.h"
#include "common/cleanup.h"
#include "common/vec.h"
#include "common/fdio.h"
#include "manifests/encode.h"
#include "manifests/manifest.h"
#include "manifests/scalar.h"
#include "supervisor/core/fsutil.h"

#define DEPTH_MAX 64

/* A document being read: the containers open, and where its text ends. */
struct reader {
	struct json_object *stack[DEPTH_MAX];
	char *key[DEPTH_MAX];    /* a mapping's pending key; NULL: the next scalar is one */
	bool flow[DEPTH_MAX];
	int depth;
	struct json_object *root;
	size_t start, end;       /* the root's first byte; the end of its last token */
	bool end_block;          /* that token is a block scalar (| or >): END is at the
				  * start of the line after it and its trailing blank lines */
	bool end_keep;           /* ... with the keep indicator (|+): those lines are its */
	bool aliases;
};

static struct json_object *scalar_json(const yaml_event_t *ev)
{
	struct pv_scalar s = { .str = (const char *)ev->data.scalar.value,
			       .len = ev->data.scalar.length };

	if (pv_scalar_resolve(&s, (const char *)ev->data.scalar.tag,
			      ev->data.scalar.plain_implicit) < 0)
		s.stype = PV_SCALAR_STR;
	switch (s.stype) {
	case PV_SCALAR_NULL:
		return NULL;
	case PV_SCALAR_BOOL:
		return json_object_new_boolean(s.b);
	case PV_SCALAR_INT:
		return json_object_new_int64(s.i);
	case PV_SCALAR_FLOAT:
		return json_object_new_double(s.f);
	case PV_SCALAR_STR:
		break;
	}
	return json_object_new_string_len(s.str, (int)s.len);
}

/* Put V (owned) where the reader stands: the root, an array's next item,
 * or a mapping's value. */
static int place(struct reader *r, struct json_object *v)
{
	struct json_object *top;

	if (r->depth == 0) {
		r->root = v;
		return 0;
	}
	top = r->stack[r->depth - 1];
	if (json_object_is_type(top, json_type_array))
		return json_object_array_add(top, v);
	json_object_object_add(top, r->key[r->depth - 1], v);
	free(r->key[r->depth - 1]);
	r->key[r->depth - 1] = NULL;
	return 0;
}

static int open_container(struct reader *r, struct json_object *c, bool flow)
{
	if (r->depth == DEPTH_MAX) {
		json_object_put(c);
		return -1;
	}
	if (place(r, json_object_get(c)) < 0) {
		json_object_put(c);
		return -1;
	}
	r->stack[r->depth] = c;
	r->key[r->depth] = NULL;
	r->flow[r->depth++] = flow;
	return 0;
}

static void note_end(struct reader *r, size_t at)
{
	if (at > r->end) {
		r->end = at;
		r->end_block = r->end_keep = false;
	}
}

/* Whether the block scalar whose text starts at AT (its tag, or its | or >)
 * has the keep indicator: |+, >+, |2+, |+2. */
static bool block_keeps(const char *buf, size_t len, size_t at)
{
	if (at < len && buf[at] == '!')
		while (at < len && buf[at] != ' ' && buf[at] != '\t' && buf[at] != '\n')
			at++;
	while (at < len && (buf[at] == ' ' || buf[at] == '\t'))
		at++;
	if (at >= len || (buf[at] != '|' && buf[at] != '>'))
		return false;
	for (size_t i = at + 1; i < len && i <= at + 2; i++)
		if (buf[i] == '+')
			return true;
	return false;
}

/* One event of a document (in the LEN bytes of BUF); 1 when its root is
 * complete. */
static int read_event(struct reader *r, const yaml_event_t *ev, const char *buf, size_t len)
{
	struct json_object *top = r->depth ? r->stack[r->depth - 1] : NULL;
	bool want_key = top && json_object_is_type(top, json_type_object) && !r->key[r->depth - 1];

	if (r->depth == 0 && !r->root && ev->type != YAML_DOCUMENT_START_EVENT &&
	    ev->type != YAML_DOCUMENT_END_EVENT)
		r->start = ev->start_mark.index;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			r->aliases = true;
		note_end(r, ev->end_mark.index);
		if (r->end == ev->end_mark.index && ev->end_mark.column == 0 &&
		    (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		     ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)) {
			r->end_block = true;
			r->end_keep = block_keeps(buf, len, ev->start_mark.index);
		}
		if (want_key) {
			r->key[r->depth - 1] = strndup((const char *)ev->data.scalar.value,
						       ev->data.scalar.length);
			return r->key[r->depth - 1] ? 0 : -1;
		}
		if (place(r, scalar_json(ev)) < 0)
			return -1;
		return r->depth == 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor
						: ev->data.mapping_start.anchor;

		if (anchor)
			r->aliases = true;
		if (want_key)
			return -1; /* a complex key: not a manifest */
		return open_container(r, seq ? json_object_new_array() : json_object_new_object(),
				      seq ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
					  : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (r->depth == 0)
			return -1;
		r->depth--;
		if (r->flow[r->depth])
			note_end(r, ev->end_mark.index);
		free(r->key[r->depth]);
		r->key[r->depth] = NULL;
		json_object_put(r->stack[r->depth]);
		return r->depth == 0;
	case YAML_ALIAS_EVENT:
		r->aliases = true;
		return -1;
	default:
		return 0;
	}
}

static void reader_clear(struct reader *r)
{
	while (r->depth > 0) {
		r->depth--;
		free(r->key[r->depth]);
		json_object_put(r->stack[r->depth]);
	}
	json_object_put(r->root);
	memset(r, 0, sizeof(*r));
}

static bool is_the_one(struct json_object *doc, const char *kind, const char *ns, const char *name)
{
	struct json_object *meta = json_object_object_get(doc, "metadata");
	struct json_object *k = json_object_object_get(doc, "kind");
	struct json_object *n = json_object_object_get(meta, "name");
	struct json_object *s = json_object_object_get(meta, "namespace");

	return json_object_is_type(k, json_type_string) && !strcmp(json_object_get_string(k), kind) &&
	       json_object_is_type(n, json_type_string) && !strcmp(json_object_get_string(n), name) &&
	       !strcmp(json_object_is_type(s, json_type_string) ? json_object_get_string(s)
								  : "default", ns);
}

/* Where R's document text ends: after the line break that ends its last
 * token's line. A block scalar's end mark is at the start of the line
 * after its trailing blank lines (the next document's ---, a comment):
 * back over those (unless |+ makes them the scalar's), so the bytes after
 * the document stay out of it. */
static size_t doc_end(const struct reader *r, const char *buf, size_t len)
{
	size_t end = r->end;

	if (r->end_block) {
		if (r->end_keep)
			return end;
		while (end > r->start && (buf[end - 1] == '\n' || buf[end - 1] == '\r' ||
					  buf[end - 1] == ' ' || buf[end - 1] == '\t'))
			end--;
	}
	while (end < len && buf[end] != '\n') /* the rest of its last line */
		end++;
	if (end < len)
		end++;
	return end;
}

int pv_edit_find_doc(const char *buf, size_t len, const char *kind, const char *ns,
		     const char *name, struct json_object **doc, size_t *start, size_t *end,
		     struct pv_err *err)
{
	yaml_parser_t p;
	struct reader r = { 0 };
	int rc = -1;
	bool done = false;

	*doc = NULL;
	if (!yaml_parser_initialize(&p))
		return pv_err_set(err, ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		yaml_event_t ev;
		int got;

		if (!yaml_parser_parse(&p, &ev)) {
			pv_err_set(err, EINVAL, "line %zu: %s", p.problem_mark.line + 1,
				   p.problem ? p.problem : "YAML syntax error");
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			pv_err_set(err, ENOENT, "no %s \"%s\" in namespace \"%s\" in it", kind, name, ns);
			break;
		}
		got = read_event(&r, &ev, buf, len);
		yaml_event_delete(&ev);
		if (got < 0) {
			pv_err_set(err, EINVAL, r.aliases ? "it uses YAML anchors or aliases"
							  : "it is not a manifest podvisor can rewrite");
			break;
		}
		if (got == 0)
			continue;
		if (json_object_is_type(r.root, json_type_object) && is_the_one(r.root, kind, ns, name)) {
			if (r.aliases) {
				pv_err_set(err, EINVAL, "its %s \"%s\" uses YAML anchors or aliases",
					   kind, name);
				break;
			}
			*doc = json_object_get(r.root);
			*start = r.start;
			*end = doc_end(&r, buf, len);
			rc = 0;
			done = true;
		}
		reader_clear(&r);
	}
	reader_clear(&r);
	yaml_parser_delete(&p);
	return rc;
}

/* Whether PATH holds the bytes whose hash is SHA. */
static bool still_is(const char *path, const char *sha)
{
	struct pv_err err = { 0 };
	size_t n = 0;
	char hex[65];
	cleanup_free char *b = pv_read_file_raw(path, PV_EDIT_FILE_MAX, &n, &err);

	if (!b)
		return false;
	pv_edit_sha256(b, n, hex);
	return !strcmp(hex, sha);
}

/* PATH a symlink: replace it by the same link (a new one renamed over
 * it). The daemon watches the manifests directory, not where its links
 * point: the rename is what it sees, and reads the rewritten target. */
static void relink(const char *path)
{
	cleanup_free char *dcopy = strdup(path), *bcopy = strdup(path), *tmp = NULL;
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!dcopy || !bcopy || lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0 || asprintf(&tmp, "%s/.%s.podvisor-link-%d", dirname(dcopy), basename(bcopy),
			       (int)getpid()) < 0)
		return;
	target[n] = '\0';
	if (symlink(target, tmp) < 0)
		return;
	if (rename(tmp, path) < 0)
		unlink(tmp);
}

int pv_edit_write_atomic(const char *path, const char *buf, size_t len, const char *sha,
			 struct pv_err *err)
{
	cleanup_free char *real = realpath(path, NULL), *dcopy = NULL, *bcopy = NULL, *tmp = NULL;
	cleanup_free char *again = NULL;
	const char *dir;
	struct stat st;
	int fd, dfd, e;

	if (!real)
		return pv_err_sys(err, errno, "%s", path);
	dcopy = strdup(real);
	bcopy = strdup(real);
	if (!dcopy || !bcopy)
		return pv_err_set(err, ENOMEM, "out of memory");
	if (stat(real, &st) < 0)
		return pv_err_sys(err, errno, "%s", real);
	dir = dirname(dcopy); /* beside the file a symlink names: the link stays */
	if (asprintf(&tmp, "%s/.%s.podvisor-XXXXXX", dir, basename(bcopy)) < 0)
		return pv_err_set(err, ENOMEM, "out of memory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pv_err_sys(err, errno, "%s", tmp);
	if (fchmod(fd, st.st_mode & 07777) < 0 || (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) ||
	    pv_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		return pv_err_sys(err, e, "%s", tmp);
	}
	if (close(fd) < 0) {
		e = errno;
		unlink(tmp);
		return pv_err_sys(err, e, "%s", tmp);
	}
	/* The caller checked SHA when it read the file; look again as late as
	 * can be (a write between this and the rename is still lost). */
	again = realpath(path, NULL);
	if (sha && (!again || strcmp(again, real) != 0 || !still_is(real, sha))) {
		unlink(tmp);
		return pv_err_set(err, EAGAIN, "%s changed while it was being rewritten; nothing was "
				  "rewritten (try again)", path);
	}
	if (rename(tmp, real) < 0) {
		e = errno;
		unlink(tmp);
		return pv_err_sys(err, e, "rename to %s", real);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	relink(path);
	return 0;
}

void pv_edit_sha256(const char *buf, size_t len, char out[65])
{
	pv_sha256_hex(buf, len, out);
}

/* ---- a template without its defaults ---- */

struct strip {
	struct json_object **gone; /* values (of the original) left out */
	size_t n, cap;
	struct json_object *labels; /* the selector the trial Deployment needs */
	char *want;                 /* the template the original loads to */
};

static bool is_gone(const struct strip *s, struct json_object *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->gone[i] == v)
			return true;
	return false;
}

/* A copy of V without the values in S->gone (sharing the scalars). */
static struct json_object *copy_without(const struct strip *s, struct json_object *v)
{
	struct json_object *c;

	if (json_object_is_type(v, json_type_object)) {
		c = json_object_new_object();
		json_object_object_foreach(v, k, val) {
			if (!val || !is_gone(s, val))
				json_object_object_add(c, k, copy_without(s, val));
		}
		return c;
	}
	if (json_object_is_type(v, json_type_array)) {
		c = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_object_array_add(c, copy_without(s, json_object_array_get_idx(v, i)));
		return c;
	}
	return json_object_get(v);
}

/* The template TMPL loads to, in a Deployment of its own (NULL: it does
 * not load). Malloc'd JSON text. */
static char *loaded_template(const struct strip *s, struct json_object *tmpl)
{
	struct json_object *d = json_object_new_object(), *meta = json_object_new_object();
	struct json_object *spec = json_object_new_object(), *sel = json_object_new_object();
	struct json_object *enc = NULL;
	struct pv_file f = { 0 };
	const char *text;
	char *out = NULL;

	json_object_object_add(d, "apiVersion", json_object_new_string("apps/v1"));
	json_object_object_add(d, "kind", json_object_new_string("Deployment"));
	json_object_object_add(meta, "name", json_object_new_string("undo"));
	json_object_object_add(d, "metadata", meta);
	json_object_object_add(sel, "matchLabels", json_object_get(s->labels));
	json_object_object_add(spec, "selector", sel);
	json_object_object_add(spec, "template", json_object_get(tmpl));
	json_object_object_add(d, "spec", spec);
	text = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN);
	if (text && pv_file_load_buf(&f, "template", text, strlen(text)) == 0 && f.nobjects == 1)
		enc = pv_encode_object(&f.objects[0]);
	text = enc ? json_object_to_json_string_ext(
			     json_object_object_get(json_object_object_get(enc, "spec"), "template"),
			     JSON_C_TO_STRING_PLAIN) : NULL;
	if (text)
		out = strdup(text);
	json_object_put(enc);
	pv_file_free(&f);
	json_object_put(d);
	return out;
}

/* Try leaving out each value under V, outermost first. */
static void strip_walk(struct strip *s, struct json_object *root, struct json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			strip_walk(s, root, json_object_array_get_idx(v, i));
		return;
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	json_object_object_foreach(v, k, val) {
		struct json_object *trial;
		char *got;

		(void)k;
		if (!val || pv_vec_push(s->gone, s->n, s->cap, val) < 0)
			continue;
		trial = copy_without(s, root);
		got = loaded_template(s, trial);
		json_object_put(trial);
		if (!got || strcmp(got, s->want) != 0) {
			s->n--; /* it is needed: look inside it */
			strip_walk(s, root, val);
		}
		free(got);
	}
}

struct json_object *pv_edit_strip_defaults(struct json_object *tmpl, struct json_object *like)
{
	struct strip s = { 0 };
	struct json_object *out, *ordered;
	char *got;

	s.labels = json_object_object_get(json_object_object_get(tmpl, "metadata"), "labels");
	s.want = loaded_template(&s, tmpl);
	if (!s.want)
		return json_object_get(tmpl);
	strip_walk(&s, tmpl, tmpl);
	out = copy_without(&s, tmpl);
	ordered = pv_edit_follow_order(out, like);
	got = loaded_template(&s, ordered);
	if (got && !strcmp(got, s.want)) {
		json_object_put(out);
		out = ordered;
	} else {
		json_object_put(ordered);
	}
	free(got);
	free(s.gone);
	free(s.want);
	return out;
}

/* ---- keys in the order of the template being replaced ---- */

static struct json_object *item_like(struct json_object *like, struct json_object *item, size_t i)
{
	struct json_object *name = json_object_object_get(item, "name");

	if (!json_object_is_type(like, json_type_array))
		return NULL;
	if (!json_object_is_type(name, json_type_string))
		return i < json_object_array_length(like) ? json_object_array_get_idx(like, i) : NULL;
	for (size_t k = 0; k < json_object_array_length(like); k++) {
		struct json_object *n = json_object_object_get(json_object_array_get_idx(like, k), "name");

		if (json_object_is_type(n, json_type_string) &&
		    !strcmp(json_object_get_string(n), json_object_get_string(name)))
			return json_object_array_get_idx(like, k);
	}
	return NULL;
}

struct json_object *pv_edit_follow_order(struct json_object *v, struct json_object *like)
{
	struct json_object *out;

	if (json_object_is_type(v, json_type_array)) {
		out = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *it = json_object_array_get_idx(v, i);

			json_object_array_add(out, pv_edit_follow_order(it, item_like(like, it, i)));
		}
		return out;
	}
	if (!json_object_is_type(v, json_type_object))
		return json_object_get(v);
	out = json_object_new_object();
	if (json_object_is_type(like, json_type_object)) {
		json_object_object_foreach(like, k, lv) {
			struct json_object *val;

			if (json_object_object_get_ex(v, k, &val))
				json_object_object_add(out, k, pv_edit_follow_order(val, lv));
		}
	}
	json_object_object_foreach(v, k, val) {
		if (!json_object_object_get_ex(out, k, NULL))
			json_object_object_add(out, k, pv_edit_follow_order(val, NULL));
	}
	return out;
}
