/* SPDX-License-Identifier: MIT */
/*
 * The ISP codec against the literal frames and replies of doc/protocol.md §11 (captures from
 * real boards and the computed frames), plus garbage, truncated and oversized input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/bootheader.h"
#include "lib/codec.h"
#include "lib/isp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- encoder: §11.2 computed frames ---------------------------------------------------------- */

static void check_frame(uint8_t id, const uint8_t *payload, size_t n, bool cks, const uint8_t *want,
			size_t want_len)
{
	uint8_t out[64];
	size_t len = isp_encode(out, sizeof(out), id, payload, n, cks);

	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void encode_rom_frames(void **state)
{
	static const uint8_t bootinfo[] = {0x10, 0x00, 0x00, 0x00};
	static const uint8_t check[] = {0x19, 0x00, 0x00, 0x00};
	static const uint8_t run[] = {0x1A, 0x00, 0x00, 0x00};
	/* load_seg_header of the 37 920-byte loader, checksum 0 for the ROM */
	static const uint8_t seghdr[] = {0x17, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,
					 0x22, 0x60, 0x93, 0x00, 0x00, 0xE5, 0xCD,
					 0x88, 0x66, 0x59, 0xA9, 0x86, 0x19};
	uint8_t hdr[BH_LEN] = {0x42, 0x46, 0x4E, 0x50};
	uint8_t *big = malloc(ISP_REQ_HDR_LEN + ISP_SEG_CHUNK);
	uint8_t data[ISP_SEG_CHUNK];
	(void)state;

	check_frame(ISP_GET_BOOT_INFO, NULL, 0, false, bootinfo, 4);
	check_frame(ISP_CHECK_IMAGE, NULL, 0, false, check, 4);
	check_frame(ISP_RUN_IMAGE, NULL, 0, false, run, 4);
	check_frame(ISP_LOAD_SEG_HEADER, seghdr + 4, 16, false, seghdr, sizeof(seghdr));

	assert_non_null(big);
	assert_int_equal(isp_encode(big, ISP_REQ_HDR_LEN + sizeof(hdr), ISP_LOAD_BOOT_HEADER, hdr,
				    sizeof(hdr), false),
			 4 + 176);
	assert_memory_equal(big, ((const uint8_t[]){0x11, 0x00, 0xB0, 0x00}), 4);
	memset(data, 0xA5, sizeof(data));
	assert_int_equal(isp_encode(big, ISP_REQ_HDR_LEN + ISP_SEG_CHUNK, ISP_LOAD_SEG_DATA, data,
				    sizeof(data), false),
			 4 + 4080);
	assert_memory_equal(big, ((const uint8_t[]){0x18, 0x00, 0xF0, 0x0F}), 4);
	assert_memory_equal(big + 4, data, sizeof(data));
	free(big);
}

static void encode_loader_frames(void **state)
{
	static const struct {
		uint8_t id;
		uint8_t frame[12];
		size_t len;
	} v[] = {
	    {0x36, {0x36, 0x00, 0x00, 0x00}, 4},
	    {0x32, {0x32, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00}, 12},
	    {0x32, {0x32, 0x28, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00}, 12},
	    {0x32, {0x32, 0x27, 0x08, 0x00, 0x00, 0xF8, 0x1F, 0x00, 0x00, 0x08, 0x00, 0x00}, 12},
	    {0x3D, {0x3D, 0x28, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00}, 12},
	    {0x30, {0x30, 0x25, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x1F, 0x00}, 12},
	    {0x30, {0x30, 0x18, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0xFF, 0x0F, 0x01, 0x00}, 12},
	    {0x31, {0x31, 0x50, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF}, 12},
	    {0x3A, {0x3A, 0x00, 0x00, 0x00}, 4},
	    {0x3C, {0x3C, 0x00, 0x00, 0x00}, 4},
	    {0x21, {0x21, 0x00, 0x00, 0x00}, 4},
	    {0x42, {0x42, 0x00, 0x00, 0x00}, 4},
	    {0x3B, {0x3B, 0x05, 0x04, 0x00, 0xFF, 0x01, 0x01, 0x00}, 8},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		check_frame(v[i].id, v[i].frame + 4, v[i].len - 4, true, v[i].frame, v[i].len);
		/* the ROM form differs only in the checksum byte */
		uint8_t out[16];

		assert_int_equal(
		    isp_encode(out, sizeof(out), v[i].id, v[i].frame + 4, v[i].len - 4, false),
		    v[i].len);
		assert_int_equal(out[1], 0);
		assert_memory_equal(out + 2, v[i].frame + 2, v[i].len - 2);
	}
}

static void encode_limits(void **state)
{
	uint8_t out[8], p[4] = {1, 2, 3, 4};
	(void)state;
	assert_int_equal(isp_encode(out, 7, 0x31, p, 4, true), 0); /* cap short */
	assert_int_equal(isp_encode(out, 3, 0x10, NULL, 0, true), 0);
	assert_int_equal(isp_encode(out, sizeof(out), 0x31, NULL, 4, true), 0);
	assert_int_equal(isp_encode(out, SIZE_MAX, 0x31, p, 0x10000, true), 0); /* u16 length */
	/* checksum covers both length bytes: 0x0100 bytes of 0x01 -> 0x01 + 0x00 + 0x100 */
	uint8_t *big = calloc(1, 0x104);

	assert_non_null(big);
	memset(big + 4, 1, 0x100);
	assert_int_equal(isp_checksum(big + 4, 0x100), 0x01);
	free(big);
}

/* ---- decoder ------------------------------------------------------------------------------ */

struct ev_rec {
	enum isp_ev ev;
	uint16_t code;
	size_t len;
	uint8_t data[64];
};

/* Feed in pieces of `step` bytes (0 = all at once); collect up to max events. */
static size_t decode_all(const uint8_t *in, size_t n, bool expect_data, size_t step,
			 struct ev_rec *out, size_t max, size_t *skipped)
{
	uint8_t buf[64];
	struct isp_decoder d;
	size_t off = 0, nev = 0;

	isp_dec_init(&d, expect_data, buf, sizeof(buf));
	while (off < n && nev < max) {
		size_t piece = step ? step : n - off;
		enum isp_ev ev;

		if (piece > n - off)
			piece = n - off;
		size_t used = isp_dec_feed(&d, in + off, piece, &ev);

		assert_true(used <= piece);
		assert_true(used > 0);
		off += used;
		if (ev == ISP_EV_NONE)
			continue;
		out[nev].ev = ev;
		out[nev].code = d.code;
		out[nev].len = ev == ISP_EV_DATA ? d.len : 0;
		if (ev == ISP_EV_DATA)
			memcpy(out[nev].data, buf, d.len);
		nev++;
	}
	if (skipped)
		*skipped = d.skipped;
	return nev;
}

static void decode_boot_info_captures(void **state)
{
	/* §11.1: the two ROM get_boot_info captures (PineCone, blflash #17) */
	static const uint8_t cap1[] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
				       0x61, 0x9D, 0xC0, 0x05, 0xB9, 0x18, 0x1D, 0x00};
	static const uint8_t cap2[] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
				       0x85, 0xA9, 0xA8, 0x4C, 0xB9, 0x7C, 0x19, 0x00};
	const uint8_t *caps[] = {cap1, cap2};
	struct ev_rec ev[2];
	(void)state;

	for (size_t c = 0; c < 2; c++) {
		for (size_t step = 0; step <= 3; step++) {
			assert_int_equal(decode_all(caps[c], 24, true, step, ev, 2, NULL), 1);
			assert_int_equal(ev[0].ev, ISP_EV_DATA);
			assert_int_equal(ev[0].len, ISP_BOOT_INFO_LEN);
			assert_memory_equal(ev[0].data, caps[c] + 4, 20);
			assert_int_equal(get_le32(ev[0].data), 1);     /* ROM version */
			assert_int_equal(ev[0].data[4], 0);	       /* sign */
			assert_int_equal(ev[0].data[5], 0);	       /* encrypt */
			assert_int_equal(get_le32(ev[0].data + 8), 3); /* sw_cfg0 */
		}
	}
	/* MAC of capture 1: chip_id bytes 0..5 reversed = 18:B9:05:C0:9D:61 */
	assert_int_equal(decode_all(cap1, 24, true, 0, ev, 1, NULL), 1);
	static const uint8_t mac[6] = {0x18, 0xB9, 0x05, 0xC0, 0x9D, 0x61};
	for (int i = 0; i < 6; i++)
		assert_int_equal(ev[0].data[12 + 5 - i], mac[i]);
}

