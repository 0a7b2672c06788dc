/* SPDX-License-Identifier: MIT */
/*
 * Verified reads (doc/protocol.md §9.4, OP-7 to OP-12): every byte of the range ends up
 * confirmed by the chip's SHA-256, and as few as possible travel over the line. The range is
 * cut into units (4 KiB sectors, clipped to the range); each unit is
 *   TODO  nothing known yet,
 *   HELD  buf holds a block the caller already had (resume), not yet confirmed,
 *   BASE  buf holds the caller's earlier dump, not yet confirmed,
 *   READ  read over the line (0x32 replies carry no checksum), not yet confirmed,
 *   OK    confirmed by an equal chip digest (blank, held, base, or read and hashed).
 * Held and base runs are confirmed by hash (OP-10), the rest is read with blank probing
 * (OP-8, OP-9), then the whole range is hashed once if anything read is not confirmed yet
 * (with on_block every read stretch already is) and repaired on a mismatch (OP-12).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/flash.h"

enum unit { U_TODO, U_HELD, U_BASE, U_READ, U_OK };

#define TAIL_MIN    64u		    /* 0xFF bytes ending the data read that predict blank */
#define PROBE_MAX   (1024u * 1024u) /* largest blank probe */
#define FINAL_ROUND 3u		    /* whole-range checks before an unexplained mismatch fails */
#define P_PREDICTED 0.9		    /* a held or base block is still what the chip holds */
/* With on_block, read data are hashed (and reported) in aligned stretches of this size: large
 * enough that the read chunks fill them and one hash's round trip serves 256 KiB. */
#define STRETCH (4u * FL_BLOCK)

struct rd {
	struct fl_op o;
	uint32_t addr;
	uint64_t end;
	uint8_t *buf;
	const struct blr_read_opts *opt;
	struct blr_read_stats *st;
	uint8_t *u;	/* enum unit per unit */
	uint64_t first; /* sector number of unit 0 */
	size_t nu;
	uint64_t vstart;		/* on_block: start of the read stretch not yet hashed */
	unsigned tail_hits, tail_tries; /* how often a 0xFF tail was followed by blank */
	uint64_t settled;		/* progress: bytes OK or READ */
	bool read_any;
};

static size_t uidx(const struct rd *rd, uint64_t a)
{
	return (size_t)(a / FL_SECTOR - rd->first);
}

static uint8_t *at(const struct rd *rd, uint64_t a)
{
	return rd->buf + (a - rd->addr);
}

/* Units of [a, b) (unit boundaries) become s; progress counts what became settled. */
static void mark(struct rd *rd, uint64_t a, uint64_t b, enum unit s)
{
	for (uint64_t p = a; p < b;) {
		uint64_t q = (p / FL_SECTOR + 1) * FL_SECTOR;
		size_t i = uidx(rd, p);

		q = q > b ? b : q;
		if ((s == U_OK || s == U_READ) && rd->u[i] != U_OK && rd->u[i] != U_READ)
			rd->settled += q - p;
		if (s == U_OK && rd->u[i] == U_HELD)
			rd->st->bytes_held += q - p;
		if (s == U_OK && rd->u[i] == U_BASE)
			rd->st->bytes_base += q - p;
		rd->u[i] = (uint8_t)s;
		p = q;
	}
	dev_progress(rd->o.dev, BLR_STAGE_READ, rd->settled, rd->end - rd->addr);
}

/* [a, b) is confirmed by digest d: OK, reported to on_block. */
static void confirmed(struct rd *rd, uint64_t a, uint64_t b, const uint8_t d[FL_SHA])
{
	struct blr_block blk = {.addr = (uint32_t)a, .len = (uint32_t)(b - a)};

	mark(rd, a, b, U_OK);
	if (rd->opt->on_block) {
		memcpy(blk.sha256, d, FL_SHA);
		rd->opt->on_block(rd->opt->user, &blk);
	}
}

