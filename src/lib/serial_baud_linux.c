/* SPDX-License-Identifier: MIT */
/*
 * Arbitrary baud rates through Linux termios2 + BOTHER, and the low-latency flag of serial
 * drivers (TIOCGSERIAL / TIOCSSERIAL, doc/protocol.md PHY-5). In its own translation unit because
 * <asm/termbits.h> conflicts with <termios.h>. Where the calls do not exist (qemu-user:
 * TCGETS2 is ENOSYS, ENOTTY in later versions) the rate cannot be set: ENOTSUP.
 */
#include "lib/serial.h"

#include <errno.h>

#ifdef __linux__
#include <asm/termbits.h>
#include <linux/serial.h>
#include <sys/ioctl.h>

static int tcgets2(int fd, struct termios2 *t2)
{
	int r = ioctl(fd, TCGETS2, t2);

	if (r < 0 && (errno == ENOSYS || errno == ENOTTY))
		errno = ENOTSUP;
	return r;
}

int serial_set_custom_baud(int fd, unsigned baud)
{
	struct termios2 t2;

	if (tcgets2(fd, &t2) < 0)
		return -1;
	t2.c_cflag &= ~(tcflag_t)CBAUD;
	t2.c_cflag |= BOTHER;
	t2.c_cflag &= ~(tcflag_t)(CBAUD << IBSHIFT);
	t2.c_cflag |= BOTHER << IBSHIFT;
	t2.c_ispeed = baud;
	t2.c_ospeed = baud;
	if (ioctl(fd, TCSETS2, &t2) < 0)
		return -1;
	return 0;
}

unsigned serial_get_baud(int fd)
{
	struct termios2 t2;

	if (tcgets2(fd, &t2) < 0)
		return 0;
	return t2.c_ospeed;
}

int serial_set_low_latency(int fd)
{
	struct serial_struct ss;
	int old;

	if (ioctl(fd, TIOCGSERIAL, &ss) < 0)
		return -1; /* a pty, or a driver without the call: ENOTTY, EINVAL */
	if (ss.flags & ASYNC_LOW_LATENCY)
		return -1; /* already on: nothing to restore */
	old = ss.flags;
	ss.flags |= ASYNC_LOW_LATENCY;
	if (ioctl(fd, TIOCSSERIAL, &ss) < 0)
		return -1;
	return old;
}

void serial_restore_low_latency(int fd, int flags)
{
	struct serial_struct ss;

	if (ioctl(fd, TIOCGSERIAL, &ss) < 0)
		return;
	ss.flags = (ss.flags & ~ASYNC_LOW_LATENCY) | (flags & ASYNC_LOW_LATENCY);
	ioctl(fd, TIOCSSERIAL, &ss);
}
#else
int serial_set_custom_baud(int fd, unsigned baud)
{
	(void)fd;
	(void)baud;
	errno = ENOTSUP;
	return -1;
}

unsigned serial_get_baud(int fd)
{
	(void)fd;
	errno = ENOTSUP;
	return 0;
}

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
#endif
