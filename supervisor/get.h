/* Shared by `podvisor get` and `describe`: options, and the printers of
 * each kind (cmd_get.c: pods; cmd_get_svc.c: services and endpoints). */
#ifndef PV_SUPERVISOR_GET_H
#define PV_SUPERVISOR_GET_H

#include <stdbool.h>

#include <json-c/json.h>

struct get_opts {
	const char *ns;
	bool all;
	const char *output;
	const char *state;
	const char *name;
};

bool pv_get_wanted(const struct get_opts *o, struct json_object *item);
/* -o json|yaml of the wanted items. */
int pv_get_structured(const struct get_opts *o, struct json_object *items);
void pv_get_print_events(struct json_object *ev, const char *title);

void pv_get_print_services(const struct get_opts *o, struct json_object *items);
void pv_get_print_endpoints(const struct get_opts *o, struct json_object *items);
/* 0, or 1 when no Service NAME is in ITEMS. */
int pv_describe_service(const struct get_opts *o, struct json_object *items,
			struct json_object *events);

#endif
