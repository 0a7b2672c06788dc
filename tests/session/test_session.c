/* SPDX-License-Identifier: MIT */
/*
 * libblrescue against the emulator, in process, on a virtual clock: connect and loader upload,
 * reads, erases, writes, write check, SHA-256, the already-running loader, old-loader mode,
 * checksum errors, inclusive erase ends, writes without erase, late FL, recovery after the
 * loader dropped to handshake mode, secured chips, partial updates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "common/hash.h"
#include "emu_transport.h"
#include "fixture.h"
#include "lib/dev.h" /* internals: pretend to be a known build */
#include "synth_loader.h"

#define MIB (1024u * 1024u)
#define SEC BLR_SECTOR_SIZE

static struct fx *new_fx(const struct emu_config *cfg, enum fx_fill fill)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_init(f, cfg, fill);
	return f;
}

static void del_fx(struct fx *f)
{
	fx_free(f);
	free(f);
}

static void host_sha(const uint8_t *p, size_t n, uint8_t out[32])
{
	assert_int_equal(hash_sha256(p, n, out), 0);
}

/* ---- connect ---------------------------------------------------------------------------- */

static void connect_and_upload(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	struct blr_chip_info ci;
	static const uint8_t mac[6] = {0x02, 0x42, 0x60, 0x2B, 0x00, 0x01};
	(void)state;

	assert_int_equal(blr_get_info(f->dev, &ci), BLR_E_INVAL); /* not yet */
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(emu_get_state(f->e), EMU_LDR_CMD);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_int_equal(ci.rom_version, 1);
	assert_false(ci.loader_was_running);
	assert_int_equal(ci.sign_type, 0);
	assert_int_equal(ci.encrypted, 0);
	assert_memory_equal(ci.mac, mac, 6);
	assert_true(ci.mac_from_efuse_cmd);
	assert_memory_equal(ci.jedec, ((const uint8_t[]){0xC8, 0x40, 0x15, 0x80}), 4);
	assert_int_equal(ci.flash_size, 2 * MIB);
	assert_null(ci.loader_build); /* synthetic = unknown build */
	/* it answers get_boot_info: the new set's limit, inferred (LIM-5) */
	assert_int_equal(ci.frame_limit, 0x4004);
	assert_true(f->dev->frame_limit_inferred);
	assert_int_equal(ci.baud, BLR_DEFAULT_BAUD);
	del_fx(f);
}

static void connect_progress_and_real_crc_loader(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	uint8_t *img;
	size_t len = 0;
	(void)state;

	/* the old header style, a body that is not a multiple of the 4080-byte chunk */
	img = synth_loader_build(SYNTH_REAL_CRC, 3 * 4080 + 17, &len);
	assert_non_null(img);
	f->opts.loader = img;
	f->opts.loader_len = len;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(emu_get_state(f->e), EMU_LDR_CMD);
	free(img);
	del_fx(f);
}

static void connect_refuses_bad_image_and_missing_loader(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	(void)state;

	f->loader[0] ^= 1; /* magic */
	assert_int_equal(fx_connect(f), BLR_E_FORMAT);
	f->loader[0] ^= 1;
	f->opts.loader = NULL;
	f->opts.loader_len = 0;
	assert_int_equal(fx_connect(f), BLR_E_INVAL); /* ROM answers, nothing to upload */
	assert_int_equal(emu_get_state(f->e), EMU_ROM_CMD);
	del_fx(f);
}

static void secured_chip(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	(void)state;

	emu_config_defaults(&cfg);
	cfg.secured = true;
	f = new_fx(&cfg, FX_ERASED);
	assert_int_equal(fx_connect(f), BLR_E_SECURED);
	assert_int_equal(emu_get_state(f->e), EMU_ROM_CMD); /* nothing was uploaded */
	del_fx(f);
}

static void already_running_loader(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	struct blr_chip_info ci;
	uint8_t buf[SEC];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	/* a second session on the running loader: no loader image needed, none uploaded */
	f->opts.loader = NULL;
	f->opts.loader_len = 0;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_true(ci.loader_was_running);
	assert_int_equal(ci.rom_version, 0);
	assert_int_equal(ci.flash_size, 2 * MIB);
	assert_memory_equal(ci.mac, ((const uint8_t[]){0x02, 0x42, 0x60, 0x2B, 0x00, 0x01}), 6);
	assert_int_equal(blr_flash_read(f->dev, 0x1000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x1000, sizeof(buf));
	del_fx(f);
}

static void running_loader_in_handshake_mode(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	struct blr_chip_info ci;
	uint8_t buf[SEC];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	/* the loader times out into its handshake state (2 x 2 s) before the next session */
	f->t.ops->sleep_ms(f->t.ctx, 6000);
	f->opts.loader = NULL;
	f->opts.loader_len = 0;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_true(ci.loader_was_running);
	assert_int_equal(ci.baud, BLR_DEFAULT_BAUD);
	assert_int_equal(blr_flash_read(f->dev, 0x3000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x3000, sizeof(buf));
	del_fx(f);
}

static void known_new_build_limits(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *want = malloc(0x12345), *back = malloc(0x12345);
	uint64_t cmds;
	(void)state;

	assert_non_null(want);
	assert_non_null(back);
	assert_int_equal(fx_connect(f), BLR_OK);
	/* what blr_connect sets for the 37 920-byte build (doc/protocol.md §8.3): frames up to N =
	 * 0x4004 */
	f->dev->frame_limit = 0x4004;
	f->dev->info.loader_build = "test: known new build";
	f->dev->read_chunk = 0;
	fx_pattern(want, 0x12345, 8);
	assert_int_equal(blr_flash_erase(f->dev, 0x80000, 0x12345), BLR_OK);
	cmds = emu_commands_served(f->e);
	assert_int_equal(blr_flash_write(f->dev, 0x80000, want, 0x12345), BLR_OK);
	/* 0x12345 bytes in 16 KiB frames: 5 frames (the emulator drops any frame > 0x4004) */
	assert_int_equal(emu_commands_served(f->e) - cmds, 5);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
	cmds = emu_commands_served(f->e);
	assert_int_equal(blr_flash_read(f->dev, 0x80000, back, 0x12345), BLR_OK);
	assert_int_equal(emu_commands_served(f->e) - cmds, 5); /* 16 KiB reads, no probing */
	assert_memory_equal(back, want, 0x12345);
	free(want);
	free(back);
	del_fx(f);
}

static void rom_left_in_command_mode(void **state)
{
	static const unsigned bauds[] = {BLR_DEFAULT_BAUD, BLR_DEFAULT_ROM_BAUD};
	(void)state;

	/* an earlier session handshook with the ROM and stopped: the ROM waits for commands
	 * (at the ROM baud), which the next session must cope with, at either work baud */
	for (size_t i = 0; i < 2; i++) {
		struct fx *f = new_fx(NULL, FX_ERASED);
		struct blr_chip_info ci;

		f->opts.loader = NULL;
		assert_int_equal(fx_connect(f), BLR_E_INVAL);
		assert_int_equal(emu_get_state(f->e), EMU_ROM_CMD);
		f->opts.loader = f->loader;
		f->opts.baud = bauds[i];
		assert_int_equal(fx_connect(f), BLR_OK);
		assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
		assert_int_equal(ci.rom_version, 1);
		assert_false(ci.loader_was_running);
		assert_int_equal(ci.baud, bauds[i]);
		assert_int_equal(emu_get_state(f->e), EMU_LDR_CMD);
		del_fx(f);
	}
}

/* An adapter that cannot do more than max_baud: bytes written faster are lost. */
struct slow_adapter {
	struct blr_transport inner;
	unsigned baud, max_baud;
	/* fault injection: the first frame starting with this id is lost / has its last byte
	 * flipped (once each; 0 = off) */
	uint8_t drop_id, corrupt_id;
	unsigned dropped, corrupted;
	/* handshake bursts seen (writes of only 0x55): count and longest line time */
	unsigned bursts;
	uint64_t max_burst_us;
	/* every reply to a frame with this id gets its first data byte flipped (0 = off) */
	uint8_t corrupt_reply_id, last_id;
	size_t reply_pos;
};

static void sa_note_burst(struct slow_adapter *a, const uint8_t *buf, size_t len)
{
	uint64_t us;

	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0x55)
			return;
	us = (uint64_t)len * 10u * 1000000u / a->baud;
	a->bursts++;
	if (us > a->max_burst_us)
		a->max_burst_us = us;
}

static int sa_set_baud(void *ctx, unsigned baud)
{
	struct slow_adapter *a = ctx;

	a->baud = baud;
	return a->inner.ops->set_baud(a->inner.ctx, baud);
}

static int sa_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct slow_adapter *a = ctx;

	if (len && a->baud)
		sa_note_burst(a, buf, len);
	if (len >= 4 && buf[0] != 0x55) {
		a->last_id = buf[0];
		a->reply_pos = 0;
	}
	if (a->max_baud && a->baud > a->max_baud)
		return BLR_OK;
	if (a->drop_id && len >= 4 && buf[0] == a->drop_id && !a->dropped) {
		a->dropped++;
		return BLR_OK;
	}
	if (a->corrupt_id && len > 4 && buf[0] == a->corrupt_id && !a->corrupted) {
		uint8_t *c = malloc(len);
		int r;

		assert_non_null(c);
		memcpy(c, buf, len);
		c[len - 1] ^= 0x10;
		a->corrupted++;
		r = a->inner.ops->write(a->inner.ctx, c, len, timeout_ms);
		free(c);
		return r;
	}
	return a->inner.ops->write(a->inner.ctx, buf, len, timeout_ms);
}

