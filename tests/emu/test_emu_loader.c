/* SPDX-License-Identifier: MIT */
/*
 * The emulated eflash_loader against literal bytes of doc/protocol.md §11 and the facts of
 * §7. No library code: frames are written out here by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzma.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "harness.h"
#include "synth_loader.h"

static const uint8_t OK[2] = {0x4F, 0x4B};
static const uint8_t PD[2] = {0x50, 0x44};
static const uint8_t JEDEC[4] = {0x36, 0x00, 0x00, 0x00};
static const uint8_t CHECK[4] = {0x3A, 0x00, 0x00, 0x00};

static void jedec_ok(struct h *h)
{
	static const uint8_t want[8] = {0x4F, 0x4B, 0x04, 0x00, 0xC8, 0x40, 0x15, 0x80};

	EXPECT(h, JEDEC, want);
}

/* A loader-side frame with the checksum computed (§3.2). */
static size_t frame8(uint8_t *f, uint8_t id, uint32_t a, uint32_t b)
{
	uint8_t p[8];

	put_le32(p, a);
	put_le32(p + 4, b);
	return h_frame(f, id, -1, p, 8);
}

static void start(struct h *h, const struct emu_config *cfg, int fill)
{
	h_init(h, cfg, fill);
	if (h->cfg.timing.enabled)
		h->wait_us = 400000;
	h_to_loader(h, SYNTH_DEADBEEF);
}

/* BOOTINFO-3: get_boot_info from the loader. */
static void ldr_boot_info(void **state)
{
	static const uint8_t gbi[4] = {0x10, 0x00, 0x00, 0x00};
	static const uint8_t want[24] = {0x4F, 0x4B, 0x14, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
					 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					 0x01, 0x00, 0x2B, 0x60, 0x42, 0x02, 0x26, 0x00};
	struct h h;

	(void)state;
	start(&h, NULL, 0xFF);
	EXPECT(&h, gbi, want);
	h_free(&h);
}

/* CKS-3, FAIL-2: checksum 0 unchecked, correct accepted, wrong -> FL 03 01 (not a failure);
 * on 0x40 a checksum error forces handshake mode. */
