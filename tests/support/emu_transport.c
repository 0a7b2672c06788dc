/* SPDX-License-Identifier: MIT */
/*
 * In-process transport over an emulator core with a virtual clock (emu_transport.h).
 *
 * - write: the bytes reach the emulator at the current virtual time (the emulator models
 *   their line time itself when its timing model is on); never blocks.
 * - read: returns what the emulator has put on the line; when that is not enough, virtual
 *   time jumps to the emulator's next event (or to the read's deadline), never sleeping.
 * - sleep_ms advances virtual time; now_ms reports it.
 * - set_baud forwards to emu_set_baud; set_lines returns BLR_E_UNSUPPORTED, like a
 *   pseudo-terminal (there are no modem lines; use emu_reset() to power-cycle the chip).
 */
#include "emu_transport.h"

#include <stdlib.h>

#include "blrescue/blrescue.h"

struct emu_tr {
	struct emu *e;
	uint64_t now;
};

static int tr_set_baud(void *ctx, unsigned baud)
{
	struct emu_tr *c = ctx;

	if (baud == 0)
		return BLR_E_INVAL;
	emu_set_baud(c->e, baud);
	return BLR_OK;
}

static int tr_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct emu_tr *c = ctx;

	(void)timeout_ms;
	if (len && !buf)
		return BLR_E_INVAL;
	emu_input(c->e, buf, len, c->now);
	return BLR_OK;
}

static int tr_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct emu_tr *c = ctx;
	uint64_t deadline = c->now + (uint64_t)timeout_ms * 1000u;
	size_t k = 0;

	if (got)
		*got = 0;
	if (len && !buf)
		return BLR_E_INVAL;
	for (;;) {
		uint64_t next;

		k += emu_output(c->e, buf + k, len - k, c->now);
		if (k == len)
			break;
		next = emu_next_event_us(c->e);
		if (next <= c->now)
			next = c->now + 1; /* cannot happen; guarantees progress */
		if (next > deadline) {
			c->now = deadline;
			k += emu_output(c->e, buf + k, len - k, c->now);
			break;
		}
		c->now = next;
	}
	if (got)
		*got = k;
	return k == len ? BLR_OK : BLR_E_TIMEOUT;
}

static int tr_flush_input(void *ctx)
{
	struct emu_tr *c = ctx;
	uint8_t scratch[4096];

	while (emu_output(c->e, scratch, sizeof(scratch), c->now) == sizeof(scratch))
		;
	return BLR_OK;
}

static int tr_drain(void *ctx)
{
	(void)ctx;
	return BLR_OK;
}

static int tr_set_lines(void *ctx, int dtr, int rts)
{
	(void)ctx;
	(void)dtr;
	(void)rts;
	return BLR_E_UNSUPPORTED;
}

static uint64_t tr_now_ms(void *ctx)
{
	const struct emu_tr *c = ctx;

	return c->now / 1000u;
}

static void tr_sleep_ms(void *ctx, unsigned ms)
{
	struct emu_tr *c = ctx;

	c->now += (uint64_t)ms * 1000u;
}

static void tr_close(void *ctx)
{
	free(ctx);
}

static int tr_last_os_error(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops emu_tr_ops = {
    .set_baud = tr_set_baud,
    .write = tr_write,
    .read = tr_read,
    .flush_input = tr_flush_input,
    .drain = tr_drain,
    .set_lines = tr_set_lines,
    .now_ms = tr_now_ms,
    .sleep_ms = tr_sleep_ms,
    .close = tr_close,
    .last_os_error = tr_last_os_error,
};

int emu_transport_open(struct blr_transport *t, struct emu *e)
{
	struct emu_tr *c;

	if (!t || !e)
		return BLR_E_INVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return BLR_E_NOMEM;
	c->e = e;
	t->ops = &emu_tr_ops;
	t->ctx = c;
	return BLR_OK;
}

uint64_t emu_transport_now_us(const struct blr_transport *t)
{
	const struct emu_tr *c = t->ctx;

	return c->now;
}