static int sa_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct slow_adapter *a = ctx;
	int r = a->inner.ops->read(a->inner.ctx, buf, len, timeout_ms, got);

	if (a->corrupt_reply_id && a->last_id == a->corrupt_reply_id) {
		const size_t data_at = 4; /* "OK" + u16 length */

		if (a->reply_pos <= data_at && a->reply_pos + *got > data_at)
			buf[data_at - a->reply_pos] ^= 0x01;
		a->reply_pos += *got;
	}
	return r;
}

static int sa_flush(void *ctx)
{
	struct slow_adapter *a = ctx;

	return a->inner.ops->flush_input(a->inner.ctx);
}

static int sa_drain(void *ctx)
{
	struct slow_adapter *a = ctx;

	return a->inner.ops->drain(a->inner.ctx);
}

static int sa_lines(void *ctx, int dtr, int rts)
{
	struct slow_adapter *a = ctx;

	return a->inner.ops->set_lines(a->inner.ctx, dtr, rts);
}

static uint64_t sa_now(void *ctx)
{
	struct slow_adapter *a = ctx;

	return a->inner.ops->now_ms(a->inner.ctx);
}

static void sa_sleep(void *ctx, unsigned ms)
{
	struct slow_adapter *a = ctx;

	a->inner.ops->sleep_ms(a->inner.ctx, ms);
}

static void sa_close(void *ctx)
{
	struct slow_adapter *a = ctx;

	a->inner.ops->close(a->inner.ctx);
}

static int sa_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops slow_ops = {
    sa_set_baud, sa_write, sa_read,  sa_flush, sa_drain,
    sa_lines,	 sa_now,   sa_sleep, sa_close, sa_oserr,
};

/* Connect through an adapter that loses every baud above max_baud: the session must end up
 * at want_baud with the ROM really found (not a loader answering at the ROM baud) and read
 * correctly at addr. */
static void baud_fallback_case(unsigned max_baud, unsigned want_baud, uint32_t addr)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	struct slow_adapter a = {.max_baud = max_baud};
	struct blr_transport t = {&slow_ops, &a};
	struct blr_chip_info ci;
	uint8_t buf[SEC];

	/* re-plumb the device onto the adapter */
	a.inner = f->t;
	f->dev->t = t;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_int_equal(ci.rom_version, 1);
	assert_int_equal(ci.baud, want_baud);
	assert_int_equal(blr_flash_read(f->dev, addr, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + addr, sizeof(buf));
	del_fx(f);
}

static void loader_baud_fallback(void **state)
{
	(void)state;
	baud_fallback_case(1000000, 1000000, 0x2000); /* 2 Mbaud lost */
}

static void rom_and_loader_baud_fallback(void **state)
{
	(void)state;
	/* neither 500 kbaud for the ROM nor 2 M / 1 M / 500 k for the loader get through */
	baud_fallback_case(230400, 230400, 0x5000);
}

static void segment_header_echo_checked(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	struct slow_adapter a = {.corrupt_reply_id = 0x17};
	struct blr_transport t = {&slow_ops, &a};
	(void)state;

	/* UPL-3: 0x17 answers the 16 header bytes back; a changed echo is refused */
	a.inner = f->t;
	f->dev->t = t;
	assert_int_equal(fx_connect(f), BLR_E_PROTOCOL);
	assert_int_equal(emu_get_state(f->e), EMU_ROM_CMD); /* no run_image */
	del_fx(f);
}

static void handshake_burst_at_most_7ms(void **state)
{
	static const unsigned bauds[] = {9600, 115200, 2000000};
	(void)state;

	/* HS-2, HS-8, HS-9: 0x55s arriving more than ~8 ms (ROM) / ~13 ms (loader)
	 * after the first one are parsed as frames; at the loader they start a frame that never
	 * completes. Every burst must stay within 7 ms at every baud, also at low ones. */
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
		struct emu_config cfg;
		struct fx *f;
		struct slow_adapter a = {0};
		struct blr_transport t = {&slow_ops, &a};
		uint8_t buf[64];

		emu_config_defaults(&cfg);
		cfg.timing.enabled = true;
		cfg.timing.latency_us = 0;
		f = new_fx(&cfg, FX_PATTERN);
		a.inner = f->t;
		f->dev->t = t;
		f->opts.baud = bauds[i];
		f->opts.rom_baud = bauds[i] < BLR_DEFAULT_ROM_BAUD ? bauds[i] : 0;
		assert_int_equal(fx_connect(f), BLR_OK);
		assert_true(a.bursts >= 2); /* ROM and loader */
		assert_true(a.max_burst_us <= 7000);
		assert_true(a.max_burst_us >= 5000 || bauds[i] < 20000);
		assert_int_equal(blr_flash_read(f->dev, 0x1000, buf, sizeof(buf)), BLR_OK);
		assert_memory_equal(buf, f->flash + 0x1000, sizeof(buf));
		del_fx(f);
	}
}

