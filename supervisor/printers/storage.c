/* podvisor get / describe pv, pvc, cm and secret, as kubectl shows them.
 * Secret values never reach a table or describe: only -o json|yaml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "supervisor/printers/get.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/table.h"

#define PV_W 17	 /* describe pv: "Reclaim Policy:  " */
#define PVC_W 15 /* describe pvc: "Access Modes:  " */
#define CFG_W 14 /* describe cm|secret: "Annotations:  " */

/* One row's cells; ROW points into the buffers or into the item. */
struct cells {
	char age[32], count[32];
	const char *row[11];
};

typedef void fill_fn(struct json_object *x, struct cells *c);

static bool wide(const struct get_opts *o)
{
	return o->output && strcmp(o->output, "wide") == 0;
}

static void age_cell(struct json_object *x, char *buf, size_t len)
{
	int64_t created = pv_json_int(x, "created");

	if (!created)
		snprintf(buf, len, "<unknown>");
	else
		pv_human_duration(time(NULL) - created, buf, len);
}

/* The object at K of X, or NULL when absent or not an object. */
static struct json_object *map_of(struct json_object *x, const char *k)
{
	struct json_object *m = json_object_object_get(x, k);

	return json_object_is_type(m, json_type_object) ? m : NULL;
}

static int nkeys(struct json_object *x, const char *k)
{
	struct json_object *m = map_of(x, k);

	return m ? json_object_object_length(m) : 0;
}

/* The wanted ITEMS as a table of HEAD[0..NCOLS), one row each by FILL. */
static size_t print_table(const struct get_opts *o, struct json_object *items,
			  const char *const *head, size_t ncols, fill_fn *fill)
{
	struct get_table t;

	pv_get_table_init(&t, o, ncols, head);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *x = json_object_array_get_idx(items, i);
		struct cells c = { 0 };

		if (!pv_get_wanted(o, x))
			continue;
		age_cell(x, c.age, sizeof(c.age));
		fill(x, &c);
		pv_get_table_add(&t, x, c.row);
	}
	return pv_get_table_done(&t);
}

static void volume_row(struct json_object *v, struct cells *c)
{
	static const char *const keys[] = { "name", "capacity", "accessModes", "reclaimPolicy",
					    "status", "claim", "storageClass", "reason" };

	c->row[0] = ""; /* cluster-scoped */
	for (size_t i = 0; i < PV_ARRAY_SIZE(keys); i++)
		c->row[1 + i] = pv_json_str(v, keys[i], "");
	c->row[9] = c->age;
	c->row[10] = pv_json_str(v, "volumeMode", "");
}

size_t pv_get_print_volumes(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "", "NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY",
					    "STATUS", "CLAIM", "STORAGECLASS", "REASON", "AGE",
					    "VOLUMEMODE" };

	return print_table(o, items, head, wide(o) ? 11 : 10, volume_row);
}

static void claim_row(struct json_object *p, struct cells *c)
{
	static const char *const keys[] = { "namespace", "name", "status", "volume", "capacity",
					    "accessModes", "storageClass" };

	for (size_t i = 0; i < PV_ARRAY_SIZE(keys); i++)
		c->row[i] = pv_json_str(p, keys[i], "");
	c->row[7] = c->age;
	c->row[8] = pv_json_str(p, "volumeMode", "");
}

size_t pv_get_print_claims(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "STATUS", "VOLUME", "CAPACITY",
					    "ACCESS MODES", "STORAGECLASS", "AGE", "VOLUMEMODE" };

	return print_table(o, items, head, wide(o) ? 9 : 8, claim_row);
}

static void configmap_row(struct json_object *m, struct cells *c)
{
	snprintf(c->count, sizeof(c->count), "%d", nkeys(m, "data") + nkeys(m, "binaryData"));
	c->row[0] = pv_json_str(m, "namespace", "");
	c->row[1] = pv_json_str(m, "name", "");
	c->row[2] = c->count;
	c->row[3] = c->age;
}

