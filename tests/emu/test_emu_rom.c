/* SPDX-License-Identifier: MIT */
/*
 * The emulated boot ROM against literal bytes of doc/protocol.md §11 and the facts of §6.
 * No library code: frames are written out here by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "harness.h"
#include "synth_loader.h"

static const uint8_t OK[2] = {0x4F, 0x4B};
static const uint8_t GBI[4] = {0x10, 0x00, 0x00, 0x00};

/* HS-7: 6 ms of 0x55 at 500 kbaud -> exactly 4F 4B, nothing after it. */
static void handshake_exact(void **state)
{
	struct h h;
	uint8_t burst[300], buf[64];

	(void)state;
	h_init(&h, NULL, 0xFF);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	/* bytes other than 0x55 do not sync */
	memset(burst, 0x00, sizeof(burst));
	h_send(&h, burst, sizeof(burst));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 100000), 0);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);

	memset(burst, 0x55, sizeof(burst));
	emu_set_baud(h.e, 500000);
	h_send(&h, burst, sizeof(burst));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 1000000), 2);
	assert_memory_equal(buf, OK, 2);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_CMD);
	h_free(&h);
}

/* HS-8 (simplified, EMU-1): with the line paced, 0x55s arriving after ~8 ms form a read that is
 * taken as a header of length 0x5555 -> OK followed by FL 02 01 (§11.1). */
static void handshake_leftover(void **state)
{
	struct emu_config cfg;
	struct h h;
	uint8_t burst[1000], buf[64];
	static const uint8_t want[6] = {0x4F, 0x4B, 0x46, 0x4C, 0x02, 0x01};

	(void)state;
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 0;
	h_init(&h, &cfg, 0xFF);
	emu_set_baud(h.e, 500000);
	memset(burst, 0x55, sizeof(burst)); /* 20 ms at 500 kbaud */
	h_send(&h, burst, sizeof(burst));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 200000), 6);
	assert_memory_equal(buf, want, 6);
	/* the ROM is still in command mode: get_boot_info answered */
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	h_free(&h);
}

/* Timing off: a burst delivered in pieces far apart (a busy pty) is still one handshake;
 * 0x55s sent later, once a command was seen, hit the parser (FL 02 01, HS-8). */
static void handshake_split_burst(void **state)
{
	struct h h;
	uint8_t burst[200], buf[64];
	static const uint8_t fl[4] = {0x46, 0x4C, 0x02, 0x01};

	(void)state;
	h_init(&h, NULL, 0xFF);
	emu_set_baud(h.e, 500000);
	memset(burst, 0x55, sizeof(burst));
	h_send(&h, burst, 100);
	h.now += 20000;
	h_send(&h, burst, 100);
	h.now += 20000;
	h_send(&h, burst, 100);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 2);
	assert_memory_equal(buf, OK, 2);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	h_expect(&h, burst, sizeof(burst), fl, 4);
	h_free(&h);
}

/* §11.1: the PineCone and the blflash #17 get_boot_info, bytes as captured. */
static void boot_info_traces(void **state)
{
	static const uint8_t t1[24] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
				       0x61, 0x9D, 0xC0, 0x05, 0xB9, 0x18, 0x1D, 0x00};
	static const uint8_t t2[24] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
				       0x85, 0xA9, 0xA8, 0x4C, 0xB9, 0x7C, 0x19, 0x00};
	struct emu_config cfg;
	struct h h;

	(void)state;
	emu_config_defaults(&cfg);
	memcpy(cfg.efuse_mac, t1 + 16, 6);
	cfg.sw_cfg0 = 3;
	h_init(&h, &cfg, 0xFF);
	h_sync(&h, 500000);
	h_expect(&h, GBI, 4, t1, 24);
	h_free(&h);

	memcpy(cfg.efuse_mac, t2 + 16, 6);
	h_init(&h, &cfg, 0xFF);
	h_sync(&h, 115200);
	h_expect(&h, GBI, 4, t2, 24);
	h_free(&h);
}

/* §11.1 (default eFuse, MAC 02:42:60:2B:00:01), CKS-2 (checksum ignored), §6.2 (payload
 * ignored). */
