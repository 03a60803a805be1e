/* The PersistentVolume binder: which volume a claim gets, the bindings
 * that are kept, released volumes, waiting, provisioning, and the texts
 * kubectl describe would show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "volumes/binder.h"

#define GI ((int64_t)1 << 30)
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXN 8

/* An Available filesystem volume without class, RWO, on this node, Retain. */
static struct pv_bvol vol(const char *name, int64_t gib)
{
	return (struct pv_bvol){ .name = name, .capacity = gib * GI, .modes = PV_AM_RWO,
				 .class_name = "", .node_ok = true };
}

/* An RWO filesystem claim without class. */
static struct pv_bclaim claim(const char *key, int64_t gib)
{
	return (struct pv_bclaim){ .key = key, .request = gib * GI, .modes = PV_AM_RWO,
				   .class_name = "" };
}

/* A class named NAME that exists, optionally with the local-path
 * provisioner and WaitForFirstConsumer. */
static void with_class(struct pv_bclaim *c, const char *name, bool provisioner, bool wffc)
{
	c->class_name = name;
	c->class_exists = true;
	c->provisioner = provisioner;
	c->wait_for_consumer = wffc;
}

struct run {
	struct pv_claim_result cr[MAXN];
	struct pv_vol_result vr[MAXN];
};

static void run(struct run *r, const struct pv_bvol *v, size_t nv, const struct pv_bclaim *c,
		size_t nc, const struct pv_bgone *g, size_t ng)
{
	assert_true(nv <= MAXN && nc <= MAXN);
	memset(r, 0xa5, sizeof(*r)); /* pv_bind must fill every field */
	pv_bind(v, nv, c, nc, g, ng, r->cr, r->vr);
}

static void bound(const struct run *r, size_t ci, const struct pv_bvol *vols, size_t vi,
		  const char *key)
{
	assert_int_equal(r->cr[ci].phase, PV_CLAIM_BOUND);
	assert_string_equal(r->cr[ci].volume, vols[vi].name);
	assert_int_equal(r->cr[ci].action, PV_BIND_NONE);
	assert_string_equal(r->cr[ci].reason, "");
	assert_int_equal(r->vr[vi].phase, PV_VOL_BOUND);
	assert_string_equal(r->vr[vi].claim, key);
	assert_int_equal(r->vr[vi].action, PV_BIND_NONE);
}

static void available(const struct run *r, size_t vi)
{
	assert_int_equal(r->vr[vi].phase, PV_VOL_AVAILABLE);
	assert_null(r->vr[vi].claim);
	assert_int_equal(r->vr[vi].action, PV_BIND_NONE);
	assert_string_equal(r->vr[vi].reason, "");
	assert_string_equal(r->vr[vi].message, "");
}

static void pending(const struct run *r, size_t ci, const char *reason, const char *message)
{
	assert_int_equal(r->cr[ci].phase, PV_CLAIM_PENDING);
	assert_null(r->cr[ci].volume);
	assert_string_equal(r->cr[ci].reason, reason);
	assert_string_equal(r->cr[ci].message, message);
}

static const char no_class[] =
	"no persistent volumes available for this claim and no storage class is set";

static void test_access_modes(void **state)
{
	struct pv_str names[] = { { .v = "ReadWriteMany" }, { .v = "Bogus" }, { .v = "ReadWriteOnce" },
				  { .v = NULL }, { .v = "ReadWriteOncePod" }, { .v = "ReadOnlyMany" } };
	pv_strlist l = { .n = N(names), .items = names, .set = true };
	char buf[32], small[6];

	(void)state;
	assert_int_equal(pv_access_modes(&l), PV_AM_RWO | PV_AM_ROX | PV_AM_RWX | PV_AM_RWOP);
	l.n = 2;
	assert_int_equal(pv_access_modes(&l), PV_AM_RWX);
	l.n = 0;
	assert_int_equal(pv_access_modes(&l), 0);
	assert_string_equal(pv_access_modes_str(PV_AM_RWOP | PV_AM_RWX | PV_AM_ROX | PV_AM_RWO, buf,
						sizeof(buf)), "RWO,ROX,RWX,RWOP");
	assert_string_equal(pv_access_modes_str(PV_AM_RWX | PV_AM_RWO, buf, sizeof(buf)), "RWO,RWX");
	assert_string_equal(pv_access_modes_str(0, buf, sizeof(buf)), "");
	assert_string_equal(pv_access_modes_str(PV_AM_RWO | PV_AM_ROX | PV_AM_RWX, small,
						sizeof(small)), "RWO"); /* what fits */
	assert_string_equal(pv_vol_phase_name(PV_VOL_AVAILABLE), "Available");
	assert_string_equal(pv_vol_phase_name(PV_VOL_RELEASED), "Released");
	assert_string_equal(pv_claim_phase_name(PV_CLAIM_PENDING), "Pending");
	assert_string_equal(pv_claim_phase_name(PV_CLAIM_LOST), "Lost");
}

