/* The daemon's events: a ring of the last PV_EVENTS_MAX (node.h), each one
 * kept on disk too, so that `get events` and `describe` still show what
 * happened before a restart or a crash.
 *
 * STATE/events.jsonl holds one JSON object a line, appended when an event
 * happens or is counted again ({first, at, object, type, reason, message,
 * count}). Read back, a line that says again what the object's latest
 * event says is that event counted, as when it happened; a line cut short
 * by a kill -9, or not JSON, is skipped. At start, once read, and whenever
 * it reaches PV_EVENTS_FILE_MAX lines, the file is rewritten from the ring
 * (a temporary file renamed over it), so it never holds more than that
 * plus one ring. A file that cannot be written leaves the events in memory
 * (said once in the log, never as an event).
 *
 * Owns: the ring's strings, the file. Calls: core (log, fsutil). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/core/fsutil.h"
#include "supervisor/core/jsonx.h"
#include "supervisor/core/log.h"
#include "supervisor/node/node.h"

/* A file larger than this is not read back (something else wrote it). */
#define EVENTS_FILE_READ_MAX (32u << 20)

/* OBJECT's latest event, when it says the same: the one to count again. */
static struct pv_event *repeat_of(struct pv_daemon *d, const char *object, const char *type,
				  const char *reason, const char *msg)
{
	for (size_t i = 1; i <= d->nevents; i++) {
		struct pv_event *e = &d->events[(d->event_next + PV_EVENTS_MAX - i) % PV_EVENTS_MAX];

		if (strcmp(e->object, object) != 0)
			continue;
		if (strcmp(e->reason, reason) != 0 || strcmp(e->message, msg) != 0 ||
		    strcmp(e->type, type) != 0)
			return NULL;
		return e;
	}
	return NULL;
}

/* A new slot for the event; NULL out of memory (the slot keeps its old
 * event rather than holding NULLs that readers would trip on). */
static struct pv_event *push(struct pv_daemon *d, const char *object, const char *type,
			     const char *reason, const char *msg)
{
	struct pv_event *e = &d->events[d->event_next];
	char *ob = strdup(object), *ty = strdup(type), *re = strdup(reason), *me = strdup(msg);

	if (!ob || !ty || !re || !me) {
		free(ob), free(ty), free(re), free(me);
		return NULL;
	}
	free(e->object);
	free(e->type);
	free(e->reason);
	free(e->message);
	e->object = ob;
	e->type = ty;
	e->reason = re;
	e->message = me;
	d->event_next = (d->event_next + 1) % PV_EVENTS_MAX;
	if (d->nevents < PV_EVENTS_MAX)
		d->nevents++;
	return e;
}