static void lost_and_corrupted_frames(void **state)
{
	static const struct {
		uint8_t drop, corrupt;
	} cases[] = {
	    {0x18, 0},	  /* a loader chunk lost in the ROM: the upload starts over */
	    {0x31, 0},	  /* a write frame lost: timeout, re-sync, the chunk again */
	    {0, 0x31},	  /* a write frame with a line error: FL 03 01, the chunk again */
	    {0x3D, 0x32}, /* a lost SHA request, a corrupted read request */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx *f = new_fx(NULL, FX_PATTERN);
		struct slow_adapter a = {.drop_id = cases[i].drop, .corrupt_id = cases[i].corrupt};
		struct blr_transport t = {&slow_ops, &a};
		uint8_t *want = malloc(0x9000), *back = malloc(0x9000), h1[32], h2[32];

		assert_non_null(want);
		assert_non_null(back);
		a.inner = f->t;
		f->dev->t = t;
		fx_pattern(want, 0x9000, (uint32_t)i);
		assert_int_equal(fx_connect(f), BLR_OK);
		assert_int_equal(blr_flash_erase(f->dev, 0x30000, 0x9000), BLR_OK);
		assert_int_equal(blr_flash_write(f->dev, 0x30000, want, 0x9000), BLR_OK);
		assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
		assert_int_equal(blr_flash_sha256(f->dev, 0x30000, 0x9000, h1), BLR_OK);
		host_sha(want, 0x9000, h2);
		assert_memory_equal(h1, h2, 32);
		assert_int_equal(blr_flash_read(f->dev, 0x30000, back, 0x9000), BLR_OK);
		assert_memory_equal(back, want, 0x9000);
		assert_int_equal(a.dropped, cases[i].drop ? 1 : 0);
		assert_int_equal(a.corrupted, cases[i].corrupt ? 1 : 0);
		free(want);
		free(back);
		del_fx(f);
	}
}

static void late_write_error_with_timing(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	uint8_t *big = malloc(8 * 0x2400);
	uint8_t mac[6];
	(void)state;

	/* with page programming taking time, the late FL 06 00 arrives while the library
	 * already waits for the next chunk's OK */
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 0;
	cfg.timing.page_program_us = 3000;
	f = new_fx(&cfg, FX_ERASED);
	assert_non_null(big);
	fx_pattern(big, 8 * 0x2400, 5);
	assert_int_equal(fx_connect(f), BLR_OK);
	emu_fail_next_program(f->e);
	assert_int_equal(blr_flash_write(f->dev, 0x40000, big, 8 * 0x2400), BLR_E_DEVICE);
	assert_int_equal(blr_dev_last_device_error(f->dev), 0x0006);
	assert_int_equal(blr_read_mac(f->dev, mac), BLR_OK); /* the session goes on */
	assert_int_equal(blr_flash_update(f->dev, 0x40000, big, 8 * 0x2400, 0, NULL), BLR_OK);
	assert_memory_equal(f->flash + 0x40000, big, 8 * 0x2400);
	free(big);
	del_fx(f);
}

/* blr_flash_read_verified and blr_flash_verify: the chip's SHA-256 against the host's. */
static void verified_read_and_verify(void **state)
{
	const uint32_t at = 0x1234;
	const size_t n = 0x9123;
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *buf = malloc(n), d[32], want[32];
	bool eq = false;
	uint64_t cmds;
	(void)state;

	assert_non_null(buf);
	host_sha(f->flash + at, n, want);
	/* not connected yet */
	assert_int_equal(blr_flash_read_verified(f->dev, at, buf, n, d), BLR_E_INVAL);
	assert_int_equal(blr_flash_verify(f->dev, at, f->flash + at, n, &eq, d), BLR_E_INVAL);
	assert_int_equal(fx_connect(f), BLR_OK);
	memset(d, 0, sizeof(d));
	assert_int_equal(blr_flash_read_verified(f->dev, at, buf, n, d), BLR_OK);
	assert_memory_equal(buf, f->flash + at, n);
	assert_memory_equal(d, want, 32);
	assert_int_equal(blr_flash_read_verified(f->dev, at, buf, n, NULL), BLR_OK);
	/* verify sends one SHA-256 command and nothing else */
	cmds = emu_commands_served(f->e);
	memset(d, 0, sizeof(d));
	assert_int_equal(blr_flash_verify(f->dev, at, buf, n, &eq, d), BLR_OK);
	assert_int_equal(emu_commands_served(f->e) - cmds, 1);
	assert_true(eq);
	assert_memory_equal(d, want, 32);
	/* one bit differs: not equal (not an error), the digest is still the chip's */
	buf[n - 1] ^= 0x40;
	memset(d, 0, sizeof(d));
	assert_int_equal(blr_flash_verify(f->dev, at, buf, n, &eq, d), BLR_OK);
	assert_false(eq);
	assert_memory_equal(d, want, 32);
	assert_int_equal(blr_flash_verify(f->dev, at, buf, n, &eq, NULL), BLR_OK);
	assert_false(eq);
	/* arguments and range */
	assert_int_equal(blr_flash_verify(f->dev, at, buf, n, NULL, d), BLR_E_INVAL);
	assert_int_equal(blr_flash_verify(f->dev, at, NULL, n, &eq, d), BLR_E_INVAL);
	assert_int_equal(blr_flash_verify(f->dev, 0x1FF000, buf, 0x2000, &eq, d), BLR_E_RANGE);
	assert_int_equal(blr_flash_read_verified(f->dev, 0x1FF000, buf, 0x2000, d), BLR_E_RANGE);
	free(buf);
	del_fx(f);
}

static void verified_read_catches_corruption(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	/* every flash_read reply gets a data byte flipped on the way: the read cannot tell */
	struct slow_adapter a = {.corrupt_reply_id = 0x32};
	struct blr_transport t = {&slow_ops, &a};
	uint8_t buf[0x2000], d[32], want[32];
	(void)state;

	a.inner = f->t;
	f->dev->t = t;
	assert_int_equal(fx_connect(f), BLR_OK);
	host_sha(f->flash + 0x3000, sizeof(buf), want);
	assert_int_equal(blr_flash_read(f->dev, 0x3000, buf, sizeof(buf)), BLR_OK);
	assert_memory_not_equal(buf, f->flash + 0x3000, sizeof(buf));
	memset(d, 0, sizeof(d));
	assert_int_equal(blr_flash_read_verified(f->dev, 0x3000, buf, sizeof(buf), d),
			 BLR_E_VERIFY);
	assert_memory_equal(d, want, 32); /* the chip's digest, for the report */
	/* the chip's hash is not affected: verify against the real contents says equal */
	bool eq = false;

	assert_int_equal(blr_flash_verify(f->dev, 0x3000, f->flash + 0x3000, sizeof(buf), &eq, d),
			 BLR_OK);
	assert_true(eq);
	del_fx(f);
}

