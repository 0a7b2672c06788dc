/* SPDX-License-Identifier: MIT */
/*
 * The plan of an update (plan.c, doc/protocol.md OP-13): per 64 KiB block what its 4 KiB
 * sectors hold (from the chip's digests or the caller's current contents) and which of them
 * to erase and to program, from what the erases and writes cost. write.c does the work. Not
 * installed, not part of the API.
 */
#ifndef BLR_LIB_PLAN_H
#define BLR_LIB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
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

/* One block of an update: [base, base + 64 KiB), its part [bs, be) in the range. */
struct wblk {
	uint64_t base, bs, be; /* the block and its part in the range */
	struct plan_unit u[PLAN_UNITS];
	struct plan plan;
	uint16_t touched; /* sectors erased or programmed */
	unsigned fails;	  /* times it was redone */
	bool confirmed;	  /* an equal chip digest covers [bs, be) */
	bool unchecked;	  /* erased or programmed since the last write check */
	bool erased;	  /* the plan's erases are done */
	bool written;	  /* the plan's programming is done */
	uint8_t *rb;	  /* bytes read back around erased partial sectors, or NULL */
	uint16_t rb_have; /* sectors whose bytes outside the range are in rb (read once) */
	bool redo;	  /* to be planned again from the chip's digests and redone */
};

/* An update in progress (blr_flash_update_ex). */
struct wr {
	struct fl_op o;
	uint32_t addr;
	uint64_t end;
	const uint8_t *tgt, *cur;
	unsigned flags;
	struct blr_update_stats *st;
	bool xz;
	uint64_t xz_in, xz_out; /* bytes compressed so far and what they became */
	double gain_sum;	/* what 4 KiB digests saved, as shares of what they could have */
	unsigned gain_n;
	struct wblk *b;
	size_t nb;
	uint64_t erase_total, erase_done, write_total, write_done;
	bool changed;
};

#define XZ_PRIOR 0.5 /* the xz ratio expected before any was measured */

/* The part of sector i of blk inside the range; false when there is none. */
bool wr_unit_span(const struct wblk *blk, unsigned i, uint64_t *s, uint64_t *e);
const uint8_t *wr_tgt(const struct wr *w, uint64_t a);
/* Phase 1: what every block holds and its plan (COMPARE progress, OP-13). */
int wr_compare(struct wr *w);
/* A block to redo (OP-17, OP-18): plan it again from the chip's 4 KiB digests. */
int wr_replan(struct wr *w, struct wblk *blk);
/* The next stretch of blk's plan at or after sector *i: sectors to program, bridged over
 * sectors whose target is blank (programming 0xFF changes nothing); an edge sector that is
 * not erased only with its part in the range. false when none is left. */
bool wr_next_stretch(const struct wblk *blk, unsigned *i, uint64_t *a, uint64_t *e);

#endif
