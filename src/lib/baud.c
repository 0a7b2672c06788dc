/* SPDX-License-Identifier: MIT */
/* The rates the chip's auto-baud turns a host rate into (doc/protocol.md, BAUD rules). */
#include "blrescue/blrescue.h"

#define XTAL_HZ		 40000000u
#define ROUND_STEP	 500000u
#define LOADER_ROUND_MIN 970000u  /* the loader rounds measured rates above this */
#define ROM_ROUND_MIN	 1250000u /* the ROM rounds measured rates above this */

static unsigned measured(unsigned baud, unsigned round_min)
{
	unsigned long long div, b;

	if (baud == 0)
		return 0;
	div = (XTAL_HZ + baud / 2) / baud; /* the period counter of the 0x55 pattern */
	if (div <= 3)
		return 0;
	b = XTAL_HZ / div;
	if (b > round_min)
		b = (b + ROUND_STEP / 2) / ROUND_STEP * ROUND_STEP;
	return (unsigned)b;
}

unsigned blr_loader_baud(unsigned baud)
{
	return measured(baud, LOADER_ROUND_MIN);
}

unsigned blr_rom_baud(unsigned baud)
{
	return measured(baud, ROM_ROUND_MIN);
}
