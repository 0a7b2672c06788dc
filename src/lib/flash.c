/* SPDX-License-Identifier: MIT */
/*
 * Flash operations through the loader (protocol.md §4.2, §6.2-§6.4): chunked read with every
 * reply length checked, inclusive-end erase, write with the early OK and late FL, write
 * check, chip SHA-256, per-sector compare and a partial update (restore) that erases and
 * programs only differing sectors.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "lib/exchange.h"
#include "lib/isp.h"

#define CHUNK_TRIES	3u
#define READ_CHUNK_SAFE 4096u	/* unknown build: start here (§6.2) */
#define READ_CHUNK_OLD	0x2000u /* old builds: [DOC] read <= 8 KiB */
#define READ_CHUNK_NEW	0x4000u /* new builds clamp at 0x4004 (L10) */
#define READ_ALIGN	0x400u	/* a learned chunk is rounded down to 1 KiB */
#define WRITE_CHUNK_MAX 0x4000u
#define ERASE_PIECE	(256u * 1024u) /* erase per command: progress + cancel points */
#define BLOCK_SIZE	(64u * 1024u)  /* compare: hash blocks first, then sectors */
#define UPDATE_RUN_MAX	(256u * 1024u)
#define ERASED_BYTE	0xFF

static int need_conn(struct blr_dev *dev)
{
	return dev_connected(dev) ? BLR_OK : BLR_E_INVAL;
}

static int check_range(struct blr_dev *dev, uint32_t addr, size_t len)
{
	uint64_t end = (uint64_t)addr + len;

	if (dev->info.flash_size && end > dev->info.flash_size)
		return BLR_E_RANGE;
	if (end > UINT32_MAX + 1ull)
		return BLR_E_RANGE;
	return BLR_OK;
}

/* What every ranged operation checks first: connected, a buffer for the bytes (have_buf),
 * the range inside the flash. */
static int begin_range(struct blr_dev *dev, uint32_t addr, size_t len, bool have_buf)
{
	int r = need_conn(dev);

	if (r != BLR_OK)
		return r;
	if (!have_buf)
		return BLR_E_INVAL;
	return check_range(dev, addr, len);
}

static void range_payload(uint8_t p[ISP_RANGE_LEN], uint32_t a, uint32_t b)
{
	put_le32(p, a);
	put_le32(p + ISP_ADDR_LEN, b);
}

static uint32_t write_chunk(struct blr_dev *dev)
{
	uint32_t c = dev->frame_limit - ISP_ADDR_LEN;

	return c > WRITE_CHUNK_MAX ? WRITE_CHUNK_MAX : c;
}

static uint32_t initial_read_chunk(struct blr_dev *dev)
{
	if (dev->info.loader_build)
		return dev->frame_limit >= ISP_LDR_NEW_MAX_PAYLOAD ? READ_CHUNK_NEW
								   : READ_CHUNK_OLD;
	return READ_CHUNK_SAFE;
}

/* One 0x32 of n bytes; *got = the reply length (must be n unless clamp_ok). */
static int read_one(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t n, size_t *got,
		    bool clamp_ok)
{
	uint8_t p[ISP_RANGE_LEN];
	int r;

	range_payload(p, addr, (uint32_t)n);
	r = ldr_command(dev, ISP_FLASH_READ, p, sizeof(p), buf, n, got,
			isp_timeout_ms(ISP_FLASH_READ, 0, n, dev->cur_baud), 1);
	if (r == BLR_OK && *got != n && !(clamp_ok && *got > 0)) {
		dev_warn(dev, "flash_read @%08x: asked %zu bytes, got %zu", (unsigned)addr, n,
			 *got);
		r = BLR_E_PROTOCOL;
	}
	return r;
}