static void old_loader_mode(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	struct blr_chip_info ci;
	uint8_t *want = malloc(5 * SEC), *got = malloc(5 * SEC);
	uint8_t a[32], b[32];
	(void)state;

	emu_config_defaults(&cfg);
	cfg.old_loader = true;
	f = new_fx(&cfg, FX_PATTERN);
	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_int_equal(ci.frame_limit, 0x2404);
	assert_int_equal(blr_flash_read(f->dev, 0, got, 5 * SEC), BLR_OK);
	assert_memory_equal(got, f->flash, 5 * SEC);
	/* erase (no PD from this build) + write of a frame-limit-sized piece */
	fx_pattern(want, 5 * SEC, 99);
	assert_int_equal(blr_flash_erase(f->dev, 0x40000, 5 * SEC), BLR_OK);
	assert_int_equal(blr_flash_write(f->dev, 0x40000, want, 5 * SEC), BLR_OK);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
	assert_memory_equal(f->flash + 0x40000, want, 5 * SEC);
	assert_int_equal(blr_flash_sha256(f->dev, 0x40000, 5 * SEC, a), BLR_OK);
	host_sha(want, 5 * SEC, b);
	assert_memory_equal(a, b, 32);
	/* already running, old build: found by flash_read_jedec_id, not get_boot_info */
	f->opts.loader = NULL;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_true(ci.loader_was_running);
	free(want);
	free(got);
	del_fx(f);
}

/* ---- flash operations ---------------------------------------------------------------------- */

static void read_fixture_back(void **state)
{
	struct fx *f = new_fx(NULL, FX_FIXTURE_PINECONE);
	size_t n = 0;
	uint8_t *file = fx_read_fixture("pinecone-factory-2m.bin", &n);
	uint8_t *buf = malloc(n);
	uint8_t chip[32], host[32];
	(void)state;

	assert_non_null(buf);
	assert_int_equal(fx_connect(f), BLR_OK);
	memset(buf, 0, n);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, n), BLR_OK);
	assert_memory_equal(buf, file, n);
	assert_int_equal(blr_flash_sha256(f->dev, 0, n, chip), BLR_OK);
	host_sha(file, n, host);
	assert_memory_equal(chip, host, 32);
	/* unaligned, odd-sized reads */
	assert_int_equal(blr_flash_read(f->dev, 0x12345, buf, 40001), BLR_OK);
	assert_memory_equal(buf, file + 0x12345, 40001);
	assert_int_equal(blr_flash_read(f->dev, (uint32_t)n - 1, buf, 1), BLR_OK);
	assert_int_equal(buf[0], file[n - 1]);
	/* beyond the detected size: refused, nothing sent */
	assert_int_equal(blr_flash_read(f->dev, (uint32_t)n - 1, buf, 2), BLR_E_RANGE);
	free(buf);
	free(file);
	del_fx(f);
}

static void erase_write_range(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *orig = malloc(2 * MIB), *data = malloc(3 * SEC), *back = malloc(3 * SEC);
	(void)state;

	assert_non_null(orig);
	memcpy(orig, f->flash, 2 * MIB);
	assert_int_equal(fx_connect(f), BLR_OK);
	fx_pattern(data, 3 * SEC, 1234);
	assert_int_equal(blr_flash_erase(f->dev, 0x10000, 3 * SEC), BLR_OK);
	for (size_t i = 0; i < 3 * SEC; i++)
		assert_int_equal(f->flash[0x10000 + i], 0xFF);
	assert_int_equal(blr_flash_write(f->dev, 0x10000, data, 3 * SEC), BLR_OK);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
	assert_int_equal(blr_flash_read(f->dev, 0x10000, back, 3 * SEC), BLR_OK);
	assert_memory_equal(back, data, 3 * SEC);
	/* nothing else changed */
	assert_memory_equal(f->flash, orig, 0x10000);
	assert_memory_equal(f->flash + 0x13000, orig + 0x13000, 2 * MIB - 0x13000);
	free(orig);
	free(data);
	free(back);
	del_fx(f);
}

static void erase_end_sector_aligned(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *orig = malloc(2 * MIB);
	uint64_t before;
	(void)state;

	assert_non_null(orig);
	memcpy(orig, f->flash, 2 * MIB);
	assert_int_equal(fx_connect(f), BLR_OK);
	before = emu_bytes_erased(f->e);
	/* [0x20000, 0x21000): the loader gets end 0x20FFF, so 0x21000 is not touched */
	assert_int_equal(blr_flash_erase(f->dev, 0x20000, SEC), BLR_OK);
	assert_int_equal(emu_bytes_erased(f->e) - before, SEC);
	for (size_t i = 0; i < SEC; i++)
		assert_int_equal(f->flash[0x20000 + i], 0xFF);
	assert_memory_equal(f->flash + 0x21000, orig + 0x21000, SEC);
	assert_memory_equal(f->flash + 0x1F000, orig + 0x1F000, SEC);
	/* an unaligned range erases exactly the sectors it overlaps */
	before = emu_bytes_erased(f->e);
	assert_int_equal(blr_flash_erase(f->dev, 0x30FFF, 2), BLR_OK);
	assert_int_equal(emu_bytes_erased(f->e) - before, 2 * SEC);
	assert_memory_equal(f->flash + 0x32000, orig + 0x32000, SEC);
	/* a large aligned range (block erases inside) and a zero-length no-op */
	before = emu_bytes_erased(f->e);
	assert_int_equal(blr_flash_erase(f->dev, 0x100000, 0x80000), BLR_OK);
	assert_int_equal(emu_bytes_erased(f->e) - before, 0x80000);
	assert_memory_equal(f->flash + 0x180000, orig + 0x180000, SEC);
	assert_int_equal(blr_flash_erase(f->dev, 0x100000, 0), BLR_OK);
	assert_int_equal(blr_flash_erase(f->dev, 0x1FF000, 2 * SEC), BLR_E_RANGE);
	free(orig);
	del_fx(f);
}

static void erase_all_and_sha_reference(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t d[32];
	char hex[65];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_flash_erase_all(f->dev), BLR_OK);
	assert_int_equal(blr_flash_sha256(f->dev, 0, 2 * MIB, d), BLR_OK);
	hash_hex(d, 32, hex);
	/* doc/protocol.md §11.3 reference values for erased flash */
	assert_string_equal(hex,
			    "4bda3a28f4ffe603c0ec1258c0034d65a1a0d35ab7bd523a834608adabf03cc5");
	assert_int_equal(blr_flash_sha256(f->dev, 0x7000, 4096, d), BLR_OK);
	hash_hex(d, 32, hex);
	assert_string_equal(hex,
			    "f47a8ec3e9aff2318d896942282ad4fe37d6391c82914f54a5da8a37de1300c6");
	del_fx(f);
}

static void sha_agreement(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	static const struct {
		uint32_t addr, len;
	} r[] = {{0, 1}, {0x1235, 5001}, {3, 0x4009}, {0x7F, 0x10001}, {0x1FFFFF, 1}, {0, 0}};
	uint8_t a[32], b[32];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		assert_int_equal(blr_flash_sha256(f->dev, r[i].addr, r[i].len, a), BLR_OK);
		host_sha(f->flash + r[i].addr, r[i].len, b);
		assert_memory_equal(a, b, 32);
	}
	del_fx(f);
}

