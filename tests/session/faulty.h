/* SPDX-License-Identifier: MIT */
/*
 * A transport wrapper for the session tests that damages the line on purpose, seeded and
 * deterministic: it drops, duplicates or flips host->device bytes (what the device receives)
 * and device->host bytes (what the library reads), at a rate or at one chosen byte, power-cycles
 * the emulator (emu_reset) when a chosen frame is written, makes the port disappear
 * (BLR_E_GONE) after a number of writes, and records what was written for the assertions.
 */
#ifndef BLR_TESTS_SESSION_FAULTY_H
#define BLR_TESTS_SESSION_FAULTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/transport.h"
#include "emu/emu.h"

enum fault_kind { FAULT_DROP = 1, FAULT_DUP, FAULT_FLIP };

struct faulty {
	struct blr_transport inner; /* the emulator transport (not owned: close is forwarded) */
	struct emu *e;
	uint32_t rng; /* xorshift state: the seed */
	/* rates: 1 in N bytes (0 = off), counted on writes of frames (not of 0x55 bursts) */
	unsigned tx_drop_per, tx_dup_per, tx_flip_per;
	unsigned rx_drop_per, rx_flip_per;
	/* one chosen fault: byte pos of the nth (1-based; 0 = every) frame whose first byte is id
	 */
	enum fault_kind one_kind;
	uint8_t one_id;
	unsigned one_nth;
	size_t one_pos;
	/* power cycle the chip when the nth frame with id reset_id is written: before it reaches
	 * the device (reset_after false) or right after (its reply is then lost) */
	uint8_t reset_id;
	unsigned reset_nth;
	bool reset_after;
	bool reset_done;
	/* an adapter that cannot go faster: bytes written above max_baud are lost (0 = off) */
	unsigned max_baud, baud;
	/* the port disappears at the gone_after-th write (0 = never) */
	unsigned gone_after;
	/* what happened */
	unsigned writes, frames_seen[256], tx_faults, rx_faults;
	unsigned frames_to_rom;	   /* flash-command frames with a payload (0x30-0x3F) written
				    * while the emulator was in the ROM: traffic into a reset chip */
	unsigned bursts;	   /* handshake bursts (writes of 0x55 only) */
	unsigned single_bytes;	   /* one-byte writes (the recovery's frame completion) */
	unsigned reads_after_gone; /* transport calls after BLR_E_GONE was returned */
	bool gone;
};

/* Wrap f->inner (already set by the caller) and return the transport to hand to the device. */
struct blr_transport faulty_transport(struct faulty *f);

#endif