static void test_smallest_fit(void **state)
{
	struct pv_bvol v[] = { vol("b", 10), vol("c", 5), vol("d", 2), vol("e", 3) };
	struct pv_bclaim c[] = { claim("ns/a", 3) };
	struct run r;

	(void)state;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 3, "ns/a"); /* exactly 3Gi */
	available(&r, 0);
	available(&r, 1);
	available(&r, 2);
	v[3].capacity = 3 * GI - 1; /* now too small: the next larger */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/a");
}

static void test_tie_by_name(void **state)
{
	struct pv_bvol v[] = { vol("z", 5), vol("m", 5), vol("a", 5) };
	struct pv_bclaim c[] = { claim("ns/x", 1), claim("ns/y", 1) };
	struct run r;

	(void)state;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 2, "ns/x");
	bound(&r, 1, v, 1, "ns/y");
	available(&r, 0);
}

static void test_access_mode_subset(void **state)
{
	struct pv_bvol v[] = { vol("small-rwo", 1), vol("big-all", 9), vol("mid-rox", 5) };
	struct pv_bclaim c[] = { claim("ns/rw", 1), claim("ns/rox", 1), claim("ns/rwop", 1) };
	struct run r;

	(void)state;
	v[1].modes = PV_AM_RWO | PV_AM_ROX | PV_AM_RWX;
	v[2].modes = PV_AM_ROX;
	c[0].modes = PV_AM_RWO | PV_AM_RWX; /* only big-all has both */
	c[1].modes = PV_AM_ROX;             /* mid-rox: the smallest with ROX left */
	c[2].modes = PV_AM_RWOP;            /* none has it */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/rw");
	bound(&r, 1, v, 2, "ns/rox");
	pending(&r, 2, "FailedBinding", no_class);
	available(&r, 0);
}

static void test_volume_mode(void **state)
{
	struct pv_bvol v[] = { vol("fs", 1), vol("blk", 4) };
	struct pv_bclaim c[] = { claim("ns/raw", 1), claim("ns/files", 1), claim("ns/raw2", 1) };
	struct run r;

	(void)state;
	v[1].block = true;
	c[0].block = c[2].block = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/raw");
	bound(&r, 1, v, 0, "ns/files");
	pending(&r, 2, "FailedBinding", no_class);
}

static void test_class(void **state)
{
	struct pv_bvol v[] = { vol("fast-1", 1), vol("plain", 1) };
	struct pv_bclaim c[] = { claim("ns/none", 1), claim("ns/fast", 1), claim("ns/fast2", 1) };
	struct run r;

	(void)state;
	v[0].class_name = "fast";
	with_class(&c[1], "fast", false, false);
	with_class(&c[2], "fast", false, false);
	c[0].request = 2 * GI; /* "" never takes "fast", even when "plain" is too small */
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 0, "FailedBinding", no_class);
	bound(&r, 1, v, 0, "ns/fast");
	/* a named class never takes a volume without class */
	pending(&r, 2, "FailedBinding", "no persistent volumes available for this claim and "
		"storageclass \"fast\" has no provisioner that podvisor runs");
	available(&r, 1);
}

