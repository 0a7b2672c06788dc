/* SPDX-License-Identifier: MIT */
/*
 * Flash commands through the loader (doc/protocol.md §7.3-§7.6, §9.4): chunked read with every
 * reply length checked (READ-3, OP-1), inclusive-end erase in pieces (ERASE-1, OP-3), raw
 * writes with the early OK and late FL and no frame whose checksum is 0 (OP-4, OP-14), write
 * check (OP-5), chip SHA-256. Reads and hashes are timed for the cost model (cost.c) and
 * survive a chip reset by asking again (OP-18).
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lib/exchange.h"
#include "lib/flash.h"
#include "lib/isp.h"

#define READ_CHUNK_SAFE 4096u	/* unknown build: start here (OP-1) */
#define READ_CHUNK_OLD	0x2000u /* old builds */
#define READ_CHUNK_NEW	0x4000u /* new builds clamp at 0x4004 (READ-2) */
#define READ_ALIGN	0x400u	/* a learned chunk is rounded down to 1 KiB */
#define WRITE_CHUNK_MAX 0x4000u
#define ERASE_PIECE	(256u * 1024u) /* erase per command: progress + cancel points */
#define MAX_RESETS	3u	       /* chip resets one operation survives (OP-18) */
#define MAX_PRE		3u	       /* bytes a frame may start early (OP-14) */

int fl_check(struct blr_dev *dev, uint32_t addr, size_t len, bool have_buf)
{
	uint64_t end = (uint64_t)addr + len;

	if (!dev_connected(dev) || !have_buf)
		return BLR_E_INVAL;
	if (dev->info.flash_size && end > dev->info.flash_size)
		return BLR_E_RANGE;
	if (end > UINT32_MAX + 1ull)
		return BLR_E_RANGE;
	return BLR_OK;
}

static void range_payload(uint8_t p[ISP_RANGE_LEN], uint32_t a, uint32_t b)
{
	put_le32(p, a);
	put_le32(p + ISP_ADDR_LEN, b);
}

uint32_t fl_write_chunk(struct blr_dev *dev)
{
	uint32_t c = dev->frame_limit - ISP_ADDR_LEN;

	return c > WRITE_CHUNK_MAX ? WRITE_CHUNK_MAX : c;
}

/* The read chunk in use, or before the first read the one expected (OP-1). */
uint32_t fl_read_chunk(struct blr_dev *dev)
{
	if (dev->read_chunk)
		return dev->read_chunk;
	if (dev->info.loader_build)
		return dev->frame_limit >= ISP_LDR_NEW_MAX_PAYLOAD ? READ_CHUNK_NEW
								   : READ_CHUNK_OLD;
	return dev->has_boot_info ? READ_CHUNK_NEW : READ_CHUNK_OLD;
}

/* A chip reset (the ROM answered; the exchange reloaded the loader): the command that got it
 * is asked again, a few times per operation (OP-18). */
static bool again_after_reset(struct fl_op *o, int r)
{
	if (r != BLR_E_CHIP_RESET || o->resets >= MAX_RESETS)
		return false;
	o->resets++;
	dev_warn(o->dev, "the chip was reset: the loader runs again, asking once more");
	return true;
}

/* One 0x32 of n bytes; *got = the reply length (must be n unless clamp_ok). */
static int read_one(struct fl_op *o, uint32_t addr, uint8_t *buf, size_t n, size_t *got,
		    bool clamp_ok)
{
	struct blr_dev *dev = o->dev;
	uint8_t p[ISP_RANGE_LEN];
	uint64_t t0 = dev_now_ms(dev);
	int r;

	range_payload(p, addr, (uint32_t)n);
	*got = n;
	/* a reply of another length is damage the exchange retries, unless learning the
	 * clamp (READ-3, OP-1) */
	do
		r = ldr_command(dev, ISP_FLASH_READ, p, sizeof(p), buf, n, clamp_ok ? got : NULL,
				isp_timeout_ms(ISP_FLASH_READ, 0, n, dev->cur_baud), LDR_RETRY);
	while (again_after_reset(o, r));
	if (r == BLR_OK && !*got)
		r = BLR_E_PROTOCOL;
	if (r == BLR_OK) {
		o->bytes_read += *got;
		fl_cost_note_read(o, *got, dev_now_ms(dev) - t0);
	}
	return r;
}

