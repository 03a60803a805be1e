/* libFuzzer target: any bytes as a Localhost seccomp profile (Docker's or
 * OCI's JSON), through pv_seccomp_parse as the daemon reads one: the
 * JSON, the fields, the gates, and the libseccomp filter it is checked
 * by building. Must never crash, leak, or take unbounded time or memory;
 * a refusal names the file; a profile it accepts, written back out and
 * read again, must come back the same (normalising is idempotent). The
 * first byte picks the container's capabilities, so the gates are
 * exercised both ways. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/sandbox/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t caps = size && (data[0] & 1) ? ~UINT64_C(0) : UINT64_C(0xa80425fb);
	struct pv_err err = { 0 };
	struct json_object *p = pv_seccomp_parse((const char *)data, size, "fuzz.json", caps, &err);
	struct json_object *again;
	const char *text;

	if (!p) {
		if (strncmp(err.msg, "seccomp", 7) != 0 || !strstr(err.msg, "fuzz.json"))
			abort();
		return 0;
	}
	text = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN);
	again = pv_seccomp_parse(text, strlen(text), "fuzz.json", caps, &err);
	if (!again || !json_object_equal(p, again))
		abort();
	json_object_put(again);
	json_object_put(p);
	return 0;
}
