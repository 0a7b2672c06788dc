/* SPDX-License-Identifier: MIT */
/* blrescue-emu --stats: what crossed the line and what the chip did, as a JSON object. */
#ifndef BLR_EMU_MAIN_STATS_H
#define BLR_EMU_MAIN_STATS_H

#include "emu.h"

/* Writes the object to path atomically (a temporary file renamed over it). Returns 0 or -1
 * with errno set. */
int stats_write(const char *path, const struct emu *e);

#endif