static void bad_checksum_raw_frame(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	/* flash_read_jedec_id with checksum 0x01 (correct is 0x00 = unchecked) */
	static const uint8_t bad[] = {0x36, 0x01, 0x00, 0x00};
	uint8_t rsp[4];
	size_t got = 0;
	uint8_t mac[6];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(f->t.ops->write(f->t.ctx, bad, sizeof(bad), 100), BLR_OK);
	assert_int_equal(f->t.ops->read(f->t.ctx, rsp, 4, 500, &got), BLR_OK);
	assert_memory_equal(rsp, ((const uint8_t[]){0x46, 0x4C, 0x03, 0x01}), 4);
	/* not counted as a failure; the session goes on */
	assert_int_equal(blr_read_mac(f->dev, mac), BLR_OK);
	del_fx(f);
}

static void write_without_erase_caught(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *want = malloc(6 * SEC), diff[6];
	uint8_t a[32], b[32];
	size_t nd = 0;
	struct blr_update_stats st;
	(void)state;

	assert_non_null(want);
	fx_pattern(want, 6 * SEC, 555);
	assert_int_equal(fx_connect(f), BLR_OK);
	/* program over old data: the loader acks and its write check passes (WRITE-2) ... */
	assert_int_equal(blr_flash_write(f->dev, 0x50000, want, 6 * SEC), BLR_OK);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
	/* ... but the chip's hash shows the damage */
	assert_int_equal(blr_flash_sha256(f->dev, 0x50000, 6 * SEC, a), BLR_OK);
	host_sha(want, 6 * SEC, b);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(blr_flash_compare(f->dev, 0x50000, want, 6 * SEC, diff, &nd), BLR_OK);
	assert_int_equal(nd, 6);
	/* and update repairs it */
	assert_int_equal(blr_flash_update(f->dev, 0x50000, want, 6 * SEC, 0, &st), BLR_OK);
	assert_int_equal(st.sectors_erased, 6);
	assert_memory_equal(f->flash + 0x50000, want, 6 * SEC);
	assert_int_equal(blr_flash_compare(f->dev, 0x50000, want, 6 * SEC, diff, &nd), BLR_OK);
	assert_int_equal(nd, 0);
	free(want);
	del_fx(f);
}

static void late_write_error(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	uint8_t data[256];
	uint8_t *big = malloc(4 * 0x2400);
	(void)state;

	assert_non_null(big);
	memset(data, 0x5A, sizeof(data));
	fx_pattern(big, 4 * 0x2400, 3);
	assert_int_equal(fx_connect(f), BLR_OK);
	/* one chunk: the early OK is all blr_flash_write sees; the write check reports it */
	emu_fail_next_program(f->e);
	assert_int_equal(blr_flash_write(f->dev, 0x1000, data, sizeof(data)), BLR_OK);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_E_DEVICE);
	assert_int_equal(blr_dev_last_device_error(f->dev), 0x0006);
	assert_string_equal(blr_device_error_name(blr_dev_last_device_error(f->dev)),
			    "FLASH_WRITE_ERROR");
	/* an erase clears the latch; several chunks, the first fails: the late FL arrives
	 * before the next chunk's OK and stops the write */
	assert_int_equal(blr_flash_erase(f->dev, 0x100000, 0x10000), BLR_OK);
	assert_int_equal(blr_flash_write_check(f->dev), BLR_OK);
	emu_fail_next_program(f->e);
	assert_int_equal(blr_flash_write(f->dev, 0x100000, big, 4 * 0x2400), BLR_E_DEVICE);
	assert_int_equal(blr_dev_last_device_error(f->dev), 0x0006);
	/* the session survives: erase + rewrite works */
	assert_int_equal(blr_flash_update(f->dev, 0x100000, big, 4 * 0x2400, 0, NULL), BLR_OK);
	assert_memory_equal(f->flash + 0x100000, big, 4 * 0x2400);
	free(big);
	del_fx(f);
}

static void recovery_after_idle(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t buf[2 * SEC];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	f->t.ops->sleep_ms(f->t.ctx, 4500); /* two loader receive timeouts */
	/* emu_output lets the emulator process the passage of time */
	uint8_t junk[8];
	size_t got;

	f->t.ops->read(f->t.ctx, junk, sizeof(junk), 0, &got);
	assert_int_equal(emu_get_state(f->e), EMU_LDR_WAIT_SYNC);
	assert_int_equal(blr_flash_read(f->dev, 0x8000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x8000, sizeof(buf));
	/* the ambiguous window (3-4.5 s) works too */
	for (unsigned idle = 3000; idle <= 5000; idle += 250) {
		f->t.ops->sleep_ms(f->t.ctx, idle);
		assert_int_equal(blr_flash_read(f->dev, 0x9000 + idle, buf, 100), BLR_OK);
		assert_memory_equal(buf, f->flash + 0x9000 + idle, 100);
	}
	del_fx(f);
}

static void recovery_after_failures(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	/* flash_read with N = 4: FL 04 00, a counted failure (FAIL-1) */
	static const uint8_t badlen[] = {0x32, 0x00, 0x04, 0x00, 0, 0, 0, 0};
	uint8_t rsp[4], buf[SEC];
	size_t got;
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f->t.ops->write(f->t.ctx, badlen, sizeof(badlen), 100), BLR_OK);
		assert_int_equal(f->t.ops->read(f->t.ctx, rsp, 4, 500, &got), BLR_OK);
		assert_memory_equal(rsp, ((const uint8_t[]){0x46, 0x4C, 0x04, 0x00}), 4);
	}
	assert_int_equal(emu_get_state(f->e), EMU_LDR_WAIT_SYNC); /* third failure */
	/* the library did not see these; its next command times out and it re-handshakes */
	assert_int_equal(blr_flash_read(f->dev, 0x4000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x4000, sizeof(buf));
	/* an oversize frame swallows everything until two timeouts (LIM-4): still recovers */
	uint8_t *huge = calloc(1, 4 + 0x4005);

	assert_non_null(huge);
	huge[0] = 0x31;
	huge[2] = 0x05;
	huge[3] = 0x40;
	assert_int_equal(f->t.ops->write(f->t.ctx, huge, 4 + 0x4005, 100), BLR_OK);
	free(huge);
	assert_int_equal(blr_flash_read(f->dev, 0x5000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x5000, sizeof(buf));
	del_fx(f);
}

static void update_skips_identical(void **state)
{
	struct fx *f = new_fx(NULL, FX_FIXTURE_PINECONE);
	uint8_t *want = malloc(2 * MIB), diff[512];
	struct blr_update_stats st;
	uint64_t before;
	size_t nd = 0;
	(void)state;

	assert_non_null(want);
	memcpy(want, f->flash, 2 * MIB);
	want[0x10] ^= 0xFF;	/* sector 0 */
	want[0x123456] ^= 0x01; /* sector 0x123 */
	want[0x1FFFFF] = 0x00;	/* last sector */
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_flash_compare(f->dev, 0, want, 2 * MIB, diff, &nd), BLR_OK);
	assert_int_equal(nd, 3);
	assert_int_equal(diff[0], 1);
	assert_int_equal(diff[0x123], 1);
	assert_int_equal(diff[511], 1);
	assert_int_equal(diff[1], 0);
	before = emu_bytes_erased(f->e);
	assert_int_equal(blr_flash_update(f->dev, 0, want, 2 * MIB, 0, &st), BLR_OK);
	/* sectors 0x123 and 0x1FF are blank in the fixture: programmed, not erased (OP-13) */
	assert_int_equal(emu_bytes_erased(f->e) - before, SEC);
	assert_int_equal(st.sectors_total, 512);
	assert_int_equal(st.sectors_erased, 1);
	assert_int_equal(st.sectors_skipped, 509);
	assert_memory_equal(f->flash, want, 2 * MIB);
	/* nothing left to do */
	before = emu_bytes_erased(f->e);
	assert_int_equal(blr_flash_update(f->dev, 0, want, 2 * MIB, 0, &st), BLR_OK);
	assert_int_equal(emu_bytes_erased(f->e), before);
	assert_int_equal(st.sectors_erased, 0);
	free(want);
	del_fx(f);
}

