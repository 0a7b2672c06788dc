/* SPDX-License-Identifier: MIT */
/*
 * The connect flow against the emulator on a virtual clock (timing model on): a loader left
 * running by an earlier session is found quickly whatever the idle time and the rate it last
 * used, its failure count starts right, the work baud can change while it runs, 3 Mbaud works
 * and falls back to 2 Mbaud first, and a connect that hears no handshake says what it heard.
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
#include "common/hash.h"
#include "emu_transport.h"
#include "faulty.h"
#include "fixture.h"
#include "lib/dev.h" /* internals: the failure count, the exchange */
#include "lib/exchange.h"
#include "lib/isp.h"

#define SEC BLR_SECTOR_SIZE

/* WARN lines, and whether any log line contains a given word */
struct logrec {
	unsigned nwarn;
	char warn[32][200];
};

static void log_rec(void *user, enum blr_log_level lvl, const char *msg)
{
	struct logrec *r = user;

	fx_log(NULL, lvl, msg);
	if (lvl == BLR_LOG_WARN && r->nwarn < 32)
		snprintf(r->warn[r->nwarn++], sizeof(r->warn[0]), "%s", msg);
}

static bool warned(const struct logrec *r, const char *a, const char *b)
{
	for (unsigned i = 0; i < r->nwarn; i++)
		if (strstr(r->warn[i], a) && (!b || strstr(r->warn[i], b)))
			return true;
	return false;
}

/* The emulator with its timing model on and a low-latency adapter (2 ms turnaround). */
static struct fx *timed_fx(void)
{
	struct emu_config cfg;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	cfg.timing.latency_us = 2000;
	fx_init(f, &cfg, FX_PATTERN);
	return f;
}

static void del_fx(struct fx *f)
{
	fx_free(f);
	free(f);
}

static uint64_t now_ms(struct fx *f)
{
	return emu_transport_now_us(&f->t) / 1000u;
}

static void read_back(struct fx *f, uint32_t at)
{
	uint8_t buf[SEC];

	assert_int_equal(blr_flash_read(f->dev, at, buf, sizeof(buf)), BLR_OK);
	assert_memory_equal(buf, f->flash + at, sizeof(buf));
}

/* A session at last_baud, idle_ms of silence, then a session at new_baud: it must find the
 * running loader (no upload) within max_ms and warn about nothing ROM-related. */
static void reconnect_case(unsigned last_baud, unsigned idle_ms, unsigned new_baud, unsigned max_ms)
{
	struct fx *f = timed_fx();
	struct logrec lr = {0};
	struct blr_chip_info ci;
	uint64_t t0, took;
	int r;

	f->opts.baud = last_baud;
	assert_int_equal(fx_connect(f), BLR_OK);
	f->t.ops->sleep_ms(f->t.ctx, idle_ms);
	blr_dev_set_log(f->dev, log_rec, &lr, BLR_LOG_TRACE);
	f->opts.baud = new_baud;
	t0 = now_ms(f);
	r = fx_connect(f);
	took = now_ms(f) - t0;
	if (r != BLR_OK || took >= max_ms)
		fail_msg("loader at %u baud, idle %u ms, connect at %u: %s after %llu ms",
			 last_baud, idle_ms, new_baud, blr_strerror(r), (unsigned long long)took);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_true(ci.loader_was_running);
	assert_int_equal(ci.rom_version, 0); /* the ROM was not asked: nothing uploaded */
	assert_int_equal(ci.baud, new_baud);
	if (warned(&lr, "ROM", NULL))
		fail_msg("ROM warning reconnecting at %u after %u: %s", new_baud, last_baud,
			 lr.warn[0]);
	read_back(f, 0x3000);
	del_fx(f);
}

static void reconnect_any_idle_any_baud(void **state)
{
	static const unsigned idle[] = {0, 3900, 4200, 5000, 60000};
	static const unsigned last[] = {2000000, 921600, 1000000, 500000, 460800, 230400, 115200};
	(void)state;

	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		for (size_t b = 0; b < sizeof(last) / sizeof(last[0]); b++)
			reconnect_case(last[b], idle[i], BLR_DEFAULT_BAUD, 500);
}

static void change_work_baud_while_running(void **state)
{
	static const unsigned idle[] = {0, 3900, 4200, 5000};
	(void)state;

	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++) {
		reconnect_case(2000000, idle[i], 921600, 1000);
		reconnect_case(921600, idle[i], 3000000, 1000);
	}
}