/* Unknown build: learn the read limit from the 0x32 clamp (OP-1). Returns bytes read. */
static size_t probe_read_chunk(struct fl_op *o, uint32_t addr, uint8_t *buf, size_t len)
{
	struct blr_dev *dev = o->dev;
	/* a loader that answers get_boot_info (new command set) may take 16 KiB */
	size_t ask = dev->has_boot_info ? READ_CHUNK_NEW : READ_CHUNK_OLD;
	size_t got = 0;

	dev->read_chunk_probed = true;
	if (len < ask)
		return 0;
	if (read_one(o, addr, buf, ask, &got, true) != BLR_OK)
		return 0;
	if (got == ask || (got >= READ_CHUNK_SAFE && got < ask)) {
		dev->read_chunk = (uint32_t)(got & ~(size_t)(READ_ALIGN - 1));
		dev_dbg(dev, "flash_read: using %u-byte chunks", dev->read_chunk);
		return got;
	}
	return 0;
}

int fl_read(struct fl_op *o, uint32_t addr, uint8_t *buf, size_t len, bool report)
{
	struct blr_dev *dev = o->dev;
	size_t done = 0;
	int r = BLR_OK;

	if (!dev->read_chunk) {
		/* an unknown build starts small and learns its clamp (OP-1) */
		dev->read_chunk = dev->info.loader_build ? fl_read_chunk(dev) : READ_CHUNK_SAFE;
		dev->read_chunk_probed = dev->info.loader_build != NULL;
	}
	if (!dev->read_chunk_probed)
		done = probe_read_chunk(o, addr, buf, len);
	while (done < len) {
		size_t n = len - done < dev->read_chunk ? len - done : dev->read_chunk;
		size_t got = 0;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = read_one(o, addr + (uint32_t)done, buf + done, n, &got, false);
		if (r != BLR_OK)
			return r;
		done += n;
		if (report)
			dev_progress(dev, BLR_STAGE_READ, done, len);
	}
	return BLR_OK;
}

int blr_flash_read(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len)
{
	struct fl_op o;
	int r = fl_check(dev, addr, len, buf || !len);

	if (r != BLR_OK)
		return r;
	fl_op_init(&o, dev);
	dev_progress(dev, BLR_STAGE_READ, 0, len);
	r = fl_read(&o, addr, buf, len, true);
	if (r == BLR_OK)
		dev_progress(dev, BLR_STAGE_READ, len, len);
	return r;
}

static int erase_cmd(struct blr_dev *dev, uint32_t start, uint32_t end_incl)
{
	uint8_t p[ISP_RANGE_LEN];

	range_payload(p, start, end_incl);
	return ldr_command(dev, ISP_FLASH_ERASE, p, sizeof(p), NULL, 0, NULL,
			   isp_timeout_ms(ISP_FLASH_ERASE, (uint64_t)end_incl - start + 1, 0, 0),
			   LDR_RETRY);
}

int fl_erase(struct fl_op *o, uint32_t addr, size_t len, uint64_t prog_base, uint64_t prog_total)
{
	uint64_t pos = addr, end = (uint64_t)addr + len;
	int r;

	while (pos < end) {
		/* pieces end on ERASE_PIECE boundaries, so the loader's 64 KiB / 32 KiB block
		 * choice (ERASE-2) is unchanged; the end sent is inclusive (ERASE-1) */
		uint64_t next = (pos / ERASE_PIECE + 1) * ERASE_PIECE;

		if (next > end)
			next = end;
		if (dev_cancelled(o->dev))
			return BLR_E_CANCELLED;
		r = erase_cmd(o->dev, (uint32_t)pos, (uint32_t)(next - 1));
		if (r != BLR_OK)
			return r;
		pos = next;
		dev_progress(o->dev, BLR_STAGE_ERASE, prog_base + (pos - addr), prog_total);
	}
	return BLR_OK;
}

