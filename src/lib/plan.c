/* SPDX-License-Identifier: MIT */
/*
 * The plan of an update (doc/protocol.md OP-13, OP-15). Per 64 KiB block: what its sectors
 * hold, from the chip's digest of the block against the target's and erased flash's, 4 KiB
 * digests where they pay (judged from what they saved in the blocks before), or from the
 * caller's current contents; then erase what must be erased, never a sector only because it
 * is there (a blank sector is programmed without an erase), and let a 32 or 64 KiB erase take
 * over where it is cheaper than the sector erases plus programming again the equal sectors
 * it wipes.
 */
#include <string.h>

#include "lib/plan.h"

#define HALF_UNITS    (PLAN_UNITS / 2)
#define P_BLANK_STAYS 0.9 /* where the target is blank, so is the chip, mostly */

static bool in(uint16_t set, unsigned i)
{
	return (set >> i) & 1u;
}

/* Sectors to program when the set erase is erased: every sector that does not hold its
 * target afterwards and whose target is not all 0xFF. */
static uint16_t writes_for(const struct plan_unit u[PLAN_UNITS], uint16_t erase)
{
	uint16_t w = 0;

	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if (u[i].state != PU_ABSENT && !u[i].tblank &&
		    (in(erase, i) || u[i].state != PU_EQUAL))
			w |= (uint16_t)(1u << i);
	return w;
}

static double cost_of(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS],
		      uint16_t erase, uint16_t *write)
{
	size_t steps[3] = {0, 0, 0};
	double ms = 0;

	for (unsigned i = 0; i < PLAN_UNITS;) {
		unsigned j = i;

		if (!in(erase, i)) {
			i++;
			continue;
		}
		while (j < PLAN_UNITS && in(erase, j))
			j++;
		/* one erase command per run; the loader picks its steps (ERASE-2) */
		ms +=
		    o->c.rtt + fl_erase_steps(o, base + i * FL_SECTOR, base + j * FL_SECTOR, steps);
		i = j;
	}
	*write = writes_for(u, erase);
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		if (in(*write, i))
			ms += u[i].wcost;
		if (in(erase, i) && u[i].partial)
			ms += u[i].rbcost;
	}
	return ms;
}

/* A half (or the block) may be erased whole only when all its sectors are in the range. */
static bool fillable(const struct plan_unit u[PLAN_UNITS], unsigned from, unsigned n)
{
	for (unsigned i = from; i < from + n; i++)
		if (u[i].state == PU_ABSENT || u[i].partial)
			return false;
	return true;
}

double plan_block(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS],
		  struct plan *plan)
{
	const uint16_t half[2] = {(1u << HALF_UNITS) - 1,
				  (uint16_t)(((1u << HALF_UNITS) - 1) << HALF_UNITS)};
	uint16_t need = 0, cand[4];
	unsigned n = 0;

	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if (u[i].state == PU_ERASE)
			need |= (uint16_t)(1u << i);
	cand[n++] = need;
	for (unsigned h = 0; h < 2; h++)
		if ((need & half[h]) && fillable(u, h * HALF_UNITS, HALF_UNITS))
			cand[n++] = need | half[h];
	if (n == 3)
		cand[n++] = need | half[0] | half[1];
	plan->cost = -1;
	for (unsigned k = 0; k < n; k++) {
		uint16_t w;
		double c = cost_of(o, base, u, cand[k], &w);

		/* ties keep the smaller erase (fewer erase cycles) */
		if (plan->cost < 0 || c < plan->cost) {
			plan->cost = c;
			plan->erase = cand[k];
			plan->write = w;
		}
	}
	return plan->cost;
}

double plan_gain_max(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS])
{
	struct plan_unit v[PLAN_UNITS];
	struct plan p;
	double unknown, best = -1;

	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		v[i] = u[i];
		if (v[i].state != PU_ABSENT)
			v[i].state = PU_ERASE;
	}
	unknown = plan_block(o, base, v, &p);
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		double c;

		if (u[i].state == PU_ABSENT)
			continue;
		for (unsigned j = 0; j < PLAN_UNITS; j++)
			if (v[j].state != PU_ABSENT)
				v[j].state = j == i ? PU_ERASE : PU_EQUAL;
		c = plan_block(o, base, v, &p);
		if (best < 0 || c < best)
			best = c;
	}
	return best < 0 ? 0 : unknown - best;
}