static void test_selector(void **state)
{
	struct pv_kv db_ssd[] = { { .key = "tier", .value = "db" }, { .key = "disk", .value = "ssd" } };
	struct pv_kv db_hdd[] = { { .key = "tier", .value = "db" }, { .key = "disk", .value = "hdd" } };
	struct pv_kv web_nvme[] = { { .key = "tier", .value = "web" }, { .key = "disk", .value = "nvme" } };
	pv_strmap l_ssd = { .n = 2, .items = db_ssd, .set = true };
	pv_strmap l_hdd = { .n = 2, .items = db_hdd, .set = true };
	pv_strmap l_nvme = { .n = 2, .items = web_nvme, .set = true };
	struct pv_kv want_db[] = { { .key = "tier", .value = "db" } };
	struct pv_str fast[] = { { .v = "ssd" }, { .v = "nvme" } };
	struct pv_label_req in_fast[] = { {
		.hdr = { .set = true },
		.key = { .v = "disk" },
		.operator = { .v = "In" },
		.values = { .n = 2, .items = fast, .set = true },
	} };
	struct pv_label_selector by_labels = {
		.hdr = { .set = true }, .match_labels = { .n = 1, .items = want_db, .set = true } };
	struct pv_label_selector by_expr = {
		.hdr = { .set = true },
		.match_expressions = { .n = 1, .items = in_fast, .set = true } };
	struct pv_label_selector unset = by_labels;
	/* the smallest first: a selector must pass it by */
	struct pv_bvol v[] = { vol("nolabels", 1), vol("hdd", 2), vol("nvme", 3), vol("ssd", 4) };
	struct pv_bclaim c[] = { claim("ns/db", 1), claim("ns/fast", 1), claim("ns/db-fast", 1),
				 claim("ns/any", 1) };
	struct run r;

	(void)state;
	unset.hdr.set = false;
	v[1].labels = &l_hdd;
	v[2].labels = &l_nvme;
	v[3].labels = &l_ssd;
	c[0].selector = &by_labels; /* tier=db: hdd is the smallest */
	c[1].selector = &by_expr;   /* disk in (ssd, nvme): nvme */
	c[2].selector = &by_expr;   /* ssd is left, and is db too */
	c[3].selector = &unset;     /* not written: anything, nolabels is left */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/db");
	bound(&r, 1, v, 2, "ns/fast");
	bound(&r, 2, v, 3, "ns/db-fast");
	bound(&r, 3, v, 0, "ns/any");

	/* a volume without labels never matches a written selector */
	c[0].selector = &by_expr;
	run(&r, v, 1, c, 1, NULL, 0);
	pending(&r, 0, "FailedBinding", no_class);
	available(&r, 0);
}

static void test_node_affinity(void **state)
{
	struct pv_bvol v[] = { vol("elsewhere", 1), vol("here", 2) };
	struct pv_bclaim c[] = { claim("ns/a", 1), claim("ns/b", 1) };
	struct run r;

	(void)state;
	v[0].node_ok = false;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/a");
	pending(&r, 1, "FailedBinding", no_class);
	available(&r, 0);
}

static void test_reserved_for(void **state)
{
	struct pv_bvol v[] = { vol("small-other", 1), vol("big-mine", 8), vol("mid", 4) };
	struct pv_bclaim c[] = { claim("ns/c2", 1), claim("ns/c1", 1), claim("ns/c3", 1) };
	struct run r;

	(void)state;
	v[0].reserved_for = "ns/other";
	v[1].reserved_for = "ns/c1";
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 2, "ns/c2"); /* neither reserved volume */
	bound(&r, 1, v, 1, "ns/c1"); /* its own, although larger */
	pending(&r, 2, "FailedBinding", no_class);
	available(&r, 0);

	/* reserved but unfit is no candidate: c1 takes mid */
	v[1].node_ok = false;
	run(&r, v, N(v), c + 1, 1, NULL, 0);
	bound(&r, 0, v, 2, "ns/c1");
}