static void boot_info_default(void **state)
{
	static const uint8_t r3[24] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x01, 0x00, 0x2B, 0x60, 0x42, 0x02, 0x26, 0x00};
	static const uint8_t cks[4] = {0x10, 0xA5, 0x00, 0x00};
	static const uint8_t pay[8] = {0x10, 0x77, 0x04, 0x00, 1, 2, 3, 4};
	struct h h;

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	h_expect(&h, GBI, 4, r3, 24);
	h_expect(&h, cks, 4, r3, 24);
	h_expect(&h, pay, 8, r3, 24);
	h_free(&h);
}

/* §6.2, §11.1: eFuse word 0 = 0x50003086 -> OTP bytes 01 03 15 01. */
static void boot_info_word0(void **state)
{
	struct emu_config cfg;
	struct h h;
	uint8_t buf[64];

	(void)state;
	emu_config_defaults(&cfg);
	cfg.efuse_word0 = 0x50003086u;
	h_init(&h, &cfg, 0xFF);
	h_sync(&h, 500000);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(buf[9], 0x03);
	assert_int_equal(buf[10], 0x15);
	assert_int_equal(buf[11], 0x01);
	h_free(&h);
}

static uint8_t *hdr_frame(const uint8_t *hdr, size_t n, size_t *len)
{
	uint8_t *f = malloc(4 + n);

	assert_non_null(f);
	*len = h_frame(f, 0x11, 0, hdr, n);
	return f;
}

/* IMG-1: boot header checks. */
static void boot_header_checks(void **state)
{
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_REAL_CRC, 0, &len), *f;
	uint8_t hdr[176];
	uint8_t *dbimg = synth_loader_build(SYNTH_DEADBEEF, 0, &len);

	(void)state;
	assert_non_null(img);
	assert_non_null(dbimg);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);

	/* N != 176 -> FL 01 02 */
	f = hdr_frame(img, 175, &fl);
	h_expect_fl(&h, f, fl, 0x0201);
	free(f);
	/* bad magic -> FL 03 02 */
	memcpy(hdr, img, 176);
	hdr[0] = 'X';
	put_le32(hdr + 172, hash_crc32(hdr, 172));
	f = hdr_frame(hdr, 176, &fl);
	h_expect_fl(&h, f, fl, 0x0203);
	free(f);
	/* bad CRC with crc_ignore clear -> FL 04 02 */
	memcpy(hdr, img, 176);
	hdr[172] ^= 1;
	f = hdr_frame(hdr, 176, &fl);
	h_expect_fl(&h, f, fl, 0x0204);
	free(f);
	/* DEADBEEF without the crc_ignore bit -> FL 04 02 */
	memcpy(hdr, dbimg, 176);
	hdr[118] &= (uint8_t)~1u;
	f = hdr_frame(hdr, 176, &fl);
	h_expect_fl(&h, f, fl, 0x0204);
	free(f);
	/* segment_cnt 0 -> FL 07 02 */
	memcpy(hdr, dbimg, 176);
	put_le32(hdr + 120, 0);
	f = hdr_frame(hdr, 176, &fl);
	h_expect_fl(&h, f, fl, 0x0207);
	free(f);
	/* DEADBEEF + crc_ignore accepted; real CRC accepted */
	f = hdr_frame(dbimg, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	free(f);
	f = hdr_frame(img, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	free(f);
	/* ORD-7: 5 FL replies did not end command mode */
	assert_int_equal(emu_get_state(h.e), EMU_ROM_CMD);
	h_free(&h);
	free(img);
	free(dbimg);
}

/* IMG-2: segment header before boot header, echo, its own checks. */
static void segment_header_checks(void **state)
{
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_DEADBEEF, 0, &len), *f;
	uint8_t f2[64], seg[16], want[20];

	(void)state;
	assert_non_null(img);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	h_expect_fl(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16), 0x0104);
	f = hdr_frame(img, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	free(f);
	h_expect_fl(&h, f2, h_frame(f2, 0x17, 0, img + 176, 15), 0x020F);
	memcpy(seg, img + 176, 16);
	seg[15] ^= 0x80;
	h_expect_fl(&h, f2, h_frame(f2, 0x17, 0, seg, 16), 0x0210);
	put_le32(seg, 0x10000000u);
	put_le32(seg + 12, hash_crc32(seg, 12));
	h_expect_fl(&h, f2, h_frame(f2, 0x17, 0, seg, 16), 0x0211);
	/* the echo is the 16 bytes sent (IMG-2) */
	memcpy(want, OK, 2);
	want[2] = 0x10;
	want[3] = 0x00;
	memcpy(want + 4, img + 176, 16);
	h_expect(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16), want, 20);
	h_free(&h);
	free(img);
}

