/* SPDX-License-Identifier: MIT */
/*
 * A transport between the library and the in-process emulator that watches and tampers with
 * the line, for the flash operation tests (test_read.c, test_write.c): it counts the bytes
 * the device sends and the frames the host sends (by command id, and those whose checksum
 * byte is 0), flips a byte in one reply, or changes a byte of one request frame's payload and
 * fixes its checksum so that the loader takes it (a corruption the checksum cannot see).
 */
#ifndef BLR_TESTS_SESSION_WIRETAP_H
#define BLR_TESTS_SESSION_WIRETAP_H

#include <stddef.h>
#include <stdint.h>

#include "fixture.h"

struct wiretap {
	struct blr_transport inner;
	uint64_t rx_bytes;	/* device -> host */
	unsigned frames[256];	/* host -> device frames by command id */
	unsigned zero_sum[256]; /* of which with checksum byte 0 */
	/* flip: the data byte at flip_at of the reply to the flip_nth (1 = first; 0 = every)
	 * frame with id flip_id is XORed with 0x01; flipped counts the flips */
	uint8_t flip_id;
	unsigned flip_nth, flipped;
	size_t flip_at;
	/* garble: payload byte garble_at of the garble_nth frame with id garble_id becomes
	 * garble_to, the checksum is recomputed; garbled counts it (once) */
	uint8_t garble_id, garble_to;
	unsigned garble_nth, garbled;
	size_t garble_at;
	/* internal */
	uint8_t last_id;
	unsigned last_nth;
	size_t reply_pos;
};

/* Put the tap between f's device context and its emulator transport. */
void wiretap_attach(struct wiretap *w, struct fx *f);

/* An emulator fixture with the tap in place, connected, counters cleared, and a buffer of
 * the flash's size. Fails the test on error. */
struct rig {
	struct fx f;
	struct wiretap w;
	uint8_t *buf;
};
struct rig *rig_new(const struct emu_config *cfg, enum fx_fill fill);
void rig_free(struct rig *g);

#endif