static void test_volume_name(void **state)
{
	struct pv_bvol v[] = { vol("small", 1), vol("big", 9), vol("fast", 9), vol("taken", 9),
			       vol("kept", 9), vol("tiny", 1) };
	struct pv_bclaim c[] = { claim("ns/big", 1), claim("ns/fast", 1), claim("ns/taken", 1),
				 claim("ns/kept", 1), claim("ns/missing", 1), claim("ns/tiny", 2),
				 claim("ns/named", 1), claim("ns/owner", 1) };
	struct run r;

	(void)state;
	v[2].class_name = "fast";
	v[3].bound_to = "ns/owner";
	v[4].reserved_for = "ns/someone";
	c[0].volume_name = "big";   /* not the smallest; WaitForFirstConsumer ignored */
	with_class(&c[0], "", false, true);
	c[1].volume_name = "fast";  /* no class: any class will do */
	c[2].volume_name = "taken";
	c[3].volume_name = "kept";
	c[4].volume_name = "nowhere";
	c[5].volume_name = "tiny";
	c[6].volume_name = "small";
	with_class(&c[6], "gold", false, false); /* a class must match */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 1, "ns/big");
	bound(&r, 1, v, 2, "ns/fast");
	pending(&r, 2, "FailedBinding", "volume \"taken\" already bound to a different claim");
	pending(&r, 3, "FailedBinding", "volume \"kept\" already bound to a different claim");
	pending(&r, 4, "FailedBinding", "volume \"nowhere\" not found");
	pending(&r, 5, "VolumeMismatch",
		"Cannot bind to requested volume \"tiny\": requested PV is too small");
	pending(&r, 6, "VolumeMismatch",
		"Cannot bind to requested volume \"small\": storageClassName does not match");
	bound(&r, 7, v, 3, "ns/owner");
	available(&r, 0);
	available(&r, 4);
	available(&r, 5);

	/* the other reasons, and none of them is provisioned */
	with_class(&c[6], "", true, false);
	c[6].modes = PV_AM_RWX;
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 6, "VolumeMismatch",
		"Cannot bind to requested volume \"small\": incompatible accessMode");
	assert_int_equal(r.cr[6].action, PV_BIND_NONE);
	c[6].modes = PV_AM_RWO;
	c[6].block = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 6, "VolumeMismatch",
		"Cannot bind to requested volume \"small\": incompatible volumeMode");
	c[6].block = false;
	v[0].node_ok = false;
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 6, "VolumeMismatch", "Cannot bind to requested volume \"small\": its node "
		"affinity does not admit this node");

	/* a volume taken earlier in the same run counts as bound */
	v[0].node_ok = true;
	c[5].volume_name = "small";
	c[5].request = GI;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 5, v, 0, "ns/tiny");
	pending(&r, 6, "FailedBinding", "volume \"small\" already bound to a different claim");
}

static void test_binding_kept(void **state)
{
	struct pv_kv old[] = { { .key = "tier", .value = "old" } };
	struct pv_kv want[] = { { .key = "tier", .value = "new" } };
	pv_strmap labels = { .n = 1, .items = old, .set = true };
	struct pv_label_selector sel = { .hdr = { .set = true },
					 .match_labels = { .n = 1, .items = want, .set = true } };
	struct pv_bvol v[] = { vol("better", 1), vol("big", 9) };
	struct pv_bclaim c[] = { claim("ns/b", 1), claim("ns/a", 1) };
	struct run r;

	(void)state;
	v[1].bound_to = "ns/a";
	v[1].labels = &labels; /* no longer matches the claim's selector */
	c[1].selector = &sel;
	c[1].volume_name = "better"; /* nor its volumeName: the binding wins */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 1, v, 1, "ns/a");
	bound(&r, 0, v, 0, "ns/b"); /* the new claim, though first, gets what is left */
}

static void test_competing_claims(void **state)
{
	struct pv_bvol v[] = { vol("only", 5) };
	struct pv_bclaim c[] = { claim("ns/first", 1), claim("ns/second", 1) };
	struct run r;

	(void)state;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 0, "ns/first");
	pending(&r, 1, "FailedBinding", no_class);
	/* in the other order, the other one */
	run(&r, v, N(v), c + 1, 1, NULL, 0);
	bound(&r, 0, v, 0, "ns/second");
}