/* ---- what the blocks hold ------------------------------------------------------------ */

bool wr_unit_span(const struct wblk *blk, unsigned i, uint64_t *s, uint64_t *e)
{
	uint64_t a = blk->base + (uint64_t)i * FL_SECTOR, b = a + FL_SECTOR;

	*s = a < blk->bs ? blk->bs : a;
	*e = b > blk->be ? blk->be : b;
	return *s < *e;
}

const uint8_t *wr_tgt(const struct wr *w, uint64_t a)
{
	return w->tgt + (a - w->addr);
}

/* The block's sectors: present, partial, target blank, and what programming (at the xz ratio
 * seen so far) and reading back cost. */
static void init_units(struct wr *w, struct wblk *blk)
{
	size_t chunk = fl_write_chunk(w->o.dev);
	const struct fl_costs *c = &w->o.c;
	double ratio = w->xz ? (w->xz_in ? (double)w->xz_out / (double)w->xz_in : XZ_PRIOR) : 1.0;

	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		struct plan_unit *u = &blk->u[i];
		uint64_t s, e;
		double sent = FL_SECTOR * (ratio < 1 ? ratio : 1), prog = c->prog * FL_SECTOR;

		if (!wr_unit_span(blk, i, &s, &e)) {
			*u = (struct plan_unit){.state = PU_ABSENT};
			continue;
		}
		u->tblank = fl_all_ff(wr_tgt(w, s), (size_t)(e - s));
		u->partial = e - s < FL_SECTOR;
		u->wcost =
		    c->rtt * sent / (double)chunk + (c->wire * sent > prog ? c->wire * sent : prog);
		u->rbcost = u->partial ? fl_cost_read(&w->o, FL_SECTOR - (size_t)(e - s)) : 0;
	}
}

static void set_states(struct wblk *blk, enum pu_state s)
{
	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if (blk->u[i].state != PU_ABSENT || s == PU_ABSENT)
			blk->u[i].state = (uint8_t)s;
}

/* From the current contents the caller gave: exact states, no command. */
static void known_from_current(const struct wr *w, struct wblk *blk)
{
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		const uint8_t *c, *t;
		uint64_t s, e;
		bool eq = true, prog = true, blank = true;

		if (!wr_unit_span(blk, i, &s, &e))
			continue;
		c = w->cur + (s - w->addr);
		t = wr_tgt(w, s);
		for (size_t k = 0; k < e - s; k++) {
			eq &= c[k] == t[k];
			prog &= (c[k] & t[k]) == t[k];
			blank &= c[k] == FL_FF;
		}
		blk->u[i].state = eq ? PU_EQUAL : blank ? PU_BLANK : prog ? PU_PROG : PU_ERASE;
	}
}

/* Every sector of blk by its own chip digest: equal, blank, or to be erased. */
static int hash_units(struct wr *w, struct wblk *blk)
{
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		uint8_t chip[FL_SHA], want[FL_SHA];
		uint64_t s, e;
		int r;

		if (!wr_unit_span(blk, i, &s, &e))
			continue;
		r = fl_sha(&w->o, (uint32_t)s, (size_t)(e - s), chip);
		if (r == BLR_OK)
			r = fl_host_sha(wr_tgt(w, s), (size_t)(e - s), want);
		if (r != BLR_OK)
			return r;
		if (!memcmp(chip, want, FL_SHA)) {
			blk->u[i].state = PU_EQUAL;
			continue;
		}
		r = fl_blank_sha((size_t)(e - s), want);
		if (r != BLR_OK)
			return r;
		blk->u[i].state = memcmp(chip, want, FL_SHA) ? PU_ERASE : PU_BLANK;
	}
	return BLR_OK;
}