static void ldr_checksum(void **state)
{
	static const uint8_t bad[12] = {0x32, 0x11, 0x08, 0x00, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x08, 0x00, 0x00};
	static const uint8_t good[12] = {0x32, 0x10, 0x08, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x08, 0x00, 0x00};
	static const uint8_t zero[12] = {0x32, 0x00, 0x08, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x08, 0x00, 0x00};
	static const uint8_t ef[9] = {0x40, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
	struct h h;
	uint8_t *buf = malloc(4096);

	(void)state;
	assert_non_null(buf);
	start(&h, NULL, -1);
	for (int i = 0; i < 4; i++)
		h_expect_fl(&h, bad, sizeof(bad), 0x0103);
	h_send(&h, good, sizeof(good));
	assert_int_equal(h_recv(&h, buf, 4096, 50000), 4 + 2048);
	assert_memory_equal(buf, "\x4F\x4B\x00\x08", 4);
	assert_memory_equal(buf + 4, h.flash, 2048);
	h_send(&h, zero, sizeof(zero));
	assert_int_equal(h_recv(&h, buf, 4096, 50000), 4 + 2048);
	h_expect_fl(&h, ef, sizeof(ef), 0x0103);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	h_expect_nothing(&h, JEDEC, 4);
	free(buf);
	h_free(&h);
}

/* ORD-5: unknown ids: no reply, not failures. */
static void ldr_unknown(void **state)
{
	static const uint8_t ids[] = {0x22, 0x20, 0x35, 0x00, 0x11, 0x19};
	struct h h;
	uint8_t f[8];

	(void)state;
	start(&h, NULL, 0xFF);
	for (size_t i = 0; i < sizeof(ids); i++)
		h_expect_nothing(&h, f, h_frame(f, ids[i], 0, NULL, 0));
	jedec_ok(&h);
	h_free(&h);
}

/* FAIL-1: the third failing command since the handshake -> wait sync (third FL still sent);
 * a good command in between does not reset the count. */
static void ldr_third_failure(void **state)
{
	struct h h;
	uint8_t f[16];
	static const uint8_t bad_erase[8] = {0x30, 0x00, 0x04, 0x00, 0, 0, 0, 0};

	(void)state;
	start(&h, NULL, 0xFF);
	h_expect_fl(&h, bad_erase, 8, 0x0002);
	jedec_ok(&h);
	h_expect_fl(&h, f, h_frame(f, 0x31, -1, (const uint8_t *)"\0\0\0\0", 4), 0x0004);
	jedec_ok(&h);
	h_expect_fl(&h, f, h_frame(f, 0x3B, 0, f, 5), 0x0008);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	h_expect_nothing(&h, JEDEC, 4);
	/* a new handshake resets the count */
	h_sync(&h, 2000000);
	h_expect_fl(&h, bad_erase, 8, 0x0002);
	jedec_ok(&h);
	h_free(&h);
}

/* JEDEC-1, §11.1: JEDEC id replies. */
static void ldr_jedec(void **state)
{
	static const uint8_t w[8] = {0x4F, 0x4B, 0x04, 0x00, 0xEF, 0x40, 0x15, 0x80};
	static const uint8_t u[8] = {0x4F, 0x4B, 0x04, 0x00, 0x5E, 0x40, 0x16, 0x00};
	struct emu_config cfg;
	struct h h;

	(void)state;
	start(&h, NULL, 0xFF);
	jedec_ok(&h);
	h_free(&h);
	emu_config_defaults(&cfg);
	cfg.jedec[0] = 0xEF;
	start(&h, &cfg, 0xFF);
	EXPECT(&h, JEDEC, w);
	h_free(&h);
	cfg.jedec[0] = 0x5E;
	cfg.jedec[2] = 0x16;
	cfg.flash_size = 4u << 20;
	cfg.jedec_known = false;
	start(&h, &cfg, 0xFF);
	EXPECT(&h, JEDEC, u);
	h_free(&h);
}

/* §11.2 MAC vector and MAC-1. */
static void ldr_mac(void **state)
{
	static const uint8_t req[4] = {0x42, 0x00, 0x00, 0x00};
	static const uint8_t v82[14] = {0x4F, 0x4B, 0x0A, 0x00, 0x61, 0x9D, 0xC0,
					0x05, 0xB9, 0x18, 0xB7, 0x3F, 0x11, 0x0D};
	static const uint8_t l9[14] = {0x4F, 0x4B, 0x0A, 0x00, 0x01, 0x00, 0x2B,
				       0x60, 0x42, 0x02, 0xB2, 0xDD, 0x3B, 0x69};
	struct emu_config cfg;
	struct h h;

	(void)state;
	start(&h, NULL, 0xFF);
	EXPECT(&h, req, l9);
	h_free(&h);
	emu_config_defaults(&cfg);
	memcpy(cfg.efuse_mac, v82 + 4, 6);
	start(&h, &cfg, 0xFF);
	EXPECT(&h, req, v82);
	h_free(&h);
}

/* §11.2 read frames, READ-2 clamp, READ-1 wrap-around, N != 8. */
static void ldr_read(void **state)
{
	static const uint8_t r0[12] = {0x32, 0x10, 0x08, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x08, 0x00, 0x00};
	static const uint8_t r1[12] = {0x32, 0x28, 0x08, 0x00, 0x00, 0x10,
				       0x00, 0x00, 0x00, 0x10, 0x00, 0x00};
	static const uint8_t r2[12] = {0x32, 0x27, 0x08, 0x00, 0x00, 0xF8,
				       0x1F, 0x00, 0x00, 0x08, 0x00, 0x00};
	struct h h;
	uint8_t *buf = malloc(0x8000), f[16];
	size_t k;

	(void)state;
	assert_non_null(buf);
	start(&h, NULL, -1);
	h_send(&h, r0, 12);
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 4 + 2048);
	assert_memory_equal(buf, "\x4F\x4B\x00\x08", 4);
	assert_memory_equal(buf + 4, h.flash, 2048);
	h_send(&h, r1, 12);
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 4 + 4096);
	assert_memory_equal(buf + 4, h.flash + 0x1000, 4096);
	h_send(&h, r2, 12);
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 4 + 2048);
	assert_memory_equal(buf + 4, h.flash + 0x1FF800, 2048);
	/* clamp at 0x4004 (READ-2) */
	h_send(&h, f, frame8(f, 0x32, 0x1235, 0x8000));
	k = h_recv(&h, buf, 0x8000, 50000);
	assert_int_equal(k, 4 + 0x4004);
	assert_int_equal(get_le16(buf + 2), 0x4004);
	assert_memory_equal(buf + 4, h.flash + 0x1235, 0x4004);
	h_send(&h, f, frame8(f, 0x32, 7, 0x4005));
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 4 + 0x4004);
	h_send(&h, f, frame8(f, 0x32, 0x7F, 1));
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 5);
	assert_int_equal(buf[4], h.flash[0x7F]);
	/* addresses wrap modulo the flash size */
	h_send(&h, f, frame8(f, 0x32, 0x1FFFFE, 4));
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 8);
	assert_int_equal(buf[4], h.flash[0x1FFFFE]);
	assert_int_equal(buf[6], h.flash[0]);
	h_send(&h, f, frame8(f, 0x32, 0x200010, 1));
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 5);
	assert_int_equal(buf[4], h.flash[0x10]);
	/* XIP read gives the same data */
	h_send(&h, f, frame8(f, 0x34, 0x1000, 16));
	assert_int_equal(h_recv(&h, buf, 0x8000, 50000), 20);
	assert_memory_equal(buf + 4, h.flash + 0x1000, 16);
	h_expect_fl(&h, f, h_frame(f, 0x32, -1, r0 + 4, 4), 0x0004);
	free(buf);
	h_free(&h);
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

