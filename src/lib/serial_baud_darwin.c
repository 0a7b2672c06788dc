/* SPDX-License-Identifier: MIT */
/*
 * macOS: rates without a Bnnn constant (above 230400) through IOSSIOSPEED. serial_posix.c
 * calls it after its tcsetattr(), as it must be: a later tcsetattr() puts the old rate back
 * without an error. Not built or tested on the project's CI (no macOS there).
 */
#include "lib/serial.h"

#include <IOKit/serial/ioss.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>

int serial_set_custom_baud(int fd, unsigned baud)
{
	speed_t s = baud;

	return ioctl(fd, IOSSIOSPEED, &s) < 0 ? -1 : 0;
}

unsigned serial_get_baud(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return 0;
	return (unsigned)cfgetospeed(&t); /* speed_t is the rate itself */
}

/* The low-latency flag is Linux's (doc/protocol.md PHY-5; declared in serial.h by the link
 * robustness work): nothing to do here. */
int serial_set_low_latency(int fd)
{
	(void)fd;
	errno = ENOTSUP;
	return -1;
}

void serial_restore_low_latency(int fd, int flags)
{
	(void)fd;
	(void)flags;
}
