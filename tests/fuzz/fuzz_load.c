/* libFuzzer target: any bytes through the whole manifest loader, and any
 * objects it accepts back out through the JSON and YAML encoders. Must
 * never crash, leak, or take unbounded time or memory. */
#include <stdint.h>
#include <stdlib.h>

#include "manifests/encode.h"
#include "manifests/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_file f;

	pv_file_load_buf(&f, "fuzz.yaml", (const char *)data, size);
	for (size_t i = 0; !f.failed && i < f.nobjects; i++) {
		struct json_object *j = pv_encode_object(&f.objects[i]);
		char *y = pv_json_to_yaml(j, false);

		free(y);
		json_object_put(j);
	}
	pv_file_free(&f);
	return 0;
}