static bool none_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0xFF)
			return false;
	return true;
}

/* §11.2 single-sector erase and the inclusive end cases of ERASE-1, ERASE-4. */
static void ldr_erase_inclusive(void **state)
{
	static const uint8_t one[12] = {0x30, 0x18, 0x08, 0x00, 0x00, 0x00,
					0x01, 0x00, 0xFF, 0x0F, 0x01, 0x00};
	static const uint8_t pdok[4] = {0x50, 0x44, 0x4F, 0x4B};
	static const uint8_t pdpdok[6] = {0x50, 0x44, 0x50, 0x44, 0x4F, 0x4B};
	struct h h;
	uint8_t f[16];

	(void)state;
	start(&h, NULL, 0x00);
	EXPECT(&h, one, pdok);
	assert_true(all_ff(h.flash + 0x10000, 0x1000));
	assert_true(none_ff(h.flash + 0xF000, 0x1000));
	assert_true(none_ff(h.flash + 0x11000, 0x1000));
	/* end = start + 0x1000: two sectors, the third untouched */
	h_expect(&h, f, frame8(f, 0x30, 0x20000, 0x21000), pdpdok, 6);
	assert_true(all_ff(h.flash + 0x20000, 0x2000));
	assert_true(none_ff(h.flash + 0x22000, 0x1000));
	/* one unaligned byte erases its sector */
	h_expect(&h, f, frame8(f, 0x30, 0x30123, 0x30123), pdok, 4);
	assert_true(all_ff(h.flash + 0x30000, 0x1000));
	assert_true(none_ff(h.flash + 0x31000, 0x1000));
	/* end < start: OK, no PD, nothing */
	h_expect(&h, f, frame8(f, 0x30, 0x50000, 0x4FFFF), OK, 2);
	assert_true(none_ff(h.flash + 0x4F000, 0x2000));
	assert_int_equal(emu_bytes_erased(h.e), 0x1000 + 0x2000 + 0x1000);
	/* N != 8 */
	h_expect_fl(&h, f, h_frame(f, 0x30, -1, one + 4, 4), 0x0002);
	h_free(&h);
}

/* ERASE-2, ERASE-3: 0x97000-0xAFFFF = sector + 32 KiB + 64 KiB, one PD each, then OK;
 * §11.2 whole-chip erase 0..0x1FFFFF = 32 x 64 KiB. */
static void ldr_erase_algorithm(void **state)
{
	static const uint8_t all[12] = {0x30, 0x25, 0x08, 0x00, 0x00, 0x00,
					0x00, 0x00, 0xFF, 0xFF, 0x1F, 0x00};
	struct h h;
	uint8_t f[16], buf[128];
	size_t k;

	(void)state;
	start(&h, NULL, 0x00);
	h_send(&h, f, frame8(f, 0x30, 0x97000, 0xAFFFF));
	k = h_recv(&h, buf, sizeof(buf), 50000);
	assert_int_equal(k, 8);
	assert_memory_equal(buf, "PDPDPDOK", 8);
	assert_true(all_ff(h.flash + 0x97000, 0x19000));
	assert_true(none_ff(h.flash + 0x96000, 0x1000));
	assert_true(none_ff(h.flash + 0xB0000, 0x1000));
	assert_int_equal(emu_bytes_erased(h.e), 0x19000);
	/* 0x1000-0x20FFF: 7 sectors, 32 KiB at 0x8000, 64 KiB at 0x10000, 1 sector */
	h_send(&h, f, frame8(f, 0x30, 0x1000, 0x20FFF));
	k = h_recv(&h, buf, sizeof(buf), 50000);
	assert_int_equal(k, 2 * 10 + 2);
	assert_int_equal(emu_bytes_erased(h.e), 0x19000 + 0x20000);
	h_send(&h, all, 12);
	k = h_recv(&h, buf, sizeof(buf), 50000);
	assert_int_equal(k, 2 * 32 + 2);
	for (int i = 0; i < 32; i++)
		assert_memory_equal(buf + 2 * i, PD, 2);
	assert_memory_equal(buf + 64, OK, 2);
	assert_true(all_ff(h.flash, 2u << 20));
	h_free(&h);
}