/* Unknown build: learn the read limit from the 0x32 clamp. Returns bytes read into buf. */
static size_t probe_read_chunk(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len)
{
	/* a loader that answers get_boot_info (new command set) may take 16 KiB */
	size_t ask = dev->has_boot_info ? READ_CHUNK_NEW : READ_CHUNK_OLD;
	size_t got = 0;

	dev->read_chunk_probed = true;
	if (len < ask)
		return 0;
	if (read_one(dev, addr, buf, ask, &got, true) != BLR_OK)
		return 0;
	if (got == ask || (got >= READ_CHUNK_SAFE && got < ask)) {
		dev->read_chunk = (uint32_t)(got & ~(size_t)(READ_ALIGN - 1));
		dev_dbg(dev, "flash_read: using %u-byte chunks", dev->read_chunk);
		return got;
	}
	return 0;
}

int blr_flash_read(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len)
{
	size_t done = 0;
	int r = begin_range(dev, addr, len, buf || !len);

	if (r != BLR_OK)
		return r;
	if (!dev->read_chunk) {
		dev->read_chunk = initial_read_chunk(dev);
		dev->read_chunk_probed = dev->info.loader_build != NULL;
	}
	dev_progress(dev, BLR_STAGE_READ, 0, len);
	if (!dev->read_chunk_probed)
		done = probe_read_chunk(dev, addr, buf, len);
	while (done < len) {
		size_t n = len - done < dev->read_chunk ? len - done : dev->read_chunk;
		size_t got = 0;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		for (unsigned t = 0; t < CHUNK_TRIES; t++) {
			r = read_one(dev, addr + (uint32_t)done, buf + done, n, &got, false);
			if (r == BLR_OK || r == BLR_E_CANCELLED || r == BLR_E_IO ||
			    t + 1 == CHUNK_TRIES)
				break;
			if (ldr_recover(dev) != BLR_OK)
				break;
		}
		if (r != BLR_OK)
			return r;
		done += n;
		dev_progress(dev, BLR_STAGE_READ, done, len);
	}
	dev_progress(dev, BLR_STAGE_READ, len, len);
	return BLR_OK;
}

static int erase_cmd(struct blr_dev *dev, uint32_t start, uint32_t end_incl)
{
	uint8_t p[ISP_RANGE_LEN];

	range_payload(p, start, end_incl);
	return ldr_command(dev, ISP_FLASH_ERASE, p, sizeof(p), NULL, 0, NULL,
			   isp_timeout_ms(ISP_FLASH_ERASE, (uint64_t)end_incl - start + 1, 0, 0),
			   CHUNK_TRIES);
}

/* Erase the sectors overlapping [addr, addr+len), reporting ERASE progress as base + erased
 * bytes of total (a blr_flash_update plan spans several ranges). */
static int erase_range(struct blr_dev *dev, uint32_t addr, size_t len, uint64_t base,
		       uint64_t total)
{
	uint64_t pos = addr, end = (uint64_t)addr + len;
	int r;

	while (pos < end) {
		/* pieces end on ERASE_PIECE boundaries, so the loader's 64 KiB / 32 KiB block
		 * choice (§6.4) is unchanged; the end sent is inclusive */
		uint64_t next = (pos / ERASE_PIECE + 1) * ERASE_PIECE;

		if (next > end)
			next = end;
		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = erase_cmd(dev, (uint32_t)pos, (uint32_t)(next - 1));
		if (r != BLR_OK)
			return r;
		pos = next;
		dev_progress(dev, BLR_STAGE_ERASE, base + (pos - addr), total);
	}
	return BLR_OK;
}

int blr_flash_erase(struct blr_dev *dev, uint32_t addr, size_t len)
{
	int r = need_conn(dev);

	if (r != BLR_OK)
		return r;
	if (len == 0)
		return BLR_OK;
	r = check_range(dev, addr, len);
	if (r != BLR_OK)
		return r;
	dev_progress(dev, BLR_STAGE_ERASE, 0, len);
	return erase_range(dev, addr, len, 0, len);
}