static void test_released_retain(void **state)
{
	struct pv_bvol v[] = { vol("old", 1), vol("fresh", 1), vol("spare", 9) };
	struct pv_bclaim c[] = { claim("ns/a", 1), claim("ns/new", 1) };
	struct run r;

	(void)state;
	v[0].bound_to = "ns/a";
	v[0].released = true; /* ns/a went away before; this ns/a is a new claim */
	v[1].bound_to = "ns/gone"; /* its claim goes away in this run */
	run(&r, v, N(v), c, N(c), NULL, 0);
	assert_int_equal(r.vr[0].phase, PV_VOL_RELEASED);
	assert_string_equal(r.vr[0].claim, "ns/a");
	assert_int_equal(r.vr[0].action, PV_BIND_NONE);
	assert_string_equal(r.vr[0].reason, "");
	assert_string_equal(r.vr[0].message,
			    "claim ns/a was deleted; the data is kept (reclaimPolicy Retain)");
	assert_int_equal(r.vr[1].phase, PV_VOL_RELEASED);
	assert_string_equal(r.vr[1].claim, "ns/gone");
	assert_int_equal(r.vr[1].action, PV_BIND_NONE);
	assert_string_equal(r.vr[1].message,
			    "claim ns/gone was deleted; the data is kept (reclaimPolicy Retain)");
	bound(&r, 0, v, 2, "ns/a");    /* the spare, not its old volume */
	pending(&r, 1, "FailedBinding", no_class);

	/* asked for by name, still not */
	c[1].volume_name = "fresh";
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 1, "FailedBinding", "volume \"fresh\" is Released and is not bound again");
}

static void test_released_delete(void **state)
{
	struct pv_bvol v[] = { vol("data", 1) };
	struct pv_bclaim c[] = { claim("ns/next", 1) };
	struct pv_bgone g[] = { { .key = "ns/x", .in_use = false } };
	struct run r;

	(void)state;
	v[0].reclaim_delete = true;
	v[0].bound_to = "ns/x";
	run(&r, v, N(v), c, N(c), g, N(g));
	assert_int_equal(r.vr[0].phase, PV_VOL_RELEASED);
	assert_string_equal(r.vr[0].claim, "ns/x");
	assert_int_equal(r.vr[0].action, PV_BIND_DELETE);
	assert_string_equal(r.vr[0].message,
			    "claim ns/x was deleted; the data is to be deleted (reclaimPolicy Delete)");
	pending(&r, 0, "FailedBinding", no_class);
	/* until the caller has done it, it is asked again */
	v[0].released = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	assert_int_equal(r.vr[0].action, PV_BIND_DELETE);
	/* done: nothing more, never bound again */
	v[0].deleted = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	assert_int_equal(r.vr[0].phase, PV_VOL_RELEASED);
	assert_int_equal(r.vr[0].action, PV_BIND_NONE);
	assert_string_equal(r.vr[0].reason, "Deleted");
	assert_string_equal(r.vr[0].message,
			    "claim ns/x was deleted; the data was deleted too (reclaimPolicy Delete)");
	pending(&r, 0, "FailedBinding", no_class);
}

static void test_gone_in_use(void **state)
{
	struct pv_bvol v[] = { vol("busy", 1) };
	struct pv_bclaim c[] = { claim("ns/other", 1) };
	struct pv_bgone g[] = { { .key = "ns/unrelated", .in_use = false },
				{ .key = "ns/x", .in_use = true } };
	struct run r;

	(void)state;
	v[0].reclaim_delete = true;
	v[0].bound_to = "ns/x";
	run(&r, v, N(v), c, N(c), g, N(g));
	assert_int_equal(r.vr[0].phase, PV_VOL_BOUND);
	assert_string_equal(r.vr[0].claim, "ns/x");
	assert_int_equal(r.vr[0].action, PV_BIND_NONE);
	assert_string_equal(r.vr[0].reason, "");
	assert_string_equal(r.vr[0].message, "claim is being deleted; in use by a pod");
	pending(&r, 0, "FailedBinding", no_class);
	/* the pod is gone: Released, and deleted */
	g[1].in_use = false;
	run(&r, v, N(v), c, N(c), g, N(g));
	assert_int_equal(r.vr[0].phase, PV_VOL_RELEASED);
	assert_int_equal(r.vr[0].action, PV_BIND_DELETE);
}

static void test_wait_for_consumer(void **state)
{
	struct pv_bvol v[] = { vol("local", 5) };
	struct pv_bclaim c[] = { claim("ns/a", 1) };
	struct run r;

	(void)state;
	v[0].class_name = "local";
	with_class(&c[0], "local", true, true);
	run(&r, v, N(v), c, N(c), NULL, 0);
	pending(&r, 0, "WaitForFirstConsumer",
		"waiting for first consumer to be created before binding");
	assert_int_equal(r.cr[0].action, PV_BIND_NONE);
	available(&r, 0);
	/* a pod uses it: the static volume first */
	c[0].has_consumer = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 0, "ns/a");
	/* and without one, provisioned */
	run(&r, v, 0, c, N(c), NULL, 0);
	assert_int_equal(r.cr[0].action, PV_BIND_PROVISION);
	assert_string_equal(r.cr[0].reason, "Provisioning");
	/* without a provisioner, the consumer waits for an administrator */
	c[0].provisioner = false;
	run(&r, v, 0, c, N(c), NULL, 0);
	pending(&r, 0, "FailedBinding", "no persistent volumes available for this claim and "
		"storageclass \"local\" has no provisioner that podvisor runs");
	assert_int_equal(r.cr[0].action, PV_BIND_NONE);
}

