/* SPDX-License-Identifier: MIT */
/* Log level filter and callback dispatch, hex dumps for TRACE, progress and cancel hooks.
 * Nothing here prints: messages go to the caller's callback or nowhere. */
#include <stdarg.h>
#include <stdio.h>

#include "lib/dev.h"

#define LOG_LINE_MAX 512
#define HEX_DUMP_MAX 48 /* bytes shown per frame; longer frames are elided */

void dev_log(struct blr_dev *dev, enum blr_log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if (!dev->log_fn || lvl > dev->log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->log_fn(dev->log_user, lvl, line);
}

void dev_log_hex(struct blr_dev *dev, const char *what, const uint8_t *buf, size_t len)
{
	static const char hexdig[] = "0123456789abcdef";
	char hex[HEX_DUMP_MAX * 3 + 1];
	size_t n = len < HEX_DUMP_MAX ? len : HEX_DUMP_MAX;
	size_t o = 0;

	if (!dev->log_fn || dev->log_max < BLR_LOG_TRACE)
		return;
	for (size_t i = 0; i < n; i++) {
		hex[o++] = hexdig[buf[i] >> 4];
		hex[o++] = hexdig[buf[i] & 0xF];
		hex[o++] = ' ';
	}
	hex[o ? o - 1 : 0] = '\0';
	dev_log(dev, BLR_LOG_TRACE, "%8llu ms %s %zu: %s%s",
		(unsigned long long)dev->t.ops->now_ms(dev->t.ctx), what, len, hex,
		n < len ? " ..." : "");
}

bool dev_cancelled(struct blr_dev *dev)
{
	return dev->cancel_fn && dev->cancel_fn(dev->cancel_user);
}

void dev_progress(struct blr_dev *dev, enum blr_stage stage, uint64_t done, uint64_t total)
{
	if (dev->progress_fn)
		dev->progress_fn(dev->progress_user, stage, done, total);
}
