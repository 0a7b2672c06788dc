/* SPDX-License-Identifier: MIT */
/* Internals of the POSIX serial backend (serial_posix.c) and its per-OS baud helpers. */
#ifndef BLR_LIB_SERIAL_H
#define BLR_LIB_SERIAL_H

/* Set an arbitrary baud rate on fd (Linux termios2 BOTHER). Returns 0 or -1 with errno
 * (ENOTSUP where the OS has no such interface). */
int serial_set_custom_baud(int fd, unsigned baud);
/* The output baud rate currently set on fd (termios2 c_ospeed), or 0 with errno. Also works
 * on a pty master, which shares the slave's settings. */
unsigned serial_get_baud(int fd);

/* Put the port's driver in low-latency mode (PHY-5: an FTDI's latency timer becomes 1 ms).
 * Returns the driver's previous flags, to give to serial_restore_low_latency() on close, or -1
 * (errno set) when there is nothing to restore: unsupported (a pty answers ENOTTY), or already
 * on. */
int serial_set_low_latency(int fd);
void serial_restore_low_latency(int fd, int flags);

#endif
