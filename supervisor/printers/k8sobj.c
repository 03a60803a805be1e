/* `podvisor get KIND [NAME] -o json|yaml`: the daemon's records made into
 * Kubernetes objects (api/kobj.c) and printed as kubectl prints them:
 * several as a v1 List; JSON with 4 spaces and no \/, YAML through the
 * manifests' emitter; keys sorted, as kubectl's output of unstructured
 * objects. May call: api (kobj), core, manifests (the YAML emitter), and
 * get.h's filter (cmd_get.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifests/encode.h"
#include "supervisor/api/kobj.h"
#include "supervisor/printers/get.h"
#include "supervisor/core/command.h"
#include "supervisor/core/jsonx.h"

typedef struct json_object jo;

/* The line at S: its length, and where the next starts. */
static size_t line_at(const char *s, const char **next)
{
	const char *nl = strchr(s, '\n');
	size_t len = nl ? (size_t)(nl - s) : strlen(s);

	*next = s + len + (nl ? 1 : 0);
	return len;
}

/* json-c's pretty output, indented by 4 as kubectl's: each line's
 * leading spaces doubled (strings hold no raw newline), and an empty
 * object or array, which json-c spreads over two lines, as {} or []. */
static void print_json(jo *j)
{
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	const char *next, *after;

	while (*s) {
		size_t len = line_at(s, &next), sp = strspn(s, " "), nlen, nsp;

		sp = sp > len ? len : sp;
		printf("%*s%.*s", (int)(2 * sp), "", (int)(len - sp), s + sp);
		nlen = line_at(next, &after);
		nsp = strspn(next, " ");
		if (len && (s[len - 1] == '{' || s[len - 1] == '[') && nsp < nlen &&
		    (next[nsp] == '}' || next[nsp] == ']') && nlen - nsp <= 2) {
			printf("%.*s", (int)(nlen - nsp), next + nsp); /* "}" or "}," */
			next = after;
		}
		putchar('\n');
		s = next;
	}
}

int pv_k8sobj_print(const struct get_opts *o, const char *word, bool one,
		    struct json_object *items)
{
	enum pv_kobj k = pv_kobj_of(word);
	struct pv_kobj_images im = { NULL, 0 };
	jo *list = json_object_new_array(), *out, *s;
	char *y;

	if (k == PV_K_POD)
		pv_kobj_images_load(&im, o->state);
	for (size_t i = 0; k != PV_K_NONE && i < json_object_array_length(items); i++) {
		jo *it = json_object_array_get_idx(items, i);

		if (k == PV_K_EP && !strcmp(pv_json_str(it, "type", ""), "ExternalName"))
			continue;
		if (k == PV_K_EVENT || pv_get_wanted(o, it))
			json_object_array_add(list, pv_kobj_make(k, it, i, &im, NULL));
	}
	pv_kobj_images_free(&im);
	if (one && !json_object_array_length(list)) {
		fprintf(stderr, "Error from server (NotFound): %s \"%s\" not found\n",
			k == PV_K_NONE ? word : pv_kobj_resource(k), o->name ? o->name : "");
		json_object_put(list);
		return PV_EXIT_FAIL;
	}
	if (one && json_object_array_length(list) == 1) {
		out = json_object_get(json_object_array_get_idx(list, 0));
		json_object_put(list);
	} else {
		jo *m = json_object_new_object();

		out = json_object_new_object();
		json_object_object_add(out, "apiVersion", json_object_new_string("v1"));
		json_object_object_add(out, "items", list);
		json_object_object_add(out, "kind", json_object_new_string("List"));
		json_object_object_add(m, "resourceVersion", json_object_new_string(""));
		json_object_object_add(out, "metadata", m);
	}
	s = pv_kobj_sorted(out);
	json_object_put(out);
	if (!strcmp(o->output, "json")) {
		print_json(s);
	} else {
		y = pv_json_to_yaml(s, false);
		fputs(y && !strncmp(y, "---\n", 4) ? y + 4 : y ? y : "", stdout);
		free(y);
	}
	json_object_put(s);
	return PV_EXIT_OK;
}
