/* podvisor daemon --help (daemon_usage.c): the text, kept apart from the
 * daemon's wiring. Calls nothing. */
#ifndef PV_SUPERVISOR_DAEMON_USAGE_H
#define PV_SUPERVISOR_DAEMON_USAGE_H

extern const char pv_daemon_usage[];

#endif