/* What buf should hold in [a, b): its bytes, or erased flash (blank). */
static int expected(const struct rd *rd, uint64_t a, uint64_t b, bool blank, uint8_t d[FL_SHA])
{
	return blank ? fl_blank_sha((size_t)(b - a), d)
		     : fl_host_sha(at(rd, a), (size_t)(b - a), d);
}

/* Does the chip hold buf's bytes (or 0xFF: blank) in [a, b)? OK with *eq, and confirmed. */
static int check(struct rd *rd, uint64_t a, uint64_t b, bool blank, bool *eq, uint8_t *chip)
{
	uint8_t want[FL_SHA];
	int r = expected(rd, a, b, blank, want);

	if (r == BLR_OK)
		r = fl_chip_equal(&rd->o, (uint32_t)a, (size_t)(b - a), want, false, eq, chip);
	if (r == BLR_OK && *eq) {
		if (blank)
			memset(at(rd, a), FL_FF, (size_t)(b - a));
		confirmed(rd, a, b, want);
	}
	return r;
}

/* Do 4 KiB hashes over [a, b) pay when a fraction f of it is expected to differ (OP-10)? */
static bool sectors_pay(const struct rd *rd, uint64_t a, uint64_t b, double f)
{
	double k = (double)blr_sector_count((uint32_t)a, (size_t)(b - a));

	return k > 1 && k * fl_cost_hash(&rd->o, FL_SECTOR) + f * fl_cost_read(&rd->o, b - a) <
			    fl_cost_read(&rd->o, b - a);
}

static int read_units(struct rd *rd, uint64_t a, uint64_t b)
{
	int r = fl_read(&rd->o, (uint32_t)a, at(rd, a), (size_t)(b - a), false);

	if (r == BLR_OK) {
		rd->read_any = true;
		mark(rd, a, b, U_READ);
	}
	return r;
}

/* Splits and time budget of a repair (OP-12): a piece that came back different twice is cut
 * in halves (each with the chip's digest) down to REPAIR_MIN bytes; a piece is given up on
 * after REPAIR_TRIES failures once REPAIR_BUDGET_MS have passed since its first read again,
 * or after REPAIR_MAX. */
#define REPAIR_SPLIT	 2u
#define REPAIR_MIN	 1024u
#define REPAIR_TRIES	 3u
#define REPAIR_BUDGET_MS 30000u
#define REPAIR_MAX	 16u /* failures of one piece, whatever the time */

static int reread(struct rd *rd, uint64_t a, uint64_t b, uint8_t d[FL_SHA]);

/* [a, b) differs from the chip: its halves, each by its own digest, read again where they
 * differ. */
static int reread_halves(struct rd *rd, uint64_t a, uint64_t b)
{
	const uint64_t cut[3] = {a, a + (b - a) / 2, b};
	int r = BLR_OK;

	for (unsigned h = 0; r == BLR_OK && h < 2; h++) {
		uint8_t chip[FL_SHA];
		bool eq = false;

		r = check(rd, cut[h], cut[h + 1], false, &eq, chip);
		if (r == BLR_OK && !eq)
			r = reread(rd, cut[h], cut[h + 1], chip);
	}
	return r;
}

/* [a, b) came back different from the chip's digest d: read it again until it matches, the
 * digest asked again each time (a noisy digest must not fail the read), in smaller pieces
 * when it keeps failing (a noisy line damages a long piece more often). OP-12. */
static int reread(struct rd *rd, uint64_t a, uint64_t b, uint8_t d[FL_SHA])
{
	uint64_t t0 = dev_now_ms(rd->o.dev);

	for (unsigned fails = 0;; fails++) {
		uint8_t mine[FL_SHA];
		int r;

		if (fails >= REPAIR_SPLIT && b - a >= 2 * REPAIR_MIN)
			return reread_halves(rd, a, b);
		if (fails >= REPAIR_MAX ||
		    (fails >= REPAIR_TRIES && dev_now_ms(rd->o.dev) - t0 >= REPAIR_BUDGET_MS))
			break;
		rd->st->repairs++;
		dev_dbg(rd->o.dev, "read 0x%08x+%u again: its hash differed", (unsigned)a,
			(unsigned)(b - a));
		r = read_units(rd, a, b);
		if (r == BLR_OK)
			r = fl_host_sha(at(rd, a), (size_t)(b - a), mine);
		if (r == BLR_OK && memcmp(mine, d, FL_SHA) != 0)
			r = fl_sha(&rd->o, (uint32_t)a, (size_t)(b - a), d);
		if (r != BLR_OK)
			return r;
		if (memcmp(mine, d, FL_SHA) == 0) {
			confirmed(rd, a, b, d);
			return BLR_OK;
		}
	}
	dev_warn(rd->o.dev, "0x%08x+%u keeps coming back different from the chip's SHA-256",
		 (unsigned)a, (unsigned)(b - a));
	return BLR_E_VERIFY;
}

