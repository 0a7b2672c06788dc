/* SPDX-License-Identifier: MIT */
/*
 * A chip reset (power cycle into the ROM, GPIO8 high) at chosen moments of the flash
 * operations, against the emulator on a virtual clock (doc/protocol.md RESET-1, RESET-2,
 * OP-17, OP-18): during an update's erase, its raw 0x31 frames, its xz 0x3F stream and its
 * final hash, and during a verified read. The operation completes (the flash ends equal to
 * the image, the read equals the flash) with the loader reloaded, at most the frame in flight
 * reaches the ROM (and after a write frame whose early OK was the ROM's auto-baud OK, the
 * next one), and no byte outside the written range changes. The ROM executes 0x30 and
 * 0x31 (EMU-5): the range's last block holds, after each 0x55, a ROM 0x31 frame programming
 * zeros outside the range, which runs if one of its frames reaches the ROM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "emu_transport.h"
#include "faulty.h"
#include "fixture.h"
#include "lib/flash.h" /* fl_xz_available */
#include "lib/isp.h"

#define MIB    (1024u * 1024u)
#define SEC    BLR_SECTOR_SIZE
#define BLK    (64u * 1024u)
#define ADDR   (0x40000u + 0x123u) /* partial sectors at both ends */
#define LEN    (4u * BLK - 0x345u)
#define TARGET 0x1F0000u /* where the planted ROM commands program zeros */

struct rig {
	struct fx fx;
	struct faulty line;
	uint8_t *before; /* the flash before the operation */
};

static struct rig *rig_new(void)
{
	struct rig *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	fx_init(&g->fx, NULL, FX_PATTERN);
	assert_int_equal(fx_connect(&g->fx), BLR_OK);
	g->line.inner = g->fx.t;
	g->line.e = g->fx.e;
	g->fx.dev->t = faulty_transport(&g->line);
	g->before = malloc(2 * MIB);
	assert_non_null(g->before);
	memcpy(g->before, g->fx.flash, 2 * MIB);
	return g;
}

static void rig_free(struct rig *g)
{
	free(g->before);
	fx_free(&g->fx);
	free(g);
}

/* The image: compressible (xz) or not; its last block plants, after each 0x55, a ROM frame
 * 31 00 0C 00 + address TARGET + 8 zeros; there are no other 0x55 bytes in that block. */
static uint8_t *image(bool compressible)
{
	uint8_t *img = malloc(LEN);
	size_t last = LEN - (ADDR + LEN) % BLK;

	assert_non_null(img);
	if (compressible)
		for (size_t i = 0; i < LEN; i++)
			img[i] = (uint8_t)(i % 300 < 150 ? i % 7 * 0x11 : (i / 300) * 31 + 0x55);
	else
		fx_pattern(img, LEN, 21);
	for (size_t i = last; i < LEN; i++)
		if (img[i] == 0x55)
			img[i] = 0x56;
	for (size_t i = last; i + 20 <= LEN; i += 1024) {
		static const uint8_t cmd[8] = {0x55, 0x55, 0x31, 0x00, 0x0C, 0x00};

		memcpy(img + i, cmd, 6);
		put_le32(img + i + 6, TARGET);
		memset(img + i + 10, 0, 8);
	}
	return img;
}

/* The flash holds img in the range and what it held before everywhere else. */
static void flash_is(struct rig *g, const uint8_t *img)
{
	uint8_t *f = g->fx.flash;

	assert_memory_equal(f + ADDR, img, LEN);
	assert_memory_equal(f, g->before, ADDR);
	assert_memory_equal(f + ADDR + LEN, g->before + ADDR + LEN, 2 * MIB - ADDR - LEN);
}

/* How many frames with this id an update sends without a reset. */
static unsigned frames_of(uint8_t id, const uint8_t *img, unsigned flags)
{
	struct rig *g = rig_new();
	unsigned n;

	assert_int_equal(blr_flash_update(g->fx.dev, ADDR, img, LEN, flags, NULL), BLR_OK);
	flash_is(g, img);
	n = g->line.frames_seen[id];
	rig_free(g);
	return n;
}

