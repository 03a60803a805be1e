/* Validation of workloads: Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job, CronJob. */
#include "manifests/validate.h"

#include <stdlib.h>
#include <string.h>

#include "manifests/cron.h"
#include "manifests/names.h"

static void validate_intstr_pct(struct pv_vctx *v, const struct pv_intstr *is,
				const struct pv_vpath *path)
{
	const char *s = is->s;
	size_t n;

	if (!is->set)
		return;
	if (!is->is_str) {
		if (is->i < 0)
			pv_verr(v, is->loc, path, "must be greater than or equal to 0");
		return;
	}
	n = strlen(s);
	if (n < 2 || s[n - 1] != '%' || strspn(s, "0123456789") != n - 1)
		pv_verr(v, is->loc, path, "invalid value \"%.32s\": must be an integer or a "
			"percentage (e.g. '5%%')", s);
	else if (n > 4 || (n == 4 && strcmp(s, "100%") > 0))
		pv_verr(v, is->loc, path, "must not be greater than 100%%");
}

static void validate_workload(struct pv_vctx *v, const struct pv_label_selector *sel,
			      const struct pv_pod_template *t)
{
	pv_validate_selector(v, sel, PV_VPATH("spec.selector"), &t->metadata.labels,
			     t->metadata.hdr.set ? t->metadata.hdr.loc : t->hdr.loc, true);
	pv_validate_pod_template(v, t, PV_VPATH("spec.template"));
}

/* Whether the int-or-percent X is not zero (DFLT when unset). */
static bool intstr_nonzero(const struct pv_intstr *x, bool dflt)
{
	if (!x->set)
		return dflt;
	if (!x->is_str)
		return x->i != 0;
	return strtoll(x->s, NULL, 10) != 0;
}

static void validate_always(struct pv_vctx *v, const struct pv_pod_template *t, const char *kind)
{
	const struct pv_str *rp = &t->spec.restart_policy;

	const struct pv_int *ads = &t->spec.active_deadline_seconds;

	if (rp->v && strcmp(rp->v, "Always") != 0)
		pv_verr(v, rp->loc, PV_VPATH("spec.template.spec.restartPolicy"),
			"unsupported value \"%s\": a %s's pods must use \"Always\"", rp->v, kind);
	/* Its pods would end Failed for good, and never be replaced. */
	if (ads->set)
		pv_verr(v, ads->loc, PV_VPATH("spec.template.spec.activeDeadlineSeconds"),
			"activeDeadlineSeconds in %s is not supported", kind);
}

void pv_validate_deployment(struct pv_vctx *v, const void *obj)
{
	const struct pv_deployment *d = obj;
	const struct pv_deployment_spec *s = &d->spec;
	const struct pv_rolling_update *ru = &s->strategy.rolling_update;

	pv_validate_objmeta(v, &d->h, pv_check_dns1123_subdomain);
	pv_validate_nonneg(v, &s->replicas, PV_VPATH("spec.replicas"));
	pv_validate_nonneg(v, &s->min_ready_seconds, PV_VPATH("spec.minReadySeconds"));
	pv_validate_nonneg(v, &s->revision_history_limit, PV_VPATH("spec.revisionHistoryLimit"));
	validate_workload(v, &s->selector, &s->template);
	validate_always(v, &s->template, "Deployment");
	if (s->strategy.type.v && strcmp(s->strategy.type.v, "Recreate") == 0 && ru->hdr.set &&
	    ru->hdr.loc.line)
		pv_verr(v, ru->hdr.loc, PV_VPATH("spec.strategy.rollingUpdate"),
			"may not be specified when strategy type is Recreate");
	validate_intstr_pct(v, &ru->max_surge, PV_VPATH("spec.strategy.rollingUpdate.maxSurge"));
	validate_intstr_pct(v, &ru->max_unavailable,
			    PV_VPATH("spec.strategy.rollingUpdate.maxUnavailable"));
	if (ru->max_surge.set && ru->max_unavailable.set &&
	    ((!ru->max_surge.is_str && ru->max_surge.i == 0) ||
	     (ru->max_surge.is_str && strcmp(ru->max_surge.s, "0%") == 0)) &&
	    ((!ru->max_unavailable.is_str && ru->max_unavailable.i == 0) ||
	     (ru->max_unavailable.is_str && strcmp(ru->max_unavailable.s, "0%") == 0)))
		pv_verr(v, ru->max_unavailable.loc,
			PV_VPATH("spec.strategy.rollingUpdate.maxUnavailable"),
			"may not be 0 when maxSurge is 0");
}

