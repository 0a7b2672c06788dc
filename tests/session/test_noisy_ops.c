/* SPDX-License-Identifier: MIT */
/*
 * The flash operations and the connect on a noisy line, with the emulator's own seeded faults
 * (doc/protocol.md EMU-16, EMU-17, the soak's fault kinds) or the damaging wrapper, on a
 * virtual clock: a verified read through flipped and lost reply bytes, a connect whose loader
 * upload loses bytes, and a late FL 0C 00 of a bad xz stream that arrives in front of the
 * next command's reply (REC-1, XZ-7).
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
#include "emu_transport.h"
#include "faulty.h"
#include "fixture.h"
#include "lib/dev.h" /* internals: the exchange */
#include "lib/exchange.h"
#include "lib/isp.h"

#define MIB (1024u * 1024u)

/* A connected session whose emulator injects faults (spec, seed) from the first byte. */
static struct fx *fx_faults(const char *spec, uint64_t seed)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct emu_config cfg;

	assert_non_null(f);
	emu_config_defaults(&cfg);
	cfg.faults = spec;
	cfg.fault_seed = seed;
	fx_init(f, &cfg, FX_PATTERN);
	return f;
}

static void fx_del(struct fx *f)
{
	fx_free(f);
	free(f);
}

static uint64_t now_ms(struct fx *f)
{
	return emu_transport_now_us(&f->t) / 1000u;
}

/* Reply bytes flipped, one in 20 000: about a hundred damaged bytes in 2 MiB, several in the
 * same 4 KiB piece now and then. The repair reads smaller pieces again until each matches the
 * chip's digest (OP-12); before, a piece that differed three times failed the read. */
static void read_through_flipped_replies(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct fx *f = fx_faults("flip-out=1/20000", seed * 480424250u);
		uint8_t *buf = malloc(2 * MIB), d[32];
		struct blr_read_stats st;

		assert_non_null(buf);
		assert_int_equal(fx_connect(f), BLR_OK);
		assert_int_equal(blr_flash_read_ex(f->dev, 0, buf, 2 * MIB, NULL, d, &st), BLR_OK);
		assert_memory_equal(buf, f->flash, 2 * MIB);
		assert_true(st.repairs > 20);
		free(buf);
		fx_del(f);
	}
}

/* Reply bytes lost, one in 20 000: a reply that stops short is given up on after a short
 * silence and asked again at once, without a frame completion or probe (REC-15); before, each
 * cost the command's whole timeout (2 s) and a recovery, about 4 minutes for 2 MiB. */
static void read_through_lost_replies(void **state)
{
	struct fx *f = fx_faults("drop-out=1/20000", 488351984u);
	uint8_t *buf = malloc(2 * MIB);
	uint64_t t0;
	(void)state;

	assert_non_null(buf);
	assert_int_equal(fx_connect(f), BLR_OK);
	t0 = now_ms(f);
	assert_int_equal(blr_flash_read_verified(f->dev, 0, buf, 2 * MIB, NULL), BLR_OK);
	assert_memory_equal(buf, f->flash, 2 * MIB);
	assert_true(now_ms(f) - t0 < 30000); /* virtual time: about 100 lost bytes */
	free(buf);
	fx_del(f);
}

/* Host bytes lost during the loader upload: a ROM frame left short is completed and the
 * upload starts over from the boot header (UPL-5), as often as the budget allows; before,
 * the second loss ended the connect. */
static void connect_through_lost_upload_bytes(void **state)
{
	unsigned most = 0;
	(void)state;

	for (uint32_t seed = 1; seed <= 6; seed++) {
		struct fx *f = calloc(1, sizeof(*f));
		struct faulty line = {0};
		struct blr_chip_info ci;

		assert_non_null(f);
		fx_init(f, NULL, FX_PATTERN);
		line.inner = f->t;
		line.e = f->e;
		line.rng = seed;
		line.tx_drop_per = 6000; /* one or two losses per upload of 8 KiB */
		f->dev->t = faulty_transport(&line);
		assert_int_equal(fx_connect(f), BLR_OK);
		most = line.tx_faults > most ? line.tx_faults : most;
		assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
		assert_int_equal(emu_get_state(f->e), EMU_LDR_CMD);
		fx_free(f);
		free(f);
	}
	assert_true(most >= 2);
}

/* A 0x3F stream the loader cannot decode: its FL 0C 00 comes after the early OK, in front of
 * the next command's reply. It is not that command's answer (REC-1): the read that follows
 * succeeds, and the error is reported once, by the write check (XZ-7). */
static void late_xz_error_is_not_the_next_answer(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t p[4 + 64], rd[8], buf[256];
	size_t got = 0;
	int r;
	(void)state;

	assert_non_null(f);
	fx_init(f, NULL, FX_PATTERN);
	assert_int_equal(fx_connect(f), BLR_OK);
	put_le32(p, 0x80000000u | 0x10000u); /* first packet: not an xz stream at all */
	memset(p + 4, 0xA7, sizeof(p) - 4);
	r = ldr_command(f->dev, ISP_FLASH_DECOMPRESS_WRITE, p, sizeof(p), NULL, 0, NULL, 0,
			LDR_ONCE);
	assert_int_equal(ldr_late_fl(f->dev, ISP_FLASH_DECOMPRESS_WRITE, r), BLR_OK);
	put_le32(rd, 0x1000);
	put_le32(rd + 4, sizeof(buf));
	r = ldr_command(f->dev, ISP_FLASH_READ, rd, sizeof(rd), buf, sizeof(buf), &got, 0,
			LDR_RETRY);
	assert_int_equal(r, BLR_OK);
	assert_int_equal(got, sizeof(buf));
	assert_memory_equal(buf, f->flash + 0x1000, sizeof(buf));
	r = ldr_command(f->dev, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL, 0, LDR_RETRY);
	assert_int_equal(ldr_late_fl(f->dev, ISP_FLASH_WRITE_CHECK, r), BLR_E_DEVICE);
	assert_int_equal(blr_dev_last_device_error(f->dev), ISP_FL_XZ_ERROR);
	r = ldr_command(f->dev, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL, 0, LDR_RETRY);
	assert_int_equal(ldr_late_fl(f->dev, ISP_FLASH_WRITE_CHECK, r), BLR_OK); /* once */
	fx_free(f);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_through_flipped_replies),
	    cmocka_unit_test(read_through_lost_replies),
	    cmocka_unit_test(connect_through_lost_upload_bytes),
	    cmocka_unit_test(late_xz_error_is_not_the_next_answer),
	};
	return cmocka_run_group_tests_name("flash operations on a noisy line", tests, NULL, NULL);
}