/* ERASE-5 Winbond blank skip. */
static void ldr_erase_winbond(void **state)
{
	struct emu_config cfg;
	struct h h;
	uint8_t f[16];

	(void)state;
	emu_config_defaults(&cfg);
	cfg.jedec[0] = 0xEF;
	start(&h, &cfg, 0xFF);
	h_expect(&h, f, frame8(f, 0x30, 0x10000, 0x10000 + 0x27FF), OK, 2);
	assert_int_equal(emu_bytes_erased(h.e), 0);
	h_expect(&h, f, frame8(f, 0x30, 0x10000, 0x10000 + 0x27FE), (const uint8_t *)"PDPDPDOK", 8);
	assert_int_equal(emu_bytes_erased(h.e), 0x3000);
	h_free(&h);
}

/* §11.2 write frame, early OK (ORD-2), NOR AND semantics (WRITE-2). */
static void ldr_write(void **state)
{
	static const uint8_t wr[12] = {0x31, 0x50, 0x08, 0x00, 0x00, 0x10,
				       0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF};
	static const uint8_t dead[4] = {0xDE, 0xAD, 0xBE, 0xEF};
	struct h h;
	uint8_t *f = malloc(4 + 0x4004), p[8];

	(void)state;
	assert_non_null(f);
	start(&h, NULL, 0xFF);
	EXPECT(&h, wr, OK);
	assert_memory_equal(h.flash + 0x1000, dead, 4);
	/* writing over unerased flash: the result is old AND new, and 0x3A still OK */
	put_le32(p, 0x1000);
	memcpy(p + 4, "\x0F\xF0\xFF\x00", 4);
	h_expect(&h, f, h_frame(f, 0x31, -1, p, 8), OK, 2);
	assert_memory_equal(h.flash + 0x1000, "\x0E\xA0\xBE\x00", 4);
	EXPECT(&h, CHECK, OK);
	/* the largest frame (WRITE-1) */
	put_le32(f + 4, 0x40000);
	for (size_t i = 0; i < 0x4000; i++)
		f[8 + i] = (uint8_t)(i * 13);
	memcpy(p, f + 4, 4);
	{
		uint8_t *g = malloc(4 + 0x4004);
		assert_non_null(g);
		h_expect(&h, g, h_frame(g, 0x31, -1, f + 4, 0x4004), OK, 2);
		assert_memory_equal(h.flash + 0x40000, f + 8, 0x4000);
		free(g);
	}
	/* parameter errors, not latched */
	h_expect_fl(&h, f, h_frame(f, 0x31, -1, p, 4), 0x0004);
	put_le32(p, 0xFFFFFFFFu);
	h_expect_fl(&h, f, h_frame(f, 0x31, -1, p, 8), 0x0005);
	EXPECT(&h, CHECK, OK);
	assert_int_equal(emu_bytes_programmed(h.e), 4 + 4 + 0x4000);
	free(f);
	h_free(&h);
}

/* ORD-2, ORD-3: late FL 06 00 after the early OK; latched for 0x3A; cleared by an erase
 * (ERASE-6). */
static void ldr_write_failure(void **state)
{
	static const uint8_t wr[12] = {0x31, 0x50, 0x08, 0x00, 0x00, 0x10,
				       0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF};
	static const uint8_t okfl[6] = {0x4F, 0x4B, 0x46, 0x4C, 0x06, 0x00};
	struct h h;
	uint8_t f[16];

	(void)state;
	start(&h, NULL, 0xFF);
	emu_fail_next_program(h.e);
	EXPECT(&h, wr, okfl);
	assert_true(all_ff(h.flash + 0x1000, 4));
	h_expect_fl(&h, CHECK, 4, 0x0006);
	h_expect(&h, f, frame8(f, 0x30, 0x1000, 0x1FFF), (const uint8_t *)"PDOK", 4);
	EXPECT(&h, CHECK, OK);
	EXPECT(&h, wr, OK);
	assert_memory_equal(h.flash + 0x1000, "\xDE\xAD\xBE\xEF", 4);
	h_free(&h);
}

static void sha_of(const uint8_t *flash, uint32_t mask, uint32_t a, uint32_t l, uint8_t d[32])
{
	uint8_t *tmp = malloc(l ? l : 1);

	assert_non_null(tmp);
	for (uint32_t i = 0; i < l; i++)
		tmp[i] = flash[(a + i) & mask];
	assert_int_equal(hash_sha256(tmp, l, d), 0);
	free(tmp);
}