int blr_flash_erase_all(struct blr_dev *dev)
{
	int r = need_conn(dev);

	if (r != BLR_OK)
		return r;
	dev_progress(dev, BLR_STAGE_ERASE, 0, dev->info.flash_size);
	r = ldr_command(dev, ISP_FLASH_CHIP_ERASE, NULL, 0, NULL, 0, NULL,
			isp_timeout_ms(ISP_FLASH_CHIP_ERASE, dev->info.flash_size, 0, 0), 1);
	if (r == BLR_OK)
		dev_progress(dev, BLR_STAGE_ERASE, dev->info.flash_size, dev->info.flash_size);
	return r;
}

static bool all_erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ERASED_BYTE)
			return false;
	return true;
}

/* Program [addr, addr+len) in frames of write_chunk(); skip_erased leaves all-0xFF chunks out
 * (they are what an erase left). *written counts programmed bytes. */
static int write_range(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		       bool skip_erased, size_t *written, uint64_t prog_base, uint64_t prog_total)
{
	size_t chunk = write_chunk(dev);
	uint8_t *p = malloc(ISP_ADDR_LEN + chunk);
	int r = BLR_OK;

	if (!p)
		return BLR_E_NOMEM;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < chunk ? len - done : chunk;

		if (dev_cancelled(dev)) {
			r = BLR_E_CANCELLED;
			break;
		}
		if (!(skip_erased && all_erased(buf + done, n))) {
			put_le32(p, addr + (uint32_t)done);
			memcpy(p + ISP_ADDR_LEN, buf + done, n);
			/* re-sending a chunk programs the same bits again: harmless on NOR */
			r = ldr_command(dev, ISP_FLASH_WRITE, p, ISP_ADDR_LEN + n, NULL, 0, NULL, 0,
					CHUNK_TRIES);
			r = ldr_late_fl(dev, ISP_FLASH_WRITE, r);
			if (r != BLR_OK)
				break;
			if (written)
				*written += n;
		}
		done += n;
		dev_progress(dev, BLR_STAGE_WRITE, prog_base + done, prog_total);
	}
	free(p);
	return r;
}

int blr_flash_write(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len)
{
	int r = begin_range(dev, addr, len, buf || !len);

	if (r != BLR_OK)
		return r;
	dev_progress(dev, BLR_STAGE_WRITE, 0, len);
	return write_range(dev, addr, buf, len, false, NULL, 0, len);
}

int blr_flash_write_check(struct blr_dev *dev)
{
	int r = need_conn(dev);

	if (r != BLR_OK)
		return r;
	r = ldr_command(dev, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL, 0, CHUNK_TRIES);
	return ldr_late_fl(dev, ISP_FLASH_WRITE_CHECK, r);
}

int blr_flash_sha256(struct blr_dev *dev, uint32_t addr, size_t len, uint8_t out[32])
{
	uint8_t p[ISP_RANGE_LEN];
	size_t rl = 0;
	int r = begin_range(dev, addr, len, out != NULL);

	if (r != BLR_OK)
		return r;
	range_payload(p, addr, (uint32_t)len);
	r = ldr_command(dev, ISP_FLASH_READ_SHA256, p, sizeof(p), out, ISP_SHA256_LEN, &rl,
			isp_timeout_ms(ISP_FLASH_READ_SHA256, len, ISP_SHA256_LEN, dev->cur_baud),
			CHUNK_TRIES);
	if (r == BLR_OK && rl != ISP_SHA256_LEN)
		r = BLR_E_PROTOCOL;
	return r;
}

/* Chip and host SHA-256 of [a, a+n) (inside the flash): *same set; chip (may be NULL) gets
 * the chip's digest. */
static int same_hash(struct blr_dev *dev, uint32_t a, const uint8_t *host, size_t n, bool *same,
		     uint8_t *chip)
{
	uint8_t theirs[BLR_SHA256_LEN], mine[BLR_SHA256_LEN];
	int r = blr_flash_sha256(dev, a, n, theirs);

	if (r != BLR_OK)
		return r;
	if (blr_sha256(host, n, mine) != 0)
		return BLR_E_NOMEM;
	*same = memcmp(theirs, mine, BLR_SHA256_LEN) == 0;
	if (chip)
		memcpy(chip, theirs, BLR_SHA256_LEN);
	return BLR_OK;
}

