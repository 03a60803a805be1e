#include "manifests/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int sig;
} sigs[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },	  { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },  { "CONT", SIGCONT }, { "FPE", SIGFPE },	  { "HUP", SIGHUP },
	{ "ILL", SIGILL },   { "INT", SIGINT },   { "IO", SIGIO },	  { "IOT", SIGIOT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },	  { "PROF", SIGPROF },
	{ "PWR", SIGPWR },   { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV },	  { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS },   { "TERM", SIGTERM },	  { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },	  { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

/* "RTMIN", "RTMIN+N" (N 1..15), "RTMAX-N" (N 1..14), "RTMAX". */
static int realtime(const char *s)
{
	char *end;
	long n = 0;

	if (!strncmp(s, "RTMIN", 5)) {
		if (s[5] && (s[5] != '+' || !s[6] || (n = strtol(s + 6, &end, 10)) < 1 || n > 15 || *end))
			return -1;
		return SIGRTMIN + (int)n;
	}
	if (!strncmp(s, "RTMAX", 5)) {
		if (s[5] && (s[5] != '-' || !s[6] || (n = strtol(s + 6, &end, 10)) < 1 || n > 14 || *end))
			return -1;
		return SIGRTMAX - (int)n;
	}
	return -1;
}

int pv_signal_number(const char *name, bool oci)
{
	const char *s = name;

	if (oci && *s >= '0' && *s <= '9') {
		char *end;
		long n = strtol(s, &end, 10);

		return *end || n < 1 || n > SIGRTMAX ? -1 : (int)n;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	else if (!oci)
		return -1;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	return realtime(s);
}
