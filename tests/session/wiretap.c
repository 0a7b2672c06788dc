/* SPDX-License-Identifier: MIT */
#include "wiretap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/dev.h" /* to slip the tap under the device context */

#define REPLY_DATA_AT 4u /* "OK" + u16 length */

static int wt_set_baud(void *ctx, unsigned baud)
{
	struct wiretap *w = ctx;

	return w->inner.ops->set_baud(w->inner.ctx, baud);
}

/* A request frame (not a handshake burst of 0x55): count, maybe garble. */
static int wt_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct wiretap *w = ctx;
	uint8_t *c;
	int r;

	if (len < 4 || buf[0] == 0x55)
		return w->inner.ops->write(w->inner.ctx, buf, len, timeout_ms);
	w->frames[buf[0]]++;
	w->zero_sum[buf[0]] += buf[1] == 0;
	w->last_id = buf[0];
	w->last_nth = w->frames[buf[0]];
	w->reply_pos = 0;
	if (!w->garble_id || buf[0] != w->garble_id || w->last_nth != w->garble_nth ||
	    4 + w->garble_at >= len)
		return w->inner.ops->write(w->inner.ctx, buf, len, timeout_ms);
	c = malloc(len);
	assert_non_null(c);
	memcpy(c, buf, len);
	c[4 + w->garble_at] = w->garble_to;
	c[1] = 0;
	for (size_t i = 2; i < len; i++) /* CKS-1: length and payload bytes */
		c[1] = (uint8_t)(c[1] + c[i]);
	w->garbled++;
	r = w->inner.ops->write(w->inner.ctx, c, len, timeout_ms);
	free(c);
	return r;
}

static int wt_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct wiretap *w = ctx;
	int r = w->inner.ops->read(w->inner.ctx, buf, len, timeout_ms, got);
	size_t at = REPLY_DATA_AT + w->flip_at;

	w->rx_bytes += *got;
	if (w->flip_id && w->last_id == w->flip_id &&
	    (!w->flip_nth || w->last_nth == w->flip_nth) && w->reply_pos <= at &&
	    w->reply_pos + *got > at) {
		buf[at - w->reply_pos] ^= 0x01;
		w->flipped++;
	}
	w->reply_pos += *got;
	return r;
}

static int wt_flush(void *ctx)
{
	struct wiretap *w = ctx;

	return w->inner.ops->flush_input(w->inner.ctx);
}

static int wt_drain(void *ctx)
{
	struct wiretap *w = ctx;

	return w->inner.ops->drain(w->inner.ctx);
}

static int wt_lines(void *ctx, int dtr, int rts)
{
	struct wiretap *w = ctx;

	return w->inner.ops->set_lines(w->inner.ctx, dtr, rts);
}

static uint64_t wt_now(void *ctx)
{
	struct wiretap *w = ctx;

	return w->inner.ops->now_ms(w->inner.ctx);
}

static void wt_sleep(void *ctx, unsigned ms)
{
	struct wiretap *w = ctx;

	w->inner.ops->sleep_ms(w->inner.ctx, ms);
}

static void wt_close(void *ctx)
{
	struct wiretap *w = ctx;

	w->inner.ops->close(w->inner.ctx);
}

static int wt_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops wt_ops = {
    wt_set_baud, wt_write, wt_read,  wt_flush, wt_drain,
    wt_lines,	 wt_now,   wt_sleep, wt_close, wt_oserr,
};

void wiretap_attach(struct wiretap *w, struct fx *f)
{
	w->inner = f->t;
	f->dev->t = (struct blr_transport){&wt_ops, w};
}

struct rig *rig_new(const struct emu_config *cfg, enum fx_fill fill)
{
	struct rig *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	fx_init(&g->f, cfg, fill);
	wiretap_attach(&g->w, &g->f);
	assert_int_equal(fx_connect(&g->f), BLR_OK);
	g->buf = malloc(g->f.cfg.flash_size);
	assert_non_null(g->buf);
	memset(&g->w.frames, 0, sizeof(g->w.frames));
	g->w.rx_bytes = 0;
	return g;
}

void rig_free(struct rig *g)
{
	fx_free(&g->f);
	free(g->buf);
	free(g);
}
