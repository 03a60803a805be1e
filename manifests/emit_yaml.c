/* JSON values -> YAML text with libyaml's emitter, in the block style
 * kubectl prints. */
#include "manifests/encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/vec.h"
#include "manifests/scalar.h"

struct outbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static int out_write(void *data, unsigned char *buf, size_t size)
{
	struct outbuf *o = data;

	if (pv_vec_reserve(o->p, o->len, o->cap, size + 1) < 0) {
		o->oom = true;
		return 0;
	}
	memcpy(o->p + o->len, buf, size);
	o->len += size;
	o->p[o->len] = '\0';
	return 1;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -1;
}

/* A string that would read back as something else must be quoted; a
 * time too ("2024-01-02T03:04:05Z": a timestamp to YAML 1.1 readers),
 * as kubectl quotes it. */
static bool needs_quotes(const char *s)
{
	struct pv_scalar n = { .str = s, .len = strlen(s) };

	if (strlen(s) >= 10 && strspn(s, "0123456789") == 4 && s[4] == '-' && s[7] == '-')
		return true;

	pv_scalar_resolve(&n, NULL, true);
	return n.stype != PV_SCALAR_STR;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool is_string)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (is_string && needs_quotes(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (is_string && strchr(s, '\n'))
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style))
		return -1;
	return emit(e, &ev);
}

static int emit_value(yaml_emitter_t *e, struct json_object *j)
{
	yaml_event_t ev;
	char num[64];

	switch (json_object_get_type(j)) {
	case json_type_object:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    emit(e, &ev) < 0)
			return -1;
		json_object_object_foreach(j, key, val) {
			if (emit_scalar(e, key, true) < 0 || emit_value(e, val) < 0)
				return -1;
		}
		return yaml_mapping_end_event_initialize(&ev) ? emit(e, &ev) : -1;
	case json_type_array:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
		    emit(e, &ev) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(j); i++)
			if (emit_value(e, json_object_array_get_idx(j, i)) < 0)
				return -1;
		return yaml_sequence_end_event_initialize(&ev) ? emit(e, &ev) : -1;
	case json_type_string:
		return emit_scalar(e, json_object_get_string(j), true);
	case json_type_int:
		snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(j));
		return emit_scalar(e, num, false);
	case json_type_boolean:
		return emit_scalar(e, json_object_get_boolean(j) ? "true" : "false", false);
	case json_type_double:
		snprintf(num, sizeof(num), "%.17g", json_object_get_double(j));
		return emit_scalar(e, num, false);
	case json_type_null:
		return emit_scalar(e, "null", false);
	}
	return -1;
}

static int emit_doc(yaml_emitter_t *e, struct json_object *j)
{
	yaml_event_t ev;

	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) || emit(e, &ev) < 0)
		return -1;
	if (emit_value(e, j) < 0)
		return -1;
	return yaml_document_end_event_initialize(&ev, 1) ? emit(e, &ev) : -1;
}

char *pv_json_to_yaml(struct json_object *j, bool multi_doc)
{
	struct outbuf o = { 0 };
	yaml_emitter_t e;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_emitter_initialize(&e))
		return NULL;
	yaml_emitter_set_output(&e, out_write, &o);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_indent(&e, 2);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(&e, &ev) < 0)
		rc = -1;
	if (rc == 0 && multi_doc && json_object_get_type(j) == json_type_array) {
		for (size_t i = 0; rc == 0 && i < json_object_array_length(j); i++)
			rc = emit_doc(&e, json_object_array_get_idx(j, i));
	} else if (rc == 0) {
		rc = emit_doc(&e, j);
	}
	if (rc == 0 && (!yaml_stream_end_event_initialize(&ev) || emit(&e, &ev) < 0))
		rc = -1;
	yaml_emitter_delete(&e);
	if (rc < 0 || o.oom) {
		free(o.p);
		return NULL;
	}
	return o.p ? o.p : strdup("");
}