/* 4 KiB digests of a block known only to differ, when what they are expected to save (the
 * most they could, scaled by what they saved before) exceeds what they cost (OP-13). */
static int maybe_hash_units(struct wr *w, struct wblk *blk)
{
	double most = plan_gain_max(&w->o, blk->base, blk->u), cost = 0, before, after;
	struct plan p;
	int r;

	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		uint64_t s, e;

		if (wr_unit_span(blk, i, &s, &e))
			cost += fl_cost_hash(&w->o, (size_t)(e - s));
	}
	if (most <= 0 || most * (w->gain_sum + 0.5) / (w->gain_n + 1) <= cost)
		return BLR_OK;
	before = plan_block(&w->o, blk->base, blk->u, &p);
	r = hash_units(w, blk);
	if (r != BLR_OK)
		return r;
	after = plan_block(&w->o, blk->base, blk->u, &p);
	w->gain_sum += before > after ? (before - after) / most : 0;
	w->gain_n++;
	return BLR_OK;
}

/* What the chip holds in blk, from its digests (OP-13). */
static int known_from_chip(struct wr *w, struct wblk *blk)
{
	size_t n = (size_t)(blk->be - blk->bs);
	uint8_t chip[FL_SHA], want[FL_SHA];
	int r = fl_sha(&w->o, (uint32_t)blk->bs, n, chip);

	if (r == BLR_OK)
		r = fl_host_sha(wr_tgt(w, blk->bs), n, want);
	if (r != BLR_OK)
		return r;
	if (!memcmp(chip, want, FL_SHA)) {
		set_states(blk, PU_EQUAL);
		blk->confirmed = true;
		return BLR_OK;
	}
	r = fl_blank_sha(n, want);
	if (r != BLR_OK)
		return r;
	init_units(w, blk);
	if (!memcmp(chip, want, FL_SHA)) {
		for (unsigned i = 0; i < PLAN_UNITS; i++)
			if (blk->u[i].state != PU_ABSENT)
				blk->u[i].state = blk->u[i].tblank ? PU_EQUAL : PU_BLANK;
		return BLR_OK;
	}
	set_states(blk, PU_ERASE);
	return maybe_hash_units(w, blk);
}

bool wr_next_stretch(const struct wblk *blk, unsigned *i, uint64_t *a, uint64_t *e)
{
	uint16_t set = blk->plan.write, er = blk->plan.erase;
	unsigned j, k;

	while (*i < PLAN_UNITS && !((set >> *i) & 1u))
		++*i;
	if (*i >= PLAN_UNITS)
		return false;
	for (j = *i, k = *i + 1; k < PLAN_UNITS; k++) {
		if ((set >> k) & 1u)
			j = k;
		else if (blk->u[k].state == PU_ABSENT || !blk->u[k].tblank)
			break;
	}
	*a = blk->base + (uint64_t)*i * FL_SECTOR;
	*e = blk->base + (uint64_t)(j + 1) * FL_SECTOR;
	*a = *a < blk->bs && !((er >> *i) & 1u) ? blk->bs : *a;
	*e = *e > blk->be && !((er >> j) & 1u) ? blk->be : *e;
	*i = j + 1;
	return true;
}

/* Plan blk; the ERASE and WRITE progress totals grow by what it will do. */
static void plan_totals(struct wr *w, struct wblk *blk)
{
	char st[PLAN_UNITS + 1];
	unsigned i = 0;
	uint64_t a, e;

	plan_block(&w->o, blk->base, blk->u, &blk->plan);
	for (unsigned k = 0; k < PLAN_UNITS; k++) {
		st[k] = "-=bpE"[blk->u[k].state]; /* enum pu_state */
		w->erase_total += (blk->plan.erase >> k) & 1u ? FL_SECTOR : 0;
	}
	st[PLAN_UNITS] = '\0';
	while (wr_next_stretch(blk, &i, &a, &e))
		w->write_total += e - a;
	if (blk->plan.erase || blk->plan.write)
		dev_dbg(w->o.dev, "block 0x%08x (%s): erase %04x, program %04x, %.0f ms",
			(unsigned)blk->base, st, blk->plan.erase, blk->plan.write, blk->plan.cost);
}