static void test_provision(void **state)
{
	struct pv_kv want[] = { { .key = "tier", .value = "db" } };
	struct pv_label_selector sel = { .hdr = { .set = true },
					 .match_labels = { .n = 1, .items = want, .set = true } };
	struct pv_bvol v[] = { vol("other", 9), vol("pvc-1", 2) };
	struct pv_bclaim c[] = { claim("ns/a", 2), claim("ns/sel", 1) };
	struct run r;

	(void)state;
	v[0].class_name = "local";
	v[0].reserved_for = "ns/elsewhere";
	v[1].class_name = "local";
	v[1].reserved_for = "ns/a";
	v[1].reclaim_delete = true;
	with_class(&c[0], "local", true, false);
	with_class(&c[1], "local", true, false);
	c[1].selector = &sel;
	run(&r, v, 1, c, N(c), NULL, 0);
	pending(&r, 0, "Provisioning", "waiting for a volume to be created by podvisor.io/local-path");
	assert_int_equal(r.cr[0].action, PV_BIND_PROVISION);
	pending(&r, 1, "ProvisioningFailed", "failed to provision volume with StorageClass "
		"\"local\": claim.Spec.Selector is not supported");
	assert_int_equal(r.cr[1].action, PV_BIND_NONE);
	available(&r, 0);
	/* the caller made pvc-1 for ns/a, reserved for it: the next run binds */
	run(&r, v, N(v), c, 1, NULL, 0);
	bound(&r, 0, v, 1, "ns/a");
	available(&r, 0);
}

static void test_missing_class(void **state)
{
	struct pv_bvol v[] = { vol("static-nope", 1) };
	struct pv_bclaim c[] = { claim("ns/a", 1), claim("ns/b", 1) };
	struct run r;

	(void)state;
	v[0].class_name = "nope";
	c[0].class_name = c[1].class_name = "nope"; /* class_exists false */
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 0, "ns/a"); /* a static volume of that class still binds */
	pending(&r, 1, "ProvisioningFailed", "storageclass.storage.k8s.io \"nope\" not found");
	assert_int_equal(r.cr[1].action, PV_BIND_NONE);
}

static void test_misbound(void **state)
{
	struct pv_bvol v[] = { vol("one", 1), vol("two", 1) };
	struct pv_bclaim c[] = { claim("ns/a", 1) };
	struct run r;

	(void)state;
	v[0].bound_to = v[1].bound_to = "ns/a";
	v[1].reclaim_delete = true;
	run(&r, v, N(v), c, N(c), NULL, 0);
	bound(&r, 0, v, 0, "ns/a");
	assert_int_equal(r.vr[1].phase, PV_VOL_FAILED);
	assert_int_equal(r.vr[1].action, PV_BIND_NONE); /* its data is not touched */
	assert_string_equal(r.vr[1].reason, "ClaimMisbound");
}

/* A PersistentVolume manifest named like a volume podvisor provisioned
 * (copied from `get pv -o yaml`, say) never takes it over, wherever it
 * comes in the inputs and whatever state it carries: it is refused, and
 * never bound, released or deleted; the provisioned volume keeps its name,
 * its binding and its own reclaim policy. Two manifests of one name: the
 * first keeps it. */
