/* SPDX-License-Identifier: MIT */
/*
 * Updates (doc/protocol.md §9.4, OP-13 to OP-19): bring [addr, addr+len) to the target.
 *  1. Compare (plan.c): per 64 KiB block what the chip holds, and the block's plan (OP-13).
 *  2. Write: the erases of every block, then all programming in as few stretches as
 *     possible, as xz streams (0x3F) or raw frames (0x31), then one write check (OP-15,
 *     OP-16). Blocks whose programming failed, whose xz stream was refused or whose work a
 *     chip reset interrupted are planned again from the chip's 4 KiB digests and redone
 *     (OP-17, OP-18).
 *  3. Verify: the chip's digest of the whole range; differing blocks are found by hash and
 *     redone (OP-19). No block is redone more than FL_TRIES times.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/exchange.h"
#include "lib/flash.h"
#include "lib/isp.h"
#include "lib/plan.h"

#define XZ_PAYS 0.9 /* raw unless the stream costs less than this share of raw */

#define READBACK_TRIES 8u /* reads of a piece outside the range before giving up */

/* n bytes of the chip at a into dst, confirmed by the chip's digest: they are written back
 * outside the range, where no final check looks (OP-13). */
static int read_outside(struct wr *w, uint64_t a, uint8_t *dst, size_t n)
{
	for (unsigned t = 0;; t++) {
		uint8_t want[FL_SHA];
		bool eq = false;
		int r = fl_read(&w->o, (uint32_t)a, dst, n, false);

		if (r == BLR_OK)
			r = fl_host_sha(dst, n, want);
		if (r == BLR_OK)
			r = fl_chip_equal(&w->o, (uint32_t)a, n, want, false, &eq, NULL);
		if (r != BLR_OK || eq)
			return r;
		if (t + 1 >= READBACK_TRIES)
			return BLR_E_VERIFY;
	}
}

/* Before partial sectors are erased, the chip's bytes of them outside the range are read into
 * blk->rb (a block-sized image; only the first and last sector of a range can be partial),
 * once per call: a block redone after a chip reset may find them erased already. */
static int read_back(struct wr *w, struct wblk *blk)
{
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		uint64_t s, e, a = blk->base + (uint64_t)i * FL_SECTOR;
		int r = BLR_OK;

		if (!((blk->plan.erase >> i) & 1u) || ((blk->rb_have >> i) & 1u) ||
		    !wr_unit_span(blk, i, &s, &e) || e - s == FL_SECTOR)
			continue;
		if (!blk->rb && !(blk->rb = malloc(FL_BLOCK)))
			return BLR_E_NOMEM;
		if (s > a)
			r = read_outside(w, a, blk->rb + (a - blk->base), (size_t)(s - a));
		if (r == BLR_OK && e < a + FL_SECTOR)
			r = read_outside(w, e, blk->rb + (e - blk->base),
					 (size_t)(a + FL_SECTOR - e));
		if (r != BLR_OK)
			return r;
		blk->rb_have |= (uint16_t)(1u << i);
	}
	return BLR_OK;
}

/* The block's bytes as they are to be programmed: the target, and around it the bytes read
 * back for erased partial sectors (0xFF elsewhere: programming it changes nothing). */
static void block_image(const struct wr *w, const struct wblk *blk, uint8_t *img)
{
	memset(img, FL_FF, FL_BLOCK);
	for (unsigned i = 0; blk->rb && i < PLAN_UNITS; i++)
		if ((blk->plan.erase >> i) & 1u)
			memcpy(img + i * FL_SECTOR, blk->rb + i * FL_SECTOR, FL_SECTOR);
	memcpy(img + (blk->bs - blk->base), wr_tgt(w, blk->bs), (size_t)(blk->be - blk->bs));
}

/* Erase [a, e) (sector boundaries): pieces of OP-3, steps counted as the loader takes them. */
static int erase_range(struct wr *w, uint64_t a, uint64_t e)
{
	size_t steps[3] = {0, 0, 0};
	int r = fl_erase(&w->o, (uint32_t)a, (size_t)(e - a), w->erase_done, w->erase_total);

	if (r != BLR_OK)
		return r;
	fl_erase_steps(&w->o, a, e, steps);
	w->st->erases_4k += steps[0];
	w->st->erases_32k += steps[1];
	w->st->erases_64k += steps[2];
	w->st->sectors_erased += (size_t)((e - a) / FL_SECTOR);
	w->erase_done += e - a;
	w->changed = true;
	return BLR_OK;
}

