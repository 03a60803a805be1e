/* What `rollout undo` needs to rewrite one object in a manifest file and
 * leave the rest of the file as it was: the document of one object found
 * by libyaml's marks (its text from its first key to the end of its last
 * value's line: the comments and documents around it are not in it), that
 * document read as JSON (scalars resolved as the loader resolves them),
 * and an atomic write that keeps the file's mode and owner.
 * Owns: nothing. Calls: manifests (scalar, the loader, encode), core
 * (fsutil), common. */
#ifndef PV_SUPERVISOR_CLI_ROLLOUT_EDIT_H
#define PV_SUPERVISOR_CLI_ROLLOUT_EDIT_H

#include <stddef.h>

#include <json-c/json.h>

#include "common/err.h"

/* The document of KIND (e.g. "Deployment") named NS/NAME (a document
 * without metadata.namespace is in "default") in the LEN bytes of BUF:
 * *DOC gets it as JSON (to put), [*START, *END) its text. -1 with ERR
 * when it is not there, the text does not parse, or the document uses
 * anchors and aliases (it could not be rewritten faithfully). */
int pv_edit_find_doc(const char *buf, size_t len, const char *kind, const char *ns,
		     const char *name, struct json_object **doc, size_t *start, size_t *end,
		     struct pv_err *err);

/* The pod template TMPL (as the daemon keeps it: every default filled
 * in) without what the loader would fill in again the same way: what a
 * user would have written, so that a rewritten file says no more than it
 * needs to (and warns of nothing it did not before). Each field is
 * dropped when the Deployment still loads to the same template without
 * it. Its mappings' keys then follow LIKE's order (the template it is to
 * replace; may be NULL), unless that changes what it loads to (the order
 * of labels is part of the pod-template-hash). A new reference (TMPL
 * itself when it cannot be loaded). */
struct json_object *pv_edit_strip_defaults(struct json_object *tmpl, struct json_object *like);

/* V with its mappings' keys in the order LIKE has them (where LIKE has
 * them; the others after, in their order), recursively; list items are
 * matched by their "name", else by position. So that a template written
 * back reads as the one it replaces. A new reference. */
struct json_object *pv_edit_follow_order(struct json_object *v, struct json_object *like);

/* The largest manifest file rewritten. */
#define PV_EDIT_FILE_MAX (64 * 1024 * 1024)

/* Replace the contents of the file PATH names (through symlinks: a link
 * stays a link, its target changes) with BUF: a temporary file in the
 * target's directory (a hidden name the manifests watch ignores), with
 * its mode and owner, written, synced, renamed over the target, and the
 * directory synced. With SHA (the hex SHA-256 the caller read the file
 * with), -1 (EAGAIN) and nothing changed when the file no longer has it
 * just before the rename. */
int pv_edit_write_atomic(const char *path, const char *buf, size_t len, const char *sha,
			 struct pv_err *err);

/* The hex SHA-256 of LEN bytes of BUF into OUT. */
void pv_edit_sha256(const char *buf, size_t len, char out[65]);

#endif