int blr_flash_read_verified(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len,
			    uint8_t sha256[32])
{
	bool same = false;
	int r = blr_flash_read(dev, addr, buf, len);

	if (r == BLR_OK)
		r = same_hash(dev, addr, buf, len, &same, sha256);
	if (r == BLR_OK && !same) {
		dev_dbg(dev, "the data read from 0x%08x differ from the chip's SHA-256 of them",
			(unsigned)addr);
		r = BLR_E_VERIFY;
	}
	return r;
}

int blr_flash_verify(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     bool *equal, uint8_t chip_sha256[32])
{
	int r = begin_range(dev, addr, len, (buf || !len) && equal);

	if (r == BLR_OK)
		r = same_hash(dev, addr, buf, len, equal, chip_sha256);
	return r;
}

size_t blr_sector_count(uint32_t addr, size_t len)
{
	if (len == 0)
		return 0;
	return (size_t)(((uint64_t)addr + len - 1) / BLR_SECTOR_SIZE - addr / BLR_SECTOR_SIZE + 1);
}

/* Checks shared by compare and update: connected, a buffer, inside the flash. *nsec = the
 * sectors [addr, addr+len) touches (0 for an empty range: nothing to do). */
static int prepare(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len, size_t *nsec)
{
	int r = need_conn(dev);

	*nsec = 0;
	if (r != BLR_OK || len == 0)
		return r;
	r = begin_range(dev, addr, len, buf != NULL);
	if (r == BLR_OK)
		*nsec = blr_sector_count(addr, len);
	return r;
}

/* whole_first: hash the whole range first (cheap when equal); an update skips it because it
 * expects differences and the block hashes cover the same bytes. */
static int compare(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		   uint8_t *diff, size_t *ndiff, bool whole_first)
{
	uint64_t end = (uint64_t)addr + len;
	uint32_t first = addr / BLR_SECTOR_SIZE;
	size_t nsec, count = 0;
	bool same;
	int r = prepare(dev, addr, buf, len, &nsec);

	if (ndiff)
		*ndiff = 0;
	if (r != BLR_OK || !nsec)
		return r;
	if (diff)
		memset(diff, 0, nsec);
	dev_progress(dev, BLR_STAGE_COMPARE, 0, len);
	if (whole_first || len <= BLOCK_SIZE) {
		r = same_hash(dev, addr, buf, len, &same, NULL);
		if (r != BLR_OK || same) {
			dev_progress(dev, BLR_STAGE_COMPARE, len, len);
			return r;
		}
	}
	for (uint64_t b = addr - addr % BLOCK_SIZE; b < end; b += BLOCK_SIZE) {
		uint64_t bs = b < addr ? addr : b;
		uint64_t be = b + BLOCK_SIZE > end ? end : b + BLOCK_SIZE;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = same_hash(dev, (uint32_t)bs, buf + (bs - addr), (size_t)(be - bs), &same, NULL);
		if (r != BLR_OK)
			return r;
		for (uint64_t s = bs; !same && s < be;) {
			uint64_t se = (s / BLR_SECTOR_SIZE + 1) * BLR_SECTOR_SIZE;
			bool ssame;

			if (se > be)
				se = be;
			r = same_hash(dev, (uint32_t)s, buf + (s - addr), (size_t)(se - s), &ssame,
				      NULL);
			if (r != BLR_OK)
				return r;
			if (!ssame) {
				count++;
				if (diff)
					diff[s / BLR_SECTOR_SIZE - first] = 1;
			}
			s = se;
		}
		dev_progress(dev, BLR_STAGE_COMPARE, be - addr, len);
	}
	if (ndiff)
		*ndiff = count;
	return BLR_OK;
}