static void decode_leftover_fl(void **state)
{
	/* §11.1, handshake with leftovers: "OK" + FL 0x0102 from leftover sync bytes */
	static const uint8_t in[] = {0x4F, 0x4B, 0x46, 0x4C, 0x02, 0x01};
	struct ev_rec ev[3];
	(void)state;

	/* waiting for a data reply: the OK is stray, the FL is the event */
	for (size_t step = 0; step <= 2; step++) {
		assert_int_equal(decode_all(in, sizeof(in), true, step, ev, 3, NULL), 1);
		assert_int_equal(ev[0].ev, ISP_EV_FL);
		assert_int_equal(ev[0].code, ISP_FL_CMD_LEN_ERROR);
	}
	/* waiting for an ack: OK, then the FL is left for the caller to judge */
	assert_int_equal(decode_all(in, sizeof(in), false, 0, ev, 3, NULL), 2);
	assert_int_equal(ev[0].ev, ISP_EV_OK);
	assert_int_equal(ev[1].ev, ISP_EV_FL);
	assert_int_equal(ev[1].code, 0x0102);
	assert_string_equal(blr_device_error_name(ev[1].code), "CMD_LEN_ERROR");
}

static void decode_stray_ok_before_data(void **state)
{
	/* stray OK, then the real seg-header echo of §11.2 */
	static const uint8_t in[] = {0x4F, 0x4B, 0x4F, 0x4B, 0x10, 0x00, 0x00, 0x00,
				     0x01, 0x22, 0x60, 0x93, 0x00, 0x00, 0xE5, 0xCD,
				     0x88, 0x66, 0x59, 0xA9, 0x86, 0x19};
	/* late FL 06 00 of an earlier write in front of a JEDEC reply */
	static const uint8_t late[] = {0x46, 0x4C, 0x06, 0x00, 0x4F, 0x4B,
				       0x04, 0x00, 0xEF, 0x40, 0x15, 0x80};
	/* stray OK then PD then the final OK+data */
	struct ev_rec ev[3];
	(void)state;

	assert_int_equal(decode_all(in, sizeof(in), true, 0, ev, 3, NULL), 1);
	assert_int_equal(ev[0].ev, ISP_EV_DATA);
	assert_int_equal(ev[0].len, 16);
	assert_memory_equal(ev[0].data, in + 6, 16);

	assert_int_equal(decode_all(late, sizeof(late), true, 1, ev, 3, NULL), 2);
	assert_int_equal(ev[0].ev, ISP_EV_FL);
	assert_int_equal(ev[0].code, ISP_FL_FLASH_WRITE_ERROR);
	assert_int_equal(ev[1].ev, ISP_EV_DATA);
	assert_int_equal(ev[1].len, 4);
	assert_memory_equal(ev[1].data, ((const uint8_t[]){0xEF, 0x40, 0x15, 0x80}), 4);
}