/* Blocks from k on whose target is all 0xFF. */
static size_t blank_targets(const struct wr *w, size_t k)
{
	size_t n = 0;

	while (k + n < w->nb &&
	       fl_all_ff(wr_tgt(w, w->b[k + n].bs), (size_t)(w->b[k + n].be - w->b[k + n].bs)))
		n++;
	return n;
}

/* n blocks from k with a blank target: hashed as one first when, the chip being blank there
 * too 9 times in 10, that is cheaper than their round trips (OP-13). *blank: it is. */
static int blank_run(struct wr *w, size_t k, size_t n, bool *blank)
{
	uint64_t a, e;
	double by_block;
	uint8_t want[FL_SHA];
	int r;

	*blank = false;
	if (n < 2)
		return BLR_OK;
	a = w->b[k].bs;
	e = w->b[k + n - 1].be;
	by_block = (double)n * fl_cost_hash(&w->o, 0) + w->o.c.hash * (double)(e - a);
	if (P_BLANK_STAYS * by_block <= fl_cost_hash(&w->o, (size_t)(e - a)))
		return BLR_OK;
	r = fl_blank_sha((size_t)(e - a), want);
	return r == BLR_OK
		   ? fl_chip_equal(&w->o, (uint32_t)a, (size_t)(e - a), want, false, blank, NULL)
		   : r;
}

/* What blk holds: from the chip (its digest, after a blank run was tried), or as told. */
static int known(struct wr *w, size_t k, size_t *tried, size_t *blank_to)
{
	struct wblk *blk = &w->b[k];
	int r = BLR_OK;

	if ((w->flags & BLR_UPDATE_FULL) || w->cur) {
		init_units(w, blk);
		if (!(w->flags & BLR_UPDATE_FULL))
			known_from_current(w, blk);
		return BLR_OK;
	}
	if (k >= *tried) {
		size_t n = blank_targets(w, k);
		bool blank = false;

		*tried = k + (n ? n : 1);
		r = blank_run(w, k, n, &blank);
		*blank_to = blank ? k + n : *blank_to;
	}
	if (r != BLR_OK || k >= *blank_to)
		return r == BLR_OK ? known_from_chip(w, blk) : r;
	set_states(blk, PU_EQUAL);
	blk->confirmed = true;
	return BLR_OK;
}

int wr_compare(struct wr *w)
{
	uint64_t len = w->end - w->addr;
	size_t tried = 0, blank_to = 0;

	dev_progress(w->o.dev, BLR_STAGE_COMPARE, 0, len);
	for (size_t k = 0; k < w->nb; k++) {
		struct wblk *blk = &w->b[k];
		int r;

		if (dev_cancelled(w->o.dev))
			return BLR_E_CANCELLED;
		set_states(blk, PU_ABSENT);
		for (unsigned i = 0; i < PLAN_UNITS; i++) {
			uint64_t s, e;

			if (wr_unit_span(blk, i, &s, &e))
				blk->u[i].state = PU_ERASE;
		}
		r = known(w, k, &tried, &blank_to);
		if (r != BLR_OK)
			return r;
		plan_totals(w, blk);
		dev_progress(w->o.dev, BLR_STAGE_COMPARE, blk->be - w->addr, len);
	}
	return BLR_OK;
}

int wr_replan(struct wr *w, struct wblk *blk)
{
	int r;

	init_units(w, blk);
	set_states(blk, PU_ERASE);
	r = hash_units(w, blk);
	/* a partial sector read back may have been erased: erased again and written whole,
	 * so that its bytes outside the range are restored (OP-18) */
	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if ((blk->rb_have >> i) & 1u)
			blk->u[i].state = PU_ERASE;
	if (r == BLR_OK)
		plan_totals(w, blk);
	blk->confirmed = blk->erased = blk->written = false;
	return r;
}