/* [a, b) (units READ or predicted) differs from the chip (digest d): 4 KiB hashes where they
 * pay, then the differing pieces read again (read_again) or left TODO. */
static int settle_diff(struct rd *rd, uint64_t a, uint64_t b, uint8_t d[FL_SHA], double f,
		       bool read_again)
{
	if (!sectors_pay(rd, a, b, f))
		return read_again ? reread(rd, a, b, d) : (mark(rd, a, b, U_TODO), BLR_OK);
	for (uint64_t s = a; s < b;) {
		uint64_t t = (s / FL_SECTOR + 1) * FL_SECTOR;
		uint8_t chip[FL_SHA];
		bool eq = false;
		int r;

		t = t > b ? b : t;
		r = check(rd, s, t, false, &eq, chip);
		if (r == BLR_OK && !eq)
			r = read_again ? reread(rd, s, t, chip) : (mark(rd, s, t, U_TODO), BLR_OK);
		if (r != BLR_OK)
			return r;
		s = t;
	}
	return BLR_OK;
}

/* on_block: hash the read stretch [vstart, p) now, so that what is reported is final. */
static int verify_stretch(struct rd *rd, uint64_t p)
{
	uint64_t a = rd->vstart;
	uint8_t chip[FL_SHA];
	bool eq = false;
	int r;

	rd->vstart = p;
	if (!rd->opt->on_block || a >= p)
		return BLR_OK;
	r = check(rd, a, p, false, &eq, chip);
	if (r == BLR_OK && !eq)
		r = settle_diff(rd, a, p, chip,
				1.0 / (double)blr_sector_count((uint32_t)a, (size_t)(p - a)), true);
	return r;
}

/* Blank probe size (OP-8): the probe that fails at the end of a blank run wastes about twice
 * its hash time, each probe costs a round trip: for a run of about L bytes the best size is
 * sqrt(L * rtt / (2 * hash time per byte)). A power of two; the probe ends on a multiple of
 * it, at least half of it away. */
static uint64_t probe_end(const struct rd *rd, uint64_t p, uint64_t e, uint64_t run)
{
	double l = run > FL_BLOCK ? (double)run : FL_BLOCK;
	double best2 = l * rd->o.c.rtt / (2 * rd->o.c.hash); /* the best size, squared */
	uint64_t size = FL_SECTOR, end;

	while ((double)size * size * 4 <= best2 && size < PROBE_MAX)
		size *= 2;
	end = ((p + size / 2) / size + 1) * size;
	return end > e ? e : end;
}

/* [lo, hi) is not all blank: find its blank head by halving while that pays (P = 1/2). */
static int blank_head(struct rd *rd, uint64_t lo, uint64_t hi, uint64_t *data_at)
{
	while (hi - lo > FL_SECTOR) {
		uint64_t mid = (lo + (hi - lo) / 2) / FL_SECTOR * FL_SECTOR;
		bool eq = false;
		int r;

		if (mid <= lo)
			mid = (lo / FL_SECTOR + 1) * FL_SECTOR;
		if (mid >= hi ||
		    0.5 * fl_cost_read(&rd->o, mid - lo) <= fl_cost_hash(&rd->o, mid - lo))
			break;
		rd->st->probes++;
		r = check(rd, lo, mid, true, &eq, NULL);
		if (r != BLR_OK)
			return r;
		if (eq)
			lo = mid;
		else
			hi = mid;
	}
	*data_at = lo;
	return BLR_OK;
}

