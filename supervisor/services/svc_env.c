/* The environment kubelet gives a container for the Services of its
 * namespace (WEB_SERVICE_HOST, WEB_PORT_80_TCP...), from the Services as
 * last synced (services.h). Calls: services' views only. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/services/services.h"

/* KEY_SERVICE_HOST and the rest, as kubelet names them: upper case,
 * '-' as '_'. */
static void env_name(char *out, size_t len, const char *svc, const char *suffix)
{
	size_t i = 0;

	for (; svc[i] && i + 1 < len; i++)
		out[i] = svc[i] == '-' ? '_' : (char)toupper((unsigned char)svc[i]);
	snprintf(out + i, len - i, "%s", suffix);
}

static void env_add(char ***v, size_t *n, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void env_add(char ***v, size_t *n, const char *name, const char *fmt, ...)
{
	char *val = NULL, *kv = NULL, **nv;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&val, fmt, ap) < 0)
		val = NULL;
	va_end(ap);
	if (!val || asprintf(&kv, "%s=%s", name, val) < 0 || !(nv = realloc(*v, (*n + 2) * sizeof(*nv)))) {
		free(val);
		free(kv);
		return;
	}
	free(val);
	*v = nv;
	nv[(*n)++] = kv;
	nv[*n] = NULL;
}

static void service_env(const struct pv_svc_view *v, char ***env, size_t *n)
{
	struct in_addr a = { htonl(v->svc.cluster_ip) };
	char ip[INET_ADDRSTRLEN], name[300];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	env_name(name, sizeof(name), v->name, "_SERVICE_HOST");
	env_add(env, n, name, "%s", ip);
	for (size_t i = 0; i < v->svc.nports; i++) {
		const struct pv_svc_port *p = &v->svc.ports[i];
		const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
		char suffix[200];

		if (i == 0) {
			env_name(name, sizeof(name), v->name, "_SERVICE_PORT");
			env_add(env, n, name, "%u", p->port);
			env_name(name, sizeof(name), v->name, "_PORT");
			env_add(env, n, name, "%s://%s:%u", proto, ip, p->port);
		}
		if (p->name[0]) {
			snprintf(suffix, sizeof(suffix), "_SERVICE_PORT_%s", p->name);
			env_name(name, sizeof(name), v->name, "");
			env_name(name + strlen(name), sizeof(name) - strlen(name), suffix, "");
			env_add(env, n, name, "%u", p->port);
		}
		snprintf(suffix, sizeof(suffix), "_PORT_%u_%s", p->port, proto);
		env_name(name, sizeof(name), v->name, "");
		env_name(name + strlen(name), sizeof(name) - strlen(name), suffix, "");
		env_add(env, n, name, "%s://%s:%u", proto, ip, p->port);
		strcat(name, "_PROTO");
		env_add(env, n, name, "%s", proto);
		name[strlen(name) - 6] = '\0';
		strcat(name, "_PORT");
		env_add(env, n, name, "%u", p->port);
		name[strlen(name) - 5] = '\0';
		strcat(name, "_ADDR");
		env_add(env, n, name, "%s", ip);
	}
}

char **pv_services_env(struct pv_daemon *d, const char *ns)
{
	size_t nviews, n = 0;
	const struct pv_svc_view *views = pv_services_views(d, &nviews);
	char **env = calloc(1, sizeof(*env));

	for (size_t i = 0; env && i < nviews; i++) {
		const struct pv_svc_view *v = &views[i];

		if (v->ns && strcmp(v->ns, ns) == 0 && v->svc.cluster_ip)
			service_env(v, &env, &n);
	}
	return env;
}