/* §11.2: the seg header frame and echo of the openbouffalo 37 920-byte loader, literally
 * (the emulator only needs the header to be consistent). */
static void segment_header_literal(void **state)
{
	static const uint8_t req[20] = {0x17, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x22, 0x60, 0x93,
					0x00, 0x00, 0xE5, 0xCD, 0x88, 0x66, 0x59, 0xA9, 0x86, 0x19};
	static const uint8_t rep[20] = {0x4F, 0x4B, 0x10, 0x00, 0x00, 0x00, 0x01, 0x22, 0x60, 0x93,
					0x00, 0x00, 0xE5, 0xCD, 0x88, 0x66, 0x59, 0xA9, 0x86, 0x19};
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_DEADBEEF, 0, &len), *f;

	(void)state;
	assert_non_null(img);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	f = hdr_frame(img, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	free(f);
	EXPECT(&h, req, rep);
	h_free(&h);
	free(img);
}

/* IMG-3, IMG-4: data beyond the segment -> FL 14 02; check before all data -> FL 16 02, then a seg
 * header -> FL 04 01 (the failed check dropped the header); hash mismatch -> FL 17 02. */
static void segment_data_and_check(void **state)
{
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_REAL_CRC, 100, &len), *f;
	uint8_t f2[256], data[101];
	static const uint8_t check[4] = {0x19, 0x00, 0x00, 0x00};
	static const uint8_t run[4] = {0x1A, 0x00, 0x00, 0x00};

	(void)state;
	assert_non_null(img);
	assert_int_equal(len, 176 + 16 + 100);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	f = hdr_frame(img, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	/* data before a segment header: sequence error */
	h_expect_fl(&h, f2, h_frame(f2, 0x18, 0, img + 192, 10), 0x0104);
	h_send(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16));
	assert_int_equal(h_recv(&h, f2, sizeof(f2), 50000), 20);
	memcpy(data, img + 192, 100);
	data[100] = 0;
	h_expect_fl(&h, f2, h_frame(f2, 0x18, 0, data, 101), 0x0214);
	h_expect(&h, f2, h_frame(f2, 0x18, 0, data, 60), OK, 2);
	h_expect_fl(&h, check, 4, 0x0216);
	h_expect_fl(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16), 0x0104);
	h_expect_fl(&h, run, 4, 0x0104);

	/* again, with a corrupted body: the real SHA-256 no longer matches */
	h_expect(&h, f, fl, OK, 2);
	h_send(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16));
	assert_int_equal(h_recv(&h, f2, sizeof(f2), 50000), 20);
	data[5] ^= 0xFF;
	h_expect(&h, f2, h_frame(f2, 0x18, 0, data, 100), OK, 2);
	h_expect_fl(&h, check, 4, 0x0217);

	/* and intact: check and run OK */
	h_expect(&h, f, fl, OK, 2);
	h_send(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16));
	assert_int_equal(h_recv(&h, f2, sizeof(f2), 50000), 20);
	h_expect(&h, f2, h_frame(f2, 0x18, 0, img + 192, 40), OK, 2);
	h_expect(&h, f2, h_frame(f2, 0x18, 0, img + 232, 60), OK, 2);
	h_expect(&h, check, 4, OK, 2);
	h_expect(&h, run, 4, OK, 2);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	free(f);
	h_free(&h);
	free(img);
}

/* ORD-7, IMG-6: several images after one handshake. */
static void several_images(void **state)
{
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_REAL_CRC, 300, &len), *f;
	uint8_t f2[400];
	static const uint8_t check[4] = {0x19, 0x00, 0x00, 0x00};

	(void)state;
	assert_non_null(img);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	f = hdr_frame(img, 176, &fl);
	for (int i = 0; i < 3; i++) {
		h_expect(&h, f, fl, OK, 2);
		h_send(&h, f2, h_frame(f2, 0x17, 0, img + 176, 16));
		assert_int_equal(h_recv(&h, f2, sizeof(f2), 50000), 20);
		h_expect(&h, f2, h_frame(f2, 0x18, 0, img + 192, 300), OK, 2);
		h_expect(&h, check, 4, OK, 2);
	}
	free(f);
	h_free(&h);
	free(img);
}