/* Length of the run of 0xFF that ends at p in buf (up to most), in settled units only. */
static uint64_t ff_tail(const struct rd *rd, uint64_t p, uint64_t most)
{
	uint64_t n = 0;

	while (p > rd->addr && n < most) {
		uint8_t s = rd->u[uidx(rd, p - 1)];

		if ((s != U_READ && s != U_OK) || *at(rd, p - 1) != FL_FF)
			break;
		p--;
		n++;
	}
	return n;
}

/*
 * At p the data read so far predict blank (a 0xFF tail, or a blank run of *run bytes):
 * probe when the expected saving exceeds the probe's cost (OP-8, OP-9). The chance that the
 * probe is blank is the larger of what tails were worth so far in this read and L / (L + size)
 * for the L blank bytes before p. Moves *p past what was confirmed blank; *predict becomes
 * false when the blank run ended or a probe did not pay.
 */
static int probe(struct rd *rd, uint64_t *p, uint64_t e, uint64_t *run, bool *predict)
{
	bool first = *run == 0;
	uint64_t seen = first ? ff_tail(rd, *p, PROBE_MAX) : *run;
	uint64_t end = probe_end(rd, *p, e, seen), size = end - *p, start = *p;
	double chance = (double)seen / (double)(seen + size);
	double tails = (rd->tail_hits + 1.0) / (rd->tail_tries + 2.0);
	bool eq = false;
	int r;

	chance = first && tails > chance ? tails : chance;
	if (chance * fl_cost_read(&rd->o, size) <= fl_cost_hash(&rd->o, size)) {
		*predict = false;
		return BLR_OK;
	}
	rd->tail_tries += first;
	rd->st->probes++;
	r = verify_stretch(rd, *p);
	if (r == BLR_OK)
		r = check(rd, *p, end, true, &eq, NULL);
	if (r != BLR_OK)
		return r;
	if (eq) {
		*run += size;
		*p = end;
	} else {
		*run = 0;
		*predict = false;
		r = blank_head(rd, *p, end, p);
	}
	/* a tail was worth its probe when anything blank was found */
	rd->tail_hits += first && *p > start;
	rd->st->bytes_blank += *p - start;
	rd->vstart = *p;
	return r;
}

/* Read the TODO units of [s, e), probing for blank regions where the data predict them. */
static int read_run(struct rd *rd, uint64_t s, uint64_t e)
{
	bool skip = !(rd->opt->flags & BLR_READ_NO_SKIP);
	bool predict = skip && ff_tail(rd, s, TAIL_MIN) >= TAIL_MIN;
	uint64_t p = s, run = 0;
	int r = BLR_OK;

	rd->vstart = s;
	while (r == BLR_OK && p < e) {
		uint64_t n = p + fl_read_chunk(rd->o.dev), blk = (p / STRETCH + 1) * STRETCH;

		if (dev_cancelled(rd->o.dev))
			return BLR_E_CANCELLED;
		if (predict) {
			r = probe(rd, &p, e, &run, &predict);
			continue;
		}
		/* chunks end on sector boundaries (units); with on_block they never cross a
		 * stretch (what it hashes) */
		n = n / FL_SECTOR * FL_SECTOR > p ? n / FL_SECTOR * FL_SECTOR : n;
		n = n > blk && rd->opt->on_block ? blk : n;
		n = n > e ? e : n;
		r = read_units(rd, p, n);
		p = n;
		predict = skip && ff_tail(rd, p, TAIL_MIN) >= TAIL_MIN;
		if (r == BLR_OK && (p == blk || p == e))
			r = verify_stretch(rd, p);
	}
	return r == BLR_OK ? verify_stretch(rd, p) : r;
}

/* Confirm the predicted (held or base) units of [s, e) by hash, 64 KiB blocks at a time,
 * then 4 KiB where that pays (OP-10). The whole run is hashed first when, with predictions
 * right 9 times out of 10, that is cheaper than its blocks' round trips. What differs
 * becomes TODO. */