/* SHA-1: SHA-256 cases, len 0, §11.3 erased-flash value. */
static void ldr_sha(void **state)
{
	static const uint32_t cases[][2] = {
	    {0x10000, 5000}, {0x1235, 5001}, {3, 0x4009},
	    {0x7F, 0x10001}, {0x40000, 1},   {0x1FFFF0, 0x20},
	};
	static const uint8_t all[12] = {0x3D, 0x28, 0x08, 0x00, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x00, 0x20, 0x00};
	static const char *e0 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const char *ff = "4bda3a28f4ffe603c0ec1258c0034d65a1a0d35ab7bd523a834608adabf03cc5";
	struct h h;
	uint8_t f[16], buf[64], d[32];
	char hex[65];

	(void)state;
	start(&h, NULL, -1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_send(&h, f, frame8(f, 0x3D, cases[i][0], cases[i][1]));
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 36);
		assert_memory_equal(buf, "\x4F\x4B\x20\x00", 4);
		sha_of(h.flash, 0x1FFFFF, cases[i][0], cases[i][1], d);
		assert_memory_equal(buf + 4, d, 32);
		h_send(&h, f, frame8(f, 0x3E, cases[i][0], cases[i][1]));
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 36);
		assert_memory_equal(buf + 4, d, 32);
	}
	h_send(&h, f, frame8(f, 0x3D, 0x1234, 0));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 36);
	hash_hex(buf + 4, 32, hex);
	assert_string_equal(hex, e0);
	h_expect_fl(&h, f, h_frame(f, 0x3D, -1, all + 4, 4), 0x0004);
	h_free(&h);

	start(&h, NULL, 0xFF);
	h_send(&h, all, 12);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 36);
	hash_hex(buf + 4, 32, hex);
	assert_string_equal(hex, ff);
	h_free(&h);
}

/* LIM-4: a frame with N > 0x4004 never completes; everything after it is lost until two
 * receive timeouts put the loader back into handshake mode. */
static void ldr_oversize_frame(void **state)
{
	static const uint8_t hdr[4] = {0x31, 0x00, 0x05, 0x40};
	struct h h;
	uint8_t buf[64];

	(void)state;
	start(&h, NULL, 0xFF);
	h_send(&h, hdr, 4);
	h_expect_nothing(&h, JEDEC, 4);
	h.now += 1000000;
	h_expect_nothing(&h, JEDEC, 4);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_CMD);
	h.now += 3500000;
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 10000), 0);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	h_sync(&h, 2000000);
	jedec_ok(&h);
	h_free(&h);
}

/* LDR-TIMEOUT-1..LDR-TIMEOUT-4: receive timeouts. */
static void ldr_timeouts(void **state)
{
	struct h h;
	uint8_t buf[64];

	(void)state;
	start(&h, NULL, 0xFF);
	h.now += 3000000;
	jedec_ok(&h);
	h.now += 3700000;
	jedec_ok(&h);
	/* a frame split by a 2.5 s gap is answered */
	h_send(&h, JEDEC, 2);
	h.now += 2500000;
	h_send(&h, JEDEC + 2, 2);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 8);
	/* a frame trickled over 5.4 s (one byte per 0.45 s) is lost, handshake mode after */
	{
		uint8_t f[16];
		size_t n = frame8(f, 0x32, 0, 4);
		for (size_t i = 0; i < n; i++) {
			h_send(&h, f + i, 1);
			h.now += 450000;
		}
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 0);
		assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	}
	h_sync(&h, 2000000);
	h.now += 4300000;
	h_expect_nothing(&h, JEDEC, 4);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	h_free(&h);
}

/* Old-loader mode: no 0x10 reply, no PD, frame limit 0x2404, read clamp 0x2404. */
static void ldr_old_loader(void **state)
{
	static const uint8_t gbi[4] = {0x10, 0x00, 0x00, 0x00};
	struct emu_config cfg;
	struct h h;
	uint8_t f[16], *buf = malloc(0x5000);
	static const uint8_t big[4] = {0x31, 0x00, 0x05, 0x24};

	(void)state;
	assert_non_null(buf);
	emu_config_defaults(&cfg);
	cfg.old_loader = true;
	h_init(&h, &cfg, -1);
	h_to_loader(&h, SYNTH_REAL_CRC);
	h_expect_nothing(&h, gbi, 4);
	jedec_ok(&h);
	h_expect(&h, f, frame8(f, 0x30, 0, 0x1FFF), OK, 2);
	assert_true(all_ff(h.flash, 0x2000));
	h_send(&h, f, frame8(f, 0x32, 0x10, 0x4000));
	assert_int_equal(h_recv(&h, buf, 0x5000, 50000), 4 + 0x2404);
	assert_memory_equal(buf + 4, h.flash + 0x10, 0x2404);
	h_expect_nothing(&h, f, h_frame(f, 0x3F, 0, f, 8));
	h_expect_nothing(&h, f, h_frame(f, 0x33, 0, NULL, 0));
	h_send(&h, big, 4);
	h_expect_nothing(&h, JEDEC, 4);
	free(buf);
	h_free(&h);
}