/* Progress of a partial update: per stage monotonic, never past its total, and the erase and
 * write stages each end at done == total with the total equal to the sectors that differ. */
struct prog_rec {
	uint64_t last_done[BLR_STAGE_COMPARE + 1];
	uint64_t total[BLR_STAGE_COMPARE + 1];
	bool seen[BLR_STAGE_COMPARE + 1];
	bool bad;
};

static void prog_rec_fn(void *user, enum blr_stage stage, uint64_t done, uint64_t total)
{
	struct prog_rec *p = user;

	if (done > total ||
	    (p->seen[stage] && p->total[stage] == total && done < p->last_done[stage]))
		p->bad = true;
	p->seen[stage] = true;
	p->last_done[stage] = done;
	p->total[stage] = total;
}

static void update_progress_totals(void **state)
{
	fx_need_fixtures();
	struct fx *f = new_fx(NULL, FX_FIXTURE_PINECONE);
	uint8_t *want = malloc(2 * MIB);
	struct prog_rec pr;
	(void)state;

	assert_non_null(want);
	memcpy(want, f->flash, 2 * MIB);
	want[0x10] ^= 0xFF;	   /* sector 0 */
	want[0x40000 + 7] ^= 0x01; /* sector 0x40, its own run */
	want[0x41000 + 9] ^= 0x80; /* sector 0x41, same run */
	assert_int_equal(fx_connect(f), BLR_OK);
	memset(&pr, 0, sizeof(pr));
	blr_dev_set_progress(f->dev, prog_rec_fn, &pr);
	assert_int_equal(blr_flash_update(f->dev, 0, want, 2 * MIB, 0, NULL), BLR_OK);
	assert_false(pr.bad);
	assert_true(pr.seen[BLR_STAGE_ERASE]);
	assert_true(pr.seen[BLR_STAGE_WRITE]);
	assert_int_equal(pr.total[BLR_STAGE_ERASE], 3 * SEC);
	assert_int_equal(pr.last_done[BLR_STAGE_ERASE], 3 * SEC);
	assert_int_equal(pr.total[BLR_STAGE_WRITE], 3 * SEC);
	assert_int_equal(pr.last_done[BLR_STAGE_WRITE], 3 * SEC);
	assert_int_equal(pr.last_done[BLR_STAGE_VERIFY], 2 * MIB);
	assert_memory_equal(f->flash, want, 2 * MIB);
	free(want);
	del_fx(f);
}

static void update_partial_edges(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *orig = malloc(2 * MIB), data[0x1801];
	struct blr_update_stats st;
	(void)state;

	assert_non_null(orig);
	memcpy(orig, f->flash, 2 * MIB);
	fx_pattern(data, sizeof(data), 77);
	assert_int_equal(fx_connect(f), BLR_OK);
	/* [0x2800, 0x4001): sectors 2, 3 and 4, two of them only partly covered */
	assert_int_equal(blr_flash_update(f->dev, 0x2800, data, sizeof(data), 0, &st), BLR_OK);
	assert_int_equal(st.sectors_total, 3);
	assert_int_equal(st.sectors_erased, 3);
	assert_memory_equal(f->flash + 0x2800, data, sizeof(data));
	assert_memory_equal(f->flash + 0x2000, orig + 0x2000, 0x800);	   /* head kept */
	assert_memory_equal(f->flash + 0x4001, orig + 0x4001, 0x1000 - 1); /* tail kept */
	assert_memory_equal(f->flash, orig, 0x2000);
	assert_memory_equal(f->flash + 0x5000, orig + 0x5000, 2 * MIB - 0x5000);
	/* FULL: erase and write everything even when identical */
	assert_int_equal(blr_flash_update(f->dev, 0x2800, data, sizeof(data), BLR_UPDATE_FULL, &st),
			 BLR_OK);
	assert_int_equal(st.sectors_erased, 3);
	assert_memory_equal(f->flash + 0x2000, orig + 0x2000, 0x800);
	free(orig);
	del_fx(f);
}