static int confirm_run(struct rd *rd, uint64_t s, uint64_t e)
{
	double blocks = (double)((e - 1) / FL_BLOCK - s / FL_BLOCK + 1);
	double by_block = blocks * fl_cost_hash(&rd->o, 0) + rd->o.c.hash * (double)(e - s);
	uint8_t chip[FL_SHA];
	bool eq = false;
	int r = BLR_OK;

	if (blocks > 1 && P_PREDICTED * by_block > fl_cost_hash(&rd->o, e - s)) {
		r = check(rd, s, e, false, &eq, chip);
		if (r != BLR_OK || eq)
			return r;
	}
	for (uint64_t b = s; r == BLR_OK && b < e;) {
		uint64_t be = (b / FL_BLOCK + 1) * FL_BLOCK;

		be = be > e ? e : be;
		r = dev_cancelled(rd->o.dev) ? BLR_E_CANCELLED : check(rd, b, be, false, &eq, chip);
		if (r == BLR_OK && !eq)
			r = settle_diff(rd, b, be, chip, 0.5, false);
		b = be;
	}
	return r;
}

/* Every maximal run of predicted units confirmed (predicted), or of TODO units read. */
static int each_run(struct rd *rd, bool predicted)
{
	int r = BLR_OK;

	for (size_t i = 0; r == BLR_OK && i < rd->nu;) {
		size_t j = i;
		uint64_t a, b;

		while (j < rd->nu &&
		       (predicted ? rd->u[j] == U_HELD || rd->u[j] == U_BASE : rd->u[j] == U_TODO))
			j++;
		if (j == i) {
			i++;
			continue;
		}
		a = (rd->first + i) * FL_SECTOR;
		b = (rd->first + j) * FL_SECTOR;
		a = a < rd->addr ? rd->addr : a;
		b = b > rd->end ? rd->end : b;
		r = predicted ? confirm_run(rd, a, b) : read_run(rd, a, b);
		i = j;
	}
	return r;
}

/* Held blocks whose bytes in buf still have their recorded digest, then base: predictions. */
static int predict_units(struct rd *rd)
{
	const struct blr_read_opts *o = rd->opt;

	for (size_t k = 0; k < o->nheld; k++) {
		const struct blr_block *h = &o->held[k];
		uint64_t a = h->addr, b = a + h->len;
		uint8_t d[FL_SHA];
		int r;

		if (a < rd->addr || b > rd->end || a >= b)
			continue;
		r = fl_host_sha(at(rd, a), h->len, d);
		if (r != BLR_OK)
			return r;
		if (memcmp(d, h->sha256, FL_SHA) != 0)
			continue; /* not what was recorded: read it again */
		for (size_t i = uidx(rd, a); i <= uidx(rd, b - 1); i++) {
			uint64_t us = (rd->first + i) * FL_SECTOR, ue = us + FL_SECTOR;

			/* only units the block covers whole (their part in the range) */
			us = us < rd->addr ? rd->addr : us;
			ue = ue > rd->end ? rd->end : ue;
			if (us >= a && ue <= b)
				rd->u[i] = U_HELD;
		}
	}
	for (size_t i = 0; o->base && i < rd->nu; i++) {
		uint64_t us = (rd->first + i) * FL_SECTOR, ue = us + FL_SECTOR;

		if (rd->u[i] != U_TODO)
			continue;
		us = us < rd->addr ? rd->addr : us;
		ue = ue > rd->end ? rd->end : ue;
		memcpy(at(rd, us), o->base + (us - rd->addr), (size_t)(ue - us));
		rd->u[i] = U_BASE;
	}
	return BLR_OK;
}

static bool any_read(const struct rd *rd, uint64_t a, uint64_t b)
{
	for (size_t i = uidx(rd, a); i <= uidx(rd, b - 1); i++)
		if (rd->u[i] == U_READ)
			return true;
	return false;
}

/* The final check (OP-12): the whole range once; on a mismatch the read units are checked
 * per 64 KiB block and repaired, then the whole range again. */