/* emu_config.loader_frame_limit (--frame-limit): the new command set with the old buffer:
 * get_boot_info answered, reads clamp at 0x2404, a frame of 0x2405 never completes (LIM-4). */
static void ldr_frame_limit(void **state)
{
	static const uint8_t gbi[4] = {0x10, 0x00, 0x00, 0x00};
	static const uint8_t big[4] = {0x31, 0x00, 0x05, 0x24};
	struct emu_config cfg;
	struct h h;
	uint8_t f[16], *buf = malloc(0x5000);

	(void)state;
	assert_non_null(buf);
	emu_config_defaults(&cfg);
	cfg.loader_frame_limit = 0x2404;
	h_init(&h, &cfg, -1);
	h_to_loader(&h, SYNTH_DEADBEEF);
	h_send(&h, gbi, 4);
	assert_int_equal(h_recv(&h, buf, 64, 50000), 4 + 20); /* OK, length, 20 bytes */
	h_send(&h, f, frame8(f, 0x32, 0x10, 0x4000));
	assert_int_equal(h_recv(&h, buf, 0x5000, 50000), 4 + 0x2404);
	h_send(&h, big, 4);
	h_expect_nothing(&h, JEDEC, 4);
	free(buf);
	h_free(&h);
}

/* HS-9 with the line paced: 0x55s after ~13 ms start a frame that never completes. */
static void ldr_leftover_sync(void **state)
{
	struct emu_config cfg;
	struct h h;
	uint8_t *burst = malloc(8000), buf[64];

	(void)state;
	assert_non_null(burst);
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 0;
	start(&h, &cfg, 0xFF);
	emu_set_baud(h.e, 2000000);
	h.now += 5000000; /* back to handshake mode */
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 1000), 0);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	memset(burst, 0x55, 8000); /* 40 ms at 2 Mbaud */
	h_send(&h, burst, 8000);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 100000), 2);
	assert_memory_equal(buf, OK, 2);
	h_expect_nothing(&h, JEDEC, 4);
	h.now += 4500000;
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 1000), 0);
	assert_int_equal(emu_get_state(h.e), EMU_LDR_WAIT_SYNC);
	free(burst);
	h_free(&h);
}

/* LDR-8 reset, 0x3B (§11.2 frame), 0x3C chip erase, 0x37, 0x41, 0x60/0x61, 0x71, 0x33. */
static void ldr_misc(void **state)
{
	static const uint8_t sp[8] = {0x3B, 0x05, 0x04, 0x00, 0xFF, 0x01, 0x01, 0x00};
	static const uint8_t ce[4] = {0x3C, 0x00, 0x00, 0x00};
	static const uint8_t rst[4] = {0x21, 0x00, 0x00, 0x00};
	static const uint8_t sr[12] = {0x37, 0x0E, 0x08, 0x00, 0x05, 0x00,
				       0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	static const uint8_t srw[5] = {0x4F, 0x4B, 0x01, 0x00, 0x00};
	static const uint8_t x0[4] = {0x60, 0x00, 0x00, 0x00};
	static const uint8_t x1[4] = {0x61, 0x00, 0x00, 0x00};
	static const uint8_t lg[4] = {0x71, 0x00, 0x00, 0x00};
	struct h h;
	uint8_t f[128], buf[512];
	size_t k;

	(void)state;
	start(&h, NULL, 0x00);
	EXPECT(&h, sp, OK);
	{
		static const uint8_t five[5] = {0xFF, 0x01, 0x01, 0x00, 0x00};
		uint8_t cfg88[88];
		memset(cfg88, 0x5A, sizeof(cfg88));
		h_expect_fl(&h, f, h_frame(f, 0x3B, -1, five, 5), 0x0008);
		h_expect(&h, f, h_frame(f, 0x3B, -1, cfg88, 88), OK, 2);
	}
	EXPECT(&h, sr, srw);
	EXPECT(&h, x0, OK);
	EXPECT(&h, x1, OK);
	h_send(&h, lg, 4);
	k = h_recv(&h, buf, sizeof(buf), 50000);
	assert_true(k > 4);
	assert_int_equal(get_le16(buf + 2), k - 4);
	h_send(&h, f, frame8(f, 0x41, 0x14, 6));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 10);
	assert_memory_equal(buf + 4, "\x01\x00\x2B\x60\x42\x02", 6);
	h_send(&h, f, frame8(f, 0x41, 0x7E, 6)); /* clipped at 0x80 as in the ROM (ROM-5) */
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 6);
	assert_int_equal(get_le16(buf + 2), 2);
	h_send(&h, f, frame8(f, 0x41, 0x80, 1));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 4);
	assert_memory_equal(buf, "\x46\x4C\x05\x04", 4);
	EXPECT(&h, ce, ((const uint8_t[]){0x50, 0x44, 0x4F, 0x4B}));
	assert_true(all_ff(h.flash, 2u << 20));
	EXPECT(&h, rst, OK);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_free(&h);
}