size_t pv_get_print_configmaps(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "DATA", "AGE" };

	return print_table(o, items, head, 4, configmap_row);
}

static void secret_row(struct json_object *s, struct cells *c)
{
	snprintf(c->count, sizeof(c->count), "%d", nkeys(s, "data"));
	c->row[0] = pv_json_str(s, "namespace", "");
	c->row[1] = pv_json_str(s, "name", "");
	c->row[2] = pv_json_str(s, "type", "Opaque");
	c->row[3] = c->count;
	c->row[4] = c->age;
}

size_t pv_get_print_secrets(const struct get_opts *o, struct json_object *items)
{
	static const char *const head[] = { "NAMESPACE", "NAME", "TYPE", "DATA", "AGE" };

	return print_table(o, items, head, 5, secret_row);
}

/* ---- describe ---- */

/* The first wanted item, or NULL after saying it is not found. */
static struct json_object *wanted_one(const struct get_opts *o, struct json_object *items,
				      const char *kind)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *x = json_object_array_get_idx(items, i);

		if (pv_get_wanted(o, x))
			return x;
	}
	fprintf(stderr, "Error from the daemon: %s \"%s\" not found\n", kind, o->name);
	return NULL;
}

/* "Label:" padded to W, then the string at K of X (DFLT when absent or ""). */
static void field(int w, const char *label, struct json_object *x, const char *k,
		  const char *dflt)
{
	const char *v = pv_json_str(x, k, "");

	printf("%-*s%s\n", w, label, *v ? v : dflt);
}

static const char *source_kind(const char *source)
{
	if (strcmp(source, "HostPath") == 0)
		return "HostPath (bare host directory volume)";
	if (strcmp(source, "LocalVolume") == 0)
		return "LocalVolume (a persistent volume backed by local storage on a node)";
	if (strcmp(source, "LocalPath") == 0)
		return "LocalPath (a directory podvisor provisioned for a claim)";
	return NULL;
}

static void describe_source(struct json_object *v)
{
	const char *source = pv_json_str(v, "source", ""), *kind = source_kind(source);

	printf("Source:\n");
	if (kind)
		printf("    Type:  %s\n", kind);
	else
		printf("    Type:  %s (not supported by podvisor)\n", *source ? source : "<unknown>");
	if (*pv_json_str(v, "path", ""))
		printf("    Path:  %s\n", pv_json_str(v, "path", ""));
}

int pv_describe_volume(const struct get_opts *o, struct json_object *items,
		       struct json_object *events)
{
	static const char *const labels[][2] = {
		{ "Name:", "name" },	 { "StorageClass:", "storageClass" },
		{ "Status:", "status" }, { "Claim:", "claim" },
		{ "Reclaim Policy:", "reclaimPolicy" }, { "Access Modes:", "accessModes" },
		{ "VolumeMode:", "volumeMode" }, { "Capacity:", "capacity" },
	};
	struct json_object *v = wanted_one(o, items, "persistentvolumes");

	if (!v)
		return 1;
	for (size_t i = 0; i < PV_ARRAY_SIZE(labels); i++)
		field(PV_W, labels[i][0], v, labels[i][1], "");
	if (*pv_json_str(v, "message", ""))
		field(PV_W, "Message:", v, "message", "");
	describe_source(v);
	field(PV_W, "Manifest:", v, "file", "<none: provisioned by podvisor>");
	pv_get_print_events(events, "Events");
	return 0;
}

/* "web-0, web-1", or <none>. */
static void describe_used_by(struct json_object *c)
{
	struct json_object *pods = json_object_object_get(c, "usedBy");
	size_t n = json_object_is_type(pods, json_type_array) ? json_object_array_length(pods) : 0;

	printf("%-*s%s", PVC_W, "Used By:", n ? "" : "<none>");
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(pods, i)));
	printf("\n");
}

