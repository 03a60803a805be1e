#include "supervisor/network/nodeaddr.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"

/* A UDP connect only looks the route up: nothing is sent. */
static char *default_route_source(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char buf[INET_ADDRSTRLEN];

	inet_pton(AF_INET, "192.0.2.1", &to.sin_addr); /* TEST-NET-1: any non-local address */
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &len) < 0 || me.sin_addr.s_addr == 0)
		return NULL;
	return strdup(inet_ntop(AF_INET, &me.sin_addr, buf, sizeof(buf)));
}

static char *first_interface_address(const char *bridge)
{
	struct ifaddrs *all = NULL;
	char buf[INET_ADDRSTRLEN];
	char *out = NULL;

	if (getifaddrs(&all) < 0)
		return NULL;
	for (struct ifaddrs *i = all; i && !out; i = i->ifa_next) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)i->ifa_addr;

		if (!a || a->sin_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
		    !(i->ifa_flags & IFF_UP) || (bridge && strcmp(i->ifa_name, bridge) == 0))
			continue;
		out = strdup(inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf)));
	}
	freeifaddrs(all);
	return out;
}

char *pv_node_addr_detect(const char *bridge)
{
	char *a = default_route_source();

	return a ? a : first_interface_address(bridge);
}
