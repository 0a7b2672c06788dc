/* SPDX-License-Identifier: MIT */
/*
 * Recovery at the exchange level (ldr_command) against the emulator on a virtual clock: a chip
 * reset (power cycle into the ROM) in the middle of a read or a write stream, a noisy line that
 * drops, duplicates or flips bytes either way, a command that keeps failing (time budget), the
 * port going away, the frame checksum helper, and what recovery tells the user.
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
#include "lib/dev.h" /* internals: the exchange */
#include "lib/exchange.h"
#include "lib/isp.h"

#define MIB (1024u * 1024u)
#define SEC BLR_SECTOR_SIZE

struct rig {
	struct fx fx;
	struct faulty line;
	unsigned warns, infos;
	char last_warn[200];
	bool warn_wait; /* a WARN announced a wait of seconds */
};

static void rig_log(void *user, enum blr_log_level lvl, const char *msg)
{
	struct rig *g = user;

	fx_log(NULL, lvl, msg);
	if (lvl == BLR_LOG_WARN) {
		g->warns++;
		snprintf(g->last_warn, sizeof(g->last_warn), "%s", msg);
		if (strstr(msg, "waiting 4.5 s"))
			g->warn_wait = true;
	}
}

/* Emulator (timing model on when timed), connected session, then the damaging wrapper between
 * the library and the emulator (installed after the connect: faults hit the loader only). */
static struct rig *rig_new(bool timed)
{
	struct rig *g = calloc(1, sizeof(*g));
	struct emu_config cfg;

	assert_non_null(g);
	emu_config_defaults(&cfg);
	cfg.timing.enabled = timed;
	cfg.timing.latency_us = 2000;
	fx_init(&g->fx, &cfg, FX_PATTERN);
	assert_int_equal(fx_connect(&g->fx), BLR_OK);
	g->line.inner = g->fx.t;
	g->line.e = g->fx.e;
	g->line.rng = 12345;
	g->fx.dev->t = faulty_transport(&g->line);
	blr_dev_set_log(g->fx.dev, rig_log, g, BLR_LOG_TRACE);
	return g;
}

static void rig_free(struct rig *g)
{
	fx_free(&g->fx);
	free(g);
}

static uint64_t now_ms(struct rig *g)
{
	return emu_transport_now_us(&g->fx.t) / 1000u;
}

static int read_at(struct rig *g, uint32_t addr, uint8_t *buf, size_t n)
{
	uint8_t p[8];
	size_t got = 0;
	int r;

	put_le32(p, addr);
	put_le32(p + 4, (uint32_t)n);
	r = ldr_command(g->fx.dev, ISP_FLASH_READ, p, sizeof(p), buf, n, &got, 0, LDR_RETRY);
	if (r == BLR_OK && got != n)
		r = BLR_E_PROTOCOL;
	return r;
}

static int write_at(struct rig *g, uint32_t addr, const uint8_t *data, size_t n)
{
	uint8_t *p = malloc(4 + n);
	int r;

	assert_non_null(p);
	put_le32(p, addr);
	memcpy(p + 4, data, n);
	r = ldr_command(g->fx.dev, ISP_FLASH_WRITE, p, 4 + n, NULL, 0, NULL, 0, LDR_RETRY);
	free(p);
	return r;
}

static int sha_at(struct rig *g, uint32_t addr, size_t n, uint8_t out[32])
{
	uint8_t p[8];
	size_t got = 0;
	int r;

	put_le32(p, addr);
	put_le32(p + 4, (uint32_t)n);
	r = ldr_command(g->fx.dev, ISP_FLASH_READ_SHA256, p, sizeof(p), out, 32, &got,
			isp_timeout_ms(ISP_FLASH_READ_SHA256, n, 32, 0), LDR_RETRY);
	return r == BLR_OK && got != 32 ? BLR_E_PROTOCOL : r;
}

static int write_check(struct rig *g)
{
	int r = ldr_command(g->fx.dev, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL, 0, LDR_RETRY);

	return ldr_late_fl(g->fx.dev, ISP_FLASH_WRITE_CHECK, r);
}

static int erase_range(struct rig *g, uint32_t addr, size_t n)
{
	uint8_t p[8];

	put_le32(p, addr);
	put_le32(p + 4, addr + (uint32_t)n - 1);
	return ldr_command(g->fx.dev, ISP_FLASH_ERASE, p, sizeof(p), NULL, 0, NULL,
			   isp_timeout_ms(ISP_FLASH_ERASE, n, 0, 0), LDR_RETRY);
}

