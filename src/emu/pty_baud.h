/* SPDX-License-Identifier: MIT */
/* The baud rate a pseudo-terminal's slave side is set to, read through the master. */
#ifndef BLR_EMU_PTY_BAUD_H
#define BLR_EMU_PTY_BAUD_H

/* Returns 0 and the output baud in *baud (any rate on Linux), or -1 with errno set. */
int emu_pty_get_baud(int fd, unsigned *baud);

#endif