void pv_validate_replicaset(struct pv_vctx *v, const void *obj)
{
	const struct pv_replicaset *r = obj;

	pv_validate_objmeta(v, &r->h, pv_check_dns1123_subdomain);
	pv_validate_nonneg(v, &r->spec.replicas, PV_VPATH("spec.replicas"));
	pv_validate_nonneg(v, &r->spec.min_ready_seconds, PV_VPATH("spec.minReadySeconds"));
	validate_workload(v, &r->spec.selector, &r->spec.template);
	validate_always(v, &r->spec.template, "ReplicaSet");
}

void pv_validate_statefulset(struct pv_vctx *v, const void *obj)
{
	const struct pv_statefulset *st = obj;
	const struct pv_statefulset_spec *s = &st->spec;

	pv_validate_objmeta(v, &st->h, pv_check_dns1123_label);
	pv_validate_nonneg(v, &s->replicas, PV_VPATH("spec.replicas"));
	pv_validate_nonneg(v, &s->update_strategy.rolling_update.partition,
			   PV_VPATH("spec.updateStrategy.rollingUpdate.partition"));
	pv_validate_nonneg(v, &s->ordinals.start, PV_VPATH("spec.ordinals.start"));
	/* As Kubernetes: a positive int or a percentage up to 100%. */
	validate_intstr_pct(v, &s->update_strategy.rolling_update.max_unavailable,
			    PV_VPATH("spec.updateStrategy.rollingUpdate.maxUnavailable"));
	if (s->update_strategy.rolling_update.max_unavailable.set &&
	    !intstr_nonzero(&s->update_strategy.rolling_update.max_unavailable, true))
		pv_verr(v, s->update_strategy.rolling_update.max_unavailable.loc,
			PV_VPATH("spec.updateStrategy.rollingUpdate.maxUnavailable"),
			"must be greater than 0");
	v->claims = s->volume_claim_templates.items;
	v->nclaims = s->volume_claim_templates.n;
	validate_workload(v, &s->selector, &s->template);
	v->claims = NULL;
	v->nclaims = 0;
	validate_always(v, &s->template, "StatefulSet");
	pv_validate_name_field(v, &s->service_name, PV_VPATH("spec.serviceName"),
			       pv_check_dns1035_label);
	for (size_t i = 0; i < s->volume_claim_templates.n; i++) {
		const struct pv_pvc *c = &s->volume_claim_templates.items[i];
		const struct pv_vpath *path = PV_VPATH("spec.volumeClaimTemplates[%zu]", i);

		if (!c->h.metadata.name.v)
			pv_verr(v, c->h.hdr.loc, PV_VPATH("%s.metadata.name", path), "required");
		pv_validate_name_field(v, &c->h.metadata.name,
				       PV_VPATH("%s.metadata.name", path), pv_check_dns1123_label);
		pv_validate_pvc_spec(v, &c->spec, PV_VPATH("%s.spec", path), true);
	}
}

void pv_validate_daemonset(struct pv_vctx *v, const void *obj)
{
	const struct pv_daemonset *d = obj;
	const struct pv_rolling_update *ru = &d->spec.update_strategy.rolling_update;

	pv_validate_objmeta(v, &d->h, pv_check_dns1123_subdomain);
	validate_workload(v, &d->spec.selector, &d->spec.template);
	validate_always(v, &d->spec.template, "DaemonSet");
	validate_intstr_pct(v, &ru->max_surge,
			    PV_VPATH("spec.updateStrategy.rollingUpdate.maxSurge"));
	validate_intstr_pct(v, &ru->max_unavailable,
			    PV_VPATH("spec.updateStrategy.rollingUpdate.maxUnavailable"));
	/* As Kubernetes' ValidateRollingUpdateDaemonSet: exactly one is
	 * non-zero (maxUnavailable defaults to 1, maxSurge to 0). */
	bool written = ru->max_unavailable.set && ru->max_unavailable.loc.line; /* not a default */

	if (intstr_nonzero(&ru->max_surge, false) && intstr_nonzero(&ru->max_unavailable, true))
		pv_verr(v, written ? ru->max_unavailable.loc : ru->max_surge.loc,
			PV_VPATH("spec.updateStrategy.rollingUpdate.maxUnavailable"),
			written ? "may not be set when maxSurge is non-zero"
				: "defaults to 1, which may not be when maxSurge is non-zero: "
				  "set maxUnavailable: 0");
	else if (!intstr_nonzero(&ru->max_surge, false) && !intstr_nonzero(&ru->max_unavailable, true))
		pv_verr(v, ru->max_unavailable.loc,
			PV_VPATH("spec.updateStrategy.rollingUpdate.maxUnavailable"),
			"may not be 0 when maxSurge is 0");
}