int blr_flash_compare(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		      uint8_t *diff, size_t *ndiff)
{
	return compare(dev, addr, buf, len, diff, ndiff, true);
}

/* Erase and program one run of whole sectors [s, e); bytes outside [addr, addr+len) are read
 * back from the chip first so that they survive the erase. Progress of both stages counts
 * *done bytes of the plan's plan_total (the sum of all runs). */
static int update_run(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		      uint64_t s, uint64_t e, struct blr_update_stats *st, uint64_t *done,
		      uint64_t plan_total)
{
	uint64_t end = (uint64_t)addr + len;
	size_t n = (size_t)(e - s);
	uint8_t *img = malloc(n);
	uint64_t lo = s < addr ? addr : s, hi = e > end ? end : e;
	int r = BLR_OK;

	if (!img)
		return BLR_E_NOMEM;
	if (s < addr)
		r = blr_flash_read(dev, (uint32_t)s, img, (size_t)(addr - s));
	if (r == BLR_OK && e > end)
		r = blr_flash_read(dev, (uint32_t)end, img + (end - s), (size_t)(e - end));
	if (r == BLR_OK) {
		memcpy(img + (lo - s), buf + (lo - addr), (size_t)(hi - lo));
		r = erase_range(dev, (uint32_t)s, n, *done, plan_total);
	}
	if (r == BLR_OK) {
		st->sectors_erased += n / BLR_SECTOR_SIZE;
		r = write_range(dev, (uint32_t)s, img, n, true, &st->bytes_written, *done,
				plan_total);
		*done += n;
	}
	free(img);
	return r;
}

int blr_flash_update(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     unsigned flags, struct blr_update_stats *stats)
{
	struct blr_update_stats st = {0};
	uint64_t wdone = 0;
	uint32_t first = addr / BLR_SECTOR_SIZE;
	uint8_t *diff;
	size_t nsec, nd = 0;
	int r = prepare(dev, addr, buf, len, &nsec);

	if (stats)
		*stats = st;
	if (r != BLR_OK || !nsec)
		return r;
	st.sectors_total = nsec;
	diff = malloc(nsec);
	if (!diff)
		return BLR_E_NOMEM;
	if (flags & BLR_UPDATE_FULL) {
		memset(diff, 1, nsec);
		nd = nsec;
	} else {
		r = compare(dev, addr, buf, len, diff, &nd, false);
	}
	dev_dbg(dev, "update: %zu of %zu sectors differ", nd, nsec);
	for (size_t i = 0; r == BLR_OK && i < nsec;) {
		size_t j = i;

		if (!diff[i]) {
			i++;
			continue;
		}
		/* a run of differing sectors, cut at UPDATE_RUN_MAX boundaries */
		while (j < nsec && diff[j] &&
		       (j == i || ((uint64_t)first + j) * BLR_SECTOR_SIZE % UPDATE_RUN_MAX != 0))
			j++;
		r = update_run(dev, addr, buf, len, ((uint64_t)first + i) * BLR_SECTOR_SIZE,
			       ((uint64_t)first + j) * BLR_SECTOR_SIZE, &st, &wdone,
			       (uint64_t)nd * BLR_SECTOR_SIZE);
		i = j;
	}
	free(diff);
	st.sectors_skipped = st.sectors_total - st.sectors_erased;
	if (stats)
		*stats = st;
	if (r != BLR_OK)
		return r;
	if (st.sectors_erased) {
		r = blr_flash_write_check(dev);
		if (r != BLR_OK)
			return r;
	}
	if (flags & BLR_UPDATE_NO_VERIFY)
		return BLR_OK;
	{
		bool same = false;

		dev_progress(dev, BLR_STAGE_VERIFY, 0, len);
		r = same_hash(dev, addr, buf, len, &same, NULL);
		if (r == BLR_OK && !same)
			r = BLR_E_VERIFY;
		if (r == BLR_OK)
			dev_progress(dev, BLR_STAGE_VERIFY, len, len);
	}
	if (stats)
		*stats = st;
	return r;
}