/* ---- chip reset --------------------------------------------------------------------------- */

static void chip_reset_in_read_stream(void **state)
{
	(void)state;
	/* the chip resets before the 4th read request reaches it, or just after (its reply is
	 * lost): that call reports the reset, the loader is running again, no other request went
	 * into the ROM, and the stream goes on */
	for (int after = 0; after < 2; after++) {
		struct rig *g = rig_new(true);
		uint8_t buf[SEC];
		int resets = 0;

		g->line.reset_id = ISP_FLASH_READ;
		g->line.reset_nth = 4;
		g->line.reset_after = after;
		for (uint32_t i = 0; i < 8; i++) {
			int r = read_at(g, i * SEC, buf, SEC);

			if (r == BLR_E_CHIP_RESET) {
				resets++;
				assert_true(dev_connected(g->fx.dev));
				r = read_at(g, i * SEC, buf, SEC); /* the caller redoes it */
			}
			assert_int_equal(r, BLR_OK);
			assert_memory_equal(buf, g->fx.flash + i * SEC, SEC);
		}
		assert_int_equal(resets, 1);
		assert_true(g->line.frames_to_rom <= (unsigned)(after ? 0 : 1));
		assert_int_equal(emu_get_state(g->fx.e), EMU_LDR_CMD);
		rig_free(g);
	}
}

static void chip_reset_in_write_stream(void **state)
{
	const size_t chunk = 0x2400, total = 8 * 0x2400;
	uint8_t *want = malloc(total);
	(void)state;

	assert_non_null(want);
	fx_pattern(want, total, 9);
	for (size_t i = 0; i < total; i += 97)
		want[i] = 0x55; /* the ROM auto-bauds on a 0x55 in the data and says OK */
	for (int after = 0; after < 2; after++) {
		struct rig *g = rig_new(true);
		int resets = 0;
		uint8_t d1[32], d2[32];

		assert_int_equal(erase_range(g, 0x40000, total), BLR_OK);
		g->line.reset_id = ISP_FLASH_WRITE;
		g->line.reset_nth = 3;
		g->line.reset_after = after;
		for (size_t off = 0; off < total; off += chunk) {
			int r = write_at(g, 0x40000 + (uint32_t)off, want + off, chunk);

			if (r == BLR_E_CHIP_RESET) {
				/* the flash layer redoes the block: here, erase and write it all */
				resets++;
				assert_true(dev_connected(g->fx.dev));
				assert_int_equal(erase_range(g, 0x40000, total), BLR_OK);
				off = (size_t)0 - chunk;
				continue;
			}
			assert_int_equal(r, BLR_OK);
		}
		assert_int_equal(resets, 1);
		/* the request in flight, and at most one more before the reset showed */
		assert_true(g->line.frames_to_rom <= 2);
		assert_int_equal(sha_at(g, 0x40000, total, d1), BLR_OK);
		assert_int_equal(hash_sha256(want, total, d2), 0);
		assert_memory_equal(d1, d2, 32);
		rig_free(g);
	}
	free(want);
}

static void chip_reset_single_commands(void **state)
{
	struct rig *g = rig_new(true);
	uint8_t d[32], want[32], mac[6];
	struct blr_chip_info ci;
	(void)state;

	assert_int_equal(hash_sha256(g->fx.flash + 0x1000, 0x3000, want), 0);
	emu_reset(g->fx.e, emu_transport_now_us(&g->fx.t));
	assert_int_equal(sha_at(g, 0x1000, 0x3000, d), BLR_E_CHIP_RESET);
	assert_int_equal(blr_get_info(g->fx.dev, &ci), BLR_OK); /* reloaded: still connected */
	assert_int_equal(sha_at(g, 0x1000, 0x3000, d), BLR_OK);
	assert_memory_equal(d, want, 32);
	/* blr_read_mac repeats its single command after the reload */
	emu_reset(g->fx.e, emu_transport_now_us(&g->fx.t));
	assert_int_equal(blr_read_mac(g->fx.dev, mac), BLR_OK);
	assert_memory_equal(mac, ((const uint8_t[]){0x02, 0x42, 0x60, 0x2B, 0x00, 0x01}), 6);
	assert_int_equal(emu_get_state(g->fx.e), EMU_LDR_CMD);
	assert_int_equal(g->line.frames_to_rom, 1); /* the first SHA-256 request */
	rig_free(g);
}