static void fresh_chip_connect_cost(void **state)
{
	struct fx *f = timed_fx();
	uint64_t t0;
	(void)state;

	/* the probes for a running loader at more rates must not slow the first connect down:
	 * 577 ms before them (0.2 s of probes at the work baud, ROM handshake, upload of the 8 KiB
	 * synthetic loader at 500 kbaud, loader handshake, MAC, JEDEC id) */
	t0 = now_ms(f);
	assert_int_equal(fx_connect(f), BLR_OK);
	if (now_ms(f) - t0 > 580)
		fail_msg("fresh chip: %llu ms", (unsigned long long)(now_ms(f) - t0));
	del_fx(f);
}

/* An earlier session left the loader with two counted failures (FAIL-1). The next session's
 * mirror of the count must be right: one more failure, then the next command is answered at
 * once (no timeout, no recovery). */
static void reuse_starts_failure_count(void **state)
{
	static const uint8_t bad_read[] = {0x32, 0x00, 0x00, 0x00}; /* N = 0: FL 04 00 */
	struct fx *f = timed_fx();
	uint8_t rsp[8], jedec[4];
	size_t got = 0, jl = 0;
	uint64_t t0;
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f->t.ops->write(f->t.ctx, bad_read, sizeof(bad_read), 100),
				 BLR_OK);
		assert_int_equal(f->t.ops->read(f->t.ctx, rsp, 4, 100, &got), BLR_OK);
		assert_memory_equal(rsp, ((const uint8_t[]){0x46, 0x4C, 0x04, 0x00}), 4);
	}
	f->opts.loader = NULL;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(
	    ldr_command(f->dev, ISP_FLASH_READ, NULL, 0, rsp, sizeof(rsp), &got, 0, LDR_ONCE),
	    BLR_E_DEVICE);
	assert_int_equal(blr_dev_last_device_error(f->dev), 0x0004);
	t0 = now_ms(f);
	assert_int_equal(ldr_command(f->dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, jedec, sizeof(jedec),
				     &jl, 0, LDR_RETRY),
			 BLR_OK);
	assert_true(now_ms(f) - t0 < 100);
	del_fx(f);
}

static void three_mbaud(void **state)
{
	struct fx *f = timed_fx();
	struct blr_chip_info ci;
	uint8_t *want = malloc(0x9000), d1[32], d2[32];
	(void)state;

	assert_non_null(want);
	f->opts.baud = 3000000;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_int_equal(ci.baud, 3000000);
	fx_pattern(want, 0x9000, 3);
	assert_int_equal(blr_flash_update(f->dev, 0x50000, want, 0x9000, 0, NULL), BLR_OK);
	assert_int_equal(blr_flash_sha256(f->dev, 0x50000, 0x9000, d1), BLR_OK);
	assert_int_equal(hash_sha256(want, 0x9000, d2), 0);
	assert_memory_equal(d1, d2, 32);
	read_back(f, 0x50000);
	free(want);
	del_fx(f);
}

static void fallback_below_three_mbaud(void **state)
{
	struct fx *f = timed_fx();
	struct faulty a = {.max_baud = 2000000};
	struct logrec lr = {0};
	struct blr_chip_info ci;
	(void)state;

	/* an adapter that cannot do 3 Mbaud: the loader handshake there fails; 2 Mbaud is the
	 * next rate tried, and the warning names both */
	a.inner = f->t;
	a.e = f->e;
	f->dev->t = faulty_transport(&a);
	blr_dev_set_log(f->dev, log_rec, &lr, BLR_LOG_TRACE);
	f->opts.baud = 3000000;
	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_get_info(f->dev, &ci), BLR_OK);
	assert_int_equal(ci.baud, 2000000);
	assert_true(warned(&lr, "3000000", "2000000"));
	read_back(f, 0x7000);
	del_fx(f);
}

/* ---- nothing answers: what the line carries ------------------------------------------------ */

/* A port with a chip that runs its firmware (not in download mode): it never answers a
 * handshake, and prints text_len bytes of text per 100 ms at text_baud (0: silent). At any
 * other rate the host reads what a UART makes of a foreign rate: mostly framing garbage. */