int fl_clear_latch(struct fl_op *o)
{
	return erase_cmd(o->dev, 1, 0);
}

int blr_flash_erase(struct blr_dev *dev, uint32_t addr, size_t len)
{
	struct fl_op o;
	int r = fl_check(dev, addr, len, true);

	if (r != BLR_OK || len == 0)
		return r;
	fl_op_init(&o, dev);
	dev_progress(dev, BLR_STAGE_ERASE, 0, len);
	return fl_erase(&o, addr, len, 0, len);
}

int blr_flash_erase_all(struct blr_dev *dev)
{
	int r = fl_check(dev, 0, 0, true);

	if (r != BLR_OK)
		return r;
	dev_progress(dev, BLR_STAGE_ERASE, 0, dev->info.flash_size);
	r = ldr_command(dev, ISP_FLASH_CHIP_ERASE, NULL, 0, NULL, 0, NULL,
			isp_timeout_ms(ISP_FLASH_CHIP_ERASE, dev->info.flash_size, 0, 0), LDR_ONCE);
	if (r == BLR_OK)
		dev_progress(dev, BLR_STAGE_ERASE, dev->info.flash_size, dev->info.flash_size);
	return r;
}

size_t fl_frame_len(uint32_t addr, const uint8_t *d, size_t avail, size_t max,
		    const uint8_t *before, size_t nbefore, uint8_t *p, struct fl_frame *f)
{
	size_t most = avail < max ? avail : max;

	for (unsigned k = 0; k <= MAX_PRE && k <= addr; k++) {
		uint8_t *data = p + ISP_ADDR_LEN + k;
		size_t post;
		uint8_t s;

		if (most + k > max)
			most = max - k;
		if (most == 0)
			break;
		/* the k bytes before addr: what this run already programmed there, else 0xFF;
		 * either way programming them again changes nothing (WRITE-2) */
		put_le32(p, addr - k);
		for (unsigned i = 0; i < k; i++)
			p[ISP_ADDR_LEN + i] = nbefore >= k - i ? before[nbefore - (k - i)] : FL_FF;
		memcpy(data, d, most);
		*f = (struct fl_frame){.pre = k};
		s = ldr_frame_sum(p, ISP_ADDR_LEN + k + most);
		/* shortening by one byte b changes the sum by -(1 + b), or by -(2 + b) when the
		 * length field drops below a multiple of 256 */
		for (size_t n = most; n > 0; n--) {
			if (s != 0)
				return f->n = n;
			s = (uint8_t)(s - d[n - 1] - ((ISP_ADDR_LEN + k + n) % 256 == 0 ? 2 : 1));
		}
		/* only 0xFF after the first byte: pad with 0xFF (programming it changes
		 * nothing) until the length field passes a multiple of 256, which adds 1 */
		post = 256 - (ISP_ADDR_LEN + k + most) % 256;
		if (k + most + post <= max) {
			memset(data + most, FL_FF, post);
			if (ldr_frame_sum(p, ISP_ADDR_LEN + k + most + post) != 0) {
				f->post = post;
				return f->n = most;
			}
		}
	}
	*f = (struct fl_frame){0};
	return 0;
}

bool fl_write_failed(const struct blr_dev *dev, int r)
{
	uint16_t c = dev->last_dev_err;

	return r == BLR_E_DEVICE && (c == ISP_FL_FLASH_WRITE_ERROR ||
				     c == ISP_FL_DECOMPRESS_WRITE_ERROR || c == ISP_FL_XZ_ERROR);
}

void fl_write_progress(const struct fl_op *o, uint64_t done)
{
	if (o->prog_total)
		dev_progress(o->dev, BLR_STAGE_WRITE, o->prog_base + done, o->prog_total);
}

/* How much of p[0..n) (p[0] is not 0xFF) one raw frame of at most max bytes carries: it ends
 * before a run of at least gap bytes of 0xFF, or before the 0xFF that end it (WRITE-5). */
