/* SPDX-License-Identifier: MIT */
/*
 * Pure framing for the BL602 ISP protocol (doc/protocol.md §3): request encoder and an
 * incremental response decoder. No I/O, no clock, no allocation.
 */
#ifndef BLR_LIB_CODEC_H
#define BLR_LIB_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checksum of §3.2: byte sum of length and payload, mod 256. */
uint8_t isp_checksum(const uint8_t *payload, size_t n);

/*
 * The byte that completes a loader frame the device may still be receiving (doc/protocol.md
 * REC-10): never a command id of the ROM or of any loader (so that, if no frame was pending,
 * it starts a frame naming no command) nor 0x55 (a handshake), and the value occurring least
 * often among the two length bytes and the n payload bytes of that frame (if the byte lost on
 * the line had this value, the completed frame would pass its checksum). Ties: the smallest.
 */
uint8_t isp_seal_byte(const uint8_t *payload, size_t n);

/*
 * Encode id + checksum + u16 LE length + payload into out. with_checksum: computed checksum
 * (loader); otherwise 0 (ROM). Returns the frame length, or 0 if n > 0xFFFF or cap is short.
 */
size_t isp_encode(uint8_t *out, size_t cap, uint8_t id, const uint8_t *payload, size_t n,
		  bool with_checksum);

enum isp_ev {
	ISP_EV_NONE = 0, /* need more bytes */
	ISP_EV_OK,	 /* "OK" (ack command) */
	ISP_EV_DATA,	 /* "OK" + len + data; data in the caller's buffer, length in .len */
	ISP_EV_FL,	 /* "FL" + code in .code */
	ISP_EV_PD,	 /* "PD" (erase pending) */
	ISP_EV_OVERSIZE, /* "OK" + a length larger than the buffer: reply rejected */
};

enum isp_dec_state {
	DEC_IDLE,
	DEC_TAG,  /* first tag byte seen */
	DEC_LEN,  /* after "OK" on a data command */
	DEC_CODE, /* after "FL" */
	DEC_DATA,
};

struct isp_decoder {
	bool expect_data;
	uint8_t *buf; /* data destination, cap bytes */
	size_t cap;
	enum isp_dec_state state;
	uint8_t tag; /* first tag byte */
	uint8_t hold[2];
	size_t nhold;
	size_t len;	/* data length announced */
	size_t got;	/* data bytes stored */
	uint16_t code;	/* FL code */
	size_t skipped; /* garbage bytes skipped so far */
	size_t strays;	/* stray "OK" tags skipped before a data reply */
};

/* expect_data: the command answers "OK"+len+data (isp_cmd_spec()->reply). buf/cap receive
 * the data; a longer announced length gives ISP_EV_OVERSIZE. */
void isp_dec_init(struct isp_decoder *d, bool expect_data, uint8_t *buf, size_t cap);
/*
 * Feed n bytes. Consumes bytes up to and including the first event and stores it in *ev
 * (ISP_EV_NONE if all n bytes were consumed without one). Returns the bytes consumed.
 * After an event the decoder is ready for the next reply of the same kind.
 *
 * Resynchronisation: bytes that cannot start a tag are skipped. On a data command, an
 * "OK" followed by "OK", "FL" or "PD" is a stray "OK" (no valid length can be 0x4B4F,
 * 0x4C46 or 0x4450 because frames are <= 0x4004): it is dropped and the second tag is parsed.
 */
size_t isp_dec_feed(struct isp_decoder *d, const uint8_t *in, size_t n, enum isp_ev *ev);
/* Bytes the decoder needs at least before the next event can be complete (>= 1). Reading
 * exactly this many never consumes bytes past the end of a reply. */
size_t isp_dec_want(const struct isp_decoder *d);

#endif