/* An Indexed Job's index set, "0,2-4" (Kubernetes' succeededIndexes):
 * ascending, non-overlapping intervals below COMPLETIONS. Returns how many
 * indexes it holds, or -1 with WHY. */
static int64_t index_set_size(const char *s, int64_t completions, const char **why)
{
	int64_t n = 0, prev = -1;

	*why = "must be a comma-separated list of indexes or ranges, as \"1,3-5\"";
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		int64_t lo, hi;

		if (*s < '0' || *s > '9')
			return -1;
		lo = hi = strtoll(s, &end, 10);
		s = end;
		if (*s == '-') {
			if (s[1] < '0' || s[1] > '9')
				return -1;
			hi = strtoll(s + 1, &end, 10);
			s = end;
		}
		if (*s && (*s != ',' || !s[1]))
			return -1;
		s += *s == ',';
		if (hi < lo || lo <= prev) {
			*why = "the intervals must be ascending and not overlap";
			return -1;
		}
		if (hi >= completions) {
			*why = "must be less than completions";
			return -1;
		}
		prev = hi;
		n += hi - lo + 1;
	}
	return n;
}

static void validate_pfp(struct pv_vctx *v, const struct pv_job_spec *s,
			 const struct pv_vpath *path)
{
	const struct pv_pod_failure_policy *f = &s->pod_failure_policy;
	const struct pv_str *rp = &s->template.spec.restart_policy;

	if (!f->hdr.set)
		return;
	if (rp->v && !strcmp(rp->v, "OnFailure")) /* absent or Always: reported above */
		pv_verr(v, rp->loc,
			PV_VPATH("%s.template.spec.restartPolicy", path),
			"only \"Never\" is supported when podFailurePolicy is specified");
	if (s->pod_replacement_policy.v && strcmp(s->pod_replacement_policy.v, "Failed"))
		pv_verr(v, s->pod_replacement_policy.loc, PV_VPATH("%s.podReplacementPolicy", path),
			"must be \"Failed\" when podFailurePolicy is specified");
	if (f->rules.n > 20)
		pv_verr(v, f->rules.loc, PV_VPATH("%s.podFailurePolicy.rules", path),
			"must have at most 20 items");
	for (size_t i = 0; i < f->rules.n; i++) {
		const struct pv_pfp_rule *r = &f->rules.items[i];
		const struct pv_pfp_exit_codes *x = &r->on_exit_codes;
		const struct pv_vpath *rpath = PV_VPATH("%s.podFailurePolicy.rules[%zu]", path, i);
		bool in = x->operator.v && !strcmp(x->operator.v, "In");

		if (r->action.v && !strcmp(r->action.v, "FailIndex") && !s->backoff_limit_per_index.set)
			pv_verr(v, r->action.loc, PV_VPATH("%s.action", rpath),
				"FailIndex requires the backoffLimitPerIndex to be set");
		if (x->hdr.set == r->on_pod_conditions.set)
			pv_verr(v, r->hdr.loc, rpath, x->hdr.set
				? "specifying both onExitCodes and onPodConditions is not supported"
				: "specifying one of onExitCodes and onPodConditions is required");
		if (x->values.set && (x->values.n == 0 || x->values.n > 255))
			pv_verr(v, x->values.loc, PV_VPATH("%s.onExitCodes.values", rpath),
				"must have at least 1 and at most 255 items");
		for (size_t c = 0; c < x->values.n; c++) {
			const struct pv_int *e = &x->values.items[c];

			if (in && e->v == 0)
				pv_verr(v, e->loc, PV_VPATH("%s.onExitCodes.values[%zu]", rpath, c),
					"must not be 0 for the In operator");
			else if (c && e->v == x->values.items[c - 1].v)
				pv_verr(v, e->loc, PV_VPATH("%s.onExitCodes.values[%zu]", rpath, c),
					"duplicate value %lld", (long long)e->v);
			else if (c && e->v < x->values.items[c - 1].v)
				pv_verr(v, e->loc, PV_VPATH("%s.onExitCodes.values[%zu]", rpath, c),
					"must be ordered");
		}
		for (size_t c = 0; c < r->on_pod_conditions.n; c++) {
			const struct pv_str *st = &r->on_pod_conditions.items[c].status;

			if (st->v && strcmp(st->v, "True") && strcmp(st->v, "False") &&
			    strcmp(st->v, "Unknown"))
				pv_verr(v, st->loc, PV_VPATH("%s.onPodConditions[%zu].status",
							     rpath, c),
					"unsupported value \"%.32s\": supported values: \"False\", "
					"\"True\", \"Unknown\"", st->v);
		}
	}
}

