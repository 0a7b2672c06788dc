/* SPDX-License-Identifier: MIT */
/* The in-process emulator transport (tests/support/emu_transport.c) and its virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "emu_transport.h"

struct fx {
	struct emu_config cfg;
	uint8_t *flash;
	struct emu *e;
	struct blr_transport t;
};

static void fx_open(struct fx *f, bool timing)
{
	emu_config_defaults(&f->cfg);
	f->cfg.timing.enabled = timing;
	f->flash = malloc(f->cfg.flash_size);
	assert_non_null(f->flash);
	memset(f->flash, 0xFF, f->cfg.flash_size);
	f->e = emu_new(&f->cfg, f->flash);
	assert_non_null(f->e);
	assert_int_equal(emu_transport_open(&f->t, f->e), BLR_OK);
}

static void fx_close(struct fx *f)
{
	f->t.ops->close(f->t.ctx);
	emu_free(f->e);
	free(f->flash);
}

static void handshake(struct fx *f, unsigned baud)
{
	uint8_t burst[1200], buf[8];
	size_t got = 0, n = (size_t)baud * 6 / 10000;

	memset(burst, 0x55, sizeof(burst));
	assert_int_equal(f->t.ops->set_baud(f->t.ctx, baud), BLR_OK);
	assert_int_equal(f->t.ops->write(f->t.ctx, burst, n, 100), BLR_OK);
	assert_int_equal(f->t.ops->read(f->t.ctx, buf, 2, 100, &got), BLR_OK);
	assert_int_equal(got, 2);
	assert_memory_equal(buf, "OK", 2);
}

/* Reads jump to the next event; a read that cannot be satisfied costs exactly its timeout. */
static void virtual_clock(void **state)
{
	struct fx f;
	uint8_t buf[64];
	size_t got = 99;
	uint64_t t0;

	(void)state;
	fx_open(&f, false);
	assert_int_equal(emu_transport_now_us(&f.t), 0);
	handshake(&f, 500000);
	/* OK came 8 ms after the first 0x55 (doc/protocol.md HS-7), no sleeping */
	assert_int_equal(emu_transport_now_us(&f.t), 8000);
	t0 = emu_transport_now_us(&f.t);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 1, 250, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 0);
	assert_int_equal(emu_transport_now_us(&f.t), t0 + 250000);
	f.t.ops->sleep_ms(f.t.ctx, 100);
	assert_int_equal(f.t.ops->now_ms(f.t.ctx), (t0 + 350000) / 1000);
	/* get_boot_info: 24 bytes */
	assert_int_equal(f.t.ops->write(f.t.ctx, (const uint8_t *)"\x10\0\0\0", 4, 100), BLR_OK);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 24, 100, &got), BLR_OK);
	assert_int_equal(got, 24);
	/* asking for more than comes: short read, BLR_E_TIMEOUT */
	assert_int_equal(f.t.ops->write(f.t.ctx, (const uint8_t *)"\x10\0\0\0", 4, 100), BLR_OK);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 30, 100, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 24);
	/* 2 s of sleep: the ROM went back to handshake mode */
	f.t.ops->sleep_ms(f.t.ctx, 2500);
	assert_int_equal(f.t.ops->write(f.t.ctx, (const uint8_t *)"\x10\0\0\0", 4, 100), BLR_OK);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 1, 100, &got), BLR_E_TIMEOUT);
	assert_int_equal(emu_get_state(f.e), EMU_ROM_WAIT_SYNC);
	fx_close(&f);
}

static void flush_and_lines(void **state)
{
	struct fx f;
	uint8_t buf[64];
	size_t got;

	(void)state;
	fx_open(&f, false);
	handshake(&f, 115200);
	assert_int_equal(f.t.ops->write(f.t.ctx, (const uint8_t *)"\x10\0\0\0", 4, 100), BLR_OK);
	assert_int_equal(f.t.ops->flush_input(f.t.ctx), BLR_OK);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 1, 50, &got), BLR_E_TIMEOUT);
	assert_int_equal(f.t.ops->set_lines(f.t.ctx, 1, 0), BLR_E_UNSUPPORTED);
	assert_int_equal(f.t.ops->drain(f.t.ctx), BLR_OK);
	assert_int_equal(f.t.ops->last_os_error(f.t.ctx), 0);
	assert_int_equal(f.t.ops->set_baud(f.t.ctx, 0), BLR_E_INVAL);
	fx_close(&f);
}

/* With the timing model on, virtual time measures line time: 24 reply bytes + 4 request
 * bytes at 115200 baud take at least 28 * 10 / 115200 s. */
static void timing_model(void **state)
{
	struct fx f;
	uint8_t buf[64];
	size_t got;
	uint64_t t0, dt;

	(void)state;
	fx_open(&f, true);
	handshake(&f, 115200);
	f.t.ops->sleep_ms(f.t.ctx, 30);
	t0 = emu_transport_now_us(&f.t);
	assert_int_equal(f.t.ops->write(f.t.ctx, (const uint8_t *)"\x10\0\0\0", 4, 100), BLR_OK);
	assert_int_equal(f.t.ops->read(f.t.ctx, buf, 24, 100, &got), BLR_OK);
	dt = emu_transport_now_us(&f.t) - t0;
	assert_true(dt >= 28u * 10u * 1000000u / 115200u);
	assert_true(dt <= 28u * 10u * 1000000u / 115200u + f.cfg.timing.latency_us + 10);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(virtual_clock),
	    cmocka_unit_test(flush_and_lines),
	    cmocka_unit_test(timing_model),
	};
	return cmocka_run_group_tests_name("emu-transport", tests, NULL, NULL);
}
