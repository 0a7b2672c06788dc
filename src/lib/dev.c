/* SPDX-License-Identifier: MIT */
/*
 * The device context (blr_dev_new ... blr_dev_last_os_error) and the transport helpers the
 * exchange and the connect flow share: clock, sleeps, baud, line time, writes with errno kept.
 */
#include <stdlib.h>

#include "lib/dev.h"
#include "lib/loader.h"

#define WRITE_SLACK_MS 1000u

int blr_dev_new(struct blr_dev **out, struct blr_transport *t)
{
	struct blr_dev *dev;

	if (!out || !t || !t->ops)
		return BLR_E_INVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return BLR_E_NOMEM;
	dev->t = *t;
	dev->link = LINK_UNKNOWN;
	dev->rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	dev->frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	*out = dev;
	return BLR_OK;
}

void blr_dev_free(struct blr_dev *dev)
{
	if (!dev)
		return;
	if (dev->t.ops && dev->t.ops->close)
		dev->t.ops->close(dev->t.ctx);
	free(dev->ldr_img);
	free(dev);
}

void blr_dev_set_log(struct blr_dev *dev, blr_log_fn fn, void *user, enum blr_log_level max)
{
	dev->log_fn = fn;
	dev->log_user = user;
	dev->log_max = max;
}

void blr_dev_set_progress(struct blr_dev *dev, blr_progress_fn fn, void *user)
{
	dev->progress_fn = fn;
	dev->progress_user = user;
}

void blr_dev_set_cancel(struct blr_dev *dev, blr_cancel_fn fn, void *user)
{
	dev->cancel_fn = fn;
	dev->cancel_user = user;
}

uint16_t blr_dev_last_device_error(const struct blr_dev *dev)
{
	return dev->last_dev_err;
}

int blr_dev_last_os_error(const struct blr_dev *dev)
{
	return dev->last_os_err;
}

int blr_dev_last_listen(const struct blr_dev *dev, struct blr_listen *out)
{
	if (!dev || !out || !dev->listened)
		return BLR_E_INVAL;
	*out = dev->listen;
	return BLR_OK;
}

bool dev_connected(const struct blr_dev *dev)
{
	return dev && (dev->link == LINK_LOADER || dev->link == LINK_LOADER_SYNC) &&
	       dev->info.flash_size != 0;
}

/* ---- transport helpers -------------------------------------------------------------------- */

uint64_t dev_now_ms(struct blr_dev *dev)
{
	return dev->t.ops->now_ms(dev->t.ctx);
}

void dev_sleep_ms(struct blr_dev *dev, unsigned ms)
{
	if (ms)
		dev->t.ops->sleep_ms(dev->t.ctx, ms);
}

int dev_wait_ms(struct blr_dev *dev, unsigned ms)
{
	while (ms) {
		unsigned n = ms < DEV_WAIT_SLICE_MS ? ms : DEV_WAIT_SLICE_MS;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		dev_sleep_ms(dev, n);
		ms -= n;
	}
	return BLR_OK;
}

int dev_keep_os(struct blr_dev *dev, int r)
{
	if (r != BLR_OK && r != BLR_E_TIMEOUT && dev->t.ops->last_os_error)
		dev->last_os_err = dev->t.ops->last_os_error(dev->t.ctx);
	if (r == BLR_E_GONE && !dev->gone) {
		/* the adapter was unplugged: stop at once, retry nothing (GONE-2) */
		dev->gone = true;
		dev_err(dev, "the port went away");
	}
	return r;
}

int dev_set_baud(struct blr_dev *dev, unsigned baud)
{
	int r;

	if (dev->gone)
		return BLR_E_GONE;
	if (dev->cur_baud == baud)
		return BLR_OK;
	r = dev_keep_os(dev, dev->t.ops->set_baud(dev->t.ctx, baud));
	if (r == BLR_OK)
		dev->cur_baud = baud;
	return r;
}

unsigned dev_line_ms(struct blr_dev *dev, size_t bytes)
{
	unsigned baud = dev->cur_baud ? dev->cur_baud : BLR_DEFAULT_ROM_BAUD;

	return (unsigned)((uint64_t)bytes * 10u * 1000u / baud) + 1u;
}

int dev_write(struct blr_dev *dev, const uint8_t *buf, size_t len)
{
	if (dev->gone)
		return BLR_E_GONE;
	return dev_keep_os(dev, dev->t.ops->write(dev->t.ctx, buf, len,
						  2 * dev_line_ms(dev, len) + WRITE_SLACK_MS));
}

int dev_tx(struct blr_dev *dev, const uint8_t *buf, size_t len)
{
	dev_log_hex(dev, "tx", buf, len);
	return dev_write(dev, buf, len);
}

int dev_read(struct blr_dev *dev, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	*got = 0;
	if (dev->gone)
		return BLR_E_GONE;
	return dev_keep_os(dev, dev->t.ops->read(dev->t.ctx, buf, len, timeout_ms, got));
}

void dev_flush_input(struct blr_dev *dev)
{
	if (!dev->gone)
		dev_keep_os(dev, dev->t.ops->flush_input(dev->t.ctx));
}

int blr_get_info(struct blr_dev *dev, struct blr_chip_info *info)
{
	if (!dev || !info)
		return BLR_E_INVAL;
	*info = dev->info;
	info->frame_limit = dev->frame_limit;
	info->baud = dev->baud;
	if (dev->gone)
		return BLR_E_GONE;
	return dev_connected(dev) ? BLR_OK : BLR_E_INVAL;
}