struct chatter {
	uint64_t now_ms, emitted_at;
	unsigned baud, text_baud;
	const char *text;
	size_t pos;
	unsigned writes;
	bool once; /* the text is sent once after each input flush, then the line is quiet */
	unsigned max_baud; /* set_baud above it: BLR_E_UNSUPPORTED (0: any) */
};

static int ch_set_baud(void *ctx, unsigned baud)
{
	if (((struct chatter *)ctx)->max_baud && baud > ((struct chatter *)ctx)->max_baud)
		return BLR_E_UNSUPPORTED;
	((struct chatter *)ctx)->baud = baud;
	return baud ? BLR_OK : BLR_E_INVAL;
}

static int ch_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	(void)buf;
	(void)len;
	(void)timeout_ms;
	((struct chatter *)ctx)->writes++;
	return BLR_OK;
}

static uint8_t ch_byte(struct chatter *c)
{
	static const uint8_t junk[] = {0x00, 0xF0, 0x80, 0xE0, 0x78, 0xFE, 0x00, 0x1C, 0xC0,
				       0x3F, 0x00, 0x8C, 0xF8, 0x06, 0x7E, 0x00, 0x61, 0xE6};
	size_t n = strlen(c->text);
	uint8_t b =
	    c->baud == c->text_baud ? (uint8_t)c->text[c->pos % n] : junk[c->pos % sizeof(junk)];

	c->pos++;
	return b;
}

/* one byte per ms while the firmware prints */
static int ch_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct chatter *c = ctx;
	uint64_t end = c->now_ms + timeout_ms;

	*got = 0;
	while (*got < len && c->text_baud && !(c->once && c->pos >= strlen(c->text))) {
		if (c->emitted_at < c->now_ms)
			c->emitted_at = c->now_ms;
		if (c->emitted_at >= end)
			break;
		buf[(*got)++] = ch_byte(c);
		c->emitted_at++;
		c->now_ms = c->emitted_at;
	}
	if (*got == len)
		return BLR_OK;
	c->now_ms = end;
	return BLR_E_TIMEOUT;
}

static int ch_nop(void *ctx)
{
	(void)ctx;
	return BLR_OK;
}

static int ch_flush(void *ctx)
{
	struct chatter *c = ctx;

	if (c->once)
		c->pos = 0;
	return BLR_OK;
}

static int ch_lines(void *ctx, int dtr, int rts)
{
	(void)ctx;
	(void)dtr;
	(void)rts;
	return BLR_E_UNSUPPORTED;
}

static uint64_t ch_now(void *ctx)
{
	return ((struct chatter *)ctx)->now_ms;
}

static void ch_sleep(void *ctx, unsigned ms)
{
	((struct chatter *)ctx)->now_ms += ms;
}

static void ch_close(void *ctx)
{
	(void)ctx;
}

static int ch_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops chatter_ops = {
    ch_set_baud, ch_write, ch_read,  ch_flush, ch_nop,
    ch_lines,	 ch_now,   ch_sleep, ch_close, ch_oserr,
};

static const char boot_log[] = "bl602 firmware v1.2 booting\r\n[wifi] init done, ssid=home\r\n";

/* max_baud: the port cannot be set above it (0: any rate); connect then asks for lower rates */
static void listen_case_ex(const char *log, bool once, unsigned max_baud, unsigned text_baud,
			   enum blr_heard want, unsigned want_baud)
{
	struct chatter c = {
	    .text_baud = text_baud, .text = log, .once = once, .max_baud = max_baud};
	struct blr_transport t = {&chatter_ops, &c};
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {0};
	struct blr_listen l;

	if (max_baud) {
		o.rom_baud = 115200;
		o.baud = 460800;
	}
	assert_int_equal(blr_dev_new(&dev, &t), BLR_OK);
	blr_dev_set_log(dev, fx_log, NULL, BLR_LOG_DEBUG);
	assert_int_equal(blr_dev_last_listen(dev, &l), BLR_E_INVAL); /* no connect yet */
	assert_int_equal(blr_connect(dev, &o), BLR_E_NO_RESPONSE);
	memset(&l, 0xAA, sizeof(l));
	assert_int_equal(blr_dev_last_listen(dev, &l), BLR_OK);
	assert_int_equal(l.heard, want);
	assert_int_equal(l.baud, want_baud);
	assert_true(memchr(l.sample, '\0', sizeof(l.sample)) != NULL);
	if (want == BLR_HEARD_TEXT) {
		assert_non_null(strstr(l.sample, "init done"));
		for (const char *p = l.sample; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7F);
	} else {
		assert_string_equal(l.sample, "");
	}
	if (want == BLR_HEARD_NOTHING)
		assert_int_equal(l.bytes, 0);
	else
		assert_true(l.bytes > 0);
	blr_dev_free(dev);
}