static void chip_reset_without_loader_image(void **state)
{
	struct rig *g = rig_new(false);
	uint8_t d[32];
	struct blr_chip_info ci;
	(void)state;

	/* a session that reused a running loader without a loader file cannot reload it */
	g->fx.opts.loader = NULL;
	assert_int_equal(fx_connect(&g->fx), BLR_OK);
	emu_reset(g->fx.e, emu_transport_now_us(&g->fx.t));
	assert_int_equal(sha_at(g, 0, 0x1000, d), BLR_E_CHIP_RESET);
	assert_int_equal(blr_get_info(g->fx.dev, &ci), BLR_E_INVAL);
	assert_int_equal(sha_at(g, 0, 0x1000, d), BLR_E_CHIP_RESET); /* nothing sent */
	assert_int_equal(g->line.frames_to_rom, 1);
	g->fx.opts.loader = g->fx.loader;
	assert_int_equal(fx_connect(&g->fx), BLR_OK);
	assert_int_equal(sha_at(g, 0, 0x1000, d), BLR_OK);
	rig_free(g);
}

/* ---- a noisy line --------------------------------------------------------------------------- */

/* Write [addr, addr+total) in frames of the frame limit, each cut one byte short when its
 * checksum would be 0 (the loader does not check such a frame, REC-13). */
static int write_stream(struct rig *g, uint32_t addr, const uint8_t *data, size_t total)
{
	size_t chunk = g->fx.dev->frame_limit - 4;
	uint8_t *p = malloc(4 + chunk);
	int r = BLR_OK;

	assert_non_null(p);
	for (size_t off = 0; off < total && r == BLR_OK;) {
		size_t n = total - off < chunk ? total - off : chunk;

		put_le32(p, addr + (uint32_t)off);
		memcpy(p + 4, data + off, n);
		if (ldr_frame_sum(p, 4 + n) == 0 && n > 1)
			n--;
		r = write_at(g, addr + (uint32_t)off, data + off, n);
		if (r != BLR_OK)
			fprintf(stderr, "# write at 0x%zx: %s after %u faults\n", off,
				blr_strerror(r), g->line.tx_faults);
		off += n;
	}
	free(p);
	return r;
}

/* Erase and write 2 MiB through a line with the given damage: nothing may give up, and with
 * lost bytes everything must arrive. (Two flips that cancel out, or a doubled byte equal to the
 * frame's last one, pass the 8-bit checksum: only a hash finds those, REC-14.) */
static void noisy_write_case(unsigned drop, unsigned dup, unsigned flip, uint32_t seed)
{
	struct rig *g = rig_new(false);
	uint8_t *want = malloc(2 * MIB);

	assert_non_null(want);
	fx_pattern(want, 2 * MIB, seed);
	assert_int_equal(erase_range(g, 0, 2 * MIB), BLR_OK);
	g->line.rng = seed;
	g->line.tx_drop_per = drop;
	g->line.tx_dup_per = dup;
	g->line.tx_flip_per = flip;
	assert_int_equal(write_stream(g, 0, want, 2 * MIB), BLR_OK);
	assert_true(g->line.tx_faults > 40);
	assert_int_equal(write_check(g), BLR_OK);
	if (!dup && !flip)
		assert_memory_equal(g->fx.flash, want, 2 * MIB);
	free(want);
	rig_free(g);
}

static void noisy_line_2mib_write(void **state)
{
	(void)state;
	noisy_write_case(20000, 0, 0, 1);
	noisy_write_case(20000, 0, 0, 2);
	noisy_write_case(0, 0, 20000, 3);
	noisy_write_case(0, 20000, 0, 4);
}

static void noisy_line_2mib_read(void **state)
{
	struct rig *g = rig_new(false);
	uint8_t *buf = malloc(2 * MIB);
	(void)state;

	assert_non_null(buf);
	g->line.rx_drop_per = 20000; /* what the library reads loses bytes */
	for (uint32_t off = 0; off < 2 * MIB; off += 0x2000)
		assert_int_equal(read_at(g, off, buf + off, 0x2000), BLR_OK);
	assert_true(g->line.rx_faults > 40);
	assert_memory_equal(buf, g->fx.flash, 2 * MIB);
	free(buf);
	rig_free(g);
}

/* One byte of one frame lost, doubled or flipped on its way to the chip: the frame is completed
 * (or answered FL 03 01) and sent again, without a handshake and without waiting for the
 * loader's receive timeouts. */
