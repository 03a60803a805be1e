/* The build's version, as one JSON object for the daemon's op "version"
 * and for `podvisor version`. Owns nothing; calls nothing. */
#include "supervisor/api/version.h"

#include "common/goarch.h"

#ifndef PV_GIT_COMMIT
#define PV_GIT_COMMIT ""
#endif
#ifndef PV_GIT_TREE
#define PV_GIT_TREE ""
#endif

#ifdef __clang__
#define PV_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define PV_COMPILER "gcc " __VERSION__
#else
#define PV_COMPILER "cc"
#endif

struct json_object *pv_version_json(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "gitVersion", json_object_new_string(PV_GIT_VERSION));
	json_object_object_add(o, "gitCommit", json_object_new_string(PV_GIT_COMMIT));
	json_object_object_add(o, "gitTreeState", json_object_new_string(PV_GIT_TREE));
	json_object_object_add(o, "compiler", json_object_new_string(PV_COMPILER));
	json_object_object_add(o, "platform", json_object_new_string("linux/" PV_GOARCH));
	return o;
}
