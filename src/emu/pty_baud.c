/* SPDX-License-Identifier: MIT */
/*
 * Linux: TCGETS2 on a pty master returns the slave's settings (the kernel forwards mode
 * ioctls of a master to its slave), including a custom rate in c_ospeed (BOTHER). This is
 * in its own file because <asm/termbits.h> conflicts with <termios.h>.
 * Elsewhere: cfgetospeed() and the standard B* constants.
 */
#include "pty_baud.h"

#if defined(__linux__)
#include <asm/termbits.h>
#include <sys/ioctl.h>

int emu_pty_get_baud(int fd, unsigned *baud)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) != 0)
		return -1;
	*baud = t.c_ospeed;
	return 0;
}
#else
#include <termios.h>

int emu_pty_get_baud(int fd, unsigned *baud)
{
	static const struct {
		speed_t s;
		unsigned v;
	} map[] = {
	    {B50, 50},	       {B75, 75},     {B110, 110},   {B134, 134},     {B150, 150},
	    {B200, 200},       {B300, 300},   {B600, 600},   {B1200, 1200},   {B1800, 1800},
	    {B2400, 2400},     {B4800, 4800}, {B9600, 9600}, {B19200, 19200}, {B38400, 38400},
#ifdef B57600
	    {B57600, 57600},
#endif
#ifdef B115200
	    {B115200, 115200},
#endif
#ifdef B230400
	    {B230400, 230400},
#endif
	};
	struct termios t;
	speed_t s;

	if (tcgetattr(fd, &t) != 0)
		return -1;
	s = cfgetospeed(&t);
	*baud = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].s == s)
			*baud = map[i].v;
	if (*baud == 0 && (unsigned long)s > 38400)
		*baud = (unsigned)s; /* BSDs: speed_t is the rate itself */
	return 0;
}
#endif