static void validate_indexed_policies(struct pv_vctx *v, const struct pv_job_spec *s,
				      const struct pv_vpath *path)
{
	bool indexed = s->completion_mode.v && !strcmp(s->completion_mode.v, "Indexed");
	int64_t completions = s->completions.set ? s->completions.v : 1;
	const struct pv_success_policy *sp = &s->success_policy;

	pv_validate_nonneg(v, &s->backoff_limit_per_index,
			   PV_VPATH("%s.backoffLimitPerIndex", path));
	pv_validate_nonneg(v, &s->max_failed_indexes, PV_VPATH("%s.maxFailedIndexes", path));
	if (s->backoff_limit_per_index.set && !indexed)
		pv_verr(v, s->backoff_limit_per_index.loc,
			PV_VPATH("%s.backoffLimitPerIndex", path),
			"requires indexed completion mode");
	if (s->max_failed_indexes.set && !s->backoff_limit_per_index.set)
		pv_verr(v, s->max_failed_indexes.loc, PV_VPATH("%s.maxFailedIndexes", path),
			"requires the backoffLimitPerIndex to be set");
	else if (s->max_failed_indexes.set && s->max_failed_indexes.v > completions)
		pv_verr(v, s->max_failed_indexes.loc, PV_VPATH("%s.maxFailedIndexes", path),
			"must be less than or equal to completions");
	if (!sp->hdr.set)
		return;
	if (!indexed)
		pv_verr(v, sp->hdr.loc, PV_VPATH("%s.successPolicy", path),
			"requires indexed completion mode");
	if (sp->rules.n == 0 || sp->rules.n > 20)
		pv_verr(v, sp->rules.loc.line ? sp->rules.loc : sp->hdr.loc,
			PV_VPATH("%s.successPolicy.rules", path),
			"must have at least 1 and at most 20 items");
	for (size_t i = 0; i < sp->rules.n; i++) {
		const struct pv_success_rule *r = &sp->rules.items[i];
		const struct pv_vpath *rpath = PV_VPATH("%s.successPolicy.rules[%zu]", path, i);
		const char *why = NULL;
		int64_t size = completions;

		if (!r->succeeded_indexes.v && !r->succeeded_count.set)
			pv_verr(v, r->hdr.loc, rpath,
				"at least one of succeededCount or succeededIndexes must be specified");
		if (r->succeeded_indexes.v &&
		    (size = index_set_size(r->succeeded_indexes.v, completions, &why)) < 0)
			pv_verr(v, r->succeeded_indexes.loc,
				PV_VPATH("%s.succeededIndexes",
					 rpath), "invalid value \"%.64s\": %s",
				r->succeeded_indexes.v, why);
		if (!r->succeeded_count.set)
			continue;
		if (r->succeeded_count.v < 0)
			pv_verr(v, r->succeeded_count.loc, PV_VPATH("%s.succeededCount", rpath),
				"must be greater than or equal to 0");
		else if (size >= 0 && r->succeeded_count.v > size)
			pv_verr(v, r->succeeded_count.loc, PV_VPATH("%s.succeededCount", rpath),
				r->succeeded_indexes.v
				? "must be less than or equal to the number of succeededIndexes (%lld)"
				: "must be less than or equal to completions (%lld)", (long long)size);
	}
}