static void listen_case(const char *log, unsigned text_baud, enum blr_heard want,
			unsigned want_baud)
{
	listen_case_ex(log, false, 0, text_baud, want, want_baud);
}

static void listen_when_nothing_answers(void **state)
{
	(void)state;
	listen_case(boot_log, 115200, BLR_HEARD_TEXT, 115200);
	listen_case(boot_log, 2000000, BLR_HEARD_TEXT, 2000000);
	listen_case(boot_log, 921600, BLR_HEARD_TEXT, 921600);
	listen_case(boot_log, 74880, BLR_HEARD_NOISE, 0); /* a rate none of the three decodes */
	listen_case(boot_log, 0, BLR_HEARD_NOTHING, 0);
	/* an "OK" in a log at 115200 passes for the ROM's handshake reply (HS-4) at the ROM's
	 * fallback rate; get_boot_info then stays unanswered, and the text is what was heard */
	listen_case("[wifi] init done, state OK\r\n", 115200, BLR_HEARD_TEXT, 115200);
	/* one whole line heard, its newline the last byte: the sample is that line, not empty */
	listen_case_ex("[app] wifi idle, init done\r\n", true, 0, 2000000, BLR_HEARD_TEXT, 2000000);
	/* a port that cannot be set to 2000000: the other rates are still listened at */
	listen_case_ex(boot_log, false, 460800, 115200, BLR_HEARD_TEXT, 115200);
}

/* A port that cannot be set above 460800 baud (qemu-user's termios; some OS drivers). Its
 * close leaves the emulator's transport to the fixture's own device. */
static const struct blr_transport_ops *capped_base;

static int capped_set_baud(void *ctx, unsigned baud)
{
	return baud > 460800 ? BLR_E_UNSUPPORTED : capped_base->set_baud(ctx, baud);
}

static void capped_close(void *ctx)
{
	(void)ctx;
}

/* The probes for a running loader skip the rates the port cannot set: connect works at the
 * rates it can, on a fresh chip and with a loader left running. */
static void port_without_high_rates(void **state)
{
	static struct blr_transport_ops ops;
	struct fx *f = timed_fx();
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	(void)state;

	capped_base = f->t.ops;
	ops = *f->t.ops;
	ops.set_baud = capped_set_baud;
	ops.close = capped_close;
	t.ops = &ops;
	t.ctx = f->t.ctx;
	assert_int_equal(blr_dev_new(&dev, &t), BLR_OK);
	f->opts.rom_baud = 115200;
	f->opts.baud = 460800;
	assert_int_equal(blr_connect(dev, &f->opts), BLR_OK);
	f->t.ops->sleep_ms(f->t.ctx, 5000);
	assert_int_equal(blr_connect(dev, &f->opts), BLR_OK);
	f->opts.baud = 2000000; /* asked for a rate the port cannot set: said so */
	assert_int_equal(blr_connect(dev, &f->opts), BLR_E_UNSUPPORTED);
	blr_dev_free(dev);
	del_fx(f);
}

static void listen_only_after_a_failed_connect(void **state)
{
	struct fx *f = timed_fx();
	struct blr_listen l;
	(void)state;

	assert_int_equal(fx_connect(f), BLR_OK);
	assert_int_equal(blr_dev_last_listen(f->dev, &l), BLR_E_INVAL);
	del_fx(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reconnect_any_idle_any_baud),
	    cmocka_unit_test(change_work_baud_while_running),
	    cmocka_unit_test(fresh_chip_connect_cost),
	    cmocka_unit_test(reuse_starts_failure_count),
	    cmocka_unit_test(three_mbaud),
	    cmocka_unit_test(fallback_below_three_mbaud),
	    cmocka_unit_test(listen_when_nothing_answers),
	    cmocka_unit_test(listen_only_after_a_failed_connect),
	    cmocka_unit_test(port_without_high_rates),
	};
	return cmocka_run_group_tests_name("connect flow: reconnect, baud, listen", tests, NULL,
					   NULL);
}