/* LIM-1: payload limit 4092; 4093 -> FL 02 01; the ROM keeps answering (ORD-7). */
static void payload_limit(void **state)
{
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_DEADBEEF, 8192, &len), *f;
	uint8_t *big = malloc(4 + 4093);
	uint8_t buf[64];

	(void)state;
	assert_non_null(img);
	assert_non_null(big);
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	f = hdr_frame(img, 176, &fl);
	h_expect(&h, f, fl, OK, 2);
	h_send(&h, big, h_frame(big, 0x17, 0, img + 176, 16));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 20);
	h_expect(&h, big, h_frame(big, 0x18, 0, img + 192, 4092), OK, 2);
	h_expect_fl(&h, big, h_frame(big, 0x18, 0, img + 192 + 4092, 4093), 0x0102);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	assert_memory_equal(buf, OK, 2);
	free(f);
	free(big);
	h_free(&h);
	free(img);
}

/* ROM-1, ORD-6: 0x32 is disabled (no reply), unknown ids get no reply, the ROM still answers. */
static void flash_read_refused(void **state)
{
	static const uint8_t rd[12] = {0x32, 0x10, 0x08, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x08, 0x00, 0x00};
	static const uint8_t unk[4] = {0x22, 0x00, 0x00, 0x00};
	static const uint8_t lone[1] = {0x99};
	struct h h;
	uint8_t buf[64];

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	h_expect_nothing(&h, rd, sizeof(rd));
	h_expect_nothing(&h, unk, sizeof(unk));
	h_expect_nothing(&h, lone, sizeof(lone));
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	h_free(&h);
}

/* ROM-TO-1: 1.5 s idle still answered, 2.5 s idle not (wait sync); the timeout is per gap
 * between bytes: one byte per second is answered, a 2.5 s gap inside a frame is not. */
static void rom_timeout(void **state)
{
	struct h h;
	uint8_t buf[64];

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	h.now += 1500000;
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	for (int i = 0; i < 4; i++) {
		h.now += 1000000;
		h_send(&h, GBI + i, 1);
	}
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	h_send(&h, GBI, 2);
	h.now += 2500000;
	h_send(&h, GBI + 2, 2);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 0);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_sync(&h, 500000);
	h.now += 2500000;
	h_expect_nothing(&h, GBI, 4);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_free(&h);
}

/* ROM-3 change_rate: OK, then the ROM talks at the new rate only. */
static void rom_change_rate(void **state)
{
	static const uint8_t cr[12] = {0x20, 0x00, 0x08, 0x00, 0x20, 0xA1,
				       0x07, 0x00, 0x80, 0x84, 0x1E, 0x00};
	struct h h;
	uint8_t buf[64];

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	EXPECT(&h, cr, OK);
	h_expect_nothing(&h, GBI, 4); /* host still at 500 k */
	emu_set_baud(h.e, 2000000);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	h_free(&h);
}

/* ROM-4: reset -> OK then handshake state. */
static void rom_reset(void **state)
{
	static const uint8_t rst[4] = {0x21, 0x00, 0x00, 0x00};
	struct h h;

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	EXPECT(&h, rst, OK);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_expect_nothing(&h, GBI, 4);
	h_free(&h);
}