/* The next run of sectors blk's plan erases, at or after sector *i: [*a, *e). */
static bool next_erase(const struct wblk *blk, unsigned *i, uint64_t *a, uint64_t *e)
{
	unsigned j;

	while (*i < PLAN_UNITS && !((blk->plan.erase >> *i) & 1u))
		++*i;
	if (*i >= PLAN_UNITS)
		return false;
	for (j = *i; j < PLAN_UNITS && ((blk->plan.erase >> j) & 1u); j++)
		;
	*a = blk->base + (uint64_t)*i * FL_SECTOR;
	*e = blk->base + (uint64_t)j * FL_SECTOR;
	*i = j;
	return true;
}

/* Before blk is erased: marked, and what its partial sectors keep read back. */
static int erase_begin(struct wr *w, struct wblk *blk)
{
	blk->unchecked = blk->erased = true;
	blk->touched |= blk->plan.erase;
	return read_back(w, blk);
}

/* Phase 2a (OP-15): the erases of every block not yet erased, runs that continue each other
 * across blocks sent as one range (OP-3 cuts it into pieces). */
static int erase_all(struct wr *w)
{
	uint64_t ms = 0, me = 0; /* run waiting to be erased */
	int r = BLR_OK;

	for (size_t k = 0; r == BLR_OK && k < w->nb; k++) {
		struct wblk *blk = &w->b[k];
		unsigned i = 0;
		uint64_t a, e;

		if (!blk->plan.erase || blk->erased)
			continue;
		r = erase_begin(w, blk);
		while (r == BLR_OK && next_erase(blk, &i, &a, &e)) {
			if (me == a && me > ms) {
				me = e;
				continue;
			}
			if (me > ms)
				r = erase_range(w, ms, me);
			ms = a;
			me = e;
		}
	}
	return r == BLR_OK && me > ms ? erase_range(w, ms, me) : r;
}

/* Program [a, a+n) with data: as an xz stream when that is cheaper, else raw (OP-15). The
 * stream's length is foreseen from that of its first 64 KiB (XZ-7). */
static int write_stretch(struct wr *w, uint64_t a, const uint8_t *data, size_t n)
{
	size_t raw = 0, ns = n < FL_BLOCK ? n : FL_BLOCK;
	uint64_t sample = 0, xz_len = 0; /* the sample's xz length, the stream's */
	bool xz = w->xz && ns;
	int r = BLR_OK;

	w->o.prog_base = w->write_done;
	w->o.prog_total = w->write_total;
	for (size_t i = 0; i < n; i += FL_PAGE) /* the pages raw frames carry */
		raw += fl_all_ff(data + i, n - i < FL_PAGE ? n - i : FL_PAGE) ? 0 : FL_PAGE;
	if (xz)
		r = fl_xz_size(data, ns, &sample);
	xz = xz && r == BLR_OK &&
	     fl_cost_send(&w->o, (size_t)((double)sample * (double)n / (double)ns), n) <
		 XZ_PAYS * fl_cost_send(&w->o, raw, raw);
	if (xz) {
		r = fl_xz_write(&w->o, (uint32_t)a, data, n, &xz_len);
		w->xz_in += xz_len ? n : 0;
		w->xz_out += xz_len;
		if (r == BLR_OK) {
			w->st->bytes_sent_xz += xz_len;
			w->st->bytes_xz_out += n;
			w->st->bytes_written += n;
		}
	} else if (r == BLR_OK) {
		uint64_t sent = 0;

		if (w->xz) { /* what the sample measured */
			w->xz_in += ns;
			w->xz_out += sample;
		}
		r = fl_write_raw(&w->o, (uint32_t)a, data, n, &sent);
		w->st->bytes_sent_raw += sent;
		w->st->bytes_written += sent;
	}
	if (r == BLR_OK) {
		w->changed = true;
		w->write_done += n;
		dev_progress(w->o.dev, BLR_STAGE_WRITE, w->write_done, w->write_total);
	}
	return r;
}

/* A stretch that reaches outside the range: from the block's image (bytes read back). */
static int write_outside(struct wr *w, const struct wblk *blk, uint64_t a, uint64_t e)
{
	uint8_t *img = malloc(FL_BLOCK);
	int r;

	if (!img)
		return BLR_E_NOMEM;
	block_image(w, blk, img);
	r = write_stretch(w, a, img + (a - blk->base), (size_t)(e - a));
	free(img);
	return r;
}

/* Phase 2 (OP-15): the programming of every block not yet written. Stretches that continue
 * each other across blocks go as one (one xz stream, full frames). */
