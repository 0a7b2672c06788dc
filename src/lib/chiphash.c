/* SPDX-License-Identifier: MIT */
/*
 * Digests: the host's SHA-256 of data and of erased flash, the chip's (0x3D, SHA-1) compared
 * with them under the confirmation rule (doc/protocol.md OP-11), and the two public calls that
 * only compare: blr_flash_verify and blr_flash_compare.
 */
#include <string.h>

#include "common/hash.h"
#include "lib/flash.h"

int fl_host_sha(const uint8_t *p, size_t n, uint8_t out[FL_SHA])
{
	return hash_sha256(p, n, out) == 0 ? BLR_OK : BLR_E_NOMEM;
}

int blr_sha256(const void *buf, size_t len, uint8_t out[32])
{
	if (!buf && len)
		return BLR_E_INVAL;
	return fl_host_sha(buf, len, out);
}

int fl_blank_sha(size_t n, uint8_t out[FL_SHA])
{
	uint8_t ff[FL_SECTOR];
	struct hash_sha256_ctx *c = hash_sha256_new();
	int r = c ? 0 : -1;

	memset(ff, FL_FF, sizeof(ff));
	for (size_t done = 0; r == 0 && done < n;) {
		size_t k = n - done < sizeof(ff) ? n - done : sizeof(ff);

		r = hash_sha256_update(c, ff, k);
		done += k;
	}
	if (r == 0)
		r = hash_sha256_final(c, out);
	hash_sha256_free(c);
	return r == 0 ? BLR_OK : BLR_E_NOMEM;
}

bool fl_all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != FL_FF)
			return false;
	return true;
}

int fl_chip_equal(struct fl_op *o, uint32_t a, size_t n, const uint8_t want[FL_SHA], bool confirm,
		  bool *eq, uint8_t *chip)
{
	uint8_t d[FL_SHA];
	int r = fl_sha(o, a, n, d);

	if (r == BLR_OK && memcmp(d, want, FL_SHA) != 0 && confirm) {
		/* the reply has no checksum: a difference may be noise, an equality cannot */
		dev_dbg(o->dev, "chip SHA-256 of 0x%08x+%zu differs: asking again", (unsigned)a, n);
		r = fl_sha(o, a, n, d);
	}
	if (r != BLR_OK)
		return r;
	*eq = memcmp(d, want, FL_SHA) == 0;
	if (chip)
		memcpy(chip, d, FL_SHA);
	return BLR_OK;
}

/* Host digest of buf[0..n) against the chip's digest of [a, a+n). */
static int same_as_chip(struct fl_op *o, uint32_t a, const uint8_t *buf, size_t n, bool confirm,
			bool *eq, uint8_t *chip)
{
	uint8_t want[FL_SHA];
	int r = fl_host_sha(buf, n, want);

	return r == BLR_OK ? fl_chip_equal(o, a, n, want, confirm, eq, chip) : r;
}

int blr_flash_verify(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     bool *equal, uint8_t chip_sha256[32])
{
	struct fl_op o;
	int r = fl_check(dev, addr, len, (buf || !len) && equal);

	if (r != BLR_OK)
		return r;
	fl_op_init(&o, dev);
	return same_as_chip(&o, addr, buf, len, true, equal, chip_sha256);
}

/* The sectors of [bs, be) (inside [addr, addr+len)) that differ: diff[] and *count. */
static int compare_sectors(struct fl_op *o, uint32_t addr, const uint8_t *buf, uint64_t bs,
			   uint64_t be, uint8_t *diff, size_t *count)
{
	for (uint64_t s = bs; s < be;) {
		uint64_t se = (s / FL_SECTOR + 1) * FL_SECTOR;
		bool same;
		int r;

		if (se > be)
			se = be;
		r = same_as_chip(o, (uint32_t)s, buf + (s - addr), (size_t)(se - s), true, &same,
				 NULL);
		if (r != BLR_OK)
			return r;
		if (!same) {
			++*count;
			if (diff)
				diff[s / FL_SECTOR - addr / FL_SECTOR] = 1;
		}
		s = se;
	}
	return BLR_OK;
}

int blr_flash_compare(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		      uint8_t *diff, size_t *ndiff)
{
	uint64_t end = (uint64_t)addr + len;
	size_t count = 0;
	struct fl_op o;
	bool same;
	int r = fl_check(dev, addr, len, buf != NULL);

	if (ndiff)
		*ndiff = 0;
	if (r != BLR_OK || len == 0)
		return r;
	fl_op_init(&o, dev);
	if (diff)
		memset(diff, 0, blr_sector_count(addr, len));
	dev_progress(dev, BLR_STAGE_COMPARE, 0, len);
	/* the whole range first: one command when nothing differs */
	r = same_as_chip(&o, addr, buf, len, false, &same, NULL);
	for (uint64_t b = addr - addr % FL_BLOCK; r == BLR_OK && !same && b < end; b += FL_BLOCK) {
		uint64_t bs = b < addr ? addr : b, be = b + FL_BLOCK > end ? end : b + FL_BLOCK;
		bool bsame = false;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = same_as_chip(&o, (uint32_t)bs, buf + (bs - addr), (size_t)(be - bs), false,
				 &bsame, NULL);
		if (r == BLR_OK && !bsame)
			r = compare_sectors(&o, addr, buf, bs, be, diff, &count);
		dev_progress(dev, BLR_STAGE_COMPARE, be - addr, len);
	}
	if (r == BLR_OK) {
		dev_progress(dev, BLR_STAGE_COMPARE, len, len);
		if (ndiff)
			*ndiff = count;
	}
	return r;
}
