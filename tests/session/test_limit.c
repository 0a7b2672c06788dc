/* SPDX-License-Identifier: MIT */
/*
 * The frame limit of a loader the library does not know (doc/protocol.md LIM-5, BUILD-2):
 * one that answers get_boot_info (the new command set; the synthetic loader here) gets write
 * frames of 16 KiB, an inference; when the loader does not take them (the emulator's
 * --frame-limit 9220: the new set with the old buffer, LIM-4), the library drops to 9 KiB
 * frames once, with one warning, and the update still ends with the chip equal to the target,
 * also across a chip reset (RESET-2 keeps the dropped limit). A loader without get_boot_info
 * stays at 9 KiB (test_session.c, old_loader_mode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "fixture.h"
#include "lib/dev.h"   /* frame_limit, frame_limit_inferred */
#include "lib/flash.h" /* fl_xz_available */
#include "wiretap.h"

#define MIB	(1024u * 1024u)
#define OLD_MAX 0x2404u /* LIM-2 */
#define NEW_MAX 0x4004u /* LIM-3 */

/* What the library and the emulator said. */
struct heard {
	unsigned fallbacks; /* the library's warning of LIM-5 */
	unsigned stalls;    /* frames the emulator never completed (LIM-4) */
	unsigned write_max; /* the largest 0x31 the emulator served: its data bytes */
};

static void lib_log(void *user, enum blr_log_level lvl, const char *msg)
{
	struct heard *h = user;

	if (lvl == BLR_LOG_WARN && strstr(msg, "did not take a 16 KiB frame"))
		h->fallbacks++;
	fx_log(NULL, lvl, msg);
}

/* One line per command served ("LDR 0x31 flash_write addr=0x... len=N -> OK"), or a frame
 * dropped. */
static void emu_line(void *user, const char *line)
{
	struct heard *h = user;
	const char *len = strstr(line, " len=");

	if (strstr(line, "never completes"))
		h->stalls++;
	if (!strncmp(line, "LDR 0x31 ", 9) && len) {
		unsigned n = (unsigned)strtoul(len + 5, NULL, 10);

		h->write_max = n > h->write_max ? n : h->write_max;
	}
}

/* A rig on the synthetic (unknown) loader; frame_limit 0: the emulator's own. */
static struct rig *limit_rig(unsigned frame_limit, struct heard *h)
{
	struct emu_config cfg;
	struct rig *g;

	emu_config_defaults(&cfg);
	cfg.loader_frame_limit = frame_limit;
	cfg.log = emu_line;
	cfg.log_user = h;
	g = rig_new(&cfg, FX_ERASED);
	blr_dev_set_log(g->f.dev, lib_log, h, BLR_LOG_TRACE);
	return g;
}

/* The unknown build answers get_boot_info: 16 KiB write frames, no fallback. */
static void unknown_new_set_16k_frames(void **state)
{
	struct heard h = {0};
	struct rig *g = limit_rig(0, &h);
	struct blr_chip_info ci;
	struct blr_update_stats st;
	(void)state;

	assert_int_equal(blr_get_info(g->f.dev, &ci), BLR_OK);
	assert_null(ci.loader_build);
	assert_int_equal(ci.frame_limit, NEW_MAX);
	fx_pattern(g->buf, 2 * MIB, 5);
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0x40000, g->buf, 512 * 1024, BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_memory_equal(g->f.flash + 0x40000, g->buf, 512 * 1024);
	assert_true(h.write_max + 4 > OLD_MAX); /* N = address + data */
	assert_true(h.write_max + 4 <= NEW_MAX);
	assert_int_equal(h.fallbacks, 0);
	assert_int_equal(h.stalls, 0);
	assert_true(g->f.dev->frame_limit_inferred);
	rig_free(g);
}

/* A chip reset and reload keep the inferred limit (RESET-2): still 16 KiB frames after. */
static void reload_keeps_inferred_limit(void **state)
{
	struct heard h = {0};
	struct rig *g = limit_rig(0, &h);
	struct blr_update_stats st;
	(void)state;

	emu_reset(g->f.e, emu_now_us(g->f.e));
	fx_pattern(g->buf, 2 * MIB, 6);
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0x40000, g->buf, 256 * 1024, BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_memory_equal(g->f.flash + 0x40000, g->buf, 256 * 1024);
	assert_int_equal(g->f.dev->frame_limit, NEW_MAX);
	assert_true(g->f.dev->frame_limit_inferred);
	assert_true(h.write_max + 4 > OLD_MAX);
	assert_int_equal(h.fallbacks, 0);
	rig_free(g);
}

/* The loader takes 9 KiB at most: one frame is lost, one warning, 9 KiB from then on; a
 * whole 2 MiB update ends equal to the target, raw (0x31, retried commands) or as xz (0x3F,
 * commands sent once); and again after a chip reset, with no second loss. */
static void fallback(bool xz)
{
	struct heard h = {0};
	struct rig *g = limit_rig(OLD_MAX, &h);
	uint8_t *img = malloc(2 * MIB);
	struct blr_update_stats st;

	/* 4 bits per byte: xz halves it, so its packets too are above 9 KiB (no fixture
	 * needed: a public clone runs this) */
	assert_non_null(img);
	fx_pattern(img, 2 * MIB, 7);
	for (size_t i = 0; i < 2 * MIB; i++)
		img[i] &= 0x0F;
	assert_int_equal(g->f.dev->frame_limit, NEW_MAX); /* inferred: wrong here */
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0, img, 2 * MIB, xz ? 0 : BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_memory_equal(g->f.flash, img, 2 * MIB);
	assert_int_equal(h.fallbacks, 1);
	assert_int_equal(h.stalls, 1); /* the lost frame was not sent again */
	assert_int_equal(g->f.dev->frame_limit, OLD_MAX);
	assert_false(g->f.dev->frame_limit_inferred);
	if (!xz)
		assert_true(st.bytes_sent_raw > 0);
	else if (fl_xz_available())
		assert_true(st.bytes_sent_xz > 0);

	/* a reload keeps the dropped limit */
	emu_reset(g->f.e, emu_now_us(g->f.e));
	fx_pattern(g->buf, 2 * MIB, 9);
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0x100000, g->buf, 256 * 1024, BLR_UPDATE_NO_XZ, &st),
	    BLR_OK);
	assert_memory_equal(g->f.flash + 0x100000, g->buf, 256 * 1024);
	assert_int_equal(g->f.dev->frame_limit, OLD_MAX);
	assert_int_equal(h.fallbacks, 1);
	assert_int_equal(h.stalls, 1);
	free(img);
	rig_free(g);
}

static void fallback_raw(void **state)
{
	(void)state;
	fallback(false);
}

static void fallback_xz(void **state)
{
	(void)state;
	fallback(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unknown_new_set_16k_frames),
	    cmocka_unit_test(reload_keeps_inferred_limit),
	    cmocka_unit_test(fallback_raw),
	    cmocka_unit_test(fallback_xz),
	};

	return cmocka_run_group_tests_name("frame limits", tests, NULL, NULL);
}