static int write_all(struct wr *w)
{
	uint64_t ms = 0, me = 0; /* stretch of target bytes waiting to be sent */
	int r = BLR_OK;

	for (size_t k = 0; r == BLR_OK && k < w->nb; k++) {
		struct wblk *blk = &w->b[k];
		unsigned i = 0;
		uint64_t a, e;

		if (!blk->plan.write || blk->written)
			continue;
		blk->unchecked = blk->written = true;
		blk->touched |= blk->plan.write;
		while (r == BLR_OK && wr_next_stretch(blk, &i, &a, &e)) {
			if (me == a && a >= blk->bs && e <= blk->be) {
				me = e;
				continue;
			}
			if (me > ms)
				r = write_stretch(w, ms, wr_tgt(w, ms), (size_t)(me - ms));
			ms = me = 0;
			if (r == BLR_OK && (a < blk->bs || e > blk->be))
				r = write_outside(w, blk, a, e);
			else
				ms = a, me = e;
		}
	}
	if (r == BLR_OK && me > ms)
		r = write_stretch(w, ms, wr_tgt(w, ms), (size_t)(me - ms));
	return r;
}

/* The erases of blk's plan, after reading back what partial sectors keep. */
static int erase_phase(struct wr *w, struct wblk *blk)
{
	unsigned i = 0;
	uint64_t a, e;
	int r;

	if (!blk->plan.erase)
		return BLR_OK;
	r = erase_begin(w, blk);
	while (r == BLR_OK && next_erase(blk, &i, &a, &e))
		r = erase_range(w, a, e);
	return r;
}

/* The programming of blk's plan alone (a block being redone). */
static int write_phase(struct wr *w, struct wblk *blk)
{
	unsigned i = 0;
	uint64_t a, e;
	int r = BLR_OK;

	blk->unchecked = blk->written = true;
	blk->touched |= blk->plan.write;
	while (r == BLR_OK && wr_next_stretch(blk, &i, &a, &e))
		r = a < blk->bs || e > blk->be ? write_outside(w, blk, a, e)
					       : write_stretch(w, a, wr_tgt(w, a), (size_t)(e - a));
	return r;
}

static int exec_block(struct wr *w, struct wblk *blk)
{
	int r = erase_phase(w, blk);

	return r == BLR_OK ? write_phase(w, blk) : r;
}

/* The write check (0x3A) of everything programmed since the last one (OP-16): the loader's
 * latched programming error and a late FL 0C 00 of the last xz stream arrive here. */
static int write_check(struct wr *w)
{
	bool any = false;
	int r;

	for (size_t k = 0; k < w->nb; k++)
		any |= w->b[k].unchecked;
	if (!any)
		return BLR_OK;
	r = blr_flash_write_check(w->o.dev);
	for (size_t k = 0; r == BLR_OK && k < w->nb; k++)
		w->b[k].unchecked = w->b[k].redo = false;
	return r;
}

/* What can be cured by doing the blocks again: a chip reset, a lost or garbled exchange, a
 * late programming or xz error, a block that came out wrong (BLR_E_VERIFY). */
static bool curable(const struct blr_dev *dev, int r)
{
	return r == BLR_E_CHIP_RESET || r == BLR_E_TIMEOUT || r == BLR_E_PROTOCOL ||
	       r == BLR_E_VERIFY || fl_write_failed(dev, r);
}

/* Before blocks are redone after r: xz off after an xz error or a block that came out wrong
 * from one; after a programming error the latch cleared (or every write check reports it
 * again). A lost exchange needs nothing: the exchange recovered, or recovers before its next
 * command; nor does a chip reset. */
static int after_failure(struct wr *w, int r)
{
	struct blr_dev *dev = w->o.dev;
	bool xz_bad = (r == BLR_E_DEVICE && dev->last_dev_err == ISP_FL_XZ_ERROR) ||
		      (r == BLR_E_VERIFY && w->st->bytes_sent_xz);

	dev_warn(dev, "%s: planning the blocks again from the chip's hashes", blr_strerror(r));
	if (xz_bad && w->xz) {
		dev_warn(dev, "decompress-write failed: writing raw from here on");
		w->xz = false;
		w->st->xz_failed = true;
	}
	return fl_write_failed(dev, r) ? fl_clear_latch(&w->o) : BLR_OK;
}

/* Redo every block marked redo or written since the last write check, until a write check
 * passes; each block at most FL_TRIES times (OP-17). */
static int redo(struct wr *w, int r)
{
	while (r != BLR_OK) {
		if (!curable(w->o.dev, r))
			return r;
		for (size_t k = 0; k < w->nb; k++) {
			struct wblk *blk = &w->b[k];

			if ((blk->redo || blk->unchecked) && ++blk->fails > FL_TRIES)
				return r;
		}
		r = after_failure(w, r);
		for (size_t k = 0; r == BLR_OK && k < w->nb; k++) {
			struct wblk *blk = &w->b[k];

			if (!blk->redo && !blk->unchecked)
				continue;
			blk->redo = true;
			w->st->repairs++;
			r = wr_replan(w, blk);
			if (r == BLR_OK)
				r = exec_block(w, blk);
		}
		if (r == BLR_OK)
			r = write_check(w);
	}
	return BLR_OK;
}