static void long_rx_timeout_loader(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	uint8_t buf[SEC];
	(void)state;

	/* like the 38 784-byte build: 10 s receive timeouts; the synthetic loader is unknown,
	 * so the library assumes 2 s and must find out the hard way */
	emu_config_defaults(&cfg);
	cfg.loader_rx_timeout_ms = 10000;
	f = new_fx(&cfg, FX_PATTERN);
	assert_int_equal(fx_connect(f), BLR_OK);
	f->t.ops->sleep_ms(f->t.ctx, 5000); /* still in command mode on this build */
	assert_int_equal(blr_flash_read(f->dev, 0x6000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x6000, sizeof(buf));
	/* learned: a later idle period of 5 s is not mistaken for a timeout */
	uint64_t t0 = emu_transport_now_us(&f->t);

	f->t.ops->sleep_ms(f->t.ctx, 5000);
	assert_int_equal(blr_flash_read(f->dev, 0x7000, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + 0x7000, sizeof(buf));
	assert_true(emu_transport_now_us(&f->t) - t0 < 6000000u);
	del_fx(f);
}

static void timing_model_cycle(void **state)
{
	static const unsigned bauds[] = {115200, 2000000};
	(void)state;

	/* realistic line and flash timings: every timeout of the library must suffice */
	for (size_t b = 0; b < 2; b++) {
		struct emu_config cfg;
		struct fx *f;
		uint8_t *want = malloc(0x48000), *back = malloc(0x48000);
		struct blr_update_stats st;

		emu_config_defaults(&cfg);
		cfg.timing.enabled = true;
		cfg.timing.latency_us = 16000; /* FTDI default latency timer */
		f = new_fx(&cfg, FX_PATTERN);
		assert_non_null(want);
		assert_non_null(back);
		f->opts.baud = bauds[b];
		assert_int_equal(fx_connect(f), BLR_OK);
		fx_pattern(want, 0x48000, 31);
		assert_int_equal(
		    blr_flash_update(f->dev, 0x38000, want, 0x48000, BLR_UPDATE_FULL, &st), BLR_OK);
		assert_int_equal(blr_flash_read(f->dev, 0x38000, back, 0x48000), BLR_OK);
		assert_memory_equal(back, want, 0x48000);
		assert_int_equal(blr_flash_erase_all(f->dev), BLR_OK); /* 5 s, PD every second */
		assert_int_equal(blr_flash_read(f->dev, 0x1FF000, back, SEC), BLR_OK);
		for (size_t i = 0; i < SEC; i++)
			assert_int_equal(back[i], 0xFF);
		free(want);
		free(back);
		del_fx(f);
	}
}

struct counter {
	int left;
	uint64_t last_done, last_total;
	int calls;
};

static bool cancel_after(void *user)
{
	struct counter *c = user;

	return --c->left < 0;
}

static void progress_cb(void *user, enum blr_stage stage, uint64_t done, uint64_t total)
{
	struct counter *c = user;

	(void)stage;
	assert_true(done <= total);
	c->last_done = done;
	c->last_total = total;
	c->calls++;
}

static void pd_extends_the_wait(void **state)
{
	static const struct {
		bool old;
		unsigned erase_s;
		int want;
	} cases[] = {
	    {false, 200, BLR_OK},	  /* longer than the table's wait: PD keeps it alive */
	    {true, 200, BLR_E_TIMEOUT},	  /* the same without PD */
	    {false, 1800, BLR_E_TIMEOUT}, /* PD for ever: given up after the overall cap */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emu_config cfg;
		struct fx *f;
		uint64_t t0, took_ms;

		emu_config_defaults(&cfg);
		cfg.old_loader = cases[i].old;
		cfg.timing.enabled = true;
		cfg.timing.latency_us = 0;
		cfg.timing.chip_erase_us = cases[i].erase_s * 1000u * 1000u;
		f = new_fx(&cfg, FX_PATTERN);
		assert_int_equal(fx_connect(f), BLR_OK);
		t0 = emu_transport_now_us(&f->t);
		assert_int_equal(blr_flash_erase_all(f->dev), cases[i].want);
		took_ms = (emu_transport_now_us(&f->t) - t0) / 1000u;
		if (cases[i].want == BLR_OK)
			assert_true(took_ms >= cases[i].erase_s * 1000u);
		else
			assert_true(took_ms < cases[i].erase_s * 1000u);
		del_fx(f);
	}
}

static void jedec_ids_rejected(void **state)
{
	static const struct {
		uint8_t id[3];
		int want;
		uint32_t size;
	} cases[] = {
	    {{0xFF, 0xFF, 0xFF}, BLR_E_NO_FLASH, 0}, /* no flash / bus fault (JEDEC-2) */
	    {{0x00, 0x00, 0x00}, BLR_E_NO_FLASH, 0},
	    {{0xC8, 0x40, 0x12}, BLR_E_NO_FLASH, 0}, /* 256 KiB: below any BL602 part */
	    {{0xC8, 0x40, 0x19}, BLR_E_NO_FLASH, 0}, /* 32 MiB: absurd (> 0x18) */
	    {{0x5E, 0x32, 0x13}, BLR_OK, 512u * 1024u},
	    {{0xEF, 0x40, 0x15}, BLR_OK, 2u * MIB},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emu_config cfg;
		struct fx *f;
		struct blr_chip_info ci;

		emu_config_defaults(&cfg);
		memcpy(cfg.jedec, cases[i].id, 3);
		f = new_fx(&cfg, FX_ERASED);
		assert_int_equal(fx_connect(f), cases[i].want);
		if (cases[i].want == BLR_OK) {
			assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
			assert_int_equal(ci.flash_size, cases[i].size);
		}
		del_fx(f);
	}
}

static void chip_erase_of_16mib_without_pd(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	uint8_t buf[16];
	(void)state;

	/* a 16 MiB part takes minutes to chip-erase (data sheets: 40 s typical, 200 s max)
	 * and an old loader sends no PD meanwhile: the wait must scale with the flash size */
	emu_config_defaults(&cfg);
	cfg.flash_size = 16u * MIB;
	cfg.jedec[2] = 0x18;
	cfg.old_loader = true;
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 0;
	cfg.timing.chip_erase_us = 150u * 1000u * 1000u;
	f = new_fx(&cfg, FX_PATTERN);
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_flash_erase_all(f->dev), BLR_OK);
	assert_int_equal(blr_flash_read(f->dev, 0xFFF000, buf, sizeof(buf)), BLR_OK);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xFF);
	del_fx(f);
}

struct vclock_cancel {
	const struct blr_transport *t;
	uint64_t at_us; /* cancel once the virtual clock passes this */
};

static bool cancel_at_time(void *user)
{
	struct vclock_cancel *c = user;

	return emu_transport_now_us(c->t) >= c->at_us;
}

static void cancel_during_chip_erase(void **state)
{
	struct emu_config cfg;
	struct fx *f;
	struct vclock_cancel c;
	uint8_t buf[16], mac[6], junk[8];
	size_t got;
	unsigned long cmds;
	(void)state;

	/* a single command that the device takes long to answer (a 40 s chip erase, old
	 * loader: no PD) must still honour the cancel callback while the library waits */
	emu_config_defaults(&cfg);
	cfg.old_loader = true;
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 0;
	cfg.timing.chip_erase_us = 40u * 1000u * 1000u;
	f = new_fx(&cfg, FX_PATTERN);
	assert_int_equal(fx_connect(f), BLR_OK);
	c.t = &f->t;
	c.at_us = emu_transport_now_us(&f->t) + 1000000u;
	blr_dev_set_cancel(f->dev, cancel_at_time, &c);
	assert_int_equal(blr_flash_erase_all(f->dev), BLR_E_CANCELLED);
	assert_true(emu_transport_now_us(&f->t) < c.at_us + 500000u);
	/* the abandoned session asks for a new connect, which works once the erase is over */
	blr_dev_set_cancel(f->dev, NULL, NULL);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, sizeof(buf)), BLR_E_INVAL);
	/* nothing at all is sent to the busy loader, not even through the other calls */
	cmds = emu_commands_served(f->e);
	assert_int_equal(blr_read_mac(f->dev, mac), BLR_E_INVAL);
	assert_int_equal(blr_reset(f->dev), BLR_E_INVAL);
	f->t.ops->sleep_ms(f->t.ctx, 45000);
	f->t.ops->read(f->t.ctx, junk, sizeof(junk), 0, &got); /* the emulator catches up */
	assert_int_equal(emu_commands_served(f->e), cmds);
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_flash_read(f->dev, 0x1000, buf, sizeof(buf)), BLR_OK);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xFF);
	del_fx(f);
}

static void progress_and_cancel(void **state)
{
	struct fx *f = new_fx(NULL, FX_PATTERN);
	uint8_t *buf = malloc(MIB);
	struct counter p = {0}, c = {.left = 5};
	(void)state;

	assert_non_null(buf);
	assert_int_equal(fx_connect(f), BLR_OK);
	blr_dev_set_progress(f->dev, progress_cb, &p);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, MIB), BLR_OK);
	assert_true(p.calls > 2);
	assert_int_equal(p.last_done, MIB);
	assert_int_equal(p.last_total, MIB);
	blr_dev_set_cancel(f->dev, cancel_after, &c);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, MIB), BLR_E_CANCELLED);
	blr_dev_set_cancel(f->dev, NULL, NULL);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, 100), BLR_OK); /* still usable */
	free(buf);
	del_fx(f);
}