static void decode_replies_8_2(void **state)
{
	static const uint8_t crc_err[] = {0x46, 0x4C, 0x03, 0x01};
	static const uint8_t erase[] = {0x50, 0x44, 0x50, 0x44, 0x50, 0x44, 0x4F, 0x4B};
	static const uint8_t mac[] = {0x4F, 0x4B, 0x0A, 0x00, 0x61, 0x9D, 0xC0,
				      0x05, 0xB9, 0x18, 0xB7, 0x3F, 0x11, 0x0D};
	static const uint8_t ok[] = {0x4F, 0x4B};
	struct ev_rec ev[5];
	(void)state;

	assert_int_equal(decode_all(crc_err, 4, false, 0, ev, 5, NULL), 1);
	assert_int_equal(ev[0].ev, ISP_EV_FL);
	assert_int_equal(ev[0].code, 0x0103);
	assert_string_equal(blr_device_error_name(0x0103), "CMD_CRC_ERROR");

	assert_int_equal(decode_all(erase, sizeof(erase), false, 1, ev, 5, NULL), 4);
	assert_int_equal(ev[0].ev, ISP_EV_PD);
	assert_int_equal(ev[2].ev, ISP_EV_PD);
	assert_int_equal(ev[3].ev, ISP_EV_OK);

	assert_int_equal(decode_all(mac, sizeof(mac), true, 0, ev, 5, NULL), 1);
	assert_int_equal(ev[0].ev, ISP_EV_DATA);
	assert_int_equal(ev[0].len, ISP_MAC_REPLY_LEN);
	assert_int_equal(hash_crc32(ev[0].data, 6), get_le32(ev[0].data + 6));

	assert_int_equal(decode_all(ok, 2, false, 0, ev, 5, NULL), 1);
	assert_int_equal(ev[0].ev, ISP_EV_OK);
	/* a zero-length data reply is legal */
	assert_int_equal(
	    decode_all((const uint8_t[]){0x4F, 0x4B, 0x00, 0x00}, 4, true, 0, ev, 5, NULL), 1);
	assert_int_equal(ev[0].ev, ISP_EV_DATA);
	assert_int_equal(ev[0].len, 0);
}

