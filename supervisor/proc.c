#include "supervisor/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t pv_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may contain spaces and parentheses: skip past the
	 * last ')', then field 3 onwards are plain numbers. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

int pv_pidfd_open(pid_t pid, uint64_t start)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -1;
	/* Checked after opening: from here on the pidfd pins the process. */
	if (start && pv_proc_start_time(pid) != start) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

int pv_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

void pv_close_from(int from, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd;

	if (!d) {
		for (int fd = from; fd < 1024; fd++)
			if (fd != keep)
				close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= from && fd != keep && fd != dfd)
			close(fd);
	}
	closedir(d);
}
