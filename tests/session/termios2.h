/* SPDX-License-Identifier: MIT */
/* Whether this system can set any baud rate: qemu-user has no termios2 (TCGETS2 is ENOSYS,
 * which src/lib/serial_baud_linux.c reports as ENOTSUP). For the tests that must skip there. */
#ifndef BLR_TESTS_SESSION_TERMIOS2_H
#define BLR_TESTS_SESSION_TERMIOS2_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/serial.h"

static inline bool have_termios2(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	bool yes = m >= 0 && (serial_get_baud(m) != 0 || errno != ENOTSUP);

	if (m >= 0)
		close(m);
	return yes;
}

#endif