static void decode_garbage(void **state)
{
	/* noise, a lone 'O', "OOK", a 'P' without 'D', 0x55 leftovers, then OK */
	static const uint8_t in[] = {0x00, 0xFF, 0x4F, 0x00, 0x4B, 0x55, 0x55,
				     0x50, 0x4B, 0x46, 0x46, 0x4F, 0x4F, 0x4B};
	struct ev_rec ev[2];
	size_t skipped = 0;
	(void)state;

	for (size_t step = 0; step <= 3; step++) {
		assert_int_equal(decode_all(in, sizeof(in), false, step, ev, 2, &skipped), 1);
		assert_int_equal(ev[0].ev, ISP_EV_OK);
		assert_int_equal(skipped, sizeof(in) - 2);
	}
	/* only garbage: no event at all */
	static const uint8_t junk[] = {0x55, 0x55, 0x55, 0x55, 0x4B, 0x4F, 0x00, 0x44};
	assert_int_equal(decode_all(junk, sizeof(junk), true, 0, ev, 2, NULL), 0);
}

static void decode_truncated_and_oversize(void **state)
{
	static const uint8_t trunc[] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00};
	static const uint8_t over[] = {0x4F, 0x4B, 0x00, 0x08, 0x00};
	uint8_t buf[16];
	struct isp_decoder d;
	enum isp_ev ev;
	(void)state;

	isp_dec_init(&d, true, buf, sizeof(buf) + 8);
	assert_int_equal(isp_dec_feed(&d, trunc, sizeof(trunc), &ev), sizeof(trunc));
	assert_int_equal(ev, ISP_EV_NONE);
	assert_int_equal(isp_dec_want(&d), 18);

	isp_dec_init(&d, true, buf, sizeof(buf));
	assert_int_equal(isp_dec_feed(&d, over, sizeof(over), &ev), 4);
	assert_int_equal(ev, ISP_EV_OVERSIZE);
	assert_int_equal(d.len, 0x800);
	/* a truncated FL code */
	isp_dec_init(&d, false, NULL, 0);
	assert_int_equal(isp_dec_feed(&d, (const uint8_t[]){0x46, 0x4C, 0x06}, 3, &ev), 3);
	assert_int_equal(ev, ISP_EV_NONE);
	assert_int_equal(isp_dec_want(&d), 1);
	/* no buffer: any data length > 0 is oversize */
	isp_dec_init(&d, true, NULL, 100);
	assert_int_equal(isp_dec_feed(&d, (const uint8_t[]){0x4F, 0x4B, 0x01, 0x00}, 4, &ev), 4);
	assert_int_equal(ev, ISP_EV_OVERSIZE);
}