static size_t frame_span(const uint8_t *p, size_t n, size_t max, size_t gap)
{
	size_t end = n < max ? n : max, run = 0;

	for (size_t i = 0; i < end; i++) {
		run = p[i] == FL_FF ? run + 1 : 0;
		if (run >= gap)
			return i + 1 - run;
	}
	return end - run;
}

int fl_write_raw(struct fl_op *o, uint32_t addr, const uint8_t *buf, size_t len, uint64_t *sent)
{
	struct blr_dev *dev = o->dev;
	size_t chunk = fl_write_chunk(dev), gap = fl_cost_ff_gap(o);
	uint8_t *p = malloc(ISP_ADDR_LEN + chunk);
	int r = BLR_OK;

	if (!p)
		return BLR_E_NOMEM;
	for (size_t done = 0; done < len;) {
		struct fl_frame f;
		size_t n;

		if (buf[done] == FL_FF) { /* nothing to program (WRITE-2) */
			done++;
			continue;
		}
		if (dev_cancelled(dev)) {
			r = BLR_E_CANCELLED;
			break;
		}
		n = fl_frame_len(addr + (uint32_t)done, buf + done,
				 frame_span(buf + done, len - done, chunk, gap), chunk, buf, done,
				 p, &f);
		if (n == 0) {
			r = BLR_E_INVAL;
			break;
		}
		/* re-sending a frame programs the same bits again: harmless on NOR (OP-4) */
		r = ldr_command(dev, ISP_FLASH_WRITE, p, ISP_ADDR_LEN + f.pre + n + f.post, NULL, 0,
				NULL, 0, LDR_RETRY);
		r = ldr_late_fl(dev, ISP_FLASH_WRITE, r);
		if (r != BLR_OK)
			break;
		if (sent)
			*sent += n;
		done += n;
		fl_write_progress(o, done);
	}
	free(p);
	return r;
}

int blr_flash_write(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len)
{
	struct fl_op o;
	int r = fl_check(dev, addr, len, buf || !len);

	if (r != BLR_OK)
		return r;
	fl_op_init(&o, dev);
	o.prog_total = len;
	dev_progress(dev, BLR_STAGE_WRITE, 0, len);
	r = fl_write_raw(&o, addr, buf, len, NULL);
	if (r == BLR_OK)
		dev_progress(dev, BLR_STAGE_WRITE, len, len);
	return r;
}

int blr_flash_write_check(struct blr_dev *dev)
{
	int r = fl_check(dev, 0, 0, true);

	if (r != BLR_OK)
		return r;
	r = ldr_command(dev, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL, 0, LDR_RETRY);
	return ldr_late_fl(dev, ISP_FLASH_WRITE_CHECK, r);
}

int fl_sha(struct fl_op *o, uint32_t addr, size_t len, uint8_t out[FL_SHA])
{
	struct blr_dev *dev = o->dev;
	uint8_t p[ISP_RANGE_LEN];
	uint64_t t0 = dev_now_ms(dev);
	int r;

	range_payload(p, addr, (uint32_t)len);
	do
		r = ldr_command(
		    dev, ISP_FLASH_READ_SHA256, p, sizeof(p), out, ISP_SHA256_LEN, NULL,
		    isp_timeout_ms(ISP_FLASH_READ_SHA256, len, ISP_SHA256_LEN, dev->cur_baud),
		    LDR_RETRY);
	while (again_after_reset(o, r));
	if (r == BLR_OK) {
		o->hashes++;
		o->bytes_hashed += len;
		fl_cost_note_hash(o, len, dev_now_ms(dev) - t0);
	}
	return r;
}

int blr_flash_sha256(struct blr_dev *dev, uint32_t addr, size_t len, uint8_t out[32])
{
	struct fl_op o;
	int r = fl_check(dev, addr, len, out != NULL);

	if (r != BLR_OK)
		return r;
	fl_op_init(&o, dev);
	return fl_sha(&o, addr, len, out);
}

size_t blr_sector_count(uint32_t addr, size_t len)
{
	if (len == 0)
		return 0;
	return (size_t)(((uint64_t)addr + len - 1) / BLR_SECTOR_SIZE - addr / BLR_SECTOR_SIZE + 1);
}
