#include "manifests/encode.h"

#include <string.h>

struct pv_list_any {
	size_t n;
	void *items;
	bool set;
	struct pv_loc loc;
};

static struct json_object *enc_struct(const struct pv_type *t, const void *obj);

static struct json_object *enc_intstr(const struct pv_intstr *is)
{
	return is->is_str ? json_object_new_string(is->s) : json_object_new_int64(is->i);
}

static struct json_object *enc_strmap(const pv_strmap *m)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].value));
	return o;
}

static struct json_object *enc_qtymap(const pv_qtymap *m)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].val.s));
	return o;
}

static struct json_object *enc_strlist(const pv_strlist *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->items[i].v));
	return a;
}

static struct json_object *enc_intlist(const struct pv_list_any *l)
{
	struct json_object *a = json_object_new_array();
	const struct pv_int *items = l->items;

	for (size_t i = 0; a && i < l->n; i++)
		json_object_array_add(a, json_object_new_int64(items[i].v));
	return a;
}

static struct json_object *enc_list(const struct pv_type *t, const struct pv_list_any *l)
{
	struct json_object *a = json_object_new_array();
	const unsigned char *items = l->items;

	for (size_t i = 0; a && i < l->n; i++)
		json_object_array_add(a, enc_struct(t, items + i * t->size));
	return a;
}

/* The field's JSON value, or NULL when it is not set (and so omitted). */
static struct json_object *enc_field(const struct pv_field *f, const unsigned char *base)
{
	const void *p = base + f->off;

	switch (f->kind) {
	case PV_F_STR:
		return ((const struct pv_str *)p)->v ? json_object_new_string(((const struct pv_str *)p)->v)
						     : NULL;
	case PV_F_INT:
		return ((const struct pv_int *)p)->set ? json_object_new_int64(((const struct pv_int *)p)->v)
						       : NULL;
	case PV_F_BOOL:
		return ((const struct pv_bool *)p)->set
			       ? json_object_new_boolean(((const struct pv_bool *)p)->v) : NULL;
	case PV_F_INTSTR:
		return ((const struct pv_intstr *)p)->set ? enc_intstr(p) : NULL;
	case PV_F_QTY:
		return ((const struct pv_qtyval *)p)->s
			       ? json_object_new_string(((const struct pv_qtyval *)p)->s) : NULL;
	case PV_F_STRMAP:
		return ((const struct pv_list_any *)p)->set ? enc_strmap(p) : NULL;
	case PV_F_QTYMAP:
		return ((const struct pv_list_any *)p)->set ? enc_qtymap(p) : NULL;
	case PV_F_STRLIST:
		return ((const struct pv_list_any *)p)->set ? enc_strlist(p) : NULL;
	case PV_F_INTLIST:
		return ((const struct pv_list_any *)p)->set ? enc_intlist(p) : NULL;
	case PV_F_OBJ:
		return ((const struct pv_hdr *)p)->set ? enc_struct(f->type, p) : NULL;
	case PV_F_LIST:
		return ((const struct pv_list_any *)p)->set ? enc_list(f->type, p) : NULL;
	default:
		return NULL;
	}
}

static struct json_object *enc_struct(const struct pv_type *t, const void *obj)
{
	struct json_object *o = json_object_new_object();

	for (const struct pv_field *f = t->fields; o && f->name; f++) {
		struct json_object *v = enc_field(f, obj);

		if (v)
			json_object_object_add(o, f->name, v);
	}
	return o;
}

struct json_object *pv_encode_object(const struct pv_object *o)
{
	return enc_struct(o->kind->type, o->obj);
}