/* Phase 3 (OP-19): the whole range by the chip's digest; differing blocks are redone. */
static int verify_all(struct wr *w)
{
	uint64_t len = w->end - w->addr;
	uint8_t want[FL_SHA];
	int r = fl_host_sha(w->tgt, (size_t)len, want);

	dev_progress(w->o.dev, BLR_STAGE_VERIFY, 0, len);
	for (unsigned round = 0; r == BLR_OK && round <= FL_TRIES; round++) {
		bool eq = false, any = false;

		r = fl_chip_equal(&w->o, w->addr, (size_t)len, want, false, &eq, NULL);
		if (r != BLR_OK || eq) {
			if (eq)
				dev_progress(w->o.dev, BLR_STAGE_VERIFY, len, len);
			return r;
		}
		dev_warn(w->o.dev, "the chip's SHA-256 of the range differs: checking each block");
		for (size_t k = 0; r == BLR_OK && k < w->nb; k++) {
			struct wblk *blk = &w->b[k];
			uint8_t d[FL_SHA];

			r = fl_host_sha(wr_tgt(w, blk->bs), (size_t)(blk->be - blk->bs), d);
			if (r == BLR_OK)
				r = fl_chip_equal(&w->o, (uint32_t)blk->bs,
						  (size_t)(blk->be - blk->bs), d, true, &eq, NULL);
			blk->redo = r == BLR_OK && !eq;
			any |= blk->redo;
		}
		if (r == BLR_OK && any)
			r = redo(w, BLR_E_VERIFY);
	}
	return r == BLR_OK ? BLR_E_VERIFY : r;
}

static int update(struct wr *w)
{
	bool all_confirmed = true;
	/* the plan's hashes measure the chip's hash rate: the round trip first */
	int r = fl_cost_measure(&w->o);

	if (r == BLR_OK)
		r = wr_compare(w);

	/* all erases first, then all programming in as few stretches as possible: programming
	 * overlaps the line time of the next frame (ORD-2) */
	while (r == BLR_OK && (r = erase_all(w)) != BLR_OK)
		r = redo(w, r);
	while (r == BLR_OK && (r = write_all(w)) != BLR_OK)
		r = redo(w, r);
	for (size_t k = 0; k < w->nb; k++)
		all_confirmed &= w->b[k].confirmed;
	if (r == BLR_OK)
		r = redo(w, write_check(w));
	if (r != BLR_OK || (w->flags & BLR_UPDATE_NO_VERIFY))
		return r;
	if (!w->changed && all_confirmed) {
		/* every block's own digest equalled the target and nothing was touched since */
		dev_progress(w->o.dev, BLR_STAGE_VERIFY, w->end - w->addr, w->end - w->addr);
		return BLR_OK;
	}
	return verify_all(w);
}

int blr_flash_update_ex(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
			const struct blr_update_opts *opts, struct blr_update_stats *stats)
{
	struct blr_update_stats st = {0};
	struct wr w = {.addr = addr, .end = (uint64_t)addr + len, .tgt = buf, .st = &st};
	int r = fl_check(dev, addr, len, buf != NULL);

	if (stats)
		*stats = st;
	if (r != BLR_OK || len == 0)
		return r;
	fl_op_init(&w.o, dev);
	w.flags = opts ? opts->flags : 0;
	w.cur = opts ? opts->current : NULL;
	w.xz = fl_xz_available() && fl_xz_loader(dev) && !(w.flags & BLR_UPDATE_NO_XZ);
	w.nb = (size_t)((w.end - 1) / FL_BLOCK - addr / FL_BLOCK + 1);
	w.b = calloc(w.nb, sizeof(*w.b));
	if (!w.b)
		return BLR_E_NOMEM;
	for (size_t k = 0; k < w.nb; k++) {
		struct wblk *blk = &w.b[k];

		blk->base = (addr / FL_BLOCK + k) * FL_BLOCK;
		blk->bs = blk->base < addr ? addr : blk->base;
		blk->be = blk->base + FL_BLOCK > w.end ? w.end : blk->base + FL_BLOCK;
	}
	st.sectors_total = blr_sector_count(addr, len);
	r = update(&w);
	for (size_t k = 0; k < w.nb; k++) {
		for (unsigned i = 0; i < PLAN_UNITS; i++)
			st.sectors_skipped +=
			    w.b[k].u[i].state != PU_ABSENT && !((w.b[k].touched >> i) & 1u);
		free(w.b[k].rb);
	}
	free(w.b);
	st.bytes_hashed = w.o.bytes_hashed;
	st.hashes = w.o.hashes;
	if (stats)
		*stats = st;
	return r;
}

int blr_flash_update(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     unsigned flags, struct blr_update_stats *stats)
{
	struct blr_update_opts o = {.flags = flags};

	return blr_flash_update_ex(dev, addr, buf, len, &o, stats);
}