/* The update with the chip reset before (or right after) the nth frame with id. */
static void update_with_reset(const uint8_t *img, unsigned flags, uint8_t id, unsigned nth,
			      bool after)
{
	struct rig *g = rig_new();
	struct blr_update_stats st;
	struct blr_chip_info ci;

	g->line.reset_id = id;
	g->line.reset_nth = nth;
	g->line.reset_after = after;
	assert_int_equal(blr_flash_update(g->fx.dev, ADDR, img, LEN, flags, &st), BLR_OK);
	assert_true(g->line.reset_done);
	flash_is(g, img);
	assert_int_equal(blr_get_info(g->fx.dev, &ci), BLR_OK); /* the loader was reloaded */
	assert_int_equal(emu_get_state(g->fx.e), EMU_LDR_CMD);
	/* the frame in flight, and when the ROM's auto-baud OK passed for its early OK (a 0x55
	 * in its data, RESET-1) the next one, whose header the ROM refuses (FL 02 01) */
	assert_true(g->line.frames_to_rom <=
		    (id == ISP_FLASH_WRITE || id == ISP_FLASH_DECOMPRESS_WRITE ? 2u : 1u));
	rig_free(g);
}

static void reset_during_erase(void **state)
{
	uint8_t *img = image(false);
	unsigned n = frames_of(ISP_FLASH_ERASE, img, BLR_UPDATE_NO_XZ);
	(void)state;

	/* the first erase takes the partial sector at the start: its bytes before the range
	 * were read back, and must be back after the redo whether the erase ran or not */
	for (int after = 0; after < 2; after++) {
		update_with_reset(img, BLR_UPDATE_NO_XZ, ISP_FLASH_ERASE, 1, after);
		update_with_reset(img, BLR_UPDATE_NO_XZ, ISP_FLASH_ERASE, n, after);
	}
	free(img);
}

static void reset_during_raw_frames(void **state)
{
	uint8_t *img = image(false);
	unsigned n = frames_of(ISP_FLASH_WRITE, img, BLR_UPDATE_NO_XZ);
	(void)state;

	assert_true(n > 8);
	for (int after = 0; after < 2; after++) {
		update_with_reset(img, BLR_UPDATE_NO_XZ, ISP_FLASH_WRITE, 2, after);
		update_with_reset(img, BLR_UPDATE_NO_XZ, ISP_FLASH_WRITE, n / 2, after);
	}
	free(img);
}

static void reset_during_xz_stream(void **state)
{
	uint8_t *img = image(true);
	unsigned n;
	(void)state;

	if (!fl_xz_available())
		skip();
	n = frames_of(ISP_FLASH_DECOMPRESS_WRITE, img, 0);
	assert_true(n >= 2);
	for (int after = 0; after < 2; after++) {
		update_with_reset(img, 0, ISP_FLASH_DECOMPRESS_WRITE, 1, after);
		update_with_reset(img, 0, ISP_FLASH_DECOMPRESS_WRITE, n, after);
	}
	free(img);
}

static void reset_during_final_hash(void **state)
{
	uint8_t *img = image(false);
	unsigned n = frames_of(ISP_FLASH_READ_SHA256, img, BLR_UPDATE_NO_XZ);
	(void)state;

	for (int after = 0; after < 2; after++)
		update_with_reset(img, BLR_UPDATE_NO_XZ, ISP_FLASH_READ_SHA256, n, after);
	free(img);
}

static void reset_during_read(void **state)
{
	static const struct {
		uint8_t id;
		unsigned nth;
	} when[] = {{ISP_FLASH_READ, 1}, {ISP_FLASH_READ, 20}, {ISP_FLASH_READ_SHA256, 1}};
	(void)state;

	for (size_t k = 0; k < sizeof(when) / sizeof(when[0]); k++)
		for (int after = 0; after < 2; after++) {
			struct rig *g = rig_new();
			uint8_t *buf = malloc(LEN), d[32], want[32];

			assert_non_null(buf);
			g->line.reset_id = when[k].id;
			g->line.reset_nth = when[k].nth;
			g->line.reset_after = after;
			assert_int_equal(
			    blr_flash_read_ex(g->fx.dev, ADDR, buf, LEN, NULL, d, NULL), BLR_OK);
			assert_true(g->line.reset_done);
			assert_memory_equal(buf, g->fx.flash + ADDR, LEN);
			assert_int_equal(hash_sha256(buf, LEN, want), 0);
			assert_memory_equal(d, want, 32);
			assert_memory_equal(g->fx.flash, g->before, 2 * MIB);
			assert_int_equal(emu_get_state(g->fx.e), EMU_LDR_CMD);
			assert_true(g->line.frames_to_rom <= 1);
			free(buf);
			rig_free(g);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reset_during_erase),     cmocka_unit_test(reset_during_raw_frames),
	    cmocka_unit_test(reset_during_xz_stream), cmocka_unit_test(reset_during_final_hash),
	    cmocka_unit_test(reset_during_read),
	};
	return cmocka_run_group_tests_name("chip reset during flash operations", tests, NULL, NULL);
}