static void decode_want_never_overshoots(void **state)
{
	/* three replies back to back; reading exactly want() bytes lands on each boundary */
	static const uint8_t in[] = {0x01, 0x4F, 0x4B, 0x04, 0x00, 0xC8, 0x40, 0x15, 0x80,
				     0x46, 0x4C, 0x04, 0x00, 0x4F, 0x4B, 0x01, 0x00, 0x7E};
	static const size_t ends[] = {9, 13, 18};
	uint8_t buf[8];
	struct isp_decoder d;
	size_t off = 0, k = 0;
	(void)state;

	isp_dec_init(&d, true, buf, sizeof(buf));
	while (off < sizeof(in)) {
		size_t want = isp_dec_want(&d);
		enum isp_ev ev;

		assert_true(want >= 1);
		if (want > sizeof(in) - off)
			want = sizeof(in) - off;
		assert_int_equal(isp_dec_feed(&d, in + off, want, &ev), want);
		off += want;
		if (ev != ISP_EV_NONE) {
			assert_true(k < 3);
			assert_int_equal(off, ends[k]);
			k++;
		}
	}
	assert_int_equal(k, 3);
}

/* ---- command table, error names -------------------------------------------------------------- */

/* REC-10: the byte that completes an unfinished frame */
static void seal_byte_choice(void **state)
{
	static const uint8_t ids[] = {0x10, 0x11, 0x12, 0x14, 0x16, 0x17, 0x18, 0x19, 0x1A,
				      0x20, 0x21, 0x30, 0x31, 0x32, 0x33, 0x34, 0x36, 0x37,
				      0x38, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41,
				      0x42, 0x50, 0x51, 0x60, 0x61, 0x71};
	uint8_t *p = malloc(0x2400);
	(void)state;

	assert_non_null(p);
	/* no payload: the length bytes are 00 00, so 0x00 is taken and 0x01 is the rarest */
	assert_int_equal(isp_seal_byte(NULL, 0), 0x01);
	/* every value but 0x07 occurs: 0x07 */
	for (size_t i = 0; i < 0x2400; i++)
		p[i] = (uint8_t)i == 0x07 ? 0x08 : (uint8_t)i;
	assert_int_equal(isp_seal_byte(p, 0x2400), 0x07);
	/* never a command id or 0x55, even when they are absent from the frame */
	memset(p, 0x07, 0x2400);
	for (size_t i = 0; i < 256; i++)
		p[i] = (uint8_t)i;
	for (size_t k = 0; k < sizeof(ids); k++)
		p[ids[k]] = 0x07;
	p[0x55] = 0x07;
	{
		uint8_t b = isp_seal_byte(p, 0x2400);

		assert_int_not_equal(b, 0x55);
		assert_null(memchr(ids, b, sizeof(ids)));
		assert_int_not_equal(b, 0x07);
	}
	free(p);
}

