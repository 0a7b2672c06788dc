/* SPDX-License-Identifier: MIT */
/*
 * The write plan of one 64 KiB block (plan.c, doc/protocol.md OP-13): which of its 4 KiB
 * sectors to erase and which to program, from what is known of each sector and what the
 * erases and writes cost. Pure computation. Not installed, not part of the API.
 */
#ifndef BLR_LIB_PLAN_H
#define BLR_LIB_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/flash.h"

#define PLAN_UNITS (FL_BLOCK / FL_SECTOR)

/* What is known of one sector of the block (its bytes inside the range). */
enum pu_state {
	PU_ABSENT, /* outside the range */
	PU_EQUAL,  /* holds the target */
	PU_BLANK,  /* all 0xFF, the target is not: program only */
	PU_PROG,   /* programming the target over it gives the target (current contents
		    * known: no bit of the target is 1 where the flash has 0, WRITE-2) */
	PU_ERASE,  /* must be erased: it differs, or nothing is known */
};

struct plan_unit {
	uint8_t state; /* enum pu_state */
	bool tblank;   /* the target's bytes of this sector are all 0xFF */
	bool partial;  /* only partly inside the range: erasing it means reading the rest
			* back first (ERASE-1 erases whole sectors) */
	double wcost;  /* ms to program its target */
	double rbcost; /* ms to read back its bytes outside the range (partial) */
};

struct plan {
	uint16_t erase; /* bit i: sector i is erased */
	uint16_t write; /* bit i: sector i is programmed */
	double cost;	/* expected ms */
};

/* The cheapest plan for the block at base (64 KiB aligned): the sectors that must be erased,
 * optionally filled up to a 32 KiB half or the whole block where one bigger erase (ERASE-2)
 * plus programming again what it wipes costs less. Returns plan->cost. */
double plan_block(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS],
		  struct plan *plan);
/* What 4 KiB hashes could save at most in a block known only to differ: the plan with every
 * sector to be erased against the best plan with a single differing sector. */
double plan_gain_max(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS]);

#endif