/* 0x3C with the timing model on: a PD about every second of the 5 s erase. */
static void ldr_chip_erase_timed(void **state)
{
	static const uint8_t ce[4] = {0x3C, 0x00, 0x00, 0x00};
	struct emu_config cfg;
	struct h h;
	uint8_t buf[64];
	size_t k;

	(void)state;
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	start(&h, &cfg, 0x00);
	h_send(&h, ce, 4);
	k = h_recv(&h, buf, sizeof(buf), 1500000);
	assert_int_equal(k, 4); /* two PDs in the first 1.5 s */
	k = h_recv(&h, buf, sizeof(buf), 4000000);
	assert_int_equal(k, 3 * 2 + 2);
	assert_memory_equal(buf + 6, OK, 2);
	h_free(&h);
}

/* xz container, LZMA2 with the given dictionary size (XZ-2: the loader takes at most 32 KiB). */
static size_t xz_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, lzma_check check,
			  uint32_t dict)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	size_t pos = 0;

	assert_false(lzma_lzma_preset(&opt, 6));
	opt.dict_size = dict;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	assert_int_equal(lzma_stream_buffer_encode(filters, check, NULL, in, n, out, &pos, cap),
			 LZMA_OK);
	return pos;
}

/* §7.7 decompress-write; XZ-2, XZ-3: CRC64 stream -> OK then FL 0C 00, not latched. */
static void ldr_xz(void **state)
{
	struct h h;
	uint8_t *data = malloc(20000), *xz = malloc(30000), f[2100];
	size_t n, off;

	(void)state;
	assert_non_null(data);
	assert_non_null(xz);
	uint32_t x = 1;
	for (size_t i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = i < 10000 ? (uint8_t)(i / 100) : (uint8_t)(x >> 16);
	}
	start(&h, NULL, 0xFF);
	n = xz_compress(data, 20000, xz, 30000, LZMA_CHECK_CRC32, 32768);
	assert_true(n > 4096);
	for (off = 0; off < n; off += 2048) {
		size_t k = n - off < 2048 ? n - off : 2048;
		uint8_t p[4 + 2048];
		put_le32(p, (uint32_t)(0x3000 + off) | (off == 0 ? 0x80000000u : 0));
		memcpy(p + 4, xz + off, k);
		h_expect(&h, f, h_frame(f, 0x3F, -1, p, 4 + k), OK, 2);
	}
	assert_memory_equal(h.flash + 0x3000, data, 20000);
	EXPECT(&h, CHECK, OK);
	{
		uint8_t p[4 + 512];
		static const uint8_t okfl[6] = {0x4F, 0x4B, 0x46, 0x4C, 0x0C, 0x00};
		n = xz_compress(data, 100, xz, 30000, LZMA_CHECK_CRC64, 32768);
		put_le32(p, 0x80010000u);
		memcpy(p + 4, xz, n);
		h_expect(&h, f, h_frame(f, 0x3F, -1, p, 4 + n), okfl, 6);
		EXPECT(&h, CHECK, OK); /* XZ-3: not latched */
		/* a dictionary larger than the loader's 32 KiB */
		n = xz_compress(data, 100, xz, 30000, LZMA_CHECK_CRC32, 1u << 20);
		memcpy(p + 4, xz, n);
		h_expect(&h, f, h_frame(f, 0x3F, -1, p, 4 + n), okfl, 6);
		assert_true(all_ff(h.flash + 0x10000, 100));
	}
	free(data);
	free(xz);
	h_free(&h);
}

/* ORD-1, EMU-4: two frames in one write: only the first is answered. */
static void ldr_no_pipelining(void **state)
{
	struct h h;
	uint8_t two[8], buf[64];

	(void)state;
	start(&h, NULL, 0xFF);
	memcpy(two, JEDEC, 4);
	memcpy(two + 4, JEDEC, 4);
	h_send(&h, two, 8);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 8);
	jedec_ok(&h);
	h_free(&h);
}

/* The device UART runs at the baud it measured: a host that changes its baud without a new
 * handshake gets nothing (bytes are garbage on the wire). */
static void ldr_baud_mismatch(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL, 0xFF);
	emu_set_baud(h.e, 115200);
	h_expect_nothing(&h, JEDEC, 4);
	emu_set_baud(h.e, 2000000);
	jedec_ok(&h);
	/* 921600 is used as measured (BAUD-4) and works; 1.2 M rounds to 1 M and does not */
	h.now += 5000000;
	h_sync(&h, 921600);
	jedec_ok(&h);
	h.now += 5000000;
	emu_set_baud(h.e, 1200000);
	{
		uint8_t b[720], buf[16];
		memset(b, 0x55, sizeof(b));
		h_send(&h, b, sizeof(b));
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 0);
	}
	h_free(&h);
}

