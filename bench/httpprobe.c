/* httpprobe: time from a start action to the first HTTP 200.
 *
 *   httpprobe [--rename SRC DST | --run CMD] [--timeout SEC] ADDR:PORT [PATH]
 *
 * Starts the clock, does the action (rename(2) of a manifest into a
 * watched directory, or CMD through /bin/sh, not waited for), then
 * connects to ADDR:PORT and sends GET PATH until a response's status line
 * says 200. Prints the milliseconds from the action to that response on
 * stdout (with 3 decimals) and exits 0; exits 1 after the timeout (30 s),
 * 2 on bad usage. Between refused attempts it pauses 100 us: the prober
 * must not take a core from what it measures on a two-core machine, and
 * spawning curl in a loop would cost more than what is measured.
 *
 * A benchmark tool, not part of podvisor: it links nothing of ours
 * (_GNU_SOURCE comes from the Makefile's flags). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One request; 1 when the answer's status is 200. */
static int try_once(const struct sockaddr_in *sa, const char *req)
{
	char buf[256];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0, one = 1;
	struct timeval tv = { 2, 0 };

	if (fd < 0)
		return 0;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 &&
	    write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		while (got < sizeof(buf) - 1) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

			if (n <= 0)
				break;
			got += (size_t)n;
			if (memchr(buf, '\n', got))
				break;
		}
		buf[got] = '\0';
		ok = strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0;
	}
	close(fd);
	return ok;
}

static int usage(void)
{
	fprintf(stderr, "usage: httpprobe [--rename SRC DST | --run CMD] [--timeout SEC] "
			"ADDR:PORT [PATH]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *src = NULL, *dst = NULL, *cmd = NULL, *path = "/";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	double t0, limit = 30e3;
	char req[512], host[64], *colon;
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--rename") == 0 && i + 2 < argc) {
			src = argv[++i];
			dst = argv[++i];
		} else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc) {
			cmd = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			limit = atof(argv[++i]) * 1e3;
		} else {
			return usage();
		}
	}
	if (i >= argc || snprintf(host, sizeof(host), "%s", argv[i]) >= (int)sizeof(host) ||
	    !(colon = strrchr(host, ':')))
		return usage();
	*colon = '\0';
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return usage();
	if (i + 1 < argc)
		path = argv[i + 1];
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);

	t0 = now_ms();
	if (src && rename(src, dst) < 0) {
		fprintf(stderr, "httpprobe: rename %s %s: %s\n", src, dst, strerror(errno));
		return 1;
	}
	if (cmd) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
	}
	while (now_ms() - t0 < limit) {
		if (try_once(&sa, req)) {
			printf("%.3f\n", now_ms() - t0);
			while (cmd && wait(NULL) > 0) /* the action's process, if still there */
				;
			return 0;
		}
		usleep(100);
	}
	fprintf(stderr, "httpprobe: no HTTP 200 from %s:%s within %.1f s\n", host, colon + 1,
		limit / 1e3);
	return 1;
}