static void command_table(void **state)
{
	static const uint8_t data_cmds[] = {0x10, 0x17, 0x32, 0x36, 0x3D, 0x42};
	static const uint8_t ack_cmds[] = {0x11, 0x18, 0x19, 0x1A, 0x21,
					   0x30, 0x31, 0x3A, 0x3B, 0x3C};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(data_cmds); i++)
		assert_int_equal(isp_cmd_spec(data_cmds[i])->reply, ISP_REPLY_DATA);
	for (size_t i = 0; i < ARRAY_SIZE(ack_cmds); i++) {
		assert_int_equal(isp_cmd_spec(ack_cmds[i])->reply, ISP_REPLY_ACK);
		assert_int_equal(isp_cmd_spec(ack_cmds[i])->id, ack_cmds[i]);
	}
	assert_string_equal(isp_cmd_spec(0x99)->name, "unknown");
	/* SHA and erase scale with the length; chip erase allows a minute */
	assert_true(isp_timeout_ms(0x3D, 4u << 20, 32, 2000000) >
		    isp_timeout_ms(0x3D, 1u << 20, 32, 2000000));
	assert_true(isp_timeout_ms(0x30, 2u << 20, 0, 0) >= 30000);
	assert_true(isp_timeout_ms(0x30, 4096, 0, 0) >= 3000);
	assert_true(isp_timeout_ms(0x30, 4096, 0, 0) < isp_timeout_ms(0x30, 0x10001, 0, 0));
	assert_true(isp_timeout_ms(0x3C, 0, 0, 0) >= 60000);
	/* SPEC-3: at least 10 s for SHA-256 of 2-4 MiB; a 16 MiB chip erase takes up to 200 s */
	assert_true(isp_timeout_ms(0x3D, 2u << 20, 32, 2000000) >= 10000);
	assert_true(isp_timeout_ms(0x3D, 4u << 20, 32, 2000000) >= 10000);
	assert_true(isp_timeout_ms(0x3C, 16u << 20, 0, 0) >= 200000);
	/* a 16 KiB read reply at 115200 baud needs more than its 1.4 s of line time */
	assert_true(isp_timeout_ms(0x32, 0, 16384, 115200) > 16384 * 10 * 1000 / 115200);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(blr_device_error_name(0x0006), "FLASH_WRITE_ERROR");
	assert_string_equal(blr_device_error_name(0x0204), "IMG_BOOTHEADER_CRC_ERROR");
	assert_string_equal(blr_device_error_name(0x0407), "EFUSE_READ_MAC_ERROR");
	assert_string_equal(blr_device_error_name(0xFFFF), "FAIL");
	assert_string_equal(blr_device_error_name(0x1234), "UNKNOWN");
	for (int e = BLR_E_NO_FLASH; e <= 0; e++) {
		assert_non_null(blr_strerror(e));
		assert_string_not_equal(blr_strerror(e), "unknown error");
	}
	assert_string_equal(blr_strerror(-999), "unknown error");
}

static void reset_step_strings(void **state)
{
	static const char *good[] = {
	    "", "dtr", "-dtr,rts,w50,-rts", "rts,dtr,w50,-dtr,w50,-rts,w50", "w0", "w10000"};
	static const char *bad[] = {"dtr,",   ",dtr", "dtrx", "w",	  "w10001",  "wx",
				    "rts;w5", "DTR",  "w-1",  "dtr,,rts", "w1234567"};
	(void)state;
	assert_int_equal(blr_reset_steps_check(NULL), BLR_OK);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(blr_reset_steps_check(good[i]), BLR_OK);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(blr_reset_steps_check(bad[i]), BLR_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encode_rom_frames),
	    cmocka_unit_test(encode_loader_frames),
	    cmocka_unit_test(encode_limits),
	    cmocka_unit_test(decode_boot_info_captures),
	    cmocka_unit_test(decode_leftover_fl),
	    cmocka_unit_test(decode_stray_ok_before_data),
	    cmocka_unit_test(decode_replies_8_2),
	    cmocka_unit_test(decode_garbage),
	    cmocka_unit_test(decode_truncated_and_oversize),
	    cmocka_unit_test(decode_want_never_overshoots),
	    cmocka_unit_test(seal_byte_choice),
	    cmocka_unit_test(command_table),
	    cmocka_unit_test(error_names),
	    cmocka_unit_test(reset_step_strings),
	};
	return cmocka_run_group_tests_name("isp codec", tests, NULL, NULL);
}