static void validate_job_spec(struct pv_vctx *v, const struct pv_job_spec *s,
			      const struct pv_vpath *path)
{
	const struct pv_str *rp = &s->template.spec.restart_policy;
	const struct pv_pod_template *t = &s->template;

	pv_validate_nonneg(v, &s->parallelism, PV_VPATH("%s.parallelism", path));
	pv_validate_nonneg(v, &s->completions, PV_VPATH("%s.completions", path));
	pv_validate_nonneg(v, &s->backoff_limit, PV_VPATH("%s.backoffLimit", path));
	pv_validate_nonneg(v, &s->ttl_seconds_after_finished,
			   PV_VPATH("%s.ttlSecondsAfterFinished", path));
	if (s->active_deadline_seconds.set && s->active_deadline_seconds.v < 1)
		pv_verr(v, s->active_deadline_seconds.loc,
			PV_VPATH("%s.activeDeadlineSeconds", path), "must be greater than 0");
	if (s->selector.hdr.set)
		pv_validate_selector(v, &s->selector, PV_VPATH("%s.selector", path),
				     &t->metadata.labels, t->hdr.loc, false);
	pv_validate_pod_template(v, t, PV_VPATH("%s.template", path));
	if (rp->v && strcmp(rp->v, "Always") == 0)
		pv_verr(v, rp->loc.line ? rp->loc : t->spec.hdr.loc,
			PV_VPATH("%s.template.spec.restartPolicy", path),
			"%s: a Job's pods must use restartPolicy \"OnFailure\" or \"Never\"",
			rp->loc.line ? "unsupported value \"Always\"" : "required");
	validate_pfp(v, s, path);
	validate_indexed_policies(v, s, path);
}

void pv_validate_job(struct pv_vctx *v, const void *obj)
{
	const struct pv_job *j = obj;

	pv_validate_objmeta(v, &j->h, pv_check_dns1123_subdomain);
	validate_job_spec(v, &j->spec, PV_VPATH("spec"));
}

void pv_validate_cronjob(struct pv_vctx *v, const void *obj)
{
	const struct pv_cronjob *c = obj;
	const struct pv_cronjob_spec *s = &c->spec;
	char why[160];

	pv_validate_objmeta(v, &c->h, pv_check_dns1123_subdomain);
	if (c->h.metadata.name.v && strlen(c->h.metadata.name.v) > 52)
		pv_verr(v, c->h.metadata.name.loc, PV_VPATH("metadata.name"),
			"must be no more than 52 characters");
	if (s->schedule.v && pv_cron_parse(s->schedule.v, NULL, why, sizeof(why)) < 0)
		pv_verr(v, s->schedule.loc, PV_VPATH("spec.schedule"),
			"invalid schedule \"%.64s\": %s",
			s->schedule.v, why);
	if (s->time_zone.v && (s->time_zone.v[0] == '/' || strstr(s->time_zone.v, "..") ||
			       !s->time_zone.v[0]))
		pv_verr(v, s->time_zone.loc, PV_VPATH("spec.timeZone"),
			"invalid value \"%.64s\": must be an IANA time zone name like Europe/Paris",
			s->time_zone.v);
	pv_validate_nonneg(v, &s->starting_deadline_seconds,
			   PV_VPATH("spec.startingDeadlineSeconds"));
	pv_validate_nonneg(v, &s->successful_jobs_history_limit,
			   PV_VPATH("spec.successfulJobsHistoryLimit"));
	pv_validate_nonneg(v, &s->failed_jobs_history_limit,
			   PV_VPATH("spec.failedJobsHistoryLimit"));
	pv_validate_labels(v, &s->job_template.metadata, PV_VPATH("spec.jobTemplate.metadata"));
	validate_job_spec(v, &s->job_template.spec, PV_VPATH("spec.jobTemplate.spec"));
}