static int final_check(struct rd *rd, uint8_t digest[FL_SHA])
{
	size_t len = (size_t)(rd->end - rd->addr);
	int r = BLR_OK;

	dev_progress(rd->o.dev, BLR_STAGE_VERIFY, 0, len);
	for (unsigned round = 0; round < FINAL_ROUND; round++) {
		uint8_t want[FL_SHA];
		bool found = false;

		r = fl_host_sha(rd->buf, len, want);
		if (r == BLR_OK)
			r = fl_chip_equal(&rd->o, rd->addr, len, want, false, &found, digest);
		if (r != BLR_OK || found) {
			if (found)
				dev_progress(rd->o.dev, BLR_STAGE_VERIFY, len, len);
			return r;
		}
		dev_warn(rd->o.dev, "the data read differ from the chip's SHA-256: repairing");
		for (uint64_t b = rd->addr; b < rd->end;) {
			uint64_t be = (b / FL_BLOCK + 1) * FL_BLOCK;
			uint8_t chip[FL_SHA];
			bool eq = true;

			be = be > rd->end ? rd->end : be;
			/* round 0 checks what was read; later rounds everything */
			if (round > 0 || any_read(rd, b, be))
				r = check(rd, b, be, false, &eq, chip);
			if (r == BLR_OK && !eq) {
				found = true;
				r = settle_diff(rd, b, be, chip, 1.0 / 16, true);
			}
			if (r != BLR_OK)
				return r;
			b = be;
		}
		if (!found)
			dev_warn(rd->o.dev, "no block differs: asking for the whole range again");
	}
	return BLR_E_VERIFY;
}

static int read_ex(struct rd *rd, uint8_t digest[FL_SHA])
{
	int r = predict_units(rd);

	/* confirming predictions decides by the round trip before anything measured it */
	if (r == BLR_OK && (rd->opt->base || rd->opt->nheld))
		r = fl_cost_measure(&rd->o);
	if (r == BLR_OK)
		r = each_run(rd, true);
	if (r == BLR_OK)
		r = each_run(rd, false);
	if (r != BLR_OK)
		return r;
	/* what was read and not yet confirmed (without on_block: everything read) */
	if (rd->read_any && any_read(rd, rd->addr, rd->end))
		return final_check(rd, digest);
	/* every unit was confirmed by its own equal digest: that is the whole range's */
	return fl_host_sha(rd->buf, (size_t)(rd->end - rd->addr), digest);
}

int blr_flash_read_ex(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len,
		      const struct blr_read_opts *opts, uint8_t sha256[32],
		      struct blr_read_stats *stats)
{
	static const struct blr_read_opts none;
	struct blr_read_stats st = {0};
	struct rd rd = {.addr = addr, .end = (uint64_t)addr + len, .buf = buf};
	uint8_t digest[FL_SHA] = {0};
	int r = fl_check(dev, addr, len, buf || !len);

	if (stats)
		*stats = st;
	if (r != BLR_OK)
		return r;
	fl_op_init(&rd.o, dev);
	rd.opt = opts ? opts : &none;
	rd.st = &st;
	rd.first = addr / FL_SECTOR;
	rd.nu = blr_sector_count(addr, len);
	rd.u = calloc(rd.nu ? rd.nu : 1, 1);
	if (!rd.u)
		return BLR_E_NOMEM;
	dev_progress(dev, BLR_STAGE_READ, 0, len);
	r = read_ex(&rd, digest);
	free(rd.u);
	st.bytes_read = rd.o.bytes_read;
	st.bytes_hashed = rd.o.bytes_hashed;
	st.hashes = rd.o.hashes;
	if (stats)
		*stats = st;
	if (sha256 && (r == BLR_OK || r == BLR_E_VERIFY))
		memcpy(sha256, digest, FL_SHA);
	return r;
}

int blr_flash_read_verified(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len,
			    uint8_t sha256[32])
{
	return blr_flash_read_ex(dev, addr, buf, len, NULL, sha256, NULL);
}