static void one_damaged_byte(void **state)
{
	static const enum fault_kind kinds[] = {FAULT_DROP, FAULT_DUP, FAULT_FLIP};
	(void)state;

	for (size_t k = 0; k < 3; k++) {
		struct rig *g = rig_new(true);
		uint8_t data[0x1000];
		uint64_t t0;

		fx_pattern(data, sizeof(data), 77);
		assert_int_equal(erase_range(g, 0x10000, 2 * sizeof(data)), BLR_OK);
		g->line.one_kind = kinds[k];
		g->line.one_id = ISP_FLASH_WRITE;
		g->line.one_nth = 2;
		g->line.one_pos = 100;
		assert_int_equal(write_at(g, 0x10000, data, sizeof(data)), BLR_OK);
		t0 = now_ms(g);
		assert_int_equal(write_at(g, 0x11000, data, sizeof(data)), BLR_OK);
		assert_int_equal(g->line.frames_seen[ISP_FLASH_WRITE], 3);
		assert_int_equal(g->line.bursts, 0);
		assert_false(g->warn_wait);
		assert_true(now_ms(g) - t0 < 3000);
		assert_memory_equal(g->fx.flash + 0x11000, data, sizeof(data));
		if (kinds[k] == FAULT_DROP) {
			/* a lost byte leaves the loader waiting: the user is told, once */
			assert_int_equal(g->warns, 1);
			assert_non_null(strstr(g->last_warn, "no answer for"));
			assert_non_null(strstr(g->last_warn, "attempt 2"));
		}
		rig_free(g);
	}
}

/* A length byte flipped so that the frame can never complete (LIM-4): the loader needs its two
 * receive timeouts; the user is told about the wait, and the write still succeeds. */
static void frame_that_never_completes(void **state)
{
	struct rig *g = rig_new(true);
	uint8_t data[0x800];
	(void)state;

	fx_pattern(data, sizeof(data), 78);
	assert_int_equal(erase_range(g, 0x20000, sizeof(data)), BLR_OK);
	g->line.one_kind = FAULT_FLIP;
	g->line.one_id = ISP_FLASH_WRITE;
	g->line.one_nth = 1;
	g->line.one_pos = 3; /* high length byte: 0x08 -> 0x48 or more, or a smaller frame */
	g->line.rng = 7;     /* flips bit 6 first */
	assert_int_equal(write_at(g, 0x20000, data, sizeof(data)), BLR_OK);
	assert_memory_equal(g->fx.flash + 0x20000, data, sizeof(data));
	assert_true(g->warn_wait);
	rig_free(g);
}

/* A command that fails every time although the loader answers recovery: given up after the
 * time budget (a SHA-256 waits 3 s for its answer), not after a fixed small count and not
 * never; a command that fails fast is given up after 16 failures in a row. */
static void retry_budget(void **state)
{
	struct rig *g = rig_new(false);
	uint8_t data[0x100], d[32];
	uint64_t t0;
	int r;
	(void)state;

	memset(data, 0xA5, sizeof(data));
	g->line.one_kind = FAULT_DROP;
	g->line.one_id = ISP_FLASH_READ_SHA256;
	g->line.one_nth = 0; /* every hash frame loses a byte */
	g->line.one_pos = 6;
	t0 = now_ms(g);
	r = sha_at(g, 0x30000, 0x1000, d);
	assert_int_equal(r, BLR_E_TIMEOUT);
	assert_true(g->line.frames_seen[ISP_FLASH_READ_SHA256] > 3);
	assert_true(g->line.frames_seen[ISP_FLASH_READ_SHA256] < 16);
	assert_true(now_ms(g) - t0 >= 30000);
	assert_true(now_ms(g) - t0 < 45000);
	/* write frames wait 250 ms for their early OK: 16 failures come first */
	g->line.one_id = ISP_FLASH_WRITE;
	g->line.one_pos = 50;
	t0 = now_ms(g);
	r = write_at(g, 0x30000, data, sizeof(data));
	assert_int_equal(r, BLR_E_TIMEOUT);
	assert_int_equal(g->line.frames_seen[ISP_FLASH_WRITE], 16);
	assert_true(now_ms(g) - t0 < 30000);
	/* the session is not lost: the loader still answers */
	g->line.one_kind = 0;
	assert_int_equal(write_at(g, 0x30000, data, sizeof(data)), BLR_OK);
	assert_int_equal(sha_at(g, 0x30000, 0x1000, d), BLR_OK);
	rig_free(g);
}