/* emu_reset: a power cycle returns to the ROM. */
static void ldr_power_cycle(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL, 0xFF);
	emu_reset(h.e, h.now);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_sync(&h, 500000);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_CMD);
	h_free(&h);
}

/* The log gets one line per served command. */
static void ldr_log_lines(void **state)
{
	struct h h;
	unsigned before;
	unsigned long served;

	(void)state;
	start(&h, NULL, 0xFF);
	before = h.nlog;
	served = emu_commands_served(h.e);
	jedec_ok(&h);
	assert_int_equal(h.nlog, before + 1);
	assert_non_null(strstr(h.log[before % 64], "0x36"));
	assert_int_equal(emu_commands_served(h.e), served + 1);
	h_free(&h);
}

/* Untrusted input: random bytes in random pieces at random times, in both timing modes,
 * from the ROM and from the loader. Nothing may crash (ASan/UBSan builds) and the device
 * must still handshake afterwards (after a power cycle). */
static void random_input(void **state)
{
	struct emu_config cfg;
	struct h h;
	uint8_t *buf = malloc(70000), *out = malloc(1 << 16), *before = malloc(2u << 20);
	uint32_t x = 0x9E3779B9u;
	unsigned long served;

	(void)state;
	assert_non_null(buf);
	assert_non_null(out);
	assert_non_null(before);
	for (int round = 0; round < 4; round++) {
		emu_config_defaults(&cfg);
		cfg.timing.enabled = round & 1;
		cfg.old_loader = round == 3;
		h_init(&h, &cfg, -1);
		h.wait_us = 400000;
		if (round >= 2)
			h_to_loader(&h, SYNTH_DEADBEEF);
		memcpy(before, h.flash, cfg.flash_size);
		served = emu_commands_served(h.e);
		for (int i = 0; i < 300; i++) {
			size_t n;
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			n = x % 600;
			for (size_t j = 0; j < n; j++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				/* bias towards 0x55 and frame headers with small lengths (the
				 * checksum often 0, i.e. unchecked), else random bytes */
				if ((x & 7) == 1 && j + 4 <= n) {
					buf[j++] = (uint8_t)(0x30 + (x >> 8) % 16);
					buf[j++] = (x >> 12) & 1 ? 0 : (uint8_t)(x >> 20);
					buf[j++] = (uint8_t)((x >> 16) % 24);
					buf[j] = 0;
					continue;
				}
				buf[j] = (x & 7) == 0 ? 0x55 : (uint8_t)(x >> 8);
			}
			h_send(&h, buf, n);
			h.now += x % 3000000u;
			(void)emu_output(h.e, out, 1 << 16, h.now);
		}
		/* the ROM and the loader parsed frames out of them (the ROM executes 0x30 and
		 * 0x31 too, EMU-5: random bytes may change the flash there as well) */
		assert_true(emu_commands_served(h.e) > served);
		emu_reset(h.e, h.now);
		h_sync(&h, 500000);
		h_free(&h);
	}
	free(buf);
	free(out);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ldr_boot_info),
	    cmocka_unit_test(ldr_checksum),
	    cmocka_unit_test(ldr_unknown),
	    cmocka_unit_test(ldr_third_failure),
	    cmocka_unit_test(ldr_jedec),
	    cmocka_unit_test(ldr_mac),
	    cmocka_unit_test(ldr_read),
	    cmocka_unit_test(ldr_erase_inclusive),
	    cmocka_unit_test(ldr_erase_algorithm),
	    cmocka_unit_test(ldr_erase_winbond),
	    cmocka_unit_test(ldr_write),
	    cmocka_unit_test(ldr_write_failure),
	    cmocka_unit_test(ldr_sha),
	    cmocka_unit_test(ldr_oversize_frame),
	    cmocka_unit_test(ldr_timeouts),
	    cmocka_unit_test(ldr_old_loader),
	    cmocka_unit_test(ldr_frame_limit),
	    cmocka_unit_test(ldr_leftover_sync),
	    cmocka_unit_test(ldr_misc),
	    cmocka_unit_test(ldr_chip_erase_timed),
	    cmocka_unit_test(ldr_xz),
	    cmocka_unit_test(ldr_no_pipelining),
	    cmocka_unit_test(ldr_baud_mismatch),
	    cmocka_unit_test(ldr_power_cycle),
	    cmocka_unit_test(ldr_log_lines),
	    cmocka_unit_test(random_input),
	};
	return cmocka_run_group_tests_name("emu-loader", tests, NULL, NULL);
}