static void test_name_clash(void **state)
{
	struct pv_bclaim c[] = { claim("ns/a", 1), claim("ns/b", 1) };
	struct pv_bgone g[] = { { .key = "ns/gone", .in_use = false } };
	struct run r;

	(void)state;
	for (size_t first = 0; first < 2; first++) {
		struct pv_bvol v[] = { vol("pvc-1", 1), vol("pvc-1", 1), vol("other", 1),
				       vol("other", 1) };
		size_t st = first, pr = 1 - first; /* the manifest's, podvisor's */

		v[st].reclaim_delete = true; /* the manifest says Delete */
		v[pr].provisioned = true;    /* podvisor's: Retain */
		v[st].bound_to = v[pr].bound_to = "ns/gone";
		run(&r, v, N(v), c, N(c), g, N(g));
		assert_int_equal(r.vr[st].phase, PV_VOL_FAILED);
		assert_true(r.vr[st].refused);
		assert_null(r.vr[st].claim);
		assert_int_equal(r.vr[st].action, PV_BIND_NONE);
		assert_string_equal(r.vr[st].reason, "AlreadyExists");
		assert_string_equal(r.vr[st].message, "podvisor provisioned a volume named \"pvc-1\": "
				    "a PersistentVolume of that name is refused (rename it)");
		assert_int_equal(r.vr[pr].phase, PV_VOL_RELEASED);
		assert_false(r.vr[pr].refused);
		assert_string_equal(r.vr[pr].claim, "ns/gone");
		assert_int_equal(r.vr[pr].action, PV_BIND_NONE); /* Retain: kept */
		bound(&r, 0, v, 2, "ns/a");
		assert_int_equal(r.vr[3].phase, PV_VOL_FAILED); /* the second "other" */
		assert_true(r.vr[3].refused);
		assert_string_equal(r.vr[3].message, "another PersistentVolume is named \"other\": "
				    "this one is refused (rename it)");
		pending(&r, 1, "FailedBinding", no_class);

		/* the name, asked for: the provisioned volume, never the manifest */
		v[st].bound_to = v[pr].bound_to = NULL;
		c[0].volume_name = "pvc-1";
		run(&r, v, N(v), c, N(c), NULL, 0);
		bound(&r, 0, v, pr, "ns/a");
		bound(&r, 1, v, 2, "ns/b");
		assert_int_equal(r.vr[st].phase, PV_VOL_FAILED);
		c[0].volume_name = NULL;
	}
}

static void test_deterministic(void **state)
{
	struct pv_bvol v[] = { vol("b", 3), vol("a", 3), vol("c", 1), vol("d", 2) };
	struct pv_bclaim c[] = { claim("ns/1", 1), claim("ns/2", 1), claim("ns/3", 1),
				 claim("ns/4", 1), claim("ns/5", 1) };
	struct run r1, r2;

	(void)state;
	v[3].bound_to = "ns/4";
	run(&r1, v, N(v), c, N(c), NULL, 0);
	run(&r2, v, N(v), c, N(c), NULL, 0);
	for (size_t i = 0; i < N(c); i++) {
		assert_int_equal(r1.cr[i].phase, r2.cr[i].phase);
		assert_ptr_equal(r1.cr[i].volume, r2.cr[i].volume);
		assert_string_equal(r1.cr[i].message, r2.cr[i].message);
	}
	for (size_t i = 0; i < N(v); i++) {
		assert_int_equal(r1.vr[i].phase, r2.vr[i].phase);
		assert_ptr_equal(r1.vr[i].claim, r2.vr[i].claim);
	}
	bound(&r1, 0, v, 2, "ns/1");
	bound(&r1, 1, v, 1, "ns/2");
	bound(&r1, 2, v, 0, "ns/3");
	bound(&r1, 3, v, 3, "ns/4");
	pending(&r1, 4, "FailedBinding", no_class);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_modes),
		cmocka_unit_test(test_smallest_fit),
		cmocka_unit_test(test_tie_by_name),
		cmocka_unit_test(test_access_mode_subset),
		cmocka_unit_test(test_volume_mode),
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_node_affinity),
		cmocka_unit_test(test_reserved_for),
		cmocka_unit_test(test_volume_name),
		cmocka_unit_test(test_binding_kept),
		cmocka_unit_test(test_competing_claims),
		cmocka_unit_test(test_released_retain),
		cmocka_unit_test(test_released_delete),
		cmocka_unit_test(test_gone_in_use),
		cmocka_unit_test(test_wait_for_consumer),
		cmocka_unit_test(test_provision),
		cmocka_unit_test(test_missing_class),
		cmocka_unit_test(test_misbound),
		cmocka_unit_test(test_name_clash),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