/* Retries on a noisy line tell the user, but do not flood the log. */
static void retry_messages_do_not_flood(void **state)
{
	struct rig *g = rig_new(false);
	uint8_t *data = malloc(2 * MIB);
	unsigned retries, frames;
	uint64_t t0;
	(void)state;

	assert_non_null(data);
	fx_pattern(data, 2 * MIB, 5);
	assert_int_equal(erase_range(g, 0, 2 * MIB), BLR_OK);
	frames = g->line.frames_seen[ISP_FLASH_WRITE];
	g->line.tx_drop_per = 15000;
	t0 = now_ms(g);
	assert_int_equal(write_stream(g, 0, data, 2 * MIB), BLR_OK);
	retries = g->line.frames_seen[ISP_FLASH_WRITE] - frames - 2 * MIB / 0x2400;
	assert_true(retries > 100);
	/* at most one retry line per 10 s at WARN, plus a few for long waits */
	assert_true(g->warns >= 2);
	assert_true(g->warns <= (now_ms(g) - t0) / 10000 + 4);
	free(data);
	rig_free(g);
}

/* ---- the port goes away, the checksum helper --------------------------------------------------
 */

static void port_gone_stops_at_once(void **state)
{
	struct rig *g = rig_new(false);
	uint8_t buf[SEC], mac[6];
	struct blr_chip_info ci;
	(void)state;

	g->line.gone_after = g->line.writes + 3;
	assert_int_equal(read_at(g, 0, buf, SEC), BLR_OK);
	assert_int_equal(read_at(g, 0, buf, SEC), BLR_OK);
	assert_int_equal(read_at(g, 0, buf, SEC), BLR_E_GONE); /* no retry, no recovery */
	assert_int_equal(g->line.reads_after_gone, 0);
	assert_int_equal(blr_read_mac(g->fx.dev, mac), BLR_E_GONE);
	assert_int_equal(blr_get_info(g->fx.dev, &ci), BLR_E_GONE);
	assert_int_equal(fx_connect(&g->fx), BLR_E_GONE);
	assert_int_equal(g->line.reads_after_gone, 0);
	rig_free(g);
}

static void frame_sum_helper(void **state)
{
	/* doc/protocol.md §11.2: read 2048 bytes at 0 -> 32 10 08 00 ...; at 0x1FF800 -> 32 27 */
	static const uint8_t rd0[] = {0, 0, 0, 0, 0, 8, 0, 0};
	static const uint8_t rd1[] = {0x00, 0xF8, 0x1F, 0x00, 0x00, 0x08, 0x00, 0x00};
	struct rig *g = rig_new(false);
	uint8_t p[12], rsp[4];
	(void)state;

	assert_int_equal(ldr_frame_sum(rd0, sizeof(rd0)), 0x10);
	assert_int_equal(ldr_frame_sum(rd1, sizeof(rd1)), 0x27);
	assert_int_equal(ldr_frame_sum(NULL, 0), 0);
	/* a write payload whose sum is 0: the loader would not check it (CKS-3) */
	memset(p, 0, sizeof(p));
	put_le32(p, 0x1000);
	p[4] = (uint8_t)(0x100 - 0x10 - 12);
	assert_int_equal(ldr_frame_sum(p, 12), 0);
	p[5] = 1;
	assert_int_not_equal(ldr_frame_sum(p, 12), 0);
	/* the loader agrees: a raw frame with frame_sum + 1 is refused FL 03 01 */
	{
		uint8_t raw[12] = {0x32, (uint8_t)(ldr_frame_sum(rd1, 8) + 1), 8, 0};
		size_t got = 0;

		memcpy(raw + 4, rd1, 8);
		assert_int_equal(g->fx.t.ops->write(g->fx.t.ctx, raw, sizeof(raw), 100), BLR_OK);
		assert_int_equal(g->fx.t.ops->read(g->fx.t.ctx, rsp, 4, 100, &got), BLR_OK);
		assert_memory_equal(rsp, ((const uint8_t[]){0x46, 0x4C, 0x03, 0x01}), 4);
	}
	rig_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(chip_reset_in_read_stream),
	    cmocka_unit_test(chip_reset_in_write_stream),
	    cmocka_unit_test(chip_reset_single_commands),
	    cmocka_unit_test(chip_reset_without_loader_image),
	    cmocka_unit_test(noisy_line_2mib_write),
	    cmocka_unit_test(noisy_line_2mib_read),
	    cmocka_unit_test(one_damaged_byte),
	    cmocka_unit_test(frame_that_never_completes),
	    cmocka_unit_test(retry_budget),
	    cmocka_unit_test(retry_messages_do_not_flood),
	    cmocka_unit_test(port_gone_stops_at_once),
	    cmocka_unit_test(frame_sum_helper),
	};
	return cmocka_run_group_tests_name("recovery: chip reset, noisy line, port gone", tests,
					   NULL, NULL);
}
