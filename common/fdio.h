/* Whole writes to a file descriptor. */
#ifndef PV_COMMON_FDIO_H
#define PV_COMMON_FDIO_H

#include <stddef.h>

/* Write all LEN bytes of BUF to FD, retrying short writes and EINTR;
 * 0, or -1 with errno set. */
int pv_write_all(int fd, const void *buf, size_t len);

#endif
