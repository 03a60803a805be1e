/* A pod's init, from its clone until the daemon has recorded it.
 *
 * The init is cloned (by the spawner, or forked and exec'd) holding the
 * read end of a pipe as its PV_PODINIT_CONFIRM_FD, and waits there before
 * it becomes the pod's PID 1 for good. The daemon first writes the short
 * 'starting' record (pod.json: uid, name, the init's pid and start time),
 * and only then sends the byte. A daemon killed -9 in between closes the
 * pipe by dying: the init reads end of file and leaves, its namespaces
 * with it. So no init runs that no record names; an init that has one is
 * ended by the next daemon's adoption (pods_adopt.c), and its pod started
 * afresh.
 *
 * Asked of the spawner first, had later: between the two the daemon
 * finishes the pod started before (pods_reconcile.c), while the spawner
 * clones this one. Without a spawner, or when its clone failed, the
 * daemon forks and execs the init itself at the second step.
 *
 * Owns: the pipe, the 'starting' record. Calls: runtime (podinit,
 * spawner), core. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/core/proc.h"
#include "supervisor/pods/pods.h"
#include "supervisor/pods/pods_internal.h"
#include "supervisor/runtime/podinit.h"

static int save_starting(struct pv_prt *p, struct pv_err *err)
{
	struct json_object *j = json_object_new_object();
	cleanup_free char *path = NULL;
	int rc;

	json_object_object_add(j, "uid", json_object_new_string(p->uid));
	json_object_object_add(j, "namespace", json_object_new_string(p->ns));
	json_object_object_add(j, "name", json_object_new_string(p->name));
	json_object_object_add(j, "initPid", json_object_new_int(p->init_pid));
	json_object_object_add(j, "initStart", json_object_new_uint64(p->init_start));
	json_object_object_add(j, "starting", json_object_new_boolean(true));
	if (asprintf(&path, "%s/pod.json", p->dir) < 0)
		rc = pv_err_set(err, ENOMEM, "out of memory");
	else
		rc = pv_write_json_replace(path, j, err);
	json_object_put(j);
	return rc;
}

/* Test only: PODVISOR_TEST_STOP_AT_POD_CLONE=NAME stops the daemon
 * (SIGSTOP) once pod NAME's init is cloned, before it is recorded;
 * PODVISOR_TEST_STOP_AT_POD_START=NAME once it is recorded and let live,
 * its start not finished. test_userns.sh kills the daemon -9 there. */
static void test_stop(const struct pv_prt *p, const char *var)
{
	const char *name = getenv(var);

	if (name && strcmp(name, p->name) == 0)
		raise(SIGSTOP);
}

int pv_pod_init_ask(struct pv_pod_starting *st, struct pv_err *err)
{
	struct pv_prt *p = st->p;

	if (pipe2(st->confirm, O_CLOEXEC) < 0)
		return pv_err_sys(err, errno, "pipe");
	st->asked = pv_spawner_pod_init_ask(&p->d->spawner, st->host, p->uid, st->hostnet,
					    st->userns, st->confirm[0]) == 0;
	return 0;
}

int pv_pod_init_wait(struct pv_pod_starting *st, struct pv_err *err)
{
	struct pv_prt *p = st->p;
	cleanup_close int confirm = -1;

	p->init_pid = st->asked ? pv_spawner_pod_init_wait(&p->d->spawner) : -1;
	if (p->init_pid < 0 && st->asked) {
		/* The spawner may have cloned one before it failed or went: a
		 * pipe of its own for the init made here, and that one's end of
		 * file, so that no other init takes this one's confirmation. */
		close(st->confirm[0]);
		close(st->confirm[1]);
		st->confirm[0] = st->confirm[1] = -1;
		if (pipe2(st->confirm, O_CLOEXEC) < 0)
			return pv_err_sys(err, errno, "pipe");
	}
	confirm = st->confirm[1];
	st->confirm[1] = -1;
	if (p->init_pid < 0)
		p->init_pid = pv_podinit_spawn(st->host, p->uid, st->hostnet, st->userns,
					       st->confirm[0], err);
	close(st->confirm[0]);
	st->confirm[0] = -1;
	if (p->init_pid < 0)
		return -1;
	p->init_start = pv_proc_start_time(p->init_pid);
	test_stop(p, "PODVISOR_TEST_STOP_AT_POD_CLONE");
	if (save_starting(p, err) < 0)
		return -1; /* the caller kills the init; the pipe's end would too */
	if (write(confirm, "k", 1) != 1)
		return pv_err_sys(err, errno, "pod init pid %d: its confirmation", (int)p->init_pid);
	test_stop(p, "PODVISOR_TEST_STOP_AT_POD_START");
	return 0;
}