static void reset_ends_session(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	uint8_t buf[16];
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_reset(f->dev), BLR_OK);
	assert_int_equal(blr_flash_read(f->dev, 0, buf, sizeof(buf)), BLR_E_INVAL);
	del_fx(f);
}

struct logcap {
	int trace, info, tx_frames;
	bool above_max;
	enum blr_log_level max;
};

static void log_cap(void *user, enum blr_log_level lvl, const char *msg)
{
	struct logcap *c = user;

	if (lvl > c->max)
		c->above_max = true;
	if (lvl == BLR_LOG_TRACE)
		c->trace++;
	if (lvl == BLR_LOG_INFO)
		c->info++;
	/* the get_boot_info frame of §11.2, hex-dumped with a timestamp */
	if (lvl == BLR_LOG_TRACE && strstr(msg, " ms tx 4: 10 00 00 00"))
		c->tx_frames++;
}

static void logging_levels(void **state)
{
	struct fx *f = new_fx(NULL, FX_ERASED);
	struct logcap c = {.max = BLR_LOG_INFO};
	(void)state;

	blr_dev_set_log(f->dev, log_cap, &c, BLR_LOG_INFO);
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_false(c.above_max);
	assert_int_equal(c.trace, 0);
	assert_true(c.info > 0);
	c = (struct logcap){.max = BLR_LOG_TRACE};
	blr_dev_set_log(f->dev, log_cap, &c, BLR_LOG_TRACE);
	f->opts.loader = NULL;
	assert_int_equal(fx_connect(f), BLR_OK); /* probe: get_boot_info */
	assert_true(c.trace > 0);
	assert_int_equal(c.tx_frames, 1);
	blr_dev_set_log(f->dev, NULL, NULL, BLR_LOG_TRACE); /* no sink: silent */
	assert_int_equal(fx_connect(f), BLR_OK);
	del_fx(f);
}

/* A port with nothing attached: writes vanish, reads time out, on a virtual clock. */
struct silent {
	uint64_t now_ms;
	unsigned writes;
};

static int si_set_baud(void *ctx, unsigned baud)
{
	(void)ctx;
	return baud ? BLR_OK : BLR_E_INVAL;
}

static int si_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	(void)buf;
	(void)len;
	(void)timeout_ms;
	((struct silent *)ctx)->writes++;
	return BLR_OK;
}

static int si_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	(void)buf;
	*got = 0;
	((struct silent *)ctx)->now_ms += timeout_ms;
	return len ? BLR_E_TIMEOUT : BLR_OK;
}

static int si_nop(void *ctx)
{
	(void)ctx;
	return BLR_OK;
}

static int si_lines(void *ctx, int dtr, int rts)
{
	(void)ctx;
	(void)dtr;
	(void)rts;
	return BLR_E_UNSUPPORTED;
}

static uint64_t si_now(void *ctx)
{
	return ((struct silent *)ctx)->now_ms;
}

static void si_sleep(void *ctx, unsigned ms)
{
	((struct silent *)ctx)->now_ms += ms;
}

static void si_close(void *ctx)
{
	(void)ctx;
}

static int si_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops silent_ops = {
    si_set_baud, si_write, si_read, si_nop, si_nop, si_lines, si_now, si_sleep, si_close, si_oserr,
};

static bool cancel_now(void *user)
{
	return *(bool *)user;
}

static void no_answer_and_cancel(void **state)
{
	struct silent sc = {0};
	struct blr_transport t = {&silent_ops, &sc};
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {.reset_steps = "rts,w100,-rts"};
	bool stop = false;
	(void)state;

	assert_int_equal(blr_dev_new(&dev, &t), BLR_OK);
	blr_dev_set_log(dev, fx_log, NULL, BLR_LOG_DEBUG);
	/* reset steps on a port without modem lines are skipped, not fatal */
	assert_int_equal(blr_connect(dev, &o), BLR_E_NO_RESPONSE);
	assert_true(sc.writes >= 3);
	assert_true(sc.now_ms >= 100);
	/* a cancel request ends the waits */
	blr_dev_set_cancel(dev, cancel_now, &stop);
	stop = true;
	assert_int_equal(blr_connect(dev, &o), BLR_E_CANCELLED);
	o.reset_steps = "rts,w";
	assert_int_equal(blr_connect(dev, &o), BLR_E_INVAL);
	blr_dev_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(connect_and_upload),
	    cmocka_unit_test(connect_progress_and_real_crc_loader),
	    cmocka_unit_test(connect_refuses_bad_image_and_missing_loader),
	    cmocka_unit_test(secured_chip),
	    cmocka_unit_test(already_running_loader),
	    cmocka_unit_test(running_loader_in_handshake_mode),
	    cmocka_unit_test(known_new_build_limits),
	    cmocka_unit_test(rom_left_in_command_mode),
	    cmocka_unit_test(loader_baud_fallback),
	    cmocka_unit_test(rom_and_loader_baud_fallback),
	    cmocka_unit_test(handshake_burst_at_most_7ms),
	    cmocka_unit_test(segment_header_echo_checked),
	    cmocka_unit_test(lost_and_corrupted_frames),
	    cmocka_unit_test(late_write_error_with_timing),
	    cmocka_unit_test(old_loader_mode),
	    cmocka_unit_test(verified_read_and_verify),
	    cmocka_unit_test(verified_read_catches_corruption),
	    cmocka_unit_test(read_fixture_back),
	    cmocka_unit_test(erase_write_range),
	    cmocka_unit_test(erase_end_sector_aligned),
	    cmocka_unit_test(erase_all_and_sha_reference),
	    cmocka_unit_test(sha_agreement),
	    cmocka_unit_test(bad_checksum_raw_frame),
	    cmocka_unit_test(write_without_erase_caught),
	    cmocka_unit_test(late_write_error),
	    cmocka_unit_test(recovery_after_idle),
	    cmocka_unit_test(recovery_after_failures),
	    cmocka_unit_test(update_skips_identical),
	    cmocka_unit_test(update_partial_edges),
	    cmocka_unit_test(long_rx_timeout_loader),
	    cmocka_unit_test(timing_model_cycle),
	    cmocka_unit_test(progress_and_cancel),
	    cmocka_unit_test(cancel_during_chip_erase),
	    cmocka_unit_test(chip_erase_of_16mib_without_pd),
	    cmocka_unit_test(jedec_ids_rejected),
	    cmocka_unit_test(pd_extends_the_wait),
	    cmocka_unit_test(update_progress_totals),
	    cmocka_unit_test(reset_ends_session),
	    cmocka_unit_test(logging_levels),
	    cmocka_unit_test(no_answer_and_cancel),
	};
	return cmocka_run_group_tests_name("library <-> emulator", tests, NULL, NULL);
}
