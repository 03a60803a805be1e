#include "supervisor/sandbox/apparmor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ANNOTATION_PREFIX "container.apparmor.security.beta.kubernetes.io/"

static const char *annotation_of(const struct pv_pod *pod, const char *container)
{
	const pv_strmap *a = &pod->h.metadata.annotations;
	size_t n = strlen(ANNOTATION_PREFIX);

	for (size_t i = 0; i < a->n; i++)
		if (strncmp(a->items[i].key, ANNOTATION_PREFIX, n) == 0 &&
		    strcmp(a->items[i].key + n, container) == 0)
			return a->items[i].value ? a->items[i].value : "";
	return NULL;
}

static int from_field(const struct pv_seccomp_profile *f, const char *container,
		      enum pv_apparmor *out, const char **profile, struct pv_err *err)
{
	const char *t = f->type.v, *lp = f->localhost_profile.v;

	if (strcmp(t, "Localhost") == 0) {
		if (!lp || !*lp)
			return pv_err_set(err, EINVAL, "container %s: appArmorProfile.localhostProfile: "
					  "Required value: must be set when AppArmor type is Localhost",
					  container);
		*out = PV_APPARMOR_LOCALHOST;
		*profile = lp;
		return 0;
	}
	if (lp)
		return pv_err_set(err, EINVAL, "container %s: appArmorProfile.localhostProfile: "
				  "Invalid value: \"%s\": can only be set when AppArmor type is "
				  "Localhost", container, lp);
	*out = strcmp(t, "Unconfined") == 0 ? PV_APPARMOR_UNCONFINED : PV_APPARMOR_RUNTIME_DEFAULT;
	return 0;
}

/* The kubelet's GetProfile: the container's field, else its annotation
 * (static pods may not have had it turned into the field), else the
 * pod's field. */
int pv_apparmor_profile(const struct pv_pod *pod, const struct pv_container *c,
			enum pv_apparmor *out, const char **profile, struct pv_err *err)
{
	const char *a;

	*out = PV_APPARMOR_NONE;
	*profile = NULL;
	if (c->security_context.app_armor_profile.type.v)
		return from_field(&c->security_context.app_armor_profile, c->name.v, out, profile, err);
	if (!(a = annotation_of(pod, c->name.v))) {
		if (pod->spec.security_context.app_armor_profile.type.v)
			return from_field(&pod->spec.security_context.app_armor_profile, c->name.v,
					  out, profile, err);
		return 0;
	}
	if (strcmp(a, "runtime/default") == 0) {
		*out = PV_APPARMOR_RUNTIME_DEFAULT;
	} else if (strcmp(a, "unconfined") == 0) {
		*out = PV_APPARMOR_UNCONFINED;
	} else if (strncmp(a, "localhost/", 10) == 0 && a[10]) {
		*out = PV_APPARMOR_LOCALHOST;
		*profile = a + 10;
	} else {
		return pv_err_set(err, EINVAL, "metadata.annotations[%s%s]: Invalid value: \"%s\": "
				  "invalid AppArmor profile name: \"%s\"", ANNOTATION_PREFIX,
				  c->name.v, a, a);
	}
	return 0;
}

bool pv_apparmor_enabled(void)
{
	FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	int ch = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return ch == 'Y';
}

static int each_container(const struct pv_pod *pod, const pv_container_list *l, bool enabled,
			  bool *required, struct pv_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		enum pv_apparmor a;
		const char *profile;

		if (pv_apparmor_profile(pod, &l->items[i], &a, &profile, err) < 0)
			return -1;
		*required |= a != PV_APPARMOR_NONE && a != PV_APPARMOR_UNCONFINED;
		if (enabled && a == PV_APPARMOR_LOCALHOST)
			return pv_err_set(err, ENOTSUP, "Cannot enforce AppArmor: profile \"%s\" of "
					  "container %s: this podvisor loads no AppArmor profile",
					  profile, l->items[i].name.v);
	}
	return 0;
}

int pv_apparmor_admit(const struct pv_pod *pod, bool enabled, struct pv_err *err)
{
	const char *pt = pod->spec.security_context.app_armor_profile.type.v;
	bool required = pt && strcmp(pt, "Unconfined") != 0;

	if (each_container(pod, &pod->spec.init_containers, enabled, &required, err) < 0 ||
	    each_container(pod, &pod->spec.containers, enabled, &required, err) < 0)
		return -1;
	if (required && !enabled)
		return pv_err_set(err, ENOTSUP, "Cannot enforce AppArmor: AppArmor is not enabled "
				  "on the host");
	return 0;
}

static const char *runtime_default_in(const struct pv_pod *pod, const pv_container_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct pv_err err = { 0 };
		enum pv_apparmor a;
		const char *profile;

		if (pv_apparmor_profile(pod, &l->items[i], &a, &profile, &err) == 0 &&
		    a == PV_APPARMOR_RUNTIME_DEFAULT)
			return l->items[i].name.v;
	}
	return NULL;
}

const char *pv_apparmor_unenforced(const struct pv_pod *pod, bool enabled)
{
	const char *c;

	if (!enabled)
		return NULL;
	c = runtime_default_in(pod, &pod->spec.init_containers);
	return c ? c : runtime_default_in(pod, &pod->spec.containers);
}
