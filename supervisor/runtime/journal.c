#include "supervisor/runtime/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

int pv_journal_open(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", PV_JOURNAL_SOCKET);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

#define MAX_FIELDS 16

int pv_journal_send(int fd, const char *const *fields, int priority, const char *message,
		    size_t len)
{
	/* per field: the field and its newline; then PRIORITY, and MESSAGE
	 * as "MESSAGE=" text "\n", or "MESSAGE\n" length text "\n" */
	struct iovec iov[2 * MAX_FIELDS + 5];
	char prio[16];
	unsigned char le[8];
	size_t n = 0;

	for (size_t i = 0; fields && fields[i] && i < MAX_FIELDS; i++) {
		iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
		iov[n++] = (struct iovec){ (void *)"\n", 1 };
	}
	iov[n++] = (struct iovec){ prio, (size_t)snprintf(prio, sizeof(prio), "PRIORITY=%d\n",
							  priority & 7) };
	if (memchr(message, '\n', len)) {
		for (int b = 0; b < 8; b++) /* little-endian, as the protocol has it */
			le[b] = (unsigned char)(((uint64_t)len >> (8 * b)) & 0xff);
		iov[n++] = (struct iovec){ (void *)"MESSAGE\n", 8 };
		iov[n++] = (struct iovec){ le, sizeof(le) };
	} else {
		iov[n++] = (struct iovec){ (void *)"MESSAGE=", 8 };
	}
	iov[n++] = (struct iovec){ (void *)message, len };
	iov[n++] = (struct iovec){ (void *)"\n", 1 };
	return sendmsg(fd, &(struct msghdr){ .msg_iov = iov, .msg_iovlen = n }, MSG_NOSIGNAL) < 0
		       ? -1 : 0;
}
