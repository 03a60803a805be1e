#include <stdlib.h>

#include "supervisor/core/command.h"

const char *pv_state_dir(const char *opt)
{
	const char *env = getenv("PODVISOR_STATE");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return PV_STATE_DEFAULT;
}