/* ROM-5: efuse_read. */
static void rom_efuse_read(void **state)
{
	static const uint8_t rd[12] = {0x41, 0x00, 0x08, 0x00, 0x14, 0x00,
				       0x00, 0x00, 0x06, 0x00, 0x00, 0x00};
	static const uint8_t want[10] = {0x4F, 0x4B, 0x06, 0x00, 0x01,
					 0x00, 0x2B, 0x60, 0x42, 0x02};
	static const uint8_t clip[12] = {0x41, 0x00, 0x08, 0x00, 0x7E, 0x00,
					 0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
	static const uint8_t bad[12] = {0x41, 0x00, 0x08, 0x00, 0x80, 0x00,
					0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	struct h h;
	uint8_t buf[64];

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_sync(&h, 500000);
	EXPECT(&h, rd, want);
	h_send(&h, clip, 12);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 6);
	assert_int_equal(get_le16(buf + 2), 2);
	h_expect_fl(&h, bad, 12, 0x0405);
	h_expect_fl(&h, (const uint8_t *)"\x41\x00\x04\x00\x14\x00\x00\x00", 8, 0x0404);
	h_free(&h);
}

/* IMG-1, BOOTINFO-2: a secured chip refuses the plain loader's header with FL 05 02. */
static void secured_chip(void **state)
{
	struct emu_config cfg;
	struct h h;
	size_t len, fl;
	uint8_t *img = synth_loader_build(SYNTH_DEADBEEF, 0, &len), *f;
	uint8_t buf[64];

	(void)state;
	assert_non_null(img);
	emu_config_defaults(&cfg);
	cfg.secured = true;
	h_init(&h, &cfg, 0xFF);
	h_sync(&h, 500000);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(buf[9], 0x03);
	f = hdr_frame(img, 176, &fl);
	h_expect_fl(&h, f, fl, 0x0205);
	free(f);
	h_free(&h);
	free(img);
}

/* Both synthetic loader styles load and start the loader (UPL-3). */
static void upload_both_styles(void **state)
{
	struct h h;

	(void)state;
	h_init(&h, NULL, 0xFF);
	h_to_loader(&h, SYNTH_DEADBEEF);
	h_free(&h);
	h_init(&h, NULL, 0xFF);
	h_to_loader(&h, SYNTH_REAL_CRC);
	h_free(&h);
}

/* The synthetic images themselves: CRCs and hash as doc/flash-layout.md §2.1 and
 * §6.3 define them. */
static void synth_image_fields(void **state)
{
	size_t len;
	uint8_t *a = synth_loader_build(SYNTH_REAL_CRC, 1000, &len);
	uint8_t d[32];

	(void)state;
	assert_non_null(a);
	assert_int_equal(len, 1192);
	assert_memory_equal(a, "BFNP", 4);
	assert_int_equal(get_le32(a + 96), hash_crc32(a + 12, 84));
	assert_int_equal(get_le32(a + 112), hash_crc32(a + 104, 8));
	assert_int_equal(get_le32(a + 172), hash_crc32(a, 172));
	assert_int_equal(get_le32(a + 120), 1);
	assert_int_equal(get_le32(a + 176), 0x22010000u);
	assert_int_equal(get_le32(a + 180), 1000);
	assert_int_equal(get_le32(a + 184), hash_crc32(a + 192, 1000));
	assert_int_equal(get_le32(a + 188), hash_crc32(a + 176, 12));
	assert_int_equal(hash_sha256(a + 176, 1016, d), 0);
	assert_memory_equal(d, a + 132, 32);
	free(a);
	a = synth_loader_build(SYNTH_DEADBEEF, 0, &len);
	assert_non_null(a);
	assert_int_equal(len, 176 + 16 + 8192);
	assert_int_equal(get_le32(a + 116), 0x00030300u);
	assert_int_equal(get_le32(a + 172), 0xDEADBEEFu);
	assert_int_equal(get_le32(a + 132), 0xDEADBEEFu);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(handshake_exact),	      cmocka_unit_test(handshake_leftover),
	    cmocka_unit_test(handshake_split_burst),  cmocka_unit_test(boot_info_traces),
	    cmocka_unit_test(boot_info_default),      cmocka_unit_test(boot_info_word0),
	    cmocka_unit_test(boot_header_checks),     cmocka_unit_test(segment_header_checks),
	    cmocka_unit_test(segment_header_literal), cmocka_unit_test(segment_data_and_check),
	    cmocka_unit_test(several_images),	      cmocka_unit_test(payload_limit),
	    cmocka_unit_test(flash_read_refused),     cmocka_unit_test(rom_timeout),
	    cmocka_unit_test(rom_change_rate),	      cmocka_unit_test(rom_reset),
	    cmocka_unit_test(rom_efuse_read),	      cmocka_unit_test(secured_chip),
	    cmocka_unit_test(upload_both_styles),     cmocka_unit_test(synth_image_fields),
	};
	return cmocka_run_group_tests_name("emu-rom", tests, NULL, NULL);
}