int pv_describe_claim(const struct get_opts *o, struct json_object *items,
		      struct json_object *events)
{
	static const char *const labels[][2] = {
		{ "Name:", "name" },	     { "Namespace:", "namespace" },
		{ "StorageClass:", "storageClass" }, { "Status:", "status" },
		{ "Volume:", "volume" },     { "Capacity:", "capacity" },
		{ "Access Modes:", "accessModes" }, { "VolumeMode:", "volumeMode" },
	};
	struct json_object *c = wanted_one(o, items, "persistentvolumeclaims");

	if (!c)
		return 1;
	for (size_t i = 0; i < PV_ARRAY_SIZE(labels); i++)
		field(PVC_W, labels[i][0], c, labels[i][1], "");
	printf("%-*s%s (%s)\n", PVC_W, "Requested:", pv_json_str(c, "requested", ""),
	       pv_json_str(c, "requestedAccessModes", ""));
	describe_used_by(c);
	if (*pv_json_str(c, "message", ""))
		field(PVC_W, "Message:", c, "message", "");
	if (*pv_json_str(c, "owner", "")) /* made by a controller, not a file */
		field(PVC_W, "Made By:", c, "owner", "");
	else
		field(PVC_W, "Manifest:", c, "file", "<none: no longer in the manifests>");
	if (*pv_json_str(c, "retained", ""))
		field(PVC_W, "Retained:", c, "retained", "");
	pv_get_print_events(events, "Events");
	return 0;
}

/* kubectl's multi-line map: "Labels:       a=1\n              b=2", or <none>. */
static void describe_map(const char *label, struct json_object *x, const char *k,
			 const char *sep)
{
	struct json_object *m = map_of(x, k);
	bool first = true;

	printf("%-*s", CFG_W, label);
	if (!m || !json_object_object_length(m)) {
		printf("<none>\n");
		return;
	}
	json_object_object_foreach(m, key, val) {
		printf("%*s%s%s%s\n", first ? 0 : CFG_W, "", key, sep, json_object_get_string(val));
		first = false;
	}
}

static void describe_head(struct json_object *x)
{
	field(CFG_W, "Name:", x, "name", "");
	field(CFG_W, "Namespace:", x, "namespace", "");
	describe_map("Labels:", x, "labels", "=");
	describe_map("Annotations:", x, "annotations", ": ");
}

/* The decoded size of a base64 value. */
static size_t decoded_size(struct json_object *v)
{
	size_t n = 0;
	cleanup_free unsigned char *dec = pv_base64_decode(json_object_get_string(v), &n);

	return dec ? n : 0;
}

static void describe_data(struct json_object *m)
{
	struct json_object *data = map_of(m, "data"), *bin = map_of(m, "binaryData");

	printf("\nData\n====\n");
	if (data) {
		json_object_object_foreach(data, k, v)
			printf("%s:\n----\n%s\n", k, json_object_get_string(v));
	}
	printf("\nBinaryData\n====\n");
	if (bin) {
		json_object_object_foreach(bin, bk, bv)
			printf("%s: %zu bytes\n", bk, decoded_size(bv));
	}
	printf("\n");
}

int pv_describe_configmap(const struct get_opts *o, struct json_object *items,
			  struct json_object *events)
{
	struct json_object *m = wanted_one(o, items, "configmaps");

	if (!m)
		return 1;
	describe_head(m);
	describe_data(m);
	field(CFG_W, "Manifest:", m, "file", "<none>");
	pv_get_print_events(events, "Events");
	return 0;
}

/* Each key's size, never its value. */
int pv_describe_secret(const struct get_opts *o, struct json_object *items,
		       struct json_object *events)
{
	struct json_object *s = wanted_one(o, items, "secrets"), *sizes = map_of(s, "sizes");

	if (!s)
		return 1;
	describe_head(s);
	printf("\nType:  %s\n\nData\n====\n", pv_json_str(s, "type", "Opaque"));
	if (sizes) {
		json_object_object_foreach(sizes, k, v)
			printf("%s:  %lld bytes\n", k, (long long)json_object_get_int64(v));
	}
	printf("\n");
	field(CFG_W, "Manifest:", s, "file", "<none>");
	return 0;
}
