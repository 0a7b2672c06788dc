/* SPDX-License-Identifier: MIT */
/* The line-damaging transport wrapper of faulty.h. */
#include "faulty.h"

#include <stdlib.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "emu_transport.h"

static uint32_t rnd(struct faulty *f)
{
	uint32_t x = f->rng ? f->rng : 0x9E3779B9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	f->rng = x;
	return x;
}

static bool hit(struct faulty *f, unsigned per)
{
	return per && rnd(f) % per == 0;
}

static bool burst(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0x55)
			return false;
	return len > 0;
}

static bool flash_frame(const uint8_t *buf, size_t len)
{
	return len > 4 && buf[0] >= 0x30 && buf[0] <= 0x3F;
}

static int gone(struct faulty *f)
{
	f->reads_after_gone++;
	return BLR_E_GONE;
}

/* Copy buf to out (room for 2 * len) with the configured faults; returns the new length. */
static size_t damage(struct faulty *f, const uint8_t *buf, size_t len, uint8_t *out)
{
	bool one = f->one_kind && len >= 4 && buf[0] == f->one_id &&
		   (!f->one_nth || f->frames_seen[f->one_id] == f->one_nth);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		enum fault_kind k = 0;

		if (one && i == f->one_pos)
			k = f->one_kind;
		else if (hit(f, f->tx_drop_per))
			k = FAULT_DROP;
		else if (hit(f, f->tx_dup_per))
			k = FAULT_DUP;
		else if (hit(f, f->tx_flip_per))
			k = FAULT_FLIP;
		if (k)
			f->tx_faults++;
		if (k == FAULT_DROP)
			continue;
		out[o++] = k == FAULT_FLIP ? (uint8_t)(buf[i] ^ (1u << (rnd(f) % 8))) : buf[i];
		if (k == FAULT_DUP)
			out[o++] = buf[i];
	}
	return o;
}

static int fy_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct faulty *f = ctx;
	bool frame = len >= 4 && buf[0] != 0x55, reset = false;
	uint8_t *out;
	size_t n;
	int r;

	if (f->gone)
		return gone(f);
	if (f->gone_after && ++f->writes >= f->gone_after) {
		f->gone = true;
		return BLR_E_GONE;
	}
	if (!f->gone_after)
		f->writes++;
	if (len == 1)
		f->single_bytes++;
	if (frame) {
		f->frames_seen[buf[0]]++;
		reset = f->reset_id && !f->reset_done && buf[0] == f->reset_id &&
			f->frames_seen[buf[0]] == f->reset_nth;
		if (reset && !f->reset_after) {
			emu_reset(f->e, emu_transport_now_us(&f->inner));
			f->reset_done = true;
		}
		if (flash_frame(buf, len) && emu_get_state(f->e) <= EMU_ROM_CMD)
			f->frames_to_rom++;
	}
	if (f->max_baud && f->baud > f->max_baud)
		return BLR_OK;
	if (burst(buf, len)) {
		f->bursts++;
		return f->inner.ops->write(f->inner.ctx, buf, len, timeout_ms);
	}
	out = malloc(2 * len + 1);
	if (!out)
		return BLR_E_NOMEM;
	n = damage(f, buf, len, out);
	r = f->inner.ops->write(f->inner.ctx, out, n, timeout_ms);
	free(out);
	if (reset && f->reset_after) {
		emu_reset(f->e, emu_transport_now_us(&f->inner));
		f->reset_done = true;
	}
	return r;
}

static int fy_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct faulty *f = ctx;
	uint64_t deadline = f->inner.ops->now_ms(f->inner.ctx) + timeout_ms;
	size_t k = 0;
	int r = BLR_E_TIMEOUT;

	*got = 0;
	if (f->gone)
		return gone(f);
	for (;;) {
		uint64_t now = f->inner.ops->now_ms(f->inner.ctx);
		size_t g = 0, w = k;

		r = f->inner.ops->read(f->inner.ctx, buf + k, len - k,
				       now < deadline ? (unsigned)(deadline - now) : 0, &g);
		for (size_t i = k; i < k + g; i++) {
			uint8_t b = buf[i];

			if (hit(f, f->rx_drop_per)) {
				f->rx_faults++;
				continue;
			}
			if (hit(f, f->rx_flip_per)) {
				f->rx_faults++;
				b ^= (uint8_t)(1u << (rnd(f) % 8));
			}
			buf[w++] = b;
		}
		k = w;
		if (k == len || r != BLR_OK)
			break;
	}
	*got = k;
	if (k == len)
		return BLR_OK;
	return r == BLR_OK ? BLR_E_TIMEOUT : r;
}

static int fy_set_baud(void *ctx, unsigned baud)
{
	struct faulty *f = ctx;

	if (f->gone)
		return gone(f);
	f->baud = baud;
	return f->inner.ops->set_baud(f->inner.ctx, baud);
}

static int fy_flush(void *ctx)
{
	struct faulty *f = ctx;

	return f->gone ? gone(f) : f->inner.ops->flush_input(f->inner.ctx);
}

static int fy_drain(void *ctx)
{
	struct faulty *f = ctx;

	return f->inner.ops->drain(f->inner.ctx);
}

static int fy_lines(void *ctx, int dtr, int rts)
{
	struct faulty *f = ctx;

	return f->inner.ops->set_lines(f->inner.ctx, dtr, rts);
}

static uint64_t fy_now(void *ctx)
{
	struct faulty *f = ctx;

	return f->inner.ops->now_ms(f->inner.ctx);
}

static void fy_sleep(void *ctx, unsigned ms)
{
	struct faulty *f = ctx;

	f->inner.ops->sleep_ms(f->inner.ctx, ms);
}

static void fy_close(void *ctx)
{
	struct faulty *f = ctx;

	f->inner.ops->close(f->inner.ctx);
}

static int fy_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops faulty_ops = {
    fy_set_baud, fy_write, fy_read,  fy_flush, fy_drain,
    fy_lines,	 fy_now,   fy_sleep, fy_close, fy_oserr,
};

struct blr_transport faulty_transport(struct faulty *f)
{
	return (struct blr_transport){&faulty_ops, f};
}
