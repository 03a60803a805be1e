#include "supervisor/api/config_api.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base64.h"
#include "supervisor/node/node.h"
#include "supervisor/source/desired.h"

static struct json_object *map_json(const pv_strmap *m)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < m->n; i++)
		json_object_object_add(o, m->items[i].key, json_object_new_string(m->items[i].value));
	return o;
}

static void head(struct json_object *o, const struct pv_dfile *f, const struct pv_objhead *h)
{
	struct stat st;

	json_object_object_add(o, "namespace", json_object_new_string(h->metadata.namespace.v));
	json_object_object_add(o, "name", json_object_new_string(h->metadata.name.v));
	json_object_object_add(o, "file", json_object_new_string(f->path));
	json_object_object_add(o, "created",
			       json_object_new_int64(stat(f->path, &st) == 0 ? st.st_mtime : 0));
	json_object_object_add(o, "labels", map_json(&h->metadata.labels));
	json_object_object_add(o, "annotations", map_json(&h->metadata.annotations));
	/* kubectl's last-applied-configuration holds a Secret's whole data */
	json_object_object_del(json_object_object_get(o, "annotations"),
			       "kubectl.kubernetes.io/last-applied-configuration");
}

static void add_configmap(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	const struct pv_configmap *c = (const struct pv_configmap *)o->obj;
	struct json_object *j = json_object_new_object();

	head(j, f, &c->h);
	json_object_object_add(j, "data", map_json(&c->data));
	json_object_object_add(j, "binaryData", map_json(&c->binary_data));
	json_object_object_add(j, "immutable", json_object_new_boolean(c->immutable.v));
	json_object_array_add(data, j);
}

/* data as the API server returns it: stringData merged in, encoded. */
static struct json_object *secret_data(const struct pv_secret *s)
{
	struct json_object *o = map_json(&s->data);

	for (size_t i = 0; i < s->string_data.n; i++) {
		const char *v = s->string_data.items[i].value;
		size_t n = strlen(v);
		char *enc = malloc(4 * ((n + 2) / 3) + 1);

		if (!enc)
			continue;
		EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)v, (int)n);
		json_object_object_add(o, s->string_data.items[i].key, json_object_new_string(enc));
		free(enc);
	}
	return o;
}

/* Each key's decoded size: what `describe secret` shows instead of it. */
static struct json_object *sizes_of(struct json_object *data)
{
	struct json_object *sizes = json_object_new_object();

	json_object_object_foreach(data, k, v) {
		size_t n = 0;
		unsigned char *dec = pv_base64_decode(json_object_get_string(v), &n);

		free(dec);
		json_object_object_add(sizes, k, json_object_new_int64((int64_t)n));
	}
	return sizes;
}

static void add_secret(void *data, const struct pv_dfile *f, const struct pv_object *o)
{
	const struct pv_secret *s = (const struct pv_secret *)o->obj;
	struct json_object *j = json_object_new_object(), *d = secret_data(s);

	head(j, f, &s->h);
	json_object_object_add(j, "type", json_object_new_string(s->type.v ? s->type.v : "Opaque"));
	json_object_object_add(j, "sizes", sizes_of(d));
	json_object_object_add(j, "data", d);
	json_object_object_add(j, "immutable", json_object_new_boolean(s->immutable.v));
	json_object_array_add(data, j);
}

struct json_object *pv_config_json(struct pv_daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cms = json_object_new_array(), *secrets = json_object_new_array();

	pv_desired_each(&d->desired, PV_KIND_CONFIGMAP, add_configmap, cms);
	pv_desired_each(&d->desired, PV_KIND_SECRET, add_secret, secrets);
	json_object_object_add(o, "configmaps", cms);
	json_object_object_add(o, "secrets", secrets);
	return o;
}