/* One event as a line of the file, with its '\n'; NULL out of memory. */
static char *line_of(const struct pv_event *e)
{
	struct json_object *j = json_object_new_object();
	char *line = NULL;

	json_object_object_add(j, "first", json_object_new_int64(e->first));
	json_object_object_add(j, "at", json_object_new_int64(e->at));
	json_object_object_add(j, "object", json_object_new_string(e->object));
	json_object_object_add(j, "type", json_object_new_string(e->type));
	json_object_object_add(j, "reason", json_object_new_string(e->reason));
	json_object_object_add(j, "message", json_object_new_string(e->message));
	json_object_object_add(j, "count", json_object_new_int(e->count));
	if (asprintf(&line, "%s\n",
		     json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		line = NULL;
	json_object_put(j);
	return line;
}

static void write_failed(struct pv_daemon *d, const char *what, int errnum)
{
	if (!d->events_write_failed)
		pv_warn("events: %s/events.jsonl: %s: %s; events are kept in memory only until "
			"it can be written again", d->state, what, strerror(errnum));
	d->events_write_failed = true;
}

/* The file rewritten from the ring, oldest first, and opened to append. */
static void rewrite(struct pv_daemon *d)
{
	cleanup_free char *path = NULL;
	struct pv_err err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (d->events_saved)
		close(d->events_fd);
	d->events_saved = false;
	if (asprintf(&path, "%s/events.jsonl", d->state) < 0 || !(f = open_memstream(&buf, &len)))
		return;
	for (size_t i = 0; i < d->nevents; i++) {
		cleanup_free char *line =
			line_of(&d->events[(d->event_next + PV_EVENTS_MAX - d->nevents + i) % PV_EVENTS_MAX]);

		if (line)
			fputs(line, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	if (pv_write_atomic(path, buf, len, 0600, &err) < 0) {
		free(buf);
		write_failed(d, "cannot be rewritten", err.code ? err.code : EIO);
		return;
	}
	free(buf);
	d->events_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (d->events_fd < 0) {
		write_failed(d, "cannot be opened", errno);
		return;
	}
	d->events_saved = true;
	d->events_lines = d->nevents;
	if (d->events_write_failed)
		pv_info("events: %s/events.jsonl is written again", d->state);
	d->events_write_failed = false;
}

static void save(struct pv_daemon *d, const struct pv_event *e)
{
	cleanup_free char *line = NULL;
	size_t len;

	if (!d->events_saved) {
		if (d->events_write_failed)
			rewrite(d); /* tried again at each event: the ring holds E */
		return;
	}
	if (!(line = line_of(e)))
		return;
	if (d->events_lines >= PV_EVENTS_FILE_MAX) {
		rewrite(d); /* the ring holds E already */
		return;
	}
	len = strlen(line);
	if (write(d->events_fd, line, len) != (ssize_t)len) {
		write_failed(d, "cannot be appended to", errno ? errno : ENOSPC);
		rewrite(d); /* not a line cut short left to grow on */
		return;
	}
	if (d->events_write_failed)
		pv_info("events: %s/events.jsonl is written again", d->state);
	d->events_write_failed = false;
	d->events_lines++;
}

void pv_daemon_event(struct pv_daemon *d, const char *object, bool warning, const char *reason,
		     const char *fmt, ...)
{
	const char *type = warning ? "Warning" : "Normal";
	struct pv_event *e;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The same again: counted there (and logged at debug level only), so
	 * that a pod retrying a mount on every pass is one event, not
	 * hundreds pushing the others out. */
	if ((e = repeat_of(d, object, type, reason, msg))) {
		e->at = time(NULL);
		e->count++;
		pv_debug("%s: %s: %s (x%d)", object, reason, msg, e->count);
		save(d, e);
		if (d->event_hook)
			d->event_hook(d, e);
		return;
	}
	if (!(e = push(d, object, type, reason, msg)))
		return;
	e->first = e->at = time(NULL);
	e->count = 1;
	pv_log(warning ? PV_LOG_WARN : PV_LOG_INFO, "%s: %s: %s", object, reason, msg);
	save(d, e);
	if (d->event_hook)
		d->event_hook(d, e);
}

/* One line read back: pushed, or the object's latest event counted. */
static void replay(struct pv_daemon *d, const char *line)
{
	struct json_object *j = json_tokener_parse(line);
	const char *object, *type, *reason, *msg;
	struct pv_event *e;

	if (!j || !json_object_is_type(j, json_type_object))
		goto out;
	object = pv_json_str(j, "object", NULL);
	type = pv_json_str(j, "type", NULL);
	reason = pv_json_str(j, "reason", NULL);
	msg = pv_json_str(j, "message", NULL);
	if (!object || !type || !reason || !msg || pv_json_int(j, "count") < 1)
		goto out;
	if (!(e = repeat_of(d, object, type, reason, msg))) {
		if (!(e = push(d, object, type, reason, msg)))
			goto out;
		e->first = pv_json_int(j, "first");
	}
	e->at = pv_json_int(j, "at");
	e->count = (int)pv_json_int(j, "count");
	if (!e->first)
		e->first = e->at;
out:
	json_object_put(j);
}

void pv_daemon_events_open(struct pv_daemon *d)
{
	cleanup_free char *path = NULL, *text = NULL;
	struct pv_err err = { 0 };
	size_t len = 0, n = 0;

	if (asprintf(&path, "%s/events.jsonl", d->state) < 0)
		return;
	text = pv_read_file(path, EVENTS_FILE_READ_MAX, &len, &err);
	if (!text && err.code != ENOENT)
		pv_warn("events: the former events are not read back: %s", err.msg);
	for (char *line = text, *nl; line && line < text + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			break; /* the last line, cut short */
		*nl = '\0';
		replay(d, line);
		n++;
	}
	if (n)
		pv_info("events: %zu events of the former daemon read back (%zu kept)", n,
			d->nevents);
	rewrite(d);
}
