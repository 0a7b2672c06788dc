/* SPDX-License-Identifier: MIT */
/*
 * Updates against the in-process emulator (doc/protocol.md OP-13 to OP-19): blank sectors are
 * never erased for their own sake, 64 KiB erases where everything differs, 4 KiB work where
 * one sector does, xz where the loader has it (raw on an old loader and after an xz error),
 * no write frame with checksum 0, a block programmed wrong is erased and written again, an
 * interrupted update completes when run again, known current contents replace the hashes.
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
#include "lib/dev.h"	  /* on_sent */
#include "lib/exchange.h" /* ldr_command */
#include "lib/flash.h"	  /* fl_frame_len, fl_xz_available */
#include "lib/isp.h"
#include "wiretap.h"

#define MIB (1024u * 1024u)
#define SEC BLR_SECTOR_SIZE

static uint8_t *fixture(const char *name)
{
	size_t n = 0;
	uint8_t *p = fx_read_fixture(name, &n);

	assert_int_equal(n, 2 * MIB);
	return p;
}

/* Onto an erased chip (after erase --all): nothing is erased, the data go as xz. */
static void blank_sectors_never_erased(void **state)
{
	fx_need_fixtures();
	struct rig *g = rig_new(NULL, FX_ERASED);
	uint8_t *pine = fixture("pinecone-factory-2m.bin");
	struct blr_update_stats st;
	(void)state;

	assert_int_equal(blr_flash_erase_all(g->f.dev), BLR_OK);
	assert_int_equal(blr_flash_update(g->f.dev, 0, pine, 2 * MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, pine, 2 * MIB);
	assert_int_equal(emu_bytes_erased(g->f.e), 2 * MIB); /* the chip erase only */
	assert_int_equal(st.sectors_erased, 0);
	assert_int_equal(g->w.frames[0x30], 0);
	if (fl_xz_available()) { /* Meson feature xz */
		assert_true(st.bytes_sent_xz > 0);
		assert_true(st.bytes_sent_xz + st.bytes_sent_raw < 600u * 1024u);
		assert_true(g->w.frames[0x3F] > 0);
	}
	assert_int_equal(st.sectors_skipped, 512 - 224);
	free(pine);
	rig_free(g);
}

/* OpenBeken over PineCone: correct, xz, whole 64 KiB erases for the firmware; identical
 * contents afterwards: no erase, no write, only hashes. */
static void reflash_and_identical(void **state)
{
	fx_need_fixtures();
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	uint8_t *obk = fixture("openbeken-full-2m.bin");
	struct blr_update_stats st;
	(void)state;

	assert_int_equal(blr_flash_update(g->f.dev, 0, obk, 2 * MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, obk, 2 * MIB);
	assert_true(st.erases_64k >= 13);
	assert_true(st.bytes_sent_xz > 0 || !fl_xz_available());
	assert_false(st.xz_failed);
	memset(&g->w.frames, 0, sizeof(g->w.frames));
	assert_int_equal(blr_flash_update(g->f.dev, 0, obk, 2 * MIB, 0, &st), BLR_OK);
	assert_int_equal(st.sectors_erased + st.bytes_written, 0);
	assert_int_equal(st.sectors_skipped, 512);
	assert_int_equal(g->w.frames[0x30] + g->w.frames[0x31] + g->w.frames[0x3F], 0);
	assert_int_equal(g->w.frames[0x3D], st.hashes);
	free(obk);
	rig_free(g);
}

/* One differing sector in a block costs one sector erase, not 64 KiB. */
static void one_sector_one_erase(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_update_stats st;
	(void)state;

	memcpy(g->buf, g->f.flash, 2 * MIB);
	g->buf[0x45678] ^= 0x80;
	assert_int_equal(blr_flash_update(g->f.dev, 0x40000, g->buf + 0x40000, 0x40000, 0, &st),
			 BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, 2 * MIB);
	assert_int_equal(st.sectors_erased, 1);
	assert_int_equal(st.erases_4k, 1);
	assert_int_equal(emu_bytes_erased(g->f.e), SEC);
	rig_free(g);
}

/* An old loader has no 0x3F: raw frames only, same result. */
static void old_loader_writes_raw(void **state)
{
	struct emu_config cfg;
	struct rig *g;
	uint8_t *pine = fixture("pinecone-factory-2m.bin");
	struct blr_update_stats st;
	(void)state;

	emu_config_defaults(&cfg);
	cfg.old_loader = true;
	g = rig_new(&cfg, FX_ERASED);
	assert_int_equal(blr_flash_update(g->f.dev, 0, pine, 2 * MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, pine, 2 * MIB);
	assert_int_equal(g->w.frames[0x3F], 0);
	assert_int_equal(st.bytes_sent_xz, 0);
	assert_true(st.bytes_sent_raw > 0);
	free(pine);
	rig_free(g);
}

/* A garbled xz packet (its checksum fixed, so the loader takes it) makes the decoder fail
 * late (FL 0C 00): the blocks are planned again and written raw. */
static void xz_error_falls_back_to_raw(void **state)
{
	fx_need_fixtures();
	struct rig *g = rig_new(NULL, FX_ERASED);
	uint8_t *pine = fixture("pinecone-factory-2m.bin");
	struct blr_update_stats st;
	(void)state;

	if (!fl_xz_available())
		skip();
	g->w.garble_id = 0x3F;
	g->w.garble_nth = 2;
	g->w.garble_at = 3000;
	g->w.garble_to = 0x00;
	assert_int_equal(blr_flash_update(g->f.dev, 0, pine, 2 * MIB, 0, &st), BLR_OK);
	assert_int_equal(g->w.garbled, 1);
	assert_memory_equal(g->f.flash, pine, 2 * MIB);
	assert_true(st.xz_failed);
	assert_true(st.repairs > 0);
	assert_true(st.bytes_sent_raw > 0);
	free(pine);
	rig_free(g);
}

/* Data made so that the largest frames would have checksum 0 (CKS-3: unchecked): no frame
 * of 0x31 or 0x3F goes out with checksum 0, raw or xz. */
static void no_write_frame_with_checksum_0(void **state)
{
	struct rig *g = rig_new(NULL, FX_ERASED);
	size_t chunk = fl_write_chunk(g->f.dev); /* what the library cuts frames to */
	struct blr_update_stats st;
	(void)state;

	fx_pattern(g->buf, 2 * MIB, 42);
	for (size_t a = 0; a + chunk <= MIB; a += chunk) {
		/* the frame [a, a+chunk) at address a sums to 0 */
		unsigned sum = (chunk + 4) % 256 + (chunk + 4) / 256;

		g->buf[a] &= 0x7F; /* not 0xFF: a frame starts here */
		for (unsigned k = 0; k < 4; k++)
			sum += (unsigned)(a >> (8 * k)) & 0xFF;
		for (size_t i = 0; i + 1 < chunk; i++)
			sum += g->buf[a + i];
		g->buf[a + chunk - 1] = (uint8_t)(256 - sum % 256);
	}
	assert_int_equal(blr_flash_update(g->f.dev, 0, g->buf, MIB, BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, MIB);
	assert_true(g->w.frames[0x31] >= MIB / chunk);
	assert_int_equal(g->w.zero_sum[0x31], 0);
	memset(g->buf, 0x5A, 2 * MIB); /* compressible: xz */
	assert_int_equal(blr_flash_update(g->f.dev, 0, g->buf, 2 * MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, 2 * MIB);
	assert_true(g->w.frames[0x3F] > 0 || !fl_xz_available());
	assert_int_equal(g->w.zero_sum[0x3F], 0);
	rig_free(g);
}

/* What the exchange's on_sent hook saw when it was called. */
struct sent_seen {
	struct rig *g;
	unsigned calls, frames;
	uint8_t id;
	size_t reply_pos;
};

static void note_sent(void *user)
{
	struct sent_seen *h = user;

	h->calls++;
	h->id = h->g->w.last_id;
	h->frames = h->g->w.frames[h->id];
	h->reply_pos = h->g->w.reply_pos;
}

/* dev->on_sent is called once, after the command's frame was written and before any byte of
 * its reply was read, and is cleared: a later command does not call it. */
static void on_sent_between_write_and_reply(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct sent_seen h = {.g = g, .reply_pos = 99};
	uint8_t id[ISP_JEDEC_LEN];
	(void)state;

	g->f.dev->on_sent = note_sent;
	g->f.dev->on_sent_user = &h;
	assert_int_equal(ldr_command(g->f.dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, id, sizeof(id),
				     NULL, 0, LDR_RETRY),
			 BLR_OK);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.id, ISP_FLASH_READ_JEDEC_ID);
	assert_int_equal(h.frames, 1);	  /* the frame was written */
	assert_int_equal(h.reply_pos, 0); /* no reply byte read yet */
	assert_true(g->w.reply_pos > 0);  /* the reply was read after it */
	assert_null(g->f.dev->on_sent);
	assert_int_equal(ldr_command(g->f.dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, id, sizeof(id),
				     NULL, 0, LDR_RETRY),
			 BLR_OK);
	assert_int_equal(h.calls, 1);
	rig_free(g);
}

/* An xz stream is encoded as it is sent: every 0x3F packet but the stream's last goes out
 * with the hook set that encodes the next one while it is on the wire (XZ-6); the statistics
 * count exactly the stream bytes on the wire. */
static void xz_encoded_while_on_the_wire(void **state)
{
	struct rig *g = rig_new(NULL, FX_ERASED);
	struct blr_update_stats st;
	uint32_t x = 12345;
	(void)state;

	if (!fl_xz_available())
		skip();
	for (size_t i = 0; i < MIB; i++) { /* 4 bits per byte: compresses to about half */
		x = x * 1103515245u + 12345u;
		g->buf[i] = (uint8_t)('a' + (x >> 24) % 16);
	}
	assert_int_equal(blr_flash_update(g->f.dev, 0, g->buf, MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, MIB);
	assert_int_equal(st.bytes_sent_raw, 0);
	assert_int_equal(st.bytes_xz_out, MIB);
	assert_int_equal(g->w.firsts, 1); /* one stretch, one stream */
	assert_true(g->w.frames[0x3F] > 10);
	assert_int_equal(g->w.armed[0x3F], g->w.frames[0x3F] - 1);
	assert_int_equal(st.bytes_sent_xz, g->w.payload[0x3F] - 4u * g->w.frames[0x3F]);
	assert_null(g->f.dev->on_sent);
	rig_free(g);
}

/* fl_frame_len never returns a frame whose checksum is 0, also for data built against it. */
static void frame_boundaries(void **state)
{
	uint8_t d[600], frame[4 + 512], built[4 + 512];
	(void)state;

	for (unsigned t = 0; t < 3000; t++) {
		uint32_t addr = t * 2654435761u % 0x200000;
		size_t avail = 1 + t % 512, n;
		struct fl_frame f;

		fx_pattern(d, sizeof(d), t);
		if (t % 3 == 0) /* one byte, then 0xFF: shortening cannot change the sum */
			memset(d + 1, 0xFF, sizeof(d) - 1);
		/* the first byte makes the longest frame sum to 0 */
		{
			unsigned s = (unsigned)((4 + avail) % 256 + (4 + avail) / 256);

			for (unsigned k = 0; k < 4; k++)
				s += (addr >> (8 * k)) & 0xFF;
			for (size_t i = 1; i < avail; i++)
				s += d[i];
			d[0] = (uint8_t)(256 - s % 256);
		}
		n = fl_frame_len(addr, d, avail, 512, d, 0, built, &f);
		assert_true(n >= 1 && n == f.n && n <= avail && f.pre <= 3);
		assert_true(f.pre + n + f.post <= 512);
		frame[0] = (uint8_t)(addr - f.pre);
		frame[1] = (uint8_t)((addr - f.pre) >> 8);
		frame[2] = (uint8_t)((addr - f.pre) >> 16);
		frame[3] = (uint8_t)((addr - f.pre) >> 24);
		memset(frame + 4, 0xFF, sizeof(frame) - 4);
		memcpy(frame + 4 + f.pre, d, n);
		{
			size_t len = 4 + f.pre + n + f.post;
			unsigned s = (unsigned)(len % 256 + len / 256);

			for (size_t i = 0; i < len; i++)
				s += frame[i];
			assert_int_not_equal(s % 256, 0);
			assert_memory_equal(built, frame, len); /* the payload it built */
		}
	}
}

/* Programming that fails late (FL 06 00) and a frame garbled into wrong data that the loader
 * programs silently: both blocks are erased and written again; the update succeeds. */
static void wrong_programming_repaired(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_update_stats st;
	(void)state;

	fx_pattern(g->buf, 2 * MIB, 77);
	emu_fail_next_program(g->f.e);
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0x80000, g->buf, 0x30000, BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_memory_equal(g->f.flash + 0x80000, g->buf, 0x30000);
	assert_true(st.repairs > 0);
	/* silent: a data byte becomes 0x00 on the way, the checksum still matches */
	fx_pattern(g->buf, 2 * MIB, 78);
	g->w.garble_id = 0x31;
	g->w.garble_nth = g->w.frames[0x31] + 3;
	g->w.garble_at = 100;
	g->w.garble_to = 0x00;
	assert_int_equal(
	    blr_flash_update(g->f.dev, 0x80000, g->buf, 0x30000, BLR_UPDATE_NO_XZ, &st), BLR_OK);
	assert_int_equal(g->w.garbled, 1);
	assert_memory_equal(g->f.flash + 0x80000, g->buf, 0x30000);
	assert_true(st.repairs > 0);
	rig_free(g);
}

static bool cancel_at(void *user)
{
	unsigned *left = user;

	return *left == 0 || --*left == 0;
}

/* Cancelled half way (some blocks erased, some written): run again, the plan is made from the
 * chip's hashes and the update completes. */
static void interrupted_update_completes(void **state)
{
	fx_need_fixtures();
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	uint8_t *obk = fixture("openbeken-full-2m.bin");
	struct blr_update_stats st;
	unsigned left = 40;
	(void)state;

	blr_dev_set_cancel(g->f.dev, cancel_at, &left);
	assert_int_equal(blr_flash_update(g->f.dev, 0, obk, 2 * MIB, 0, &st), BLR_E_CANCELLED);
	blr_dev_set_cancel(g->f.dev, NULL, NULL);
	assert_memory_not_equal(g->f.flash, obk, 2 * MIB);
	assert_int_equal(fx_connect(&g->f), BLR_OK); /* a cancel may leave a reply due */
	assert_int_equal(blr_flash_update(g->f.dev, 0, obk, 2 * MIB, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash, obk, 2 * MIB);
	free(obk);
	rig_free(g);
}

/* The caller knows the current contents (write --backup): no hash before the final check;
 * wrong "current" contents cost time, not data. */
static void known_current_contents(void **state)
{
	fx_need_fixtures();
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	uint8_t *cur = malloc(2 * MIB);
	struct blr_update_opts o = {.current = cur};
	struct blr_update_stats st;
	(void)state;

	assert_non_null(cur);
	memcpy(cur, g->f.flash, 2 * MIB);
	memcpy(g->buf, g->f.flash, 2 * MIB);
	g->buf[0x3000] = 0x00;	 /* only clears bits: programmed without an erase */
	g->buf[0x50000] ^= 0xFF; /* needs an erase */
	assert_int_equal(blr_flash_update_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, &st), BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, 2 * MIB);
	assert_int_equal(st.bytes_hashed, 2 * MIB); /* the final check only */
	assert_int_equal(st.sectors_erased, 1);
	/* stale: the caller believes the old contents are still there */
	g->buf[0x3000] = 0x11;
	g->buf[0x50000] ^= 0xFF;
	g->f.flash[0x100000] = 0x00; /* and something changed that it does not know of */
	g->buf[0x100000] = 0xFF;
	assert_int_equal(blr_flash_update_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, &st), BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, 2 * MIB);
	assert_true(st.repairs > 0);
	free(cur);
	rig_free(g);
}

/* Partial edge sectors: the bytes outside the range survive the erase (read back). */
static void edges_kept(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	uint8_t *orig = malloc(2 * MIB);
	struct blr_update_stats st;
	(void)state;

	assert_non_null(orig);
	memcpy(orig, g->f.flash, 2 * MIB);
	fx_pattern(g->buf, 0x40001, 5);
	assert_int_equal(blr_flash_update(g->f.dev, 0x2F7FF, g->buf, 0x40001, 0, &st), BLR_OK);
	assert_memory_equal(g->f.flash + 0x2F7FF, g->buf, 0x40001);
	assert_memory_equal(g->f.flash, orig, 0x2F7FF);
	assert_memory_equal(g->f.flash + 0x6F800, orig + 0x6F800, 2 * MIB - 0x6F800);
	assert_int_equal(st.sectors_total, 0x41);
	free(orig);
	rig_free(g);
}

/* Raw frames leave out runs of 0xFF that cost more than a frame (WRITE-5): islands of data
 * 8 KiB apart go as one frame each, their short inner runs of 0xFF inside it. */
static void raw_frames_skip_ff_runs(void **state)
{
	struct rig *g = rig_new(NULL, FX_ERASED);
	struct blr_update_stats st;
	(void)state;

	memset(g->buf, 0xFF, 256 * 1024);
	for (size_t a = 0x100; a < 256 * 1024; a += 8192) {
		memset(g->buf + a, 0x11, 60); /* 60 bytes, 8 of 0xFF, 60 bytes */
		memset(g->buf + a + 68, 0x22, 60);
	}
	assert_int_equal(blr_flash_update(g->f.dev, 0, g->buf, 256 * 1024, BLR_UPDATE_NO_XZ, &st),
			 BLR_OK);
	assert_memory_equal(g->f.flash, g->buf, 256 * 1024);
	assert_int_equal(g->w.frames[0x31], 32);
	assert_true(st.bytes_sent_raw <= 32 * 128);
	rig_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(blank_sectors_never_erased),
	    cmocka_unit_test(reflash_and_identical),
	    cmocka_unit_test(one_sector_one_erase),
	    cmocka_unit_test(old_loader_writes_raw),
	    cmocka_unit_test(xz_error_falls_back_to_raw),
	    cmocka_unit_test(no_write_frame_with_checksum_0),
	    cmocka_unit_test(on_sent_between_write_and_reply),
	    cmocka_unit_test(xz_encoded_while_on_the_wire),
	    cmocka_unit_test(frame_boundaries),
	    cmocka_unit_test(raw_frames_skip_ff_runs),
	    cmocka_unit_test(wrong_programming_repaired),
	    cmocka_unit_test(interrupted_update_completes),
	    cmocka_unit_test(known_current_contents),
	    cmocka_unit_test(edges_kept),
	};

	return cmocka_run_group_tests_name("updates", tests, NULL, NULL);
}
