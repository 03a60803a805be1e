/* libFuzzer target: any bytes as a request on the daemon's API socket,
 * NUL-terminated as the daemon reads it, through pv_api_request_parse:
 * the JSON, the table of ops and the arguments. Answering needs a running
 * daemon and is not fuzzed. Must never crash, leak, or take unbounded
 * time or memory; a refusal leaves nothing behind and is one of the three
 * errors a client can be told; a request it accepts, sent again as the
 * CLI sends one (plain JSON and a newline), must parse to the same op
 * and arguments. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/api/api_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_refusal(const struct pv_api_request *r, const struct pv_err *err)
{
	if (r->json || r->ns || r->name || r->object ||
	    (strcmp(err->msg, "bad request") != 0 && strcmp(err->msg, "unknown op") != 0 &&
	     strcmp(err->msg, "no op in the request") != 0))
		abort();
}

static void resend(const struct pv_api_request *r)
{
	const char *s = json_object_to_json_string_ext(r->json, JSON_C_TO_STRING_PLAIN);
	struct pv_api_request again;
	char *line = NULL;

	if (asprintf(&line, "%s\n", s) < 0)
		abort();
	if (pv_api_request_parse(line, &again, NULL) < 0 || again.op != r->op ||
	    !same(again.ns, r->ns) || !same(again.name, r->name) || !same(again.object, r->object))
		abort();
	pv_api_request_clear(&again);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_api_request r;
	struct pv_err err = { 0 };
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pv_api_request_parse(text, &r, &err) < 0) {
		check_refusal(&r, &err);
	} else {
		if (!r.json || !r.ns || r.op >= PV_API_OP_COUNT)
			abort();
		resend(&r);
		pv_api_request_clear(&r);
	}
	free(text);
	return 0;
}
